// Carries bytes both ways between a client and a channel, with backpressure and half-close kept.
import type { Duplex } from 'node:stream';
import { GatewayError, isGatewayError, type ErrorCode } from '../common/errors.js';

export interface PipeResult {
  /** Client → channel. */
  bytesUp: number;
  /** Channel → client. */
  bytesDown: number;
}

export type PipeSide = 'client' | 'channel' | 'aborted';

/**
 * Why the gateway itself may end a transfer: a side destroyed with one of these is 'aborted', and the
 * transfer fails with that code (a shutdown, a revoked credential, a lifetime or idle limit).
 */
const TERMINATIONS: ReadonlySet<ErrorCode> = new Set(['EG_SHUTTING_DOWN', 'EG_CREDENTIAL_REVOKED', 'EG_CONNECTION_EXPIRED', 'EG_IDLE_TIMEOUT']);

function isTermination(err: unknown): err is GatewayError {
  return isGatewayError(err) && TERMINATIONS.has(err.code);
}

/** A transfer that ended in an error; both ends are destroyed and the counts are what got through. */
export class PipeError extends GatewayError {
  override readonly name = 'PipeError';
  readonly side: PipeSide;
  readonly bytesUp: number;
  readonly bytesDown: number;

  constructor(side: PipeSide, bytes: PipeResult, cause: unknown) {
    const code = side !== 'aborted' ? 'EG_STREAM_RESET' : isTermination(cause) ? cause.code : 'EG_SHUTTING_DOWN';
    super(code, side === 'aborted' && isTermination(cause) ? cause.message : `transfer failed on the ${side} side`, { cause });
    this.side = side;
    this.bytesUp = bytes.bytesUp;
    this.bytesDown = bytes.bytesDown;
  }
}

/**
 * Resolves when both directions have ended cleanly. A FIN from one side ends the other side's
 * writable half while the opposite direction keeps flowing; an error or a premature close on either
 * side destroys both. Chunks are counted, never copied; a full destination pauses its source until
 * 'drain'. A side destroyed with an EG_SHUTTING_DOWN error (a listener closing) counts as aborted.
 *
 * Why not `stream.pipeline()` or `Readable#pipe`: per connection, two pipelines registered about 70
 * closures and two promises; two `pipe()` calls still add 18 closures and six `once` wrappers (a
 * bound function with its own property array each), ≈2 KiB of an idle connection's 15. The pipe is
 * one 'data' listener per direction, which also counts, and one 'drain' listener per direction.
 */
export interface PipeOptions {
  /** Aborting it destroys both sides; the transfer fails as 'aborted'. */
  signal?: AbortSignal;
  /** Where the counts go as bytes pass (a live connection-table entry); default a fresh object. */
  counters?: PipeResult;
}

export function pipeBoth(client: Duplex, channel: Duplex, { signal, counters }: PipeOptions = {}): Promise<PipeResult> {
  return new Promise((resolve, reject) => {
    const bytes: PipeResult = counters ?? { bytesUp: 0, bytesDown: 0 };
    let settled = false;
    const settle = (side?: PipeSide, cause?: unknown): void => {
      if (settled) return;
      settled = true;
      signal?.removeEventListener('abort', onAbort);
      // Every listener of ours goes: ssh2 keeps a channel until the tunnel host's CHANNEL_CLOSE comes
      // back, and these closures would keep the client socket and its buffers alive with it, often long
      // enough to be copied by the young-generation GC and promoted (a quarter less promoted per
      // scavenge without them). A destroyed stream may still emit a late 'error': one no-op takes it.
      detach(client, onUp, onClientError, onClientClose, onClientEnd, onClientDrain);
      detach(channel, onDown, onChannelError, onChannelClose, onChannelEnd, onChannelDrain);
      // Both halves are done (or failed): release the descriptors now rather than on GC.
      client.destroy();
      channel.destroy();
      if (side) reject(new PipeError(side, bytes, cause));
      else resolve({ bytesUp: bytes.bytesUp, bytesDown: bytes.bytesDown });
    };
    const done = (): boolean =>
      client.readableEnded && channel.writableFinished && channel.readableEnded && client.writableFinished;
    const onFinish = (): void => {
      if (done()) settle();
    };
    const onUp = (chunk: Buffer): void => {
      bytes.bytesUp += chunk.length;
      if (!channel.write(chunk)) client.pause();
    };
    // Bulk chunks from one tunnel-host read go to the client in one writev: the first corks the client
    // and the end of this tick uncorks it (no wait beyond the current callback). Backpressure is
    // judged after the flush, when the kernel has taken what it will. The flush is made on the first
    // bulk chunk, so connections that never carry one (most, and every idle one) hold no extra closure.
    let corked = false;
    let flushDown: (() => void) | undefined;
    const onDown = (chunk: Buffer): void => {
      bytes.bytesDown += chunk.length;
      if (!corked && chunk.length >= BULK_CHUNK_BYTES && !client.writableCorked) {
        corked = true;
        client.cork();
        process.nextTick((flushDown ??= () => {
          corked = false;
          client.uncork();
          if (client.writableLength >= client.writableHighWaterMark) channel.pause();
        }));
      }
      if (!client.write(chunk) && !corked) channel.pause();
    };
    const onAbort = (): void => settle('aborted', signal?.reason);
    const failed = (side: PipeSide, err: unknown): void => settle(isTermination(err) ? 'aborted' : side, err);
    const onClientError = (err: unknown): void => failed('client', err);
    const onChannelError = (err: unknown): void => failed('channel', err);
    // A side that closes with both of its own halves complete is fine: the other may still be flushing.
    const closed = (stream: Duplex, side: PipeSide): void => {
      if (stream.readableEnded && stream.writableFinished) onFinish();
      else settle(side, new Error(`${side} closed before the transfer ended`));
    };
    const onClientClose = (): void => closed(client, 'client');
    const onChannelClose = (): void => closed(channel, 'channel');
    // A FIN from one side ends the other's writable half.
    const onClientEnd = (): void => void channel.end();
    const onChannelEnd = (): void => void client.end();
    // A destination that drained lets its source flow again.
    const onClientDrain = (): void => void channel.resume();
    const onChannelDrain = (): void => void client.resume();

    client.on('error', onClientError);
    channel.on('error', onChannelError);
    client.on('close', onClientClose);
    channel.on('close', onChannelClose);
    client.on('finish', onFinish);
    channel.on('finish', onFinish);
    if (signal?.aborted) return onAbort();
    // A side may have gone while the other was being opened (a forward's client during the channel open).
    if (client.destroyed) return onClientClose();
    if (channel.destroyed) return onChannelClose();
    signal?.addEventListener('abort', onAbort, { once: true });
    // A FIN that arrived before the pipe started ('end' already emitted) is passed on now.
    if (client.readableEnded) channel.end();
    else client.on('end', onClientEnd);
    if (channel.readableEnded) client.end();
    else channel.on('end', onChannelEnd);
    client.on('drain', onClientDrain);
    channel.on('drain', onChannelDrain);
    client.on('data', onUp);
    channel.on('data', onDown);
    // Adding a 'data' listener does not restart a stream that was paused explicitly (the SOCKS parser did).
    client.resume();
    channel.resume();

    function detach(stream: Duplex, onData: (chunk: Buffer) => void, onError: (err: unknown) => void, onClose: () => void, onEnd: () => void, onDrain: () => void): void {
      stream.off('data', onData);
      stream.off('error', onError);
      stream.off('close', onClose);
      stream.off('end', onEnd);
      stream.off('drain', onDrain);
      stream.off('finish', onFinish);
      stream.on('error', ignoreLateError);
    }
  });
}

function ignoreLateError(): void {}

/** A chunk this large is part of a bulk transfer (ssh2 hands on 32 KiB packets); smaller ones go out at once. */
const BULK_CHUNK_BYTES = 16 * 1024;
