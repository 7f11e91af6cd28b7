// A deliberately badly behaved HTTP client over a raw socket: it writes the pieces it is given, pausing
// between them, and can leave at any point (close, RST, half-close) or on the first byte of the answer.
import { connect, type Socket } from 'node:net';

export type CutMode = 'destroy' | 'reset' | 'half-close';

export interface RawPlan {
  port: number;
  /** Source address in 127.0.0.0/8: each case family has its own, so blocking one source spares the others. */
  localAddress: string;
  pieces: readonly Buffer[];
  pauseMs: number;
  /** Leave after writing this many pieces (0: right after connecting); undefined: write them all. */
  cutAfterPiece?: number;
  cutMode: CutMode;
  /** Leave as soon as the first byte of the answer arrives (mid-response). */
  cutOnFirstByte?: boolean;
  /** How long to wait for the gateway to finish answering before leaving anyway. */
  readMs: number;
}

export interface RawResult {
  response: Buffer;
  /** True when the gateway ended the connection (FIN or RST) before we left. */
  closedByPeer: boolean;
}

function leave(socket: Socket, mode: CutMode): void {
  if (mode === 'reset') socket.resetAndDestroy();
  else if (mode === 'half-close') socket.end();
  else socket.destroy();
}

const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Never rejects: whatever the gateway does, the result says what came back. */
export function rawExchange(plan: RawPlan): Promise<RawResult> {
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    let closedByPeer = false;
    let done = false;
    const socket = connect({ port: plan.port, host: '127.0.0.1', localAddress: plan.localAddress });
    const finish = (): void => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      if (!socket.destroyed) socket.destroy();
      resolve({ response: Buffer.concat(chunks), closedByPeer });
    };
    const timer = setTimeout(finish, plan.readMs + plan.pauseMs * (plan.pieces.length + 1) + 2_000);
    socket.on('error', () => undefined);
    socket.on('data', (chunk: Buffer) => {
      chunks.push(chunk);
      if (plan.cutOnFirstByte) {
        leave(socket, 'destroy');
        finish();
      }
    });
    socket.on('end', () => {
      closedByPeer = true;
      finish();
    });
    socket.on('close', () => {
      if (!done) closedByPeer = true;
      finish();
    });
    socket.once('connect', () => {
      void (async () => {
        for (let i = 0; i < plan.pieces.length; i++) {
          if (plan.cutAfterPiece === i) break;
          if (socket.destroyed) return;
          socket.write(plan.pieces[i] as Buffer);
          if (plan.pauseMs > 0) await pause(plan.pauseMs);
        }
        if (plan.cutAfterPiece !== undefined && plan.cutAfterPiece < plan.pieces.length) {
          leave(socket, plan.cutMode);
          if (plan.cutMode !== 'half-close') finish();
          else setTimeout(finish, plan.readMs).unref();
          return;
        }
        setTimeout(finish, plan.readMs).unref();
      })();
    });
  });
}

/** Splits `bytes` at the given fractions (sorted, deduplicated), so a head or body arrives in pieces. */
export function splitAt(bytes: Buffer, fractions: readonly number[]): Buffer[] {
  const cuts = [...new Set(fractions.map((f) => Math.floor(f * bytes.length)))].filter((c) => c > 0 && c < bytes.length).sort((a, b) => a - b);
  const pieces: Buffer[] = [];
  let from = 0;
  for (const cut of cuts) {
    pieces.push(bytes.subarray(from, cut));
    from = cut;
  }
  pieces.push(bytes.subarray(from));
  return pieces;
}
