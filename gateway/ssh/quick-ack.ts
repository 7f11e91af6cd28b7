// Makes the gateway acknowledge small SSH packets at once, so sshd never waits ~40 ms for a delayed ACK.
//
// Why: sshd sets TCP_NODELAY only on "interactive" connections (with a pty). On a forwarding-only
// connection Nagle holds each small packet that follows an unacknowledged one (CHANNEL_DATA, then
// EOF and CLOSE) until our kernel's delayed ACK fires. TCP_QUICKACK is not reachable from Node, but any
// segment we send carries the ACK: after a small read that we answered with nothing, we send one
// SSH_MSG_IGNORE (RFC 4253 §11.2, ~50 bytes on the wire). Bulk reads (≥ BULK_READ) send none.
import type { Socket } from 'node:net';
import type { Client } from 'ssh2';

const SSH_MSG_IGNORE = 2;
/** Reads this large are bulk transfer: the stream keeps ACKs flowing by itself. */
const BULK_READ = 16 * 1024;

/** The parts of ssh2's (internal) Protocol that send one packet; see ssh2/lib/protocol/Protocol.js. */
interface ProtocolInternals {
  _kexinit: unknown;
  _packetRW: { write: { allocStart: number; alloc(size: number): Buffer; finalize(packet: Buffer): Buffer } };
  _cipher: { encrypt(packet: Buffer): void };
}

/** Sends SSH_MSG_IGNORE with an empty string; false when the transport cannot send one now. */
function sendIgnore(client: Client): boolean {
  const proto = (client as unknown as { _protocol?: ProtocolInternals })._protocol;
  // During a key exchange only kex messages may go out; the exchange itself carries ACKs.
  if (!proto || proto._kexinit !== undefined) return false;
  const writer = proto._packetRW.write;
  const at = writer.allocStart;
  const packet = writer.alloc(1 + 4);
  packet[at] = SSH_MSG_IGNORE;
  packet.writeUInt32BE(0, at + 1);
  proto._cipher.encrypt(writer.finalize(packet));
  return true;
}

export interface QuickAck {
  /** IGNORE packets sent so far. */
  readonly sent: number;
  /** Reads short enough to be answered with one (each turn sends at most one, and none if we wrote). */
  readonly smallReads: number;
}

/**
 * After each small read from the tunnel host, waits for the rest of this event-loop turn (a reply we
 * were about to write anyway carries the ACK) and sends an IGNORE only if nothing else went out.
 */
export function enableQuickAck(client: Client, sock: Socket): QuickAck {
  const counts = { sent: 0, smallReads: 0 };
  let pending = false;
  sock.on('data', (chunk: Buffer) => {
    if (chunk.length >= BULK_READ) return;
    counts.smallReads++;
    if (pending) return;
    pending = true;
    const written = sock.bytesWritten;
    setImmediate(() => {
      pending = false;
      if (sock.bytesWritten === written && !sock.destroyed && sendIgnore(client)) counts.sent++;
    });
  });
  return counts;
}
