/**
 * The tamper-evident journal: an append-only file beside the database (`<dataDir>/kiosk.journal`), one
 * JSON line per record, each chained to the one before it by a hash (SHA-256, or SM3 where the runtime
 * has it), written and fdatasync'ed before `append()` returns. It holds identifiers only — acceptance
 * numbers, idempotency keys, platform case numbers, device and error codes — never citizen data: every
 * field is checked against a fixed list per record type, and values shaped like an ID number are refused.
 *
 * Why: SQLite treats WAL frames after a damaged checksum as never committed, so a damaged `-wal` can drop
 * committed rows while `quick_check` still says ok. The journal is a second, independent witness. At start
 * the owner reconciles it with the database (`reconcileJournal`): an acceptance number the journal says
 * was committed but the database lacks is a LOSS, and the kiosk goes out of service listing the numbers.
 *
 * ## Record types (the `type` field) and who appends them
 *
 * | type                    | fields                                                     | appended by |
 * |-------------------------|------------------------------------------------------------|-------------|
 * | `journal-created`       | `alg`, `terminal?`, `previousFile?`, `previousHead?`       | this module (first record, seq 0) |
 * | `journal-repaired`      | `truncatedBytes` (a torn last line a crash left)           | this module, owner open |
 * | `core-started`          | `host?`                                                    | the core at start |
 * | `reconciled`            | `journaled`, `recovered`, `missing`                        | `reconcileJournal` |
 * | `submission-accepted`   | `acceptanceNumber`, `key`, `recovered?`                    | `enqueueSubmission` (main/core/delivery.ts), right after the commit — do NOT append it yourself when you submit through it |
 * | `delivery-acknowledged` | `acceptanceNumber`, `key`, `caseNumber`                    | the core's delivery loop, after the outbox ack |
 * | `dead-lettered`         | `acceptanceNumber`, `key`, `reason`                        | the core's delivery loop |
 * | `rating`                | `acceptanceNumber`, `key`                                  | `enqueueRating` (main/core/delivery.ts), right after the rating's outbox row commits: the case's acceptance number and the rating's own key (reconciliation counts it as a row) |
 * | `payment-step`          | `key`, `step`, `acceptanceNumber?`                         | the payment journal (before each request and after each answer) |
 * | `device-fault`          | `device`, `code`, `action?`, `acceptanceNumber?`, `key?`   | whoever stopped a citizen's matter because of a device |
 * | `technician-action`     | `action`, `operator?`, `target?`, `count?`                 | technician tools (kioskctl, the technician screen) |
 * | `hand-over`             | `what`, `operator?`, `count?`, `file?`                     | technician tools (exports collected, terminal handed over) |
 * | `dead-letter-expired`   | `acceptanceNumber`, `key`, `file`                          | the retention sweep (exported sealed to `file`, then purged) |
 * | `loss-acknowledged`     | `acceptanceNumber`, `key`, `operator?`                     | `kioskctl journal acknowledge-loss` (a technician has dealt with a lost submission) |
 *
 * Tokens (`step`, `device`, `code`, `action`, `what`, `operator`, `target`, `alg`) are 1–64 characters of
 * `A–Z a–z 0–9 . _ : -`; `reason` is printable ASCII (≤ 200). A wrong field is a StorageError('invalid') and
 * nothing is written.
 *
 * ## How to append
 *
 * ```ts
 * const journal = cache.journal;             // opened with the offline cache (KioskCore exposes it too)
 * journal.append({ type: 'payment-step', key: paymentKey, step: 'requested', acceptanceNumber });
 * ```
 * `append` is synchronous and durable when it returns (write + fdatasync). It throws StorageError
 * ('full' on a full disk, 'invalid' for a bad field, 'journal' when the file was changed under us, 'io').
 * A caller whose own work is already committed (e.g. the outbox row) must not undo it because the journal
 * failed: the start-up reconciliation records what the journal missed (`recovered: true`).
 *
 * Several processes may append (the core, kioskctl): each append takes SQLite's write lock on the
 * database (`BEGIN IMMEDIATE`), re-reads any records another process added since, writes its line at the
 * end, syncs, and moves the anchor row in the same transaction. The anchor (genesis hash + a recent head)
 * lets the next start notice a journal that was deleted, replaced or cut short.
 *
 * ## Line format
 *
 * `{"seq":N,"at":"<ISO time>","type":"…",<fields>,"prev":"<hex>","hash":"<hex>"}` — `hash` is the hash of
 * the line's bytes up to (not including) `,"hash":"`, so it covers `seq`, the fields and `prev`. The first
 * record has `prev` = 64 zeros. `verifyJournal(file)` checks every link and names the first broken one.
 */
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import type { Statement } from 'better-sqlite3';
import type { SqliteDatabase } from './database.js';
import { StorageError, toStorageError } from './errors.js';
import { fsyncDir } from './sealing.js';

export const JOURNAL_FILE = 'kiosk.journal';
export type JournalHash = 'sha256' | 'sm3';
export const JOURNAL_HASHES: readonly JournalHash[] = ['sha256', 'sm3'];
const ZERO_HASH = '0'.repeat(64);
const HASH_SEP = ',"hash":"';
const MAX_LINE = 4096;

// ---------------------------------------------------------------- record types

export type JournalEntry =
  | { type: 'core-started'; host?: string }
  | { type: 'submission-accepted'; acceptanceNumber: string; key: string; recovered?: boolean }
  | { type: 'delivery-acknowledged'; acceptanceNumber: string; key: string; caseNumber: string }
  | { type: 'dead-lettered'; acceptanceNumber: string; key: string; reason: string }
  | { type: 'rating'; acceptanceNumber: string; key: string }
  | { type: 'payment-step'; key: string; step: string; acceptanceNumber?: string }
  | { type: 'device-fault'; device: string; code: string; action?: string; acceptanceNumber?: string; key?: string }
  | { type: 'technician-action'; action: string; operator?: string; target?: string; count?: number }
  | { type: 'hand-over'; what: string; operator?: string; count?: number; file?: string }
  | { type: 'dead-letter-expired'; acceptanceNumber: string; key: string; file: string }
  | { type: 'loss-acknowledged'; acceptanceNumber: string; key: string; operator?: string }
  | { type: 'reconciled'; journaled: number; recovered: number; missing: number };

/** Records only this module writes. */
type InternalEntry =
  | { type: 'journal-created'; alg: JournalHash; terminal?: string; previousFile?: string; previousHead?: string }
  | { type: 'journal-repaired'; truncatedBytes: number };

export type JournalRecordType = JournalEntry['type'] | InternalEntry['type'];

/** A record as read back (fields as written). */
export interface JournalRecord {
  seq: number;
  at: string;
  type: JournalRecordType;
  fields: Record<string, string | number | boolean>;
  prev: string;
  hash: string;
}

type FieldKind = 'acceptance' | 'key' | 'case' | 'token' | 'reason' | 'file' | 'count' | 'flag' | 'hex';
interface FieldSpec {
  kind: FieldKind;
  optional?: boolean;
}
const req = (kind: FieldKind): FieldSpec => ({ kind });
const opt = (kind: FieldKind): FieldSpec => ({ kind, optional: true });

const SPECS: Record<JournalRecordType, Record<string, FieldSpec>> = {
  'journal-created': { alg: req('token'), terminal: opt('token'), previousFile: opt('file'), previousHead: opt('hex') },
  'journal-repaired': { truncatedBytes: req('count') },
  'core-started': { host: opt('token') },
  reconciled: { journaled: req('count'), recovered: req('count'), missing: req('count') },
  'submission-accepted': { acceptanceNumber: req('acceptance'), key: req('key'), recovered: opt('flag') },
  'delivery-acknowledged': { acceptanceNumber: req('acceptance'), key: req('key'), caseNumber: req('case') },
  'dead-lettered': { acceptanceNumber: req('acceptance'), key: req('key'), reason: req('reason') },
  rating: { acceptanceNumber: req('acceptance'), key: req('key') },
  'payment-step': { key: req('key'), step: req('token'), acceptanceNumber: opt('acceptance') },
  'device-fault': { device: req('token'), code: req('token'), action: opt('token'), acceptanceNumber: opt('acceptance'), key: opt('key') },
  'technician-action': { action: req('token'), operator: opt('token'), target: opt('token'), count: opt('count') },
  'hand-over': { what: req('token'), operator: opt('token'), count: opt('count'), file: opt('file') },
  'dead-letter-expired': { acceptanceNumber: req('acceptance'), key: req('key'), file: req('file') },
  'loss-acknowledged': { acceptanceNumber: req('acceptance'), key: req('key'), operator: opt('token') },
};

const PATTERNS: Record<Exclude<FieldKind, 'count' | 'flag'>, RegExp> = {
  acceptance: /^[A-Za-z0-9][A-Za-z0-9._-]{0,99}$/,
  key: /^[\x21-\x7e]{1,255}$/,
  case: /^[\x21-\x7e]{1,200}$/,
  token: /^[A-Za-z0-9][A-Za-z0-9._:-]{0,63}$/,
  reason: /^[\x20-\x7e]{1,200}$/,
  file: /^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$/,
  hex: /^[0-9a-f]{64}$/,
};
/** Shapes of identity numbers (resident ID, 15-digit old ID, foreign permanent resident card): never journalled. */
const ID_SHAPES = [/\d{17}[\dXx]/, /(?<!\d)\d{15}(?!\d)/, /[A-Z]{3}\d{12}/];

function invalid(message: string): StorageError {
  return new StorageError('invalid', `journal: ${message}`);
}

/** Checks an entry against its type's field list; returns the fields in a fixed order. */
function checkEntry(entry: { type: string } & Record<string, unknown>): Record<string, string | number | boolean> {
  if (typeof entry !== 'object' || entry === null) throw invalid('entry must be an object');
  const type = entry.type as JournalRecordType;
  const spec = Object.hasOwn(SPECS, type) ? SPECS[type] : undefined;
  if (spec === undefined) throw invalid(`unknown record type ${JSON.stringify(String(entry.type)).slice(0, 60)}`);
  for (const k of Object.keys(entry)) {
    if (k !== 'type' && !Object.hasOwn(spec, k)) throw invalid(`${type}: field "${k.slice(0, 40)}" is not allowed (never journal citizen data)`);
  }
  const out: Record<string, string | number | boolean> = {};
  for (const [name, f] of Object.entries(spec)) {
    const v = entry[name];
    if (v === undefined) {
      if (f.optional) continue;
      throw invalid(`${type}: field "${name}" is required`);
    }
    if (f.kind === 'count') {
      if (typeof v !== 'number' || !Number.isSafeInteger(v) || v < 0) throw invalid(`${type}.${name} must be a non-negative integer`);
    } else if (f.kind === 'flag') {
      if (typeof v !== 'boolean') throw invalid(`${type}.${name} must be true or false`);
    } else {
      if (typeof v !== 'string' || !PATTERNS[f.kind].test(v)) throw invalid(`${type}.${name} has characters or a length the journal does not accept`);
      if (ID_SHAPES.some((re) => re.test(v))) throw invalid(`${type}.${name} looks like an identity number: citizen data is never journalled`);
    }
    out[name] = v;
  }
  return out;
}

// ---------------------------------------------------------------- hashing and lines

export function journalHashAvailable(alg: JournalHash): boolean {
  return crypto.getHashes().map((h) => h.toLowerCase()).includes(alg);
}

function digest(alg: JournalHash, bytes: Buffer | string): string {
  return crypto.createHash(alg).update(bytes).digest('hex');
}

function buildLine(alg: JournalHash, seq: number, at: string, type: string, fields: Record<string, unknown>, prev: string): { line: string; hash: string } {
  const body = JSON.stringify({ seq, at, type, ...fields, prev });
  const prefix = body.slice(0, -1); // without the closing brace
  const hash = digest(alg, prefix);
  return { line: `${prefix}${HASH_SEP}${hash}"}\n`, hash };
}

/** Why a line does not continue the chain (null if it does). */
interface ParsedLine {
  record?: JournalRecord;
  problem?: string;
}

function parseLine(alg: JournalHash, text: string, expectSeq: number, expectPrev: string): ParsedLine {
  const cut = text.lastIndexOf(HASH_SEP);
  if (cut < 0 || !text.endsWith('"}')) return { problem: 'not a journal record (no hash)' };
  const prefix = text.slice(0, cut);
  const claimed = text.slice(cut + HASH_SEP.length, -2);
  let obj: unknown;
  try {
    obj = JSON.parse(text);
  } catch {
    return { problem: 'not valid JSON' };
  }
  if (typeof obj !== 'object' || obj === null || Array.isArray(obj)) return { problem: 'not a JSON object' };
  const o = obj as Record<string, unknown>;
  if (o.hash !== claimed) return { problem: 'hash field is not the last field' };
  const actual = digest(alg, prefix);
  if (actual !== claimed) return { problem: `hash mismatch (the record was changed: computed ${actual.slice(0, 16)}…, stored ${String(claimed).slice(0, 16)}…)` };
  if (o.seq !== expectSeq) return { problem: `sequence number ${String(o.seq)} where ${expectSeq} was expected (a record was removed or inserted)` };
  if (o.prev !== expectPrev) return { problem: `prev ${String(o.prev).slice(0, 16)}… does not match the previous record's hash ${expectPrev.slice(0, 16)}…` };
  if (typeof o.at !== 'string' || typeof o.type !== 'string') return { problem: 'missing at or type' };
  const fields: Record<string, string | number | boolean> = {};
  for (const [k, v] of Object.entries(o)) {
    if (k === 'seq' || k === 'at' || k === 'type' || k === 'prev' || k === 'hash') continue;
    if (typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean') fields[k] = v;
  }
  return { record: { seq: expectSeq, at: o.at, type: o.type as JournalRecordType, fields, prev: expectPrev, hash: claimed } };
}

// ---------------------------------------------------------------- reading and verifying

export interface BrokenLink {
  /** Sequence number the broken record should have had. */
  seq: number;
  /** 1-based line number in the file. */
  line: number;
  /** Byte offset of the line's start. */
  offset: number;
  reason: string;
}

export interface JournalScan {
  alg: JournalHash | null;
  records: JournalRecord[];
  /** Head of the valid prefix (seq -1 and ZERO hash for an empty file). */
  head: { seq: number; hash: string };
  /** Byte length of the valid, complete prefix. */
  validBytes: number;
  /** Bytes after the last newline (a torn last line a crash left); 0 normally. */
  tornTailBytes: number;
  broken: BrokenLink | null;
}

function algOf(firstLine: string): JournalHash | null {
  try {
    const o = JSON.parse(firstLine) as { alg?: unknown; type?: unknown };
    return o.type === 'journal-created' && (o.alg === 'sha256' || o.alg === 'sm3') ? o.alg : null;
  } catch {
    return null;
  }
}

/**
 * Checks a journal's bytes a slice at a time (`step(maxLines)`), so a long chain can be verified between
 * other work on one thread. Never throws for bad content: it reports it.
 */
export class JournalScanner {
  readonly #bytes: Buffer;
  readonly #keep: boolean;
  readonly #records: JournalRecord[] = [];
  #off = 0;
  #seq = 0;
  #prev = ZERO_HASH;
  #alg: JournalHash | null = null;
  #broken: BrokenLink | null = null;
  #line = 0;
  #done = false;
  /** Called with every valid record in order (also when records are not kept). */
  readonly #onRecord: ((r: JournalRecord) => void) | undefined;

  constructor(bytes: Buffer, opts: { keepRecords?: boolean; onRecord?: (r: JournalRecord) => void } = {}) {
    this.#bytes = bytes;
    this.#keep = opts.keepRecords !== false;
    this.#onRecord = opts.onRecord;
  }

  get done(): boolean {
    return this.#done;
  }

  /** Checks up to `maxLines` more lines; returns true when the scan is complete. */
  step(maxLines: number): boolean {
    const bytes = this.#bytes;
    let n = 0;
    while (!this.#done && n < maxLines) {
      if (this.#off >= bytes.length) {
        this.#done = true;
        break;
      }
      const nl = bytes.indexOf(0x0a, this.#off);
      if (nl < 0) {
        this.#done = true; // torn tail
        break;
      }
      this.#line++;
      n++;
      const text = bytes.toString('utf8', this.#off, nl);
      if (this.#seq === 0) {
        this.#alg = algOf(text);
        if (this.#alg === null) {
          this.#broken = { seq: 0, line: this.#line, offset: this.#off, reason: 'the first record is not a journal-created record naming its hash' };
          this.#done = true;
          break;
        }
        if (!journalHashAvailable(this.#alg)) {
          this.#broken = { seq: 0, line: this.#line, offset: this.#off, reason: `this runtime has no ${this.#alg} to check the chain` };
          this.#done = true;
          break;
        }
      }
      const p = this.#alg === null ? { problem: 'no hash algorithm' } : parseLine(this.#alg, text, this.#seq, this.#prev);
      if (p.record === undefined) {
        this.#broken = { seq: this.#seq, line: this.#line, offset: this.#off, reason: p.problem ?? 'unreadable' };
        this.#done = true;
        break;
      }
      if (this.#keep) this.#records.push(p.record);
      this.#onRecord?.(p.record);
      this.#prev = p.record.hash;
      this.#seq++;
      this.#off = nl + 1;
    }
    return this.#done;
  }

  /** The scan so far (complete once step() returned true). */
  result(): JournalScan {
    const tornTailBytes = this.#broken === null ? this.#bytes.length - this.#off : 0;
    return { alg: this.#alg, records: this.#records, head: { seq: this.#seq - 1, hash: this.#prev }, validBytes: this.#off, tornTailBytes, broken: this.#broken };
  }
}

/** Reads and checks a journal's bytes (the whole chain). Never throws for bad content: it reports it. */
export function scanJournal(bytes: Buffer, opts: { keepRecords?: boolean } = {}): JournalScan {
  const s = new JournalScanner(bytes, opts);
  s.step(Number.POSITIVE_INFINITY);
  return s.result();
}

/** What verifyChain() found. */
export type ChainCheck = { ok: true; records: number; accepted: Map<string, string> } | { ok: false; problem: string };

export type JournalVerification =
  | { ok: true; file: string; alg: JournalHash | null; records: number; head: { seq: number; hash: string }; tornTailBytes: number }
  | { ok: false; file: string; alg: JournalHash | null; records: number; head: { seq: number; hash: string }; broken: BrokenLink };

/** `kioskctl journal verify`: checks every link of the file; names the first broken one. */
export function verifyJournal(file: string): JournalVerification {
  let bytes: Buffer;
  try {
    bytes = fs.readFileSync(file);
  } catch (e) {
    throw toStorageError(e, `reading journal ${file}`);
  }
  const s = scanJournal(bytes, { keepRecords: false });
  const records = s.head.seq + 1;
  if (s.broken !== null) return { ok: false, file, alg: s.alg, records, head: s.head, broken: s.broken };
  return { ok: true, file, alg: s.alg, records, head: s.head, tornTailBytes: s.tornTailBytes };
}

// ---------------------------------------------------------------- the appender

export interface JournalOptions {
  /** Journal file (default `<dir of the database>/kiosk.journal`, chosen by openOfflineCache). */
  file: string;
  /** The offline cache's database: its write lock serialises appenders; it holds the anchor. */
  db: SqliteDatabase;
  /** Hash for a NEW journal (an existing one keeps the one its first record names). Default sha256. */
  hash?: JournalHash;
  /** Owner open (the core at start): reads and checks the whole chain, repairs a torn last line. Default false. */
  verify?: boolean;
  /** Terminal id written into a new journal's first record. */
  terminalId?: string;
  clock?: () => number;
}

interface Anchor {
  genesis: string;
  seq: number;
  hash: string;
}

function journalError(message: string): StorageError {
  return new StorageError('journal', message);
}

export class Journal {
  readonly file: string;
  readonly alg: JournalHash;
  readonly #db: SqliteDatabase;
  readonly #clock: () => number;
  #fd: number;
  #end: number;
  #head: { seq: number; hash: string };
  #genesis: string;
  #closed = false;
  /** Lines written with `{ sync: false }` since the last fdatasync. */
  #unsynced = 0;
  /** Owner open only: the records read at open (for reconciliation), then released. */
  #scanned: JournalRecord[] | null;
  /** Accepted submissions known to the journal: key → acceptance number (loss-acknowledged ones removed). */
  readonly #accepted: Map<string, string> | null;
  /** What the owner open found and did (repairs), for the start-up log. */
  readonly opened: { created: boolean; repairedBytes: number; records: number };

  private constructor(init: {
    file: string;
    alg: JournalHash;
    db: SqliteDatabase;
    clock: () => number;
    fd: number;
    end: number;
    head: { seq: number; hash: string };
    genesis: string;
    scanned: JournalRecord[] | null;
    opened: { created: boolean; repairedBytes: number; records: number };
  }) {
    this.file = init.file;
    this.alg = init.alg;
    this.#db = init.db;
    this.#clock = init.clock;
    this.#fd = init.fd;
    this.#end = init.end;
    this.#head = init.head;
    this.#genesis = init.genesis;
    this.#scanned = init.scanned;
    this.opened = init.opened;
    if (init.scanned !== null) {
      this.#accepted = new Map();
      for (const r of init.scanned) this.#track(r.type, r.fields);
    } else {
      this.#accepted = null;
    }
  }

  /**
   * Opens (or creates) the journal. Creation happens only when neither the file nor the database's anchor
   * exists. Throws StorageError('journal') when the file is missing while the database says it existed,
   * when its first record is not the one the database knows (replaced), when it is shorter than the anchor
   * (cut short), or — with `verify` — when a link is broken.
   */
  static open(opts: JournalOptions): Journal {
    const clock = opts.clock ?? Date.now;
    const anchor = readAnchor(opts.db);
    const exists = fs.existsSync(opts.file);
    if (!exists) {
      if (anchor !== null) {
        throw journalError(
          `journal ${opts.file} is missing, but the database says it had ${anchor.seq + 1} record(s): it was deleted or moved — ` +
            'restore it (kioskctl journal verify), the kiosk stays out of service until then',
        );
      }
      return Journal.#create(opts, clock);
    }
    let fd: number;
    try {
      fd = fs.openSync(opts.file, 'r+');
    } catch (e) {
      throw toStorageError(e, `opening journal ${opts.file}`);
    }
    try {
      let size = fs.fstatSync(fd).size;
      let scanned: JournalRecord[] | null = null;
      let head: { seq: number; hash: string };
      let alg: JournalHash;
      let genesis: string;
      let repairedBytes = 0;
      if (opts.verify === true) {
        const bytes = Buffer.alloc(size);
        if (size > 0) fs.readSync(fd, bytes, 0, size, 0);
        const s = scanJournal(bytes);
        if (s.broken !== null) {
          throw journalError(
            `journal ${opts.file} is broken at record ${s.broken.seq} (line ${s.broken.line}, byte ${s.broken.offset}): ${s.broken.reason} — ` +
              'see kioskctl journal verify',
          );
        }
        if (s.alg === null || s.records.length === 0) {
          if (size === 0 && anchor === null) {
            fs.closeSync(fd);
            fs.rmSync(opts.file, { force: true });
            return Journal.#create(opts, clock);
          }
          throw journalError(`journal ${opts.file} has no complete first record`);
        }
        // A crash mid-append leaves a torn last line, never acknowledged to anyone: cut below, recorded in the chain.
        repairedBytes = s.tornTailBytes;
        size = s.validBytes;
        scanned = s.records;
        head = s.head;
        alg = s.alg;
        genesis = s.records[0]?.hash ?? '';
      } else {
        const t = readTail(fd, size, opts.file);
        size = t.end;
        head = t.head;
        alg = t.alg;
        genesis = t.genesis;
      }
      if (anchor !== null) {
        if (anchor.genesis !== genesis) {
          throw journalError(`journal ${opts.file} is not the one this database started (another first record): it was replaced`);
        }
        if (head.seq < anchor.seq) {
          throw journalError(
            `journal ${opts.file} ends at record ${head.seq}, but the database saw record ${anchor.seq}: it was cut short`,
          );
        }
        if (scanned !== null && scanned[anchor.seq]?.hash !== anchor.hash) {
          throw journalError(`journal ${opts.file}: record ${anchor.seq} is not the one the database saw`);
        }
      }
      const j = new Journal({
        file: opts.file,
        alg,
        db: opts.db,
        clock,
        fd,
        end: size,
        head,
        genesis,
        scanned,
        opened: { created: false, repairedBytes, records: head.seq + 1 },
      });
      if (anchor === null) j.#writeAnchor();
      if (repairedBytes > 0) j.#repairTail();
      return j;
    } catch (e) {
      try {
        fs.closeSync(fd);
      } catch {
        // already failing
      }
      throw toStorageError(e, `opening journal ${opts.file}`);
    }
  }

  static #create(opts: JournalOptions, clock: () => number): Journal {
    const alg = opts.hash ?? 'sha256';
    if (!JOURNAL_HASHES.includes(alg)) throw invalid(`unknown hash ${String(alg)}`);
    if (!journalHashAvailable(alg)) throw new StorageError('sealing', `journal hash ${alg} is not available in this runtime`);
    const fields: Record<string, string> = { alg };
    if (opts.terminalId !== undefined && PATTERNS.token.test(opts.terminalId)) fields.terminal = opts.terminalId;
    const { line, hash } = buildLine(alg, 0, new Date(clock()).toISOString(), 'journal-created', fields, ZERO_HASH);
    const dir = path.dirname(opts.file);
    const tmp = path.join(dir, `.${path.basename(opts.file)}.new-${process.pid}-${crypto.randomBytes(6).toString('hex')}`);
    let fd: number | undefined;
    try {
      fs.mkdirSync(dir, { recursive: true, mode: 0o700 });
      fd = fs.openSync(tmp, 'wx', 0o600);
      fs.writeSync(fd, line);
      fs.fsyncSync(fd);
      fs.closeSync(fd);
      fd = undefined;
      try {
        fs.linkSync(tmp, opts.file); // exclusive: a concurrent creator's journal wins
      } catch (e) {
        if ((e as { code?: unknown }).code === 'EEXIST') return Journal.open(opts);
        throw e;
      }
      fsyncDir(dir);
    } catch (e) {
      throw toStorageError(e, `creating journal ${opts.file}`);
    } finally {
      if (fd !== undefined) fs.closeSync(fd);
      fs.rmSync(tmp, { force: true });
    }
    const rfd = fs.openSync(opts.file, 'r+');
    const record: JournalRecord = { seq: 0, at: '', type: 'journal-created', fields, prev: ZERO_HASH, hash };
    const j = new Journal({
      file: opts.file,
      alg,
      db: opts.db,
      clock,
      fd: rfd,
      end: Buffer.byteLength(line),
      head: { seq: 0, hash },
      genesis: hash,
      scanned: opts.verify === true ? [record] : null,
      opened: { created: true, repairedBytes: 0, records: 1 },
    });
    j.#writeAnchor();
    return j;
  }

  /** The last record: its sequence number and hash. */
  get head(): { seq: number; hash: string } {
    return { ...this.#head };
  }

  /**
   * Owner open only: accepted submissions the journal knows (idempotency key → acceptance number), without
   * those a technician acknowledged as lost. Null for a non-verifying open.
   */
  acceptedSubmissions(): ReadonlyMap<string, string> | null {
    return this.#accepted;
  }

  /**
   * Verifies the chain as it stands now — every link up to the current end, and the record the database's
   * anchor names — a slice of about `sliceMs` at a time, yielding to the event loop between slices (the
   * owner's start-up check, off the path to serving; lines appended meanwhile are not part of it). Returns
   * the accepted submissions of the checked prefix (without loss-acknowledged ones) for reconciliation.
   */
  async verifyChain(opts: { sliceMs?: number; signal?: AbortSignal } = {}): Promise<ChainCheck> {
    const sliceMs = opts.sliceMs ?? 8;
    const end = this.#end;
    const anchor = readAnchor(this.#db);
    const bytes = Buffer.alloc(end);
    let got = 0;
    while (got < end) {
      const n = await new Promise<number>((resolve, reject) => {
        fs.read(this.#fd, bytes, got, end - got, got, (e, read) => (e ? reject(toStorageError(e, `reading journal ${this.file}`)) : resolve(read)));
      });
      if (n === 0) return { ok: false, problem: `journal ${this.file} ended at byte ${got} while ${end} were written` };
      got += n;
    }
    const accepted = new Map<string, string>();
    let first: string | null = null;
    let atAnchor: string | null = null;
    const scanner = new JournalScanner(bytes, {
      keepRecords: false,
      onRecord: (r) => {
        if (r.seq === 0) first = r.hash;
        if (anchor !== null && r.seq === anchor.seq) atAnchor = r.hash;
        trackAccepted(accepted, r.type, r.fields);
      },
    });
    for (;;) {
      opts.signal?.throwIfAborted();
      const t0 = performance.now();
      let done = scanner.step(200);
      while (!done && performance.now() - t0 < sliceMs) done = scanner.step(200);
      if (done) break;
      await new Promise<void>((r) => setImmediate(r));
    }
    const s = scanner.result();
    if (s.broken !== null) {
      return { ok: false, problem: `journal ${this.file} is broken at record ${s.broken.seq} (line ${s.broken.line}, byte ${s.broken.offset}): ${s.broken.reason} — see kioskctl journal verify` };
    }
    if (s.validBytes !== end) return { ok: false, problem: `journal ${this.file}: ${end - s.validBytes} byte(s) before its end are not a complete record` };
    if (anchor !== null) {
      if (first !== anchor.genesis) return { ok: false, problem: `journal ${this.file} is not the one this database started (another first record): it was replaced` };
      if (atAnchor !== anchor.hash) return { ok: false, problem: `journal ${this.file}: record ${anchor.seq} is not the one the database saw` };
    }
    return { ok: true, records: s.head.seq + 1, accepted };
  }

  /** Owner open only: the records read at open (once; released afterwards). */
  takeScannedRecords(): JournalRecord[] {
    const r = this.#scanned ?? [];
    this.#scanned = null;
    return r;
  }

  /**
   * Appends one record, durable when this returns (write + fdatasync, anchor moved). See the module comment
   * for types and fields.
   *
   * `{ sync: false }` (records whose loss on a power cut costs nothing but a line the next event rewrites, such
   * as delivery-acknowledged: a lost ack is redelivered and journalled again): the line is written — it
   * survives a killed process, not a power cut — but neither synced nor anchored until `sync()`, the next
   * durable append, or `close()`. The anchor only ever names synced records, so a power cut that loses
   * unsynced lines is a torn or short tail, never a journal that looks cut short.
   */
  append(entry: JournalEntry, opts: { sync?: boolean } = {}): JournalRecord {
    const type = (entry as { type?: unknown } | null)?.type;
    if (type === 'journal-created' || type === 'journal-repaired') throw invalid(`${type} records are written by the journal itself`);
    return this.#append(entry, opts.sync !== false);
  }

  /** Several records under one lock with one write (and one fdatasync unless `{ sync: false }`); all checked first. */
  appendMany(entries: readonly JournalEntry[], opts: { sync?: boolean } = {}): JournalRecord[] {
    if (entries.length === 0) return [];
    if (this.#closed) throw journalError('journal is closed');
    const items = entries.map((entry) => {
      const type = (entry as { type?: unknown } | null)?.type;
      if (type === 'journal-created' || type === 'journal-repaired') throw invalid(`${type} records are written by the journal itself`);
      return { type: entry.type, fields: checkEntry(entry as { type: string } & Record<string, unknown>) };
    });
    return this.#locked(() => this.#writeRecords(items, opts.sync !== false));
  }

  /** Lines appended with `{ sync: false }` that are not yet synced. */
  get unsynced(): number {
    return this.#unsynced;
  }

  /** Makes every line appended with `{ sync: false }` durable (one fdatasync) and moves the anchor to them. */
  sync(): void {
    if (this.#closed || this.#unsynced === 0) return;
    try {
      fs.fdatasyncSync(this.#fd);
      this.#db.transaction(() => this.#writeAnchor()).immediate();
      this.#unsynced = 0;
    } catch (e) {
      throw toStorageError(e, `syncing journal ${this.file}`);
    }
  }

  #append(entry: JournalEntry | InternalEntry, sync = true): JournalRecord {
    if (this.#closed) throw journalError('journal is closed');
    const fields = checkEntry(entry as { type: string } & Record<string, unknown>);
    return this.#locked(() => this.#writeRecord(entry.type, fields, sync));
  }

  /** Repairs a torn last line now (owner open), recording it in the chain. */
  #repairTail(): void {
    this.#locked(() => undefined);
  }

  /**
   * Runs `fn` under the database's write lock, after following what other processes appended (and cutting
   * a torn line a dead writer left, recorded as journal-repaired).
   */
  #locked<T>(fn: () => T): T {
    const run = (): T => {
      const torn = this.#catchUp();
      if (torn > 0) this.#writeRecord('journal-repaired', { truncatedBytes: torn });
      return fn();
    };
    try {
      return this.#db.transaction(run).immediate();
    } catch (e) {
      throw toStorageError(e, `appending to journal ${this.file}`);
    }
  }

  /** Writes one line at the end and syncs it (unless `sync` is false); caller holds the lock. */
  #writeRecord(type: JournalRecordType, fields: Record<string, string | number | boolean>, sync = true): JournalRecord {
    const r = this.#writeRecords([{ type, fields }], sync)[0];
    if (r === undefined) throw journalError('internal: no record written');
    return r;
  }

  /** Writes these lines, chained, with one write (and one fdatasync unless `sync` is false); caller holds the lock. */
  #writeRecords(items: readonly { type: JournalRecordType; fields: Record<string, string | number | boolean> }[], sync: boolean): JournalRecord[] {
    const at = new Date(this.#clock()).toISOString();
    let head = this.#head;
    const records: JournalRecord[] = [];
    const lines: Buffer[] = [];
    for (const { type, fields } of items) {
      const seq = head.seq + 1;
      const { line, hash } = buildLine(this.alg, seq, at, type, fields, head.hash);
      const buf = Buffer.from(line, 'utf8');
      if (buf.length > MAX_LINE) throw invalid(`record too long (${buf.length} bytes)`);
      lines.push(buf);
      records.push({ seq, at, type, fields, prev: head.hash, hash });
      head = { seq, hash };
    }
    const buf = lines.length === 1 ? (lines[0] ?? Buffer.alloc(0)) : Buffer.concat(lines);
    try {
      let off = 0;
      while (off < buf.length) off += fs.writeSync(this.#fd, buf, off, buf.length - off, this.#end + off);
      if (sync) fs.fdatasyncSync(this.#fd);
    } catch (e) {
      // Never leave half a line: the next record must chain to a complete one.
      try {
        fs.ftruncateSync(this.#fd, this.#end);
      } catch {
        // the next append (or the start-up open) cuts a torn tail
      }
      throw toStorageError(e, `appending to journal ${this.file}`);
    }
    this.#end += buf.length;
    this.#head = head;
    if (!sync) {
      this.#unsynced += records.length;
    } else {
      // The fdatasync above made every earlier unsynced line durable too.
      this.#unsynced = 0;
      try {
        this.#writeAnchor();
      } catch {
        // The records are durable; the anchor catches up with the next append.
      }
    }
    for (const r of records) this.#track(r.type, r.fields);
    return records;
  }

  /**
   * Follows records another process appended since we last looked (they must chain to ours). A last line
   * without its newline was left by a writer that died mid-write (a live writer holds the lock we hold now):
   * it is cut off; returns how many bytes were cut.
   */
  #catchUp(): number {
    const size = fs.fstatSync(this.#fd).size;
    if (size === this.#end) return 0;
    if (size < this.#end) throw journalError(`journal ${this.file} shrank from ${this.#end} to ${size} bytes while open`);
    const bytes = Buffer.alloc(size - this.#end);
    fs.readSync(this.#fd, bytes, 0, bytes.length, this.#end);
    let off = 0;
    for (;;) {
      const nl = bytes.indexOf(0x0a, off);
      if (nl < 0) break;
      const p = parseLine(this.alg, bytes.toString('utf8', off, nl), this.#head.seq + 1, this.#head.hash);
      if (p.record === undefined) throw journalError(`journal ${this.file}: record ${this.#head.seq + 1} added by another process is broken: ${p.problem ?? ''}`);
      this.#head = { seq: p.record.seq, hash: p.record.hash };
      this.#track(p.record.type, p.record.fields);
      off = nl + 1;
    }
    this.#end += off;
    const torn = bytes.length - off;
    if (torn > 0) {
      fs.ftruncateSync(this.#fd, this.#end);
      fs.fsyncSync(this.#fd);
    }
    return torn;
  }

  #track(type: JournalRecordType, fields: Record<string, unknown>): void {
    if (this.#accepted !== null) trackAccepted(this.#accepted, type, fields);
  }

  #anchorStatement: Statement | null = null;

  #writeAnchor(): void {
    this.#anchorStatement ??= this.#db.prepare(
      `INSERT INTO journal_anchor(id, genesis, seq, hash, updated_at) VALUES (1, ?, ?, ?, ?)
       ON CONFLICT(id) DO UPDATE SET seq = excluded.seq, hash = excluded.hash, updated_at = excluded.updated_at`,
    );
    this.#anchorStatement.run(this.#genesis, this.#head.seq, this.#head.hash, this.#clock());
  }

  /** Syncs unsynced lines (best effort: they are written already), then closes the file. */
  close(): void {
    if (this.#closed) return;
    try {
      this.sync();
    } catch {
      // The lines are written; a power cut before the OS writes them back leaves a torn tail, repaired at open.
    }
    this.#closed = true;
    try {
      fs.closeSync(this.#fd);
    } catch {
      // already closed
    }
  }
}

/**
 * The rows the journal says were committed, as reconciliation counts them: accepted submissions, and ratings (an
 * outbox row of their own, key = the rating's key); a loss a technician acknowledged is no longer expected.
 */
function trackAccepted(accepted: Map<string, string>, type: JournalRecordType, fields: Record<string, unknown>): void {
  if ((type === 'submission-accepted' || type === 'rating') && typeof fields.key === 'string' && typeof fields.acceptanceNumber === 'string') {
    accepted.set(fields.key, fields.acceptanceNumber);
  } else if (type === 'loss-acknowledged' && typeof fields.key === 'string') {
    accepted.delete(fields.key);
  }
}

function readAnchor(db: SqliteDatabase): Anchor | null {
  const r = db.prepare('SELECT genesis, seq, hash FROM journal_anchor WHERE id = 1').get() as Anchor | undefined;
  return r ?? null;
}

/** Head and identity from the file's first and last lines, without reading the whole chain. */
function readTail(fd: number, size: number, file: string): { head: { seq: number; hash: string }; alg: JournalHash; genesis: string; end: number } {
  const firstLen = Math.min(size, MAX_LINE + 1);
  const first = Buffer.alloc(firstLen);
  fs.readSync(fd, first, 0, firstLen, 0);
  const nl0 = first.indexOf(0x0a);
  if (nl0 < 0) throw journalError(`journal ${file} has no complete first record`);
  const firstText = first.toString('utf8', 0, nl0);
  const alg = algOf(firstText);
  if (alg === null) throw journalError(`journal ${file}: the first record is not a journal-created record`);
  const g = parseLine(alg, firstText, 0, ZERO_HASH);
  if (g.record === undefined) throw journalError(`journal ${file}: first record broken: ${g.problem ?? ''}`);
  const tailLen = Math.min(size, 2 * MAX_LINE + 2);
  const tail = Buffer.alloc(tailLen);
  fs.readSync(fd, tail, 0, tailLen, size - tailLen);
  // A torn last line (a writer died mid-write) is ignored here; the next append cuts it under the lock.
  const lastNl = tail.lastIndexOf(0x0a);
  if (lastNl < 1) throw journalError(`journal ${file}: no complete record at its end`);
  const end = size - tailLen + lastNl + 1;
  const prevNl = tail.lastIndexOf(0x0a, lastNl - 1);
  const lastText = tail.toString('utf8', prevNl + 1, lastNl);
  let o: { seq?: unknown; hash?: unknown };
  try {
    o = JSON.parse(lastText) as typeof o;
  } catch {
    throw journalError(`journal ${file}: the last record is not valid JSON`);
  }
  if (typeof o.seq !== 'number' || typeof o.hash !== 'string') throw journalError(`journal ${file}: the last record has no seq/hash`);
  const cut = lastText.lastIndexOf(HASH_SEP);
  if (cut < 0 || digest(alg, lastText.slice(0, cut)) !== o.hash) throw journalError(`journal ${file}: the last record's hash does not match`);
  return { head: { seq: o.seq, hash: o.hash }, alg, genesis: g.record.hash, end };
}

// ---------------------------------------------------------------- reconciliation

export interface ReconcileOptions {
  journal: Journal;
  db: SqliteDatabase;
  /** The kiosk's acceptance number of a row (main/core's format), for recovered records. */
  acceptanceNumberOf(row: { id: number; enqueuedAt: number }): string;
  /** Append `submission-accepted {recovered: true}` for committed rows the journal missed. Default true. */
  record?: boolean;
}

export interface ReconcileResult {
  /** Accepted submissions the journal knows. */
  journaled: number;
  /** Committed rows the journal lacked (a crash between the commit and the journal line, or a pre-journal database). */
  recovered: { acceptanceNumber: string; key: string }[];
  /** Acceptance numbers the journal says were committed and the database does not have: LOST. */
  missing: { acceptanceNumber: string; key: string }[];
}

/**
 * Compares the journal's accepted submissions with the database's records (one pass over the records'
 * key index). Needs a verifying (owner) open. Missing rows are reported, never invented; rows the journal
 * lacked are journalled as recovered (each one a fact: the row is committed).
 */
export function reconcileJournal(opts: ReconcileOptions): ReconcileResult {
  const accepted = opts.journal.acceptedSubmissions();
  if (accepted === null) throw new StorageError('conflict', 'reconcileJournal needs a journal opened with verify: true');
  const remaining = new Map(accepted);
  const unjournaled: { id: number; key: string; enqueuedAt: number }[] = [];
  const rows = opts.db
    .prepare('SELECT r.id AS id, r.idempotency_key AS key, o.enqueued_at AS enqueuedAt FROM records r JOIN outbox o ON o.record_id = r.id')
    .iterate() as IterableIterator<{ id: number; key: string; enqueuedAt: number }>;
  for (const row of rows) {
    if (!remaining.delete(row.key)) unjournaled.push(row);
  }
  const missing = [...remaining].map(([key, acceptanceNumber]) => ({ acceptanceNumber, key }));
  const recovered = unjournaled.map((r) => ({ acceptanceNumber: opts.acceptanceNumberOf(r), key: r.key }));
  if (opts.record !== false) {
    for (const r of recovered) opts.journal.append({ type: 'submission-accepted', acceptanceNumber: r.acceptanceNumber, key: r.key, recovered: true });
    if (recovered.length > 0 || missing.length > 0) {
      opts.journal.append({ type: 'reconciled', journaled: accepted.size, recovered: recovered.length, missing: missing.length });
    }
  }
  return { journaled: accepted.size, recovered, missing };
}
