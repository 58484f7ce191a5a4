/**
 * The payment rules under 1,000 random fault sequences: pay → (crash at any point) → recovery.
 *
 * The pad here is a model at the PaymentPad interface with a bank ledger behind it. Each of its
 * faults produces exactly what the real driver produces for the simulator's fault of that name
 * (test/drivers/payment-pad and test/integration/devices/payment-pad.pty.test.ts check that mapping
 * over memory links and real ptys); being in-process and timer-free, it lets 1,000 runs finish in
 * seconds. The journal is the real one, on an in-memory SQLite database with the real migrations.
 *
 * A crash is a kill at any journal write or pad call (before it, or after it took effect): the
 * service is dropped, the session with it, and a new service over the same journal recovers.
 *
 * Checked after every run: no matter step charged twice; every standing charge belongs to exactly one
 * delivered submission, every other charge is reversed; every journal row is final and agrees with
 * the bank.
 */
import Database from 'better-sqlite3';
import { describe, expect } from 'vitest';
import { fc, test } from '@fast-check/vitest';
import { DeviceError, type DeviceStatusSnapshot, type HealthReport } from '../../../drivers/device.js';
import type { PaymentInput, PaymentOutcome, PaymentPad, ReversalInput, ReversalOutcome, StatusOutcome } from '../../../drivers/payment-pad/types.js';
import { migrate } from '../../../offline-cache/database.js';
import { PaymentJournal, type PaymentRow } from '../../../offline-cache/payments.js';
import { PaymentService, type SubmissionFate } from '../../../main/core/payments.js';

/** Faults of one pad call, named as the simulator's (PadFaults) plus the ones of the link itself. */
const PAY_FAULTS = ['none', 'garbage', 'decline', 'cardRemoved', 'timeoutAfterDebit', 'lostReply', 'nakStorm', 'unplugBeforeDebit', 'unplugAfterDebit', 'notConnected'] as const;
const STATUS_FAULTS = ['none', 'noAnswer', 'inProgress'] as const;
const REVERSAL_FAULTS = ['none', 'lostReply', 'notReceived', 'busy'] as const;
type PayFault = (typeof PAY_FAULTS)[number];
type StatusFault = (typeof STATUS_FAULTS)[number];
type ReversalFault = (typeof REVERSAL_FAULTS)[number];

class Crash extends Error {
  override readonly name = 'Crash';
}

interface Charge {
  ref: string;
  saleTransactionId: string;
  amountFen: number;
  reversed: boolean;
}

/** The points where the kiosk can be killed: numbered as they are reached; one of them is fatal. */
class Killer {
  #n = 0;
  constructor(private readonly at: number | undefined) {}
  point(): void {
    if (this.at !== undefined && this.#n++ === this.at) throw new Crash(`killed at point ${this.at}`);
  }
  get reached(): number {
    return this.#n;
  }
}

/** A pad with a bank behind it; faults are taken one per call from queues, then none. */
class ModelPad implements PaymentPad {
  readonly kind = 'payment' as const;
  readonly id = 'model-pad';
  readonly poiId = 'SIM-MODEL';
  readonly charges: Charge[] = [];
  /** What the pad remembers per ServiceID (for status inquiries). */
  readonly #answers = new Map<string, { payment?: Extract<PaymentOutcome, { outcome: 'approved' | 'declined' }>; reversal?: 'reversed' }>();
  #seq = 0;
  killer = new Killer(undefined);

  constructor(
    public payFaults: PayFault[],
    public statusFaults: StatusFault[],
    public reversalFaults: ReversalFault[],
  ) {}

  async pay(input: PaymentInput): Promise<PaymentOutcome> {
    this.killer.point(); // killed before anything was sent
    const fault = this.payFaults.shift() ?? 'none';
    const out = this.#pay(input, fault);
    this.killer.point(); // killed after the pad did it, before the kiosk read the answer
    return out;
  }

  #pay(input: PaymentInput, fault: PayFault): PaymentOutcome {
    if (fault === 'notConnected') return { outcome: 'declined', reason: 'not-sent', message: 'not connected' };
    if (fault === 'nakStorm') return { outcome: 'unknown', reason: 'refused-by-link', message: 'NAK storm' };
    if (fault === 'unplugBeforeDebit') return { outcome: 'unknown', reason: 'link-lost', message: 'unplugged' };
    if (fault === 'decline' || fault === 'cardRemoved') {
      const d = { outcome: 'declined' as const, reason: fault === 'decline' ? ('refused' as const) : ('canceled' as const), message: fault };
      this.#answers.set(input.serviceId, { payment: d });
      return d;
    }
    const ref = `SIM-${++this.#seq}`;
    this.charges.push({ ref, saleTransactionId: input.saleTransactionId, amountFen: input.amountFen, reversed: false });
    const approved = { outcome: 'approved' as const, poiTransaction: { transactionId: ref, timeStamp: `t${this.#seq}` }, authorizedFen: input.amountFen };
    this.#answers.set(input.serviceId, { payment: approved });
    if (fault === 'timeoutAfterDebit') return { outcome: 'unknown', reason: 'no-response', message: 'no answer' };
    if (fault === 'lostReply') return { outcome: 'unknown', reason: 'no-response', message: 'answer lost' };
    if (fault === 'unplugAfterDebit') return { outcome: 'unknown', reason: 'link-lost', message: 'unplugged' };
    return approved;
  }

  async transactionStatus(ref: { category: 'Payment' | 'Reversal'; serviceId: string }): Promise<StatusOutcome> {
    this.killer.point();
    const fault = this.statusFaults.shift() ?? 'none';
    if (fault === 'noAnswer') throw new DeviceError('payment', 'timeout', 'status inquiry: no answer', 'retry', 'no-response');
    if (fault === 'inProgress') return { status: 'in-progress' };
    const a = this.#answers.get(ref.serviceId);
    if (ref.category === 'Payment') return a?.payment ? { status: 'found', payment: a.payment } : { status: 'not-found' };
    return a?.reversal ? { status: 'found', reversal: { outcome: 'reversed' } } : { status: 'not-found' };
  }

  async reverse(input: ReversalInput): Promise<ReversalOutcome> {
    this.killer.point();
    const fault = this.reversalFaults.shift() ?? 'none';
    let out: ReversalOutcome;
    if (fault === 'notReceived') out = { outcome: 'unknown', reason: 'no-ack', message: 'not acknowledged' };
    else if (fault === 'busy') out = { outcome: 'refused', errorCondition: 'Busy', message: 'busy' };
    else {
      const c = this.charges.find((x) => x.ref === input.original.transactionId);
      if (!c) out = { outcome: 'refused', errorCondition: 'NotFound', message: 'no such transaction' };
      else if (c.reversed) out = { outcome: 'refused', errorCondition: 'NotAllowed', message: 'already reversed' };
      else {
        c.reversed = true;
        this.#answers.set(input.serviceId, { reversal: 'reversed' });
        out = fault === 'lostReply' ? { outcome: 'unknown', reason: 'no-response', message: 'answer lost' } : { outcome: 'reversed', reversedFen: c.amountFen };
      }
    }
    this.killer.point();
    return out;
  }

  // Device (unused by the service)
  status(): DeviceStatusSnapshot {
    return { id: this.id, kind: 'payment', state: 'online', info: { kind: 'payment', transport: 'memory' }, counters: {}, warnings: [], since: 0 };
  }
  onStatus(): () => void {
    return () => undefined;
  }
  start(): void {}
  async close(): Promise<void> {}
  async checkHealth(level: 'internal' | 'external' | 'interactive'): Promise<HealthReport> {
    return { level, ok: true, text: 'model', checkedAt: 0 };
  }
}

/** Kills the kiosk at journal writes too (before the write, or after it committed). */
function killableJournal(j: PaymentJournal, killer: () => Killer): PaymentJournal {
  const writes = new Set(['create', 'answer', 'noteInquiry', 'beginReversal', 'reversed', 'reversalFailed']);
  return new Proxy(j, {
    get(target, prop, receiver) {
      const v = Reflect.get(target, prop, receiver) as unknown;
      if (typeof v !== 'function') return v;
      if (!writes.has(String(prop))) return (v as (...a: unknown[]) => unknown).bind(target);
      return (...args: unknown[]) => {
        killer().point();
        const r = (v as (...a: unknown[]) => unknown).apply(target, args);
        killer().point();
        return r;
      };
    },
  });
}

interface MatterPlan {
  amountFen: number;
  /** How many times the citizen tries after a decline (0–2). */
  retries: number;
  /** What the platform does with the submission once it is in the outbox. */
  delivered: boolean;
  /** After a crash, the session is resumed from its saved state (xstate restarts the payment actor). */
  resume: boolean;
}

interface Run {
  matters: MatterPlan[];
  payFaults: PayFault[];
  statusFaults: StatusFault[];
  reversalFaults: ReversalFault[];
  /** Index of the kill point, or null: no crash. */
  crashAt: number | null;
  /** Faults still active for the pad during recovery (the first recovery calls). */
  recoveryFaults: { pay: PayFault[]; status: StatusFault[]; reversal: ReversalFault[] };
}

const runArb: fc.Arbitrary<Run> = fc.record({
  matters: fc.array(fc.record({ amountFen: fc.integer({ min: 1, max: 50_000 }), retries: fc.integer({ min: 0, max: 2 }), delivered: fc.boolean(), resume: fc.boolean() }), { minLength: 1, maxLength: 3 }),
  payFaults: fc.array(fc.constantFrom(...PAY_FAULTS), { maxLength: 8 }),
  statusFaults: fc.array(fc.constantFrom(...STATUS_FAULTS), { maxLength: 6 }),
  reversalFaults: fc.array(fc.constantFrom(...REVERSAL_FAULTS), { maxLength: 4 }),
  crashAt: fc.option(fc.nat({ max: 60 }), { nil: null }),
  recoveryFaults: fc.record({
    pay: fc.array(fc.constantFrom(...PAY_FAULTS), { maxLength: 2 }),
    status: fc.array(fc.constantFrom(...STATUS_FAULTS), { maxLength: 4 }),
    reversal: fc.array(fc.constantFrom(...REVERSAL_FAULTS), { maxLength: 3 }),
  }),
});

let serial = 0;
const newServiceId = (): string => (++serial).toString(36).padStart(10, '0').slice(-10);

/**
 * One citizen session per matter: pay (with a new attempt after a decline or an unresolved outcome,
 * as a citizen pressing "try again" would), then submit if paid. `from` resumes a saved session at
 * the attempt it was in (the payment actor is invoked again with the same input).
 */
async function session(service: PaymentService, key: string, plan: MatterPlan, fates: Map<string, SubmissionFate>, at: Map<string, number>, from = 1): Promise<void> {
  fates.set(key, 'active');
  for (let attempt = from; attempt <= 1 + plan.retries; attempt++) {
    at.set(key, attempt);
    const r = await service.pay({ matterKey: key, step: 'fee', attempt, amountFen: plan.amountFen });
    if (r.status === 'paid') {
      // Submit: the outbox has it; the platform will deliver it or dead-letter it.
      fates.set(key, plan.delivered ? 'delivered' : 'failed');
      await service.settle(key);
      return;
    }
  }
  fates.set(key, 'failed'); // never submitted
  await service.settle(key);
}

async function execute(run: Run): Promise<{ pad: ModelPad; rows: PaymentRow[]; fates: Map<string, SubmissionFate> }> {
  const db = new Database(':memory:');
  migrate(db, ':memory:');
  const journal = new PaymentJournal(db);
  const pad = new ModelPad([...run.payFaults], [...run.statusFaults], [...run.reversalFaults]);
  const fates = new Map<string, SubmissionFate>();
  const at = new Map<string, number>();
  let killer = new Killer(run.crashAt ?? undefined);
  pad.killer = killer;
  const fateOf = (m: string): SubmissionFate => fates.get(m) ?? 'failed';
  const service = new PaymentService({ journal: killableJournal(journal, () => killer), pad, submissionFate: fateOf, newServiceId });
  const keys = run.matters.map((_, i) => `M${i}`);
  let crashed = false;
  try {
    for (let i = 0; i < run.matters.length; i++) await session(service, keys[i] as string, run.matters[i] as MatterPlan, fates, at);
  } catch (e) {
    if (!(e instanceof Crash)) throw e;
    crashed = true;
  }
  // Restart: a new service over the same journal; the pad still has a few faults left.
  killer = new Killer(undefined);
  pad.killer = killer;
  pad.payFaults = [...run.recoveryFaults.pay];
  pad.statusFaults = [...run.recoveryFaults.status];
  pad.reversalFaults = [...run.recoveryFaults.reversal];
  const restarted = new PaymentService({ journal, pad, submissionFate: fateOf, newServiceId });
  if (crashed) {
    // The core restarts: recovery first; then a saved session resumes where it was, any other is over.
    const interrupted = keys.filter((k) => fates.get(k) === 'active');
    for (const k of interrupted) fates.set(k, 'failed');
    await restarted.recover();
    for (const k of interrupted) {
      const plan = run.matters[keys.indexOf(k)] as MatterPlan;
      if (plan.resume) await session(restarted, k, plan, fates, at, at.get(k) ?? 1);
    }
  }
  let open = Infinity;
  for (let round = 0; round < 12 && open > 0; round++) open = (await restarted.recover()).open.length;
  expect(open, 'recovery converges once the pad answers').toBe(0);
  const rows = journal.all();
  db.close();
  return { pad, rows, fates };
}

describe('payments: pay → crash at any point → recovery', () => {
  test.prop([runArb], { numRuns: 1000 })('no double charge; every charge delivered or reversed; every row final', async (run) => {
    const { pad, rows, fates } = await execute(run);

    // 0 double charges: per matter step, at most one standing charge.
    const standing = pad.charges.filter((c) => !c.reversed);
    const perMatter = new Map<string, number>();
    for (const c of standing) {
      const matter = c.saleTransactionId.split('/')[0] as string;
      perMatter.set(matter, (perMatter.get(matter) ?? 0) + 1);
    }
    for (const [, n] of perMatter) expect(n).toBeLessThanOrEqual(1);

    // Every standing charge belongs to exactly one delivered submission; every other charge is reversed.
    for (const c of standing) expect(fates.get(c.saleTransactionId.split('/')[0] as string)).toBe('delivered');
    for (const [matter, fate] of fates) if (fate === 'delivered') expect(perMatter.get(matter)).toBe(1);

    // Every journal row is final and agrees with the bank.
    for (const r of rows) {
      expect(['approved', 'declined', 'reversed']).toContain(r.state);
      if (r.state === 'approved') expect(r.reversalServiceId, 'no reversal left under way').toBeUndefined();
      const charge = r.padReference !== undefined ? pad.charges.find((c) => c.ref === r.padReference) : undefined;
      if (r.state === 'approved') {
        expect(charge?.reversed).toBe(false);
        expect(fates.get(r.matterKey)).toBe('delivered');
      }
      if (r.state === 'reversed') expect(charge?.reversed).toBe(true);
    }
    for (const c of pad.charges) {
      const row = rows.find((r) => r.padReference === c.ref);
      expect(row, `charge ${c.ref} is in the journal`).toBeDefined();
      expect(row?.state).toBe(c.reversed ? 'reversed' : 'approved');
    }
  });
});
