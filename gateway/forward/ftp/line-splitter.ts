// Splits a byte stream into CRLF (or LF) terminated lines with a hard length cap: memory stays bounded.
import { MAX_LINE_BYTES } from './codec.js';

export type SplitResult = { lines: string[]; overflow: boolean };

export class LineSplitter {
  #pending = '';
  #overflowed = false;
  readonly #maxLineBytes: number;

  constructor(maxLineBytes = MAX_LINE_BYTES) {
    this.#maxLineBytes = maxLineBytes;
  }

  /** Lines completed by `chunk` (terminators stripped). `overflow` once a line exceeds the cap; later input is ignored. */
  push(chunk: Buffer | string): SplitResult {
    if (this.#overflowed) return { lines: [], overflow: true };
    // latin1 maps bytes 1:1 so lengths are byte counts and any byte survives the round trip.
    const text = this.#pending + (typeof chunk === 'string' ? chunk : chunk.toString('latin1'));
    const lines: string[] = [];
    let start = 0;
    for (let nl = text.indexOf('\n', start); nl >= 0; nl = text.indexOf('\n', start)) {
      const end = nl > start && text[nl - 1] === '\r' ? nl - 1 : nl;
      if (end - start > this.#maxLineBytes) return this.#overflow();
      lines.push(text.slice(start, end));
      start = nl + 1;
    }
    this.#pending = text.slice(start);
    if (this.#pending.length > this.#maxLineBytes + 1) return this.#overflow();
    return { lines, overflow: false };
  }

  #overflow(): SplitResult {
    this.#overflowed = true;
    this.#pending = '';
    return { lines: [], overflow: true };
  }
}
