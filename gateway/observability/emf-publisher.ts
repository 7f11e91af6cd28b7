// Writes the metrics as EMF log lines on a timer: the gateway's own log stream carries them to CloudWatch.
import type { Registry } from 'prom-client';
import { toEmfDocuments, type CounterMemory, type EmfDocument, type MetricSnapshot } from './emf.js';

export interface EmfPublisherOptions {
  registry: Registry;
  namespace: string;
  intervalMs: number;
  /** One document, one log line. */
  write(document: EmfDocument): void;
  onError(err: unknown): void;
  now?: () => number;
}

export interface EmfPublisher {
  /** Writes one set of documents now (the timer calls it; so does close). */
  flush(): Promise<void>;
  /** Stops the timer and writes what was counted since the last flush. Idempotent. */
  close(): Promise<void>;
}

export function startEmfPublisher(options: EmfPublisherOptions): EmfPublisher {
  const memory: CounterMemory = new Map();
  const now = options.now ?? Date.now;
  let closing: Promise<void> | undefined;

  const flush = async (): Promise<void> => {
    try {
      const snapshot = (await options.registry.getMetricsAsJSON()) as unknown as MetricSnapshot[];
      for (const document of toEmfDocuments(snapshot, { namespace: options.namespace, timestamp: now(), memory })) options.write(document);
    } catch (err) {
      options.onError(err);
    }
  };
  const timer = setInterval(() => void flush(), options.intervalMs);
  timer.unref();

  return {
    flush,
    close() {
      clearInterval(timer);
      closing ??= flush();
      return closing;
    },
  };
}
