/**
 * Content-addressed, sealed attachment files in <dir>/attachments.
 *
 * Name = hex SHA-256 of the PLAINTEXT; content = the sealed envelope (AAD = the name, so a file
 * renamed to another hash does not open). Durability order for put():
 *   1. write the sealed bytes to a temp file (.tmp-*) in the same directory,
 *   2. fsync the temp file,
 *   3. rename it to its final name (atomic),
 *   4. fsync the directory (the rename itself is durable),
 * and only after put() returns may the caller commit a database row that references the hash.
 * A crash between 4 and the commit leaves an orphan file, which sweepOrphans() removes at start;
 * a crash before 3 leaves a temp file, which sweepOrphans() removes too. A committed row never
 * points at a missing file.
 *
 * Single writer: the kiosk core owns the store; kioskctl inspects without sweeping.
 */
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { StorageError, toStorageError } from './errors.js';
import { fsyncDir, type Sealer } from './sealing.js';

const SHA_RE = /^[0-9a-f]{64}$/;
const TMP_PREFIX = '.tmp-';

export interface PutResult {
  sha256: string;
  /** Plaintext size in bytes. */
  size: number;
  /** Size of the sealed file on disk. */
  sealedSize: number;
}

export interface SweepResult {
  removed: number;
  tempRemoved: number;
}

export function sha256Hex(bytes: Uint8Array): string {
  return crypto.createHash('sha256').update(bytes).digest('hex');
}

function checkSha(sha256: string): void {
  if (!SHA_RE.test(sha256)) throw new StorageError('invalid', 'attachment id must be 64 lowercase hex characters (SHA-256)');
}

export class AttachmentStore {
  readonly dir: string;

  constructor(
    dataDir: string,
    private readonly sealer: Sealer,
  ) {
    this.dir = path.join(dataDir, 'attachments');
    try {
      fs.mkdirSync(this.dir, { recursive: true, mode: 0o700 });
    } catch (e) {
      throw toStorageError(e, `creating attachment directory ${this.dir}`);
    }
  }

  pathOf(sha256: string): string {
    checkSha(sha256);
    return path.join(this.dir, sha256);
  }

  has(sha256: string): boolean {
    return fs.existsSync(this.pathOf(sha256));
  }

  /** Seal and store durably (see the order above). Idempotent for identical content. */
  put(bytes: Uint8Array): PutResult {
    const sha256 = sha256Hex(bytes);
    const final = path.join(this.dir, sha256);
    try {
      const st = fs.statSync(final, { throwIfNoEntry: false });
      if (st !== undefined && st.isFile()) return { sha256, size: bytes.length, sealedSize: st.size };
    } catch (e) {
      throw toStorageError(e, 'checking attachment');
    }
    const sealed = this.sealer.seal(bytes, sha256);
    const tmp = path.join(this.dir, `${TMP_PREFIX}${process.pid}-${crypto.randomBytes(8).toString('hex')}`);
    let fd: number | undefined;
    try {
      fd = fs.openSync(tmp, 'wx', 0o600);
      let off = 0;
      while (off < sealed.length) off += fs.writeSync(fd, sealed, off, sealed.length - off);
      fs.fsyncSync(fd);
      fs.closeSync(fd);
      fd = undefined;
      fs.renameSync(tmp, final);
      fsyncDir(this.dir);
    } catch (e) {
      if (fd !== undefined) {
        try {
          fs.closeSync(fd);
        } catch {
          // ignore: reporting the original error
        }
      }
      try {
        fs.rmSync(tmp, { force: true });
      } catch {
        // a leftover temp file is swept at next start
      }
      throw toStorageError(e, 'storing attachment');
    }
    return { sha256, size: bytes.length, sealedSize: sealed.length };
  }

  /** Unseal and verify the content hash. 'not-found' if missing; 'corrupt' if the hash differs. */
  get(sha256: string): Uint8Array {
    const file = this.pathOf(sha256);
    let sealed: Buffer;
    try {
      sealed = fs.readFileSync(file);
    } catch (e) {
      const se = toStorageError(e, `reading attachment ${sha256}`);
      throw se;
    }
    const plain = this.sealer.open(sealed, sha256);
    if (sha256Hex(plain) !== sha256) {
      throw new StorageError('corrupt', `attachment ${sha256} does not match its hash after unsealing`);
    }
    return plain;
  }

  /**
   * Remove one file (no error if already gone); fsyncs the directory unless `syncDir` is false (a removal a
   * power cut undoes leaves an orphan, which the start-up sweep removes).
   */
  remove(sha256: string, opts: { syncDir?: boolean } = {}): boolean {
    const file = this.pathOf(sha256);
    try {
      if (!fs.existsSync(file)) return false;
      fs.rmSync(file, { force: true });
      if (opts.syncDir !== false) fsyncDir(this.dir);
      return true;
    } catch (e) {
      throw toStorageError(e, `removing attachment ${sha256}`);
    }
  }

  /**
   * Remove every attachment file no row references, and every leftover temp file. Run at start,
   * before new work. `referenced` is a set of hashes or a predicate (the outbox passes an
   * indexed look-up, so the cost is proportional to the files, not to the queue). Files whose
   * names are not ours are left alone.
   */
  sweepOrphans(referenced: ReadonlySet<string> | ((sha256: string) => boolean)): SweepResult {
    const isRef = typeof referenced === 'function' ? referenced : (s: string): boolean => referenced.has(s);
    const r: SweepResult = { removed: 0, tempRemoved: 0 };
    try {
      for (const name of fs.readdirSync(this.dir)) this.#sweepOne(name, isRef, r);
      if (r.removed + r.tempRemoved > 0) fsyncDir(this.dir);
    } catch (e) {
      throw toStorageError(e, `sweeping attachment directory ${this.dir}`);
    }
    return r;
  }

  /**
   * The same sweep while the kiosk already serves: the directory is listed off the main thread and its names
   * checked a slice of about `sliceMs` at a time. Safe beside new work because put() and the commit that
   * references the file happen in one synchronous call (no slice runs between them), and a file listed
   * before its row was committed is referenced by the time its name is checked.
   */
  async sweepOrphansInSlices(isRef: (sha256: string) => boolean, opts: { sliceMs?: number; signal?: AbortSignal } = {}): Promise<SweepResult> {
    const sliceMs = opts.sliceMs ?? 8;
    const r: SweepResult = { removed: 0, tempRemoved: 0 };
    try {
      const names = await fs.promises.readdir(this.dir);
      let i = 0;
      while (i < names.length) {
        opts.signal?.throwIfAborted();
        const t0 = performance.now();
        // At least 64 names a slice, then until the slice's time is up.
        const first = i;
        for (; i < names.length && (i - first < 64 || performance.now() - t0 < sliceMs); i++) this.#sweepOne(names[i] ?? '', isRef, r);
        if (i < names.length) await new Promise<void>((res) => setImmediate(res));
      }
      if (r.removed + r.tempRemoved > 0) fsyncDir(this.dir);
    } catch (e) {
      if (opts.signal?.aborted) throw e;
      throw toStorageError(e, `sweeping attachment directory ${this.dir}`);
    }
    return r;
  }

  #sweepOne(name: string, isRef: (sha256: string) => boolean, r: SweepResult): void {
    if (name.startsWith(TMP_PREFIX)) {
      fs.rmSync(path.join(this.dir, name), { force: true });
      r.tempRemoved++;
    } else if (SHA_RE.test(name) && !isRef(name)) {
      fs.rmSync(path.join(this.dir, name), { force: true });
      r.removed++;
    }
  }
}
