import { describe, expect, it } from 'vitest';
import { createDeadline } from '../../gateway/deadline.js';

const timeoutError = () => new Error('timed out');

describe('createDeadline', () => {
  it('aborts with the timeout reason once the time passes', async () => {
    const deadline = createDeadline(20, undefined, timeoutError);
    expect(deadline.signal.aborted).toBe(false);
    await new Promise<void>((resolve) => deadline.signal.addEventListener('abort', () => resolve()));
    expect(deadline.timedOut).toBe(true);
    expect((deadline.signal.reason as Error).message).toBe('timed out');
  });

  it('follows the parent with the parent’s reason, also when it aborted before', () => {
    const parent = new AbortController();
    const deadline = createDeadline(60_000, parent.signal, timeoutError);
    parent.abort('client left');
    expect(deadline.signal.aborted).toBe(true);
    expect(deadline.signal.reason).toBe('client left');
    expect(deadline.timedOut).toBe(false);
    expect(createDeadline(60_000, parent.signal, timeoutError).signal.reason).toBe('client left');
  });

  it('dispose() stops both the timer and the parent link', async () => {
    const parent = new AbortController();
    const deadline = createDeadline(10, parent.signal, timeoutError);
    deadline.dispose();
    parent.abort('late');
    await new Promise((resolve) => setTimeout(resolve, 30));
    expect(deadline.signal.aborted).toBe(false);
  });
});
