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

export class Redactor {
  readonly #secrets = new Set<string>();

  /** Registers values (e.g. the current citizen's name and ID number) to scrub from every line. */
  addSecrets(values: Iterable<string | undefined | null>): void {
    for (const v of values) if (v && v.trim().length >= 2) this.#secrets.add(v.trim());
  }

  removeSecrets(values: Iterable<string | undefined | null>): void {
    for (const v of values) if (v) this.#secrets.delete(v.trim());
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

/** A synchronous size-rotated file: kiosk.log, kiosk.1.log … kiosk.<maxFiles-1>.log. */
export class RotatingFile {
  #fd: number;
  #size: number;
  constructor(
    readonly dir: string,
    readonly baseName: string,
    readonly maxBytes: number,
    readonly maxFiles: number,
  ) {
    mkdirSync(dir, { recursive: true, mode: 0o750 });
    const path = this.#path(0);
    this.#fd = openSync(path, 'a', 0o640);
    this.#size = existsSync(path) ? statSync(path).size : 0;
  }

  #path(i: number): string {
    return join(this.dir, i === 0 ? `${this.baseName}.log` : `${this.baseName}.${i}.log`);
  }

  write(line: string): void {
    const bytes = Buffer.byteLength(line);
    if (this.#size > 0 && this.#size + bytes > this.maxBytes) this.#rotate();
    writeSync(this.#fd, line);
    this.#size += bytes;
  }

  #rotate(): void {
    closeSync(this.#fd);
    const last = this.#path(this.maxFiles - 1);
    if (this.maxFiles === 1) rmSync(last, { force: true });
    for (let i = this.maxFiles - 2; i >= 0; i--) {
      const from = this.#path(i);
      if (existsSync(from)) renameSync(from, this.#path(i + 1));
    }
    this.#fd = openSync(this.#path(0), 'a', 0o640);
    this.#size = 0;
  }

  flush(): void {
    try {
      fsyncSync(this.#fd);
    } catch {
      // best effort
    }
  }

  close(): void {
    this.flush();
    closeSync(this.#fd);
  }
}

export interface KioskLogging {
  logger: Logger;
  redactor: Redactor;
  file: RotatingFile;
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
}): KioskLogging {
  const redactor = new Redactor();
  const file = new RotatingFile(opts.dir, 'kiosk', opts.maxFileBytes, opts.maxFiles);
  const stream = {
    write(line: string): void {
      file.write(line);
      if (opts.stderr) {
        const level = /"level":(\d+)/.exec(line)?.[1];
        if (level && Number(level) >= 40) process.stderr.write(line);
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
    close: () => file.close(),
  };
}
