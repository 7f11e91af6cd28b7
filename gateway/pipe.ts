// Carries bytes both ways between a client and a channel: one pipeline per direction, half-close kept.
import type { Duplex } from 'node:stream';
import { GatewayError } from '../common/errors.js';

export interface PipeResult {
  /** Client → channel. */
  bytesUp: number;
  /** Channel → client. */
  bytesDown: number;
}

export type PipeSide = 'client' | 'channel' | 'aborted';

/** A transfer that ended in an error; both ends are destroyed and the counts are what got through. */
export class PipeError extends GatewayError {
  override readonly name = 'PipeError';
  readonly side: PipeSide;
  readonly bytesUp: number;
  readonly bytesDown: number;

  constructor(side: PipeSide, bytes: PipeResult, cause: unknown) {
    super(side === 'aborted' ? 'EG_SHUTTING_DOWN' : 'EG_STREAM_RESET', `transfer failed on the ${side} side`, { cause });
    this.side = side;
    this.bytesUp = bytes.bytesUp;
    this.bytesDown = bytes.bytesDown;
  }
}

/**
 * Resolves when both directions have ended cleanly. A FIN from one side ends the other side's
 * writable half while the opposite direction keeps flowing; an error or a premature close on either
 * side destroys both. Chunks are counted, never copied; `Readable#pipe` keeps backpressure.
 *
 * Why not `stream.pipeline()`: two pipelines register about 70 closures and two promises per
 * connection (end-of-stream watchers on each stream, destroyers); with 10,000 idle connections that
 * was a third of the gateway's heap. Two `pipe()` calls and one set of listeners do the same job.
 */
export function pipeBoth(client: Duplex, channel: Duplex, signal?: AbortSignal): Promise<PipeResult> {
  return new Promise((resolve, reject) => {
    const bytes: PipeResult = { bytesUp: 0, bytesDown: 0 };
    let settled = false;
    const settle = (side?: PipeSide, cause?: unknown): void => {
      if (settled) return;
      settled = true;
      signal?.removeEventListener('abort', onAbort);
      client.off('data', onUp);
      channel.off('data', onDown);
      // Both halves are done (or failed): release the descriptors now rather than on GC.
      // The error listeners stay: a destroyed stream may still emit a late 'error'.
      client.destroy();
      channel.destroy();
      if (side) reject(new PipeError(side, bytes, cause));
      else resolve(bytes);
    };
    const done = (): boolean =>
      client.readableEnded && channel.writableFinished && channel.readableEnded && client.writableFinished;
    const onFinish = (): void => {
      if (done()) settle();
    };
    const onUp = (chunk: Buffer): void => void (bytes.bytesUp += chunk.length);
    const onDown = (chunk: Buffer): void => void (bytes.bytesDown += chunk.length);
    const onAbort = (): void => settle('aborted', signal?.reason);

    client.on('error', (err) => settle('client', err));
    channel.on('error', (err) => settle('channel', err));
    // A side that closes with both of its own halves complete is fine: the other may still be flushing.
    const onClose = (stream: Duplex, side: PipeSide) => (): void => {
      if (stream.readableEnded && stream.writableFinished) onFinish();
      else settle(side, new Error(`${side} closed before the transfer ended`));
    };
    client.on('close', onClose(client, 'client'));
    channel.on('close', onClose(channel, 'channel'));
    client.on('finish', onFinish);
    channel.on('finish', onFinish);
    client.on('data', onUp);
    channel.on('data', onDown);
    if (signal?.aborted) return onAbort();
    // A side may have gone while the other was being opened (a forward's client during the channel open).
    if (client.destroyed) return onClose(client, 'client')();
    if (channel.destroyed) return onClose(channel, 'channel')();
    signal?.addEventListener('abort', onAbort, { once: true });
    client.pipe(channel);
    channel.pipe(client);
  });
}
