import { describe, expect, it } from 'vitest';
import { fc, test } from '@fast-check/vitest';
import { decodeGb18030, encodeGb18030, gb18030CodePoint, gb18030SequenceLength } from '../../../../drivers/receipt-printer/protocol/gb18030.js';
import { RARE, toHex } from '../helpers.js';

const decoder = new TextDecoder('gb18030');

describe('GB18030 encoder (reverse of TextDecoder)', () => {
  it.each([
    ['中', 'd6 d0'],
    ['文', 'ce c4'],
    ['　', 'a1 a1'],
    ['€', 'a2 e3'],
    ['𠀾', '95 32 88 38'],
    ['A', '41'],
  ])('%s -> %s', (ch, bytes) => {
    const r = encodeGb18030(ch);
    expect('bytes' in r && toHex(r.bytes)).toBe(bytes);
  });

  it.each(RARE.map((c) => [c, c.codePointAt(0)?.toString(16)]))('rare character %s (U+%s) round-trips through TextDecoder', (ch) => {
    const r = encodeGb18030(ch);
    if (!('bytes' in r)) throw new Error(`no encoding for ${ch}`);
    expect(decoder.decode(r.bytes)).toBe(ch);
  });

  it('supplementary-plane characters take four bytes starting 0x90–0xE3', () => {
    const b = gb18030CodePoint(0x2000e);
    expect(b).toHaveLength(4);
    expect(b?.[0]).toBeGreaterThanOrEqual(0x90);
    expect(decodeGb18030(Uint8Array.from(b ?? []))).toBe(String.fromCodePoint(0x2000e));
  });

  it('reports lone surrogates as unencodable', () => {
    expect(encodeGb18030('a\ud800b')).toEqual({ badIndex: 1 });
  });

  test.prop([fc.string({ unit: 'binary' })])('any encodable string decodes back to itself', (s) => {
    const r = encodeGb18030(s);
    if ('bytes' in r) expect(decoder.decode(r.bytes)).toBe(s);
    else {
      // only a lone surrogate or one of the few private-use code points ICU leaves unmapped
      const cp = s.codePointAt(r.badIndex) ?? 0;
      expect((cp >= 0xd800 && cp <= 0xdfff) || (cp >= 0xe000 && cp <= 0xf8ff) || cp === 0xfffd).toBe(true);
    }
  });

  it('sequence lengths: 1, 2, 4 and need-more', () => {
    expect(gb18030SequenceLength(Uint8Array.of(0x41), 0)).toBe(1);
    expect(gb18030SequenceLength(Uint8Array.of(0xd6, 0xd0), 0)).toBe(2);
    expect(gb18030SequenceLength(Uint8Array.of(0x95, 0x32, 0x88, 0x38), 0)).toBe(4);
    expect(gb18030SequenceLength(Uint8Array.of(0x95, 0x32, 0x88), 0)).toBe(0);
    expect(gb18030SequenceLength(Uint8Array.of(0xd6), 0)).toBe(0);
  });
});
