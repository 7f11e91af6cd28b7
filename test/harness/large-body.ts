// Sends a large request body to an HTTP endpoint without reading anything into memory, and samples a
// process's resident memory meanwhile: what an unauthenticated flood costs the server.
import { readFile } from 'node:fs/promises';
import { connect } from 'node:net';

/** Resident set size of `pid` in bytes (Linux /proc). */
export async function rssBytes(pid: number): Promise<number> {
  const status = await readFile(`/proc/${pid}/status`, 'utf8');
  const kib = /^VmRSS:\s+(\d+) kB/m.exec(status)?.[1];
  if (kib === undefined) throw new Error(`no VmRSS for ${pid}`);
  return Number(kib) * 1024;
}

export interface LargeBodyResult {
  /** The status line's code, when the server answered before closing. */
  status?: number;
  /** Body bytes the server accepted before it closed or answered. */
  sent: number;
}

/** POSTs `bytes` of zeros to host:port/path, announced by Content-Length or sent chunked; stops when the server answers or closes. */
export function postLargeBody(options: { port: number; path: string; bytes: number; chunked: boolean; headers?: Record<string, string> }): Promise<LargeBodyResult> {
  return new Promise((resolve) => {
    const socket = connect({ port: options.port, host: '127.0.0.1' });
    const chunk = Buffer.alloc(64 * 1024);
    let sent = 0;
    let answer = '';
    let finished = false;
    const finish = (): void => {
      if (finished) return;
      finished = true;
      socket.destroy();
      const code = /^HTTP\/1\.1 (\d{3})/.exec(answer)?.[1];
      resolve({ ...(code ? { status: Number(code) } : {}), sent });
    };
    socket.on('error', finish);
    socket.on('close', finish);
    socket.on('data', (data: Buffer) => {
      answer += data.toString('latin1');
      if (answer.includes('\r\n\r\n')) finish();
    });
    const extra = Object.entries(options.headers ?? {}).map(([k, v]) => `${k}: ${v}\r\n`).join('');
    const framing = options.chunked ? 'Transfer-Encoding: chunked\r\n' : `Content-Length: ${options.bytes}\r\n`;
    socket.write(`POST ${options.path} HTTP/1.1\r\nHost: 127.0.0.1:${options.port}\r\nContent-Type: application/json\r\n${extra}${framing}\r\n`);
    const pump = (): void => {
      while (!finished && sent < options.bytes) {
        const piece = chunk.subarray(0, Math.min(chunk.length, options.bytes - sent));
        sent += piece.length;
        const ok = socket.write(options.chunked ? Buffer.concat([Buffer.from(`${piece.length.toString(16)}\r\n`), piece, Buffer.from('\r\n')]) : piece);
        if (!ok) return void socket.once('drain', pump);
      }
      if (!finished && options.chunked) socket.write('0\r\n\r\n');
    };
    pump();
    setTimeout(finish, 60_000).unref();
  });
}

/** Runs `work` while sampling `pid`'s RSS every 20 ms; resolves with the work's result and the peak growth over the start. */
export async function peakRssGrowth<T>(pid: number, work: () => Promise<T>): Promise<{ result: T; growth: number }> {
  const start = await rssBytes(pid);
  let peak = start;
  let sampling = true;
  const sampler = (async () => {
    while (sampling) {
      peak = Math.max(peak, await rssBytes(pid).catch(() => peak));
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
  })();
  try {
    const result = await work();
    return { result, growth: peak - start };
  } finally {
    sampling = false;
    await sampler;
  }
}
