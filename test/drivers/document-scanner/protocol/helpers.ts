import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { expect } from 'vitest';
import type { ParseResult, SaneProtocolError } from '../../../../drivers/document-scanner/protocol/wire.js';
import { FrameReader } from '../../../../drivers/transport/frame-reader.js';

const DIR = join(import.meta.dirname, '../../../fixtures/document-scanner/saned-test-backend');

/** Bytes captured from a real saned (see test/fixtures/document-scanner/README.md). */
export function fixture(name: string): Uint8Array {
  return new Uint8Array(readFileSync(join(DIR, name)));
}

/**
 * Feeds `chunks` one after another through an incremental parser the way the driver does (the shared
 * FrameReader), checking the parser's contract on every call: never more than given, need-more is empty.
 */
export function feed<F>(parse: (b: Uint8Array) => ParseResult<F>, chunks: Uint8Array[]): { frames: F[]; errors: SaneProtocolError[]; left: number } {
  const frames: F[] = [];
  const errors: SaneProtocolError[] = [];
  const reader = new FrameReader<F, SaneProtocolError>({
    parse: (b) => {
      const r = parse(b);
      expect(r.consumed).toBeLessThanOrEqual(b.length);
      if (r.consumed === 0) {
        expect(r.frame).toBeUndefined();
        expect(r.error).toBeUndefined();
      }
      return r;
    },
    maxBuffered: 1 << 24,
    onFrame: (f) => frames.push(structuredClone(f)),
    onError: (e) => errors.push(e),
  });
  for (const c of chunks) reader.push(c);
  return { frames, errors, left: reader.buffered };
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
