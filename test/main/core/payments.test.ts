/**
 * PaymentService with the real driver, the real simulator (over memory links) and the real journal
 * on disk: the end-to-end shape of a fee step, a timeout after debit, a failed submission, a restart.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { NexoPaymentPad, newServiceId } from '../../../drivers/payment-pad/pad.js';
import { PadSimulator } from '../../../drivers/payment-pad/simulator.js';
import { MemoryPort } from '../../../drivers/transport/memory.js';
import { openDatabase, type SqliteDatabase } from '../../../offline-cache/database.js';
import { PaymentJournal } from '../../../offline-cache/payments.js';
import { PaymentService, type SubmissionFate } from '../../../main/core/payments.js';

const cleanup: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const c of cleanup.splice(0).reverse()) await c();
});

async function rig() {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'nx-pay-'));
  const db: SqliteDatabase = openDatabase({ dir });
  const journal = new PaymentJournal(db);
  const sim = new PadSimulator(undefined, { ackTimeoutMs: 50 });
  const port = new MemoryPort('memory:pad', (end) => sim.attach(end));
  const pad = new NexoPaymentPad('pad', port, { saleId: 'NX-YC-0001', ackTimeoutMs: 60, paymentTimeoutMs: 150, serviceTimeoutMs: 200, keeper: { baseMs: 5, capMs: 20 } });
  pad.start();
  await vi.waitFor(() => expect(pad.status().state).toBe('online'), { timeout: 2000, interval: 5 });
  const fates = new Map<string, SubmissionFate>();
  const service = (): PaymentService => new PaymentService({ journal, pad, submissionFate: (m) => fates.get(m) ?? 'failed', newServiceId });
  cleanup.push(async () => {
    await pad.close();
    sim.dispose();
    db.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });
  return { dir, journal, sim, pad, fates, service };
}

describe('PaymentService (driver + simulator + journal on disk)', () => {
  it('a fee is charged once, however often the step asks', async () => {
    const r = await rig();
    r.fates.set('m1', 'active');
    const s = r.service();
    const first = await s.pay({ matterKey: 'm1', step: 'fee', amountFen: 1500 });
    expect(first).toMatchObject({ status: 'paid', payment: { state: 'approved', amountFen: 1500 } });
    const again = await s.pay({ matterKey: 'm1', step: 'fee', amountFen: 1500 });
    expect(again).toMatchObject({ status: 'paid', payment: { id: first.payment.id } });
    expect(r.sim.captured()).toHaveLength(1);
  });

  it('timeout after debit during the step: resolved by a status inquiry at once; exactly one charge, visible in the journal', async () => {
    const r = await rig();
    r.fates.set('m2', 'active');
    r.sim.setFaults({ timeoutAfterDebit: true });
    const out = await r.service().pay({ matterKey: 'm2', step: 'fee', amountFen: 800 });
    expect(out).toMatchObject({ status: 'paid', payment: { state: 'approved' } });
    expect(r.sim.captured()).toHaveLength(1);
    expect(r.journal.history(out.payment.id).map((e) => e.event)).toEqual(['payment-requested', 'unknown', 'status-inquiry', 'approved']);
  });

  it('the submission failed: the payment is reversed; the bank keeps nothing', async () => {
    const r = await rig();
    r.fates.set('m3', 'active');
    const s = r.service();
    await s.pay({ matterKey: 'm3', step: 'fee', amountFen: 300 });
    r.fates.set('m3', 'failed');
    const report = await s.settle('m3');
    expect(report).toMatchObject({ reversed: 1, open: [] });
    expect(r.journal.byMatter('m3')).toMatchObject([{ state: 'reversed' }]);
    expect(r.sim.ledger()).toMatchObject([{ state: 'reversed', amountFen: 300 }]);
  });

  it('a decline, then the citizen tries again (attempt 2) and pays', async () => {
    const r = await rig();
    r.fates.set('m4', 'active');
    const s = r.service();
    r.sim.setFaults({ decline: true });
    expect(await s.pay({ matterKey: 'm4', step: 'fee', amountFen: 100 })).toMatchObject({ status: 'declined', reason: 'refused' });
    r.sim.clearFaults();
    expect(await s.pay({ matterKey: 'm4', step: 'fee', attempt: 2, amountFen: 100 })).toMatchObject({ status: 'paid', payment: { attempt: 2 } });
    expect(r.journal.byMatter('m4').map((p) => p.state)).toEqual(['declined', 'approved']);
  });

  it('the pad goes silent after the debit: unresolved, nothing more charged; once it answers, recovery reverses the orphan', async () => {
    const r = await rig();
    r.fates.set('m5', 'active');
    r.sim.setFaults({ timeoutAfterDebit: true, lostReply: true });
    const s = r.service();
    // the answer and the status inquiry's answer are both lost
    const out = await s.pay({ matterKey: 'm5', step: 'fee', amountFen: 999 });
    expect(out.status).toBe('unresolved');
    expect(await s.pay({ matterKey: 'm5', step: 'fee', attempt: 2, amountFen: 999 })).toMatchObject({ status: 'unresolved' });
    expect(r.sim.captured()).toHaveLength(1);
    // The citizen gave up; the pad answers again.
    r.fates.set('m5', 'failed');
    r.sim.clearFaults();
    const report = await r.service().recover();
    expect(report).toMatchObject({ resolved: 1, reversed: 1, open: [] });
    expect(r.sim.captured()).toEqual([]);
  });

  it('no card data reaches the database file, though the pad sends it', async () => {
    const r = await rig();
    r.fates.set('m6', 'active');
    await r.service().pay({ matterKey: 'm6', step: 'fee', amountFen: 4200 });
    const files = fs.readdirSync(r.dir).filter((f) => f.startsWith('kiosk.db'));
    expect(files.length).toBeGreaterThan(0);
    for (const f of files) {
      const bytes = fs.readFileSync(path.join(r.dir, f));
      expect(bytes.includes(Buffer.from('622202'))).toBe(false);
      expect(bytes.includes(Buffer.from('MaskedPan'))).toBe(false);
    }
  });
});
