// Joins an SSH channel and a TCP socket: one pipeline per direction, half-close kept, both torn down at the end.
import type { Duplex } from 'node:stream';
import { pipeline } from 'node:stream/promises';

export async function splice(a: Duplex, b: Duplex): Promise<void> {
  try {
    await Promise.all([pipeline(a, b), pipeline(b, a)]);
  } catch {
    // One side failed: pipeline already destroyed both ends; nothing else to report to the peer.
  } finally {
    a.destroy();
    b.destroy();
  }
}
