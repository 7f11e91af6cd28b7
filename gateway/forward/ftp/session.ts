// One proxied FTP control connection: lines pass through unchanged except PASV/EPSV replies and PORT/EPRT commands,
// which are rewritten so every data connection also rides the tunnel (RFC 959 §4.1.2, RFC 2428).
import { isIPv4 } from 'node:net';
import type { Socket } from 'node:net';
import type { Duplex } from 'node:stream';
import type { Logger } from 'pino';
import {
  REPLY,
  formatEprtCommand,
  formatEpsvReply,
  formatPasvReply,
  formatPortCommand,
  parseCommand,
  parseEprtCommand,
  parseEpsvReply,
  parseHostPortNumbers,
  parsePasvReply,
  parseReplyLine,
  passiveTarget,
} from './codec.js';
import { openActiveBind, openPassiveListener, type DataChannelDeps } from './data-channels.js';
import { LineSplitter } from './line-splitter.js';

export interface ActiveModeOptions {
  /** Address bound on the tunnel host for the server's data connection (GatewayPorts clientspecified unless loopback). */
  bindAddress: string;
  /** The tunnel host's address as the FTP server sees it, sent in PORT/EPRT. */
  announceAddress: string;
}

export interface FtpSessionOptions {
  client: Socket;
  server: Duplex;
  tunnelHost: string;
  /** The control connection's target host (name or IP), as dialled from the tunnel host. */
  serverHost: string;
  active?: ActiveModeOptions;
  /** How data connections are opened and recorded. */
  data: Pick<DataChannelDeps, 'dialer' | 'pools' | 'book' | 'forward'>;
  log: Logger;
  signal: AbortSignal;
}

/** After one side closed, the other is cut if it has not closed by then. */
const LINGER_MS = 5_000;

function plainAddress(address: string | undefined): string {
  return (address ?? '').replace(/^::ffff:(?=\d+\.\d+\.\d+\.\d+$)/, '');
}

/** Runs the session until either side closes; resolves then. */
export function runFtpSession(options: FtpSessionOptions): Promise<void> {
  const { client, server, log } = options;
  const clientAddress = plainAddress(client.remoteAddress);
  const localAddress = plainAddress(client.localAddress);
  const data: DataChannelDeps = { ...options.data, tunnelHost: options.tunnelHost, clientAddress, signal: options.signal };
  const toClient = (line: string): void => void client.write(`${line}\r\n`, 'latin1');
  let multiLineCode: number | undefined;

  // Replies go back in command order (RFC 959: one final reply per command). A reply the gateway makes
  // itself waits behind the server's final replies to earlier commands, for clients that pipeline.
  // One entry per command in flight: undefined while the server answers it, or our own reply line.
  const inFlight: Array<string | undefined> = [];
  let greeted = false;
  const forward = (line: string): void => {
    inFlight.push(undefined);
    server.write(`${line}\r\n`, 'latin1');
  };
  const answer = (line: string): void => {
    if (inFlight.length === 0) toClient(line);
    else inFlight.push(line);
  };
  /** Sends a server reply line on; a final one (2xx-5xx, not a continuation) settles the oldest command. */
  const relay = (line: string, final: boolean): void => {
    toClient(line);
    if (!final) return;
    if (!greeted) greeted = true; // the banner answers no command
    else if (inFlight[0] === undefined && inFlight.length > 0) inFlight.shift();
    while (inFlight.length > 0 && inFlight[0] !== undefined) toClient(inFlight.shift()!);
  };

  const onReply = async (line: string): Promise<void> => {
    const reply = parseReplyLine(line);
    if (multiLineCode !== undefined) {
      // Inner lines pass through; the closing "DDD text" line is handled like a single-line reply below.
      if (!reply || reply.code !== multiLineCode || reply.continues) return relay(line, false);
      multiLineCode = undefined;
    } else if (reply?.continues) multiLineCode = reply.code;
    const final = reply !== undefined && !reply.continues && reply.code >= 200;
    if (reply?.code === REPLY.ENTERING_PASSIVE && !reply.continues) {
      const announced = parsePasvReply(reply.text);
      const target = announced && passiveTarget(announced, options.serverHost);
      if (!target || !isIPv4(localAddress)) return relay(`${REPLY.CANT_OPEN_DATA} Passive reply refused by the gateway`, final);
      const port = await openPassiveListener(data, localAddress, target);
      return relay(formatPasvReply(localAddress, port), final);
    }
    if (reply?.code === REPLY.ENTERING_EXTENDED_PASSIVE && !reply.continues) {
      const serverPort = parseEpsvReply(reply.text);
      if (serverPort === undefined) return relay(`${REPLY.CANT_OPEN_DATA} Extended passive reply refused by the gateway`, final);
      const port = await openPassiveListener(data, localAddress, { host: options.serverHost, port: serverPort });
      return relay(formatEpsvReply(port), final);
    }
    relay(line, final);
  };

  const onCommand = async (line: string): Promise<void> => {
    const { verb, arg } = parseCommand(line);
    if (verb !== 'PORT' && verb !== 'EPRT') return forward(line);
    const requested = verb === 'PORT' ? parseHostPortNumbers(arg) : parseEprtCommand(arg);
    if (!requested) return answer(`${REPLY.SYNTAX_ERROR_ARGS} Syntax error in ${verb} parameters`);
    if (!options.active) return answer('502 Active mode is not available through this gateway; use passive mode');
    if (plainAddress(requested.host) !== clientAddress) return answer(`${REPLY.SYNTAX_ERROR_ARGS} ${verb} must name the client's own address`);
    const binding = await openActiveBind(data, options.active.bindAddress, requested.port);
    const announce = options.active.announceAddress;
    forward(verb === 'PORT' && isIPv4(announce) ? formatPortCommand(announce, binding.port) : formatEprtCommand(announce, binding.port));
  };

  return new Promise((resolve) => {
    const destroyBoth = (): void => {
      client.destroy();
      server.destroy();
    };
    let open = 2;
    const onClose = (): void => {
      if (--open === 0) resolve();
      else setTimeout(destroyBoth, LINGER_MS).unref(); // the other side gets a moment to flush, then goes too
    };
    const feed = (source: Duplex, other: Duplex, splitter: LineSplitter, onLine: (line: string) => Promise<void>) => {
      let queue = Promise.resolve();
      source.on('data', (chunk: Buffer) => {
        const { lines, overflow } = splitter.push(chunk);
        if (overflow) {
          log.warn({ tunnelHost: options.tunnelHost }, 'ftp control line too long; closing the session');
          return destroyBoth();
        }
        if (lines.length === 0) return;
        source.pause(); // lines are handled in order; data waits meanwhile (backpressure)
        queue = queue
          .then(async () => {
            for (const line of lines) await onLine(line);
          })
          .catch((err: unknown) => {
            log.warn({ err: { code: (err as { code?: string }).code, message: (err as Error).message } }, 'ftp control handling failed');
            destroyBoth();
          })
          .finally(() => source.resume());
      });
      source.once('end', () =>
        void queue.then(() => {
          // The server is gone: replies of ours still waiting for its answers go out now.
          if (source === server) for (const line of inFlight.splice(0)) if (line !== undefined) toClient(line);
          other.end();
        }),
      );
      source.on('error', destroyBoth);
      source.once('close', onClose);
      source.resume(); // the caller may have paused it while the channel opened
    };
    feed(client, server, new LineSplitter(), onCommand);
    feed(server, client, new LineSplitter(), onReply);
  });
}
