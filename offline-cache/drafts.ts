/**
 * Session drafts: what a citizen had done in the matter they were in, sealed, so that a core that dies in the
 * middle (SIGKILL, power) and comes back within the idle timeout can put them back on the step they were on with
 * what they had entered. One draft at most (the kiosk serves one citizen); it is replaced at every change and
 * wiped with the session (idle, finish, cancel, a new card, out of service) — and at start when it is too old.
 *
 * The body is opaque JSON to this layer (the core owns its schema and validates it when it loads it); it is
 * sealed with the cache's sealer, bound by AAD to the matter key, and never contains the ID number (the core
 * keeps the holder token, an HMAC of it). Scanned pages of the draft's matter are kept beside it, sealed per
 * batch, written once when the batch arrives. `secure_delete` is on for the whole database: a wiped draft's
 * pages are zeroed in the file.
 *
 * Every write is one transaction (synchronous=FULL: durable when the call returns).
 */
import type { Statement } from 'better-sqlite3';
import type { SqliteDatabase } from './database.js';
import { StorageError, toStorageError } from './errors.js';
import type { Sealer } from './sealing.js';

export interface StoredDraft {
  /** The matter's idempotency key (the submission's, from the moment the matter started). */
  matterKey: string;
  /** When the draft was last written (the store's clock, ms since epoch). */
  savedAt: number;
  /** The core's draft, as it was saved. */
  body: unknown;
}

export interface DraftStoreOptions {
  clock?: () => number;
}

/** Largest sealed draft body accepted (a form, a few certificates, the machine's state; never scans). */
export const MAX_DRAFT_BYTES = 512 * 1024;
/** Largest batch of scanned pages kept for a draft. */
export const MAX_DRAFT_PAGES_BYTES = 64 * 1024 * 1024;

const KEY_RE = /^[A-Za-z0-9._:-]{1,200}$/;
const REF_RE = /^[A-Za-z0-9._:-]{1,100}$/;

const draftAad = (matterKey: string): string => `nxsl/draft/${matterKey}`;
const pagesAad = (matterKey: string, ref: string): string => `nxsl/draft-pages/${matterKey}/${ref}`;

function checkKey(matterKey: string): void {
  if (typeof matterKey !== 'string' || !KEY_RE.test(matterKey)) throw new StorageError('invalid', 'draft matter key must be 1-200 characters of [A-Za-z0-9._:-]');
}

/** Pages as one buffer: u32 count, then per page u32 length and the bytes (big-endian). */
export function encodePages(pages: readonly Uint8Array[]): Buffer {
  const head = Buffer.alloc(4 + pages.length * 4);
  head.writeUInt32BE(pages.length, 0);
  pages.forEach((p, i) => head.writeUInt32BE(p.length, 4 + i * 4));
  return Buffer.concat([head, ...pages.map((p) => Buffer.from(p.buffer, p.byteOffset, p.length))]);
}

/** The inverse of encodePages; a malformed buffer is a StorageError('sealing') (it was authenticated, so: a bug or another version). */
export function decodePages(bytes: Uint8Array): Uint8Array[] {
  const b = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.length);
  const bad = (): StorageError => new StorageError('sealing', 'draft pages are malformed');
  if (b.length < 4) throw bad();
  const n = b.readUInt32BE(0);
  if (n > 10_000 || b.length < 4 + n * 4) throw bad();
  let off = 4 + n * 4;
  const out: Uint8Array[] = [];
  for (let i = 0; i < n; i++) {
    const len = b.readUInt32BE(4 + i * 4);
    if (off + len > b.length) throw bad();
    out.push(new Uint8Array(b.subarray(off, off + len)));
    off += len;
  }
  if (off !== b.length) throw bad();
  return out;
}

export class DraftStore {
  readonly #sealer: Sealer;
  readonly #clock: () => number;
  readonly #db: SqliteDatabase;
  readonly #get: Statement;
  readonly #put: Statement;
  readonly #pagesOf: Statement;
  readonly #putPages: Statement;
  readonly #dropOtherPages: Statement;
  readonly #wipeDraft: Statement;
  readonly #wipePages: Statement;

  constructor(db: SqliteDatabase, sealer: Sealer, opts: DraftStoreOptions = {}) {
    this.#db = db;
    this.#sealer = sealer;
    this.#clock = opts.clock ?? Date.now;
    this.#get = db.prepare('SELECT matter_key, saved_at, body FROM session_drafts WHERE id = 1');
    this.#put = db.prepare(
      `INSERT INTO session_drafts(id, matter_key, saved_at, body) VALUES (1, ?, ?, ?)
       ON CONFLICT(id) DO UPDATE SET matter_key = excluded.matter_key, saved_at = excluded.saved_at, body = excluded.body`,
    );
    this.#pagesOf = db.prepare('SELECT ref, body FROM session_draft_pages WHERE matter_key = ? ORDER BY rowid');
    this.#putPages = db.prepare(
      `INSERT INTO session_draft_pages(ref, matter_key, body) VALUES (?, ?, ?)
       ON CONFLICT(matter_key, ref) DO UPDATE SET body = excluded.body`,
    );
    this.#dropOtherPages = db.prepare('DELETE FROM session_draft_pages WHERE matter_key <> ?');
    this.#wipeDraft = db.prepare('DELETE FROM session_drafts');
    this.#wipePages = db.prepare('DELETE FROM session_draft_pages');
  }

  /**
   * Replaces the draft (sealed). A draft of another matter replaces the previous one and its pages: one citizen,
   * one draft. Throws StorageError ('invalid' for a key or a body too large, 'full', 'io').
   */
  save(matterKey: string, body: unknown): StoredDraft {
    checkKey(matterKey);
    let json: string;
    try {
      json = JSON.stringify(body);
    } catch (e) {
      throw new StorageError('invalid', 'draft body is not JSON', { cause: e });
    }
    if (typeof json !== 'string') throw new StorageError('invalid', 'draft body is not JSON');
    const plain = Buffer.from(json, 'utf8');
    if (plain.length > MAX_DRAFT_BYTES) throw new StorageError('invalid', `draft body is ${plain.length} bytes, more than ${MAX_DRAFT_BYTES}`);
    const sealed = this.#sealer.seal(plain, draftAad(matterKey));
    plain.fill(0);
    const savedAt = this.#clock();
    try {
      this.#db.transaction(() => {
        this.#dropOtherPages.run(matterKey);
        this.#put.run(matterKey, savedAt, sealed);
      }).immediate();
    } catch (e) {
      throw toStorageError(e, 'saving the session draft');
    }
    return { matterKey, savedAt, body };
  }

  /**
   * The draft, opened; null when there is none. A draft that does not open (another key, tampered, cut) is a
   * StorageError('sealing'): the caller wipes it — a draft is never worth more than the session it belongs to.
   */
  load(): StoredDraft | null {
    let row: { matter_key: string; saved_at: number; body: Buffer } | undefined;
    try {
      row = this.#get.get() as typeof row;
    } catch (e) {
      throw toStorageError(e, 'reading the session draft');
    }
    if (row === undefined) return null;
    const plain = this.#sealer.open(row.body, draftAad(row.matter_key));
    let body: unknown;
    try {
      body = JSON.parse(Buffer.from(plain).toString('utf8'));
    } catch (e) {
      throw new StorageError('sealing', 'the session draft opened but is not JSON', { cause: e });
    } finally {
      plain.fill(0);
    }
    return { matterKey: row.matter_key, savedAt: row.saved_at, body };
  }

  /** Whether a draft exists (without opening it). */
  has(): boolean {
    try {
      return this.#get.get() !== undefined;
    } catch (e) {
      throw toStorageError(e, 'reading the session draft');
    }
  }

  /** The matter key of the draft kept, without opening it (null when there is none): payments ask whether a matter is drafted. */
  matterKey(): string | null {
    try {
      const row = this.#get.get() as { matter_key: string } | undefined;
      return row?.matter_key ?? null;
    } catch (e) {
      throw toStorageError(e, 'reading the session draft');
    }
  }

  /** Keeps one batch of scanned pages of the draft's matter (sealed; replaced if the ref exists). */
  savePages(matterKey: string, ref: string, pages: readonly Uint8Array[]): void {
    checkKey(matterKey);
    if (typeof ref !== 'string' || !REF_RE.test(ref)) throw new StorageError('invalid', 'draft page ref must be 1-100 characters of [A-Za-z0-9._:-]');
    const plain = encodePages(pages);
    if (plain.length > MAX_DRAFT_PAGES_BYTES) throw new StorageError('invalid', `draft pages are ${plain.length} bytes, more than ${MAX_DRAFT_PAGES_BYTES}`);
    const sealed = this.#sealer.seal(plain, pagesAad(matterKey, ref));
    plain.fill(0);
    try {
      this.#putPages.run(ref, matterKey, sealed);
    } catch (e) {
      throw toStorageError(e, 'saving scanned pages of the session draft');
    }
  }

  /** The draft matter's scanned pages by batch ref (opened). */
  pages(matterKey: string): Map<string, Uint8Array[]> {
    checkKey(matterKey);
    let rows: { ref: string; body: Buffer }[];
    try {
      rows = this.#pagesOf.all(matterKey) as typeof rows;
    } catch (e) {
      throw toStorageError(e, 'reading scanned pages of the session draft');
    }
    const out = new Map<string, Uint8Array[]>();
    for (const r of rows) {
      const plain = this.#sealer.open(r.body, pagesAad(matterKey, r.ref));
      out.set(r.ref, decodePages(plain));
      plain.fill(0);
    }
    return out;
  }

  /** Removes the draft and every kept page (zeroed in the file: secure_delete). Idempotent. */
  wipe(): void {
    try {
      this.#db.transaction(() => {
        this.#wipePages.run();
        this.#wipeDraft.run();
      }).immediate();
    } catch (e) {
      throw toStorageError(e, 'wiping the session draft');
    }
  }
}
