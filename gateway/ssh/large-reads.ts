// Reads the tunnel host's socket up to 256 KiB at a time, as OpenSSH reads its own, instead of Node's 64 KiB.
//
// Why: in a bulk download sshd sends 32 KiB packets. With 64 KiB reads, a packet straddles two reads about
// every other time (ssh2 then copies it whole into a new buffer), and every read costs a libuv callback, a
// 'data' event and a parse call, each on a freshly allocated buffer. Larger reads cut the gateway's CPU
// per GiB by about 15% on aes128-gcm (docs/performance.md).
import type { OnReadOpts, Socket } from 'node:net';

export const READ_BUFFER_BYTES = 256 * 1024;
/**
 * A read at least this long is handed on in place and the next read gets a new buffer; a shorter one is
 * copied out and the buffer reused. Whatever keeps a chunk (a queued write, a paused channel) then never
 * pins a buffer more than 4x the chunk's size.
 */
export const HAND_OVER_MIN_BYTES = 64 * 1024;

export interface LargeReads {
  /** For `net.connect`'s `onread`. */
  readonly onread: OnReadOpts;
  /** Reads handed on in place so far. */
  readonly handedOver: number;
  /** performance.now() at the last read; 0 before any. */
  readonly lastReadAt: number;
}

/**
 * Each read is pushed into the socket's readable side, so 'data', backpressure and 'end' behave as
 * without `onread`. `socket` is called per read: the socket the options are for does not exist yet.
 */
export function largeReads(socket: () => Socket): LargeReads {
  let buffer = Buffer.allocUnsafe(READ_BUFFER_BYTES);
  const reads = {
    handedOver: 0,
    lastReadAt: 0,
    onread: {
      buffer: () => buffer,
      callback: (length: number, filled: Uint8Array) => {
        reads.lastReadAt = performance.now();
        let chunk: Buffer;
        if (length >= HAND_OVER_MIN_BYTES) {
          chunk = Buffer.from(filled.buffer, filled.byteOffset, length);
          buffer = Buffer.allocUnsafe(READ_BUFFER_BYTES);
          reads.handedOver++;
        } else {
          chunk = Buffer.from(filled.subarray(0, length));
        }
        return socket().push(chunk);
      },
    },
  };
  return reads;
}
