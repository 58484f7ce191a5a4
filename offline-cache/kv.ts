/**
 * A small cache of platform documents (e.g. the matter catalog) with their ETag, stored plain
 * or sealed. Nothing citizen-related belongs here; seal anyway when in doubt.
 */
import type { Statement } from 'better-sqlite3';
import type { SqliteDatabase } from './database.js';
import { StorageError, toStorageError } from './errors.js';
import type { Sealer } from './sealing.js';

export interface CachedDocument {
  etag: string | undefined;
  body: string;
  fetchedAt: number;
}

export interface KvCacheOptions {
  /** Seal bodies by default (can be overridden per put). Default false. */
  sealByDefault?: boolean;
  clock?: () => number;
}

const MAX_NAME = 200;

function kvAad(name: string): string {
  return `nxsl/kv/${name}`;
}

export class KvCache {
  private readonly get: Statement;
  private readonly put: Statement;
  private readonly del: Statement;
  private readonly clock: () => number;
  private readonly sealByDefault: boolean;

  constructor(
    db: SqliteDatabase,
    private readonly sealer: Sealer,
    opts: KvCacheOptions = {},
  ) {
    this.get = db.prepare('SELECT etag, body, sealed, fetched_at FROM kv_cache WHERE name = ?');
    this.put = db.prepare(
      `INSERT INTO kv_cache(name, etag, body, sealed, fetched_at) VALUES (?, ?, ?, ?, ?)
       ON CONFLICT(name) DO UPDATE SET etag = excluded.etag, body = excluded.body, sealed = excluded.sealed,
         fetched_at = excluded.fetched_at`,
    );
    this.del = db.prepare('DELETE FROM kv_cache WHERE name = ?');
    this.clock = opts.clock ?? Date.now;
    this.sealByDefault = opts.sealByDefault ?? false;
  }

  getCached(name: string): CachedDocument | undefined {
    checkName(name);
    let row: { etag: string | null; body: Buffer; sealed: number; fetched_at: number } | undefined;
    try {
      row = this.get.get(name) as typeof row;
    } catch (e) {
      throw toStorageError(e, `reading cached ${name}`);
    }
    if (row === undefined) return undefined;
    const bytes = row.sealed === 1 ? this.sealer.open(row.body, kvAad(name)) : row.body;
    return { etag: row.etag ?? undefined, body: Buffer.from(bytes).toString('utf8'), fetchedAt: row.fetched_at };
  }

  putCached(name: string, etag: string | undefined, body: string, opts: { sealed?: boolean; fetchedAt?: number } = {}): void {
    checkName(name);
    if (typeof body !== 'string') throw new StorageError('invalid', 'cached body must be a string');
    const sealed = opts.sealed ?? this.sealByDefault;
    const plain = Buffer.from(body, 'utf8');
    const stored = sealed ? this.sealer.seal(plain, kvAad(name)) : plain;
    try {
      this.put.run(name, etag ?? null, stored, sealed ? 1 : 0, opts.fetchedAt ?? this.clock());
    } catch (e) {
      throw toStorageError(e, `caching ${name}`);
    }
  }

  deleteCached(name: string): boolean {
    checkName(name);
    try {
      return this.del.run(name).changes > 0;
    } catch (e) {
      throw toStorageError(e, `deleting cached ${name}`);
    }
  }
}

function checkName(name: string): void {
  if (typeof name !== 'string' || name.length === 0 || name.length > MAX_NAME) {
    throw new StorageError('invalid', `cache name must be a string of 1-${MAX_NAME} characters`);
  }
}
