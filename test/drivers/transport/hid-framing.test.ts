import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { DeviceError } from '../../../drivers/device.js';
import { checkHidFraming, decodeHidReport, encodeHidReports, hidDataPerReport, type HidFraming } from '../../../drivers/transport/hid-framing.js';

const framingArb: fc.Arbitrary<HidFraming> = fc.record({
  reportId: fc.integer({ min: 0, max: 255 }),
  reportSize: fc.integer({ min: 2, max: 256 }),
  lengthPrefix: fc.boolean(),
});

describe('HID report framing (pure)', () => {
  it('round trip: encode then decode every report gives the bytes back (length prefix)', () => {
    fc.assert(
      fc.property(framingArb, fc.uint8Array({ maxLength: 2000 }), (f0, bytes) => {
        const f = { ...f0, lengthPrefix: true };
        const reports = encodeHidReports(bytes, f);
        expect(reports.length).toBe(Math.ceil(bytes.length / hidDataPerReport(f)));
        const parts = reports.map((r) => {
          expect(r.length).toBe(f.reportSize + 1);
          const d = decodeHidReport(r, f, true);
          if (!d.ok) throw new Error(d.message);
          return d.data;
        });
        expect(Buffer.compare(Buffer.concat(parts), bytes)).toBe(0);
      }),
    );
  });

  it('without a length prefix the data comes back followed only by zero padding', () => {
    fc.assert(
      fc.property(framingArb, fc.uint8Array({ minLength: 1, maxLength: 1000 }), (f0, bytes) => {
        const f = { ...f0, lengthPrefix: false };
        const out = Buffer.concat(
          encodeHidReports(bytes, f).map((r) => {
            const d = decodeHidReport(r, f, true);
            if (!d.ok) throw new Error(d.message);
            return d.data;
          }),
        );
        expect(Buffer.compare(out.subarray(0, bytes.length), bytes)).toBe(0);
        expect(out.subarray(bytes.length).every((b) => b === 0)).toBe(true);
        expect(out.length - bytes.length).toBeLessThan(f.reportSize);
      }),
    );
  });

  it('arbitrary reports give data within the report or a typed reason, never an exception', () => {
    fc.assert(
      fc.property(framingArb, fc.uint8Array({ maxLength: 300 }), fc.boolean(), (f, report, leading) => {
        const d = decodeHidReport(report, f, leading);
        if (d.ok) {
          expect(d.data.length).toBeLessThanOrEqual(report.length);
        } else {
          expect(['wrong-report-id', 'bad-length', 'empty-report']).toContain(d.reason);
        }
      }),
    );
  });

  it('fixtures', () => {
    const f = { reportId: 0, reportSize: 4, lengthPrefix: true };
    expect(encodeHidReports(new Uint8Array(0), f)).toEqual([]);
    expect(decodeHidReport(Uint8Array.from([3, 1, 2, 3]), f, false)).toEqual({ ok: true, data: Uint8Array.from([1, 2, 3]) });
    expect(decodeHidReport(Uint8Array.from([4, 1, 2, 3]), f, false)).toMatchObject({ ok: false, reason: 'bad-length' });
    expect(decodeHidReport(Uint8Array.from([1, 1, 2, 3]), f, true)).toMatchObject({ ok: false, reason: 'wrong-report-id' });
    expect(decodeHidReport(new Uint8Array(0), f, true)).toMatchObject({ ok: false, reason: 'empty-report' });
    expect(decodeHidReport(new Uint8Array(0), f, false)).toMatchObject({ ok: false, reason: 'empty-report' });
  });

  it('rejects impossible framings with a typed error', () => {
    expect(() => checkHidFraming({ reportId: -1, reportSize: 64, lengthPrefix: true })).toThrow(DeviceError);
    expect(() => checkHidFraming({ reportId: 0, reportSize: 1, lengthPrefix: true })).toThrow(/reportSize/);
    expect(() => checkHidFraming({ reportId: 0, reportSize: 257, lengthPrefix: false })).toThrow(/reportSize/);
    expect(checkHidFraming({ reportId: 0, reportSize: 1, lengthPrefix: false }).reportSize).toBe(1);
  });
});
