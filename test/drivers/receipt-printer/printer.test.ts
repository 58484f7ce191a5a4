import { afterEach, describe, expect, it, vi } from 'vitest';
import { fc, test } from '@fast-check/vitest';
import { MemoryPort, type MemoryTransport } from '../../../drivers/transport/memory.js';
import { EscPosPrinter, PrintJobError, chunkAtCommands, countJob, type EscPosPrinterOptions } from '../../../drivers/receipt-printer/printer.js';
import { PrinterSimulator } from '../../../drivers/receipt-printer/simulator.js';
import { acceptanceReceipt, textReceipt } from '../../../drivers/receipt-printer/templates.js';
import { EscPosEncoder } from '../../../drivers/receipt-printer/protocol/encoder.js';
import { parseCommand } from '../../../drivers/receipt-printer/protocol/decoder.js';
import { isDeviceError } from '../../../drivers/device.js';

const open: EscPosPrinter[] = [];
afterEach(async () => {
  await Promise.all(open.splice(0).map((p) => p.close()));
});

function rig(opts: EscPosPrinterOptions = {}, onDeviceData?: (chunk: Uint8Array, end: MemoryTransport) => void) {
  const sim = new PrinterSimulator(undefined, { profile: '58mm' });
  const port = new MemoryPort(
    'memory:printer',
    (end) => {
      sim.attach(end);
      if (onDeviceData) end.onData((c) => onDeviceData(c, end));
    },
    { maxChunk: 7 },
  );
  const printer = new EscPosPrinter('printer-1', port, { profile: '58mm', pollIntervalMs: 0, statusTimeoutMs: 300, keeper: { baseMs: 5, capMs: 20 }, ...opts });
  open.push(printer);
  printer.start();
  return { sim, port, printer };
}

async function online(p: EscPosPrinter): Promise<void> {
  await vi.waitFor(() => expect(p.status().state).toBe('online'), { timeout: 3000, interval: 5 });
}

async function rejection(p: Promise<unknown>): Promise<PrintJobError> {
  try {
    await p;
  } catch (e) {
    expect(e).toBeInstanceOf(PrintJobError);
    return e as PrintJobError;
  }
  throw new Error('expected a rejection');
}

const receiptInput = {
  terminalId: 'NX-YC-0001',
  siteName: '银川市民大厅',
  time: new Date('2026-03-01T02:03:04Z'),
  matterName: '城乡居民基本养老保险参保登记',
  applicantName: '张*',
  maskedId: '6401**********123X',
  acceptanceNumber: 'SL20260301000042',
  qrPayload: 'https://zwfw.nx.gov.cn/progress?n=SL20260301000042',
  offline: true,
  profile: '58mm' as const,
};

describe('EscPosPrinter over MemoryPort + PrinterSimulator', () => {
  it('prints an acceptance receipt: text, QR payload and a cut reach the printer', async () => {
    const { sim, printer } = rig();
    await online(printer);
    const bytes = acceptanceReceipt(receiptInput);
    await printer.print(bytes, { signal: AbortSignal.timeout(5000) });
    const r = sim.lastReceipt();
    expect(r?.cut).toBe('partial');
    expect(r?.text).toContain('受理回执');
    expect(r?.text).toContain('SL20260301000042');
    expect(r?.text).toContain('离线受理，联网后自动提交');
    expect(r?.items.find((i) => i.type === 'qr')).toMatchObject({ data: receiptInput.qrPayload });
    const c = printer.status().counters;
    expect(c).toMatchObject({ operations: 1, errors: 0, cuts: 1, bytesSent: bytes.length });
    expect(c.linesPrinted).toBe(countJob(bytes).lines);
    expect(printer.status().state).toBe('online');
  });

  it('accepts an encoder as the job', async () => {
    const { sim, printer } = rig();
    await online(printer);
    await printer.print(new EscPosEncoder('58mm').line('你好').cut());
    expect(sim.lastReceipt()?.text).toBe('你好');
  });

  it('paper out before a job: typed clear error and no print data sent', async () => {
    const { sim, printer } = rig();
    await online(printer);
    sim.setFaults({ paperOut: true });
    const err = await rejection(printer.print(textReceipt('不应打印', '58mm')));
    expect(err).toMatchObject({ code: 'device-fault', action: 'clear', fault: 'paper-out', sentBytes: 0 });
    expect(sim.printDataBytes).toBe(0);
    expect(sim.statusQueries).toBeGreaterThan(0);
    expect(printer.status().counters.paperOutEvents).toBe(1);
    expect(printer.status().state).toBe('error');
  });

  it.each([
    [{ coverOpen: true }, 'cover-open', 'clear'],
    [{ cutterError: true }, 'cutter-error', 'clear'],
    [{ unrecoverableError: true }, 'unrecoverable-error', 'maintenance'],
  ] as const)('fault %o blocks the job with %s / %s', async (fault, name, action) => {
    const { sim, printer } = rig();
    await online(printer);
    sim.setFaults(fault);
    const err = await rejection(printer.print(textReceipt('x', '58mm')));
    expect(err).toMatchObject({ fault: name, action, sentBytes: 0 });
    expect(sim.printDataBytes).toBe(0);
  });

  it.each([[true], [false]])('paper out mid job (ASB %s): typed error with the amount sent', async (enableAsb) => {
    const { sim, printer } = rig({ chunkSize: 64, enableAsb });
    await online(printer);
    const job = textReceipt(Array.from({ length: 80 }, (_, i) => `第${i}行 line ${i}`).join('\n'), '58mm');
    sim.setFaults({ paperOutAfterBytes: 300 });
    const err = await rejection(printer.print(job));
    expect(err).toMatchObject({ code: 'device-fault', action: 'clear', fault: 'paper-out' });
    expect(err.sentBytes).toBeGreaterThan(0);
    expect(err.totalBytes).toBe(job.length);
    if (enableAsb) expect(err.sentBytes).toBeLessThan(job.length);
    expect(sim.discardedBytes).toBeGreaterThan(0);
    expect(sim.receipts()).toHaveLength(0);
  });

  it('paper near end: a warning, and the job is printed', async () => {
    const { sim, printer } = rig();
    await online(printer);
    sim.setFaults({ paperNearEnd: true });
    const seen: string[][] = [];
    printer.onStatus((s) => seen.push(s.warnings));
    await printer.print(textReceipt('纸将尽', '58mm'));
    expect(sim.lastReceipt()?.text).toBe('纸将尽');
    expect(printer.status().warnings).toEqual(['paper-near-end']);
    expect(seen.some((w) => w.includes('paper-near-end'))).toBe(true);
  });

  it('ASB reports a cover opened while idle', async () => {
    const { sim, printer } = rig();
    await online(printer);
    sim.setFaults({ coverOpen: true });
    await vi.waitFor(() => expect(printer.status()).toMatchObject({ state: 'error', lastError: { fault: 'cover-open', action: 'clear' } }), { timeout: 2000, interval: 5 });
    sim.clearFaults();
    await online(printer);
  });

  it('the idle poll notices paper out without ASB', async () => {
    const { sim, printer } = rig({ enableAsb: false, pollIntervalMs: 20 });
    await online(printer);
    sim.setFaults({ paperOut: true });
    await vi.waitFor(() => expect(printer.status().lastError?.fault).toBe('paper-out'), { timeout: 2000, interval: 5 });
    expect(printer.status().state).toBe('error');
  });

  it('unplug -> offline -> plug -> online', async () => {
    const { port, printer } = rig();
    await online(printer);
    const states: string[] = [];
    printer.onStatus((s) => states.push(s.state));
    port.unplug();
    await vi.waitFor(() => expect(printer.status().state).toBe('offline'), { timeout: 2000, interval: 5 });
    const err = await printer.printerStatus().catch((e: unknown) => e);
    expect(isDeviceError(err) && err.code).toBe('disconnected');
    port.plug();
    await online(printer);
    expect(states).toContain('offline');
  });

  it('an AbortSignal cancels a long print between chunks, and the partial receipt is cut off', async () => {
    const ac = new AbortController();
    let received = 0;
    const { sim, printer } = rig({ chunkSize: 32 }, (c) => {
      received += c.length;
      if (received > 200) ac.abort(new Error('citizen left'));
    });
    await online(printer);
    const job = textReceipt(Array.from({ length: 60 }, (_, i) => `line ${i}`).join('\n'), '58mm');
    const err = await rejection(printer.print(job, { signal: ac.signal }));
    expect(err.code).toBe('canceled');
    expect(err.sentBytes).toBeGreaterThan(0);
    expect(err.sentBytes).toBeLessThan(job.length);
    await vi.waitFor(() => expect(sim.lastReceipt()?.cut).toBe('partial'), { timeout: 2000, interval: 5 });
    expect(sim.lastReceipt()?.text.includes('line 59')).toBe(false);
  });

  it('unplugged mid job: typed disconnected error with the amount sent, then back online', async () => {
    let received = 0;
    let armed = false;
    const rigged = rig({ chunkSize: 32 }, (c) => {
      received += c.length;
      if (armed && received > 300) {
        armed = false;
        rigged.port.unplug();
        setTimeout(() => rigged.port.plug(), 20);
      }
    });
    const { printer } = rigged;
    await online(printer);
    received = 0;
    armed = true;
    const job = textReceipt(Array.from({ length: 80 }, (_, i) => `line ${i}`).join('\n'), '58mm');
    const err = await rejection(printer.print(job));
    expect(err.code).toBe('disconnected');
    expect(err.sentBytes).toBeGreaterThan(0);
    expect(err.sentBytes).toBeLessThan(job.length);
    await online(printer);
    expect(printer.status().counters.errors).toBe(1);
  });

  it('a silent printer gives a typed timeout and the error state', async () => {
    const { sim, printer } = rig({ statusTimeoutMs: 80 });
    await online(printer);
    sim.setFaults({ silence: true });
    const err = await printer.printerStatus().catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 'timeout', action: 'reset' });
    expect(printer.status().state).toBe('error');
    sim.setFaults({ silence: false });
    await printer.printerStatus();
    expect(printer.status().state).toBe('online');
  });

  it('garbage on the line: a typed protocol error (line-garbage), never paper out or cover open; nothing printed; clean again once the line is', async () => {
    const { sim, printer } = rig();
    await online(printer);
    sim.setFaults({ garbage: true });
    const status = await printer.printerStatus().catch((e: unknown) => e);
    expect(status).toMatchObject({ device: 'receipt-printer', code: 'protocol', fault: 'line-garbage', action: 'reset' });
    expect(printer.status()).toMatchObject({ state: 'error', lastError: { code: 'protocol', fault: 'line-garbage' } });
    const before = sim.printDataBytes;
    const err = await rejection(printer.print(textReceipt('不应打印', '58mm')));
    expect(err).toMatchObject({ code: 'protocol', fault: 'line-garbage', sentBytes: 0 });
    expect(sim.printDataBytes).toBe(before);
    expect(printer.status().counters.garbageBytes).toBeGreaterThan(0);
    sim.clearFaults();
    // replies already under way still carry noise: the status is trusted again once a read is clean
    await vi.waitFor(() => printer.printerStatus(), { timeout: 3000, interval: 20 });
    expect(printer.status().state).toBe('online');
    await printer.print(textReceipt('线路恢复', '58mm'));
    expect(sim.lastReceipt()?.text).toBe('线路恢复');
  });

  it('a burst of bytes that look like status replies does not make a fault: a fault is believed only when a second read agrees', async () => {
    let burst = false;
    const { sim, printer } = rig({ enableAsb: false }, (chunk, end) => {
      // Once, ahead of the printer's answers, four bytes of the DLE EOT shape with every flag set (0x7E):
      // taken at face value they say "offline, cover open, paper out, unrecoverable error".
      if (burst && chunk.includes(0x04)) {
        burst = false;
        void end.write(Uint8Array.of(0x7e, 0x7e, 0x7e, 0x7e));
      }
    });
    await online(printer);
    burst = true;
    const err = await printer.printerStatus().catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 'protocol', fault: 'line-garbage' });
    expect(printer.status().lastError).toMatchObject({ fault: 'line-garbage' });
    expect(sim.state).toMatchObject({ coverOpen: false, paper: 'ok', unrecoverableError: false });
    await vi.waitFor(() => printer.printerStatus(), { timeout: 3000, interval: 20 });
    expect(printer.status().state).toBe('online');
  });

  it('printerStatus merges DLE EOT 1–4', async () => {
    const { sim, printer } = rig();
    await online(printer);
    sim.setFaults({ paperNearEnd: true, coverOpen: true });
    const s = await printer.printerStatus(AbortSignal.timeout(1000));
    expect(s).toMatchObject({ paper: 'near-end', coverOpen: true, online: false });
  });

  it('health checks: internal, external (ASB agrees), interactive (test receipt)', async () => {
    const { sim, printer } = rig();
    await online(printer);
    expect(await printer.checkHealth('internal')).toMatchObject({ level: 'internal', ok: true });
    const ext = await printer.checkHealth('external');
    expect(ext).toMatchObject({ ok: true });
    expect(ext.text).toContain('ASB agrees');
    expect(sim.receipts()).toHaveLength(0);
    expect(await printer.checkHealth('interactive')).toMatchObject({ ok: true });
    expect(sim.lastReceipt()?.items.some((i) => i.type === 'qr')).toBe(true);
    sim.setFaults({ paperOut: true });
    expect(await printer.checkHealth('internal')).toMatchObject({ ok: false });
  });

  it('status queries during a print never land inside a raster command', async () => {
    const { sim, printer } = rig({ chunkSize: 64 });
    await online(printer);
    const job = new EscPosEncoder('58mm').image({ width: 384, height: 200, pixels: new Uint8Array(384 * 200).fill(0) }).cut().encode();
    const printing = printer.print(job);
    const queries: Promise<unknown>[] = [];
    for (let k = 0; k < 10; k++) {
      queries.push(printer.printerStatus());
      await new Promise((r) => setImmediate(r));
    }
    await printing;
    const results = await Promise.allSettled(queries);
    expect(results.map((r) => r.status)).toEqual(new Array(10).fill('fulfilled'));
    const r = sim.lastReceipt();
    expect(r?.errors).toEqual([]);
    expect(r?.items[0]).toMatchObject({ type: 'image', width: 384, height: 200 });
  });

  it('jobs run one after another', async () => {
    const { sim, printer } = rig({ chunkSize: 16 });
    await online(printer);
    await Promise.all([printer.print(textReceipt('一', '58mm')), printer.print(textReceipt('二', '58mm')), printer.print(textReceipt('三', '58mm'))]);
    expect(sim.receipts().map((r) => r.text)).toEqual(['一', '二', '三']);
  });
});

describe('chunkAtCommands', () => {
  const job = new EscPosEncoder('58mm').line('标题').qrcode('x'.repeat(300), { size: 2 }).image({ width: 64, height: 40, pixels: new Uint8Array(64 * 40) }).cut().encode();

  test.prop([fc.integer({ min: 1, max: 600 })], { numRuns: 40 })('chunks concatenate to the job; boundary chunks end where a command ends', (size) => {
    const chunks = chunkAtCommands(job, size);
    const joined = new Uint8Array(chunks.reduce((n, c) => n + c.bytes.length, 0));
    let off = 0;
    const ends = new Set<number>();
    for (let o = 0; o < job.length; ) {
      o += parseCommand(job.subarray(o)).consumed;
      ends.add(o);
    }
    for (const c of chunks) {
      joined.set(c.bytes, off);
      off += c.bytes.length;
      if (c.boundary) expect(ends.has(off)).toBe(true);
      else expect(c.bytes.length).toBeLessThanOrEqual(size);
    }
    expect(joined).toEqual(job);
  });
});

describe('device info (GS I)', () => {
  it('reads model and firmware when the printer tells', async () => {
    const sim = new PrinterSimulator(undefined, { profile: '80mm', model: 'KP-628E', firmware: 'V1.02' });
    const port = new MemoryPort('memory:printer-info', (end) => sim.attach(end));
    const printer = new EscPosPrinter('printer-2', port, { pollIntervalMs: 0, statusTimeoutMs: 300 });
    open.push(printer);
    printer.start();
    await vi.waitFor(() => expect(printer.status().info).toMatchObject({ model: 'KP-628E', firmware: 'V1.02', transport: 'memory' }), { timeout: 3000, interval: 5 });
  });

  it('leaves them undefined when the printer does not answer', async () => {
    const { printer } = rig();
    await online(printer);
    await new Promise((r) => setTimeout(r, 350));
    expect(printer.status().info.model).toBeUndefined();
    expect(printer.status().info.firmware).toBeUndefined();
  });
});
