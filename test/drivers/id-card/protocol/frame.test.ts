import { describe, expect, it } from 'vitest';
import { fc, test } from '@fast-check/vitest';
import {
  MAX_LEN,
  SamProtocolError,
  encodeRequest,
  encodeResponse,
  parseRequest,
  parseResponse,
  type ParseResult,
} from '../../../../drivers/id-card/protocol/frame.js';
import { COMMAND_FRAMES, FIND_CARD_OK_RESPONSE, hex, toHex } from '../../../fixtures/id-card/frames.js';

/** Feeds `bytes` in the given chunks through an incremental parser, collecting every outcome. */
function feed<F>(parse: (b: Uint8Array) => ParseResult<F>, chunks: Uint8Array[]): { frames: F[]; errors: SamProtocolError[]; left: number } {
  let buf = new Uint8Array(0);
  const frames: F[] = [];
  const errors: SamProtocolError[] = [];
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
      if (r.frame) frames.push(structuredClone(r.frame));
      if (r.error) errors.push(r.error);
      buf = buf.slice(r.consumed);
    }
  }
  return { frames, errors, left: buf.length };
}

describe('parseResponse fixtures', () => {
  it('parses the fact-sheet find-card response', () => {
    const r = parseResponse(hex(FIND_CARD_OK_RESPONSE));
    expect(r.consumed).toBe(15);
    expect(r.error).toBeUndefined();
    expect(r.frame).toMatchObject({ sw1: 0, sw2: 0, sw3: 0x9f });
    expect(Array.from(r.frame?.data ?? [])).toEqual([0, 0, 0, 0]);
  });

  it('encodes the same bytes as the fact sheet', () => {
    expect(toHex(encodeResponse(0, 0, 0x9f, new Uint8Array(4)))).toBe(FIND_CARD_OK_RESPONSE);
  });

  const frame = hex(FIND_CARD_OK_RESPONSE);
  for (let split = 1; split < frame.length; split++) {
    it(`reassembles the find-card response split at offset ${split}`, () => {
      const out = feed(parseResponse, [frame.subarray(0, split), frame.subarray(split)]);
      expect(out.errors).toEqual([]);
      expect(out.frames).toHaveLength(1);
      expect(out.frames[0]?.sw3).toBe(0x9f);
      expect(out.left).toBe(0);
    });
  }

  it('needs more bytes for every strict prefix', () => {
    for (let n = 0; n < frame.length; n++) expect(parseResponse(frame.subarray(0, n)).consumed).toBe(0);
  });

  it('reports a bad checksum as a typed error consuming the whole bad frame', () => {
    const bad = frame.slice();
    bad[bad.length - 1] = 0x00;
    const r = parseResponse(bad);
    expect(r.frame).toBeUndefined();
    expect(r.consumed).toBe(15);
    expect(r.error).toBeInstanceOf(SamProtocolError);
    expect(r.error?.kind).toBe('checksum');
    expect(r.error?.code).toBe('checksum');
  });

  it('skips garbage up to the next preamble and reports how much', () => {
    const junk = hex('01 02 AA AA 03 AA');
    const buf = new Uint8Array(junk.length + frame.length);
    buf.set(junk);
    buf.set(frame, junk.length);
    const r = parseResponse(buf);
    expect(r.error?.kind).toBe('garbage');
    expect(r.consumed).toBe(junk.length);
    expect(parseResponse(buf.subarray(r.consumed)).frame?.sw3).toBe(0x9f);
  });

  it('keeps a trailing preamble prefix (waits for the rest)', () => {
    const r = parseResponse(hex('01 02 03 AA AA AA 96'));
    expect(r.error?.kind).toBe('garbage');
    expect(r.consumed).toBe(3);
    expect(parseResponse(hex('AA AA AA 96')).consumed).toBe(0);
  });

  it('rejects an absurd LEN and skips only the preamble', () => {
    const r = parseResponse(hex('AA AA AA 96 69 10 01 00 00 90'));
    expect(r.error?.kind).toBe('length');
    expect(r.consumed).toBe(5);
    const tooShort = parseResponse(hex('AA AA AA 96 69 00 02 00 00'));
    expect(tooShort.error?.kind).toBe('length');
  });

  it('accepts LEN up to the limit', () => {
    const data = new Uint8Array(MAX_LEN - 4);
    const r = parseResponse(encodeResponse(0, 0, 0x90, data));
    expect(r.frame?.data.length).toBe(MAX_LEN - 4);
    expect(() => encodeResponse(0, 0, 0x90, new Uint8Array(MAX_LEN))).toThrow(SamProtocolError);
  });

  it('parses two frames back to back', () => {
    const two = new Uint8Array(frame.length * 2);
    two.set(frame);
    two.set(frame, frame.length);
    const out = feed(parseResponse, [two]);
    expect(out.frames).toHaveLength(2);
  });
});

describe('parseRequest fixtures', () => {
  for (const [name, text] of Object.entries(COMMAND_FRAMES)) {
    const bytes = hex(text);
    it(`parses the ${name} command frame split at every offset`, () => {
      for (let split = 0; split <= bytes.length; split++) {
        const out = feed(parseRequest, [bytes.subarray(0, split), bytes.subarray(split)]);
        expect(out.errors).toEqual([]);
        expect(out.frames).toHaveLength(1);
        expect(out.frames[0]?.cmd).toBe(bytes[7]);
        expect(out.frames[0]?.para).toBe(bytes[8]);
      }
    });
  }
});

const chunked = (bytes: Uint8Array, cuts: number[]): Uint8Array[] => {
  const points = [...new Set(cuts.map((c) => c % (bytes.length + 1)))].sort((a, b) => a - b);
  const out: Uint8Array[] = [];
  let prev = 0;
  for (const p of points) {
    out.push(bytes.subarray(prev, p));
    prev = p;
  }
  out.push(bytes.subarray(prev));
  return out;
};

describe('frame properties', () => {
  test.prop([fc.integer({ min: 0, max: 255 }), fc.integer({ min: 0, max: 255 }), fc.integer({ min: 0, max: 255 }), fc.uint8Array({ maxLength: 300 }), fc.array(fc.nat(), { maxLength: 5 })])(
    'response round trip, any chunking',
    (sw1, sw2, sw3, data, cuts) => {
      const bytes = encodeResponse(sw1, sw2, sw3, data);
      const out = feed(parseResponse, chunked(bytes, cuts));
      expect(out.errors).toEqual([]);
      expect(out.frames).toHaveLength(1);
      expect(out.frames[0]).toEqual({ sw1, sw2, sw3, data: Uint8Array.from(data) });
    },
  );

  test.prop([fc.integer({ min: 0, max: 255 }), fc.integer({ min: 0, max: 255 }), fc.uint8Array({ maxLength: 300 })])('request round trip', (cmd, para, data) => {
    const r = parseRequest(encodeRequest(cmd, para, data));
    expect(r.frame).toEqual({ cmd, para, data: Uint8Array.from(data) });
  });

  for (const [name, parse] of [
    ['parseResponse', parseResponse],
    ['parseRequest', parseRequest],
  ] as const) {
    test.prop([fc.uint8Array({ maxLength: 600 })])(`${name}: arbitrary bytes give only typed outcomes and always progress`, (bytes) => {
      let buf: Uint8Array = bytes;
      let rounds = 0;
      for (;;) {
        const r = (parse as (b: Uint8Array) => ParseResult<unknown>)(buf);
        expect(r.consumed).toBeGreaterThanOrEqual(0);
        expect(r.consumed).toBeLessThanOrEqual(buf.length);
        if (r.error) expect(r.error).toBeInstanceOf(SamProtocolError);
        if (r.consumed > 0) expect(Boolean(r.frame) !== Boolean(r.error)).toBe(true);
        if (r.consumed === 0) break;
        buf = buf.subarray(r.consumed);
        rounds++;
        expect(rounds).toBeLessThanOrEqual(bytes.length);
      }
    });

    test.prop([fc.uint8Array({ maxLength: 64 }), fc.uint8Array({ maxLength: 64 })])(`${name}: resynchronises after garbage`, (junk, data) => {
      const cleanJunk = junk.map((b) => (b === 0xaa ? 0 : b));
      const frame = name === 'parseResponse' ? encodeResponse(0, 0, 0x90, data) : encodeRequest(0x30, 0x01, data);
      const all = new Uint8Array(cleanJunk.length + frame.length);
      all.set(cleanJunk);
      all.set(frame, cleanJunk.length);
      const out = feed(parse as (b: Uint8Array) => ParseResult<unknown>, [all]);
      expect(out.frames).toHaveLength(1);
      expect(out.errors.every((e) => e.kind === 'garbage')).toBe(true);
    });
  }

  test.prop([fc.uint8Array({ minLength: 1, maxLength: 100 }), fc.nat(), fc.integer({ min: 1, max: 255 })])('a flipped byte after the preamble never yields a silently wrong frame', (data, pos, flip) => {
    const frame = encodeResponse(0, 0, 0x90, data);
    const i = 5 + (pos % (frame.length - 5));
    const bad = frame.slice();
    bad[i] = (bad[i] as number) ^ flip;
    const out = feed(parseResponse, [bad]);
    for (const f of out.frames) expect(f).not.toEqual({ sw1: 0, sw2: 0, sw3: 0x90, data: Uint8Array.from(data) });
    expect(out.frames.length + out.errors.length + (out.left > 0 ? 1 : 0)).toBeGreaterThan(0);
  });
});
