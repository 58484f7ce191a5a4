/**
 * The offline cache, assembled: database (pragmas, quick_check, migrations), sealer (key file, guarded
 * by the data: see key-guard.ts), attachment store (orphan sweep), outbox (in-flight recovery), the kv
 * cache and the tamper-evident journal beside the database (journal.ts).
 *
 * `recover: false` is for a second process (kioskctl) inspecting the cache while the core runs:
 * it skips the orphan sweep, the in-flight recovery and the journal's full check, which belong to the
 * owner at start-up, and never creates a key file.
 *
 * Throws StorageError when the cache cannot be used at all ('corrupt', 'too-new', 'key-missing',
 * 'key-wrong', 'sealing', 'full', 'io'). A journal problem does NOT stop the cache (queued entries can
 * still be delivered): it is reported in `journalProblem` and the owner takes the kiosk out of service.
 */
import path from 'node:path';
import { AttachmentStore, type SweepResult } from './attachments.js';
import { DEFAULT_DB_FILE, openDatabase, type SqliteDatabase } from './database.js';
import { DraftStore } from './drafts.js';
import { checkIntegrity, type IntegrityOptions, type IntegrityResult } from './integrity.js';
import { isStorageError, StorageError } from './errors.js';
import { Journal, JOURNAL_FILE, type JournalHash } from './journal.js';
import { openGuardedSealer } from './key-guard.js';
import { KvCache } from './kv.js';
import { UsageCounters } from './counters.js';
import { PaymentJournal } from './payments.js';
import { Outbox, type StatfsFn } from './outbox.js';
import { availableSuites, type CryptoRuntime, type Sealer, type SealSuite } from './sealing.js';

export interface OfflineCacheOptions {
  dir: string;
  keyFile: string;
  suite?: SealSuite;
  minFreeBytes?: number;
  fileName?: string;
  busyTimeoutMs?: number;
  /**
   * PRAGMA quick_check at open. Default true. It reads the whole file, so it is the one start-up
   * cost that grows with the database (measured ~240 ms for 100,000 pending entries / 51 MB);
   * everything else at open is independent of the queue length.
   */
  quickCheck?: boolean;
  /** Owner start-up work (orphan sweep, in-flight recovery). Default true. */
  recover?: boolean;
  /**
   * 'at-open' (default): quick_check, the journal's full chain and the orphan sweep run inside this call.
   * 'deferred' (the core): none of them here — the open costs the same for an empty queue and for 100,000
   * entries — and the owner runs them with `cache.checkIntegrity()` once it serves (integrity.ts).
   * `quickCheck: true` with 'deferred' still checks at open (a database a previous check found damaged).
   */
  checks?: 'at-open' | 'deferred';
  statfs?: StatfsFn;
  clock?: () => number;
  runtime?: CryptoRuntime;
  /**
   * The tamper-evident journal (`<dir>/kiosk.journal`). Default on: `hash` for a new journal (sha256),
   * `terminalId` written into its first record. `false`: no journal (tests of other parts only).
   */
  journal?: false | { hash?: JournalHash; terminalId?: string };
}

export interface OfflineCache {
  db: SqliteDatabase;
  outbox: Outbox;
  attachments: AttachmentStore;
  kv: KvCache;
  /** Per-device, per-day usage counters. */
  counters: UsageCounters;
  /** The payment journal (one row per payment; written before every request to the pad). */
  payments: PaymentJournal;
  /** The session's draft (crash resume), sealed; wiped with the session. */
  drafts: DraftStore;
  sealer: Sealer;
  /** The journal; null when disabled or when it could not be opened (see journalProblem). */
  journal: Journal | null;
  /** Why the journal could not be opened (missing, replaced, cut short, broken link): the kiosk goes out of service. */
  journalProblem: StorageError | null;
  /** What start-up did (zeros when recover is false, and the sweep's zeros with deferred checks). */
  startup: { sweep: SweepResult; recoveredInFlight: number };
  /**
   * The start-up checks the open deferred (quick_check unless it ran at open, the journal chain and
   * reconciliation, the orphan sweep), off the main thread or a slice at a time; see integrity.ts.
   */
  checkIntegrity(opts: Pick<IntegrityOptions, 'acceptanceNumberOf' | 'sliceMs' | 'rowsPerQuery' | 'signal'>): Promise<IntegrityResult>;
  close(): void;
}

export function openOfflineCache(opts: OfflineCacheOptions): OfflineCache {
  // A missing SM suite fails before anything is touched.
  if (opts.suite !== undefined && availableSuites(opts.runtime)[opts.suite] !== true) {
    throw new StorageError(
      'sealing',
      `sealing suite ${opts.suite} is not available in this runtime: it needs sm4-ctr and sm3 from the crypto library ` +
        "(Node's OpenSSL has them; Electron's BoringSSL does not) — run the core under Node or configure aes-256-gcm",
    );
  }
  const owner = opts.recover !== false;
  const deferred = opts.checks === 'deferred';
  const quickCheckAtOpen = deferred ? opts.quickCheck === true : opts.quickCheck !== false;
  const db = openDatabase({
    dir: opts.dir,
    ...(opts.fileName !== undefined ? { fileName: opts.fileName } : {}),
    ...(opts.busyTimeoutMs !== undefined ? { busyTimeoutMs: opts.busyTimeoutMs } : {}),
    quickCheck: quickCheckAtOpen,
  });
  let journal: Journal | null = null;
  try {
    // The key is checked against the data it must open: a new key only for an empty cache.
    const sealer = openGuardedSealer({
      db,
      keyFile: opts.keyFile,
      owner,
      ...(opts.suite ? { suite: opts.suite } : {}),
      ...(opts.runtime ? { runtime: opts.runtime } : {}),
      ...(opts.clock ? { clock: opts.clock } : {}),
    });
    const attachments = new AttachmentStore(opts.dir, sealer);
    const outbox = new Outbox({
      db,
      sealer,
      attachments,
      dataDir: opts.dir,
      ...(opts.minFreeBytes !== undefined ? { minFreeBytes: opts.minFreeBytes } : {}),
      ...(opts.statfs ? { statfs: opts.statfs } : {}),
      ...(opts.clock ? { clock: opts.clock } : {}),
    });
    const kv = new KvCache(db, sealer, opts.clock ? { clock: opts.clock } : {});
    const counters = new UsageCounters(db);
    const payments = new PaymentJournal(db, opts.clock ? { clock: opts.clock } : {});
    const drafts = new DraftStore(db, sealer, opts.clock ? { clock: opts.clock } : {});
    let sweep: SweepResult = { removed: 0, tempRemoved: 0 };
    let recoveredInFlight = 0;
    if (owner) {
      if (!deferred) sweep = attachments.sweepOrphans((sha) => outbox.isAttachmentReferenced(sha));
      recoveredInFlight = outbox.recoverInFlight();
    }
    let journalProblem: StorageError | null = null;
    if (opts.journal !== false) {
      try {
        journal = Journal.open({
          file: path.join(opts.dir, JOURNAL_FILE),
          db,
          verify: owner && !deferred,
          ...(opts.journal?.hash ? { hash: opts.journal.hash } : {}),
          ...(opts.journal?.terminalId ? { terminalId: opts.journal.terminalId } : {}),
          ...(opts.clock ? { clock: opts.clock } : {}),
        });
      } catch (e) {
        if (!isStorageError(e) || (e.code !== 'journal' && e.code !== 'io')) throw e;
        journalProblem = e;
      }
    }
    let closed = false;
    const j = journal;
    return {
      db,
      outbox,
      attachments,
      kv,
      counters,
      payments,
      drafts,
      sealer,
      journal: j,
      journalProblem,
      startup: { sweep, recoveredInFlight },
      checkIntegrity(c) {
        return checkIntegrity({
          db,
          dbFile: path.join(opts.dir, opts.fileName ?? DEFAULT_DB_FILE),
          journal: j,
          outbox,
          attachments,
          acceptanceNumberOf: c.acceptanceNumberOf,
          quickCheck: !quickCheckAtOpen,
          ...(c.sliceMs !== undefined ? { sliceMs: c.sliceMs } : {}),
          ...(c.rowsPerQuery !== undefined ? { rowsPerQuery: c.rowsPerQuery } : {}),
          ...(c.signal ? { signal: c.signal } : {}),
        });
      },
      close(): void {
        if (closed) return;
        closed = true;
        j?.close();
        db.close();
      },
    };
  } catch (e) {
    journal?.close();
    db.close();
    throw e;
  }
}

export { StorageError, isStorageError, KeyProblemError, isKeyProblem, type KeyProblemDetails, type StorageErrorCode } from './errors.js';
export {
  Journal,
  JournalScanner,
  JOURNAL_FILE,
  JOURNAL_HASHES,
  journalHashAvailable,
  reconcileJournal,
  scanJournal,
  verifyJournal,
  type BrokenLink,
  type ChainCheck,
  type JournalEntry,
  type JournalHash,
  type JournalOptions,
  type JournalRecord,
  type JournalRecordType,
  type JournalScan,
  type JournalVerification,
  type ReconcileOptions,
  type ReconcileResult,
} from './journal.js';
export { openGuardedSealer, registeredKeys, sealedDataSummary, type SealedSummary } from './key-guard.js';
export { checkIntegrity, quickCheckInWorker, type CheckOutcome, type IntegrityOptions, type IntegrityResult } from './integrity.js';
export { openDatabase, migrate, latestVersion, type OpenDatabaseOptions, type SqliteDatabase } from './database.js';
export { MIGRATIONS, type Migration } from './migrations.js';
export { Sealer, availableSuites, keyCheckValue, parseEnvelope, SEAL_SUITES, type SealSuite, type CryptoRuntime, type SealerOptions } from './sealing.js';
export { AttachmentStore, sha256Hex, type PutResult, type SweepResult } from './attachments.js';
export {
  Outbox,
  outboxAad,
  type OutboxOptions,
  type OutboxState,
  type EnqueueInput,
  type EnqueueResult,
  type OutboxEntry,
  type DeliveryItem,
  type ClaimedEntry,
  type AckInput,
  type FailInput,
  type SettleOutcome,
  type OutboxStats,
  type DeadLetter,
  type FreeSpace,
  type StatfsFn,
  type StatfsLike,
} from './outbox.js';
export { KvCache, type CachedDocument } from './kv.js';
export { DraftStore, MAX_DRAFT_BYTES, MAX_DRAFT_PAGES_BYTES, decodePages, encodePages, type StoredDraft, type DraftStoreOptions } from './drafts.js';
export { UsageCounters, type CounterRow } from './counters.js';
export {
  collectRetentionExports,
  deadLetterDocument,
  DEAD_LETTER_FORMAT,
  expireDeadLetters,
  EXPIRED_DIR,
  listRetentionExports,
  writeDeadLetterExport,
  type DeadLetterExport,
  type ExportFile,
  type RetentionOptions,
  type RetentionResult,
} from './retention.js';
export {
  PaymentJournal,
  paymentKey,
  FINAL_PAYMENT_STATES,
  type PaymentState,
  type PaymentRow,
  type PaymentEvent,
  type OpenPaymentInput,
  type PaymentAnswer,
} from './payments.js';

