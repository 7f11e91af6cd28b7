// A time limit on a connection's own cancellation: when it passes, the cancellation aborts with the
// limit's reason and `timedOut` tells that apart from the edge's own abort (client gone, shutdown).
//
// Why not AbortSignal.timeout() + AbortSignal.any(): on Node 20 each registers weak references and
// finalizers per connection (docs/performance.md). This is one timer on the controller the
// edge already owns: no second controller and no listener on a parent.
import type { Abortable, CancelSignal } from './contracts.js';

export interface Deadline {
  readonly signal: CancelSignal;
  /** True once the time limit (not the edge) aborted the signal. */
  readonly timedOut: boolean;
  /** Clears the timer; call when the guarded work is over. */
  dispose(): void;
}

export function deadlineOn(controller: Abortable, ms: number, timeoutReason: () => Error): Deadline {
  return new TimeLimit(controller, ms, timeoutReason);
}

/** A class, not an object literal with a getter and two closures: one is made per connection. */
class TimeLimit implements Deadline {
  readonly #controller: Abortable;
  readonly #timeoutReason: () => Error;
  readonly #timer: NodeJS.Timeout;
  #timedOut = false;

  constructor(controller: Abortable, ms: number, timeoutReason: () => Error) {
    this.#controller = controller;
    this.#timeoutReason = timeoutReason;
    // One shared callback for every limit: no closure per connection.
    this.#timer = setTimeout(TimeLimit.#expire, ms, this);
  }

  static #expire(limit: TimeLimit): void {
    limit.#timedOut = true;
    limit.#controller.abort(limit.#timeoutReason());
  }

  get signal(): CancelSignal {
    return this.#controller.signal;
  }

  get timedOut(): boolean {
    return this.#timedOut;
  }

  dispose(): void {
    clearTimeout(this.#timer);
  }
}
