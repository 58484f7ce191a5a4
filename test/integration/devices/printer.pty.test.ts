/**
 * The receipt printer against its simulator over real kernel pseudo-terminals (socat):
 * EscPosPrinter on hostPath through SerialOpener, PrinterSimulator on devicePath through SerialTransport.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { isDeviceError } from '../../../drivers/device.js';
import {
  EscPosPrinter,
  PrintJobError,
  PrinterSimulator,
  acceptanceReceipt,
  decodeEscPos,
  type AcceptanceReceiptInput,
} from '../../../drivers/receipt-printer/index.js';
import { SerialOpener, SerialTransport } from '../../../drivers/transport/serial.js';
import type { Transport } from '../../../drivers/transport/transport.js';
import { until } from '../../helpers/until.js';
import { createPtyPair, usePtyPairs } from '../../helpers/pty.js';

usePtyPairs();

const INPUT: AcceptanceReceiptInput = {
  terminalId: 'NX-YC-0001',
  siteName: '银川市民大厅',
  time: new Date('2026-03-01T16:30:00Z'),
  matterName: '城乡居民基本养老保险参保登记',
  applicantName: '䶮*',
  maskedId: '6401**********123X',
  acceptanceNumber: 'NX-YC-0001-20260302-0042',
  qrPayload: 'https://zwfw.nx.gov.cn/progress?n=NX-YC-0001-20260302-0042',
  offline: true,
  profile: '80mm',
};

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

async function rig(): Promise<{ printer: EscPosPrinter; sim: PrinterSimulator; received: number[] }> {
  const pty = await createPtyPair();
  const deviceEnd: Transport = await SerialTransport.open({ path: pty.devicePath });
  const sim = new PrinterSimulator(deviceEnd, { profile: '80mm', model: 'PTY-SIM', firmware: '1.0' });
  const received: number[] = [];
  deviceEnd.onData((c) => received.push(...c));
  const printer = new EscPosPrinter('receipt-printer', new SerialOpener({ path: pty.hostPath }), { profile: '80mm', pollIntervalMs: 200 });
  printer.start();
  cleanups.push(async () => {
    await printer.close();
    await deviceEnd.close();
  });
  await until('printer online', () => printer.status().state === 'online', 5000);
  return { printer, sim, received };
}

describe('receipt printer ↔ simulator over a pty', () => {
  it('prints an acceptance receipt (QR, Chinese, 䶮) that decodes back to its facts', async () => {
    const { printer, sim } = await rig();
    const job = acceptanceReceipt(INPUT);
    await printer.print(job);
    const receipt = await until('receipt cut', () => sim.lastReceipt(), 5000);
    expect(receipt.cut).toBe('partial');
    expect(receipt.errors).toEqual([]);
    for (const s of ['受理回执', '银川市民大厅', INPUT.acceptanceNumber, INPUT.matterName, '䶮*', INPUT.maskedId, '2026-03-02 00:30:00', '离线受理，联网后自动提交']) {
      expect(receipt.text).toContain(s);
    }
    expect(receipt.items.find((i) => i.type === 'qr')).toMatchObject({ data: INPUT.qrPayload });
    // What went over the wire is what the template made (the decoder agrees on both sides).
    expect(decodeEscPos(job)[0]?.text).toBe(receipt.text);
    expect(printer.status().counters).toMatchObject({ cuts: 1, bytesSent: job.length });
  });

  it('paper near end: prints, with a warning', async () => {
    const { printer, sim } = await rig();
    sim.setFaults({ paperNearEnd: true });
    await printer.print(acceptanceReceipt({ ...INPUT, offline: false }));
    expect(sim.receipts()).toHaveLength(1);
    expect(printer.status().warnings).toContain('paper-near-end');
    expect(printer.status().state).toBe('online');
  });

  it('paper out in the middle of a job: a typed error with action "clear", and how much was sent', async () => {
    const { printer, sim } = await rig();
    const job = acceptanceReceipt(INPUT);
    sim.setFaults({ paperOutAfterBytes: 300 });
    const err = await printer.print(job).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(PrintJobError);
    if (!(err instanceof PrintJobError)) return;
    expect(isDeviceError(err)).toBe(true);
    expect(err).toMatchObject({ code: 'device-fault', action: 'clear', fault: 'paper-out' });
    expect(err.sentBytes).toBeGreaterThan(0);
    expect(err.sentBytes).toBeLessThanOrEqual(job.length);
    expect(err.totalBytes).toBe(job.length);
    expect(sim.receipts()).toHaveLength(0);
    await until('printer shows the fault', () => printer.status().state === 'error', 3000);
    expect(printer.status().lastError).toMatchObject({ fault: 'paper-out', action: 'clear' });

    // Staff loads paper: the next job prints.
    sim.setFaults({ paperOut: false });
    await printer.print(acceptanceReceipt(INPUT));
    expect(sim.receipts()).toHaveLength(1);
  });

  it('paper out before a job: nothing is sent', async () => {
    const { printer, sim } = await rig();
    sim.setFaults({ paperOut: true });
    const before = sim.printDataBytes;
    await expect(printer.print(acceptanceReceipt(INPUT))).rejects.toMatchObject({ fault: 'paper-out', action: 'clear', sentBytes: 0 });
    expect(sim.printDataBytes).toBe(before);
  });
});
