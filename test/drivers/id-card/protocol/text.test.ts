import { describe, expect, it } from 'vitest';
import { fc, test } from '@fast-check/vitest';
import {
  CardDataError,
  NATIONS,
  cardTypeOf,
  decodeDate,
  decodeTextBlock,
  encodeTextBlock,
  nationName,
} from '../../../../drivers/id-card/protocol/text.js';
import { isValidForeignOldNumber, isValidIdNumber, withCheckDigit } from '../../../../drivers/id-card/protocol/checkdigit.js';
import { SAMPLE_IDENTITIES, sampleRecord } from '../../../../drivers/id-card/samples.js';
import type { IdentityRecord } from '../../../../drivers/id-card/types.js';

/** An independent encoder for hand-made blocks: fields as [byteOffset, text], padded with `pad`. */
function block(fields: [number, string][], pad = ' '): Uint8Array {
  const buf = Buffer.from(pad.repeat(128), 'utf16le');
  for (const [off, text] of fields) Buffer.from(text, 'utf16le').copy(buf, off);
  return new Uint8Array(buf);
}

const ID = '11010519491231002X';

describe('text block: resident card', () => {
  const resident = block([
    [0, '测试甲'],
    [30, '2'],
    [32, '03'],
    [36, '19491231'],
    [52, '宁夏回族自治区银川市兴庆区测试路1号'],
    [122, ID],
    [158, '银川市公安局测试分局'],
    [188, '20100101'],
    [204, '长期'],
  ]);

  it('decodes every field at its fact-sheet offset', () => {
    const r = decodeTextBlock(resident);
    expect(r.error).toBeUndefined();
    expect(r.record).toEqual({
      cardType: 'resident',
      name: '测试甲',
      gender: 'female',
      nationCode: '03',
      birthDate: '1949-12-31',
      address: '宁夏回族自治区银川市兴庆区测试路1号',
      idNumber: ID,
      idNumberValid: true,
      issuer: '银川市公安局测试分局',
      validFrom: '2010-01-01',
      validTo: 'long-term',
      photo: null,
    });
    expect(nationName(r.record?.nationCode ?? null)).toBe('回');
  });

  it('trims NUL padding as well as spaces', () => {
    const nul = block([[0, '测试乙'], [30, '1'], [32, '01'], [36, '19491231'], [122, ID], [188, '20100101'], [204, '20300101']], '\0');
    const r = decodeTextBlock(nul);
    expect(r.record?.name).toBe('测试乙');
    expect(r.record?.address).toBe('');
    expect(r.record?.validTo).toBe('2030-01-01');
  });

  it('reports a bad check digit instead of accepting it', () => {
    const bad = block([[0, '甲'], [30, '1'], [32, '01'], [36, '19491231'], [122, '110105194912310021'], [188, '20100101'], [204, '20300101']]);
    expect(decodeTextBlock(bad).record?.idNumberValid).toBe(false);
  });

  const broken: [string, [number, string][], string][] = [
    ['an impossible birth date', [[36, '19490230']], 'birthDate'],
    ['a non-date valid-from', [[188, '2010AB01']], 'validFrom'],
    ['长期 as valid-from', [[188, '长期']], 'validFrom'],
    ['an unknown gender code', [[30, '9']], 'gender'],
    ['a non-numeric nation', [[32, 'AB']], 'nation'],
  ];
  for (const [what, patch, field] of broken) {
    it(`gives a typed error naming the field for ${what}`, () => {
      const fields: [number, string][] = [[0, '甲'], [30, '1'], [32, '01'], [36, '19491231'], [122, ID], [188, '20100101'], [204, '20300101'], ...patch];
      const r = decodeTextBlock(block(fields));
      expect(r.record).toBeUndefined();
      expect(r.error).toBeInstanceOf(CardDataError);
      expect(r.error?.field).toBe(field);
      expect(r.error?.code).toBe('invalid-data');
      // the message names the field, never the bad value
      expect(r.error?.message).not.toContain('19490230');
    });
  }

  it('rejects a block of the wrong size and a photo of the wrong size', () => {
    expect(decodeTextBlock(new Uint8Array(255)).error?.field).toBe('text');
    expect(decodeTextBlock(resident, new Uint8Array(10)).error?.field).toBe('photo');
  });
});

describe('text block: other card types', () => {
  it("'J': nation reserved → null, pass number and issue count", () => {
    const j = block([[0, '测试丙'], [30, '1'], [32, '99'], [36, '19920315'], [122, withCheckDigit('81000019920315001')], [188, '20210701'], [204, '20260701'], [220, 'H60000001'], [238, '03'], [248, 'J']]);
    const r = decodeTextBlock(j).record;
    expect(r?.cardType).toBe('hk-mo-tw-residence');
    expect(r?.nationCode).toBeNull();
    expect(r?.passNumber).toBe('H60000001');
    expect(r?.issueCount).toBe(3);
    expect(r?.idNumberValid).toBe(true);
  });

  it("'I': English name, card number shape, nationality, Chinese name, dates, version, authority", () => {
    const i = block([[0, 'TEST, PERSON'], [120, '2'], [122, 'ABC123456789012'], [152, 'CAN'], [158, '测试丁'], [188, '20160501'], [204, '20260430'], [220, '19850615'], [236, '01'], [240, '6400'], [248, 'I']]);
    const r = decodeTextBlock(i).record;
    expect(r).toMatchObject({
      cardType: 'foreign-permanent',
      name: '测试丁',
      nameEn: 'TEST, PERSON',
      gender: 'female',
      nationCode: null,
      idNumber: 'ABC123456789012',
      idNumberValid: true,
      nationality: 'CAN',
      birthDate: '1985-06-15',
      validFrom: '2016-05-01',
      validTo: '2026-04-30',
      cardVersion: '01',
      issuer: '6400',
      address: '',
    });
  });

  it("'I' without a Chinese name uses the English name", () => {
    const i = block([[0, 'ONLY, ENGLISH'], [120, '1'], [122, 'ABC123456789012'], [188, '20160501'], [204, '20260430'], [220, '19850615'], [248, 'I']]);
    expect(decodeTextBlock(i).record?.name).toBe('ONLY, ENGLISH');
  });

  it("'Y': English name joined from both fields, renewal count, previous-card link", () => {
    const en = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ ABCDEFGH' + 'IJ KLMNOPQ'; // 35 + 10
    const y = block([[0, '测试戊'], [30, '1'], [32, '02'], [36, '19880720'], [52, en.slice(0, 35)], [122, withCheckDigit('96461619880720120')], [188, '20231201'], [204, '20331130'], [220, en.slice(35)], [242, 'POL'], [248, 'Y'], [250, 'A1B']]);
    const r = decodeTextBlock(y).record;
    expect(r).toMatchObject({ cardType: 'foreign-permanent-2023', name: '测试戊', nameEn: en, issueCount: 2, nationality: 'POL', previousCardLink: 'A1B', idNumberValid: true, issuer: '' });
  });

  it('any other flag means a resident card', () => {
    expect(cardTypeOf(block([[248, 'Q']]))).toBe('resident');
    expect(cardTypeOf(new Uint8Array(10))).toBe('resident');
  });
});

describe('dates and tables', () => {
  it('converts dates and leap days', () => {
    expect(decodeDate('20000229', 'd')).toBe('2000-02-29');
    expect(decodeDate('19000229', 'd')).toBeInstanceOf(CardDataError);
    expect(decodeDate('长期', 'd', true)).toBe('long-term');
    expect(decodeDate('20231301', 'd')).toBeInstanceOf(CardDataError);
  });

  it('has the 56 nations plus 97 and 98', () => {
    expect(Object.keys(NATIONS)).toHaveLength(58);
    expect(NATIONS['03']).toBe('回');
    expect(NATIONS['56']).toBe('基诺');
    expect(NATIONS['97']).toBe('其他');
    expect(NATIONS['98']).toBe('外国血统中国籍人士');
  });
});

describe('encodeTextBlock', () => {
  for (const key of Object.keys(SAMPLE_IDENTITIES)) {
    it(`round-trips sample ${key}`, () => {
      const rec = sampleRecord(key) as IdentityRecord;
      const r = decodeTextBlock(encodeTextBlock(rec), rec.photo?.bytes ?? null);
      expect(r.error).toBeUndefined();
      expect(r.record).toEqual(rec);
    });
  }

  it('rejects fields that do not fit or are not UCS-2', () => {
    const base = sampleRecord('resident-zhang') as IdentityRecord;
    expect(() => encodeTextBlock({ ...base, address: '宁'.repeat(36) })).toThrow(CardDataError);
    expect(() => encodeTextBlock({ ...base, name: '𠀀' })).toThrow(CardDataError);
    expect(() => encodeTextBlock({ ...base, nationCode: null })).toThrow(CardDataError);
    expect(() => encodeTextBlock({ ...base, birthDate: '1985/06/15' })).toThrow(CardDataError);
    const y = sampleRecord('foreign-2023') as IdentityRecord;
    expect(() => encodeTextBlock({ ...y, nameEn: 'A'.repeat(47) })).toThrow(CardDataError);
  });
});

// ------------------------------------------------------------------ properties

const bmpChar = fc
  .integer({ min: 0x21, max: 0xfffd })
  .filter((u) => u < 0xd800 || u > 0xdfff)
  .map((u) => String.fromCharCode(u));
const text = (max: number) => fc.array(bmpChar, { minLength: 1, maxLength: max }).map((a) => a.join(''));
const date = fc.date({ min: new Date('1900-01-01T00:00:00Z'), max: new Date('2099-12-31T00:00:00Z'), noInvalidDate: true }).map((d) => d.toISOString().slice(0, 10));
const digits17 = fc.array(fc.integer({ min: 0, max: 9 }), { minLength: 17, maxLength: 17 }).map((a) => a.join(''));
const idNumber = fc.oneof(digits17.map(withCheckDigit), digits17.map((d) => d + 'Z'));
const gender = fc.constantFrom('male' as const, 'female' as const);
const validTo = fc.oneof(date, fc.constant('long-term'));
const photo = fc.option(fc.uint8Array({ minLength: 1024, maxLength: 1024 }).map((bytes) => ({ format: 'wlt' as const, bytes })), { nil: null });
const upper = (min: number, max: number) => fc.array(fc.constantFrom(...'ABCDEFGHIJKLMNOPQRSTUVWXYZ'), { minLength: min, maxLength: max }).map((a) => a.join(''));
const nameEn = (max: number) =>
  fc.array(fc.constantFrom(...'ABCDEFGHIJKLMNOPQRSTUVWXYZ ,-'), { minLength: 1, maxLength: max }).map((a) => a.join('').trim()).filter((s) => s.length > 0);

const residentArb = fc.record({
  cardType: fc.constant('resident' as const),
  name: text(15),
  gender,
  nationCode: fc.constantFrom(...Object.keys(NATIONS)),
  birthDate: date,
  address: text(35),
  idNumber,
  issuer: text(15),
  validFrom: date,
  validTo,
  photo,
});
const jArb = fc.record({
  cardType: fc.constant('hk-mo-tw-residence' as const),
  name: text(15),
  gender,
  nationCode: fc.constant(null),
  birthDate: date,
  address: text(35),
  idNumber,
  issuer: text(15),
  validFrom: date,
  validTo,
  passNumber: text(9),
  issueCount: fc.integer({ min: 0, max: 99 }),
  photo,
});
const iArb = fc.record({
  cardType: fc.constant('foreign-permanent' as const),
  nameEn: nameEn(60),
  name: text(15),
  gender,
  nationCode: fc.constant(null),
  birthDate: date,
  address: fc.constant(''),
  idNumber: fc.oneof(fc.tuple(upper(3, 3), fc.array(fc.integer({ min: 0, max: 9 }), { minLength: 12, maxLength: 12 })).map(([a, d]) => a + d.join('')), text(15)),
  issuer: text(4),
  validFrom: date,
  validTo,
  nationality: upper(3, 3),
  cardVersion: text(2),
  photo,
});
const yArb = fc.record({
  cardType: fc.constant('foreign-permanent-2023' as const),
  name: text(15),
  nameEn: nameEn(46),
  gender,
  nationCode: fc.constant(null),
  birthDate: date,
  address: fc.constant(''),
  idNumber,
  issuer: fc.constant(''),
  validFrom: date,
  validTo,
  issueCount: fc.integer({ min: 0, max: 99 }),
  nationality: upper(3, 3),
  previousCardLink: fc.oneof(fc.constant(''), text(3)),
  photo,
});

describe('text block properties', () => {
  test.prop([fc.oneof(residentArb, jArb, iArb, yArb)])('decode(encode(record)) === record', (r) => {
    const rec: IdentityRecord = { ...r, idNumberValid: r.cardType === 'foreign-permanent' ? isValidForeignOldNumber(r.idNumber) : isValidIdNumber(r.idNumber) };
    const out = decodeTextBlock(encodeTextBlock(rec), rec.photo?.bytes ?? null);
    expect(out.error).toBeUndefined();
    expect(out.record).toEqual(rec);
  });

  test.prop([fc.uint8Array({ minLength: 256, maxLength: 256 })])('arbitrary bytes decode to a record or a typed CardDataError, never a throw', (bytes) => {
    const r = decodeTextBlock(bytes);
    if (r.error) expect(r.error).toBeInstanceOf(CardDataError);
    else expect(r.record.cardType).toBe(cardTypeOf(bytes));
  });

  test.prop([fc.uint8Array({ maxLength: 300 })])('any length is handled', (bytes) => {
    const r = decodeTextBlock(bytes);
    expect(r.record !== undefined || r.error instanceof CardDataError).toBe(true);
  });
});
