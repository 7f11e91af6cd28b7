// Carries bytes both ways between a client and a channel: one pipeline per direction, half-close kept.
import type { Duplex } from 'node:stream';
import { pipeline } from 'node:stream/promises';
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
 * writable half while the opposite direction keeps flowing; an error on either destroys both.
 * Chunks are counted, never copied; `pipeline` keeps backpressure.
 */
export async function pipeBoth(client: Duplex, channel: Duplex, signal?: AbortSignal): Promise<PipeResult> {
  const bytes: PipeResult = { bytesUp: 0, bytesDown: 0 };
  let failed: PipeSide | undefined;
  const onClientError = () => (failed ??= 'client');
  const onChannelError = () => (failed ??= 'channel');
  const onUp = (chunk: Buffer) => (bytes.bytesUp += chunk.length);
  const onDown = (chunk: Buffer) => (bytes.bytesDown += chunk.length);
  client.on('error', onClientError);
  channel.on('error', onChannelError);

  const options = signal ? { signal } : {};
  const directions = Promise.allSettled([pipeline(client, channel, options), pipeline(channel, client, options)]);
  client.on('data', onUp);
  channel.on('data', onDown);
  const [up, down] = await directions;

  client.off('data', onUp);
  channel.off('data', onDown);
  // The error listeners stay: a destroyed stream may still emit a late 'error'.
  // Both halves are done (or failed): release the descriptors now rather than on GC.
  client.destroy();
  channel.destroy();
  const rejected = [up, down].find((result) => result.status === 'rejected');
  if (!rejected) return bytes;
  const side: PipeSide = signal?.aborted ? 'aborted' : (failed ?? (up.status === 'rejected' ? 'client' : 'channel'));
  throw new PipeError(side, bytes, rejected.reason);
}
