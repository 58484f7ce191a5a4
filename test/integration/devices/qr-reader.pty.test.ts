/**
 * The serial QR reader against its simulator over real kernel pseudo-terminals (socat): QrCodeReader on
 * hostPath through SerialOpener, QrReaderSimulator on devicePath through SerialTransport.
 */
import { afterEach, describe, expect, it } from 'vitest';
import iconv from 'iconv-lite';
import { QrCodeReader } from '../../../drivers/qr-reader/reader.js';
import { QrReaderSimulator } from '../../../drivers/qr-reader/simulator.js';
import type { QrScan } from '../../../drivers/qr-reader/types.js';
import { SerialOpener, SerialTransport } from '../../../drivers/transport/serial.js';
import { until } from '../../helpers/until.js';
import { createPtyPair, usePtyPairs } from '../../helpers/pty.js';

usePtyPairs();

const stops: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const s of stops.splice(0).reverse()) await s();
});

describe('serial QR reader ↔ simulator over a pty', () => {
  it('reads UTF-8 and GB18030 codes, CR LF terminated, collapses a held code, survives an unplug', async () => {
    const pty = await createPtyPair();
    const deviceEnd = await SerialTransport.open({ path: pty.devicePath, baudRate: 9600 });
    const sim = new QrReaderSimulator(deviceEnd, { mode: 'serial', terminator: 'crlf' });
    const reader = new QrCodeReader('qr', new SerialOpener({ path: pty.hostPath, baudRate: 9600 }), { mode: 'serial', terminator: 'crlf' }, { keeper: { baseMs: 50, capMs: 300 } });
    const scans: QrScan[] = [];
    reader.onScan((s) => scans.push(s));
    reader.start();
    stops.push(async () => {
      await reader.close();
      sim.dispose();
    });
    await until('reader online', () => reader.status().state === 'online', 5000);

    await sim.scan('NX-YC-0001-20260302-0042');
    await sim.scan(new Uint8Array(iconv.encode('宁夏回族自治区银川市', 'gb18030')));
    sim.setFaults({ repeat: 3 });
    await sim.scan('e-ID:held');
    await until('three scans', () => scans.length === 3 && reader.status().counters.duplicates === 3, 5000);
    expect(scans.map((s) => [s.text, s.encoding])).toEqual([
      ['NX-YC-0001-20260302-0042', 'utf-8'],
      ['宁夏回族自治区银川市', 'gb18030'],
      ['e-ID:held', 'utf-8'],
    ]);

    await pty.kill();
    await until('reader offline', () => reader.status().state === 'offline', 5000);
    await pty.restart();
    await until('reader online again', () => reader.status().state === 'online', 8000);
    const again = await SerialTransport.open({ path: pty.devicePath, baudRate: 9600 });
    sim.attach(again);
    sim.clearFaults();
    await sim.scan('after replug');
    await until('scan after replug', () => scans.length === 4, 5000);
    expect(scans[3]?.text).toBe('after replug');
    await again.close();
  });
});
