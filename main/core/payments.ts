/**
 * Payments: the payment pad (drivers/payment-pad) and the payment journal (offline-cache/payments),
 * composed so that a citizen is never charged twice for one matter and no money is kept for a
 * submission that did not happen.
 *
 * Rules (every one holds across a crash at any point, because the journal is written before every
 * request to the pad and updated with every answer):
 *
 * 1. An unknown outcome (timeout after the request, link lost, core killed) is resolved by a status
 *    inquiry before anything else happens: before a new payment for the same matter step, and first
 *    thing in recover().
 * 2. A matter step that has an approved payment is never charged again: pay() answers with that
 *    payment. While an earlier attempt is unresolved, pay() charges nothing and says so.
 * 3. An approved payment whose submission failed (dead letter, never submitted, session abandoned)
 *    is reversed; so is every approved payment beyond the first for one matter step, and an approval
 *    for less than was asked.
 * 4. Every journal row ends final: approved (its submission delivered), declined, or reversed.
 *    What cannot be resolved now (the pad is offline) stays open and is retried by recover().
 *
 * Side effects only through the injected pad and journal; the clock is the journal's.
 */
import type { PaymentPad, StatusOutcome } from '../../drivers/payment-pad/types.js';
import { Lock } from '../../drivers/transport/request-link.js';
import type { PaymentJournal, PaymentRow } from '../../offline-cache/payments.js';

/** What became of a matter's submission, as the core knows it. */
export type SubmissionFate =
  /** The matter is still going (the citizen is at the kiosk, or the session may be resumed). */
  | 'active'
  /** In the outbox, not yet acknowledged by the platform. */
  | 'submitted'
  /** Acknowledged by the platform. */
  | 'delivered'
  /** Dead letter, never submitted, or the session ended without submitting. */
  | 'failed';

export interface PaymentServiceOptions {
  journal: PaymentJournal;
  pad: PaymentPad;
  /** The fate of a matter's submission. */
  submissionFate(matterKey: string): SubmissionFate;
  /** nexo ServiceIDs (1–10 characters, unique). */
  newServiceId(): string;
}

export interface PayInput {
  /** The matter's idempotency key (the submission's, from the moment the matter starts). */
  matterKey: string;
  /** The step of the matter that takes the fee. */
  step: string;
  /** 1 for the first try; the citizen's "try again" after a decline asks for the next. */
  attempt?: number;
  amountFen: number;
}

export type PayResult =
  /** Paid: this payment (possibly an earlier attempt's, never a second charge). */
  | { status: 'paid'; payment: PaymentRow }
  /** Not paid; another attempt may be made (attempt + 1). */
  | { status: 'declined'; payment: PaymentRow; reason: string }
  /** Not known yet (the pad does not answer): nothing more may be charged for this step until it is. */
  | { status: 'unresolved'; payment: PaymentRow; reason: string };

export interface RecoveryReport {
  /** Rows whose outcome a status inquiry settled. */
  resolved: number;
  /** Payments reversed. */
  reversed: number;
  /** Rows still open (the pad did not answer, a payment still in progress, a refused reversal). */
  open: PaymentRow[];
}

type Settled = 'final' | 'open';

export class PaymentService {
  readonly #o: PaymentServiceOptions;
  /** One payment operation at a time: the pad serves one citizen. */
  readonly #lock = new Lock();

  constructor(opts: PaymentServiceOptions) {
    this.#o = opts;
  }

  /** Takes the fee of one matter step: at most one charge, whatever happened before (rule 2). */
  pay(input: PayInput, signal?: AbortSignal): Promise<PayResult> {
    return this.#lock.run(() => this.#pay(input, signal));
  }

  /** Resolves every open row (rule 1), reverses what must be reversed (rule 3). Call at start and periodically. */
  recover(signal?: AbortSignal): Promise<RecoveryReport> {
    return this.#lock.run(() => this.#recover(signal));
  }

  /** After a matter's submission was delivered or failed: reverses its approved payments if it failed. */
  settle(matterKey: string, signal?: AbortSignal): Promise<RecoveryReport> {
    return this.#lock.run(async () => {
      const report: RecoveryReport = { resolved: 0, reversed: 0, open: [] };
      await this.#settleMatter(matterKey, report, signal);
      report.open = this.#o.journal.byMatter(matterKey).filter((r) => this.#isOpen(r));
      return report;
    });
  }

  // ------------------------------------------------------------------ internals

  async #pay(input: PayInput, signal: AbortSignal | undefined): Promise<PayResult> {
    const j = this.#o.journal;
    const attempt = input.attempt ?? 1;
    const sameStep = (): PaymentRow[] => j.byMatter(input.matterKey).filter((r) => r.step === input.step);
    // Rule 1: what is not known about this step is asked first.
    for (const row of sameStep()) if (row.state === 'requested' || row.state === 'unknown') await this.#resolve(row, signal);
    const rows = sameStep();
    // Rule 2: a step is paid once.
    const paid = rows.find((r) => r.state === 'approved' && r.reversalServiceId === undefined);
    if (paid) return { status: 'paid', payment: paid };
    const open = rows.find((r) => r.state === 'requested' || r.state === 'unknown' || (r.state === 'approved' && r.reversalServiceId !== undefined));
    if (open) return { status: 'unresolved', payment: open, reason: `an earlier attempt (${open.idempotencyKey}) is not resolved yet: ${open.reason ?? open.state}` };
    const mine = rows.find((r) => r.attempt === attempt);
    if (mine) return { status: 'declined', payment: mine, reason: mine.state === 'reversed' ? 'this attempt was reversed' : (mine.reason ?? 'declined') };

    const row = j.create({ matterKey: input.matterKey, step: input.step, attempt, amountFen: input.amountFen, serviceId: this.#o.newServiceId() });
    const outcome = await this.#o.pad.pay({ amountFen: row.amountFen, saleTransactionId: row.idempotencyKey, serviceId: row.serviceId }, signal);
    let after: PaymentRow;
    if (outcome.outcome === 'approved') {
      after = j.answer(row.id, { state: 'approved', padReference: outcome.poiTransaction.transactionId, padTime: outcome.poiTransaction.timeStamp, authorizedFen: outcome.authorizedFen });
    } else if (outcome.outcome === 'declined') {
      after = j.answer(row.id, { state: 'declined', reason: outcome.reason, detail: outcome.message });
    } else {
      after = j.answer(row.id, { state: 'unknown', reason: outcome.reason, detail: outcome.message });
      // Rule 1, at once: ask the pad before the citizen is told anything.
      await this.#resolve(after, undefined);
      after = j.get(row.idempotencyKey) ?? after;
    }
    if (after.state === 'approved' && (after.authorizedFen ?? after.amountFen) < after.amountFen) {
      await this.#reverse(after, 'approved for less than the fee', undefined);
      after = j.get(row.idempotencyKey) ?? after;
      return after.state === 'reversed'
        ? { status: 'declined', payment: after, reason: 'partial approval, reversed' }
        : { status: 'unresolved', payment: after, reason: 'partial approval, reversal not confirmed yet' };
    }
    if (after.state === 'approved') return { status: 'paid', payment: after };
    if (after.state === 'declined') return { status: 'declined', payment: after, reason: after.reason ?? 'declined' };
    return { status: 'unresolved', payment: after, reason: after.reason ?? 'no answer from the payment pad' };
  }

  async #recover(signal: AbortSignal | undefined): Promise<RecoveryReport> {
    const j = this.#o.journal;
    const report: RecoveryReport = { resolved: 0, reversed: 0, open: [] };
    // Rule 1 first: every unknown outcome, then every reversal whose outcome is unknown.
    for (const row of j.open()) {
      if (row.state === 'requested' || row.state === 'unknown') {
        if ((await this.#resolve(row, signal)) === 'final') report.resolved++;
      }
    }
    for (const row of j.open()) {
      if (row.state === 'approved' && row.reversalServiceId !== undefined) {
        if ((await this.#resolveReversal(row, signal)) === 'final') report.reversed++;
      }
    }
    // Rule 3 for every matter with an approved payment.
    const matters = new Set(j.all().filter((r) => r.state === 'approved').map((r) => r.matterKey));
    for (const m of matters) await this.#settleMatter(m, report, signal);
    report.open = j.all().filter((r) => this.#isOpen(r));
    return report;
  }

  /** Rule 3 for one matter. */
  async #settleMatter(matterKey: string, report: RecoveryReport, signal: AbortSignal | undefined): Promise<void> {
    const rows = this.#o.journal.byMatter(matterKey).filter((r) => r.state === 'approved' && r.reversalServiceId === undefined);
    if (rows.length === 0) return;
    const fate = this.#o.submissionFate(matterKey);
    const keep = new Set<number>();
    if (fate !== 'failed') {
      // One approved payment per step stands; any other is a second charge.
      const byStep = new Map<string, PaymentRow>();
      for (const r of rows) if (!byStep.has(r.step)) byStep.set(r.step, r);
      for (const r of byStep.values()) keep.add(r.id);
    }
    for (const r of rows) {
      if (keep.has(r.id)) continue;
      const why = fate === 'failed' ? 'the submission failed' : 'a second charge for the same step';
      if ((await this.#reverse(r, why, signal)) === 'final') report.reversed++;
    }
  }

  /** A status inquiry for a requested/unknown row; records what the pad says. */
  async #resolve(row: PaymentRow, signal: AbortSignal | undefined): Promise<Settled> {
    const j = this.#o.journal;
    j.noteInquiry(row.id, `ServiceID ${row.serviceId}`);
    let s: StatusOutcome;
    try {
      s = await this.#o.pad.transactionStatus({ category: 'Payment', serviceId: row.serviceId }, signal);
    } catch (e) {
      j.answer(row.id, { state: 'unknown', reason: row.state === 'requested' ? 'not-confirmed' : (row.reason ?? 'unknown'), detail: `status inquiry failed: ${e instanceof Error ? e.message : String(e)}` });
      return 'open';
    }
    if (s.status === 'in-progress') {
      j.answer(row.id, { state: 'unknown', reason: 'in-progress', detail: 'the pad is still working on it' });
      return 'open';
    }
    if (s.status === 'not-found') {
      // The pad never received it: nothing was charged.
      j.answer(row.id, { state: 'declined', reason: 'not-received', detail: 'status inquiry: the pad has no such payment' });
      return 'final';
    }
    if (!('payment' in s)) {
      j.answer(row.id, { state: 'unknown', reason: 'bad-response', detail: 'status inquiry answered about a reversal' });
      return 'open';
    }
    const p = s.payment;
    if (p.outcome === 'approved') {
      j.answer(row.id, { state: 'approved', padReference: p.poiTransaction.transactionId, padTime: p.poiTransaction.timeStamp, authorizedFen: p.authorizedFen || row.amountFen, detail: 'status inquiry: approved' });
    } else {
      j.answer(row.id, { state: 'declined', reason: p.reason, detail: `status inquiry: ${p.message}` });
    }
    return 'final';
  }

  /** Reverses an approved row (journalled before the request); a reversal already under way is resolved first. */
  async #reverse(row: PaymentRow, why: string, signal: AbortSignal | undefined): Promise<Settled> {
    if (row.reversalServiceId !== undefined) return this.#resolveReversal(row, signal);
    const j = this.#o.journal;
    if (!row.padReference || !row.padTime) {
      j.reversalFailed(row.id, 'approved without a pad reference: reconcile by hand');
      return 'open';
    }
    const sid = this.#o.newServiceId();
    j.beginReversal(row.id, sid);
    const r = await this.#o.pad.reverse({ original: { transactionId: row.padReference, timeStamp: row.padTime }, serviceId: sid, reason: 'MerchantCancel' }, signal);
    return this.#reversalAnswer(row, r.outcome === 'reversed' ? 'reversed' : r.outcome === 'refused' ? { refused: r.errorCondition ?? 'refused' } : 'unknown', why);
  }

  /** A reversal whose outcome is unknown: ask the pad about it; send it again only if the pad never got it. */
  async #resolveReversal(row: PaymentRow, signal: AbortSignal | undefined): Promise<Settled> {
    const sid = row.reversalServiceId;
    if (sid === undefined) return 'final';
    let s: StatusOutcome;
    try {
      s = await this.#o.pad.transactionStatus({ category: 'Reversal', serviceId: sid }, signal);
    } catch {
      return 'open';
    }
    if (s.status === 'in-progress') return 'open';
    if (s.status === 'not-found') {
      // The reversal request never arrived: it may be sent again, with a new ServiceID.
      const cleared = this.#o.journal.reversalFailed(row.id, 'reversal not received by the pad; sending it again');
      return this.#reverse(cleared, 'reversal not received', signal);
    }
    if (!('reversal' in s)) return 'open';
    return this.#reversalAnswer(row, s.reversal.outcome === 'reversed' ? 'reversed' : { refused: s.reversal.errorCondition ?? 'refused' }, 'status inquiry');
  }

  #reversalAnswer(row: PaymentRow, r: 'reversed' | 'unknown' | { refused: string }, why: string): Settled {
    const j = this.#o.journal;
    if (r === 'reversed') {
      j.reversed(row.id, why);
      return 'final';
    }
    if (r === 'unknown') return 'open'; // reversal_service_id stays: recover() asks about it
    // Refused (NotFound, NotAllowed: too late, already settled…): the money stays until a person reconciles it.
    j.reversalFailed(row.id, `reversal refused by the pad (${r.refused}): reconcile by hand`);
    return 'open';
  }

  #isOpen(r: PaymentRow): boolean {
    if (r.state === 'requested' || r.state === 'unknown') return true;
    if (r.state !== 'approved') return false;
    if (r.reversalServiceId !== undefined) return true;
    return this.#o.submissionFate(r.matterKey) === 'failed';
  }
}
