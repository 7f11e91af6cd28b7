import { describe, expect, it } from 'vitest';
import { Cancellation } from '../../gateway/cancel.js';
import type { CancelSignal } from '../../gateway/contracts.js';

describe('Cancellation', () => {
  it('runs each listener once, in order, with the reason set; later aborts change nothing', () => {
    const cancellation = new Cancellation();
    const seen: string[] = [];
    cancellation.signal.addEventListener('abort', () => seen.push(`first:${String(cancellation.signal.reason)}`));
    cancellation.signal.addEventListener('abort', () => seen.push('second'));
    expect(cancellation.signal.aborted).toBe(false);
    cancellation.abort('client left');
    cancellation.abort('again');
    expect(seen).toEqual(['first:client left', 'second']);
    expect(cancellation.signal.aborted).toBe(true);
    expect(cancellation.signal.reason).toBe('client left');
  });

  it('forgets a removed listener, ignores a duplicate, and never runs one added after the abort', () => {
    const cancellation = new Cancellation();
    let removed = 0;
    let duplicate = 0;
    let late = 0;
    const onRemoved = () => removed++;
    const onDuplicate = () => duplicate++;
    cancellation.addEventListener('abort', onRemoved);
    cancellation.addEventListener('abort', onDuplicate);
    cancellation.addEventListener('abort', onDuplicate);
    cancellation.removeEventListener('abort', onRemoved);
    cancellation.removeEventListener('abort', () => undefined); // never added: nothing happens
    cancellation.abort(new Error('shutdown'));
    cancellation.addEventListener('abort', () => late++);
    expect([removed, duplicate, late]).toEqual([0, 1, 0]);
  });

  it('gives an AbortError without a reason, as AbortController does', () => {
    const cancellation = new Cancellation();
    cancellation.abort();
    const controller = new AbortController();
    controller.abort();
    expect(cancellation.reason).toBeInstanceOf(DOMException);
    expect((cancellation.reason as DOMException).name).toBe((controller.signal.reason as DOMException).name);
  });

  it('runs every listener even when one throws, then rethrows the first error', () => {
    const cancellation = new Cancellation();
    let ran = false;
    cancellation.addEventListener('abort', () => {
      throw new Error('listener failed');
    });
    cancellation.addEventListener('abort', () => (ran = true));
    expect(() => cancellation.abort('x')).toThrow('listener failed');
    expect(ran).toBe(true);
    expect(cancellation.aborted).toBe(true);
  });

  it('accepts an AbortSignal wherever a CancelSignal is asked for', () => {
    const controller = new AbortController();
    const signal: CancelSignal = controller.signal;
    let fired = 0;
    signal.addEventListener('abort', () => fired++, { once: true });
    controller.abort('done');
    expect([fired, signal.reason]).toEqual([1, 'done']);
  });
});
