// A time limit on a connection's own cancellation: when it passes, the cancellation aborts with the
// limit's reason and `timedOut` tells that apart from the edge's own abort (client gone, shutdown).
//
// Why not AbortSignal.timeout() + AbortSignal.any(): on Node 20 each registers weak references and
// finalizers per connection (docs/performance.md). This is one timer on the controller the
// edge already owns: no second controller and no listener on a parent. A class, not closures: one is
// made per connection.
import type { Abortable } from './contracts.js';

export class Deadline {
  readonly #controller: Abortable;
  readonly #timeoutReason: () => Error;
  readonly #timer: NodeJS.Timeout;
  #timedOut = false;

  constructor(controller: Abortable, ms: number, timeoutReason: () => Error) {
    this.#controller = controller;
    this.#timeoutReason = timeoutReason;
    // One shared callback for every limit: no closure per connection.
    this.#timer = setTimeout(Deadline.#expire, ms, this);
  }

  static #expire(limit: Deadline): void {
    limit.#timedOut = true;
    limit.#controller.abort(limit.#timeoutReason());
  }

  /** True once the time limit (not the edge) aborted the controller. */
  get timedOut(): boolean {
    return this.#timedOut;
  }

  /** Clears the timer; call when the guarded work is over. */
  dispose(): void {
    clearTimeout(this.#timer);
  }
}
