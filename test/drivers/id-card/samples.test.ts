import { describe, expect, it } from 'vitest';
import { SAMPLE_IDENTITIES, dummyWlt, sampleRecord } from '../../../drivers/id-card/samples.js';
import { isValidIdNumber } from '../../../drivers/id-card/protocol/checkdigit.js';
import { encodeTextBlock } from '../../../drivers/id-card/protocol/text.js';

const all = Object.entries(SAMPLE_IDENTITIES);

describe('sample identities', () => {
  it('has the keys the core and the simulator panel use', () => {
    expect(Object.keys(SAMPLE_IDENTITIES)).toEqual(
      expect.arrayContaining(['resident-zhang', 'resident-longterm', 'hk-mo-tw', 'foreign-old', 'foreign-2023', 'sample-bad-check']),
    );
  });

  it('covers all four card types', () => {
    expect(new Set(all.map(([, s]) => s.cardType))).toEqual(new Set(['resident', 'hk-mo-tw-residence', 'foreign-permanent', 'foreign-permanent-2023']));
  });

  it('has valid check digits everywhere except sample-bad-check', () => {
    for (const [key, s] of all) {
      if (s.cardType === 'foreign-permanent') {
        expect(s.idNumberValid, key).toBe(true);
        continue;
      }
      expect(isValidIdNumber(s.idNumber), key).toBe(key !== 'sample-bad-check');
      expect(s.idNumberValid, key).toBe(key !== 'sample-bad-check');
    }
  });

  it('includes a CJK Ext-A name, a 35-character address, a Hui nation, a long-term card and Ningxia addresses', () => {
    expect(all.some(([, s]) => /[\u3400-\u4dbf]/.test(s.name))).toBe(true);
    expect(all.some(([, s]) => s.address.length === 35)).toBe(true);
    expect(all.some(([, s]) => s.nationCode === '03')).toBe(true);
    expect(all.some(([, s]) => s.validTo === 'long-term')).toBe(true);
    expect(all.filter(([, s]) => s.address.startsWith('宁夏回族自治区')).length).toBeGreaterThanOrEqual(2);
  });

  it('every sample fits the card layout and has a label and a 1024-byte photo', () => {
    for (const [key, s] of all) {
      expect(s.label.length, key).toBeGreaterThan(0);
      expect(s.photo?.bytes.length, key).toBe(1024);
      expect(encodeTextBlock(sampleRecord(key) as NonNullable<ReturnType<typeof sampleRecord>>).length).toBe(256);
    }
    expect(sampleRecord('nope')).toBeUndefined();
  });

  it('dummy photos are deterministic and differ per seed', () => {
    expect(dummyWlt(1)).toEqual(dummyWlt(1));
    expect(dummyWlt(1)).not.toEqual(dummyWlt(2));
  });
});
