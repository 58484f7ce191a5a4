/**
 * The simulated scanner, pad and QR reader of web mode, through the production path: the drivers' own
 * classes (SanedScanner, NexoPaymentPad, QrCodeReader) and the core's adapters (scannerPages, padFees
 * over PaymentService and the payment journal). What a citizen meets in web mode is what a real
 * device would give the core.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { PNG } from 'pngjs';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { SanedScanner } from '../../../drivers/document-scanner/document-scanner.js';
import { NexoPaymentPad, newServiceId } from '../../../drivers/payment-pad/pad.js';
import { QrCodeReader } from '../../../drivers/qr-reader/reader.js';
import type { QrScan } from '../../../drivers/qr-reader/types.js';
import { openDatabase } from '../../../offline-cache/database.js';
import { PaymentJournal } from '../../../offline-cache/payments.js';
import { MatterDeviceError, padFees, scannerPages, type PageProgress } from '../../../main/core/matter-devices.js';
import { PaymentService, reportingSteps, type PaymentStep, type SubmissionFate } from '../../../main/core/payments.js';
import { SAMPLE_DOCUMENTS, SIM_SCAN_DEFAULTS, SimulatedPad, SimulatedQrReader, SimulatedScanner } from '../../../main/sim/matter-devices.js';

const cleanup: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const c of cleanup.splice(0).reverse()) await c();
});

const never = (): AbortSignal => new AbortController().signal;

async function scannerRig() {
  const sim = new SimulatedScanner();
  const scanner = new SanedScanner('scanner', sim.network, { device: sim.device, keeper: { baseMs: 5, capMs: 20 }, linkWaitMs: 500 });
  const stop = sim.followScans(scanner);
  scanner.start();
  await vi.waitFor(() => expect(scanner.status().state).toBe('online'), { timeout: 5000, interval: 5 });
  cleanup.push(async () => {
    stop();
    await scanner.close();
    await sim.network.sim.dispose();
  });
  return { sim, scanner, pages: scannerPages(scanner, SIM_SCAN_DEFAULTS) };
}

describe('the simulated scanner (SANE server on a memory network, the kiosk\'s SANE client)', () => {
  it('the feeder is loaded before every scan: as many PNG pages as the citizen put in and the matter allows, with progress', async () => {
    const r = await scannerRig();
    r.sim.setPagesPerScan(3);
    const progress: PageProgress[] = [];
    const pages = await r.pages.scan({ maxPages: 2, signal: never(), onProgress: (p) => progress.push(p) });
    expect(pages).toHaveLength(2);
    // A4 at 100 dpi, in colour.
    for (const p of pages) expect(PNG.sync.read(Buffer.from(p))).toMatchObject({ width: 827, height: 1169 });
    expect(progress[0]).toEqual({ pagesDone: 0, pageProgress: 0 });
    expect(progress.some((p) => p.pageProgress !== null && p.pageProgress > 0 && p.pageProgress < 1)).toBe(true);
    expect(progress.at(-1)).toEqual({ pagesDone: 2, pageProgress: null });
    // The next scan finds the feeder loaded again (three sheets), though the first one left one behind.
    expect(await r.pages.scan({ maxPages: 5, signal: never(), onProgress: () => undefined })).toHaveLength(3);
    expect(r.scanner.status().counters).toMatchObject({ scans: 2, pagesScanned: 5 });
  });

  it('the page image is the sample document chosen', async () => {
    const r = await scannerRig();
    const [form] = await r.pages.scan({ maxPages: 1, signal: never(), onProgress: () => undefined });
    r.sim.setDocument('photo');
    const [photo] = await r.pages.scan({ maxPages: 1, signal: never(), onProgress: () => undefined });
    expect(Buffer.from(form ?? []).equals(Buffer.from(photo ?? []))).toBe(false);
    // The photo's blue background at (30 mm, 25 mm).
    const png = PNG.sync.read(Buffer.from(photo ?? []));
    const at = (Math.round((25 / 25.4) * 100) * png.width + Math.round((30 / 25.4) * 100)) * 4;
    expect([png.data[at], png.data[at + 1], png.data[at + 2]]).toEqual([70, 130, 210]);
    expect(() => r.sim.setDocument('nope')).toThrow(RangeError);
    expect(Object.keys(SAMPLE_DOCUMENTS)).toContain('id-card-copy');
  });

  it('a jam, an empty feeder, an open cover, saned stopped: typed errors in words for the citizen; a cancel stops the scan', async () => {
    const r = await scannerRig();
    const fail = async (): Promise<MatterDeviceError> => {
      const e = await r.pages.scan({ maxPages: 1, signal: never(), onProgress: () => undefined }).then(
        () => null,
        (x: unknown) => x,
      );
      expect(e).toBeInstanceOf(MatterDeviceError);
      return e as MatterDeviceError;
    };
    r.sim.setFault('jam');
    expect((await fail()).words['zh-CN']).toContain('卡纸');
    expect(r.scanner.status()).toMatchObject({ state: 'error', lastError: { fault: 'paper-jam', action: 'clear' } });
    r.sim.setFault('empty');
    const empty = await fail();
    expect(empty.words['zh-CN']).toBe('请放入需要扫描的材料，然后重试。');
    expect(empty.reason).toContain('no-document');
    r.sim.setFault('coverOpen');
    expect((await fail()).words['zh-CN']).toContain('盖板');
    r.sim.setFault(null);
    expect(await r.pages.scan({ maxPages: 1, signal: never(), onProgress: () => undefined })).toHaveLength(1);
    expect(r.scanner.status().state).toBe('online');

    const ac = new AbortController();
    const p = r.pages.scan({ maxPages: 1, signal: ac.signal, onProgress: () => ac.abort(new Error('wiped')) });
    await expect(p).rejects.toThrow('wiped');

    r.sim.setConnected(false);
    await vi.waitFor(() => expect(r.scanner.status().state).toBe('offline'), { timeout: 5000, interval: 5 });
    expect((await fail()).words['zh-CN']).toContain('无法连接');
    r.sim.setConnected(true);
    await vi.waitFor(() => expect(r.scanner.status().state).toBe('online'), { timeout: 5000, interval: 5 });
  });
});

async function padRig(fates = new Map<string, SubmissionFate>()) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'nx-simpad-'));
  const db = openDatabase({ dir });
  const steps: string[] = [];
  const records = reportingSteps(new PaymentJournal(db), (key, step: PaymentStep) => steps.push(`${key} ${step}`));
  const sim = new SimulatedPad({ processingMs: 5 });
  const pad = new NexoPaymentPad('payment-pad', sim.port, { saleId: 'NX-DEV-0001', ackTimeoutMs: 100, paymentTimeoutMs: 300, abortWaitMs: 200, serviceTimeoutMs: 300, keeper: { baseMs: 5, capMs: 20 } });
  pad.start();
  await vi.waitFor(() => expect(pad.status().state).toBe('online'), { timeout: 2000, interval: 5 });
  const service = new PaymentService({ journal: records, pad, newServiceId, submissionFate: (m) => fates.get(m) ?? 'failed' });
  cleanup.push(async () => {
    await pad.close();
    sim.sim.dispose();
    db.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });
  return { sim, pad, records, fees: padFees(service, records), steps, fates };
}

const fee = (matterKey: string, attempt = 1, prompts: string[] = []) => ({ matterKey, step: 'fee', attempt, amountFen: 2000, signal: never(), onPrompt: (m: { 'zh-CN': string }) => prompts.push(m['zh-CN']) });

describe('the simulated pad (nexo over a memory link, PaymentService, the payment journal)', () => {
  it('approves once per matter step, whatever is asked again; each journal write is a step', async () => {
    const r = await padRig(new Map([['M1', 'active']]));
    const prompts: string[] = [];
    const a = await r.fees.pay(fee('M1', 1, prompts));
    expect(a).toMatchObject({ outcome: 'approved', amountFen: 2000, transactionId: expect.stringMatching(/^SIM-PAD-01-/), key: 'M1/fee/1' });
    expect(prompts[0]).toContain('20.00 元');
    expect(await r.fees.pay(fee('M1', 1))).toMatchObject({ outcome: 'approved', transactionId: a.outcome === 'approved' ? a.transactionId : '' });
    expect(r.sim.ledger()).toHaveLength(1);
    expect(r.steps).toEqual(['M1/fee/1 requested', 'M1/fee/1 approved']);
  });

  it('a decline is told in words and charges nothing; the next attempt is a new sale', async () => {
    const r = await padRig(new Map([['M2', 'active']]));
    r.sim.setFault('decline');
    const d = await r.fees.pay(fee('M2', 1));
    expect(d).toMatchObject({ outcome: 'declined', reason: 'refused', words: { 'zh-CN': expect.stringContaining('余额不足') } });
    r.sim.setFault('cardRemoved');
    expect(await r.fees.pay(fee('M2', 2))).toMatchObject({ outcome: 'declined', reason: 'canceled', words: { 'zh-CN': expect.stringContaining('没有扣款') } });
    r.sim.setFault(null);
    expect(await r.fees.pay(fee('M2', 3))).toMatchObject({ outcome: 'approved' });
    expect(r.sim.ledger().map((e) => e.state)).toEqual(['approved']);
  });

  it('timeout after the debit: the status inquiry finds the approval at once — one charge, in the journal', async () => {
    const r = await padRig(new Map([['M3', 'active']]));
    r.sim.setFault('timeoutAfterDebit');
    expect(await r.fees.pay(fee('M3'))).toMatchObject({ outcome: 'approved' });
    expect(r.sim.ledger()).toHaveLength(1);
    expect(r.steps).toEqual(['M3/fee/1 requested', 'M3/fee/1 unknown', 'M3/fee/1 inquiry', 'M3/fee/1 approved']);
  });

  it('the reply lost after the debit: unresolved while the pad cannot be heard, never charged again; resolved before the next sale', async () => {
    const r = await padRig(new Map([['M4', 'active'], ['M5', 'active']]));
    r.sim.setFault('lostAfterDebit');
    const u = await r.fees.pay(fee('M4'));
    expect(u).toMatchObject({ outcome: 'unresolved', words: { 'zh-CN': expect.stringContaining('不会重复扣款') } });
    expect(await r.fees.pay(fee('M4'))).toMatchObject({ outcome: 'unresolved' });
    expect(r.sim.ledger()).toHaveLength(1);
    r.sim.setFault(null);
    // Another matter's sale asks about the open one first.
    expect(await r.fees.pay(fee('M5'))).toMatchObject({ outcome: 'approved' });
    expect(r.records.get('M4/fee/1')?.state).toBe('approved');
    expect(await r.fees.pay(fee('M4'))).toMatchObject({ outcome: 'approved', key: 'M4/fee/1' });
    expect(r.sim.ledger()).toHaveLength(2);
  });

  it('a matter that stops without its submission has its payment reversed; a submitted one keeps it', async () => {
    const r = await padRig(new Map([['M6', 'active'], ['M7', 'active']]));
    await r.fees.pay(fee('M6'));
    await r.fees.pay(fee('M7'));
    r.fates.set('M6', 'failed');
    r.fates.set('M7', 'submitted');
    expect(await r.fees.settle('M6')).toEqual({ reversed: 1, open: 0 });
    expect(await r.fees.settle('M7')).toEqual({ reversed: 0, open: 0 });
    expect(r.sim.ledger().map((e) => e.state).sort()).toEqual(['approved', 'reversed']);
    expect(r.steps.filter((s) => s.startsWith('M6'))).toEqual(['M6/fee/1 requested', 'M6/fee/1 approved', 'M6/fee/1 reversal-requested', 'M6/fee/1 reversed']);
  });
});

describe('the simulated pad across a restart of its host (a real pad outlives a crash of the core)', () => {
  it('with a store, a new simulator remembers the charge and its answer: the inquiry finds it, the reversal reverses it; a damaged store is set aside', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'nx-simpad-store-'));
    cleanup.push(() => fs.rmSync(dir, { recursive: true, force: true }));
    const store = path.join(dir, 'payment-sim.json');
    const db = openDatabase({ dir });
    cleanup.push(() => {
      db.close();
    });
    const records = reportingSteps(new PaymentJournal(db), () => undefined);
    const fates = new Map<string, SubmissionFate>([['M8', 'active']]);
    const rig = async (sim: SimulatedPad) => {
      const pad = new NexoPaymentPad('payment-pad', sim.port, { saleId: 'NX-DEV-0001', ackTimeoutMs: 100, paymentTimeoutMs: 300, abortWaitMs: 200, serviceTimeoutMs: 300, keeper: { baseMs: 5, capMs: 20 } });
      pad.start();
      await vi.waitFor(() => expect(pad.status().state).toBe('online'), { timeout: 2000, interval: 5 });
      return { pad, fees: padFees(new PaymentService({ journal: records, pad, newServiceId, submissionFate: (m) => fates.get(m) ?? 'failed' }), records) };
    };
    const first = new SimulatedPad({ processingMs: 5, store });
    const a = await rig(first);
    first.setFault('lostAfterDebit');
    expect(await a.fees.pay(fee('M8'))).toMatchObject({ outcome: 'unresolved' });
    expect(first.ledger()).toHaveLength(1);
    await a.pad.close();
    first.sim.dispose();

    // The host restarts: a new simulator from the same store.
    const second = new SimulatedPad({ processingMs: 5, store });
    cleanup.push(() => second.sim.dispose());
    expect(second.ledger()).toEqual(first.ledger());
    const b = await rig(second);
    cleanup.push(() => b.pad.close());
    // Asked again under the same key: the inquiry finds the one charge, nothing is charged twice.
    expect(await b.fees.pay(fee('M8'))).toMatchObject({ outcome: 'approved', key: 'M8/fee/1' });
    expect(second.ledger()).toHaveLength(1);
    fates.set('M8', 'failed');
    expect(await b.fees.settle('M8')).toEqual({ reversed: 1, open: 0 });
    expect(second.ledger().map((e) => e.state)).toEqual(['reversed']);
    expect(JSON.parse(fs.readFileSync(store, 'utf8')).ledger[0].state).toBe('reversed');

    fs.writeFileSync(store, '{"seq":1,"ledg');
    const third = new SimulatedPad({ processingMs: 5, store });
    cleanup.push(() => third.sim.dispose());
    expect(third.ledger()).toEqual([]);
    expect(fs.readdirSync(dir).some((f) => f.startsWith('payment-sim.json.damaged-'))).toBe(true);
  });
});

describe('the simulated QR reader (serial, CR terminated, the kiosk\'s QR reader class)', () => {
  it('a code held in front of it reaches onScan once; unplugged, the reader goes offline and comes back', async () => {
    const sim = new SimulatedQrReader();
    const reader = new QrCodeReader('qr-reader', sim.port, { mode: 'serial', terminator: 'cr' }, { keeper: { baseMs: 5, capMs: 20 } });
    reader.start();
    cleanup.push(() => reader.close());
    await vi.waitFor(() => expect(reader.status().state).toBe('online'), { timeout: 2000, interval: 5 });
    const seen: QrScan[] = [];
    reader.onScan((s) => seen.push(s));
    await sim.scan('NX-DEV-0001-20250115-000042');
    await sim.scan('NX-DEV-0001-20250115-000042');
    await vi.waitFor(() => expect(seen).toHaveLength(1), { timeout: 2000, interval: 5 });
    expect(seen[0]?.text).toBe('NX-DEV-0001-20250115-000042');
    expect(sim.lastPayload).toBe('NX-DEV-0001-20250115-000042');
    sim.setConnected(false);
    await vi.waitFor(() => expect(reader.status().state).toBe('offline'), { timeout: 2000, interval: 5 });
    sim.setConnected(true);
    await vi.waitFor(() => expect(reader.status().state).toBe('online'), { timeout: 2000, interval: 5 });
  });
});
