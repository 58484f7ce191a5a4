import { describe, expect, it } from 'vitest';
import { fc, test } from '@fast-check/vitest';
import { STATUS } from '../../../../drivers/document-scanner/protocol/constants.js';
import { MAX_RECORD_BYTES, encodeDataEnd, encodeDataRecord, parseDataRecord, type DataFrame } from '../../../../drivers/document-scanner/protocol/data.js';
import { SaneProtocolError } from '../../../../drivers/document-scanner/protocol/wire.js';
import { concat, feed, fixture } from './helpers.js';

/** Parses records until the end marker, as the device class does: bytes after it are ignored. */
function readStream(chunks: Uint8Array[]): { data: number[]; status: number | undefined; errors: number } {
  const out = feed(parseDataRecord, chunks);
  const data: number[] = [];
  let status: number | undefined;
  for (const f of out.frames) {
    if (status !== undefined) break;
    if (f.kind === 'data') data.push(...f.bytes);
    else status = f.status;
  }
  return { data, status, errors: out.errors.length };
}

describe('data records', () => {
  it('a record is its big-endian length and the bytes; the end is FFFFFFFF and one status byte', () => {
    expect(Array.from(encodeDataRecord(Uint8Array.of(9, 8, 7)))).toEqual([0, 0, 0, 3, 9, 8, 7]);
    expect(Array.from(encodeDataEnd())).toEqual([0xff, 0xff, 0xff, 0xff, STATUS.EOF]);
    expect(Array.from(encodeDataEnd(STATUS.JAMMED))).toEqual([0xff, 0xff, 0xff, 0xff, 6]);
  });

  it('zero-length records are legal', () => {
    expect(parseDataRecord(Uint8Array.of(0, 0, 0, 0))).toMatchObject({ consumed: 4, frame: { kind: 'data' } });
  });

  it('the end marker waits for its status byte', () => {
    expect(parseDataRecord(Uint8Array.of(0xff, 0xff, 0xff, 0xff)).consumed).toBe(0);
    expect(parseDataRecord(Uint8Array.of(0xff, 0xff, 0xff, 0xff, 7)).frame).toEqual({ kind: 'end', status: 7 });
  });

  it('a record longer than the limit is a typed length error', () => {
    const n = MAX_RECORD_BYTES + 1;
    const r = parseDataRecord(Uint8Array.of(n >>> 24, (n >>> 16) & 0xff, (n >>> 8) & 0xff, n & 0xff));
    expect(r.error).toBeInstanceOf(SaneProtocolError);
    expect(r.error?.kind).toBe('length');
  });

  it("saned's stream of a 29 × 14 scan: 406 image bytes, EOF, and stray bytes after the status that are ignored", () => {
    const stream = fixture('data-stream.bin');
    const r = readStream([stream]);
    expect(r.data).toHaveLength(29 * 14);
    expect(r.status).toBe(STATUS.EOF);
    expect(r.errors).toBe(0);
    // saned 1.1 writes 4 bytes after the status byte (its ring buffer's reserved length slot)
    expect(stream.length).toBe(4 + 406 + 5 + 4);
  });

  it("saned's stream split at every offset gives the same image", () => {
    const stream = fixture('data-stream.bin');
    const whole = readStream([stream]);
    for (let split = 1; split < stream.length; split++) {
      expect(readStream([stream.subarray(0, split), stream.subarray(split)])).toEqual(whole);
    }
  });
});

describe('data record properties', () => {
  const records = fc.array(fc.uint8Array({ maxLength: 300 }), { maxLength: 12 });
  test.prop([records, fc.integer({ min: 0, max: 255 }), fc.array(fc.integer({ min: 1, max: 64 }), { minLength: 1, maxLength: 40 })])(
    'records then the end marker, cut into any chunks, give the bytes and the status',
    (recs, status, cuts) => {
      const stream = concat(...recs.map(encodeDataRecord), encodeDataEnd(status));
      const chunks: Uint8Array[] = [];
      let o = 0;
      for (let i = 0; o < stream.length; i++) {
        const n = cuts[i % cuts.length] as number;
        chunks.push(stream.subarray(o, o + n));
        o += n;
      }
      const r = readStream(chunks);
      expect(r.data).toEqual(recs.flatMap((x) => Array.from(x)));
      expect(r.status).toBe(status);
    },
  );

  test.prop([fc.uint8Array({ maxLength: 64 })])('random bytes give records, need-more or a typed error', (bytes) => {
    const r = parseDataRecord(bytes);
    expect(r.consumed).toBeLessThanOrEqual(bytes.length);
    if (r.error) expect(r.error).toBeInstanceOf(SaneProtocolError);
    const f: DataFrame | undefined = r.frame;
    if (f?.kind === 'data') expect(r.consumed).toBe(4 + f.bytes.length);
  });
});
