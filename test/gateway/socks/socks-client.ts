// A byte-level SOCKS5 client for tests: builds RFC 1928/1929 messages and reads exact reply lengths.
import { once } from 'node:events';
import { connect, isIPv4, isIPv6 } from 'node:net';
import type { Socket } from 'node:net';
import { AUTH_METHOD } from '../../../gateway/socks/replies.js';
import { ADDRESS_TYPE, COMMAND, SOCKS_VERSION, USERPASS_VERSION } from './wire.js';

export function greeting(methods: number[] = [AUTH_METHOD.USERNAME_PASSWORD]): Buffer {
  return Buffer.from([SOCKS_VERSION, methods.length, ...methods]);
}

export function userPass(user: string, password: string): Buffer {
  const u = Buffer.from(user);
  const p = Buffer.from(password);
  return Buffer.concat([Buffer.from([USERPASS_VERSION, u.length]), u, Buffer.from([p.length]), p]);
}

function ipv6Bytes(address: string): Buffer {
  const url = new URL(`http://[${address}]/`).hostname.slice(1, -1);
  const [head = '', tail = ''] = url.split('::');
  const left = head ? head.split(':') : [];
  const right = url.includes('::') ? (tail ? tail.split(':') : []) : [];
  const groups = [...left, ...Array<string>(8 - left.length - right.length).fill('0'), ...right];
  const out = Buffer.alloc(16);
  groups.forEach((group, i) => out.writeUInt16BE(parseInt(group, 16), i * 2));
  return out;
}

/** CONNECT (or another command) to an IPv4/IPv6 literal, or to `host` sent as a domain name (raw bytes allowed). */
export function request(host: string | Buffer, port: number, command: number = COMMAND.CONNECT): Buffer {
  const head = Buffer.from([SOCKS_VERSION, command, 0x00]);
  const portBytes = Buffer.alloc(2);
  portBytes.writeUInt16BE(port);
  let address: Buffer;
  if (typeof host === 'string' && isIPv4(host)) {
    address = Buffer.from([ADDRESS_TYPE.IPV4, ...host.split('.').map(Number)]);
  } else if (typeof host === 'string' && isIPv6(host)) {
    address = Buffer.concat([Buffer.from([ADDRESS_TYPE.IPV6]), ipv6Bytes(host)]);
  } else {
    const name = typeof host === 'string' ? Buffer.from(host) : host;
    address = Buffer.concat([Buffer.from([ADDRESS_TYPE.DOMAIN_NAME, name.length]), name]);
  }
  return Buffer.concat([head, address, portBytes]);
}

export class RawClient {
  #buffer = Buffer.alloc(0);
  #closed = false;
  #waiters: Array<() => void> = [];
  readonly closed: Promise<void>;

  private constructor(readonly socket: Socket) {
    socket.on('data', (chunk: Buffer) => {
      this.#buffer = Buffer.concat([this.#buffer, chunk]);
      this.#wake();
    });
    socket.on('error', () => undefined);
    // Like most clients: once the server has ended, end ours too (half-close tests end first).
    socket.on('end', () => socket.end());
    this.closed = new Promise((resolve) => socket.once('close', () => {
      this.#closed = true;
      this.#wake();
      resolve();
    }));
  }

  static async open(port: number): Promise<RawClient> {
    const socket = connect({ host: '127.0.0.1', port, allowHalfOpen: true });
    await once(socket, 'connect');
    return new RawClient(socket);
  }

  #wake(): void {
    for (const waiter of this.#waiters.splice(0)) waiter();
  }

  send(bytes: Buffer | string): void {
    this.socket.write(bytes);
  }

  /** Exactly `n` bytes, or fewer if the server closed first. */
  async read(n: number): Promise<Buffer> {
    while (this.#buffer.length < n && !this.#closed) await new Promise<void>((r) => this.#waiters.push(r));
    const out = this.#buffer.subarray(0, n);
    this.#buffer = this.#buffer.subarray(out.length);
    return out;
  }

  /** Everything until the server closes its side. */
  async readToEnd(): Promise<Buffer> {
    await new Promise<void>((resolve) => {
      if (this.socket.readableEnded || this.#closed) return resolve();
      this.socket.once('end', resolve);
      this.socket.once('close', resolve);
    });
    const out = this.#buffer;
    this.#buffer = Buffer.alloc(0);
    return out;
  }

  destroy(): void {
    this.socket.destroy();
  }
}

/** Greeting, RFC 1929 login and CONNECT; returns the client and the 10-byte reply. */
export async function socksConnect(port: number, host: string | Buffer, destPort: number, user: string, password: string) {
  const client = await RawClient.open(port);
  client.send(greeting());
  const method = await client.read(2);
  if (method[1] !== AUTH_METHOD.USERNAME_PASSWORD) return { client, method, reply: Buffer.alloc(0) };
  client.send(userPass(user, password));
  const status = await client.read(2);
  if (status[1] !== 0) return { client, method, status, reply: Buffer.alloc(0) };
  client.send(request(host, destPort));
  const reply = await client.read(10);
  return { client, method, status, reply };
}
