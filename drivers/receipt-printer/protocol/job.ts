/**
 * A print job as bytes on the wire, pure: where it may be cut into writes, and what it prints.
 */
import { parseCommand } from './decoder.js';

export interface Chunk {
  bytes: Uint8Array;
  /** The chunk ends at a command boundary: a status query may follow it. */
  boundary: boolean;
}

/** Splits a job into chunks of about `size` bytes, cut only at command boundaries (oversized commands are split, marked non-boundary). */
export function chunkAtCommands(bytes: Uint8Array, size: number): Chunk[] {
  const out: Chunk[] = [];
  let start = 0;
  let off = 0;
  while (off < bytes.length) {
    const r = parseCommand(bytes.subarray(off));
    const len = r.consumed === 0 ? bytes.length - off : r.consumed;
    if (off + len - start > size && off > start) {
      out.push({ bytes: bytes.subarray(start, off), boundary: true });
      start = off;
    }
    off += len;
    if (off - start > size) {
      // one command larger than a chunk: pieces, only the last one ends at a boundary
      for (let p = start; p < off; p += size) {
        const end = Math.min(off, p + size);
        out.push({ bytes: bytes.subarray(p, end), boundary: end === off });
      }
      start = off;
    }
  }
  if (start < bytes.length) out.push({ bytes: bytes.subarray(start), boundary: true });
  return out;
}

/** Chunks grouped so that each group ends at a command boundary: a group is written without a query in between. */
export function commandGroups(chunks: readonly Chunk[]): Uint8Array[][] {
  const groups: Uint8Array[][] = [];
  let current: Uint8Array[] = [];
  for (const c of chunks) {
    current.push(c.bytes);
    if (c.boundary) {
      groups.push(current);
      current = [];
    }
  }
  if (current.length > 0) groups.push(current);
  return groups;
}

/** Printed lines (LF and ESC d) and cuts in a byte string. */
export function countJob(bytes: Uint8Array): { lines: number; cuts: number } {
  let lines = 0;
  let cuts = 0;
  let off = 0;
  while (off < bytes.length) {
    const r = parseCommand(bytes.subarray(off));
    if (r.consumed === 0) break;
    off += r.consumed;
    if (r.command?.op === 'lf') lines++;
    else if (r.command?.op === 'cut') cuts++;
  }
  return { lines, cuts };
}
