// Resolves on the first SIGINT or SIGTERM, so long-running commands can close everything and exit 0.
//
// Later signals are ignored while shutting down: a terminal's Ctrl-C reaches the whole process group, and
// `npm start` forwards the same signal once more, so one Ctrl-C can arrive twice.
export function untilSignal(signals: readonly NodeJS.Signals[] = ['SIGINT', 'SIGTERM']): Promise<NodeJS.Signals> {
  return new Promise((resolve) => {
    let received: NodeJS.Signals | undefined;
    const handler = (signal: NodeJS.Signals): void => {
      if (received) return;
      received = signal;
      resolve(signal);
    };
    for (const s of signals) process.on(s, handler);
  });
}
