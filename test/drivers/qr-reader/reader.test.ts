/**
 * QrCodeReader against QrReaderSimulator: serial mode over memory links, HID POS mode against the
 * node-hid fake (no virtual HID devices here), opened by usage page 0x8C as a kiosk would.
 */
import { afterEach, describe, expect, it, vi } from 'vitest';
import iconv from 'iconv-lite';
import { HIDPOS_RECORD, HIDPOS_REPORT_ID, HIDPOS_USAGE_PAGE, HIDPOS_USAGE_SCANNER } from '../../../drivers/qr-reader/protocol/hidpos.js';
import { QrCodeReader, type QrReaderMode } from '../../../drivers/qr-reader/reader.js';
import { QrReaderSimulator, type QrSimulatorMode } from '../../../drivers/qr-reader/simulator.js';
import type { QrScan } from '../../../drivers/qr-reader/types.js';
import { HidOpener } from '../../../drivers/transport/hid.js';
import { MemoryPort } from '../../../drivers/transport/memory.js';
import { FakeNodeHid } from '../../helpers/fake-node-hid.js';

const open: QrCodeReader[] = [];
afterEach(async () => {
  await Promise.all(open.splice(0).map((r) => r.close()));
});

async function serialRig(mode: Extract<QrReaderMode, { mode: 'serial' }> = { mode: 'serial', terminator: 'cr' }, simMode: QrSimulatorMode = mode, clock?: () => number) {
  const sim = new QrReaderSimulator(undefined, simMode);
  const port = new MemoryPort('memory:qr', (end) => sim.attach(end), { maxChunk: 5 });
  const reader = new QrCodeReader('qr', port, mode, { keeper: { baseMs: 5, capMs: 20 }, ...(clock ? { clock } : {}) });
  open.push(reader);
  const scans: QrScan[] = [];
  reader.onScan((s) => scans.push(s));
  reader.start();
  await vi.waitFor(() => expect(reader.status().state).toBe('online'), { timeout: 2000, interval: 5 });
  return { sim, port, reader, scans };
}

const text = (s: QrScan | undefined): string | null | undefined => s?.text;

describe('QR reader, serial mode', () => {
  it('reads an acceptance number from a receipt QR: bytes, UTF-8 text, timestamp', async () => {
    const { sim, scans } = await serialRig();
    await sim.scan('NX-YC-0001-20260302-0042');
    await vi.waitFor(() => expect(scans).toHaveLength(1), { timeout: 2000, interval: 5 });
    expect(scans[0]).toMatchObject({ text: 'NX-YC-0001-20260302-0042', encoding: 'utf-8', symbology: null, bytes: new TextEncoder().encode('NX-YC-0001-20260302-0042') });
  });

  it('CR LF readers, GB18030 payloads and the AIM prefix', async () => {
    const { sim, scans } = await serialRig({ mode: 'serial', terminator: 'crlf', aimPrefix: true });
    await sim.scan(new Uint8Array(iconv.encode('宁夏政务服务网', 'gb18030')));
    await vi.waitFor(() => expect(scans).toHaveLength(1), { timeout: 2000, interval: 5 });
    expect(scans[0]).toMatchObject({ text: '宁夏政务服务网', encoding: 'gb18030', symbology: ']Q1' });
  });

  it('repeats of the same code within the window are one scan; counted as duplicates', async () => {
    let now = 1_000;
    const { sim, scans, reader } = await serialRig(undefined, undefined, () => now);
    sim.setFaults({ repeat: 4 });
    await sim.scan('e-ID:abc');
    await vi.waitFor(() => expect(reader.status().counters.duplicates).toBe(4), { timeout: 2000, interval: 5 });
    expect(scans.map(text)).toEqual(['e-ID:abc']);
    now += 5_000;
    sim.clearFaults();
    await sim.scan('e-ID:abc');
    await vi.waitFor(() => expect(scans).toHaveLength(2), { timeout: 2000, interval: 5 });
    reader.resetDuplicates();
    await sim.scan('e-ID:abc');
    await vi.waitFor(() => expect(scans).toHaveLength(3), { timeout: 2000, interval: 5 });
  });

  it('nextScan resolves with the next code, and times out typed', async () => {
    const { sim, reader } = await serialRig();
    const next = reader.nextScan({ timeoutMs: 2000 });
    await sim.scan('123');
    expect(text(await next)).toBe('123');
    await expect(reader.nextScan({ timeoutMs: 30 })).rejects.toMatchObject({ device: 'qr-reader', code: 'timeout', action: 'clear' });
    const ac = new AbortController();
    const p = reader.nextScan({ timeoutMs: 5000, signal: ac.signal });
    ac.abort();
    await expect(p).rejects.toMatchObject({ code: 'canceled' });
  });

  it('unplug → offline → plug → online, and scans again', async () => {
    const { sim, port, reader, scans } = await serialRig();
    port.unplug();
    await vi.waitFor(() => expect(reader.status().state).toBe('offline'), { timeout: 2000, interval: 5 });
    port.plug();
    await vi.waitFor(() => expect(reader.status().state).toBe('online'), { timeout: 2000, interval: 5 });
    await sim.scan('back');
    await vi.waitFor(() => expect(scans.map(text)).toEqual(['back']), { timeout: 2000, interval: 5 });
  });
});

describe('QR reader, HID POS mode (usage page 0x8C, against the node-hid fake)', () => {
  async function hidRig() {
    const hid = new FakeNodeHid();
    hid.plug({ path: '/dev/hidraw-kbd', vendorId: 0x0c2e, productId: 0x0b61, usagePage: 0x01, usage: 0x06 }); // the same reader's keyboard interface
    const dev = hid.plug({ path: '/dev/hidraw-pos', vendorId: 0x0c2e, productId: 0x0b61, usagePage: HIDPOS_USAGE_PAGE, usage: HIDPOS_USAGE_SCANNER, interface: 1, numberedInput: true });
    const framing = { reportId: HIDPOS_REPORT_ID, reportSize: HIDPOS_RECORD, lengthPrefix: false };
    const sim = new QrReaderSimulator(dev.asDeviceTransport(framing), { mode: 'hid-pos' });
    const opener = new HidOpener({ vendorId: 0x0c2e, productId: 0x0b61, usagePage: HIDPOS_USAGE_PAGE, ...framing }, hid);
    const reader = new QrCodeReader('qr', opener, { mode: 'hid-pos' }, { keeper: { baseMs: 5, capMs: 20 } });
    open.push(reader);
    const scans: QrScan[] = [];
    reader.onScan((s) => scans.push(s));
    reader.start();
    await vi.waitFor(() => expect(reader.status().state).toBe('online'), { timeout: 2000, interval: 5 });
    return { dev, sim, reader, scans, framing };
  }

  it('opens the 0x8C interface (not the keyboard one) and reads a long code over several reports', async () => {
    const { sim, reader, scans } = await hidRig();
    expect(reader.status().info.path).toBe('/dev/hidraw-pos');
    const long = `https://zwfw.nx.gov.cn/ecert/verify?token=${'A1b2'.repeat(40)}`;
    await sim.scan(long);
    await vi.waitFor(() => expect(scans).toHaveLength(1), { timeout: 2000, interval: 5 });
    expect(scans[0]).toMatchObject({ text: long, symbology: ']Q1', encoding: 'utf-8' });
  });

  it('binary payloads keep their bytes; a malformed report is dropped and counted', async () => {
    const { sim, reader, scans } = await hidRig();
    sim.setFaults({ badReport: true });
    const bytes = Uint8Array.of(0xff, 0x00, 0x0d, 0x0a, 0x80);
    await sim.scan(bytes);
    await vi.waitFor(() => expect(scans).toHaveLength(1), { timeout: 2000, interval: 5 });
    expect(scans[0]).toMatchObject({ bytes, text: null, encoding: null });
    expect(reader.status().counters.badScans).toBe(1);
  });

  it('unplugged: offline; replugged: online again', async () => {
    const { dev, sim, reader, scans, framing } = await hidRig();
    dev.unplug();
    await vi.waitFor(() => expect(reader.status().state).toBe('offline'), { timeout: 2000, interval: 5 });
    dev.replug();
    await vi.waitFor(() => expect(reader.status().state).toBe('online'), { timeout: 3000, interval: 5 });
    sim.attach(dev.asDeviceTransport(framing));
    await sim.scan('again');
    await vi.waitFor(() => expect(scans.map(text)).toEqual(['again']), { timeout: 2000, interval: 5 });
  });
});
