/**
 * The owner's start-up checks, off the path to serving (issue 10 item 4). Opening the cache costs the same
 * with an empty queue and with 100,000 entries; what grows with the data runs here, after the kiosk serves:
 *
 *   - `PRAGMA quick_check` in a worker thread, on its own read-only connection (it reads the whole file;
 *     the main thread never waits for it);
 *   - the journal's chain, every link up to where it ended at the start, a slice at a time on the main
 *     thread (Journal.verifyChain), then reconciliation with the rows that existed at the start, a slice of
 *     rows at a time (acceptance numbers the database lost; rows the journal lacked are journalled as
 *     recovered, as reconcileJournal does);
 *   - the orphan sweep of the attachment directory, a slice of names at a time.
 *
 * The caller (the core) goes out of service when a check fails. The checks still run at every start; only
 * the citizen no longer waits for them. When a previous check found the database damaged, the caller opens
 * with `quickCheck: true` instead, so nothing is written to a file known to be bad.
 */
import { createRequire } from 'node:module';
import { performance } from 'node:perf_hooks';
import { Worker } from 'node:worker_threads';
import type { AttachmentStore, SweepResult } from './attachments.js';
import type { SqliteDatabase } from './database.js';
import { isStorageError, toStorageError, type StorageError } from './errors.js';
import type { Journal } from './journal.js';
import type { Outbox } from './outbox.js';

export interface IntegrityOptions {
  db: SqliteDatabase;
  /** The database file, opened read-only by the quick_check worker. */
  dbFile: string;
  journal: Journal | null;
  outbox: Outbox;
  attachments: AttachmentStore;
  /** The kiosk's acceptance number of a row (main/core's format), for recovered records. */
  acceptanceNumberOf(row: { id: number; enqueuedAt: number }): string;
  /** Main-thread work per slice before yielding to the event loop (default 8 ms). */
  sliceMs?: number;
  /** Rows read per query while reconciling (default 500). */
  rowsPerQuery?: number;
  /** false: skip quick_check (it already ran at open). Default true. */
  quickCheck?: boolean;
  signal?: AbortSignal;
}

export type CheckOutcome = { ok: true } | { ok: false; problem: string };

export interface IntegrityResult {
  /** null when skipped. */
  quickCheck: (CheckOutcome & { ms: number }) | null;
  /** null without a journal. */
  journal: (CheckOutcome & { records: number; ms: number }) | null;
  /** Reconciliation with the rows that existed at the start; null without a verified journal. */
  reconcile: {
    journaled: number;
    recovered: { acceptanceNumber: string; key: string }[];
    missing: { acceptanceNumber: string; key: string }[];
    /** Journalling the recovered rows failed (e.g. 'full'); the findings stand. */
    appendError: StorageError | null;
  } | null;
  sweep: SweepResult;
  /** Wall time from the call to the last check done. */
  ms: number;
}

/** Source of the quick_check worker (eval'd, so it needs no file of its own in a bundle or under a test runner). */
const WORKER_SOURCE = `
const { parentPort, workerData } = require('node:worker_threads');
let db;
try {
  const Database = require(workerData.sqlite);
  db = new Database(workerData.file, { readonly: true, fileMustExist: true });
  db.pragma('busy_timeout = 5000');
  const rows = db.pragma('quick_check');
  const values = rows.map((r) => String(Object.values(r)[0]));
  parentPort.postMessage({ ok: values.length === 1 && values[0] === 'ok', detail: values.slice(0, 5).join('; ').slice(0, 300) });
} catch (e) {
  parentPort.postMessage({ ok: false, error: true, code: String(e && e.code || ''), detail: String(e && e.message || e).slice(0, 300) });
} finally {
  try { db && db.close(); } catch {}
}
`;

interface WorkerReply {
  ok: boolean;
  error?: boolean;
  code?: string;
  detail: string;
}

/** PRAGMA quick_check of `file` in a worker thread; falls back to the given connection if no worker can start. */
export function quickCheckInWorker(file: string, fallback: SqliteDatabase, signal?: AbortSignal): Promise<CheckOutcome> {
  const corrupt = (detail: string): CheckOutcome => ({
    ok: false,
    problem: `database ${file} failed PRAGMA quick_check (${detail}); the kiosk must go out of service — the file was left untouched for a technician`,
  });
  const inline = (): CheckOutcome => {
    try {
      const r = fallback.pragma('quick_check', { simple: true });
      return r === 'ok' ? { ok: true } : corrupt(String(r).slice(0, 200));
    } catch (e) {
      return corrupt(e instanceof Error ? e.message.slice(0, 200) : String(e));
    }
  };
  let sqlite: string;
  try {
    sqlite = createRequire(import.meta.url).resolve('better-sqlite3');
  } catch {
    return Promise.resolve(inline());
  }
  return new Promise<CheckOutcome>((resolve) => {
    let worker: Worker;
    try {
      worker = new Worker(WORKER_SOURCE, { eval: true, workerData: { file, sqlite } });
    } catch {
      resolve(inline());
      return;
    }
    let settled = false;
    const done = (o: CheckOutcome): void => {
      if (settled) return;
      settled = true;
      signal?.removeEventListener('abort', onAbort);
      resolve(o);
    };
    const onAbort = (): void => {
      void worker.terminate();
      done({ ok: true });
    };
    signal?.addEventListener('abort', onAbort, { once: true });
    worker.once('message', (m: WorkerReply) => {
      if (m.ok) done({ ok: true });
      else if (m.error === true && !/CORRUPT|NOTADB/.test(m.code ?? '')) done(inline()); // could not check there (busy, no -shm access): check here
      else done(corrupt(m.detail));
      void worker.terminate();
    });
    worker.once('error', () => done(inline()));
    worker.once('exit', () => done(inline()));
  });
}

const yieldToLoop = (): Promise<void> => new Promise((r) => setImmediate(r));

/** Runs every check; never throws for what it finds (a failed check is a result), only when aborted. */
export async function checkIntegrity(opts: IntegrityOptions): Promise<IntegrityResult> {
  const t0 = performance.now();
  const sliceMs = opts.sliceMs ?? 8;
  const { db, journal, signal } = opts;
  // What existed at the start: the rows up to this id, the journal up to its present end.
  const maxId = (db.prepare('SELECT COALESCE(MAX(id), 0) AS id FROM records').get() as { id: number }).id;

  const qc: Promise<(CheckOutcome & { ms: number }) | null> =
    opts.quickCheck === false
      ? Promise.resolve(null)
      : quickCheckInWorker(opts.dbFile, db, signal).then((o) => ({ ...o, ms: performance.now() - t0 }));

  let journalResult: IntegrityResult['journal'] = null;
  let reconcile: IntegrityResult['reconcile'] = null;
  let sweep: SweepResult = { removed: 0, tempRemoved: 0 };
  // A damaged page met while reading rows or probing references is a failed check like quick_check's.
  let damaged: string | null = null;
  try {
    if (journal !== null) {
      const chain = await journal.verifyChain({ sliceMs, ...(signal ? { signal } : {}) });
      journalResult = chain.ok ? { ok: true, records: chain.records, ms: performance.now() - t0 } : { ok: false, problem: chain.problem, records: 0, ms: performance.now() - t0 };
      if (chain.ok) reconcile = await reconcileInSlices(opts, chain.accepted, maxId, sliceMs);
    }
    sweep = await opts.attachments.sweepOrphansInSlices((sha) => opts.outbox.isAttachmentReferenced(sha), { sliceMs, ...(signal ? { signal } : {}) });
  } catch (e) {
    if (signal?.aborted) throw e;
    const se = toStorageError(e, 'start-up checks');
    if (se.code !== 'corrupt') {
      await qc;
      throw se;
    }
    damaged = se.message;
  }
  let quickCheck = await qc;
  signal?.throwIfAborted();
  if (damaged !== null && quickCheck?.ok !== false) {
    quickCheck = { ok: false, problem: `database ${opts.dbFile} cannot be read (${damaged.slice(0, 200)}); the kiosk must go out of service — the file was left untouched for a technician`, ms: performance.now() - t0 };
  }
  return { quickCheck, journal: journalResult, reconcile, sweep, ms: performance.now() - t0 };
}

async function reconcileInSlices(opts: IntegrityOptions, accepted: Map<string, string>, maxId: number, sliceMs: number): Promise<NonNullable<IntegrityResult['reconcile']>> {
  const { db, journal, signal } = opts;
  const remaining = new Map(accepted);
  const unjournaled: { id: number; key: string; enqueuedAt: number }[] = [];
  const page = db.prepare(
    `SELECT r.id AS id, r.idempotency_key AS key, o.enqueued_at AS enqueuedAt FROM records r JOIN outbox o ON o.record_id = r.id
     WHERE r.id > ? AND r.id <= ? ORDER BY r.id LIMIT ?`,
  );
  const perQuery = Math.max(1, Math.trunc(opts.rowsPerQuery ?? 500));
  let after = 0;
  let more = true;
  while (more) {
    signal?.throwIfAborted();
    const t0 = performance.now();
    do {
      const rows = page.all(after, maxId, perQuery) as { id: number; key: string; enqueuedAt: number }[];
      for (const row of rows) if (!remaining.delete(row.key)) unjournaled.push(row);
      more = rows.length === perQuery;
      after = rows[rows.length - 1]?.id ?? after;
    } while (more && performance.now() - t0 < sliceMs);
    if (more) await yieldToLoop();
  }
  const missing = [...remaining].map(([key, acceptanceNumber]) => ({ acceptanceNumber, key }));
  const recovered = unjournaled.map((r) => ({ acceptanceNumber: opts.acceptanceNumberOf(r), key: r.key }));
  let appendError: StorageError | null = null;
  if (journal !== null && (recovered.length > 0 || missing.length > 0)) {
    try {
      for (const r of recovered) journal.append({ type: 'submission-accepted', acceptanceNumber: r.acceptanceNumber, key: r.key, recovered: true }, { sync: false });
      journal.append({ type: 'reconciled', journaled: accepted.size, recovered: recovered.length, missing: missing.length });
    } catch (e) {
      if (!isStorageError(e)) throw e;
      appendError = e;
    }
  }
  return { journaled: accepted.size, recovered, missing, appendError };
}
