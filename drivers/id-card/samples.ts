/**
 * Sample identities for the simulator, the simulator control panel and tests.
 * All FICTIONAL: names, numbers and addresses are made up (check digits are computed so the
 * numbers are well-formed, except `sample-bad-check`). Never real citizens.
 */
import { isValidForeignOldNumber, isValidIdNumber, withCheckDigit } from './protocol/checkdigit.js';
import type { IdentityRecord } from './types.js';

/** A deterministic 1024-byte stand-in for a WLT photo blob (not a decodable image). */
export function dummyWlt(seed: number): Uint8Array {
  const out = new Uint8Array(1024);
  let x = (seed * 2654435761) >>> 0 || 1;
  for (let i = 0; i < out.length; i++) {
    x ^= x << 13;
    x >>>= 0;
    x ^= x >>> 17;
    x ^= x << 5;
    x >>>= 0;
    out[i] = x & 0xff;
  }
  // A recognisable marker so a dump shows it is a dummy.
  out.set([0x57, 0x4c, 0x54, 0x2d, 0x53, 0x49, 0x4d], 0); // 'WLT-SIM'
  return out;
}

export type SampleIdentity = IdentityRecord & { label: string };

const photo = (seed: number): IdentityRecord['photo'] => ({ format: 'wlt', bytes: dummyWlt(seed) });

function resident(r: Omit<IdentityRecord, 'idNumberValid'>): IdentityRecord {
  return { ...r, idNumberValid: isValidIdNumber(r.idNumber) };
}

const ZHANG_ID = withCheckDigit('64010419850615001');
/** The same number with a wrong check character. */
const BAD_CHECK_ID = ZHANG_ID.slice(0, 17) + (ZHANG_ID[17] === '0' ? '1' : '0');
const FOREIGN_OLD_NO = 'GBR640085061501';

export const SAMPLE_IDENTITIES: Record<string, SampleIdentity> = {
  'resident-zhang': {
    label: '居民身份证 · 张晓宁（样例）',
    ...resident({
      cardType: 'resident',
      name: '张晓宁',
      gender: 'male',
      nationCode: '01',
      birthDate: '1985-06-15',
      address: '宁夏回族自治区银川市兴庆区民族北街一百号',
      idNumber: ZHANG_ID,
      issuer: '银川市公安局兴庆区分局',
      validFrom: '2015-03-01',
      validTo: '2035-03-01',
      photo: photo(1),
    }),
  },
  'resident-longterm': {
    label: '居民身份证 · 马秀兰 · 回族 · 长期（样例）',
    ...resident({
      cardType: 'resident',
      name: '马秀兰',
      gender: 'female',
      nationCode: '03',
      birthDate: '1958-03-12',
      address: '宁夏回族自治区吴忠市利通区胜利镇团结村二组',
      idNumber: withCheckDigit('64030219580312002'),
      issuer: '吴忠市公安局利通区分局',
      validFrom: '2012-08-20',
      validTo: 'long-term',
      photo: photo(2),
    }),
  },
  'resident-rare': {
    label: '居民身份证 · 刘䶮 · 生僻字 · 长地址（样例）',
    ...resident({
      cardType: 'resident',
      name: '刘䶮',
      gender: 'male',
      nationCode: '01',
      birthDate: '1990-01-01',
      // exactly 35 characters, the longest the card holds
      address: '宁夏回族自治区银川市兴庆区解放东街文化街社区幸福巷十八号三单元二〇一室',
      idNumber: withCheckDigit('64010419900101015'),
      issuer: '银川市公安局兴庆区分局',
      validFrom: '2020-02-29',
      validTo: '2040-02-29',
      photo: photo(3),
    }),
  },
  'hk-mo-tw': {
    label: '港澳台居民居住证 · 陈嘉欣（样例）',
    ...resident({
      cardType: 'hk-mo-tw-residence',
      name: '陈嘉欣',
      gender: 'female',
      nationCode: null,
      birthDate: '1992-03-15',
      address: '宁夏回族自治区银川市金凤区北京中路一号',
      idNumber: withCheckDigit('81000019920315002'),
      issuer: '银川市公安局金凤区分局',
      validFrom: '2021-07-01',
      validTo: '2026-07-01',
      passNumber: 'H60123456',
      issueCount: 1,
      photo: photo(4),
    }),
  },
  'foreign-old': {
    label: '外国人永久居留身份证（旧版） · MARTIN, ALICE JANE（样例）',
    cardType: 'foreign-permanent',
    name: '马爱丽',
    nameEn: 'MARTIN, ALICE JANE',
    gender: 'female',
    nationCode: null,
    birthDate: '1985-06-15',
    address: '',
    idNumber: FOREIGN_OLD_NO,
    idNumberValid: isValidForeignOldNumber(FOREIGN_OLD_NO),
    issuer: '6400',
    validFrom: '2016-05-01',
    validTo: '2026-04-30',
    nationality: 'GBR',
    cardVersion: '01',
    photo: photo(5),
  },
  'foreign-2023': {
    label: '外国人永久居留身份证（2023版） · 安娜（样例）',
    ...resident({
      cardType: 'foreign-permanent-2023',
      name: '安娜',
      // 41 characters: spans both English-name fields of the 2023 layout
      nameEn: 'KOWALSKA-WISNIEWSKA, ANNA MARIA KATARZYNA',
      gender: 'female',
      nationCode: null,
      birthDate: '1988-07-20',
      address: '',
      idNumber: withCheckDigit('96461619880720120'),
      issuer: '',
      validFrom: '2023-12-01',
      validTo: '2033-11-30',
      issueCount: 0,
      nationality: 'POL',
      previousCardLink: '',
      photo: photo(6),
    }),
  },
  'sample-bad-check': {
    label: '居民身份证 · 校验位错误（样例）',
    ...resident({
      cardType: 'resident',
      name: '王错位',
      gender: 'male',
      nationCode: '01',
      birthDate: '1985-06-15',
      address: '宁夏回族自治区银川市西夏区文昌北路二号',
      idNumber: BAD_CHECK_ID,
      issuer: '银川市公安局西夏区分局',
      validFrom: '2015-03-01',
      validTo: '2035-03-01',
      photo: photo(7),
    }),
  },
};

/** The record without its panel label, as the reader would decode it. */
export function sampleRecord(key: string): IdentityRecord | undefined {
  const s = SAMPLE_IDENTITIES[key];
  if (!s) return undefined;
  const { label: _label, ...record } = s;
  return record;
}
