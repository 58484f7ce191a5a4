import { closeSync, existsSync, fsyncSync, mkdirSync, openSync, renameSync, rmSync, statSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { pino, type Logger } from 'pino';

/**
 * Logging: JSON lines (pino) to <dataDir>/logs/kiosk.log, rotated by size.
 * Citizen data never reaches a line: three independent layers —
 *  1. values under citizen-data keys (name, idNumber, address, …) are replaced at any depth;
 *  2. anything shaped like an ID number in any string is masked;
 *  3. the current session's own name / ID number / address are registered as secrets and
 *     replaced wherever they appear, whatever the key or message.
 */

const CITIZEN_KEYS = new Set([
  'name', 'nameEn', 'fullName', 'idNumber', 'idNo', 'maskedId', 'address', 'photo', 'birthDate', 'issuer',
  'passNumber', 'previousCardLink', 'citizen', 'identity', 'record', 'card', 'holder', 'applicant', 'form', 'phone',
]);

/** 18-character resident ID numbers, 15-digit old ones, and foreign permanent resident card numbers. */
const ID_PATTERNS = [/\d{17}[\dXx]/g, /(?<!\d)\d{15}(?!\d)/g, /[A-Z]{3}\d{12}/g];

/** Letters and digits only, compatibility-folded (full-width → ASCII) and lower-cased: how secrets are compared in speech. */
export function foldForMatch(s: string): string {
  return s.normalize('NFKC').toLowerCase().replace(/[^\p{L}\p{N}]+/gu, '');
}

export class Redactor {
  readonly #secrets = new Set<string>();

  /** Registers values (e.g. the current citizen's name and ID number) to scrub from every line. */
  addSecrets(values: Iterable<string | undefined | null>): void {
    for (const v of values) if (v && v.trim().length >= 2) this.#secrets.add(v.trim());
  }

  removeSecrets(values: Iterable<string | undefined | null>): void {
    for (const v of values) if (v) this.#secrets.delete(v.trim());
  }

  /**
   * For the speech guard (voice/guard.ts): whether `text` reveals a registered secret, compared without
   * spaces, punctuation or letter case; a long secret (an address) also by any 8 consecutive characters
   * of it. Secrets listed in `except` (the citizen's name, in the greeting only) do not count.
   */
  revealsSecret(text: string, except: readonly string[] = []): boolean {
    const t = foldForMatch(text);
    if (t.length === 0) return false;
    const skip = new Set(except.map(foldForMatch));
    for (const secret of this.#secrets) {
      const s = foldForMatch(secret);
      if (s.length < 2 || skip.has(s)) continue;
      if (t.includes(s)) return true;
      const chars = [...s];
      if (chars.length >= 12) {
        for (let i = 0; i + 8 <= chars.length; i++) if (t.includes(chars.slice(i, i + 8).join(''))) return true;
      }
    }
    return false;
  }

  scrubString(s: string): string {
    let out = s;
    for (const secret of this.#secrets) if (out.includes(secret)) out = out.split(secret).join('[redacted]');
    for (const re of ID_PATTERNS) out = out.replace(re, '[id]');
    return out;
  }

  scrub(value: unknown, depth = 0): unknown {
    if (typeof value === 'string') return this.scrubString(value);
    if (value === null || typeof value !== 'object') return value;
    if (depth > 8) return '[depth]';
    if (value instanceof Uint8Array) return `[${value.length} bytes]`;
    if (value instanceof Error) {
      const out: Record<string, unknown> = { type: value.name, message: this.scrubString(value.message) };
      if (value.stack) out.stack = this.scrubString(value.stack);
      const code = (value as { code?: unknown }).code;
      if (typeof code === 'string' || typeof code === 'number') out.code = code;
      return out;
    }
    if (Array.isArray(value)) return value.map((v) => this.scrub(v, depth + 1));
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value as Record<string, unknown>)) {
      out[k] = CITIZEN_KEYS.has(k) ? '[redacted]' : this.scrub(v, depth + 1);
    }
    return out;
  }
}

/** The file operations RotatingFile uses (tests inject failures; the default is node:fs). */
export interface LogFileIo {
  mkdirSync: typeof mkdirSync;
  openSync: typeof openSync;
  writeSync: (fd: number, line: string) => number;
  closeSync: typeof closeSync;
  fsyncSync: typeof fsyncSync;
  renameSync: typeof renameSync;
  rmSync: typeof rmSync;
  existsSync: typeof existsSync;
  statSync: (path: string) => { size: number };
}
const nodeIo: LogFileIo = { mkdirSync, openSync, writeSync: (fd, line) => writeSync(fd, line), closeSync, fsyncSync, renameSync, rmSync, existsSync, statSync };

/** What the log writer could not do, for diagnostics (never throws to its caller). */
export interface LogWriteStats {
  /** Lines dropped because they could not be written (full disk, I/O error, unwritable directory). */
  dropped: number;
  /** The error code of the last failure (e.g. ENOSPC), null once a line was written again. */
  failing: string | null;
}

function errCode(e: unknown): string {
  const c = (e as { code?: unknown } | null)?.code;
  return typeof c === 'string' ? c : e instanceof Error ? e.name : 'error';
}

/**
 * A synchronous size-rotated file: kiosk.log, kiosk.1.log … kiosk.<maxFiles-1>.log.
 * Never throws: a line that cannot be written (full disk, I/O error, a directory that cannot be created)
 * is dropped and counted, and the file is reopened at most every `retryMs`; the first line written after a
 * failure is preceded by one line saying how many were dropped and why.
 */
export class RotatingFile {
  #fd: number | null = null;
  #size = 0;
  #dropped = 0;
  #droppedSinceWrite = 0;
  #failing: string | null = null;
  #nextOpenAt = 0;
  readonly #io: LogFileIo;
  readonly #now: () => number;
  readonly #retryMs: number;

  constructor(
    readonly dir: string,
    readonly baseName: string,
    readonly maxBytes: number,
    readonly maxFiles: number,
    opts: { io?: LogFileIo; now?: () => number; retryMs?: number } = {},
  ) {
    this.#io = opts.io ?? nodeIo;
    this.#now = opts.now ?? Date.now;
    this.#retryMs = opts.retryMs ?? 5000;
    this.#open();
  }

  #path(i: number): string {
    return join(this.dir, i === 0 ? `${this.baseName}.log` : `${this.baseName}.${i}.log`);
  }

  #open(): boolean {
    const io = this.#io;
    try {
      io.mkdirSync(this.dir, { recursive: true, mode: 0o750 });
      const path = this.#path(0);
      this.#fd = io.openSync(path, 'a', 0o640);
      this.#size = io.existsSync(path) ? io.statSync(path).size : 0;
      return true;
    } catch (e) {
      this.#fd = null;
      this.#fail(e);
      this.#nextOpenAt = this.#now() + this.#retryMs;
      return false;
    }
  }

  #fail(e: unknown): void {
    this.#failing = errCode(e);
  }

  #drop(): void {
    this.#dropped++;
    this.#droppedSinceWrite++;
  }

  get stats(): LogWriteStats {
    return { dropped: this.#dropped, failing: this.#failing };
  }

  write(line: string): void {
    if (this.#fd === null && (this.#now() < this.#nextOpenAt || !this.#open())) {
      this.#drop();
      return;
    }
    try {
      if (this.#droppedSinceWrite > 0) {
        const note =
          JSON.stringify({ level: 40, time: new Date(this.#now()).toISOString(), dropped: this.#droppedSinceWrite, cause: this.#failing, msg: 'log lines dropped: they could not be written' }) + '\n';
        this.#writeLine(note);
        this.#droppedSinceWrite = 0;
      }
      this.#writeLine(line);
      this.#failing = null;
    } catch (e) {
      this.#fail(e);
      this.#drop();
    }
  }

  #writeLine(line: string): void {
    const bytes = Buffer.byteLength(line);
    if (this.#size > 0 && this.#size + bytes > this.maxBytes) this.#rotate();
    if (this.#fd === null) throw Object.assign(new Error('log file not open'), { code: this.#failing ?? 'EBADF' });
    const written = this.#io.writeSync(this.#fd, line);
    this.#size += written;
    if (written < bytes) throw Object.assign(new Error('short write'), { code: 'ENOSPC' });
  }

  #rotate(): void {
    const io = this.#io;
    if (this.#fd !== null) {
      try {
        io.closeSync(this.#fd);
      } catch {
        // the descriptor is gone either way
      }
      this.#fd = null;
    }
    try {
      const last = this.#path(this.maxFiles - 1);
      if (this.maxFiles === 1) io.rmSync(last, { force: true });
      for (let i = this.maxFiles - 2; i >= 0; i--) {
        const from = this.#path(i);
        if (io.existsSync(from)) io.renameSync(from, this.#path(i + 1));
      }
    } catch (e) {
      this.#fail(e);
    }
    if (!this.#open()) throw Object.assign(new Error('log file could not be reopened'), { code: this.#failing ?? 'EIO' });
  }

  flush(): void {
    if (this.#fd === null) return;
    try {
      this.#io.fsyncSync(this.#fd);
    } catch {
      // best effort
    }
  }

  close(): void {
    this.flush();
    if (this.#fd === null) return;
    try {
      this.#io.closeSync(this.#fd);
    } catch {
      // already closed
    }
    this.#fd = null;
  }
}

let stderrGuarded = false;
/** An EPIPE on a closed terminal arrives as an 'error' event: without a listener it would end the process. */
function ignoreStderrErrors(): void {
  if (stderrGuarded) return;
  stderrGuarded = true;
  process.stderr.on('error', () => undefined);
}

export interface KioskLogging {
  logger: Logger;
  redactor: Redactor;
  file: RotatingFile;
  /** Lines dropped so far and the current failure (diagnostics, technician screen). */
  stats(): LogWriteStats;
  close(): void;
}

export function createLogging(opts: {
  dir: string;
  level: string;
  maxFileBytes: number;
  maxFiles: number;
  /** Also mirror warnings and errors to stderr (web mode in a terminal). */
  stderr?: boolean;
  base?: Record<string, unknown>;
  /** Tests: file operations (inject ENOSPC), clock. */
  io?: LogFileIo;
  now?: () => number;
}): KioskLogging {
  const redactor = new Redactor();
  const file = new RotatingFile(opts.dir, 'kiosk', opts.maxFileBytes, opts.maxFiles, {
    ...(opts.io ? { io: opts.io } : {}),
    ...(opts.now ? { now: opts.now } : {}),
  });
  if (opts.stderr) ignoreStderrErrors();
  // Logging never takes the kiosk down: the file drops what it cannot write, the stderr mirror ignores a
  // closed or failing terminal, and nothing here throws into the code that logged.
  const stream = {
    write(line: string): void {
      file.write(line);
      if (opts.stderr) {
        const level = /"level":(\d+)/.exec(line)?.[1];
        if (level && Number(level) >= 40) {
          try {
            if (process.stderr.writable) process.stderr.write(line, () => undefined);
          } catch {
            // a closed terminal is not a reason to stop
          }
        }
      }
    },
  };
  const logger = pino(
    {
      level: opts.level,
      base: opts.base ?? {},
      timestamp: pino.stdTimeFunctions.isoTime,
      hooks: {
        logMethod(args, method) {
          const scrubbed = args.map((a) => redactor.scrub(a)) as Parameters<typeof method>;
          method.apply(this, scrubbed);
        },
      },
      formatters: {
        bindings: (b) => redactor.scrub(b) as Record<string, unknown>,
      },
    },
    stream,
  );
  return {
    logger,
    redactor,
    file,
    stats: () => file.stats,
    close: () => file.close(),
  };
}
