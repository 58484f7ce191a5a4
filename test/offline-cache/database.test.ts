import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { latestVersion, openDatabase } from '../../offline-cache/database.js';
import { StorageError } from '../../offline-cache/errors.js';
import { MIGRATIONS, type Migration } from '../../offline-cache/migrations.js';
import { tempDir, thrown } from './helpers.js';

function pragmas(db: Database.Database): { sync: unknown; journal: unknown; fk: unknown } {
  return {
    sync: db.pragma('synchronous', { simple: true }),
    journal: db.pragma('journal_mode', { simple: true }),
    fk: db.pragma('foreign_keys', { simple: true }),
  };
}

describe('openDatabase pragmas', () => {
  it('reports synchronous=FULL, WAL and foreign keys on the first AND the second open', () => {
    const dir = tempDir();
    const first = openDatabase({ dir });
    expect(pragmas(first)).toEqual({ sync: 2, journal: 'wal', fk: 1 });
    first.close();
    // The quirk we guard against: a plain reopen of a WAL file reports NORMAL (1).
    const raw = new Database(path.join(dir, 'kiosk.db'));
    expect(raw.pragma('synchronous', { simple: true })).toBe(1);
    raw.close();
    const second = openDatabase({ dir });
    expect(pragmas(second)).toEqual({ sync: 2, journal: 'wal', fk: 1 });
    expect(second.pragma('busy_timeout', { simple: true })).toBe(5000);
    second.close();
  });

  it('honours fileName and busyTimeoutMs', () => {
    const dir = tempDir();
    const db = openDatabase({ dir, fileName: 'other.db', busyTimeoutMs: 1234 });
    expect(db.pragma('busy_timeout', { simple: true })).toBe(1234);
    db.close();
    expect(fs.existsSync(path.join(dir, 'other.db'))).toBe(true);
  });
});

describe('migrations', () => {
  it('records the schema version in user_version and schema_migrations', () => {
    const dir = tempDir();
    const db = openDatabase({ dir });
    expect(db.pragma('user_version', { simple: true })).toBe(latestVersion());
    const rows = db.prepare('SELECT version FROM schema_migrations ORDER BY version').all() as { version: number }[];
    expect(rows.map((r) => r.version)).toEqual(MIGRATIONS.map((m) => m.version));
    db.close();
    // Reopening applies nothing twice.
    const again = openDatabase({ dir });
    expect((again.prepare('SELECT COUNT(*) AS n FROM schema_migrations').get() as { n: number }).n).toBe(MIGRATIONS.length);
    again.close();
  });

  it('applies a later migration in order, once', () => {
    const dir = tempDir();
    openDatabase({ dir }).close();
    let runs = 0;
    const extra: Migration[] = [
      ...MIGRATIONS,
      { version: latestVersion() + 1, name: 'extra table', up: (db) => { runs++; db.exec('CREATE TABLE extra(x)'); } },
    ];
    const db = openDatabase({ dir, migrations: extra });
    expect(db.pragma('user_version', { simple: true })).toBe(latestVersion() + 1);
    db.close();
    openDatabase({ dir, migrations: extra }).close();
    expect(runs).toBe(1);
  });

  it('rolls a failing migration back completely (version unchanged)', () => {
    const dir = tempDir();
    openDatabase({ dir }).close();
    const bad: Migration[] = [
      ...MIGRATIONS,
      { version: latestVersion() + 1, name: 'fails half way', up: (db) => { db.exec('CREATE TABLE half(x)'); throw new Error('boom'); } },
    ];
    expect(thrown(() => openDatabase({ dir, migrations: bad }))).toBeInstanceOf(StorageError);
    const db = openDatabase({ dir });
    expect(db.pragma('user_version', { simple: true })).toBe(latestVersion());
    expect(db.prepare("SELECT name FROM sqlite_master WHERE name = 'half'").get()).toBeUndefined();
    db.close();
  });

  it('refuses a database newer than the code with a typed too-new error and leaves it alone', () => {
    const dir = tempDir();
    const db = openDatabase({ dir });
    db.pragma('user_version = 99');
    db.close();
    const e = thrown(() => openDatabase({ dir }));
    expect(e).toBeInstanceOf(StorageError);
    expect((e as StorageError).code).toBe('too-new');
    expect((e as StorageError).message).toContain('99');
    const raw = new Database(path.join(dir, 'kiosk.db'));
    expect(raw.pragma('user_version', { simple: true })).toBe(99);
    raw.close();
  });
});

describe('quick_check at open', () => {
  function hash(file: string): string {
    return crypto.createHash('sha256').update(fs.readFileSync(file)).digest('hex');
  }

  it('a corrupted b-tree page gives a typed corrupt error naming the file, and the file is untouched', () => {
    const dir = tempDir();
    const file = path.join(dir, 'kiosk.db');
    const db = openDatabase({ dir });
    db.exec('CREATE TABLE filler(x BLOB)');
    const ins = db.prepare('INSERT INTO filler VALUES (?)');
    for (let i = 0; i < 200; i++) ins.run(Buffer.alloc(300, i));
    db.pragma('wal_checkpoint(TRUNCATE)');
    db.close();
    const pageSize = 4096;
    const bytes = fs.readFileSync(file);
    const pages = bytes.length / pageSize;
    expect(pages).toBeGreaterThan(5);
    // Scribble over the middle of the last pages (table b-tree pages of `filler`).
    for (let p = pages - 3; p < pages; p++) bytes.fill(0xa5, p * pageSize + 8, p * pageSize + 2000);
    fs.writeFileSync(file, bytes);
    const before = hash(file);
    const e = thrown(() => openDatabase({ dir }));
    expect(e).toBeInstanceOf(StorageError);
    expect((e as StorageError).code).toBe('corrupt');
    expect((e as StorageError).message).toContain(file);
    expect(hash(file)).toBe(before);
    expect(fs.readdirSync(dir).filter((n) => n.startsWith('kiosk.db'))).toContain('kiosk.db');
  });

  it('a destroyed header (not a database) is also typed corrupt and untouched', () => {
    const dir = tempDir();
    const file = path.join(dir, 'kiosk.db');
    openDatabase({ dir }).close();
    const bytes = fs.readFileSync(file);
    bytes.fill(0x00, 0, 100);
    fs.writeFileSync(file, bytes);
    const before = hash(file);
    const e = thrown(() => openDatabase({ dir }));
    expect((e as StorageError).code).toBe('corrupt');
    expect(hash(file)).toBe(before);
  });
});
