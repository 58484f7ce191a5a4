/**
 * The 256-byte UCS-2LE text block of 30 01 / 30 10 replies, for all four card types, both directions.
 * Layouts (byte offsets) per fact sheet §1; the card-type flag is the code unit at byte 248.
 * Pure and allocation-light: fields are read straight from the bytes, no intermediate copies.
 */
import { DeviceError } from '../../device.js';
import type { CardType, IdentityRecord } from '../types.js';
import { isValidForeignOldNumber, isValidIdNumber } from './checkdigit.js';

export const TEXT_BLOCK_LENGTH = 256;
export const PHOTO_LENGTH = 1024;
export const CARD_TYPE_FLAG_OFFSET = 248;

/** Bad card data (a field that does not decode). Names the field, never its value. */
export class CardDataError extends DeviceError {
  constructor(
    readonly field: string,
    message: string,
  ) {
    super('id-card', 'invalid-data', message, 'retry', 'card-data-invalid');
  }
}

type Span = readonly [offset: number, length: number];

/** Resident ID card (also bytes 0–219 of the 'J' card, whose nation field is reserved). */
export const RESIDENT_LAYOUT = {
  name: [0, 30],
  gender: [30, 2],
  nation: [32, 4],
  birthDate: [36, 16],
  address: [52, 70],
  idNumber: [122, 36],
  issuer: [158, 30],
  validFrom: [188, 16],
  validTo: [204, 16],
} as const satisfies Record<string, Span>;

/** 'J': HK/Macau/Taiwan residence permit, extra fields. */
export const J_LAYOUT = { passNumber: [220, 18], issueCount: [238, 4] } as const satisfies Record<string, Span>;

/** 'I': old foreign permanent resident card. */
export const I_LAYOUT = {
  nameEn: [0, 120],
  gender: [120, 2],
  cardNumber: [122, 30],
  nationality: [152, 6],
  name: [158, 30],
  validFrom: [188, 16],
  validTo: [204, 16],
  birthDate: [220, 16],
  cardVersion: [236, 4],
  authority: [240, 8],
} as const satisfies Record<string, Span>;

/** 'Y': 2023 foreign permanent resident card. */
export const Y_LAYOUT = {
  name: [0, 30],
  gender: [30, 2],
  renewalCount: [32, 4],
  birthDate: [36, 16],
  nameEn1: [52, 70],
  idNumber: [122, 36],
  validFrom: [188, 16],
  validTo: [204, 16],
  nameEn2: [220, 22],
  nationality: [242, 6],
  previousCardLink: [250, 6],
} as const satisfies Record<string, Span>;

/** GB 3304 nation codes (民族), as listed in the fact sheet. */
export const NATIONS: Readonly<Record<string, string>> = {
  '01': '汉', '02': '蒙古', '03': '回', '04': '藏', '05': '维吾尔', '06': '苗', '07': '彝', '08': '壮',
  '09': '布依', '10': '朝鲜', '11': '满', '12': '侗', '13': '瑶', '14': '白', '15': '土家', '16': '哈尼',
  '17': '哈萨克', '18': '傣', '19': '黎', '20': '傈僳', '21': '佤', '22': '畲', '23': '高山', '24': '拉祜',
  '25': '水', '26': '东乡', '27': '纳西', '28': '景颇', '29': '柯尔克孜', '30': '土', '31': '达斡尔', '32': '仫佬',
  '33': '羌', '34': '布朗', '35': '撒拉', '36': '毛南', '37': '仡佬', '38': '锡伯', '39': '阿昌', '40': '普米',
  '41': '塔吉克', '42': '怒', '43': '乌孜别克', '44': '俄罗斯', '45': '鄂温克', '46': '德昂', '47': '保安', '48': '裕固',
  '49': '京', '50': '塔塔尔', '51': '独龙', '52': '鄂伦春', '53': '赫哲', '54': '门巴', '55': '珞巴', '56': '基诺',
  '97': '其他', '98': '外国血统中国籍人士',
};

export function nationName(code: string | null): string | undefined {
  return code === null ? undefined : NATIONS[code];
}

export const LONG_TERM_TEXT = '长期';

// ---------------------------------------------------------------- decoding helpers

function unit(buf: Uint8Array, byteOffset: number): number {
  return (buf[byteOffset] as number) | ((buf[byteOffset + 1] as number) << 8);
}

const isPad = (u: number): boolean => u === 0x0000 || u === 0x0020;

/** A field with leading/trailing spaces and NULs trimmed. */
export function readField(buf: Uint8Array, [off, len]: Span): string {
  let start = off;
  let end = off + len;
  while (start < end && isPad(unit(buf, start))) start += 2;
  while (end > start && isPad(unit(buf, end - 2))) end -= 2;
  let s = '';
  for (let i = start; i < end; i += 2) s += String.fromCharCode(unit(buf, i));
  return s;
}

function readRaw(buf: Uint8Array, [off, len]: Span): string {
  let s = '';
  for (let i = off; i < off + len; i += 2) s += String.fromCharCode(unit(buf, i));
  return s;
}

function trimPad(s: string): string {
  return s.replace(/^[\0 ]+|[\0 ]+$/g, '');
}

const DATE8 = /^(\d{4})(\d{2})(\d{2})$/;

function daysInMonth(y: number, m: number): number {
  if (m === 2) return (y % 4 === 0 && y % 100 !== 0) || y % 400 === 0 ? 29 : 28;
  return m === 4 || m === 6 || m === 9 || m === 11 ? 30 : 31;
}

/** YYYYMMDD → YYYY-MM-DD; '长期' → 'long-term' when allowed; otherwise a typed error. */
export function decodeDate(text: string, field: string, allowLongTerm = false): string | CardDataError {
  if (allowLongTerm && text === LONG_TERM_TEXT) return 'long-term';
  const m = DATE8.exec(text);
  if (m) {
    const y = Number(m[1]);
    const mo = Number(m[2]);
    const d = Number(m[3]);
    if (y >= 1800 && mo >= 1 && mo <= 12 && d >= 1 && d <= daysInMonth(y, mo)) return `${m[1]}-${m[2]}-${m[3]}`;
  }
  return new CardDataError(field, `${field}: not a valid date`);
}

function decodeGender(text: string, field: string): 'male' | 'female' | CardDataError {
  if (text === '1') return 'male';
  if (text === '2') return 'female';
  return new CardDataError(field, `${field}: unknown gender code`);
}

function decodeCount(text: string, field: string): number | CardDataError {
  return /^\d{1,2}$/.test(text) ? Number(text) : new CardDataError(field, `${field}: not a number`);
}

export type TextDecodeResult = { record: IdentityRecord; error?: undefined } | { record?: undefined; error: CardDataError };

/** Which document the block describes (flag at byte 248; anything else = resident card). */
export function cardTypeOf(text: Uint8Array): CardType {
  const flag = text.length >= CARD_TYPE_FLAG_OFFSET + 2 ? unit(text, CARD_TYPE_FLAG_OFFSET) : 0;
  if (flag === 0x4a) return 'hk-mo-tw-residence';
  if (flag === 0x49) return 'foreign-permanent';
  if (flag === 0x59) return 'foreign-permanent-2023';
  return 'resident';
}

class Fail {
  constructor(readonly error: CardDataError) {}
}
/** Unwraps a decoded value or throws the internal Fail marker (caught in decodeTextBlock only). */
function ok<T>(v: T | CardDataError): T {
  if (v instanceof CardDataError) throw new Fail(v);
  return v;
}

/**
 * Decodes a 256-byte text block (and the 1024-byte WLT photo, copied) into an IdentityRecord.
 * Never throws: bad data gives `{ error }` naming the field.
 */
export function decodeTextBlock(text: Uint8Array, photo: Uint8Array | null = null): TextDecodeResult {
  if (text.length !== TEXT_BLOCK_LENGTH) {
    return { error: new CardDataError('text', `text block must be ${TEXT_BLOCK_LENGTH} bytes, got ${text.length}`) };
  }
  if (photo !== null && photo.length !== PHOTO_LENGTH) {
    return { error: new CardDataError('photo', `photo must be ${PHOTO_LENGTH} bytes, got ${photo.length}`) };
  }
  const photoField = photo === null ? null : { format: 'wlt' as const, bytes: photo.slice() };
  try {
    const cardType = cardTypeOf(text);
    switch (cardType) {
      case 'resident':
      case 'hk-mo-tw-residence':
        return { record: decodeResidentLike(text, cardType, photoField) };
      case 'foreign-permanent':
        return { record: decodeForeignOld(text, photoField) };
      case 'foreign-permanent-2023':
        return { record: decodeForeign2023(text, photoField) };
    }
  } catch (e) {
    if (e instanceof Fail) return { error: e.error };
    return { error: new CardDataError('text', 'text block could not be decoded') };
  }
}

type Photo = IdentityRecord['photo'];

function decodeResidentLike(t: Uint8Array, cardType: 'resident' | 'hk-mo-tw-residence', photo: Photo): IdentityRecord {
  const L = RESIDENT_LAYOUT;
  const idNumber = readField(t, L.idNumber);
  let nationCode: string | null = null;
  if (cardType === 'resident') {
    const n = readField(t, L.nation);
    if (!/^\d{2}$/.test(n)) throw new Fail(new CardDataError('nation', 'nation: not a two-digit code'));
    nationCode = n;
  }
  const rec: IdentityRecord = {
    cardType,
    name: readField(t, L.name),
    gender: ok(decodeGender(readField(t, L.gender), 'gender')),
    nationCode,
    birthDate: ok(decodeDate(readField(t, L.birthDate), 'birthDate')),
    address: readField(t, L.address),
    idNumber,
    idNumberValid: isValidIdNumber(idNumber),
    issuer: readField(t, L.issuer),
    validFrom: ok(decodeDate(readField(t, L.validFrom), 'validFrom')),
    validTo: ok(decodeDate(readField(t, L.validTo), 'validTo', true)),
    photo,
  };
  if (cardType === 'hk-mo-tw-residence') {
    rec.passNumber = readField(t, J_LAYOUT.passNumber);
    rec.issueCount = ok(decodeCount(readField(t, J_LAYOUT.issueCount), 'issueCount'));
  }
  return rec;
}

function decodeForeignOld(t: Uint8Array, photo: Photo): IdentityRecord {
  const L = I_LAYOUT;
  const nameEn = readField(t, L.nameEn);
  const nameZh = readField(t, L.name);
  const idNumber = readField(t, L.cardNumber);
  return {
    cardType: 'foreign-permanent',
    name: nameZh !== '' ? nameZh : nameEn,
    nameEn,
    gender: ok(decodeGender(readField(t, L.gender), 'gender')),
    nationCode: null,
    birthDate: ok(decodeDate(readField(t, L.birthDate), 'birthDate')),
    address: '',
    idNumber,
    idNumberValid: isValidForeignOldNumber(idNumber),
    issuer: readField(t, L.authority),
    validFrom: ok(decodeDate(readField(t, L.validFrom), 'validFrom')),
    validTo: ok(decodeDate(readField(t, L.validTo), 'validTo', true)),
    nationality: readField(t, L.nationality),
    cardVersion: readField(t, L.cardVersion),
    photo,
  };
}

function decodeForeign2023(t: Uint8Array, photo: Photo): IdentityRecord {
  const L = Y_LAYOUT;
  const nameEn = trimPad(readRaw(t, L.nameEn1) + readRaw(t, L.nameEn2));
  const nameZh = readField(t, L.name);
  const idNumber = readField(t, L.idNumber);
  return {
    cardType: 'foreign-permanent-2023',
    name: nameZh !== '' ? nameZh : nameEn,
    nameEn,
    gender: ok(decodeGender(readField(t, L.gender), 'gender')),
    nationCode: null,
    birthDate: ok(decodeDate(readField(t, L.birthDate), 'birthDate')),
    address: '',
    idNumber,
    idNumberValid: isValidIdNumber(idNumber),
    // The 2023 layout has no issuing-authority field (bytes 158–187 are reserved).
    issuer: '',
    validFrom: ok(decodeDate(readField(t, L.validFrom), 'validFrom')),
    validTo: ok(decodeDate(readField(t, L.validTo), 'validTo', true)),
    issueCount: ok(decodeCount(readField(t, L.renewalCount), 'renewalCount')),
    nationality: readField(t, L.nationality),
    previousCardLink: readField(t, L.previousCardLink),
    photo,
  };
}

// ---------------------------------------------------------------- encoding (simulator side)

function writeField(buf: Uint8Array, [off, len]: Span, value: string, field: string): void {
  if (value.length * 2 > len) throw new CardDataError(field, `${field}: longer than ${len / 2} characters`);
  for (let i = 0; i < value.length; i++) {
    const u = value.charCodeAt(i);
    if (u >= 0xd800 && u <= 0xdfff) throw new CardDataError(field, `${field}: character outside UCS-2`);
    buf[off + 2 * i] = u & 0xff;
    buf[off + 2 * i + 1] = u >> 8;
  }
}

function encodeDate(value: string, field: string, allowLongTerm = false): string {
  if (allowLongTerm && value === 'long-term') return LONG_TERM_TEXT;
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(value);
  if (!m) throw new CardDataError(field, `${field}: expected YYYY-MM-DD`);
  return `${m[1]}${m[2]}${m[3]}`;
}

function encodeCount(n: number | undefined, field: string): string {
  const v = n ?? 0;
  if (!Number.isInteger(v) || v < 0 || v > 99) throw new CardDataError(field, `${field}: must be 0..99`);
  return String(v).padStart(2, '0');
}

const genderCode = (g: IdentityRecord['gender']): string => (g === 'male' ? '1' : '2');

/**
 * The inverse of decodeTextBlock (for the simulator): a 256-byte block, space-padded.
 * Throws CardDataError when a field does not fit its slot or is not UCS-2.
 */
export function encodeTextBlock(r: IdentityRecord): Uint8Array {
  const t = new Uint8Array(TEXT_BLOCK_LENGTH);
  for (let i = 0; i < TEXT_BLOCK_LENGTH; i += 2) t[i] = 0x20;
  switch (r.cardType) {
    case 'resident':
    case 'hk-mo-tw-residence': {
      const L = RESIDENT_LAYOUT;
      writeField(t, L.name, r.name, 'name');
      writeField(t, L.gender, genderCode(r.gender), 'gender');
      if (r.cardType === 'resident') {
        if (r.nationCode === null || !/^\d{2}$/.test(r.nationCode)) throw new CardDataError('nation', 'nation: resident cards need a two-digit code');
        writeField(t, L.nation, r.nationCode, 'nation');
      }
      writeField(t, L.birthDate, encodeDate(r.birthDate, 'birthDate'), 'birthDate');
      writeField(t, L.address, r.address, 'address');
      writeField(t, L.idNumber, r.idNumber, 'idNumber');
      writeField(t, L.issuer, r.issuer, 'issuer');
      writeField(t, L.validFrom, encodeDate(r.validFrom, 'validFrom'), 'validFrom');
      writeField(t, L.validTo, encodeDate(r.validTo, 'validTo', true), 'validTo');
      if (r.cardType === 'hk-mo-tw-residence') {
        writeField(t, J_LAYOUT.passNumber, r.passNumber ?? '', 'passNumber');
        writeField(t, J_LAYOUT.issueCount, encodeCount(r.issueCount, 'issueCount'), 'issueCount');
        writeField(t, [CARD_TYPE_FLAG_OFFSET, 2], 'J', 'flag');
      }
      break;
    }
    case 'foreign-permanent': {
      const L = I_LAYOUT;
      const nameEn = r.nameEn ?? '';
      writeField(t, L.nameEn, nameEn, 'nameEn');
      writeField(t, L.gender, genderCode(r.gender), 'gender');
      writeField(t, L.cardNumber, r.idNumber, 'idNumber');
      writeField(t, L.nationality, r.nationality ?? '', 'nationality');
      writeField(t, L.name, r.name === nameEn ? '' : r.name, 'name');
      writeField(t, L.validFrom, encodeDate(r.validFrom, 'validFrom'), 'validFrom');
      writeField(t, L.validTo, encodeDate(r.validTo, 'validTo', true), 'validTo');
      writeField(t, L.birthDate, encodeDate(r.birthDate, 'birthDate'), 'birthDate');
      writeField(t, L.cardVersion, r.cardVersion ?? '', 'cardVersion');
      writeField(t, L.authority, r.issuer, 'issuer');
      writeField(t, [CARD_TYPE_FLAG_OFFSET, 2], 'I', 'flag');
      break;
    }
    case 'foreign-permanent-2023': {
      const L = Y_LAYOUT;
      const nameEn = r.nameEn ?? '';
      if (nameEn.length > 46) throw new CardDataError('nameEn', 'nameEn: longer than 46 characters');
      writeField(t, L.name, r.name === nameEn ? '' : r.name, 'name');
      writeField(t, L.gender, genderCode(r.gender), 'gender');
      writeField(t, L.renewalCount, encodeCount(r.issueCount, 'issueCount'), 'issueCount');
      writeField(t, L.birthDate, encodeDate(r.birthDate, 'birthDate'), 'birthDate');
      writeField(t, L.nameEn1, nameEn.slice(0, 35), 'nameEn');
      writeField(t, L.nameEn2, nameEn.slice(35), 'nameEn');
      writeField(t, L.idNumber, r.idNumber, 'idNumber');
      writeField(t, L.validFrom, encodeDate(r.validFrom, 'validFrom'), 'validFrom');
      writeField(t, L.validTo, encodeDate(r.validTo, 'validTo', true), 'validTo');
      writeField(t, L.nationality, r.nationality ?? '', 'nationality');
      writeField(t, [CARD_TYPE_FLAG_OFFSET, 2], 'Y', 'flag');
      writeField(t, L.previousCardLink, r.previousCardLink ?? '', 'previousCardLink');
      break;
    }
  }
  return t;
}
