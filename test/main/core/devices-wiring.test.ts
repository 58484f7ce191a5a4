/**
 * The second device generation wired into the core, through the production drivers and the simulators
 * of main/sim: the scanner, the pad and the QR reader are supervisor devices; a matter whose device is
 * offline is offered disabled with the reason; a two-page scan travels as two sealed attachments; a pad
 * timeout after the debit ends with exactly one charge (or, once the matter is abandoned, a reversal),
 * as the payment journal and the tamper-evident journal show; a core stopped between the payment and
 * the submission resolves the payment when it comes back, before anything else, and reverses it once the
 * interrupted matter's draft is discarded.
 */
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { MatterSummary, SessionView, StepViewOf } from '../../../main/contract/index.js';
import { KioskCore } from '../../../main/core/kiosk.js';
import { loadProfile } from '../../../main/core/profile.js';
import { createSimulatedDevices } from '../../../main/sim/devices.js';
import { scanJournal } from '../../../offline-cache/index.js';
import { tempDir } from '../../integration/queue/helpers.js';
import { caseRequests, fillForm, identify, startMatterKiosk, stepIs, waitUntil, type MatterKiosk } from './matters-helpers.js';

const kiosks: MatterKiosk[] = [];
const after: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const k of kiosks.splice(0)) await k.close();
  for (const f of after.splice(0)) await f();
});

async function kiosk(opts: Parameters<typeof startMatterKiosk>[0] = {}): Promise<MatterKiosk> {
  const k = await startMatterKiosk(opts);
  kiosks.push(k);
  await k.waitFor(() => k.kiosk.core.queue.link?.state === 'online', 'the platform online');
  return k;
}

const summary = (v: SessionView, code: string): MatterSummary | undefined => v.matters?.categories.flatMap((c) => c.matters).find((m) => m.code === code);
const deviceState = (k: MatterKiosk, kind: string): string | undefined => k.kiosk.core.supervisor.list().find((d) => d.kind === kind)?.state;
const paymentSteps = (file: string | undefined): string[] =>
  file === undefined
    ? []
    : scanJournal(readFileSync(file))
        .records.filter((r) => r.type === 'payment-step')
        .map((r) => `${String(r.fields.key).replace(/^.*\/fee\//, 'fee/')} ${String(r.fields.step)}`);

describe('scanner, pad and QR reader in the kiosk', () => {
  it('are supervisor devices with status and counters; a matter needing one that is offline is offered disabled, with the reason', async () => {
    const k = await kiosk();
    await k.waitFor(() => ['scanner', 'payment', 'qr-reader'].every((kind) => deviceState(k, kind) === 'online'), 'the three devices online');
    const list = k.kiosk.core.supervisor.list();
    expect(list.find((d) => d.kind === 'scanner')).toMatchObject({ id: 'scanner', info: { transport: 'network', model: 'Ningxia Kiosk Simulated document scanner' }, counters: { scans: 0 } });
    expect(list.find((d) => d.kind === 'payment')).toMatchObject({ id: 'payment-pad', info: { transport: 'memory', path: 'simulated:payment-pad' }, counters: { payments: 0 } });
    expect(list.find((d) => d.kind === 'qr-reader')).toMatchObject({ id: 'qr-reader', counters: { scans: 0 } });
    let v = await identify(k);
    expect(summary(v, 'SAMPLE-GA-0002')?.unavailable).toBeNull();
    expect(summary(v, 'SAMPLE-SB-0003')?.unavailable).toBeNull();

    k.kiosk.sim?.setScannerConnected(false);
    k.kiosk.sim?.setPaymentConnected(false);
    v = await k.waitView((x) => summary(x, 'SAMPLE-GA-0002')?.unavailable !== null && summary(x, 'SAMPLE-SB-0003')?.unavailable !== null, 'both matters disabled');
    expect(summary(v, 'SAMPLE-GA-0002')?.unavailable).toMatchObject({ reason: 'device-offline', device: 'scanner', message: { 'zh-CN': '扫描仪暂不可用' } });
    expect(summary(v, 'SAMPLE-SB-0003')?.unavailable).toMatchObject({ reason: 'device-offline', device: 'payment', message: { 'zh-CN': '支付终端暂不可用' } });
    // A matter that needs neither stays available.
    expect(summary(v, 'SAMPLE-GA-0001')?.unavailable).toBeNull();
    expect(k.kiosk.core.supervisor.list().find((d) => d.kind === 'scanner')?.lastError?.action).toBe('wait');

    k.kiosk.sim?.setScannerConnected(true);
    k.kiosk.sim?.setPaymentConnected(true);
    await k.waitView((x) => summary(x, 'SAMPLE-GA-0002')?.unavailable === null && summary(x, 'SAMPLE-SB-0003')?.unavailable === null, 'both matters available again');
  });

  it('a two-page scan through the SANE client: both pages become sealed, content-addressed attachments of the submission', async () => {
    const k = await kiosk();
    k.kiosk.sim?.setScannerFault(null, 2);
    // 马秀兰 holds no residence permit: it is scanned.
    await identify(k, 'resident-longterm');
    await k.ok('matter.choose', { code: 'SAMPLE-GA-0002' });
    await k.ok('matter.next', {});
    await fillForm(k);
    await k.waitView(stepIs('commitment'), 'the commitment');
    await k.ok('matter.commit', {});
    await k.waitView(stepIs('materials', 'ready'), 'the materials');
    const progress: string[] = [];
    const off = k.kiosk.core.session.onView((v) => {
      const m = v.matter?.step.kind === 'materials' ? (v.matter.step as StepViewOf<'materials'>) : null;
      if (m?.phase === 'scanning') progress.push(JSON.stringify(m.scanning));
    });
    await k.ok('matter.scan', { material: 'residencePermit' });
    const done = await k.waitView((v) => (v.matter?.step as StepViewOf<'materials'> | undefined)?.items?.find((i) => i.key === 'residencePermit')?.provided?.by === 'scan', 'scanned');
    off();
    expect((done.matter?.step as StepViewOf<'materials'>).items.find((i) => i.key === 'residencePermit')?.provided).toEqual({ by: 'scan', pages: 2 });
    expect(progress.length).toBeGreaterThan(2);
    await k.ok('matter.useCommitment', { material: 'residenceProof' });
    await k.ok('matter.next', {});
    await k.waitView(stepIs('submit', 'confirm'), 'the submit step');
    await k.ok('matter.submit', {});
    await k.waitFor(() => caseRequests(k.proxy).some((c) => c.status === 201), 'the case delivered');
    const body = caseRequests(k.proxy).find((c) => c.status === 201)?.body;
    expect(body?.attachments).toHaveLength(2);
    expect(new Set(body?.attachments).size).toBe(2);
    expect(body?.form).toMatchObject({ materials: expect.arrayContaining([{ key: 'residencePermit', by: 'scan', pages: 2, attachments: [0, 1] }]) });
    for (const sha of body?.attachments ?? []) {
      const put = k.proxy.requests.find((r) => r.method === 'PUT' && r.path === `/v1/attachments/${sha}`);
      expect(put?.status).toBe(201);
      expect(put?.body.subarray(1, 4).toString('latin1')).toBe('PNG');
    }
    expect(k.kiosk.core.supervisor.list().find((d) => d.kind === 'scanner')?.counters).toMatchObject({ scans: 1, pagesScanned: 2 });
  });

  it('a pad timeout after the debit during the fee step: one charge, found by the status inquiry; the matter abandoned, it is reversed — all in the journals', async () => {
    const k = await kiosk();
    await identify(k);
    await k.ok('matter.choose', { code: 'SAMPLE-SB-0003' });
    await k.ok('matter.next', {});
    await fillForm(k);
    await k.waitView(stepIs('fee', 'ready'), 'the fee');
    k.kiosk.sim?.setPaymentFault('timeoutAfterDebit');
    await k.ok('matter.pay', {});
    await k.waitView(stepIs('submit', 'confirm'), 'paid, at the submit step');
    const paid = k.kiosk.sim?.state().payment;
    expect(paid?.ledger).toEqual([{ reference: expect.stringMatching(/^SIM-PAD-01-/), amountFen: 2000, state: 'approved' }]);
    expect(paid?.sales).toEqual([expect.objectContaining({ state: 'approved', amountFen: 2000, reference: paid?.ledger[0]?.reference })]);
    expect(paymentSteps(k.kiosk.core.journal?.file)).toEqual(['fee/1 requested', 'fee/1 unknown', 'fee/1 inquiry', 'fee/1 approved']);

    k.kiosk.sim?.setPaymentFault(null);
    await k.ok('matter.cancel', {});
    await k.ok('matter.cancelConfirm', {});
    await k.waitFor(() => k.kiosk.sim?.state().payment?.sales[0]?.state === 'reversed', 'the payment reversed');
    expect(k.kiosk.pad?.ledger().map((e) => e.state)).toEqual(['reversed']);
    expect(paymentSteps(k.kiosk.core.journal?.file).slice(4)).toEqual(['fee/1 reversal-requested', 'fee/1 reversed']);
    expect(k.kiosk.core.queueStats()?.pending).toBe(0);
  });
});

describe('a core stopped between the payment and the submission', () => {
  it('resolves the payment when it comes back, before anything else, keeps it while the draft waits, and reverses it when someone else comes; the same pad, one charge reversed', async () => {
    const dir = tempDir('devices-restart-');
    const file = join(dir, 'kiosk.json');
    // No platform: nothing is delivered, and the pad is the same device across the restart.
    const profile = { dataDir: join(dir, 'data'), logging: { level: 'warn' } };
    writeFileSync(file, JSON.stringify(profile));
    const loaded = loadProfile(file);
    const sims = createSimulatedDevices(loaded.profile, { padProcessingMs: 5, padTimeoutMs: 400 });
    const start = (): Promise<KioskCore> => KioskCore.start({ profile: loaded, simulatedDevices: sims.openers, host: 'web', deliveryIdleMs: 20 });
    let core = await start();
    after.push(async () => {
      await core.close();
      rmSync(dir, { recursive: true, force: true });
    });
    const sim = sims.control(core);
    await waitUntil(() => core.supervisor.list().find((d) => d.kind === 'payment')?.state === 'online', 'the pad online');
    sim.placeCard('resident-zhang');
    await waitUntil(() => core.session.view().matters !== null, 'the matter list');
    core.matters.choose('SAMPLE-SB-0003');
    core.matters.send({ type: 'NEXT' });
    await waitUntil(() => core.session.view().matter?.step.kind === 'form', 'the form');
    core.matters.send({ type: 'INPUT', key: 'reason', value: 'lost' });
    core.matters.send({ type: 'INPUT', key: 'phone', value: '13912345678' });
    core.matters.send({ type: 'NEXT' });
    await waitUntil(() => core.session.view().matter?.step.kind === 'fee', 'the fee');
    // The pad's answer is lost after the debit and the pad then goes away: the outcome is not known when the core stops.
    sim.setPaymentFault('lostAfterDebit');
    core.matters.send({ type: 'PAY' });
    await waitUntil(() => (sims.pad?.ledger().length ?? 0) === 1, 'the citizen charged');
    sim.setPaymentConnected(false);
    await waitUntil(() => core.queue.cache?.payments.all()[0]?.state === 'unknown', 'the outcome unknown');
    await core.close();
    expect(sims.pad?.ledger().map((e) => e.state)).toEqual(['approved']);

    sim.setPaymentFault(null);
    sim.setPaymentConnected(true);
    sim.removeCard(); // the citizen walked away while the kiosk restarted
    core = await start();
    // The stopped matter's draft waits for its citizen (crash resume): its payment is resolved first (asked
    // about, never charged again) and kept while the draft waits.
    await waitUntil(() => core.queue.cache?.payments.all()[0]?.state === 'approved', 'the unknown payment resolved at start', 10_000);
    await waitUntil(() => core.resume.offering, 'the interrupted matter offered to its citizen');
    expect(sims.pad?.ledger().map((e) => e.state)).toEqual(['approved']);
    // Someone else comes: the draft is discarded, and what it paid and never submitted is reversed.
    sims.control(core).placeCard('resident-longterm');
    await waitUntil(() => core.queue.cache?.payments.all()[0]?.state === 'reversed', 'the payment reversed once the draft is discarded', 10_000);
    expect(core.resume.offering).toBe(false);
    expect(sims.pad?.ledger().map((e) => e.state)).toEqual(['reversed']);
    const history = core.queue.cache?.payments.history(core.queue.cache.payments.all()[0]?.id ?? 0).map((e) => e.event);
    // Asked about first (the status inquiry), then reversed: never charged again.
    expect(history?.slice(-4)).toEqual(['status-inquiry', 'approved', 'reversal-requested', 'reversed']);
  });
});
