// Seeded generator of SOCKS5 handshakes, valid and hostile, plus a checker for the server's answer.
import { AUTH_METHOD, REPLY } from '../../../gateway/socks/replies.js';
import { ADDRESS_TYPE, COMMAND, SOCKS_VERSION, USERPASS_VERSION } from './wire.js';
import { PASSWORD, USER } from './fixtures.js';

/** mulberry32: small, fast, reproducible from one seed. */
export function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export interface Case {
  /** The bytes a client sends, in the chunks it sends them. */
  chunks: Buffer[];
}

const INTERESTING_BYTES = [0x00, 0x01, 0x02, 0x03, 0x04, 0x05, 0x0a, 0x0d, 0x7f, 0x80, 0xfe, 0xff];

export function createCorpus(seed: number) {
  const random = seededRandom(seed);
  const int = (max: number) => Math.floor(random() * max);
  const pick = <T>(items: readonly T[]): T => items[int(items.length)] as T;
  const bytes = (n: number) => Buffer.from(Array.from({ length: n }, () => (random() < 0.3 ? pick(INTERESTING_BYTES) : int(256))));
  const lengthPrefixed = (value: Buffer) => Buffer.concat([Buffer.from([value.length & 0xff]), value]);

  function methods(): Buffer {
    const list = random() < 0.7
      ? [AUTH_METHOD.USERNAME_PASSWORD, ...(random() < 0.5 ? [AUTH_METHOD.NO_AUTHENTICATION] : [])]
      : Array.from({ length: int(4) }, () => (random() < 0.5 ? pick([0, 1, 2, 3, 0x80, 0xff]) : int(256)));
    return Buffer.from([SOCKS_VERSION, list.length, ...list]);
  }

  function login(): Buffer {
    const good = random() < 0.6;
    const user = good ? Buffer.from(USER) : bytes(int(8));
    const password = good ? Buffer.from(PASSWORD) : bytes(int(8));
    return Buffer.concat([Buffer.from([random() < 0.9 ? USERPASS_VERSION : int(256)]), lengthPrefixed(user), lengthPrefixed(password)]);
  }

  function address(): Buffer {
    switch (int(5)) {
      case 0: return Buffer.from([ADDRESS_TYPE.IPV4, ...bytes(4)]);
      case 1: return Buffer.from([ADDRESS_TYPE.IPV6, ...bytes(16)]);
      case 2: return Buffer.concat([Buffer.from([ADDRESS_TYPE.DOMAIN_NAME]), lengthPrefixed(Buffer.from(pick(['db.corp', 'Intranet.Example.', 'denied.example', '2852039166', 'a'.repeat(255), ''])))]);
      case 3: return Buffer.concat([Buffer.from([ADDRESS_TYPE.DOMAIN_NAME]), lengthPrefixed(bytes(int(300)))]);
      default: return Buffer.from([int(256), ...bytes(int(20))]);
    }
  }

  function request(): Buffer {
    const command = random() < 0.8 ? COMMAND.CONNECT : pick([COMMAND.BIND, COMMAND.UDP_ASSOCIATE, 0, 4, 0xff]);
    const port = random() < 0.9 ? bytes(2) : Buffer.from([0, 0]);
    return Buffer.concat([Buffer.from([random() < 0.95 ? SOCKS_VERSION : int(256), command, random() < 0.9 ? 0 : int(256)]), address(), port]);
  }

  function mutate(input: Buffer): Buffer {
    const out = Buffer.from(input);
    switch (int(4)) {
      case 0: return out.subarray(0, int(out.length + 1)); // truncate
      case 1: {
        for (let i = int(3) + 1; i > 0 && out.length > 0; i -= 1) out[int(out.length)] = int(256); // flip
        return out;
      }
      case 2: {
        const at = int(out.length + 1);
        return Buffer.concat([out.subarray(0, at), bytes(int(6) + 1), out.subarray(at)]); // insert
      }
      default: return Buffer.concat([out, out.subarray(int(out.length + 1))]); // repeat a tail
    }
  }

  function split(input: Buffer): Buffer[] {
    if (random() < 0.5) return [input];
    const chunks: Buffer[] = [];
    for (let at = 0; at < input.length;) {
      const size = 1 + int(8);
      chunks.push(input.subarray(at, at + size));
      at += size;
    }
    return chunks;
  }

  return function next(): Case {
    const roll = random();
    let input: Buffer;
    if (roll < 0.1) input = bytes(int(64)); // junk
    else {
      const valid = Buffer.concat([methods(), login(), request(), random() < 0.5 ? Buffer.from('payload') : Buffer.alloc(0)]);
      input = roll < 0.45 ? valid : mutate(random() < 0.5 ? valid : mutate(valid));
    }
    return { chunks: split(input) };
  };
}

/** The methods a greeting offered, when the input holds a complete one. */
function offeredMethods(input: Buffer): number[] | undefined {
  const count = input[1];
  if (input[0] !== SOCKS_VERSION || count === undefined || input.length < 2 + count) return undefined;
  return [...input.subarray(2, 2 + count)];
}

const REPLY_CODES = new Set<number>(Object.values(REPLY));

/**
 * The server's bytes must be a sequence of whole messages: method selection, then for
 * username/password a two-byte status, then one 10-byte reply, then (after success) relayed data.
 * Returns a description of the problem, or undefined when well-formed. Empty output (a close) is fine.
 */
export function checkAnswer(input: Buffer, output: Buffer): string | undefined {
  if (output.length === 0) return undefined;
  if (output.length < 2 || output[0] !== SOCKS_VERSION) return `bad method selection ${output.toString('hex')}`;
  const method = output[1] as number;
  if (method === AUTH_METHOD.NO_ACCEPTABLE_METHODS) return output.length === 2 ? undefined : 'bytes after 0xFF';
  if (!offeredMethods(input)?.includes(method)) return `chose method ${method} the client did not offer`;
  let at = 2;
  if (method === AUTH_METHOD.USERNAME_PASSWORD) {
    if (output.length === at) return undefined;
    if (output.length < at + 2 || output[at] !== USERPASS_VERSION) return `bad auth status ${output.toString('hex')}`;
    if (output[at + 1] !== 0) return output.length === at + 2 ? undefined : 'bytes after auth failure';
    at += 2;
  } else if (method !== AUTH_METHOD.NO_AUTHENTICATION) {
    return `unexpected method ${method}`;
  }
  if (output.length === at) return undefined;
  const reply = output.subarray(at, at + 10);
  if (reply.length !== 10) return `short reply ${reply.toString('hex')}`;
  if (reply[0] !== SOCKS_VERSION || !REPLY_CODES.has(reply[1] as number) || reply[2] !== 0 || reply[3] !== ADDRESS_TYPE.IPV4) {
    return `malformed reply ${reply.toString('hex')}`;
  }
  if (reply[1] !== REPLY.SUCCEEDED && output.length > at + 10) return 'bytes after a refusal';
  return undefined;
}
