/**
 * Delivery: moves submissions from the durable outbox to the provincial platform.
 *
 * For each claimed entry: upload every attachment (PUT by SHA-256, idempotent), then submit the
 * case with the entry's idempotency key (the same key on every attempt, so the platform files it
 * once however often we retry). Then, in one outbox transaction:
 *   ok        -> ack with the platform's case number (sealed payload purged);
 *   retryable -> back to pending at now + backoffDelay(attempt) (capped exponential, full jitter,
 *                never sooner than Retry-After); retried forever;
 *   permanent -> dead letter with the reason (a technician sees it; nothing expires silently).
 * A crash between the platform's reply and our ack leaves the entry in_flight; the next start
 * recovers it to pending and the retry is absorbed by the idempotency key: at-least-once from
 * here, exactly-once at the platform.
 *
 * A window of `concurrency` entries in flight (1-8): as soon as one finishes, the next due entry is
 * claimed, so a slow reply never holds up the others (no lock-step rounds). An entry that depends on
 * another being acked first (a rating on its case) waits for it with `whenSettled(key)` when both are
 * in the window.
 *
 * What is fsynced, and why no more: the submission itself was committed durably (synchronous=FULL) by
 * enqueue. Claims and outcomes are committed at synchronous=NORMAL — atomic, ordered, visible at once
 * and surviving a killed process, but not fsynced one by one: a power cut can only lose the newest of
 * them, and a lost claim is an entry still pending, a lost ack a redelivery the platform answers from
 * its idempotency record (the same case number), a lost retry time an earlier retry. The journal's
 * delivery-acknowledged / dead-lettered lines are written at once and fdatasynced together (`syncMs`,
 * and at once whenever the window empties, and on stop); that sync's anchor commit also fsyncs the WAL,
 * making the outcomes before it durable.
 *
 * One loop, woken by notify() after an enqueue, stopped by its AbortSignal. Clock, random source and
 * sleep are injectable, so retry timing is tested on a simulated clock.
 */
import { z } from 'zod';
import type { AttachmentStore, ClaimedEntry, EnqueueResult, Journal, JournalEntry, Outbox, OutboxEntry, OutboxStats, SettleOutcome } from '../../offline-cache/index.js';
import { StorageError, isStorageError } from '../../offline-cache/index.js';
import { backoffDelay, delay } from '../../drivers/device.js';
import { caseSubmissionSizeFromFields, problemOf } from '../platform/client.js';
import type { AttachmentUpload, Outcome, PlatformProblem } from '../platform/client.js';
import type { CaseReceipt, CaseSubmission, Rating, RatingReceipt } from '../platform/schemas.js';
import { ACCEPTANCE_NUMBER_MAX, CaseSubmission as CaseSubmissionSchema, REQUEST_LIMITS, Rating as RatingSchema } from '../platform/schemas.js';

/** The outbox kind of a case submission. */
export const CASE_KIND = 'case-submission';

/**
 * The outbox kind of a 好差评 rating: its own entry, referencing its case by the case's idempotency key,
 * delivered only after the case (under the platform's case number). One per case: its key is derived.
 */
export const RATING_KIND = 'case-rating';

/** The rating's idempotency key: one rating per case. */
export function ratingKey(caseKey: string): string {
  return `${caseKey}:rating`;
}

/** What a rating stores, sealed, in the outbox. */
export const StoredRating = z.strictObject({
  caseKey: z.string().min(1).max(200),
  rating: RatingSchema,
  /** When the citizen rated (ISO). */
  ratedAt: z.iso.datetime({ offset: true }),
});
export type StoredRating = z.infer<typeof StoredRating>;

/** A rating waiting for its case polls the local outbox only: a short cap, so it follows its case soon. */
const WAITING_CAP_MS = 30_000;

/** What a submission stores, sealed, in the outbox (the attachments are the entry's attachment refs). */
export const StoredSubmission = CaseSubmissionSchema.omit({ attachments: true, localAcceptanceNumber: true, test: true });
export type StoredSubmission = z.infer<typeof StoredSubmission>;

/** The part of PlatformClient delivery uses (tests pass fakes). */
export interface DeliveryClient {
  putAttachment(sha256: string, bytes: Uint8Array, signal: AbortSignal): Promise<Outcome<AttachmentUpload>>;
  submitCase(idempotencyKey: string, body: CaseSubmission, signal: AbortSignal): Promise<Outcome<CaseReceipt>>;
  submitRating(caseNumber: string, rating: Rating, signal: AbortSignal): Promise<Outcome<RatingReceipt>>;
}

export type DeliveryResult =
  | { kind: 'acked'; caseNumber: string; replayed: boolean }
  | { kind: 'retry'; reason: string; delayMs: number; reachable: boolean; problem: PlatformProblem | null }
  | { kind: 'dead'; reason: string }
  /** A rating whose case is not delivered yet: tried again later; says nothing about the platform. */
  | { kind: 'waiting'; reason: string; delayMs: number }
  /**
   * Kept pending because of a LOCAL problem the platform has nothing to do with: the sealing key does not
   * open the entry (missing or replaced key file). Never a dead letter; the core goes out of service.
   */
  | { kind: 'held'; problem: 'key'; reason: string; delayMs: number };

export interface DeliveryEvent {
  entry: ClaimedEntry;
  result: DeliveryResult;
}

export interface DeliveryLog {
  info(obj: object, msg: string): void;
  warn(obj: object, msg: string): void;
}

export interface DeliveryOptions {
  outbox: Outbox;
  attachments: AttachmentStore;
  client: DeliveryClient;
  terminalId: string;
  backoff?: { baseMs: number; capMs: number };
  /** Entries in flight at once: the window, refilled as each one finishes (1-8; the kiosk uses 2). */
  concurrency?: number;
  /**
   * Longest time the journal lines of finished deliveries wait for their fdatasync while deliveries keep
   * coming (default 200 ms); they are synced at once whenever the window empties.
   */
  syncMs?: number;
  /**
   * The loop claims up to this many due entries in one transaction and starts them as places in the window
   * free (default 8; never fewer than the window). Entries it never started go back to pending on stop.
   */
  claimAhead?: number;
  /**
   * Longest time the outcome of a finished attempt waits for the group commit while other attempts are in
   * flight (default 50 ms); committed at once when nothing else is.
   */
  flushMs?: number;
  /** How long the loop sleeps when nothing is due (it is also woken by notify()). */
  idleMs?: number;
  clock?: () => number;
  random?: () => number;
  /** Resolves after ms, or rejects with signal.reason when it aborts. */
  sleep?: (ms: number, signal: AbortSignal) => Promise<void>;
  log?: DeliveryLog;
  /** Journal for delivery-acknowledged and dead-lettered records (offline-cache/journal.ts). */
  journal?: Journal | null;
  /** How long an entry the key cannot open waits before it is tried again (default 60 s). */
  heldDelayMs?: number;
}

export class DeliveryError extends Error {
  override readonly name = 'DeliveryError';
}

/** Digits of sequence a kiosk's acceptance numbers are sized for (the outbox row id: up to 9,999,999 submissions). */
const SEQUENCE_DIGITS_SIZED = 7;
/**
 * The longest terminal id: its acceptance numbers (id, "-", the date's 8 digits, "-", the sequence) then always fit
 * the platform's localAcceptanceNumber and the receipt's field (ACCEPTANCE_NUMBER_MAX, 64): 64 − 10 − 7 = 47.
 */
export const TERMINAL_ID_MAX = ACCEPTANCE_NUMBER_MAX - 10 - SEQUENCE_DIGITS_SIZED;
/** A terminal id (the profile's terminalId, kioskctl's --terminal): letters, digits, dot, dash, underscore. */
export const TERMINAL_ID = new RegExp(`^[A-Za-z0-9][A-Za-z0-9._-]{0,${TERMINAL_ID_MAX - 1}}$`);
export const TERMINAL_ID_RULE = `letters, digits, dot, dash or underscore, at most ${TERMINAL_ID_MAX} (its acceptance numbers must fit the platform's ${ACCEPTANCE_NUMBER_MAX})`;

/** What an acceptance number looks like (any kiosk's): the terminal id, the China date, at least six digits of sequence. */
export const ACCEPTANCE_NUMBER = /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}-\d{8}-\d{6,}$/;

/** Kiosk acceptance number: terminalId-YYYYMMDD-seq, date in China Standard Time, seq = the outbox row id. */
export function acceptanceNumber(terminalId: string, entry: Pick<OutboxEntry, 'id' | 'enqueuedAt'>): string {
  const d = new Date(entry.enqueuedAt + 8 * 3600_000);
  const ymd = `${d.getUTCFullYear()}${String(d.getUTCMonth() + 1).padStart(2, '0')}${String(d.getUTCDate()).padStart(2, '0')}`;
  return `${terminalId}-${ymd}-${String(entry.id).padStart(6, '0')}`;
}

function describeFailure(o: Exclude<Outcome<unknown>, { kind: 'ok' }>): string {
  if (o.kind === 'permanent') return `${o.status} ${o.code}`;
  if (o.reason === 'not-platform') return `platform unreachable or misrouted (HTTP ${o.status ?? '?'} not from the platform)`;
  return [o.reason, o.status, o.code].filter((x) => x !== undefined).join(' ');
}

/**
 * Network-level failures (and 5xx) say the platform is unreachable; so does a reply that is not the platform's
 * (a proxy's or captive portal's page); a 4xx or 409/429 from the platform says it answered.
 */
function reachable(o: Exclude<Outcome<unknown>, { kind: 'ok' }>): boolean {
  if (o.kind === 'permanent') return true;
  if (o.reason === 'network' || o.reason === 'timeout' || o.reason === 'not-platform') return false;
  return o.status !== undefined && o.status < 500;
}

/** A dead-letter reason as the journal accepts it (printable ASCII, at most 200). */
function journalReason(reason: string): string {
  const r = reason.replace(/[^\x20-\x7e]/g, '?').slice(0, 200).trim();
  return r.length > 0 ? r : 'unknown';
}

/** The drivers' abortable sleep (rejects with the signal's reason): one implementation for the whole program. */
export const defaultSleep: (ms: number, signal: AbortSignal) => Promise<void> = delay;

export class Delivery {
  readonly #o: Required<Omit<DeliveryOptions, 'log' | 'journal'>> & Pick<DeliveryOptions, 'log' | 'journal'>;
  readonly #listeners = new Set<(e: DeliveryEvent) => void>();
  /** Attempts running now, by idempotency key; each resolves when its attempt has finished (its place is free). */
  readonly #window = new Map<string, Promise<void>>();
  /** Every entry from its start until its outcome is committed, by idempotency key (whenSettled). */
  readonly #settling = new Map<string, { promise: Promise<void>; hurry: () => void }>();
  /** Entries claimed ahead, waiting for a place in the window (in due order). */
  readonly #ready: ClaimedEntry[] = [];
  /**
   * The next entries of #ready opened (unsealed, validated) while the window waits on the platform, so that the
   * place a reply frees is refilled without that work in between (docs/performance.md, "Delivery"). At most
   * `concurrency` of them; dropped when their entry is released.
   */
  readonly #opened = new Map<ClaimedEntry, OpenedCase>();
  #openSoon: ReturnType<typeof setImmediate> | null = null;
  /** Finished attempts whose outcomes wait for the next group commit. */
  readonly #unflushed: Finished[] = [];
  #flushTimer: ReturnType<typeof setTimeout> | null = null;
  #flushSoon = false;
  #wake: (() => void) | null = null;
  #woken = false;
  #running: Promise<void> | null = null;
  #abort: AbortController | null = null;
  #syncTimer: ReturnType<typeof setTimeout> | null = null;

  constructor(opts: DeliveryOptions) {
    const concurrency = opts.concurrency ?? 2;
    if (!Number.isInteger(concurrency) || concurrency < 1 || concurrency > 8) throw new DeliveryError('concurrency must be 1-8');
    this.#o = {
      backoff: { baseMs: 1000, capMs: 300_000 },
      idleMs: 1000,
      syncMs: 200,
      flushMs: 50,
      claimAhead: 8,
      clock: Date.now,
      random: Math.random,
      sleep: defaultSleep,
      heldDelayMs: 60_000,
      ...opts,
      concurrency,
    };
  }

  /** After every delivery attempt, once its outcome is committed (the core publishes reachability and queue depth from it). */
  onResult(listener: (e: DeliveryEvent) => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  /** Wake the loop (after an enqueue, or when the platform comes back). */
  notify(): void {
    this.#woken = true;
    this.#wake?.();
  }

  stats(): OutboxStats {
    return this.#o.outbox.stats(this.#o.clock());
  }

  /** Entries being attempted now. */
  get inWindow(): number {
    return this.#window.size;
  }

  /**
   * Resolves when the entry with this idempotency key, if this loop has it (attempting, or its outcome waiting
   * for the group commit), has its outcome committed — at once when it has not. For an entry that must follow
   * another: await it, then read the other's state from the outbox. Asking hurries that commit.
   */
  whenSettled(idempotencyKey: string): Promise<void> {
    const s = this.#settling.get(idempotencyKey);
    if (s === undefined) return Promise.resolve();
    s.hurry();
    return s.promise;
  }

  /** Deliver one claimed entry and record the outcome in the outbox (committed before this resolves). */
  async deliverOne(entry: ClaimedEntry, signal: AbortSignal): Promise<DeliveryResult> {
    const f = await this.#attemptSafely(entry, signal);
    this.#unflushed.push(f);
    this.flush();
    if ('error' in f.outcome) throw f.outcome.error;
    return f.outcome.result;
  }

  /** The attempt, never rejecting: a thrown attempt (stopping, a local storage problem) is an outcome too. */
  async #attemptSafely(entry: ClaimedEntry, signal: AbortSignal, done?: () => void): Promise<Finished> {
    try {
      return { entry, outcome: { result: await this.#attempt(entry, signal) }, ...(done ? { done } : {}) };
    } catch (e) {
      return { entry, outcome: { error: e, interrupted: signal.aborted }, ...(done ? { done } : {}) };
    }
  }

  /**
   * The group commit: every finished attempt's outcome in ONE outbox transaction (synchronous=NORMAL, see the
   * module comment), then their journal lines with one write, then the listeners. Called by the loop itself:
   * at once when nothing else is in flight, otherwise within `flushMs`.
   */
  flush(): void {
    if (this.#flushTimer !== null) clearTimeout(this.#flushTimer);
    this.#flushTimer = null;
    this.#flushSoon = false;
    const batch = this.#unflushed.splice(0);
    if (batch.length === 0) return;
    const now = this.#o.clock();
    const outcomes: SettleOutcome[] = batch.map(({ entry, outcome }) => {
      if ('error' in outcome) {
        // Back to pending, due now; nothing is lost (a crash before this commit is recoverInFlight's at the next start).
        return { id: entry.id, fail: { retryable: true, reason: outcome.interrupted ? 'interrupted' : 'local-error', nextAttemptAt: now } };
      }
      const r = outcome.result;
      if (r.kind === 'acked') return { id: entry.id, ack: { platformCaseNumber: r.caseNumber, ackedAt: now } };
      if (r.kind === 'dead') return { id: entry.id, fail: { retryable: false, reason: r.reason } };
      return { id: entry.id, fail: { retryable: true, reason: r.reason, nextAttemptAt: now + r.delayMs } };
    });
    let errors = new Map<number, Error>();
    try {
      errors = this.#o.outbox.settle(outcomes, { durable: false }).errors;
    } catch (e) {
      // Nothing of the batch committed: left in_flight, recovered at the next start (and absorbed by the keys).
      for (const f of batch) errors.set(f.entry.id, e instanceof Error ? e : new Error(String(e)));
      this.#o.log?.warn({ entries: batch.length, err: e instanceof Error ? e.message : String(e) }, 'delivery outcomes could not be recorded');
    }
    const lines: JournalEntry[] = [];
    for (const { entry, outcome } of batch) {
      if ('error' in outcome || errors.has(entry.id)) continue;
      const line = this.#journalLine(entry, outcome.result);
      if (line !== null) lines.push(line);
    }
    this.#journal(lines);
    for (const f of batch) {
      const { entry, outcome } = f;
      if ('error' in outcome) {
        if (!outcome.interrupted) this.#o.log?.warn({ id: entry.id, err: outcome.error instanceof Error ? outcome.error.message : String(outcome.error) }, 'delivery attempt failed locally');
      } else if (!errors.has(entry.id)) {
        const result = outcome.result;
        for (const l of this.#listeners) l({ entry, result });
        if (result.kind === 'dead') this.#o.log?.warn({ id: entry.id, key: entry.idempotencyKey, reason: result.reason }, 'submission moved to dead letters');
        if (result.kind === 'held') this.#o.log?.warn({ id: entry.id, key: entry.idempotencyKey, reason: result.reason }, 'submission kept pending: the sealing key does not open it');
      }
      f.done?.();
    }
  }

  /** Commit the finished outcomes at once when nothing else is in flight, else within flushMs (or at 32 waiting). */
  #scheduleFlush(): void {
    if (this.#unflushed.length === 0) return;
    if (this.#unflushed.length >= 32) {
      this.flush();
      return;
    }
    if (this.#window.size === 0 && this.#ready.length === 0) {
      // Idle now (the citizen who just submitted may be waiting for the case number).
      this.#flushNextTurn();
      return;
    }
    if (this.#flushTimer === null) {
      this.#flushTimer = setTimeout(() => this.flush(), this.#o.flushMs);
      this.#flushTimer.unref();
    }
  }

  /** Commit in the next turn of the event loop: this turn's other completions join. */
  #flushNextTurn(): void {
    if (this.#flushSoon) return;
    this.#flushSoon = true;
    setImmediate(() => {
      if (this.#flushSoon) this.flush();
    });
  }

  /** The journal line of an outcome (delivery-acknowledged / dead-lettered), or null. */
  #journalLine(entry: ClaimedEntry, result: DeliveryResult): JournalEntry | null {
    const number = acceptanceNumber(this.#o.terminalId, entry);
    if (result.kind === 'acked') return { type: 'delivery-acknowledged', acceptanceNumber: number, key: entry.idempotencyKey, caseNumber: result.caseNumber };
    if (result.kind === 'dead') return { type: 'dead-lettered', acceptanceNumber: number, key: entry.idempotencyKey, reason: journalReason(result.reason) };
    return null;
  }

  /** Journal lines written now (one write), synced with the next sync; a journal failure never undoes the outbox change. */
  #journal(lines: JournalEntry[]): void {
    const journal = this.#o.journal;
    if (!journal || lines.length === 0) return;
    try {
      journal.appendMany(lines, { sync: false });
      this.#syncSoon();
    } catch (e) {
      this.#o.log?.warn({ records: lines.length, err: e instanceof Error ? e.message : String(e) }, 'journal records of deliveries could not be written');
    }
  }

  #syncSoon(): void {
    if (this.#syncTimer !== null) return;
    this.#syncTimer = setTimeout(() => this.syncJournal(), this.#o.syncMs);
    this.#syncTimer.unref();
  }

  /** Makes the journal lines of finished deliveries durable now (one fdatasync). Called by the loop itself. */
  syncJournal(): void {
    if (this.#syncTimer !== null) clearTimeout(this.#syncTimer);
    this.#syncTimer = null;
    try {
      this.#o.journal?.sync();
    } catch (e) {
      this.#o.log?.warn({ err: e instanceof Error ? e.message : String(e) }, 'journal sync failed (the lines are written; synced again with the next record)');
    }
  }

  async #attempt(entry: ClaimedEntry, signal: AbortSignal): Promise<DeliveryResult> {
    const { attachments, client } = this.#o;
    const retry = (o: Extract<Outcome<unknown>, { kind: 'retryable' }>): DeliveryResult => ({
      kind: 'retry',
      reason: describeFailure(o),
      delayMs: backoffDelay(Math.max(0, entry.attempts - 1), { ...this.#o.backoff, random: this.#o.random }, o.retryAfterMs),
      reachable: reachable(o),
      problem: problemOf(o),
    });
    if (entry.kind === RATING_KIND) return this.#attemptRating(entry, signal, retry);
    if (entry.kind !== CASE_KIND) return { kind: 'dead', reason: `unknown kind ${entry.kind.slice(0, 50)}` };
    let opened = this.#opened.get(entry);
    if (opened !== undefined) this.#opened.delete(entry);
    else {
      const o = this.#openCase(entry);
      if ('kind' in o) return o;
      opened = o;
    }
    const { stored, shas } = opened;
    for (const sha of shas) {
      let bytes: Uint8Array;
      try {
        bytes = attachments.get(sha);
      } catch (e) {
        if (isStorageError(e, 'sealing')) return { kind: 'held', problem: 'key', reason: `sealing key does not open attachment ${sha.slice(0, 12)}`, delayMs: this.#o.heldDelayMs };
        if (isStorageError(e)) return { kind: 'dead', reason: `attachment ${sha.slice(0, 12)} unreadable (${e.code})` };
        throw e;
      }
      const up = await client.putAttachment(sha, bytes, signal);
      if (up.kind === 'retryable') return retry(up);
      if (up.kind === 'permanent') return { kind: 'dead', reason: `attachment: ${describeFailure(up)}` };
    }
    const body: CaseSubmission = {
      ...stored,
      attachments: shas,
      localAcceptanceNumber: acceptanceNumber(this.#o.terminalId, entry),
      ...(entry.test ? { test: true } : {}),
    };
    const out = await client.submitCase(entry.idempotencyKey, body, signal);
    if (out.kind === 'ok') return { kind: 'acked', caseNumber: out.value.caseNumber, replayed: out.replayed === true };
    if (out.kind === 'retryable') return retry(out);
    return { kind: 'dead', reason: describeFailure(out) };
  }

  /** Opens a case entry's stored submission: the submission and its attachments, or the outcome when it cannot. */
  #openCase(entry: ClaimedEntry): OpenedCase | DeliveryResult {
    const { outbox } = this.#o;
    try {
      const parsed = StoredSubmission.safeParse(outbox.payloadOf(entry.id));
      if (!parsed.success) return { kind: 'dead', reason: 'stored payload fails the submission schema' };
      return { stored: parsed.data, shas: outbox.attachmentsOf(entry.id) };
    } catch (e) {
      // The key does not open it: the data is intact, the key is not — keep it pending (issue 8 item 1).
      if (isStorageError(e, 'sealing')) return { kind: 'held', problem: 'key', reason: 'sealing key does not open the payload', delayMs: this.#o.heldDelayMs };
      if (isStorageError(e, 'corrupt')) return { kind: 'dead', reason: `cannot open the stored payload (${e.code})` };
      throw e;
    }
  }

  /**
   * A rating: after its case, under the platform's case number. When its case is in this loop's window (claimed
   * with it, or just before), it waits for the case's outcome instead of coming back later.
   */
  async #attemptRating(entry: ClaimedEntry, signal: AbortSignal, retry: (o: Extract<Outcome<unknown>, { kind: 'retryable' }>) => DeliveryResult): Promise<DeliveryResult> {
    const { outbox, client } = this.#o;
    let stored: StoredRating;
    try {
      const parsed = StoredRating.safeParse(outbox.payloadOf(entry.id));
      if (!parsed.success) return { kind: 'dead', reason: 'stored payload fails the rating schema' };
      stored = parsed.data;
    } catch (e) {
      if (isStorageError(e, 'sealing')) return { kind: 'held', problem: 'key', reason: 'sealing key does not open the rating', delayMs: this.#o.heldDelayMs };
      if (isStorageError(e, 'corrupt')) return { kind: 'dead', reason: `cannot open the stored payload (${e.code})` };
      throw e;
    }
    await this.whenSettled(stored.caseKey);
    signal.throwIfAborted();
    const target = outbox.findByKey(stored.caseKey);
    if (target === undefined || target.kind !== CASE_KIND) return { kind: 'dead', reason: 'its case is not in the outbox' };
    if (target.platformCaseNumber === undefined) {
      // Pending, in flight, or a dead letter a technician may retry: the rating follows whenever the case goes.
      const delayMs = backoffDelay(Math.max(0, entry.attempts - 1), { baseMs: this.#o.backoff.baseMs, capMs: Math.min(this.#o.backoff.capMs, WAITING_CAP_MS), random: this.#o.random });
      return { kind: 'waiting', reason: `waiting for its case (${target.state})`, delayMs };
    }
    const out = await client.submitRating(target.platformCaseNumber, stored.rating, signal);
    if (out.kind === 'ok') return { kind: 'acked', caseNumber: out.value.caseNumber, replayed: out.status === 200 };
    if (out.kind === 'retryable') return retry(out);
    return { kind: 'dead', reason: describeFailure(out) };
  }

  /**
   * Starts due entries in the free places of the window, claiming them `claimAhead` at a time (one claim
   * transaction for several entries) or, with `ahead` false, only as many as there are places. Returns how
   * many it started.
   */
  #fill(signal: AbortSignal, ahead = true): number {
    let started = 0;
    while (this.#window.size < this.#o.concurrency && !signal.aborted) {
      if (this.#ready.length === 0) {
        const room = this.#o.concurrency - this.#window.size;
        const claimed = this.#o.outbox.claim(this.#o.clock(), ahead ? Math.max(room, this.#o.claimAhead) : room);
        if (claimed.length === 0) break;
        this.#ready.push(...claimed);
      }
      const c = this.#ready.shift();
      if (c === undefined) break;
      this.#start(c, signal);
      started++;
    }
    if (started > 0 && this.#ready.length > 0) this.#openAhead(signal);
    return started;
  }

  /**
   * After this turn (the requests just started are written by then), opens the entries that will take the next
   * places of the window. Only what succeeds is kept: an entry that does not open or validate is opened again at
   * its attempt, which gives it its outcome (held, dead) as before.
   */
  #openAhead(signal: AbortSignal): void {
    if (this.#openSoon !== null) return;
    this.#openSoon = setImmediate(() => {
      this.#openSoon = null;
      for (const c of this.#ready.slice(0, this.#o.concurrency)) {
        if (signal.aborted) return;
        if (c.kind !== CASE_KIND || this.#opened.has(c)) continue;
        try {
          const o = this.#openCase(c);
          if (!('kind' in o)) this.#opened.set(c, o);
        } catch {
          // left to the attempt, which reports it
        }
      }
    });
  }

  #start(c: ClaimedEntry, signal: AbortSignal): void {
    const key = c.idempotencyKey;
    let committed!: () => void;
    const promise = new Promise<void>((r) => (committed = r));
    // Someone waits for this entry's outcome (whenSettled): commit it as soon as it is there.
    let urgent = false;
    this.#settling.set(key, {
      promise,
      hurry: () => {
        urgent = true;
        if (!this.#window.has(key)) this.#flushNextTurn();
      },
    });
    const done = (): void => {
      this.#settling.delete(key);
      committed();
    };
    const running = this.#attemptSafely(c, signal, done).then((f) => {
      this.#window.delete(key);
      this.#unflushed.push(f);
      if (urgent) this.#flushNextTurn();
      else this.#scheduleFlush();
    });
    this.#window.set(key, running);
  }

  /** Entries claimed ahead and never started go back to pending, their attempt not counted. */
  #releaseReady(): void {
    if (this.#openSoon !== null) clearImmediate(this.#openSoon);
    this.#openSoon = null;
    this.#opened.clear();
    const ids = this.#ready.splice(0).map((c) => c.id);
    try {
      this.#o.outbox.release(ids);
    } catch (e) {
      // Left in_flight; recovered at the next start.
      this.#o.log?.warn({ err: e instanceof Error ? e.message : String(e), entries: ids.length }, 'claimed entries could not be released');
    }
  }

  /** Every attempt in the window has finished and every outcome is committed. */
  async #settleWindow(): Promise<void> {
    while (this.#window.size > 0) await Promise.all([...this.#window.values()]);
    this.flush();
  }

  /**
   * Claim what is due (up to `concurrency`), deliver it and wait until its outcomes are committed (one round;
   * the loop itself never waits for a round, it refills the window). Returns how many were attempted.
   */
  async runOnce(signal: AbortSignal): Promise<number> {
    signal.throwIfAborted();
    const n = this.#fill(signal, false);
    await this.#settleWindow();
    this.syncJournal();
    return n;
  }

  /**
   * Waits until a place in the window frees, or — while there is room — until notify() or `idleMs` (entries
   * come due by time), or until `signal` aborts.
   */
  async #nextEvent(signal: AbortSignal): Promise<void> {
    const room = this.#window.size < this.#o.concurrency;
    if (room && this.#woken) {
      this.#woken = false;
      return;
    }
    await new Promise<void>((resolve) => {
      const ac = new AbortController();
      let finished = false;
      const finish = (): void => {
        if (finished) return;
        finished = true;
        ac.abort();
        signal.removeEventListener('abort', finish);
        this.#wake = null;
        resolve();
      };
      signal.addEventListener('abort', finish, { once: true });
      for (const p of this.#window.values()) void p.then(finish);
      if (room) {
        this.#wake = finish;
        this.#o.sleep(this.#o.idleMs, ac.signal).then(finish, () => undefined);
      }
    });
    if (room) this.#woken = false;
  }

  /** Runs the loop until `signal` aborts; then the window's entries go back to pending (outcomes committed). */
  async run(signal: AbortSignal): Promise<void> {
    try {
      while (!signal.aborted) {
        try {
          this.#fill(signal);
        } catch (e) {
          if (signal.aborted) break;
          this.#o.log?.warn({ err: e instanceof Error ? e.message : String(e) }, 'delivery loop error');
        }
        if (this.#window.size === 0) {
          // Nothing in flight: what finished is committed and its journal lines synced now, not later.
          this.flush();
          this.syncJournal();
        }
        await this.#nextEvent(signal);
      }
    } finally {
      this.#releaseReady();
      await this.#settleWindow();
      this.syncJournal();
    }
  }

  start(): void {
    if (this.#running) return;
    this.#abort = new AbortController();
    this.#running = this.run(this.#abort.signal);
  }

  /** Stops the loop; attempts in progress are abandoned and their entries go back to pending. */
  async stop(): Promise<void> {
    this.#abort?.abort(new DeliveryError('delivery stopped'));
    await this.#running;
    this.#running = null;
    this.flush();
    this.syncJournal();
  }

  /**
   * Delivers until nothing is pending or in flight (dead letters stay), keeping the window full. Due times
   * are honoured: it sleeps until entries come due. Returns the final stats.
   */
  async drain(signal: AbortSignal, opts: { pollMs?: number } = {}): Promise<OutboxStats> {
    const poll = opts.pollMs ?? 50;
    try {
      for (;;) {
        signal.throwIfAborted();
        this.#fill(signal);
        if (this.#window.size > 0) {
          await Promise.race(this.#window.values());
          continue;
        }
        this.flush();
        this.syncJournal();
        const s = this.stats();
        if (s.pending === 0 && s.inFlight === 0) return s;
        await this.#o.sleep(poll, signal);
      }
    } finally {
      this.#releaseReady();
      await this.#settleWindow();
      this.syncJournal();
    }
  }
}

/** A case entry opened ahead of its attempt: its stored submission and its attachments' hashes. */
interface OpenedCase {
  stored: StoredSubmission;
  shas: string[];
}

/** A finished attempt: its result, or what it threw. */
interface Finished {
  entry: ClaimedEntry;
  outcome: { result: DeliveryResult } | { error: unknown; interrupted: boolean };
  /** Called once the outcome is committed. */
  done?: () => void;
}

/**
 * A submission (its form and list of attachments) or one attachment is larger than the platform accepts. A
 * StorageError 'invalid', so callers that map 'invalid' to a refusal keep working; nothing was written.
 */
export class SubmissionTooLargeError extends StorageError {
  constructor(
    readonly what: 'submission' | 'attachment',
    readonly bytes: number,
    readonly limitBytes: number,
  ) {
    super('invalid', `${what === 'submission' ? 'the application form' : 'a scanned document'} is too large for the platform (${bytes} bytes, at most ${limitBytes})`);
  }
}

export interface NewSubmission {
  idempotencyKey: string;
  /** 'matter' or 'bundle' (the platform's CaseSubmission.kind). */
  kind: string;
  payload: Omit<StoredSubmission, 'kind' | 'submittedAt'> & { submittedAt?: string | undefined };
  attachments?: readonly Uint8Array[] | undefined;
  test?: boolean | undefined;
  signal?: AbortSignal | undefined;
}

export interface QueuedSubmission {
  id: number;
  idempotencyKey: string;
  acceptanceNumber: string;
  /** true when the key was already queued (the earlier submission is returned, nothing added). */
  existing: boolean;
  /**
   * The journal's submission-accepted record: 'written', 'failed' (the submission IS committed; the next
   * start records it as recovered — see journalError), or 'none' (no journal, or an existing entry).
   */
  journal: 'written' | 'failed' | 'none';
  journalError?: unknown;
}

export interface EnqueueOptions {
  /** The tamper-evident journal: submission-accepted is appended right after the commit. */
  journal?: Journal | null | undefined;
}

/**
 * Queue one case submission: validated, sealed and committed in one outbox transaction. The same
 * idempotency key again returns the earlier entry (a restarted workflow step must not file twice; it carries the
 * same payload, which is validated and sealed again before the outbox's unique key refuses it).
 * With a journal, the submission-accepted record (acceptance number + key) is appended right after the
 * commit: callers that submit through here must not append it themselves.
 * Throws StorageError ('below-floor' before anything is written, 'invalid', 'full', ...).
 */
export function enqueueSubmission(outbox: Outbox, terminalId: string, input: NewSubmission, now: number = Date.now(), opts: EnqueueOptions = {}): QueuedSubmission {
  // A known key (a restarted step submitting again) is answered from the queue whatever this attempt would be refused
  // for — below the floor, a full disk, a payload it no longer passes. It is looked up only when the attempt is
  // refused: the outbox's UNIQUE key refuses a duplicate with nothing written, so a new submission (the common case)
  // pays no lookup.
  const known = (): QueuedSubmission | undefined => {
    let k: OutboxEntry | undefined;
    try {
      k = outbox.findByKey(input.idempotencyKey);
    } catch {
      return undefined; // the refusal itself is the better error
    }
    return k && { id: k.id, idempotencyKey: k.idempotencyKey, acceptanceNumber: acceptanceNumber(terminalId, k), existing: true, journal: 'none' };
  };
  const parsed = StoredSubmission.safeParse({ ...input.payload, kind: input.kind, submittedAt: input.payload.submittedAt ?? new Date(now).toISOString() });
  if (!parsed.success) {
    const k = known();
    if (k) return k;
    // Field paths only, never the values (citizen data).
    const where = parsed.error.issues.slice(0, 3).map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`).join('; ');
    throw new StorageError('invalid', `submission rejected: ${where}`);
  }
  const stored = parsed.data;
  const attachments = input.attachments ?? [];
  // Refuse what the platform could never take (documented limits), before anything is written: the citizen is told
  // now. The body's size follows from the bytes of the JSON the outbox serialises to seal (no second serialisation).
  const check = (storedBytes: number): void => {
    const size = caseSubmissionSizeFromFields(storedBytes, attachments.length);
    if (!size.ok) throw new SubmissionTooLargeError('submission', size.bytes, size.limitBytes);
    for (const a of attachments) {
      if (a.byteLength > REQUEST_LIMITS.putAttachment) throw new SubmissionTooLargeError('attachment', a.byteLength, REQUEST_LIMITS.putAttachment);
    }
  };
  let r: EnqueueResult;
  try {
    r = outbox.enqueue({
      idempotencyKey: input.idempotencyKey,
      kind: CASE_KIND,
      payload: stored,
      check,
      ...(input.attachments ? { attachments: input.attachments } : {}),
      ...(input.test ? { meta: { test: true } } : {}),
      ...(input.signal ? { signal: input.signal } : {}),
    });
  } catch (e) {
    const k = known();
    if (k) return k;
    throw e;
  }
  const number = acceptanceNumber(terminalId, r);
  const out: QueuedSubmission = { id: r.id, idempotencyKey: r.idempotencyKey, acceptanceNumber: number, existing: false, journal: 'none' };
  // After the commit, never before: a journal line for a row that never committed would read as a loss.
  if (opts.journal) {
    try {
      opts.journal.append({ type: 'submission-accepted', acceptanceNumber: number, key: r.idempotencyKey });
      out.journal = 'written';
    } catch (e) {
      out.journal = 'failed';
      out.journalError = e;
    }
  }
  return out;
}

export interface NewRating {
  /** The case's idempotency key (the rating's own key is derived: one rating per case). */
  caseKey: string;
  rating: Rating;
  ratedAt: string;
  signal?: AbortSignal | undefined;
}

/**
 * Queue one 好差评 rating as its own outbox entry, sealed. The case must be in the outbox. Rating the
 * same case again returns the first entry (`existing`) and adds nothing: one rating per case. With a
 * journal, the `rating` record (the case's acceptance number, the rating's key) follows the commit.
 */
export function enqueueRating(
  outbox: Outbox,
  terminalId: string,
  input: NewRating,
  opts: { journal?: Journal | null | undefined } = {},
): { id: number; idempotencyKey: string; existing: boolean; journal: 'written' | 'failed' | 'none' } {
  const key = ratingKey(input.caseKey);
  const known = outbox.findByKey(key);
  if (known !== undefined) return { id: known.id, idempotencyKey: key, existing: true, journal: 'none' };
  const target = outbox.findByKey(input.caseKey);
  if (target === undefined || target.kind !== CASE_KIND) throw new StorageError('invalid', 'rating refused: its case is not in the outbox');
  const parsed = StoredRating.safeParse({ caseKey: input.caseKey, rating: input.rating, ratedAt: input.ratedAt });
  if (!parsed.success) {
    const where = parsed.error.issues.slice(0, 3).map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`).join('; ');
    throw new StorageError('invalid', `rating rejected: ${where}`);
  }
  const r = outbox.enqueue({ idempotencyKey: key, kind: RATING_KIND, payload: parsed.data, ...(target.test ? { meta: { test: true } } : {}), ...(input.signal ? { signal: input.signal } : {}) });
  let journal: 'written' | 'failed' | 'none' = 'none';
  if (opts.journal) {
    // After the commit, never before (a journal line for a row that never committed would read as a loss).
    try {
      opts.journal.append({ type: 'rating', acceptanceNumber: acceptanceNumber(terminalId, target), key });
      journal = 'written';
    } catch {
      journal = 'failed';
    }
  }
  return { id: r.id, idempotencyKey: key, existing: false, journal };
}
