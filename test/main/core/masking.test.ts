import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { SAMPLE_IDENTITIES } from '../../../drivers/id-card/samples.js';
import { CitizenView } from '../../../main/contract/index.js';
import { maskIdNumber } from '../../../main/core/masking.js';
import { citizenViewOf } from '../../../main/core/session-service.js';

/**
 * Issue 12 item 5: the masking rule per card type (README "Privacy: how ID numbers are masked"). The birth
 * date inside a number is never visible; what stays lets the holder recognise their own card.
 */
describe('ID number masking, per card type', () => {
  it('18-character numbers (resident, HK/Macau/Taiwan residence permit, 2023 foreign card): first 6 and last 4', () => {
    expect(maskIdNumber('11010519491231002X', 'resident')).toBe('110105********002X');
    expect(maskIdNumber('810000199203150020', 'hk-mo-tw-residence')).toBe('810000********0020');
    expect(maskIdNumber('964616198807201204', 'foreign-permanent-2023')).toBe('964616********1204');
  });

  it('the old 15-character foreign permanent resident number (3 letters, office, YYMMDD, sequence): the 3 letters and the last 2', () => {
    // GBR · 6400 (acceptance office) · 850615 (birth date) · 01
    expect(maskIdNumber('GBR640085061501', 'foreign-permanent')).toBe('GBR**********01');
  });

  it('a 15-digit first-generation resident number: first 6 and last 3', () => {
    expect(maskIdNumber('110105491231002', 'resident')).toBe('110105******002');
  });

  it('the sample foreign card on screen follows the rule (the walk-through found GBR64*******501)', () => {
    const sample = SAMPLE_IDENTITIES['foreign-old'];
    if (!sample) throw new Error('sample foreign-old missing');
    const v = citizenViewOf(sample, '2025-01-01');
    expect(v.maskedId).toBe('GBR**********01');
    expect(CitizenView.safeParse(v).success).toBe(true);
  });

  it('every sample card: a valid view, the birth date hidden, at most 10 characters visible', () => {
    for (const s of Object.values(SAMPLE_IDENTITIES)) {
      const v = citizenViewOf(s, '2025-01-01');
      expect(CitizenView.safeParse(v).success).toBe(true);
      const ymd = s.birthDate.replace(/-/g, '');
      expect(v.maskedId).not.toContain(ymd);
      expect(v.maskedId).not.toContain(ymd.slice(2));
      expect(v.maskedId.replace(/\*/g, '').length).toBeLessThanOrEqual(10);
    }
  });

  it('property: any 18-character number keeps only positions 0-5 and 14-17; the result is always a valid masked id', () => {
    const digit = fc.constantFrom(...'0123456789');
    fc.assert(
      fc.property(fc.array(digit, { minLength: 17, maxLength: 17 }), fc.constantFrom(...'0123456789X'), fc.constantFrom('resident', 'hk-mo-tw-residence', 'foreign-permanent-2023') , (ds, last, type) => {
        const id = ds.join('') + last;
        const m = maskIdNumber(id, type);
        expect(m).toBe(id.slice(0, 6) + '********' + id.slice(14));
      }),
    );
    fc.assert(
      fc.property(fc.string({ minLength: 0, maxLength: 40 }), fc.constantFrom('resident', 'hk-mo-tw-residence', 'foreign-permanent', 'foreign-permanent-2023', undefined), (raw, type) => {
        const id = raw.replace(/[^0-9A-Za-z]/g, '');
        const m = maskIdNumber(id, type);
        expect(m).toMatch(/^[0-9A-Za-z]{0,6}\*+[0-9A-Za-z]{0,4}$/);
        // Never more than 60 % of the characters visible.
        expect(m.replace(/\*/g, '').length).toBeLessThanOrEqual(Math.floor(id.length * 0.6));
      }),
    );
  });
});
