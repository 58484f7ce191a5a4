import { describe, expect, it } from 'vitest';
import { SAM_STATUS, formatSamId, isSuccessStatus, samStatusInfo, statusError } from '../../../../drivers/id-card/protocol/status.js';
import { DeviceError } from '../../../../drivers/device.js';

const TABLE: [number, string | null, string | null, string?][] = [
  [0x90, null, null],
  [0x9f, null, null],
  [0x91, null, null],
  [0x10, 'checksum', 'retry', 'reset'],
  [0x11, 'protocol', 'retry', 'reset'],
  [0x21, 'protocol', 'reset'],
  [0x23, 'device-fault', 'reset', 'maintenance'],
  [0x24, 'device-fault', 'reset', 'maintenance'],
  [0x31, 'device-fault', 'retry', 'clear'],
  [0x32, 'device-fault', 'retry', 'clear'],
  [0x33, 'device-fault', 'retry', 'clear'],
  [0x40, 'unsupported', 'clear'],
  [0x41, 'device-fault', 'retry', 'clear'],
  [0x47, 'device-fault', 'retry', 'clear'],
  [0x60, 'device-fault', 'maintenance'],
  [0x66, 'device-fault', 'maintenance'],
  [0x80, 'not-found', 'clear'],
  [0x81, 'device-fault', 'retry', 'clear'],
  [0xff, 'device-fault', 'reset'],
];

describe('SW3 status table', () => {
  it('covers every status of the fact sheet and nothing else', () => {
    expect(Object.keys(SAM_STATUS).map(Number).sort((a, b) => a - b)).toEqual(TABLE.map((t) => t[0]).sort((a, b) => a - b));
  });

  for (const [sw3, code, action, thenAction] of TABLE) {
    it(`SW3 ${sw3.toString(16)} → ${code ?? 'ok'} / ${action ?? '-'}${thenAction ? ` then ${thenAction}` : ''}`, () => {
      const info = samStatusInfo(sw3);
      expect(info.code).toBe(code);
      expect(info.action).toBe(action);
      expect(info.thenAction).toBe(thenAction);
      expect(info.meaning.length).toBeGreaterThan(0);
      if (code) {
        const e = statusError(sw3, 0, 0, 'read card');
        expect(e).toBeInstanceOf(DeviceError);
        expect(e.code).toBe(code);
        expect(e.action).toBe(action);
        expect(e.message).toContain('read card');
      }
    });
  }

  it('80 is "no card", not a fault, and authentication errors hint at a fake or dirty card', () => {
    expect(samStatusInfo(0x80).kind).toBe('no-card');
    expect(samStatusInfo(0x32).hint).toMatch(/fake or dirty/);
    expect(isSuccessStatus(0x90) && isSuccessStatus(0x9f) && !isSuccessStatus(0x80)).toBe(true);
  });

  it('maps unknown statuses to a typed protocol error with reset', () => {
    const info = samStatusInfo(0x42);
    expect(info.kind).toBe('error');
    expect(info.code).toBe('protocol');
    expect(statusError(0x42).message).toContain('42');
  });

  it('shows the card APDU status carried in SW1/SW2', () => {
    expect(statusError(0x41, 0x6a, 0x82).message).toContain('6A82');
  });
});

describe('SAM id', () => {
  it('formats the 16 bytes as HslCommunication does', () => {
    const d = Uint8Array.of(5, 0, 1, 0, 0x25, 0x1e, 0x35, 0x01, 1, 0, 0, 0, 0x40, 0xe2, 0x01, 0);
    expect(formatSamId(d)).toBe('05.01-20258341-000000001-000123456');
  });
  it('is undefined for short data', () => {
    expect(formatSamId(new Uint8Array(15))).toBeUndefined();
  });
  it('reads u32 little-endian without sign problems', () => {
    const d = new Uint8Array(16).fill(0xff);
    expect(formatSamId(d)).toBe('255.255-4294967295-4294967295-4294967295');
  });
});
