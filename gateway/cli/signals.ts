// Resolves on the first SIGINT or SIGTERM, so long-running commands can close everything and exit 0.
//
// Later signals are ignored while shutting down (the handlers stay, and a promise resolves once): a terminal's
// Ctrl-C reaches the whole process group, and `npm start` forwards the same signal once more, so one Ctrl-C can
// arrive twice.
export function untilSignal(): Promise<NodeJS.Signals> {
  return new Promise((resolve) => {
    for (const signal of ['SIGINT', 'SIGTERM'] as const) process.on(signal, resolve);
  });
}
