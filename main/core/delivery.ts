/**
 * Delivery: moves submissions from the durable outbox to the provincial platform.
 *
 * For each claimed entry: upload every attachment (PUT by SHA-256, idempotent), then submit the
 * case with the entry's idempotency key (the same key on every attempt, so the platform files it
 * once however often we retry). Then, in one outbox transaction:
 *   ok        -> ack with the platform's case number (sealed payload purged);
 *   retryable -> back to pending at now + nextDelay(attempt) (capped exponential, full jitter,
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
import type { z } from 'zod';
import type { AttachmentStore, ClaimedEntry, Journal, Outbox, OutboxEntry, OutboxStats } from '../../offline-cache/index.js';
import { StorageError, isStorageError } from '../../offline-cache/index.js';
import { nextDelay } from '../platform/backoff.js';
import { checkCaseSubmissionSize, problemOf } from '../platform/client.js';
import type { AttachmentUpload, Outcome, PlatformProblem } from '../platform/client.js';
import type { CaseReceipt, CaseSubmission } from '../platform/schemas.js';
import { CaseSubmission as CaseSubmissionSchema, REQUEST_LIMITS } from '../platform/schemas.js';

/** The outbox kind of a case submission. */
export const CASE_KIND = 'case-submission';

/** What a submission stores, sealed, in the outbox (the attachments are the entry's attachment refs). */
export const StoredSubmission = CaseSubmissionSchema.omit({ attachments: true, localAcceptanceNumber: true, test: true });
export type StoredSubmission = z.infer<typeof StoredSubmission>;

/** The part of PlatformClient delivery uses (tests pass fakes). */
export interface DeliveryClient {
  putAttachment(sha256: string, bytes: Uint8Array, signal: AbortSignal): Promise<Outcome<AttachmentUpload>>;
  submitCase(idempotencyKey: string, body: CaseSubmission, signal: AbortSignal): Promise<Outcome<CaseReceipt>>;
}

export type DeliveryResult =
  | { kind: 'acked'; caseNumber: string; replayed: boolean }
  | { kind: 'retry'; reason: string; delayMs: number; reachable: boolean; problem: PlatformProblem | null }
  | { kind: 'dead'; reason: string }
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

export function defaultSleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal.aborted) {
      reject(signal.reason as Error);
      return;
    }
    const onAbort = (): void => {
      clearTimeout(t);
      reject(signal.reason as Error);
    };
    const t = setTimeout(() => {
      signal.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    signal.addEventListener('abort', onAbort, { once: true });
  });
}

export class Delivery {
  readonly #o: Required<Omit<DeliveryOptions, 'log' | 'journal'>> & Pick<DeliveryOptions, 'log' | 'journal'>;
  readonly #listeners = new Set<(e: DeliveryEvent) => void>();
  /** The window: entries being delivered now, by idempotency key, each settling when its outcome is recorded. */
  readonly #window = new Map<string, Promise<void>>();
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

  /** Entries in the window now. */
  get inWindow(): number {
    return this.#window.size;
  }

  /**
   * Resolves when the entry with this idempotency key, if it is in the window now, has its outcome recorded
   * (at once when it is not in the window). For an entry that must follow another: await it, then read the
   * other's state from the outbox.
   */
  whenSettled(idempotencyKey: string): Promise<void> {
    return this.#window.get(idempotencyKey) ?? Promise.resolve();
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
        outbox.fail(entry.id, { retryable: true, reason: signal.aborted ? 'interrupted' : 'local-error', nextAttemptAt: this.#o.clock() }, { durable: false });
      } catch {
        // Left in_flight; recovered at the next start.
      }
      throw e;
    }
    const now = this.#o.clock();
    // Not fsynced one by one: see the module comment for why durability does not need it.
    if (result.kind === 'acked') outbox.ack(entry.id, { platformCaseNumber: result.caseNumber, ackedAt: now }, { durable: false });
    else if (result.kind === 'retry' || result.kind === 'held') outbox.fail(entry.id, { retryable: true, reason: result.reason, nextAttemptAt: now + result.delayMs }, { durable: false });
    else outbox.fail(entry.id, { retryable: false, reason: result.reason }, { durable: false });
    this.#journal(entry, result);
    for (const l of this.#listeners) l({ entry, result });
    if (result.kind === 'dead') this.#o.log?.warn({ id: entry.id, key: entry.idempotencyKey, reason: result.reason }, 'submission moved to dead letters');
    if (result.kind === 'held') this.#o.log?.warn({ id: entry.id, key: entry.idempotencyKey, reason: result.reason }, 'submission kept pending: the sealing key does not open it');
    return result;
  }

  /**
   * delivery-acknowledged / dead-lettered in the journal, written now and synced with the next sync; a journal
   * failure never undoes the outbox change.
   */
  #journal(entry: ClaimedEntry, result: DeliveryResult): void {
    const journal = this.#o.journal;
    if (!journal || (result.kind !== 'acked' && result.kind !== 'dead')) return;
    try {
      const number = acceptanceNumber(this.#o.terminalId, entry);
      if (result.kind === 'acked') journal.append({ type: 'delivery-acknowledged', acceptanceNumber: number, key: entry.idempotencyKey, caseNumber: result.caseNumber }, { sync: false });
      else journal.append({ type: 'dead-lettered', acceptanceNumber: number, key: entry.idempotencyKey, reason: journalReason(result.reason) }, { sync: false });
      this.#syncSoon();
    } catch (e) {
      this.#o.log?.warn({ id: entry.id, err: e instanceof Error ? e.message : String(e) }, 'journal record of a delivery could not be written');
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
    const { outbox, attachments, client } = this.#o;
    const retry = (o: Extract<Outcome<unknown>, { kind: 'retryable' }>): DeliveryResult => ({
      kind: 'retry',
      reason: describeFailure(o),
      delayMs: nextDelay(Math.max(0, entry.attempts - 1), { ...this.#o.backoff, random: this.#o.random }, o.retryAfterMs),
      reachable: reachable(o),
      problem: problemOf(o),
    });
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

  /** Claims due entries into the free places of the window and starts them. Returns how many it started. */
  #fill(signal: AbortSignal): number {
    const room = this.#o.concurrency - this.#window.size;
    if (room <= 0 || signal.aborted) return 0;
    const claimed = this.#o.outbox.claim(this.#o.clock(), room);
    for (const c of claimed) {
      const done = this.deliverOne(c, signal).then(
        () => undefined,
        (e: unknown) => {
          if (signal.aborted) return;
          this.#o.log?.warn({ id: c.id, err: e instanceof Error ? e.message : String(e) }, 'delivery attempt failed locally');
        },
      );
      const settled = done.finally(() => this.#window.delete(c.idempotencyKey));
      this.#window.set(c.idempotencyKey, settled);
    }
    return claimed.length;
  }

  /** Every entry in the window has its outcome recorded. */
  async #settleWindow(): Promise<void> {
    while (this.#window.size > 0) await Promise.all([...this.#window.values()]);
  }

  /**
   * Claim what is due (up to `concurrency`), deliver it and wait for all of it (one round; the loop itself
   * never waits for a round, it refills the window). Returns how many were attempted.
   */
  async runOnce(signal: AbortSignal): Promise<number> {
    signal.throwIfAborted();
    const n = this.#fill(signal);
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

  /** Runs the loop until `signal` aborts; then waits for the window's entries to go back to pending. */
  async run(signal: AbortSignal): Promise<void> {
    try {
      while (!signal.aborted) {
        try {
          this.#fill(signal);
        } catch (e) {
          if (signal.aborted) break;
          this.#o.log?.warn({ err: e instanceof Error ? e.message : String(e) }, 'delivery loop error');
        }
        // Nothing left in flight: the journal lines of what finished are synced now, not after syncMs.
        if (this.#window.size === 0) this.syncJournal();
        await this.#nextEvent(signal);
      }
    } finally {
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
        this.syncJournal();
        const s = this.stats();
        if (s.pending === 0 && s.inFlight === 0) return s;
        await this.#o.sleep(poll, signal);
      }
    } finally {
      await this.#settleWindow();
      this.syncJournal();
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
