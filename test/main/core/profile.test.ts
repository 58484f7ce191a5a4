import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { fc, test as fcTest } from '@fast-check/vitest';
import { ProfileError, elderIdleSeconds, loadProfile } from '../../../main/core/profile.js';
import { acceptanceNumber, TERMINAL_ID, TERMINAL_ID_MAX } from '../../../main/core/delivery.js';
import { CaseSubmission } from '../../../main/platform/schemas.js';

function write(content: string): string {
  const dir = mkdtempSync(join(tmpdir(), 'profile-'));
  const file = join(dir, 'kiosk.json');
  writeFileSync(file, content);
  return file;
}

function errorOf(fn: () => unknown): ProfileError {
  try {
    fn();
  } catch (e) {
    if (e instanceof ProfileError) return e;
    throw e;
  }
  throw new Error('expected a ProfileError');
}

describe('terminal profile', () => {
  it('defaults give a working kiosk with simulated devices on loopback', () => {
    const { profile, file } = loadProfile(null);
    expect(file).toBeNull();
    expect(profile.devices.idCard).toEqual({ type: 'simulated' });
    expect(profile.web.host).toBe('127.0.0.1');
    expect(profile.siteType).toBe('service-hall');
    expect(profile.idle.warningSeconds).toBeLessThan(profile.idle.timeoutSeconds);
  });

  it('reads a full profile and resolves the data directory relative to the file', () => {
    const file = write(
      JSON.stringify({
        terminalId: 'NX-YC-0042',
        siteName: '中国银行银川分行营业部',
        siteType: 'bank-branch',
        defaultLocale: 'zh-CN',
        idle: { timeoutSeconds: 120, warningSeconds: 30, goodbyeSeconds: 8 },
        dataDir: 'state',
        devices: { idCard: { type: 'serial', path: '/dev/serial/by-id/usb-SAM', baudRate: 115200 }, printer: { type: 'none' } },
      }),
    );
    const loaded = loadProfile(file);
    expect(loaded.profile.siteType).toBe('bank-branch');
    expect(loaded.profile.devices.idCard).toEqual({ type: 'serial', path: '/dev/serial/by-id/usb-SAM', baudRate: 115200 });
    expect(loaded.dataDir).toBe(join(file, '..', 'state'));
  });

  it('a terminal id is at most TERMINAL_ID_MAX (47) characters: one longer is refused, naming the field', () => {
    const longest = `NX-${'A'.repeat(TERMINAL_ID_MAX - 3)}`;
    expect(loadProfile(write(JSON.stringify({ terminalId: longest }))).profile.terminalId).toBe(longest);
    const e = errorOf(() => loadProfile(write(JSON.stringify({ terminalId: `${longest}B` }))));
    expect(e.field).toBe('terminalId');
    expect(e.message).toContain(`at most ${TERMINAL_ID_MAX}`);
  });

  fcTest.prop([fc.stringMatching(TERMINAL_ID), fc.integer({ min: 1, max: 9_999_999 }), fc.integer({ min: 0, max: 4_102_444_800_000 })])(
    "every acceptance number of a valid terminal id fits the platform's localAcceptanceNumber",
    (terminalId, id, enqueuedAt) => {
      const n = acceptanceNumber(terminalId, { id, enqueuedAt });
      const body = { kind: 'matter', matterCode: 'M', submittedAt: '2026-01-01T00:00:00.000Z', applicantToken: 't', form: {}, attachments: [], localAcceptanceNumber: n };
      expect(CaseSubmission.safeParse(body).success).toBe(true);
    },
  );

  it('names the file and the offending field', () => {
    const file = write(JSON.stringify({ idle: { timeoutSeconds: 'soon' } }));
    const e = errorOf(() => loadProfile(file));
    expect(e.file).toBe(file);
    expect(e.field).toBe('idle.timeoutSeconds');
    expect(e.message).toContain(file);
    expect(e.message).toContain('idle.timeoutSeconds');
  });

  it('rejects unknown fields (typos) by name', () => {
    const e = errorOf(() => loadProfile(write(JSON.stringify({ siteTyp: 'bank-branch' }))));
    expect(e.field).toBe('siteTyp');
  });

  it('the payment pad and the QR reader: simulated by default; serial (nexo) and serial / HID POS by profile', () => {
    const { profile } = loadProfile(null);
    expect(profile.devices.paymentPad).toEqual({ type: 'simulated' });
    expect(profile.devices.qrReader).toEqual({ type: 'simulated' });
    const loaded = loadProfile(
      write(
        JSON.stringify({
          devices: {
            paymentPad: { type: 'serial', path: '/dev/kiosk-pad' },
            qrReader: { type: 'serial', path: '/dev/kiosk-qr', terminator: 'crlf' },
          },
        }),
      ),
    );
    expect(loaded.profile.devices.paymentPad).toEqual({ type: 'serial', path: '/dev/kiosk-pad', protocol: 'nexo', baudRate: 9600, dataBits: 8, parity: 'none', paymentTimeoutSeconds: 120 });
    expect(loaded.profile.devices.qrReader).toEqual({ type: 'serial', path: '/dev/kiosk-qr', baudRate: 9600, terminator: 'crlf', aimPrefix: false });
    expect(loadProfile(write(JSON.stringify({ devices: { qrReader: { type: 'hid', path: '0c2e:0b61' } } }))).profile.devices.qrReader).toEqual({ type: 'hid', path: '0c2e:0b61' });
    expect(errorOf(() => loadProfile(write(JSON.stringify({ devices: { qrReader: { type: 'serial', path: '/dev/x', terminator: 'tab' } } })))).field).toBe('devices.qrReader.terminator');
    expect(errorOf(() => loadProfile(write(JSON.stringify({ devices: { paymentPad: { type: 'hid', path: '/dev/x' } } })))).field).toBe('devices.paymentPad.type');
  });

  it('rejects a serial device without a path and an unknown site type', () => {
    expect(errorOf(() => loadProfile(write(JSON.stringify({ devices: { idCard: { type: 'serial' } } })))).field).toBe('devices.idCard.path');
    expect(errorOf(() => loadProfile(write(JSON.stringify({ siteType: 'supermarket' })))).field).toBe('siteType');
  });

  it('the scanner: simulated by default; saned with defaults for host, port, resolution, source and mode; a "net:" name refused', () => {
    expect(loadProfile(null).profile.devices.scanner).toEqual({ type: 'simulated' });
    const saned = loadProfile(write(JSON.stringify({ devices: { scanner: { type: 'saned', device: 'fujitsu:fi-7160:123456' } } }))).profile.devices.scanner;
    expect(saned).toEqual({ type: 'saned', host: '127.0.0.1', port: 6566, device: 'fujitsu:fi-7160:123456', resolution: 300, source: 'flatbed', mode: 'color' });
    const adf = loadProfile(write(JSON.stringify({ devices: { scanner: { type: 'saned', device: 'test:0', source: 'adf', mode: 'gray', pageSize: 'A4' } } }))).profile.devices.scanner;
    expect(adf).toMatchObject({ source: 'adf', mode: 'gray', pageSize: 'A4' });
    expect(errorOf(() => loadProfile(write(JSON.stringify({ devices: { scanner: { type: 'saned', device: 'test:0', source: 'glass' } } })))).field).toBe('devices.scanner.source');
    expect(loadProfile(write(JSON.stringify({ devices: { scanner: { type: 'none' } } }))).profile.devices.scanner).toEqual({ type: 'none' });
    expect(errorOf(() => loadProfile(write(JSON.stringify({ devices: { scanner: { type: 'saned' } } })))).field).toBe('devices.scanner.device');
    const net = errorOf(() => loadProfile(write(JSON.stringify({ devices: { scanner: { type: 'saned', device: 'net:127.0.0.1:test:0' } } }))));
    expect(net.field).toBe('devices.scanner.device');
    expect(net.message).toContain('scanimage -L');
    expect(errorOf(() => loadProfile(write(JSON.stringify({ devices: { scanner: { type: 'saned', device: 'test:0', resolution: 20 } } })))).field).toBe('devices.scanner.resolution');
  });

  it('refuses a warning longer than the idle timeout', () => {
    const e = errorOf(() => loadProfile(write(JSON.stringify({ idle: { timeoutSeconds: 10, warningSeconds: 20 } }))));
    expect(e.field).toBe('idle');
  });

  it('elder mode is slower: its delays default to the normal ones doubled; a shorter elder timeout is refused', () => {
    const d = loadProfile(null).profile;
    expect(elderIdleSeconds(d.idle)).toEqual({ timeoutSeconds: d.idle.timeoutSeconds * 2, warningSeconds: d.idle.warningSeconds * 2, goodbyeSeconds: d.idle.goodbyeSeconds * 2 });
    const own = loadProfile(write(JSON.stringify({ idle: { timeoutSeconds: 60, warningSeconds: 10, elder: { timeoutSeconds: 300, warningSeconds: 45 } } }))).profile;
    expect(elderIdleSeconds(own.idle)).toEqual({ timeoutSeconds: 300, warningSeconds: 45, goodbyeSeconds: 20 });
    const short = errorOf(() => loadProfile(write(JSON.stringify({ idle: { timeoutSeconds: 60, elder: { timeoutSeconds: 100 } } }))));
    expect(short.field).toBe('idle.elder.timeoutSeconds');
    expect(short.message).toContain('120');
    expect(errorOf(() => loadProfile(write(JSON.stringify({ idle: { warningSeconds: 20, elder: { warningSeconds: 15 } } })))).field).toBe('idle.elder.warningSeconds');
    expect(errorOf(() => loadProfile(write(JSON.stringify({ idle: { elder: { timeoutSeconds: 200, warningSeconds: 200 } } })))).field).toBe('idle.elder.warningSeconds');
    expect(errorOf(() => loadProfile(write(JSON.stringify({ idle: { elder: { slower: true } } })))).field).toBe('idle.elder.slower');
  });

  it('never listens beyond loopback unless the profile says so explicitly', () => {
    expect(errorOf(() => loadProfile(write(JSON.stringify({ web: { host: '0.0.0.0' } })))).field).toBe('web.host');
    expect(loadProfile(write(JSON.stringify({ web: { host: '0.0.0.0', allowRemote: true } }))).profile.web.host).toBe('0.0.0.0');
  });

  it('reports unreadable and non-JSON files', () => {
    expect(errorOf(() => loadProfile('/nonexistent/kiosk.json')).message).toContain('cannot read');
    expect(errorOf(() => loadProfile(write('{ nope'))).message).toContain('not valid JSON');
  });
});

describe('device paths', () => {
  it('flags kernel-numbered device nodes as unstable, not stable links', async () => {
    const { isUnstableDevicePath } = await import('../../../main/core/devices.js');
    expect(isUnstableDevicePath('/dev/ttyUSB0')).toBe(true);
    expect(isUnstableDevicePath('/dev/ttyACM12')).toBe(true);
    expect(isUnstableDevicePath('/dev/hidraw3')).toBe(true);
    expect(isUnstableDevicePath('/dev/serial/by-id/usb-1a86_USB_Serial-if00-port0')).toBe(false);
    expect(isUnstableDevicePath('/dev/kiosk-idcard')).toBe(false);
  });
});
