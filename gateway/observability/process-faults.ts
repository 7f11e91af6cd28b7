// What the gateway process does with a fault no code path caught: log it with a code, count it, and
// then either go on (a rejected promise) or drain and exit (a thrown exception). docs/reliability.md.
//
// An unhandled rejection is a promise nobody awaited: the work it belonged to has already failed, and
// the stack that created it unwound normally, so the process's state is intact. Node's default (exit)
// would drop every user's connections for one client's failure; we log, count and carry on.
// An uncaught exception unwound a stack midway: state it was changing may be half-changed, so we stop
// taking new work, drain within the drain deadline, and exit 1 for the orchestrator to replace the task.
import type { Counter } from 'prom-client';
import type { Logger } from './logger.js';

export interface ProcessFaultOptions {
  log: Logger;
  faults: Counter<'kind'>;
  /** Graceful drain after an uncaught exception; the process exits 1 when it settles or after `drainMs`. */
  drain: () => Promise<void>;
  drainMs: number;
}

/** Only the error's class, code and stack frames: a message or property may carry client bytes. */
function describe(err: unknown): { type: string; code?: string; stack?: string } {
  if (!(err instanceof Error)) return { type: typeof err };
  const code = (err as { code?: unknown }).code;
  return {
    type: err.name,
    ...(typeof code === 'string' ? { code } : {}),
    ...(err.stack ? { stack: err.stack.split('\n').slice(1, 8).join('\n') } : {}),
  };
}

/** Installs the handlers; the returned function removes them (close()). */
export function guardProcessFaults(options: ProcessFaultOptions): () => void {
  let exiting = false;
  const onRejection = (reason: unknown): void => {
    options.faults.inc({ kind: 'unhandled_rejection' });
    options.log.error({ code: 'EG_UNHANDLED_REJECTION', fault: describe(reason) }, 'unhandled promise rejection; the gateway goes on');
  };
  const onException = (err: unknown): void => {
    options.faults.inc({ kind: 'uncaught_exception' });
    options.log.fatal({ code: 'EG_UNCAUGHT_EXCEPTION', fault: describe(err) }, 'uncaught exception; draining, then exiting 1');
    if (exiting) return;
    exiting = true;
    const exit = (): never => process.exit(1);
    setTimeout(exit, options.drainMs).unref();
    options.drain().then(exit, exit);
  };
  process.on('unhandledRejection', onRejection);
  process.on('uncaughtException', onException);
  return () => {
    process.off('unhandledRejection', onRejection);
    process.off('uncaughtException', onException);
  };
}
