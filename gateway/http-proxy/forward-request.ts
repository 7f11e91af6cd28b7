// Plain-HTTP proxying (RFC 9112 §3.2.2 absolute-form): the request is replayed over a dialled channel.
import { request as httpRequest, type IncomingHttpHeaders, type IncomingMessage, type ServerResponse } from 'node:http';
import type { Duplex } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { GatewayError, isGatewayError } from '../../common/errors.js';
import { PipeError, type PipeResult } from '../pipe.js';

/** RFC 9110 §7.6.1: connection-specific fields never travel past a proxy. */
const HOP_BY_HOP = new Set(['connection', 'keep-alive', 'proxy-authorization', 'proxy-authenticate', 'proxy-connection', 'te', 'trailer', 'transfer-encoding', 'upgrade']);

/**
 * Framing is ours to set, never the client's to remove: a `Connection` header that names
 * Content-Length would otherwise send the body out unframed, and the origin would read what follows
 * it as a second request (smuggled past the per-request policy and audit).
 */
const FRAMING = new Set(['content-length', 'transfer-encoding']);

function endToEndHeaders(headers: IncomingHttpHeaders): Record<string, string | string[]> {
  const named = new Set(String(headers.connection ?? '').toLowerCase().split(',').map((token) => token.trim()));
  const out: Record<string, string | string[]> = {};
  for (const [name, value] of Object.entries(headers)) {
    if (value === undefined || HOP_BY_HOP.has(name) || (named.has(name) && !FRAMING.has(name))) continue;
    out[name] = value;
  }
  return out;
}

/**
 * The request's own framing, re-stated for the next hop: Node's parser has already decoded a chunked
 * body, so it goes out chunked again; a Content-Length body keeps its length; no framing means no body
 * (RFC 9112 §6.3), and Node then sends none.
 */
function requestFraming(headers: IncomingHttpHeaders): Record<string, string> {
  if (headers['transfer-encoding'] !== undefined) return { 'transfer-encoding': 'chunked' };
  if (headers['content-length'] !== undefined) return { 'content-length': headers['content-length'] };
  return {};
}

/**
 * Sends `req` to the origin over `stream` and the answer back to `res`, counting the bytes each way into
 * `bytes` (a live connection-table entry) as they pass. Every stream failure
 * (the client leaving at any phase, a body shorter than its length, an origin that does not speak HTTP)
 * rejects this one promise: nothing is left to reject unobserved.
 */
export async function forwardRequest(
  req: IncomingMessage,
  res: ServerResponse,
  url: URL,
  stream: Duplex,
  bytes: PipeResult,
): Promise<void> {
  const headers = { ...endToEndHeaders(req.headers), ...requestFraming(req.headers), host: url.host, connection: 'close' };
  const upstream = httpRequest({ createConnection: () => stream, method: req.method, path: `${url.pathname}${url.search}`, headers });
  req.on('data', (chunk: Buffer) => (bytes.bytesUp += chunk.length));
  const response = new Promise<IncomingMessage>((resolve, reject) => upstream.once('response', resolve).once('error', reject));
  const sent = pipeline(req, upstream);
  try {
    // Whichever fails first decides; Promise.all observes the other one as well.
    const [answer] = await Promise.all([response, Promise.race([sent, response])]);
    answer.on('data', (chunk: Buffer) => (bytes.bytesDown += chunk.length));
    res.writeHead(answer.statusCode ?? 502, answer.statusMessage, endToEndHeaders(answer.headers));
    await Promise.all([sent, pipeline(answer, res)]);
  } catch (err) {
    upstream.destroy();
    stream.destroy();
    await sent.catch(() => undefined);
    throw forwardingError(err, req, res, bytes);
  }
}

/**
 * Our error for a failed forward, sided like a SOCKS transfer's. The cause is kept for debugging but
 * never logged: Node's parser errors carry the raw bytes the origin sent (`rawPacket`).
 */
function forwardingError(err: unknown, req: IncomingMessage, res: ServerResponse, bytes: PipeResult): GatewayError {
  if (isGatewayError(err)) return err;
  if (!req.complete || res.destroyed) return new PipeError('client', bytes, err);
  const code = (err as { code?: unknown }).code;
  if (typeof code === 'string' && code.startsWith('HPE_')) return new GatewayError('EG_UPSTREAM_PROTOCOL', undefined, { cause: err });
  return new PipeError('channel', bytes, err);
}
