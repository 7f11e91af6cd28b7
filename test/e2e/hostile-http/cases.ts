// Generated hostile requests for the HTTP proxy and the public listener: every phase a client can leave
// at, lengths that lie, broken chunking, bodies the framing does not announce, pauses, floods.
import fc from 'fast-check';
import { splitAt, type CutMode, type RawPlan } from './raw-client.js';

export type Target = 'page' | 'big' | 'garbage' | 'denied' | 'metadata' | 'port0' | 'malformed';
export type Auth = 'good' | 'bad' | 'none' | 'not-basic';
export type Framing = 'none' | 'content-length' | 'chunked' | 'short-length' | 'long-length' | 'broken-chunks' | 'both' | 'connection-names-length';
export type Cut = 'none' | 'head' | 'body' | 'response';

export interface HostileCase {
  listener: 'proxy' | 'public';
  proxyKind: 'plain' | 'connect';
  publicPath: 'lease' | 'pac' | 'readyz' | 'junk';
  target: Target;
  auth: Auth;
  framing: Framing;
  bodyBytes: number;
  contentType: 'json' | 'text-json' | 'none' | 'form';
  origin: 'none' | 'same' | 'evil';
  cut: Cut;
  cutAt: number;
  cutMode: CutMode;
  splits: number[];
  pauseMs: number;
  sourceIndex: number;
}

export const hostileCase: fc.Arbitrary<HostileCase> = fc.record({
  listener: fc.constantFrom('proxy', 'proxy', 'public'),
  proxyKind: fc.constantFrom('plain', 'connect'),
  publicPath: fc.constantFrom('lease', 'lease', 'pac', 'readyz', 'junk'),
  target: fc.constantFrom('page', 'page', 'big', 'garbage', 'denied', 'metadata', 'port0', 'malformed'),
  auth: fc.constantFrom('good', 'good', 'bad', 'none', 'not-basic'),
  framing: fc.constantFrom('none', 'content-length', 'chunked', 'short-length', 'long-length', 'broken-chunks', 'both', 'connection-names-length'),
  bodyBytes: fc.oneof(fc.constant(0), fc.integer({ min: 1, max: 64 }), fc.integer({ min: 65, max: 6000 })),
  contentType: fc.constantFrom('json', 'json', 'text-json', 'none', 'form'),
  origin: fc.constantFrom('none', 'none', 'same', 'evil'),
  cut: fc.constantFrom('none', 'none', 'head', 'body', 'response'),
  cutAt: fc.double({ min: 0, max: 1, noNaN: true }),
  cutMode: fc.constantFrom('destroy', 'reset', 'half-close'),
  splits: fc.array(fc.double({ min: 0, max: 1, noNaN: true }), { maxLength: 4 }),
  pauseMs: fc.constantFrom(0, 0, 0, 1, 5, 20),
  sourceIndex: fc.integer({ min: 1, max: 250 }),
});

export interface CaseContext {
  proxyPort: number;
  publicPort: number;
  originPort: number;
  garbagePort: number;
  goodBasic: string;
  badBasic: string;
  goodJson: string;
}

function targetAuthority(c: HostileCase, ctx: CaseContext): string {
  switch (c.target) {
    case 'page':
    case 'big':
      return `127.0.0.1:${ctx.originPort}`;
    case 'garbage':
      return `127.0.0.1:${ctx.garbagePort}`;
    case 'denied':
      return '10.255.0.1:80';
    case 'metadata':
      return '169.254.169.254:80';
    case 'port0':
      return '127.0.0.1:0';
    case 'malformed':
      return '[zz::1:80';
  }
}

function authHeader(c: HostileCase, ctx: CaseContext, name: string): string {
  switch (c.auth) {
    case 'good':
      return `${name}: Basic ${ctx.goodBasic}\r\n`;
    case 'bad':
      return `${name}: Basic ${ctx.badBasic}\r\n`;
    case 'not-basic':
      return `${name}: Bearer abc\r\n`;
    case 'none':
      return '';
  }
}

function body(c: HostileCase, ctx: CaseContext): Buffer {
  if (c.listener === 'public' && c.publicPath === 'lease' && c.bodyBytes > 0 && c.bodyBytes < 600) return Buffer.from(ctx.goodJson);
  // A body that is itself a request: if plain forwarding lost the framing, the origin would parse it as a
  // second one. Inside a CONNECT tunnel the client speaks raw TCP to the origin, so there it is just bytes.
  const path = c.listener === 'proxy' && c.proxyKind === 'connect' ? '/tunnelled' : '/smuggled';
  const smuggled = Buffer.from(`GET ${path} HTTP/1.1\r\nHost: x\r\n\r\n`);
  if (c.bodyBytes <= smuggled.length) return smuggled.subarray(0, c.bodyBytes);
  return Buffer.concat([smuggled, Buffer.alloc(c.bodyBytes - smuggled.length, 'b')]);
}

function framed(c: HostileCase, payload: Buffer): { headers: string; bytes: Buffer } {
  const n = payload.length;
  switch (c.framing) {
    case 'none':
      return { headers: '', bytes: payload };
    case 'content-length':
      return { headers: `Content-Length: ${n}\r\n`, bytes: payload };
    case 'short-length':
      return { headers: `Content-Length: ${n + 1000}\r\n`, bytes: payload };
    case 'long-length':
      return { headers: `Content-Length: ${Math.max(0, n - 10)}\r\n`, bytes: payload };
    case 'connection-names-length':
      return { headers: `Connection: Content-Length, keep-alive\r\nContent-Length: ${n}\r\n`, bytes: payload };
    case 'both':
      return { headers: `Content-Length: ${n}\r\nTransfer-Encoding: chunked\r\n`, bytes: Buffer.concat([Buffer.from(`${n.toString(16)}\r\n`), payload, Buffer.from('\r\n0\r\n\r\n')]) };
    case 'chunked':
      return { headers: 'Transfer-Encoding: chunked\r\n', bytes: Buffer.concat([Buffer.from(`${n.toString(16)}\r\n`), payload, Buffer.from('\r\n0\r\n\r\n')]) };
    case 'broken-chunks':
      return { headers: 'Transfer-Encoding: chunked\r\n', bytes: Buffer.concat([Buffer.from(`${(n + 7).toString(16)}zz\r\n`), payload, Buffer.from('\r\nnot-a-size\r\n')]) };
  }
}

function contentType(c: HostileCase): string {
  switch (c.contentType) {
    case 'json':
      return 'Content-Type: application/json\r\n';
    case 'text-json':
      return 'Content-Type: text/plain; a=application/json\r\n';
    case 'form':
      return 'Content-Type: application/x-www-form-urlencoded\r\n';
    case 'none':
      return '';
  }
}

/** The request's bytes, and where its head ends. */
export function requestBytes(c: HostileCase, ctx: CaseContext): { bytes: Buffer; headEnd: number } {
  const { headers: framing, bytes: payload } = framed(c, body(c, ctx));
  let head: string;
  if (c.listener === 'proxy' && c.proxyKind === 'connect') {
    const authority = targetAuthority(c, ctx);
    head = `CONNECT ${authority} HTTP/1.1\r\nHost: ${authority}\r\n${authHeader(c, ctx, 'Proxy-Authorization')}\r\n`;
    // Inside the tunnel: a request to whatever answers there.
    const inner = `GET /${c.target === 'big' ? 'big' : ''} HTTP/1.1\r\nHost: origin\r\n${framing}\r\n`;
    return { bytes: Buffer.concat([Buffer.from(head), Buffer.from(inner), payload]), headEnd: head.length };
  }
  if (c.listener === 'proxy') {
    const authority = targetAuthority(c, ctx);
    head = `POST http://${authority}/${c.target === 'big' ? 'big' : ''} HTTP/1.1\r\nHost: ${authority}\r\n${authHeader(c, ctx, 'Proxy-Authorization')}${framing}\r\n`;
  } else {
    const path = { lease: 'POST /v1/lease', pac: 'GET /proxy.pac', readyz: 'GET /readyz', junk: 'PUT /%zz/../..' }[c.publicPath];
    const origin = c.origin === 'none' ? '' : c.origin === 'same' ? `Origin: http://127.0.0.1:${ctx.publicPort}\r\n` : 'Origin: https://evil.example\r\n';
    head = `${path} HTTP/1.1\r\nHost: 127.0.0.1:${ctx.publicPort}\r\n${origin}${authHeader(c, ctx, 'Authorization')}${contentType(c)}${framing}\r\n`;
  }
  return { bytes: Buffer.concat([Buffer.from(head), payload]), headEnd: head.length };
}

/** Where the client leaves, as a raw plan: inside the head, inside the body, at the first answer byte, or not at all. */
export function planFor(c: HostileCase, ctx: CaseContext): RawPlan {
  const { bytes, headEnd } = requestBytes(c, ctx);
  const port = c.listener === 'proxy' ? ctx.proxyPort : ctx.publicPort;
  // Sources with bad credentials get their own block, so the auth-failure limiter never blocks the good ones.
  const localAddress = `127.0.${c.auth === 'bad' || c.auth === 'not-basic' ? 2 : 1}.${c.sourceIndex}`;
  const base = { port, localAddress, pauseMs: c.pauseMs, cutMode: c.cutMode, readMs: 400 };
  if (c.cut === 'head') {
    const at = Math.floor(c.cutAt * headEnd);
    return { ...base, pieces: [bytes.subarray(0, at), bytes.subarray(at)], cutAfterPiece: 1 };
  }
  if (c.cut === 'body' && bytes.length > headEnd) {
    const at = headEnd + Math.floor(c.cutAt * (bytes.length - headEnd));
    return { ...base, pieces: [bytes.subarray(0, at), bytes.subarray(at)], cutAfterPiece: 1 };
  }
  const pieces = splitAt(bytes, c.splits);
  return { ...base, pieces, ...(c.cut === 'response' ? { cutOnFirstByte: true } : {}) };
}

/** Status code of the first response line, if a whole one arrived. */
export function statusOf(response: Buffer): number | undefined {
  const match = /^HTTP\/1\.[01] (\d{3}) /.exec(response.subarray(0, 64).toString('latin1'));
  return match ? Number(match[1]) : undefined;
}
