// A deadline rides the connection's own cancellation: it aborts it at the limit, says it did, and stops when disposed.
import { describe, expect, it } from 'vitest';
import { Cancellation } from '../../gateway/cancel.js';
import { Deadline } from '../../gateway/deadline.js';

const timeoutError = () => new Error('timed out');

describe('Deadline', () => {
  it("aborts the edge's cancellation with the timeout reason once the time passes", async () => {
    const cancel = new Cancellation();
    const deadline = new Deadline(cancel, 20, timeoutError);
    await new Promise<void>((resolve) => cancel.addEventListener('abort', () => resolve()));
    expect(deadline.timedOut).toBe(true);
    expect((cancel.reason as Error).message).toBe('timed out');
  });

  it("tells the edge's own abort apart from the limit", () => {
    const cancel = new Cancellation();
    const deadline = new Deadline(cancel, 60_000, timeoutError);
    cancel.abort('client left');
    deadline.dispose();
    expect(deadline.timedOut).toBe(false);
    expect(cancel.reason).toBe('client left');
  });

  it('dispose() stops the timer', async () => {
    const cancel = new Cancellation();
    new Deadline(cancel, 10, timeoutError).dispose();
    await new Promise((resolve) => setTimeout(resolve, 30));
    expect(cancel.aborted).toBe(false);
  });
});
