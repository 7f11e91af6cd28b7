// Cancellation on the connect path: what it uses of AbortController/AbortSignal, without EventTarget.
//
// Why: every SOCKS CONNECT needs a signal that the client leaving, a shutdown or the dial's time limit can
// fire. An AbortController, its AbortSignal and two EventTarget listener registrations were ~3.5% of the
// gateway's CPU per connection at 100 clients (docs/performance.md); this is one small object. An
// AbortSignal still fits wherever a CancelSignal is asked for, so callers outside the hot path keep theirs.
import type { Abortable, CancelSignal } from './contracts.js';

/**
 * A controller that is its own signal. Listeners run once, in the order added, when `abort()` is first
 * called; one added after that never runs (as with an aborted AbortSignal, check `aborted` first).
 */
export class Cancellation implements CancelSignal, Abortable {
  #aborted = false;
  #reason: unknown = undefined;
  /** Usually one or two: the dial's and the channel open's. */
  #listeners: Array<() => void> | undefined;

  get signal(): CancelSignal {
    return this;
  }

  get aborted(): boolean {
    return this.#aborted;
  }

  get reason(): unknown {
    return this.#reason;
  }

  addEventListener(_type: 'abort', listener: () => void): void {
    if (this.#aborted) return;
    const listeners = (this.#listeners ??= []);
    if (!listeners.includes(listener)) listeners.push(listener);
  }

  removeEventListener(_type: 'abort', listener: () => void): void {
    const at = this.#listeners?.indexOf(listener) ?? -1;
    if (at !== -1) this.#listeners?.splice(at, 1);
  }

  /** Without a reason, the reason is an AbortError, as AbortController gives. Later calls do nothing. */
  abort(reason?: unknown): void {
    if (this.#aborted) return;
    this.#aborted = true;
    this.#reason = reason === undefined ? new DOMException('This operation was aborted', 'AbortError') : reason;
    const listeners = this.#listeners;
    this.#listeners = undefined;
    if (!listeners) return;
    // Every listener runs even if one throws; the first error is rethrown after them.
    let failure: { error: unknown } | undefined;
    for (const listener of listeners) {
      try {
        listener();
      } catch (error) {
        failure ??= { error };
      }
    }
    if (failure) throw failure.error;
  }
}
