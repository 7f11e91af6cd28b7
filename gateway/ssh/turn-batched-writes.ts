// Writes each event-loop turn's SSH packets to the tunnel host's socket in one writev.
//
// Why: ssh2 writes every packet as it is made, one syscall each: channel open, data, EOF and close for
// every short connection, plus every 32 KiB data packet in bulk. OpenSSH gathers a loop iteration's
// output in one buffer and writes it once. Where syscalls are costly (in a VM they take tens of µs),
// per-packet writes were a third of the gateway's CPU at 100 clients. Corking until setImmediate
// collects everything this turn produced; the wait is the rest of the current poll phase.
import type { Socket } from 'node:net';

/**
 * Makes `sock.write` cork the socket on the first write of a turn and uncork it in setImmediate.
 * Call after `connect()`, which resets `write` (so a subclass cannot override it).
 */
export function batchWritesPerTurn(sock: Socket): void {
  // Called with `this` bound explicitly (write.apply(sock, …)) below.
  // eslint-disable-next-line @typescript-eslint/unbound-method
  const write = sock.write;
  let corked = false;
  const flush = (): void => {
    corked = false;
    sock.uncork();
  };
  sock.write = function batchedWrite(this: Socket, ...args: Parameters<Socket['write']>): boolean {
    if (!corked) {
      corked = true;
      sock.cork();
      setImmediate(flush);
    }
    return write.apply(sock, args);
  } as Socket['write'];
}
