/**
 * The durable outbox: one row in `records` (sealed payload) and one in `outbox` (delivery
 * state) per submission, written in ONE transaction, plus sealed attachment files written and
 * fsynced BEFORE that transaction (see attachments.ts for the order).
 *
 * States: pending -> in_flight (claim) -> acked (ack: payload and attachment references purged,
 * key, kind, case number and timestamps kept forever) | pending (retryable fail) | dead
 * (permanent fail; sealed payload kept until a technician retries or exports) -> expired (older than
 * the retention period: exported sealed by retention.ts, then purged like an ack).
 * Every state change is a single transaction, so a SIGKILL at any point leaves the queue
 * consistent; entries left in_flight by a crash go back to pending at start (recoverInFlight).
 *
 * Nothing here scans the queue: claim/recover use the (state, next_attempt_at) index, stats use
 * trigger-maintained counters plus one index probe, and constructing an Outbox only prepares
 * statements. Single writer: the kiosk core.
 */
import { randomUUID } from 'node:crypto';
import fs from 'node:fs';
import type { Statement, Transaction } from 'better-sqlite3';
import type { AttachmentStore } from './attachments.js';
import type { SqliteDatabase } from './database.js';
import { StorageError, toStorageError } from './errors.js';
import { parseEnvelope, type Sealer } from './sealing.js';

/**
 * 'expired': a dead letter older than the retention period, exported sealed for the technician and purged
 * (like 'acked', only the key, kind and timestamps stay).
 */
export type OutboxState = 'pending' | 'in_flight' | 'acked' | 'dead' | 'expired';

export interface StatfsLike {
  bavail: number | bigint;
  bsize: number | bigint;
}
export type StatfsFn = (dir: string) => StatfsLike;

export interface OutboxOptions {
  db: SqliteDatabase;
  sealer: Sealer;
  attachments: AttachmentStore;
  /** The data directory whose file system the free-space floor applies to. */
  dataDir: string;
  /** Refuse new work when free space would drop below this. Default 64 MiB. */
  minFreeBytes?: number;
  /** Injectable for tests; default fs.statfsSync. */
  statfs?: StatfsFn;
  /** Injectable clock (ms since epoch); default Date.now. */
  clock?: () => number;
}

export interface EnqueueInput {
  /** Client-generated, kept forever, sent to the platform as Idempotency-Key. Default randomUUID(). */
  idempotencyKey?: string;
  /** What the payload is (e.g. 'case-submission'); stored in clear — never put citizen data here. */
  kind: string;
  /** JSON-serialisable; sealed at rest. */
  payload: unknown;
  attachments?: readonly Uint8Array[];
  meta?: { test?: boolean };
  /** Checked before anything is written and again before the commit. */
  signal?: AbortSignal;
  /**
   * Called with the byte length of the serialised payload (the JSON the outbox seals) before anything is
   * written; what it throws refuses the entry, unchanged, with nothing written (the core's platform size limit).
   */
  check?: (payloadBytes: number) => void;
}

export interface EnqueueResult {
  id: number;
  idempotencyKey: string;
  /** When it was queued (ms), as stored. */
  enqueuedAt: number;
}

/** Metadata of an entry (no payload, nothing unsealed). */
export interface OutboxEntry {
  id: number;
  idempotencyKey: string;
  kind: string;
  state: OutboxState;
  test: boolean;
  attempts: number;
  enqueuedAt: number;
  updatedAt: number;
  nextAttemptAt: number;
  claimedAt?: number;
  deadAt?: number;
  /** Last failure reason (as given to fail(); must not contain citizen data). */
  lastError?: string;
  platformCaseNumber?: string;
  ackedAt?: number;
  /** True once the payload and attachment references are gone (after ack). */
  purged: boolean;
}

/** An entry unsealed for delivery. */
export interface DeliveryItem extends OutboxEntry {
  payload: unknown;
  attachments: string[];
}

export interface ClaimedEntry {
  id: number;
  idempotencyKey: string;
  kind: string;
  attempts: number;
  enqueuedAt: number;
  test: boolean;
}

export interface AckInput {
  platformCaseNumber: string;
  ackedAt: number;
}

/** One outcome for Outbox.settle(): an ack or a fail of one entry. */
export interface SettleOutcome {
  id: number;
  ack?: AckInput;
  fail?: FailInput;
}

export interface FailInput {
  retryable: boolean;
  /** Short technical reason (HTTP status, error code). Never citizen data. */
  reason: string;
  /** For retryable failures; default now. */
  nextAttemptAt?: number;
}

export interface OutboxStats {
  pending: number;
  inFlight: number;
  dead: number;
  acked: number;
  /** Age of the oldest undelivered (pending or in_flight) entry; null if none. */
  oldestPendingAgeMs: number | null;
  /** Sealed payload + sealed attachment bytes of undelivered (pending + in_flight) entries. */
  bytes: number;
  /** Same for dead letters. */
  deadBytes: number;
  /** Dead letters purged after their retention period (exported sealed first). */
  expired: number;
  /** Age of the oldest dead letter (since it was queued); null if none. Retention acts on this age. */
  oldestDeadAgeMs: number | null;
}

export interface DeadLetter {
  id: number;
  idempotencyKey: string;
  kind: string;
  test: boolean;
  attempts: number;
  enqueuedAt: number;
  deadAt: number | null;
  reason: string | null;
  /** Key id the payload was sealed with (the key file holds it). */
  keyId: string;
  /** Still sealed: open with the key file (AAD = outboxAad(idempotencyKey, kind)). */
  sealedPayload: Uint8Array;
  /** Sealed files in the attachment store (AAD = the hash). */
  attachments: { sha256: string; size: number; sealedSize: number }[];
}

export interface FreeSpace {
  freeBytes: number;
  floorBytes: number;
  ok: boolean;
}

const KEY_RE = /^[\x21-\x7e]{1,255}$/;
const MAX_KIND = 100;
const MAX_REASON = 500;
const DEFAULT_FLOOR = 64 * 1024 * 1024;

/** The additional authenticated data binding a sealed payload to its row. */
export function outboxAad(idempotencyKey: string, kind: string): string {
  return `nxsl/outbox/${kind}/${idempotencyKey}`;
}

interface EntryRow {
  id: number;
  idempotency_key: string;
  kind: string;
  is_test: number;
  state: OutboxState;
  attempts: number;
  enqueued_at: number;
  updated_at: number;
  next_attempt_at: number;
  claimed_at: number | null;
  dead_at: number | null;
  last_error: string | null;
  platform_case_number: string | null;
  acked_at: number | null;
  purged_at: number | null;
}

const ENTRY_COLUMNS = `r.id, r.idempotency_key, r.kind, r.is_test, o.state, o.attempts, o.enqueued_at, o.updated_at,
  o.next_attempt_at, o.claimed_at, o.dead_at, o.last_error, r.platform_case_number, r.acked_at, r.purged_at`;

function toEntry(r: EntryRow): OutboxEntry {
  return {
    id: r.id,
    idempotencyKey: r.idempotency_key,
    kind: r.kind,
    state: r.state,
    test: r.is_test === 1,
    attempts: r.attempts,
    enqueuedAt: r.enqueued_at,
    updatedAt: r.updated_at,
    nextAttemptAt: r.next_attempt_at,
    ...(r.claimed_at !== null ? { claimedAt: r.claimed_at } : {}),
    ...(r.dead_at !== null ? { deadAt: r.dead_at } : {}),
    ...(r.last_error !== null ? { lastError: r.last_error } : {}),
    ...(r.platform_case_number !== null ? { platformCaseNumber: r.platform_case_number } : {}),
    ...(r.acked_at !== null ? { ackedAt: r.acked_at } : {}),
    purged: r.purged_at !== null,
  };
}

function checkId(id: number): void {
  if (!Number.isSafeInteger(id) || id <= 0) throw new StorageError('invalid', `outbox id must be a positive integer`);
}

function checkTime(t: number, what: string): void {
  if (!Number.isFinite(t)) throw new StorageError('invalid', `${what} must be a finite time in ms`);
}

function sqliteCode(e: unknown): string | undefined {
  if (typeof e === 'object' && e !== null && 'code' in e && typeof (e as { code: unknown }).code === 'string') {
    return (e as { code: string }).code;
  }
  return undefined;
}

export class Outbox {
  private readonly db: SqliteDatabase;
  private readonly sealer: Sealer;
  private readonly attachments: AttachmentStore;
  private readonly dataDir: string;
  private readonly minFreeBytes: number;
  private readonly statfs: StatfsFn;
  private readonly clock: () => number;
  private readonly st: Record<string, Statement>;
  readonly #tx: Transaction<(fn: () => unknown) => unknown>;

  constructor(opts: OutboxOptions) {
    this.db = opts.db;
    this.sealer = opts.sealer;
    this.attachments = opts.attachments;
    this.dataDir = opts.dataDir;
    this.minFreeBytes = opts.minFreeBytes ?? DEFAULT_FLOOR;
    if (!Number.isFinite(this.minFreeBytes) || this.minFreeBytes < 0) {
      throw new StorageError('invalid', 'minFreeBytes must be a non-negative number');
    }
    this.statfs = opts.statfs ?? ((dir: string): StatfsLike => fs.statfsSync(dir));
    this.clock = opts.clock ?? Date.now;
    const p = (sql: string): Statement => this.db.prepare(sql);
    // One transaction wrapper for every write (better-sqlite3 builds a new one per db.transaction() call).
    this.#tx = this.db.transaction((fn: () => unknown) => fn());
    // Preparing statements reads only the schema: no queue scan at construction.
    this.st = {
      synchronous: p('PRAGMA synchronous'),
      syncNormal: p('PRAGMA synchronous = NORMAL'),
      syncFull: p('PRAGMA synchronous = FULL'),
      idByKey: p('SELECT id FROM records WHERE idempotency_key = ?'),
      insertRecord: p(
        'INSERT INTO records(idempotency_key, kind, is_test, created_at, payload, payload_bytes) VALUES (?, ?, ?, ?, ?, ?)',
      ),
      insertOutbox: p(
        `INSERT INTO outbox(record_id, state, attempts, next_attempt_at, enqueued_at, updated_at, pending_bytes)
         VALUES (?, 'pending', 0, ?, ?, ?, ?)`,
      ),
      insertRef: p('INSERT INTO attachment_refs(record_id, position, sha256, size, sealed_size) VALUES (?, ?, ?, ?, ?)'),
      shaReferenced: p('SELECT 1 FROM attachment_refs WHERE sha256 = ? LIMIT 1'),
      due: p(
        `SELECT record_id FROM outbox WHERE state = 'pending' AND next_attempt_at <= ?
         ORDER BY next_attempt_at, record_id LIMIT ?`,
      ),
      markInFlight: p(
        `UPDATE outbox SET state = 'in_flight', attempts = attempts + 1, claimed_at = ?, updated_at = ?
         WHERE record_id = ? AND state = 'pending'`,
      ),
      entry: p(`SELECT ${ENTRY_COLUMNS} FROM records r JOIN outbox o ON o.record_id = r.id WHERE r.id = ?`),
      entryByKey: p(`SELECT ${ENTRY_COLUMNS} FROM records r JOIN outbox o ON o.record_id = r.id WHERE r.idempotency_key = ?`),
      state: p('SELECT state FROM outbox WHERE record_id = ?'),
      payload: p('SELECT payload, idempotency_key, kind FROM records WHERE id = ?'),
      refsOf: p('SELECT sha256, size, sealed_size FROM attachment_refs WHERE record_id = ? ORDER BY position'),
      purgeRecord: p(
        'UPDATE records SET payload = NULL, payload_bytes = 0, platform_case_number = ?, acked_at = ?, purged_at = ? WHERE id = ?',
      ),
      markAcked: p(
        `UPDATE outbox SET state = 'acked', pending_bytes = 0, updated_at = ?, claimed_at = NULL, last_error = NULL
         WHERE record_id = ?`,
      ),
      deleteRefs: p('DELETE FROM attachment_refs WHERE record_id = ?'),
      markRetry: p(
        `UPDATE outbox SET state = 'pending', next_attempt_at = ?, updated_at = ?, claimed_at = NULL, last_error = ?
         WHERE record_id = ?`,
      ),
      markDead: p(
        `UPDATE outbox SET state = 'dead', dead_at = ?, updated_at = ?, claimed_at = NULL, last_error = ? WHERE record_id = ?`,
      ),
      retryOneDead: p(
        `UPDATE outbox SET state = 'pending', next_attempt_at = ?, updated_at = ?, dead_at = NULL
         WHERE record_id = ? AND state = 'dead'`,
      ),
      retryAllDead: p(
        `UPDATE outbox SET state = 'pending', next_attempt_at = ?, updated_at = ?, dead_at = NULL WHERE state = 'dead'`,
      ),
      release: p(
        `UPDATE outbox SET state = 'pending', attempts = MAX(0, attempts - 1), updated_at = ?, claimed_at = NULL
         WHERE record_id = ? AND state = 'in_flight'`,
      ),
      recover: p(
        `UPDATE outbox SET state = 'pending', next_attempt_at = ?, updated_at = ?, claimed_at = NULL WHERE state = 'in_flight'`,
      ),
      expedite: p(`UPDATE outbox SET next_attempt_at = ?, updated_at = ? WHERE state = 'pending' AND next_attempt_at > ?`),
      counters: p('SELECT state, n, bytes FROM queue_counters'),
      oldest: p(
        `SELECT MIN(t) AS t FROM (
           SELECT enqueued_at AS t FROM (SELECT enqueued_at FROM outbox WHERE state = 'pending' ORDER BY enqueued_at LIMIT 1)
           UNION ALL
           SELECT enqueued_at AS t FROM (SELECT enqueued_at FROM outbox WHERE state = 'in_flight' ORDER BY enqueued_at LIMIT 1)
         )`,
      ),
      oldestDead: p(`SELECT enqueued_at AS t FROM outbox WHERE state = 'dead' ORDER BY enqueued_at LIMIT 1`),
      deadBefore: p(`SELECT record_id FROM outbox WHERE state = 'dead' AND enqueued_at < ? ORDER BY enqueued_at, record_id LIMIT ?`),
      markExpired: p(
        `UPDATE outbox SET state = 'expired', pending_bytes = 0, updated_at = ?, claimed_at = NULL WHERE record_id = ? AND state = 'dead'`,
      ),
      purgeExpired: p('UPDATE records SET payload = NULL, payload_bytes = 0, purged_at = ? WHERE id = ?'),
      deadOne: p(
        `SELECT r.id, r.idempotency_key, r.kind, r.is_test, o.attempts, o.enqueued_at, o.dead_at, o.last_error, r.payload
         FROM outbox o JOIN records r ON r.id = o.record_id WHERE o.state = 'dead' AND o.record_id = ?`,
      ),
      dead: p(
        `SELECT r.id, r.idempotency_key, r.kind, r.is_test, o.attempts, o.enqueued_at, o.dead_at, o.last_error, r.payload
         FROM outbox o JOIN records r ON r.id = o.record_id
         WHERE o.state = 'dead' AND o.record_id > ? ORDER BY o.record_id LIMIT ?`,
      ),
      list: p(
        `SELECT ${ENTRY_COLUMNS} FROM outbox o JOIN records r ON r.id = o.record_id
         WHERE o.state = ? AND o.record_id > ? ORDER BY o.record_id LIMIT ?`,
      ),
    };
  }

  private s(name: string): Statement {
    const st = this.st[name];
    if (st === undefined) throw new StorageError('io', `internal: no statement ${name}`);
    return st;
  }

  /** Free space on the data directory's file system against the floor. */
  freeSpace(extraBytes = 0): FreeSpace {
    let freeBytes: number;
    try {
      const s = this.statfs(this.dataDir);
      freeBytes = Number(s.bavail) * Number(s.bsize);
    } catch (e) {
      throw toStorageError(e, `checking free space of ${this.dataDir}`);
    }
    return { freeBytes, floorBytes: this.minFreeBytes, ok: freeBytes - extraBytes >= this.minFreeBytes };
  }

  /**
   * Queue a submission. Order: validate; free-space floor (nothing written if below);
   * duplicate-key check; seal; attachments put() and fsynced; then ONE transaction inserting the
   * record, its outbox entry and its attachment references.
   */
  enqueue(input: EnqueueInput): EnqueueResult {
    input.signal?.throwIfAborted();
    const idempotencyKey = input.idempotencyKey ?? randomUUID();
    if (!KEY_RE.test(idempotencyKey)) {
      throw new StorageError('invalid', 'idempotency key must be 1-255 printable ASCII characters without spaces');
    }
    if (typeof input.kind !== 'string' || input.kind.length === 0 || input.kind.length > MAX_KIND) {
      throw new StorageError('invalid', `kind must be a string of 1-${MAX_KIND} characters`);
    }
    let json: string | undefined;
    try {
      json = JSON.stringify(input.payload);
    } catch (e) {
      throw new StorageError('invalid', 'payload is not JSON-serialisable', { cause: e });
    }
    if (json === undefined) throw new StorageError('invalid', 'payload is not JSON-serialisable');
    const plain = Buffer.from(json, 'utf8');
    input.check?.(plain.length);
    const files = input.attachments ?? [];
    for (const f of files) {
      if (!(f instanceof Uint8Array)) throw new StorageError('invalid', 'attachments must be byte arrays');
    }

    // 1. Free-space floor, before anything is written.
    const estimate = plain.length + files.reduce((n, f) => n + f.length, 0) + 4096;
    const space = this.freeSpace(estimate);
    if (!space.ok) {
      throw new StorageError(
        'below-floor',
        `free space on ${this.dataDir} is ${mib(space.freeBytes)} MiB, below the floor of ${mib(space.floorBytes)} MiB ` +
          '(plus this submission): new submissions are refused; queued entries are kept',
      );
    }
    // 2. Duplicate key: refuse before writing any file (the UNIQUE constraint stays the real guard, and is the
    //    only one without files: a duplicate then fails the transaction, nothing written).
    if (files.length > 0 && this.s('idByKey').get(idempotencyKey) !== undefined) throw duplicate(idempotencyKey);

    // 3. Seal the payload, bound to its key and kind.
    const sealed = this.sealer.seal(plain, outboxAad(idempotencyKey, input.kind));

    // 4. Attachments: durable before the row that references them.
    const puts = files.map((f) => this.attachments.put(f));
    const now = this.clock();
    const pendingBytes = sealed.length + puts.reduce((n, p) => n + p.sealedSize, 0);
    try {
      input.signal?.throwIfAborted();
      this.assertFull();
      // 5. One transaction: record + outbox entry + attachment references.
      const id = this.#tx.immediate((): number => {
        const info = this.s('insertRecord').run(idempotencyKey, input.kind, input.meta?.test === true ? 1 : 0, now, sealed, sealed.length);
        const recordId = Number(info.lastInsertRowid);
        this.s('insertOutbox').run(recordId, now, now, now, pendingBytes);
        puts.forEach((p, i) => this.s('insertRef').run(recordId, i, p.sha256, p.size, p.sealedSize));
        return recordId;
      }) as number;
      return { id, idempotencyKey, enqueuedAt: now };
    } catch (e) {
      this.removeUnreferenced(puts.map((p) => p.sha256));
      const c = sqliteCode(e);
      if (c === 'SQLITE_CONSTRAINT_UNIQUE' && this.s('idByKey').get(idempotencyKey) !== undefined) {
        throw duplicate(idempotencyKey);
      }
      throw toStorageError(e, 'enqueue');
    }
  }

  /**
   * Move up to `limit` due pending entries to in_flight (attempts + 1), oldest due first. Not fsynced (see
   * write()): a claim lost to a power cut is an entry still pending, which is what recoverInFlight() makes
   * of a claim that survived a crash anyway. Nothing is written when nothing is due.
   */
  claim(now: number, limit = 16): ClaimedEntry[] {
    checkTime(now, 'now');
    if (!Number.isSafeInteger(limit) || limit <= 0) throw new StorageError('invalid', 'limit must be a positive integer');
    const due = this.read('claim', () => this.s('due').all(now, limit) as { record_id: number }[]);
    if (due.length === 0) return [];
    return this.write(
      'claim',
      () => {
        const out: ClaimedEntry[] = [];
        // Read again inside the write lock: another process may have moved them since.
        for (const { record_id: id } of this.s('due').all(now, limit) as { record_id: number }[]) {
          if (this.s('markInFlight').run(now, now, id).changes === 0) continue;
          const r = this.s('entry').get(id) as EntryRow;
          out.push({ id: r.id, idempotencyKey: r.idempotency_key, kind: r.kind, attempts: r.attempts, enqueuedAt: r.enqueued_at, test: r.is_test === 1 });
        }
        return out;
      },
      false,
    );
  }

  /**
   * Claimed entries that were never attempted (a delivery loop that claimed ahead and stopped) go back to
   * pending as they were: due when they were due, the attempt not counted. Entries no longer in flight are
   * left alone. Not fsynced, like claim(). Returns how many went back.
   */
  release(ids: readonly number[]): number {
    if (ids.length === 0) return 0;
    const now = this.clock();
    return this.write(
      'release',
      () => {
        let n = 0;
        for (const id of ids) {
          checkId(id);
          n += this.s('release').run(now, id).changes;
        }
        return n;
      },
      false,
    );
  }

  /**
   * The platform acknowledged: mark acked and purge the sealed payload and attachment references
   * (key, kind, case number and timestamps stay). Attachment files no other entry references are
   * removed after the commit (a crash in between leaves orphans for the start-up sweep).
   * Acking an already acked entry changes nothing. `durable: false` (the delivery loop): committed at
   * synchronous=NORMAL and the attachment directory not fsynced — a power cut may undo the ack, which is a
   * redelivery the platform absorbs by the idempotency key, and leave a removed file, which the start-up
   * sweep removes again.
   */
  ack(id: number, input: AckInput, opts: { durable?: boolean } = {}): { removedAttachments: number } {
    this.#checkAck(id, input);
    const now = this.clock();
    const shas = this.write('ack', () => this.#ackInTx(id, input, now), opts.durable !== false);
    return { removedAttachments: this.removeUnreferenced(shas, opts.durable !== false) };
  }

  /**
   * Retryable: back to pending at nextAttemptAt. Permanent: dead (payload kept, sealed). `durable: false`
   * as for ack(): a lost retry time retries sooner, a lost dead letter is tried once more and dies again.
   */
  fail(id: number, input: FailInput, opts: { durable?: boolean } = {}): void {
    checkId(id);
    const now = this.clock();
    const f = this.#checkFail(input, now);
    this.write('fail', () => this.#failInTx(id, f, now), opts.durable !== false);
  }

  /**
   * Several outcomes (acks and fails) in ONE transaction: the delivery loop's group commit, so that entries
   * finishing close together share their page writes. Each outcome is applied as ack()/fail() would apply it;
   * one that does not apply (its entry is no longer in flight) is reported in `errors` and the others stand.
   */
  settle(outcomes: readonly SettleOutcome[], opts: { durable?: boolean } = {}): { errors: Map<number, StorageError>; removedAttachments: number } {
    const now = this.clock();
    const errors = new Map<number, StorageError>();
    const checked: { id: number; ack?: AckInput; fail?: FailInput }[] = [];
    for (const o of outcomes) {
      try {
        checkId(o.id);
        if (o.ack !== undefined) this.#checkAck(o.id, o.ack);
        else if (o.fail !== undefined) this.#checkFail(o.fail, now);
        else throw new StorageError('invalid', 'an outcome is an ack or a fail');
        checked.push(o);
      } catch (e) {
        errors.set(o.id, toStorageError(e, 'settle'));
      }
    }
    if (checked.length === 0) return { errors, removedAttachments: 0 };
    const shas = this.write(
      'settle',
      () => {
        const refs: string[] = [];
        for (const o of checked) {
          // A savepoint each: one outcome that does not apply leaves the others whole.
          try {
            this.#tx((): void => {
              if (o.ack !== undefined) refs.push(...this.#ackInTx(o.id, o.ack, now));
              else if (o.fail !== undefined) this.#failInTx(o.id, this.#checkFail(o.fail, now), now);
            });
          } catch (e) {
            errors.set(o.id, toStorageError(e, 'settle'));
          }
        }
        return refs;
      },
      opts.durable !== false,
    );
    return { errors, removedAttachments: this.removeUnreferenced(shas, opts.durable !== false) };
  }

  #checkAck(id: number, input: AckInput): void {
    checkId(id);
    checkTime(input.ackedAt, 'ackedAt');
    if (typeof input.platformCaseNumber !== 'string' || input.platformCaseNumber.length === 0 || input.platformCaseNumber.length > 200) {
      throw new StorageError('invalid', 'platformCaseNumber must be a string of 1-200 characters');
    }
  }

  #checkFail(input: FailInput, now: number): { retryable: boolean; reason: string; at: number } {
    if (typeof input.reason !== 'string') throw new StorageError('invalid', 'reason must be a string');
    const at = input.nextAttemptAt ?? now;
    checkTime(at, 'nextAttemptAt');
    return { retryable: input.retryable, reason: input.reason.slice(0, MAX_REASON), at };
  }

  /** Inside a write transaction: the ack's changes; returns the attachment hashes it dereferenced. */
  #ackInTx(id: number, input: AckInput, now: number): string[] {
    const state = this.stateOf(id);
    if (state === 'acked') return [];
    const refs = (this.s('refsOf').all(id) as { sha256: string }[]).map((r) => r.sha256);
    this.s('purgeRecord').run(input.platformCaseNumber, input.ackedAt, now, id);
    this.s('markAcked').run(now, id);
    this.s('deleteRefs').run(id);
    return refs;
  }

  #failInTx(id: number, f: { retryable: boolean; reason: string; at: number }, now: number): void {
    const state = this.stateOf(id);
    if (state !== 'in_flight' && state !== 'pending') {
      throw new StorageError('conflict', `outbox entry ${id} is ${state}; fail() applies to in_flight or pending entries`);
    }
    if (f.retryable) this.s('markRetry').run(f.at, now, f.reason, id);
    else this.s('markDead').run(now, now, f.reason, id);
  }

  /** Dead letters back to pending (one, or all when id is omitted). Returns how many moved. */
  retryDead(id?: number, now: number = this.clock()): number {
    checkTime(now, 'now');
    return this.write('retryDead', () => {
      if (id === undefined) return this.s('retryAllDead').run(now, now).changes;
      checkId(id);
      const changes = this.s('retryOneDead').run(now, now, id).changes;
      if (changes === 0) {
        const state = this.stateOf(id);
        throw new StorageError('conflict', `outbox entry ${id} is ${state}, not dead`);
      }
      return changes;
    });
  }

  /** Dead letters with their payload still sealed (for a technician's export). Paged by id. */
  exportDead(opts: { afterId?: number; limit?: number } = {}): DeadLetter[] {
    const limit = opts.limit ?? 1000;
    const rows = this.read('exportDead', () => this.s('dead').all(opts.afterId ?? 0, limit)) as DeadRow[];
    return rows.map((r) => this.#deadLetter(r));
  }

  /** Ids of dead letters queued before `cutoff` (ms), oldest first (the (state, enqueued_at) index). */
  deadQueuedBefore(cutoff: number, limit = 500): number[] {
    checkTime(cutoff, 'cutoff');
    return (this.read('deadQueuedBefore', () => this.s('deadBefore').all(cutoff, limit)) as { record_id: number }[]).map((r) => r.record_id);
  }

  /** These dead letters, still sealed (ids that are no longer dead are left out). */
  deadLetters(ids: readonly number[]): DeadLetter[] {
    const out: DeadLetter[] = [];
    for (const id of ids) {
      checkId(id);
      const r = this.read('deadLetters', () => this.s('deadOne').get(id)) as DeadRow | undefined;
      if (r !== undefined) out.push(this.#deadLetter(r));
    }
    return out;
  }

  /**
   * Retention: these dead letters become 'expired' — sealed payload and attachment references purged in one
   * transaction (key, kind and timestamps stay); unreferenced attachment files removed after the commit.
   * Export them first (retention.ts). Returns the ids that were expired (ids no longer dead are skipped).
   */
  expireDead(ids: readonly number[]): { expired: number[]; removedAttachments: number } {
    const now = this.clock();
    const { expired, shas } = this.write('expireDead', () => {
      const done: number[] = [];
      const refs: string[] = [];
      for (const id of ids) {
        checkId(id);
        if (this.s('markExpired').run(now, id).changes === 0) continue;
        for (const r of this.s('refsOf').all(id) as { sha256: string }[]) refs.push(r.sha256);
        this.s('purgeExpired').run(now, id);
        this.s('deleteRefs').run(id);
        done.push(id);
      }
      return { expired: done, shas: refs };
    });
    return { expired, removedAttachments: this.removeUnreferenced(shas) };
  }

  #deadLetter(r: DeadRow): DeadLetter {
    const sealedPayload = r.payload ?? Buffer.alloc(0);
    let keyId = '';
    try {
      keyId = parseEnvelope(sealedPayload).keyId;
    } catch {
      keyId = '';
    }
    const attachments = (this.s('refsOf').all(r.id) as { sha256: string; size: number; sealed_size: number }[]).map((a) => ({
      sha256: a.sha256,
      size: a.size,
      sealedSize: a.sealed_size,
    }));
    return {
      id: r.id,
      idempotencyKey: r.idempotency_key,
      kind: r.kind,
      test: r.is_test === 1,
      attempts: r.attempts,
      enqueuedAt: r.enqueued_at,
      deadAt: r.dead_at,
      reason: r.last_error,
      keyId,
      sealedPayload: new Uint8Array(sealedPayload),
      attachments,
    };
  }

  /** O(1): trigger-maintained counters plus one index probe per state for the oldest entry. */
  stats(now: number = this.clock()): OutboxStats {
    return this.read('stats', () => {
      const c: Record<string, { n: number; bytes: number }> = {};
      for (const r of this.s('counters').all() as { state: string; n: number; bytes: number }[]) c[r.state] = { n: r.n, bytes: r.bytes };
      const oldest = (this.s('oldest').get() as { t: number | null } | undefined)?.t ?? null;
      const oldestDead = (this.s('oldestDead').get() as { t: number } | undefined)?.t ?? null;
      return {
        pending: c.pending?.n ?? 0,
        inFlight: c.in_flight?.n ?? 0,
        dead: c.dead?.n ?? 0,
        acked: c.acked?.n ?? 0,
        oldestPendingAgeMs: oldest === null ? null : Math.max(0, now - oldest),
        bytes: (c.pending?.bytes ?? 0) + (c.in_flight?.bytes ?? 0),
        deadBytes: c.dead?.bytes ?? 0,
        expired: c.expired?.n ?? 0,
        oldestDeadAgeMs: oldestDead === null ? null : Math.max(0, now - oldestDead),
      };
    });
  }

  /** At start: entries a crash left in_flight go back to pending, due now. O(in_flight) via the state index. */
  recoverInFlight(now: number = this.clock()): number {
    checkTime(now, 'now');
    return this.write('recoverInFlight', () => this.s('recover').run(now, now).changes);
  }

  /**
   * Makes every pending entry due now (the platform is reachable again: there is no reason to wait
   * out backoff delays chosen during the outage). Uses the (state, next_attempt_at) index; returns how many.
   */
  expedite(now: number = this.clock()): number {
    checkTime(now, 'now');
    return this.write('expedite', () => this.s('expedite').run(now, now, now).changes);
  }

  /** Metadata only (nothing unsealed). */
  entry(id: number): OutboxEntry | undefined {
    checkId(id);
    const r = this.read('entry', () => this.s('entry').get(id)) as EntryRow | undefined;
    return r === undefined ? undefined : toEntry(r);
  }

  findByKey(idempotencyKey: string): OutboxEntry | undefined {
    const r = this.read('findByKey', () => this.s('entryByKey').get(idempotencyKey)) as EntryRow | undefined;
    return r === undefined ? undefined : toEntry(r);
  }

  /** Entries in one state, paged by id (for kioskctl). Metadata only. */
  list(state: OutboxState, opts: { afterId?: number; limit?: number } = {}): OutboxEntry[] {
    const rows = this.read('list', () => this.s('list').all(state, opts.afterId ?? 0, opts.limit ?? 100)) as EntryRow[];
    return rows.map(toEntry);
  }

  /** The entry unsealed for delivery; undefined if there is no such entry. 'not-found' if purged. */
  get(id: number): DeliveryItem | undefined {
    const e = this.entry(id);
    if (e === undefined) return undefined;
    return { ...e, payload: this.payloadOf(id), attachments: this.attachmentsOf(id) };
  }

  /** The unsealed payload. 'not-found' if the entry does not exist or was purged after ack. */
  payloadOf(id: number): unknown {
    checkId(id);
    const r = this.read('payloadOf', () => this.s('payload').get(id)) as
      | { payload: Buffer | null; idempotency_key: string; kind: string }
      | undefined;
    if (r === undefined) throw new StorageError('not-found', `no outbox entry ${id}`);
    if (r.payload === null) throw new StorageError('not-found', `outbox entry ${id} was acknowledged and its payload purged`);
    const plain = this.sealer.open(r.payload, outboxAad(r.idempotency_key, r.kind));
    try {
      return JSON.parse(Buffer.from(plain).toString('utf8')) as unknown;
    } catch (e) {
      throw new StorageError('corrupt', `outbox entry ${id}: unsealed payload is not JSON`, { cause: e });
    }
  }

  /** SHA-256 list of the entry's attachments, in enqueue order (empty after ack). */
  attachmentsOf(id: number): string[] {
    checkId(id);
    return (this.read('attachmentsOf', () => this.s('refsOf').all(id)) as { sha256: string }[]).map((r) => r.sha256);
  }

  /** Does any entry reference this attachment? (Indexed; used by the start-up sweep.) */
  isAttachmentReferenced(sha256: string): boolean {
    return this.read('isAttachmentReferenced', () => this.s('shaReferenced').get(sha256)) !== undefined;
  }

  private stateOf(id: number): OutboxState {
    const r = this.s('state').get(id) as { state: OutboxState } | undefined;
    if (r === undefined) throw new StorageError('not-found', `no outbox entry ${id}`);
    return r.state;
  }

  private removeUnreferenced(shas: readonly string[], syncDir = true): number {
    let removed = 0;
    for (const sha of new Set(shas)) {
      try {
        if (this.s('shaReferenced').get(sha) === undefined && this.attachments.remove(sha, { syncDir })) removed++;
      } catch {
        // Left for the start-up orphan sweep; the committed state is already correct.
      }
    }
    return removed;
  }

  /**
   * One BEGIN IMMEDIATE transaction. `durable: false` commits it at synchronous=NORMAL: atomic, ordered and
   * surviving a killed process like any commit, but not fsynced — a power cut may roll it back, and the next
   * synchronous=FULL commit (any enqueue, the journal's sync) makes it durable with everything before it
   * (WAL frames are synced in order). Only for changes whose loss costs nothing but a repeat: claims, and
   * delivery outcomes (a lost ack is a redelivery the platform absorbs by the idempotency key). The
   * connection goes back to FULL before this returns, and enqueue() checks that it did.
   */
  private write<T>(what: string, fn: () => T, durable = true): T {
    if (!durable) this.setSynchronous('NORMAL');
    try {
      return this.#tx.immediate(fn) as T;
    } catch (e) {
      throw toStorageError(e, what);
    } finally {
      if (!durable) this.setSynchronous('FULL');
    }
  }

  #relaxed = false;

  private setSynchronous(level: 'NORMAL' | 'FULL'): void {
    try {
      this.s(level === 'NORMAL' ? 'syncNormal' : 'syncFull').run();
      this.#relaxed = level === 'NORMAL';
    } catch (e) {
      // Left relaxed: enqueue() refuses until FULL can be set again.
      if (level === 'FULL') this.#relaxed = true;
      throw toStorageError(e, `setting synchronous=${level}`);
    }
  }

  /** Before every enqueue: the connection is at synchronous=FULL (restored if a relaxed write could not). */
  private assertFull(): void {
    if (this.#relaxed) this.setSynchronous('FULL');
    if (Number(this.s('synchronous').pluck().get()) !== 2) {
      throw new StorageError('io', 'database connection is not at synchronous=FULL: enqueue refused');
    }
  }

  private read<T>(what: string, fn: () => T): T {
    try {
      return fn();
    } catch (e) {
      throw toStorageError(e, what);
    }
  }
}

interface DeadRow {
  id: number;
  idempotency_key: string;
  kind: string;
  is_test: number;
  attempts: number;
  enqueued_at: number;
  dead_at: number | null;
  last_error: string | null;
  payload: Buffer | null;
}

function duplicate(key: string): StorageError {
  return new StorageError('duplicate', `idempotency key ${key} is already queued; nothing was added`);
}

function mib(n: number): string {
  return (n / (1024 * 1024)).toFixed(1);
}
