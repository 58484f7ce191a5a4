/**
 * At-rest sealing: authenticated encryption of payloads and attachments with keys kept in a
 * key file outside the database.
 *
 * Suites:
 *  - 'aes-256-gcm' (default): 12-byte random nonce per seal, 16-byte tag.
 *  - 'sm4-ctr-hmac-sm3': SM4-CTR with a 16-byte random IV, then HMAC-SM3 over header, AAD and
 *    ciphertext (encrypt-then-MAC, 32-byte tag); encryption and MAC keys are derived separately
 *    from the key-file key with HMAC-SM3. Needs OpenSSL's sm4-ctr and sm3 (Node has them;
 *    Electron's BoringSSL does not — see availableSuites()).
 *
 * Envelope (all lengths explicit, big-endian):
 *   'NXSL' | version u8 (=1) | suite u8 | keyIdLen u8 | keyId | nonceLen u8 | nonce
 *   | ctLen u32 | ciphertext | tagLen u8 | tag
 * Authenticated data = envelope bytes up to and including ctLen, then u32 aadLen | aad.
 */
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { StorageError, toStorageError } from './errors.js';

export type SealSuite = 'aes-256-gcm' | 'sm4-ctr-hmac-sm3';
export const SEAL_SUITES: readonly SealSuite[] = ['aes-256-gcm', 'sm4-ctr-hmac-sm3'];

/** What the runtime's crypto offers (injectable to test the Electron/BoringSSL case). */
export interface CryptoRuntime {
  ciphers: readonly string[];
  hashes: readonly string[];
}

export function nodeCryptoRuntime(): CryptoRuntime {
  return { ciphers: crypto.getCiphers(), hashes: crypto.getHashes() };
}

/** Which suites this runtime can seal and open with. */
export function availableSuites(runtime: CryptoRuntime = nodeCryptoRuntime()): Record<SealSuite, boolean> {
  const ciphers = new Set(runtime.ciphers.map((c) => c.toLowerCase()));
  const hashes = new Set(runtime.hashes.map((h) => h.toLowerCase()));
  return {
    'aes-256-gcm': ciphers.has('aes-256-gcm') || ciphers.has('id-aes256-gcm'),
    'sm4-ctr-hmac-sm3': ciphers.has('sm4-ctr') && hashes.has('sm3'),
  };
}

const MAGIC = [0x4e, 0x58, 0x53, 0x4c]; // 'NXSL'
const ENVELOPE_VERSION = 1;
const KEY_BYTES = 32;
const MAX_KEY_ID = 64;
const KEY_ID_RE = /^[A-Za-z0-9._-]{1,64}$/;

interface SuiteSpec {
  id: number;
  nonceLen: number;
  tagLen: number;
}
const SUITE_SPEC: Record<SealSuite, SuiteSpec> = {
  'aes-256-gcm': { id: 1, nonceLen: 12, tagLen: 16 },
  'sm4-ctr-hmac-sm3': { id: 2, nonceLen: 16, tagLen: 32 },
};
function suiteById(id: number): SealSuite | undefined {
  return SEAL_SUITES.find((s) => SUITE_SPEC[s].id === id);
}

export interface Envelope {
  suite: SealSuite;
  keyId: string;
  nonce: Uint8Array;
  ciphertext: Uint8Array;
  tag: Uint8Array;
  /** The header bytes that are authenticated (everything up to and including ctLen). */
  header: Uint8Array;
}

function sealingError(message: string, cause?: unknown): StorageError {
  return new StorageError('sealing', message, cause === undefined ? undefined : { cause });
}

/**
 * Parse a sealed envelope with explicit length checks. Pure: any input gives an Envelope or a
 * StorageError('sealing'), never another exception.
 */
export function parseEnvelope(blob: Uint8Array): Envelope {
  let off = 0;
  const need = (n: number, what: string): void => {
    if (blob.length - off < n) throw sealingError(`sealed envelope truncated in ${what} (${blob.length} bytes)`);
  };
  need(MAGIC.length + 3, 'header');
  for (let i = 0; i < MAGIC.length; i++) {
    if (blob[i] !== MAGIC[i]) throw sealingError('not a sealed envelope (bad magic)');
  }
  off = MAGIC.length;
  const version = blob[off++] ?? -1;
  if (version !== ENVELOPE_VERSION) throw sealingError(`unknown sealed envelope version ${version}`);
  const suiteId = blob[off++] ?? -1;
  const suite = suiteById(suiteId);
  if (suite === undefined) throw sealingError(`unknown sealing suite id ${suiteId}`);
  const spec = SUITE_SPEC[suite];
  const keyIdLen = blob[off++] ?? 0;
  if (keyIdLen === 0 || keyIdLen > MAX_KEY_ID) throw sealingError(`bad key id length ${keyIdLen}`);
  need(keyIdLen, 'key id');
  const keyId = Buffer.from(blob.subarray(off, off + keyIdLen)).toString('latin1');
  if (!KEY_ID_RE.test(keyId)) throw sealingError('bad key id characters');
  off += keyIdLen;
  need(1, 'nonce length');
  const nonceLen = blob[off++] ?? 0;
  if (nonceLen !== spec.nonceLen) throw sealingError(`bad nonce length ${nonceLen} for ${suite}`);
  need(nonceLen, 'nonce');
  const nonce = blob.subarray(off, off + nonceLen);
  off += nonceLen;
  need(4, 'ciphertext length');
  const ctLen = ((blob[off] ?? 0) * 0x1000000) + (((blob[off + 1] ?? 0) << 16) | ((blob[off + 2] ?? 0) << 8) | (blob[off + 3] ?? 0));
  off += 4;
  const headerEnd = off;
  need(ctLen, 'ciphertext');
  const ciphertext = blob.subarray(off, off + ctLen);
  off += ctLen;
  need(1, 'tag length');
  const tagLen = blob[off++] ?? 0;
  if (tagLen !== spec.tagLen) throw sealingError(`bad tag length ${tagLen} for ${suite}`);
  need(tagLen, 'tag');
  const tag = blob.subarray(off, off + tagLen);
  off += tagLen;
  if (off !== blob.length) throw sealingError(`${blob.length - off} trailing bytes after sealed envelope`);
  return { suite, keyId, nonce, ciphertext, tag, header: blob.subarray(0, headerEnd) };
}

function u32(n: number): Buffer {
  const b = Buffer.alloc(4);
  b.writeUInt32BE(n >>> 0, 0);
  return b;
}

function aadBytes(aad: Uint8Array | string | undefined): Uint8Array {
  if (aad === undefined) return new Uint8Array(0);
  return typeof aad === 'string' ? Buffer.from(aad, 'utf8') : aad;
}

function authData(header: Uint8Array, aad: Uint8Array): Buffer {
  return Buffer.concat([header, u32(aad.length), aad]);
}

// ---------------------------------------------------------------- key file

export interface KeyEntry {
  id: string;
  suite: SealSuite;
  key: Buffer;
  createdAt?: string;
}

interface KeyFileContent {
  current: string;
  keys: KeyEntry[];
}

function parseKeyFile(text: string, file: string): KeyFileContent {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (e) {
    throw sealingError(`key file ${file} is not valid JSON`, e);
  }
  const bad = (why: string): StorageError => sealingError(`key file ${file} is malformed: ${why}`);
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) throw bad('not an object');
  const obj = raw as Record<string, unknown>;
  if (typeof obj.current !== 'string') throw bad('"current" must be a key id');
  if (!Array.isArray(obj.keys) || obj.keys.length === 0) throw bad('"keys" must be a non-empty array');
  const keys: KeyEntry[] = [];
  const seen = new Set<string>();
  for (const [i, k] of (obj.keys as unknown[]).entries()) {
    if (typeof k !== 'object' || k === null) throw bad(`keys[${i}] is not an object`);
    const e = k as Record<string, unknown>;
    if (typeof e.id !== 'string' || !KEY_ID_RE.test(e.id)) throw bad(`keys[${i}].id is missing or has bad characters`);
    if (seen.has(e.id)) throw bad(`duplicate key id ${e.id}`);
    seen.add(e.id);
    if (typeof e.suite !== 'string' || !SEAL_SUITES.includes(e.suite as SealSuite)) throw bad(`keys[${i}].suite is unknown`);
    if (typeof e.key !== 'string' || !/^[A-Za-z0-9+/]+={0,2}$/.test(e.key)) throw bad(`keys[${i}].key is not base64`);
    const key = Buffer.from(e.key, 'base64');
    if (key.length !== KEY_BYTES) throw bad(`keys[${i}].key must be ${KEY_BYTES} bytes`);
    keys.push({ id: e.id, suite: e.suite as SealSuite, key, ...(typeof e.createdAt === 'string' ? { createdAt: e.createdAt } : {}) });
  }
  if (!seen.has(obj.current)) throw bad('"current" names no key in "keys"');
  return { current: obj.current, keys };
}

function fsyncDir(dir: string): void {
  let fd: number | undefined;
  try {
    fd = fs.openSync(dir, 'r');
    fs.fsyncSync(fd);
  } finally {
    if (fd !== undefined) fs.closeSync(fd);
  }
}

/** Write a file atomically with mode 0600: temp file, fsync, rename, fsync directory. */
function writeFileDurable(file: string, data: string | Uint8Array, mode: number): void {
  const dir = path.dirname(file);
  const tmp = path.join(dir, `.${path.basename(file)}.tmp-${process.pid}-${crypto.randomBytes(6).toString('hex')}`);
  let fd: number | undefined;
  try {
    fd = fs.openSync(tmp, 'wx', mode);
    fs.fchmodSync(fd, mode);
    fs.writeSync(fd, typeof data === 'string' ? Buffer.from(data, 'utf8') : data);
    fs.fsyncSync(fd);
    fs.closeSync(fd);
    fd = undefined;
    fs.renameSync(tmp, file);
    fsyncDir(dir);
  } catch (e) {
    if (fd !== undefined) fs.closeSync(fd);
    try {
      fs.rmSync(tmp, { force: true });
    } catch {
      // best effort
    }
    throw e;
  }
}

function newKeyId(): string {
  return `k${Date.now().toString(36)}-${crypto.randomBytes(4).toString('hex')}`;
}

// ---------------------------------------------------------------- sealer

export interface SealerOptions {
  /** Path of the key file (outside the database; created 0600 on first use). */
  keyFile: string;
  /**
   * Suite for new seals. If the key file's current key is of another suite, a key of this suite
   * is added and made current. Omitted: follow the key file's current key (a new file gets
   * 'aes-256-gcm') and never rewrite the file — what a second process such as kioskctl should do.
   */
  suite?: SealSuite;
  /** Injected crypto capabilities (tests); default Node's crypto. */
  runtime?: CryptoRuntime;
  /**
   * May a missing key file be created? Default true. openOfflineCache passes false whenever sealed data
   * exists: a new key could never open it (StorageError 'key-missing' instead).
   */
  create?: boolean;
}

/**
 * A key's check value: HMAC-SHA256 under the key of a fixed string, first 16 bytes in hex. It identifies a
 * key (the registry in the database, the provisioning backup, kioskctl key check) without revealing it.
 */
export function keyCheckValue(key: Uint8Array): string {
  return crypto.createHmac('sha256', key).update('nxsl/key-check/v1').digest('hex').slice(0, 32);
}

export class Sealer {
  private readonly derived = new Map<string, { enc: Buffer; mac: Buffer }>();

  private constructor(
    private readonly keyFile: string,
    readonly suite: SealSuite,
    private readonly available: Record<SealSuite, boolean>,
    private content: KeyFileContent,
  ) {}

  /**
   * Load (or create) the key file and return a sealer. Throws StorageError('sealing') if the
   * suite is not available in this runtime, the key file is readable by group/other, or it is
   * malformed. If the current key belongs to another suite, a new key of the requested suite
   * is added and made current (old keys still open old blobs).
   */
  static open(opts: SealerOptions): Sealer {
    const requested = opts.suite;
    if (requested !== undefined && !SEAL_SUITES.includes(requested)) throw sealingError(`unknown sealing suite ${String(requested)}`);
    const available = availableSuites(opts.runtime);
    const unavailable = (suite: SealSuite): StorageError =>
      sealingError(
        `sealing suite ${suite} is not available in this runtime: it needs sm4-ctr and sm3 from the crypto library ` +
          "(Node's OpenSSL has them; Electron's BoringSSL does not) — run the core under Node or configure aes-256-gcm",
      );
    if (requested !== undefined && !available[requested]) throw unavailable(requested);
    const file = opts.keyFile;
    let content: KeyFileContent;
    try {
      if (fs.existsSync(file)) content = loadKeyFile(file);
      else if (opts.create === false) throw new StorageError('key-missing', `key file ${file} is missing`);
      else content = createKeyFile(file, requested ?? 'aes-256-gcm');
    } catch (e) {
      throw toStorageError(e, `key file ${file}`);
    }
    const currentSuite = content.keys.find((k) => k.id === content.current)?.suite ?? 'aes-256-gcm';
    // No suite asked for (e.g. kioskctl): follow the key file, never rewrite it.
    const suite = requested ?? currentSuite;
    if (!available[suite]) throw unavailable(suite);
    const sealer = new Sealer(file, suite, available, content);
    if (currentSuite !== suite) sealer.rotateKey();
    return sealer;
  }

  get currentKeyId(): string {
    return this.content.current;
  }

  keyIds(): string[] {
    return this.content.keys.map((k) => k.id);
  }

  /** Every key of the key file by id, suite and check value (never the key bytes). */
  keyChecks(): { id: string; suite: SealSuite; checkValue: string }[] {
    return this.content.keys.map((k) => ({ id: k.id, suite: k.suite, checkValue: keyCheckValue(k.key) }));
  }

  get file(): string {
    return this.keyFile;
  }

  /** Add a new key for this sealer's suite and make it current; returns its id. */
  rotateKey(): string {
    const id = newKeyId();
    const next: KeyFileContent = {
      current: id,
      keys: [...this.content.keys, { id, suite: this.suite, key: crypto.randomBytes(KEY_BYTES), createdAt: new Date().toISOString() }],
    };
    try {
      writeFileDurable(this.keyFile, serialiseKeyFile(next), 0o600);
    } catch (e) {
      throw toStorageError(e, `rotating key in ${this.keyFile}`);
    }
    this.content = next;
    return id;
  }

  seal(plain: Uint8Array, aad?: Uint8Array | string): Uint8Array {
    const key = this.currentKey();
    const spec = SUITE_SPEC[key.suite];
    if (plain.length > 0xffffffff) throw new StorageError('invalid', 'plaintext too large to seal');
    const nonce = crypto.randomBytes(spec.nonceLen);
    const keyIdBytes = Buffer.from(key.id, 'latin1');
    const header = Buffer.concat([
      Buffer.from(MAGIC),
      Buffer.from([ENVELOPE_VERSION, spec.id, keyIdBytes.length]),
      keyIdBytes,
      Buffer.from([nonce.length]),
      nonce,
      u32(plain.length), // CTR and GCM: ciphertext length equals plaintext length
    ]);
    const ad = authData(header, aadBytes(aad));
    let ciphertext: Buffer;
    let tag: Buffer;
    try {
      if (key.suite === 'aes-256-gcm') {
        const c = crypto.createCipheriv('aes-256-gcm', key.key, nonce, { authTagLength: spec.tagLen });
        c.setAAD(ad);
        ciphertext = Buffer.concat([c.update(plain), c.final()]);
        tag = c.getAuthTag();
      } else {
        const { enc, mac } = this.smKeys(key);
        const c = crypto.createCipheriv('sm4-ctr', enc, nonce);
        ciphertext = Buffer.concat([c.update(plain), c.final()]);
        tag = crypto.createHmac('sm3', mac).update(ad).update(ciphertext).digest();
      }
    } catch (e) {
      throw sealingError(`sealing with ${key.suite} failed`, e);
    }
    return Buffer.concat([header, ciphertext, Buffer.from([tag.length]), tag]);
  }

  open(blob: Uint8Array, aad?: Uint8Array | string): Uint8Array {
    const env = parseEnvelope(blob);
    const key = this.content.keys.find((k) => k.id === env.keyId);
    if (key === undefined) throw sealingError(`sealed with unknown key ${env.keyId} (not in ${this.keyFile})`);
    if (key.suite !== env.suite) throw sealingError(`key ${env.keyId} belongs to ${key.suite}, envelope says ${env.suite}`);
    if (!this.available[env.suite]) {
      throw sealingError(`envelope sealed with ${env.suite}, which this runtime's crypto cannot open`);
    }
    const ad = authData(env.header, aadBytes(aad));
    try {
      if (env.suite === 'aes-256-gcm') {
        const d = crypto.createDecipheriv('aes-256-gcm', key.key, env.nonce, { authTagLength: SUITE_SPEC[env.suite].tagLen });
        d.setAAD(ad);
        d.setAuthTag(env.tag);
        return Buffer.concat([d.update(env.ciphertext), d.final()]);
      }
      const { enc, mac } = this.smKeys(key);
      const expected = crypto.createHmac('sm3', mac).update(ad).update(env.ciphertext).digest();
      if (expected.length !== env.tag.length || !crypto.timingSafeEqual(expected, env.tag)) {
        throw sealingError('sealed envelope failed authentication (tampered, wrong key or wrong context)');
      }
      const d = crypto.createDecipheriv('sm4-ctr', enc, env.nonce);
      return Buffer.concat([d.update(env.ciphertext), d.final()]);
    } catch (e) {
      if (e instanceof StorageError) throw e;
      throw sealingError('sealed envelope failed authentication (tampered, wrong key or wrong context)', e);
    }
  }

  private currentKey(): KeyEntry {
    const k = this.content.keys.find((x) => x.id === this.content.current);
    if (k === undefined) throw sealingError(`current key ${this.content.current} missing from ${this.keyFile}`);
    return k;
  }

  private smKeys(key: KeyEntry): { enc: Buffer; mac: Buffer } {
    let d = this.derived.get(key.id);
    if (d === undefined) {
      const enc = crypto.createHmac('sm3', key.key).update('nxsl/v1/sm4-ctr/encryption').digest().subarray(0, 16);
      const mac = crypto.createHmac('sm3', key.key).update('nxsl/v1/hmac-sm3/authentication').digest();
      d = { enc, mac };
      this.derived.set(key.id, d);
    }
    return d;
  }
}

function serialiseKeyFile(c: KeyFileContent): string {
  return (
    JSON.stringify(
      {
        version: 1,
        current: c.current,
        keys: c.keys.map((k) => ({ id: k.id, suite: k.suite, key: k.key.toString('base64'), ...(k.createdAt !== undefined ? { createdAt: k.createdAt } : {}) })),
      },
      null,
      2,
    ) + '\n'
  );
}

/**
 * Create the key file with one fresh key. Exclusive: the new file is linked into place, so if
 * another process created it first, its keys win and are loaded instead.
 */
function createKeyFile(file: string, suite: SealSuite): KeyFileContent {
  const dir = path.dirname(file);
  fs.mkdirSync(dir, { recursive: true, mode: 0o700 });
  const id = newKeyId();
  const content: KeyFileContent = { current: id, keys: [{ id, suite, key: crypto.randomBytes(KEY_BYTES), createdAt: new Date().toISOString() }] };
  const tmp = path.join(dir, `.${path.basename(file)}.new-${process.pid}-${crypto.randomBytes(6).toString('hex')}`);
  let fd: number | undefined;
  try {
    fd = fs.openSync(tmp, 'wx', 0o600);
    fs.fchmodSync(fd, 0o600);
    fs.writeSync(fd, Buffer.from(serialiseKeyFile(content), 'utf8'));
    fs.fsyncSync(fd);
    fs.closeSync(fd);
    fd = undefined;
    try {
      fs.linkSync(tmp, file);
    } catch (e) {
      if ((e as { code?: unknown }).code === 'EEXIST') return loadKeyFile(file);
      throw e;
    }
    fsyncDir(dir);
    return content;
  } finally {
    if (fd !== undefined) fs.closeSync(fd);
    fs.rmSync(tmp, { force: true });
  }
}

function loadKeyFile(file: string): KeyFileContent {
  const st = fs.statSync(file);
  if (!st.isFile()) throw sealingError(`key file ${file} is not a regular file`);
  if (process.platform !== 'win32' && (st.mode & 0o077) !== 0) {
    throw sealingError(
      `key file ${file} is readable or writable by group/other (mode ${(st.mode & 0o777).toString(8).padStart(4, '0')}); ` +
        `refusing to use it — run: chmod 600 ${file}`,
    );
  }
  return parseKeyFile(fs.readFileSync(file, 'utf8'), file);
}

export { fsyncDir, writeFileDurable };
