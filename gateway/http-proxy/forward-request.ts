// Plain-HTTP proxying (RFC 9112 §3.2.2 absolute-form): the request is replayed over a dialled channel.
import { request as httpRequest, type IncomingHttpHeaders, type IncomingMessage, type ServerResponse } from 'node:http';
import type { Duplex } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { PipeResult } from '../pipe.js';

/** RFC 9110 §7.6.1: connection-specific fields never travel past a proxy. */
const HOP_BY_HOP = new Set(['connection', 'keep-alive', 'proxy-authorization', 'proxy-authenticate', 'proxy-connection', 'te', 'trailer', 'transfer-encoding', 'upgrade']);

export function endToEndHeaders(headers: IncomingHttpHeaders): Record<string, string | string[]> {
  const named = new Set(String(headers.connection ?? '').toLowerCase().split(',').map((token) => token.trim()));
  const out: Record<string, string | string[]> = {};
  for (const [name, value] of Object.entries(headers)) {
    if (value === undefined || HOP_BY_HOP.has(name) || named.has(name)) continue;
    out[name] = value;
  }
  return out;
}

/**
 * Sends `req` to the origin over `stream` and the answer back to `res`; resolves with the bytes each way,
 * counted as they pass into `counters` (a live connection-table entry) when given.
 */
export async function forwardRequest(
  req: IncomingMessage,
  res: ServerResponse,
  url: URL,
  stream: Duplex,
  counters?: PipeResult,
): Promise<PipeResult> {
  const bytes: PipeResult = counters ?? { bytesUp: 0, bytesDown: 0 };
  const upstream = httpRequest({
    createConnection: () => stream,
    method: req.method,
    path: `${url.pathname}${url.search}`,
    headers: { ...endToEndHeaders(req.headers), host: url.host, connection: 'close' },
  });
  req.on('data', (chunk: Buffer) => (bytes.bytesUp += chunk.length));
  const response = new Promise<IncomingMessage>((resolve, reject) => upstream.once('response', resolve).once('error', reject));
  const sent = pipeline(req, upstream);
  const answer = await response;
  answer.on('data', (chunk: Buffer) => (bytes.bytesDown += chunk.length));
  res.writeHead(answer.statusCode ?? 502, answer.statusMessage, endToEndHeaders(answer.headers));
  await Promise.all([sent, pipeline(answer, res)]);
  return { bytesUp: bytes.bytesUp, bytesDown: bytes.bytesDown };
}
