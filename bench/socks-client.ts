// A lean SOCKS5 client for load generation (RFC 1928, no-auth or RFC 1929 username/password, IPv4 CONNECT):
// the generator shares the machine's cores with what it measures, so it does no more than the protocol needs.
import { connect, type Socket } from 'node:net';

const GREETING = Buffer.from([0x05, 0x01, 0x00]);
const GREETING_AUTH = Buffer.from([0x05, 0x01, 0x02]);

export interface SocksCredential {
  username: string;
  password: string;
}

function authRequest(auth: SocksCredential): Buffer {
  const user = Buffer.from(auth.username);
  const pass = Buffer.from(auth.password);
  return Buffer.concat([Buffer.from([0x01, user.length]), user, Buffer.from([pass.length]), pass]);
}

function request(host: string, port: number): Buffer {
  const parts = host.split('.').map(Number);
  return Buffer.from([0x05, 0x01, 0x00, 0x01, ...parts, port >> 8, port & 0xff]);
}

/** A TCP socket to host:port, through the SOCKS5 proxy when one is given (raw loopback otherwise). */
export function openStream(proxyPort: number | undefined, host: string, port: number, auth?: SocksCredential): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const socket = connect({ host: '127.0.0.1', port: proxyPort ?? port, noDelay: true });
    socket.once('error', reject);
    if (proxyPort === undefined) {
      socket.once('connect', () => {
        socket.off('error', reject);
        resolve(socket);
      });
      return;
    }
    let stage: 'method' | 'auth' | 'reply' = 'method';
    let buffered = Buffer.alloc(0);
    const onData = (data: Buffer): void => {
      buffered = Buffer.concat([buffered, data]);
      if (stage === 'method') {
        if (buffered.length < 2) return;
        const method = auth ? 0x02 : 0x00;
        if (buffered[1] !== method) return fail(`proxy refused method ${method} (answered ${buffered[1]})`);
        buffered = buffered.subarray(2);
        stage = auth ? 'auth' : 'reply';
        socket.write(auth ? authRequest(auth) : request(host, port));
      }
      if (stage === 'auth') {
        if (buffered.length < 2) return;
        if (buffered[1] !== 0x00) return fail('proxy refused the credential');
        buffered = buffered.subarray(2);
        stage = 'reply';
        socket.write(request(host, port));
      }
      if (buffered.length < 10) return;
      if (buffered[1] !== 0x00) return fail(`SOCKS reply ${buffered[1]}`);
      socket.off('data', onData);
      socket.off('error', reject);
      if (buffered.length > 10) socket.unshift(buffered.subarray(10));
      resolve(socket);
    };
    const fail = (reason: string): void => {
      socket.destroy();
      reject(new Error(reason));
    };
    socket.on('data', onData);
    socket.once('connect', () => socket.write(auth ? GREETING_AUTH : GREETING));
  });
}

/** Sends one request line and resolves with the byte count read until the server closes. */
export function exchange(socket: Socket, line: string): Promise<number> {
  return new Promise((resolve, reject) => {
    let bytes = 0;
    socket.on('data', (data: Buffer) => (bytes += data.length));
    socket.once('error', reject);
    socket.once('end', () => {
      socket.destroy();
      resolve(bytes);
    });
    socket.write(`${line}\n`);
  });
}
