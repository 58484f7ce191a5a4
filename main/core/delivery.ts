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
 * One loop, `concurrency` entries at a time (1-2), woken by notify() after an enqueue, stopped
 * by its AbortSignal. Clock, random source and sleep are injectable, so retry timing is tested on
 * a simulated clock.
 */
import { z } from 'zod';
import type { AttachmentStore, ClaimedEntry, Journal, Outbox, OutboxEntry, OutboxStats } from '../../offline-cache/index.js';
import { StorageError, isStorageError } from '../../offline-cache/index.js';
import { backoffDelay, delay } from '../../drivers/device.js';
import { checkCaseSubmissionSize, problemOf } from '../platform/client.js';
import type { AttachmentUpload, Outcome, PlatformProblem } from '../platform/client.js';
import type { CaseReceipt, CaseSubmission, Rating, RatingReceipt } from '../platform/schemas.js';
import { CaseSubmission as CaseSubmissionSchema, REQUEST_LIMITS, Rating as RatingSchema } from '../platform/schemas.js';

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
  /** Entries delivered at the same time (1-2). */
  concurrency?: number;
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
  #wake: (() => void) | null = null;
  #woken = false;
  #running: Promise<void> | null = null;
  #abort: AbortController | null = null;

  constructor(opts: DeliveryOptions) {
    const concurrency = opts.concurrency ?? 2;
    if (!Number.isInteger(concurrency) || concurrency < 1 || concurrency > 4) throw new DeliveryError('concurrency must be 1-4');
    this.#o = {
      backoff: { baseMs: 1000, capMs: 300_000 },
      idleMs: 1000,
      clock: Date.now,
      random: Math.random,
      sleep: defaultSleep,
      heldDelayMs: 60_000,
      ...opts,
      concurrency,
    };
  }

  /** After every delivery attempt (the core publishes reachability and queue depth from it). */
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

  /** Deliver one claimed entry and record the outcome in the outbox. */
  async deliverOne(entry: ClaimedEntry, signal: AbortSignal): Promise<DeliveryResult> {
    const { outbox } = this.#o;
    let result: DeliveryResult;
    try {
      result = await this.#attempt(entry, signal);
    } catch (e) {
      // Aborted (stopping) or a local storage problem: the entry goes back to pending, due now;
      // nothing is lost (a crash here is handled by recoverInFlight at the next start).
      try {
        outbox.fail(entry.id, { retryable: true, reason: signal.aborted ? 'interrupted' : 'local-error', nextAttemptAt: this.#o.clock() });
      } catch {
        // Left in_flight; recovered at the next start.
      }
      throw e;
    }
    const now = this.#o.clock();
    if (result.kind === 'acked') outbox.ack(entry.id, { platformCaseNumber: result.caseNumber, ackedAt: now });
    else if (result.kind === 'retry' || result.kind === 'held' || result.kind === 'waiting') outbox.fail(entry.id, { retryable: true, reason: result.reason, nextAttemptAt: now + result.delayMs });
    else outbox.fail(entry.id, { retryable: false, reason: result.reason });
    this.#journal(entry, result);
    for (const l of this.#listeners) l({ entry, result });
    if (result.kind === 'dead') this.#o.log?.warn({ id: entry.id, key: entry.idempotencyKey, reason: result.reason }, 'submission moved to dead letters');
    if (result.kind === 'held') this.#o.log?.warn({ id: entry.id, key: entry.idempotencyKey, reason: result.reason }, 'submission kept pending: the sealing key does not open it');
    return result;
  }

  /** delivery-acknowledged / dead-lettered in the journal; a journal failure never undoes the outbox change. */
  #journal(entry: ClaimedEntry, result: DeliveryResult): void {
    const journal = this.#o.journal;
    if (!journal || (result.kind !== 'acked' && result.kind !== 'dead')) return;
    try {
      const full = this.#o.outbox.entry(entry.id);
      if (full === undefined) return;
      const number = acceptanceNumber(this.#o.terminalId, full);
      if (result.kind === 'acked') journal.append({ type: 'delivery-acknowledged', acceptanceNumber: number, key: entry.idempotencyKey, caseNumber: result.caseNumber });
      else journal.append({ type: 'dead-lettered', acceptanceNumber: number, key: entry.idempotencyKey, reason: journalReason(result.reason) });
    } catch (e) {
      this.#o.log?.warn({ id: entry.id, err: e instanceof Error ? e.message : String(e) }, 'journal record of a delivery could not be written');
    }
  }

  async #attempt(entry: ClaimedEntry, signal: AbortSignal): Promise<DeliveryResult> {
    const { outbox, attachments, client } = this.#o;
    const retry = (o: Extract<Outcome<unknown>, { kind: 'retryable' }>): DeliveryResult => ({
      kind: 'retry',
      reason: describeFailure(o),
      delayMs: backoffDelay(Math.max(0, entry.attempts - 1), { ...this.#o.backoff, random: this.#o.random }, o.retryAfterMs),
      reachable: reachable(o),
      problem: problemOf(o),
    });
    if (entry.kind === RATING_KIND) return this.#attemptRating(entry, signal, retry);
    if (entry.kind !== CASE_KIND) return { kind: 'dead', reason: `unknown kind ${entry.kind.slice(0, 50)}` };
    let stored: StoredSubmission;
    let shas: string[];
    try {
      const parsed = StoredSubmission.safeParse(outbox.payloadOf(entry.id));
      if (!parsed.success) return { kind: 'dead', reason: 'stored payload fails the submission schema' };
      stored = parsed.data;
      shas = outbox.attachmentsOf(entry.id);
    } catch (e) {
      // The key does not open it: the data is intact, the key is not — keep it pending (issue 8 item 1).
      if (isStorageError(e, 'sealing')) return { kind: 'held', problem: 'key', reason: 'sealing key does not open the payload', delayMs: this.#o.heldDelayMs };
      if (isStorageError(e, 'corrupt')) return { kind: 'dead', reason: `cannot open the stored payload (${e.code})` };
      throw e;
    }
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
    const full = outbox.entry(entry.id);
    if (full === undefined) throw new DeliveryError(`outbox entry ${entry.id} vanished`);
    const body: CaseSubmission = {
      ...stored,
      attachments: shas,
      localAcceptanceNumber: acceptanceNumber(this.#o.terminalId, full),
      ...(entry.test ? { test: true } : {}),
    };
    const out = await client.submitCase(entry.idempotencyKey, body, signal);
    if (out.kind === 'ok') return { kind: 'acked', caseNumber: out.value.caseNumber, replayed: out.replayed === true };
    if (out.kind === 'retryable') return retry(out);
    return { kind: 'dead', reason: describeFailure(out) };
  }

  /** A rating: after its case, under the platform's case number. */
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
   * Claim what is due (up to `concurrency`) and deliver it. Returns how many were attempted. Cases go
   * first; ratings claimed with them go after, so a rating claimed with its own case finds it delivered.
   */
  async runOnce(signal: AbortSignal): Promise<number> {
    signal.throwIfAborted();
    const claimed = this.#o.outbox.claim(this.#o.clock(), this.#o.concurrency);
    if (claimed.length === 0) return 0;
    const one = (c: ClaimedEntry): Promise<unknown> =>
      this.deliverOne(c, signal).catch((e: unknown) => {
        if (signal.aborted) return;
        this.#o.log?.warn({ id: c.id, err: e instanceof Error ? e.message : String(e) }, 'delivery attempt failed locally');
      });
    await Promise.all(claimed.filter((c) => c.kind !== RATING_KIND).map(one));
    for (const c of claimed.filter((x) => x.kind === RATING_KIND)) await one(c);
    return claimed.length;
  }

  /** Runs the loop until `signal` aborts. */
  async run(signal: AbortSignal): Promise<void> {
    while (!signal.aborted) {
      let n = 0;
      try {
        n = await this.runOnce(signal);
      } catch (e) {
        if (signal.aborted) break;
        this.#o.log?.warn({ err: e instanceof Error ? e.message : String(e) }, 'delivery loop error');
      }
      if (n > 0) continue;
      if (this.#woken) {
        this.#woken = false;
        continue;
      }
      await new Promise<void>((resolve) => {
        const ac = new AbortController();
        const onStop = (): void => ac.abort();
        signal.addEventListener('abort', onStop, { once: true });
        this.#wake = () => ac.abort();
        this.#o.sleep(this.#o.idleMs, ac.signal).then(
          () => undefined,
          () => undefined,
        ).finally(() => {
          signal.removeEventListener('abort', onStop);
          this.#wake = null;
          resolve();
        });
      });
      this.#woken = false;
    }
  }

  start(): void {
    if (this.#running) return;
    this.#abort = new AbortController();
    this.#running = this.run(this.#abort.signal);
  }

  /** Stops the loop; an attempt in progress is abandoned and its entry goes back to pending. */
  async stop(): Promise<void> {
    this.#abort?.abort(new DeliveryError('delivery stopped'));
    await this.#running;
    this.#running = null;
  }

  /**
   * Delivers until nothing is pending or in flight (dead letters stay). Due times are honoured:
   * it sleeps until entries come due. Returns the final stats.
   */
  async drain(signal: AbortSignal, opts: { pollMs?: number } = {}): Promise<OutboxStats> {
    const poll = opts.pollMs ?? 50;
    for (;;) {
      signal.throwIfAborted();
      const n = await this.runOnce(signal);
      const s = this.stats();
      if (s.pending === 0 && s.inFlight === 0) return s;
      if (n === 0) await this.#o.sleep(poll, signal);
    }
  }
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
 * idempotency key again returns the earlier entry (a restarted workflow step must not file twice).
 * With a journal, the submission-accepted record (acceptance number + key) is appended right after the
 * commit: callers that submit through here must not append it themselves.
 * Throws StorageError ('below-floor' before anything is written, 'invalid', 'full', ...).
 */
export function enqueueSubmission(outbox: Outbox, terminalId: string, input: NewSubmission, now: number = Date.now(), opts: EnqueueOptions = {}): QueuedSubmission {
  const known = outbox.findByKey(input.idempotencyKey);
  if (known !== undefined) {
    return { id: known.id, idempotencyKey: known.idempotencyKey, acceptanceNumber: acceptanceNumber(terminalId, known), existing: true, journal: 'none' };
  }
  const parsed = StoredSubmission.safeParse({ ...input.payload, kind: input.kind, submittedAt: input.payload.submittedAt ?? new Date(now).toISOString() });
  if (!parsed.success) {
    // Field paths only, never the values (citizen data).
    const where = parsed.error.issues.slice(0, 3).map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`).join('; ');
    throw new StorageError('invalid', `submission rejected: ${where}`);
  }
  const stored = parsed.data;
  // Refuse what the platform could never take (documented limits), before anything is written: the citizen is told now.
  const size = checkCaseSubmissionSize(stored, input.attachments?.length ?? 0);
  if (!size.ok) throw new SubmissionTooLargeError('submission', size.bytes, size.limitBytes);
  for (const a of input.attachments ?? []) {
    if (a.byteLength > REQUEST_LIMITS.putAttachment) throw new SubmissionTooLargeError('attachment', a.byteLength, REQUEST_LIMITS.putAttachment);
  }
  const r = outbox.enqueue({
    idempotencyKey: input.idempotencyKey,
    kind: CASE_KIND,
    payload: stored,
    ...(input.attachments ? { attachments: input.attachments } : {}),
    ...(input.test ? { meta: { test: true } } : {}),
    ...(input.signal ? { signal: input.signal } : {}),
  });
  const entry = outbox.entry(r.id);
  if (entry === undefined) throw new DeliveryError(`outbox entry ${r.id} missing right after enqueue`);
  const number = acceptanceNumber(terminalId, entry);
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
