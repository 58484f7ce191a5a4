import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { expect } from 'vitest';
import type { ParseResult, SaneProtocolError } from '../../../../drivers/document-scanner/protocol/wire.js';

const DIR = join(import.meta.dirname, '../../../fixtures/document-scanner/saned-test-backend');

/** Bytes captured from a real saned (see test/fixtures/document-scanner/README.md). */
export function fixture(name: string): Uint8Array {
  return new Uint8Array(readFileSync(join(DIR, name)));
}

/** Feeds `chunks` one after another through an incremental parser, as a receive buffer would. */
export function feed<F>(parse: (b: Uint8Array) => ParseResult<F>, chunks: Uint8Array[]): { frames: F[]; errors: SaneProtocolError[]; left: number } {
  let buf = new Uint8Array(0);
  const frames: F[] = [];
  const errors: SaneProtocolError[] = [];
  for (const c of chunks) {
    const merged = new Uint8Array(buf.length + c.length);
    merged.set(buf);
    merged.set(c, buf.length);
    buf = merged;
    for (;;) {
      const r = parse(buf);
      expect(r.consumed).toBeLessThanOrEqual(buf.length);
      if (r.consumed === 0) {
        expect(r.frame).toBeUndefined();
        expect(r.error).toBeUndefined();
        break;
      }
      if (r.frame !== undefined) frames.push(structuredClone(r.frame));
      if (r.error) errors.push(r.error);
      buf = buf.slice(r.consumed);
    }
  }
  return { frames, errors, left: buf.length };
}

export function concat(...parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let o = 0;
  for (const p of parts) {
    out.set(p, o);
    o += p.length;
  }
  return out;
}

export const hex = (b: Uint8Array): string => Buffer.from(b).toString('hex');
