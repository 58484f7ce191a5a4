/**
 * Dead-letter export (for a technician, still sealed) and retention (PIPL storage limitation).
 *
 * One export format for both: `kioskctl queue export-dead` and the retention sweep write the same
 * `nxsl-dead-letters/1` document — every entry's sealed payload and its sealed attachment files, base64,
 * plus the key ids needed to open them (the key file is not in it). Written to a new file with mode
 * 0600: temp file, fsync, rename, fsync directory.
 *
 * Retention: a dead letter older than the retention period (counted from when it was queued) is exported
 * into `<dataDir>/expired/`, then purged from the database in one transaction (state 'expired', payload
 * and attachment references gone, files removed), then one `dead-letter-expired` journal record per entry,
 * then the WAL is checkpointed and truncated so the purged bytes do not linger in `kiosk.db-wal`. A crash
 * between the export and the purge exports the same entries again next time (same keys: a technician
 * keeps one). The exports wait in `expired/` until a technician collects them (`kioskctl queue collect`),
 * which moves them off the terminal; `queue stats` shows how many wait and how old the oldest is.
 */
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import type { AttachmentStore } from './attachments.js';
import type { SqliteDatabase } from './database.js';
import { StorageError, toStorageError } from './errors.js';
import type { Journal } from './journal.js';
import type { DeadLetter, Outbox } from './outbox.js';
import { fsyncDir, writeFileDurable, type Sealer } from './sealing.js';

export const DEAD_LETTER_FORMAT = 'nxsl-dead-letters/1';
export const EXPIRED_DIR = 'expired';
const EXPORT_RE = /^dead-letters-\d{8}T\d{6}Z-[0-9a-f]{8}\.json$/;

export interface DeadLetterExport {
  format: typeof DEAD_LETTER_FORMAT;
  exportedAt: string;
  /** Why: 'technician' (kioskctl queue export-dead) or 'retention' (older than the retention period). */
  reason: 'technician' | 'retention';
  sealed: true;
  keyIds: string[];
  entries: (Omit<DeadLetter, 'sealedPayload' | 'attachments'> & {
    acceptanceNumber?: string;
    sealedPayload: string;
    attachments: { sha256: string; size: number; sealedSize: number; sealedFile: string }[];
  })[];
}

/** Builds the export document (reads the sealed attachment files; nothing is unsealed). */
export function deadLetterDocument(
  letters: readonly DeadLetter[],
  opts: { attachments: AttachmentStore; sealer: Sealer; reason: DeadLetterExport['reason']; now: number; acceptanceNumberOf?: (l: DeadLetter) => string },
): DeadLetterExport {
  return {
    format: DEAD_LETTER_FORMAT,
    exportedAt: new Date(opts.now).toISOString(),
    reason: opts.reason,
    sealed: true,
    keyIds: opts.sealer.keyIds(),
    entries: letters.map((d) => ({
      ...d,
      ...(opts.acceptanceNumberOf ? { acceptanceNumber: opts.acceptanceNumberOf(d) } : {}),
      sealedPayload: Buffer.from(d.sealedPayload).toString('base64'),
      attachments: d.attachments.map((a) => {
        let sealedFile: string;
        try {
          sealedFile = fs.readFileSync(opts.attachments.pathOf(a.sha256)).toString('base64');
        } catch (e) {
          throw toStorageError(e, `reading sealed attachment ${a.sha256.slice(0, 12)} for the export`);
        }
        return { ...a, sealedFile };
      }),
    })),
  };
}

/** Writes an export document to a NEW file (mode 0600, durable). Refuses to overwrite. */
export function writeDeadLetterExport(file: string, doc: DeadLetterExport): void {
  if (fs.existsSync(file)) throw new StorageError('conflict', `${file} exists: an export never overwrites a file`);
  try {
    writeFileDurable(file, `${JSON.stringify(doc)}\n`, 0o600);
  } catch (e) {
    throw toStorageError(e, `writing dead-letter export ${file}`);
  }
}

export interface RetentionOptions {
  db: SqliteDatabase;
  outbox: Outbox;
  attachments: AttachmentStore;
  sealer: Sealer;
  /** Journal for the `dead-letter-expired` records (null: the kiosk's journal is unavailable; still purge). */
  journal: Journal | null;
  dataDir: string;
  retentionMs: number;
  now: number;
  acceptanceNumberOf: (entry: { id: number; enqueuedAt: number }) => string;
  /** Entries per export file (default 200). */
  batch?: number;
}

export interface RetentionResult {
  expired: number;
  files: string[];
  removedAttachments: number;
  /** Journal records that could not be written (the purge stands; logged by the caller). */
  unjournaled: number;
}

/** Exports and purges every dead letter older than the retention period. Idempotent; safe to run often. */
export function expireDeadLetters(opts: RetentionOptions): RetentionResult {
  if (!Number.isFinite(opts.retentionMs) || opts.retentionMs <= 0) throw new StorageError('invalid', 'retention must be a positive duration');
  const cutoff = opts.now - opts.retentionMs;
  const dir = path.join(opts.dataDir, EXPIRED_DIR);
  const result: RetentionResult = { expired: 0, files: [], removedAttachments: 0, unjournaled: 0 };
  for (;;) {
    const ids = opts.outbox.deadQueuedBefore(cutoff, opts.batch ?? 200);
    if (ids.length === 0) break;
    const letters = opts.outbox.deadLetters(ids);
    const doc = deadLetterDocument(letters, {
      attachments: opts.attachments,
      sealer: opts.sealer,
      reason: 'retention',
      now: opts.now,
      acceptanceNumberOf: (l) => opts.acceptanceNumberOf({ id: l.id, enqueuedAt: l.enqueuedAt }),
    });
    try {
      fs.mkdirSync(dir, { recursive: true, mode: 0o700 });
    } catch (e) {
      throw toStorageError(e, `creating ${dir}`);
    }
    const stamp = new Date(opts.now).toISOString().replace(/[-:]/g, '').replace(/\.\d+Z$/, 'Z');
    const name = `dead-letters-${stamp}-${crypto.randomBytes(4).toString('hex')}.json`;
    const file = path.join(dir, name);
    writeDeadLetterExport(file, doc);
    result.files.push(file);
    const { expired, removedAttachments } = opts.outbox.expireDead(letters.map((l) => l.id));
    result.expired += expired.length;
    result.removedAttachments += removedAttachments;
    const byId = new Map(letters.map((l) => [l.id, l]));
    for (const id of expired) {
      const l = byId.get(id);
      if (l === undefined) continue;
      try {
        opts.journal?.append({
          type: 'dead-letter-expired',
          acceptanceNumber: opts.acceptanceNumberOf({ id, enqueuedAt: l.enqueuedAt }),
          key: l.idempotencyKey,
          file: name,
        });
      } catch {
        result.unjournaled++;
      }
    }
    if (opts.journal === null) result.unjournaled += expired.length;
  }
  if (result.expired > 0) {
    // The purged payloads live on in WAL frames until the WAL is reset: checkpoint and truncate it.
    try {
      opts.db.pragma('wal_checkpoint(TRUNCATE)');
    } catch {
      // Busy (a reader holds a snapshot): the next checkpoint overwrites them.
    }
  }
  return result;
}

export interface ExportFile {
  file: string;
  name: string;
  bytes: number;
  /** When it was written (file mtime). */
  writtenAt: number;
}

/** Retention exports waiting in `<dataDir>/expired/` for a technician, oldest first. */
export function listRetentionExports(dataDir: string): ExportFile[] {
  const dir = path.join(dataDir, EXPIRED_DIR);
  let names: string[];
  try {
    names = fs.readdirSync(dir);
  } catch (e) {
    if ((e as { code?: unknown }).code === 'ENOENT') return [];
    throw toStorageError(e, `listing ${dir}`);
  }
  const out: ExportFile[] = [];
  for (const name of names) {
    if (!EXPORT_RE.test(name)) continue;
    const file = path.join(dir, name);
    const st = fs.statSync(file);
    out.push({ file, name, bytes: st.size, writtenAt: st.mtimeMs });
  }
  return out.sort((a, b) => a.writtenAt - b.writtenAt || a.name.localeCompare(b.name));
}

/**
 * Hands retention exports over to a technician: each is copied into `toDir` (fsynced, compared byte for
 * byte), then removed from the terminal. Returns the files moved.
 */
export function collectRetentionExports(dataDir: string, toDir: string): string[] {
  const moved: string[] = [];
  for (const f of listRetentionExports(dataDir)) {
    const target = path.join(toDir, f.name);
    try {
      const bytes = fs.readFileSync(f.file);
      if (fs.existsSync(target)) {
        if (!fs.readFileSync(target).equals(bytes)) throw new StorageError('conflict', `${target} exists with other content`);
      } else {
        writeFileDurable(target, bytes, 0o600);
      }
      if (!fs.readFileSync(target).equals(bytes)) throw new StorageError('io', `${target} does not read back as written`);
      fs.rmSync(f.file);
      moved.push(f.name);
    } catch (e) {
      throw toStorageError(e, `handing over ${f.name}`);
    }
  }
  if (moved.length > 0) fsyncDir(path.join(dataDir, EXPIRED_DIR));
  return moved;
}
