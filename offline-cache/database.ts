/**
 * Opening the SQLite database: WAL, synchronous=FULL on every open (read back and asserted —
 * better-sqlite3 is built with SQLITE_DEFAULT_WAL_SYNCHRONOUS=1, so a reopened WAL database
 * silently runs at NORMAL otherwise), foreign keys, busy timeout, secure_delete, a
 * quick_check before anything is written (unless the caller runs it in the background: the core does,
 * see integrity.ts), then the numbered migrations.
 *
 * A database that fails quick_check is reported (StorageError 'corrupt') and left exactly as
 * it is: nothing here ever deletes, truncates or rebuilds a database or its -wal/-shm files.
 */
import fs from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import { StorageError, toStorageError } from './errors.js';
import { MIGRATIONS, type Migration } from './migrations.js';

export type SqliteDatabase = Database.Database;

export interface OpenDatabaseOptions {
  /** Data directory (created if missing). */
  dir: string;
  /** Database file name inside dir. Default 'kiosk.db'. */
  fileName?: string;
  /** How long a statement waits for another connection's lock. Default 5000 ms. */
  busyTimeoutMs?: number;
  /** Run PRAGMA quick_check at open. Default true; false when the owner runs it in the background (integrity.ts). */
  quickCheck?: boolean;
  /** Migrations to apply; default the shipped list. Tests inject their own. */
  migrations?: readonly Migration[];
}

export const DEFAULT_DB_FILE = 'kiosk.db';

/** The highest schema version a migration list knows. */
export function latestVersion(migrations: readonly Migration[] = MIGRATIONS): number {
  return migrations.length === 0 ? 0 : (migrations[migrations.length - 1]?.version ?? 0);
}

function checkMigrationList(migrations: readonly Migration[]): void {
  let prev = 0;
  for (const m of migrations) {
    if (!Number.isInteger(m.version) || m.version !== prev + 1) {
      throw new StorageError('invalid', `migration list is not numbered 1, 2, 3, ...: found ${m.version} after ${prev}`);
    }
    prev = m.version;
  }
}

function pragmaValue(db: SqliteDatabase, pragma: string): unknown {
  return db.pragma(pragma, { simple: true });
}

/** Apply every migration newer than the database; refuse a database newer than the code. */
export function migrate(db: SqliteDatabase, file: string, migrations: readonly Migration[] = MIGRATIONS): number {
  checkMigrationList(migrations);
  const known = latestVersion(migrations);
  const current = Number(pragmaValue(db, 'user_version'));
  if (current > known) {
    throw new StorageError(
      'too-new',
      `database ${file} has schema version ${current} but this software knows only up to ${known}; ` +
        'install the newer software (the database was left untouched)',
    );
  }
  for (const m of migrations) {
    if (m.version <= current) continue;
    const apply = db.transaction(() => {
      m.up(db);
      db.pragma(`user_version = ${m.version}`);
      const hasTable = db
        .prepare("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'schema_migrations'")
        .get();
      if (hasTable !== undefined) {
        db.prepare('INSERT INTO schema_migrations(version, name, applied_at) VALUES (?, ?, ?)').run(m.version, m.name, Date.now());
      }
    });
    try {
      apply.immediate();
    } catch (e) {
      throw toStorageError(e, `migration ${m.version} (${m.name}) of ${file}`);
    }
  }
  return Number(pragmaValue(db, 'user_version'));
}

/** Read back a pragma and throw if it is not what we set. */
function assertPragma(db: SqliteDatabase, file: string, name: string, expected: string | number): void {
  const got = pragmaValue(db, name);
  if (String(got).toLowerCase() !== String(expected)) {
    throw new StorageError('io', `database ${file}: PRAGMA ${name} reads back ${String(got)}, expected ${String(expected)}`);
  }
}

export function openDatabase(opts: OpenDatabaseOptions): SqliteDatabase {
  const file = path.join(opts.dir, opts.fileName ?? DEFAULT_DB_FILE);
  try {
    fs.mkdirSync(opts.dir, { recursive: true, mode: 0o700 });
  } catch (e) {
    throw toStorageError(e, `creating data directory ${opts.dir}`);
  }
  let db: SqliteDatabase;
  try {
    db = new Database(file);
  } catch (e) {
    throw fullIfNoSpace(toStorageError(e, `opening database ${file}`), opts.dir);
  }
  try {
    db.pragma(`busy_timeout = ${Math.max(0, Math.trunc(opts.busyTimeoutMs ?? 5000))}`);
    // Integrity first, before anything could write to the file.
    if (opts.quickCheck !== false) {
      let result: unknown;
      try {
        result = db.pragma('quick_check', { simple: true });
      } catch (e) {
        const se = toStorageError(e, `quick_check of ${file}`);
        if (se.code === 'corrupt') {
          throw new StorageError(
            'corrupt',
            `database ${file} cannot be read (${se.message}); the kiosk must go out of service — ` +
              'the file was left untouched for a technician',
            { cause: e },
          );
        }
        throw se;
      }
      if (result !== 'ok') {
        throw new StorageError(
          'corrupt',
          `database ${file} failed PRAGMA quick_check (${String(result).slice(0, 200)}); the kiosk must go out of ` +
            'service — the file was left untouched for a technician',
        );
      }
    }
    const mode = pragmaValue(db, 'journal_mode = WAL');
    if (String(mode).toLowerCase() !== 'wal') {
      throw new StorageError('io', `database ${file}: could not switch to WAL (journal_mode is ${String(mode)})`);
    }
    // Must be set on EVERY open: a reopened WAL database defaults to NORMAL in better-sqlite3.
    db.pragma('synchronous = FULL');
    assertPragma(db, file, 'synchronous', 2);
    db.pragma('foreign_keys = ON');
    assertPragma(db, file, 'foreign_keys', 1);
    // Freed pages (purged payloads) are overwritten with zeros, not left for recovery tools.
    db.pragma('secure_delete = ON');
    migrate(db, file, opts.migrations ?? MIGRATIONS);
    return db;
  } catch (e) {
    try {
      db.close();
    } catch {
      // already failing; the original error is the one that matters
    }
    throw fullIfNoSpace(toStorageError(e, `opening database ${file}`), opts.dir);
  }
}

/** SQLite reports a full disk in several ways (IOERR while writing the WAL or -shm): ask the file system. */
function fullIfNoSpace(e: StorageError, dir: string): StorageError {
  if (e.code !== 'io') return e;
  try {
    const s = fs.statfsSync(dir);
    if (Number(s.bavail) * Number(s.bsize) < 64 * 1024) return new StorageError('full', `${e.message} (the disk is full)`, { cause: e });
  } catch {
    // keep the original error
  }
  return e;
}
