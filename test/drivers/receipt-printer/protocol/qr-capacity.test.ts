import { fc, test as ftest } from '@fast-check/vitest';
import QRCode from 'qrcode';
import { describe, expect, it } from 'vitest';
import { qrModules, qrVersionFor, type QrLevel } from '../../../../drivers/receipt-printer/protocol/qr-capacity.js';

const LEVELS: QrLevel[] = ['L', 'M', 'Q', 'H'];

function reference(length: number, level: QrLevel): number | undefined {
  try {
    return QRCode.create([{ mode: 'byte', data: new Uint8Array(length).fill(0x41) }], { errorCorrectionLevel: level }).version;
  } catch {
    return undefined;
  }
}

describe('QR byte-mode capacity table', () => {
  it('agrees with the qrcode package at every version boundary', () => {
    for (const level of LEVELS) {
      let last = 0;
      for (let v = 1; v <= 40; v++) {
        // Find the largest length that still fits version v according to our table.
        let n = last;
        while (qrVersionFor(n + 1, level) === v) n++;
        expect(reference(n, level), `level ${level} length ${n}`).toBe(v);
        if (v < 40) expect(reference(n + 1, level), `level ${level} length ${n + 1}`).toBe(v + 1);
        last = n;
      }
      expect(qrVersionFor(last + 1, level)).toBeUndefined();
      expect(reference(last + 1, level)).toBeUndefined();
    }
  });

  ftest.prop([fc.integer({ min: 1, max: 3000 }), fc.constantFrom(...LEVELS)], { numRuns: 200 })('matches the reference for any length', (n, level) => {
    expect(qrVersionFor(n, level)).toBe(reference(n, level));
  });

  it('gives the symbol width in modules', () => {
    expect(qrModules(1)).toBe(21);
    expect(qrModules(40)).toBe(177);
  });
});
