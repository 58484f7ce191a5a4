import { describe, expect, it } from 'vitest';
import { fc, test } from '@fast-check/vitest';
import {
  computeCheckDigit,
  isValidForeignOldNumber,
  isValidIdNumber,
  withCheckDigit,
} from '../../../../drivers/id-card/protocol/checkdigit.js';
import { ID_VECTORS } from '../../../fixtures/id-card/frames.js';

describe('GB 11643 check digit', () => {
  for (const v of ID_VECTORS) {
    it(`computes the check of ${v}`, () => {
      expect(computeCheckDigit(v.slice(0, 17))).toBe(v[17]);
      expect(isValidIdNumber(v)).toBe(true);
    });
  }

  it('rejects a wrong check character, lowercase x, wrong length and non-digits', () => {
    expect(isValidIdNumber('110105194912310021')).toBe(false);
    expect(isValidIdNumber('11010519491231002x')).toBe(false);
    expect(isValidIdNumber('36042619910101007')).toBe(false);
    expect(isValidIdNumber('3604261991010100711')).toBe(false);
    expect(isValidIdNumber('36042619910101A071')).toBe(false);
    expect(computeCheckDigit('123')).toBeUndefined();
    expect(() => withCheckDigit('12')).toThrow();
  });

  const digits17 = fc.array(fc.integer({ min: 0, max: 9 }), { minLength: 17, maxLength: 17 }).map((a) => a.join(''));

  test.prop([digits17])('compute then validate holds', (d) => {
    expect(isValidIdNumber(withCheckDigit(d))).toBe(true);
  });

  test.prop([digits17, fc.integer({ min: 0, max: 10 })])('exactly one check character is valid', (d, c) => {
    const ch = c === 10 ? 'X' : String(c);
    expect(isValidIdNumber(d + ch)).toBe(computeCheckDigit(d) === ch);
  });

  test.prop([digits17])('agrees with python-stdnum’s base-13 formula', (d) => {
    let base13 = 0n;
    for (const ch of d) base13 = base13 * 13n + BigInt(ch);
    const v = Number((((1n - 2n * base13) % 11n) + 11n) % 11n);
    expect(computeCheckDigit(d)).toBe(v === 10 ? 'X' : String(v));
  });

  test.prop([digits17, fc.integer({ min: 0, max: 16 }), fc.integer({ min: 1, max: 9 })])('detects any single-digit error', (d, pos, delta) => {
    const id = withCheckDigit(d);
    const changed = id.slice(0, pos) + String((Number(id[pos]) + delta) % 10) + id.slice(pos + 1);
    expect(isValidIdNumber(changed)).toBe(false);
  });
});

describe('old foreign permanent resident card number', () => {
  it('is 3 letters + 12 digits', () => {
    expect(isValidForeignOldNumber('GBR640085061501')).toBe(true);
    expect(isValidForeignOldNumber('GB1640085061501')).toBe(false);
    expect(isValidForeignOldNumber('GBR64008506150')).toBe(false);
    expect(isValidForeignOldNumber('gbr640085061501')).toBe(false);
  });
});
