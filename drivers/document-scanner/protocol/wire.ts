/**
 * SANE network data types (net.tex "Data Type Encoding"; sanei_wire.c, sanei_codec_bin.c). Pure.
 *
 *   Word    4 bytes, big-endian (signed)         Byte / Char  1 byte (Char is ISO Latin-1)
 *   String  word length INCLUDING the NUL, then the bytes; NULL = length 0
 *   Array   word count, then the elements        Pointer  word is_null (1 = NULL), then the value if 0
 *   Struct  members in order                     Fixed    word, value × 65536
 *
 * `WireReader` decodes from the front of a buffer and throws `NEED_MORE` when the bytes run out, so a
 * caller turns any decoder into an incremental parser (`tryParse`). Malformed input becomes a typed
 * `SaneProtocolError`, never a crash or an unbounded allocation.
 */
import { DeviceError } from '../../device.js';

/** Longest string accepted (a descriptor's description is the longest real one, well under 4 KiB). */
export const MAX_STRING_BYTES = 64 * 1024;
/** Most elements accepted in one array (option values such as gamma tables reach 65536 words). */
export const MAX_ARRAY_LENGTH = 1 << 20;

export type SaneProtocolErrorKind =
  /** A length word outside what the protocol allows. */
  | 'length'
  /** A field with a value the protocol does not define (a type, a pointer flag, a constraint). */
  | 'value'
  /** Bytes where none were expected (the server spoke without being asked, or a different RPC). */
  | 'unexpected'
  /** Something we were asked to send cannot be encoded (a char outside Latin-1, a too long string). */
  | 'encode';

/** A framing or encoding problem on a SANE connection. Never carries payload bytes. */
export class SaneProtocolError extends DeviceError {
  constructor(
    readonly kind: SaneProtocolErrorKind,
    message: string,
  ) {
    super('scanner', kind === 'encode' ? 'invalid-data' : 'protocol', message, kind === 'encode' ? 'maintenance' : 'reset', `sane-${kind}`);
  }
}

export interface ParseResult<F> {
  frame?: F;
  /** Bytes to drop from the front of the buffer; 0 = need more bytes. */
  consumed: number;
  error?: SaneProtocolError;
}

/** Thrown by WireReader when the buffer ends inside a value; caught by tryParse. */
export const NEED_MORE: unique symbol = Symbol('need more bytes');

const NEED_MORE_RESULT: ParseResult<never> = Object.freeze({ consumed: 0 });

/**
 * Runs `decode` on a reader over `buf`: a frame with the bytes it used, need-more (consumed 0), or a
 * typed error. A SANE stream has no resynchronisation point, so an error consumes the whole buffer:
 * the connection is unusable afterwards and the caller closes it.
 */
export function tryParse<F>(buf: Uint8Array, decode: (r: WireReader) => F): ParseResult<F> {
  if (buf.length === 0) return NEED_MORE_RESULT;
  const r = new WireReader(buf);
  try {
    const frame = decode(r);
    return { frame, consumed: r.offset };
  } catch (e) {
    if (e === NEED_MORE) return NEED_MORE_RESULT;
    if (e instanceof SaneProtocolError) return { consumed: buf.length, error: e };
    throw e;
  }
}

const latin1 = new TextDecoder('latin1');

export class WireReader {
  offset = 0;
  constructor(readonly buf: Uint8Array) {}

  get remaining(): number {
    return this.buf.length - this.offset;
  }

  #need(n: number): void {
    if (this.buf.length - this.offset < n) throw NEED_MORE;
  }

  byte(): number {
    this.#need(1);
    return this.buf[this.offset++] as number;
  }

  /** A signed 32-bit word. */
  word(): number {
    this.#need(4);
    const b = this.buf;
    const o = this.offset;
    this.offset += 4;
    return ((b[o] as number) << 24) | ((b[o + 1] as number) << 16) | ((b[o + 2] as number) << 8) | (b[o + 3] as number);
  }

  /** An unsigned 32-bit word. */
  uword(): number {
    return this.word() >>> 0;
  }

  /** A word that must be one of `allowed` (an enumeration). */
  enumWord(what: string, count: number): number {
    const w = this.word();
    if (w < 0 || w >= count) throw new SaneProtocolError('value', `${what}: undefined value ${w}`);
    return w;
  }

  bool(what: string): boolean {
    const w = this.word();
    if (w !== 0 && w !== 1) throw new SaneProtocolError('value', `${what}: boolean word ${w}`);
    return w === 1;
  }

  /** An array length word, bounded. */
  length(what: string, max = MAX_ARRAY_LENGTH): number {
    const n = this.word();
    if (n < 0 || n > max) throw new SaneProtocolError('length', `${what}: length ${n >>> 0} out of range 0..${max}`);
    return n;
  }

  /** `n` raw bytes, as a view into the buffer (no copy). */
  bytes(n: number): Uint8Array {
    this.#need(n);
    const v = this.buf.subarray(this.offset, this.offset + n);
    this.offset += n;
    return v;
  }

  /**
   * A SANE_String: null for length 0. Like bin_w_string, the last byte is taken as the terminator and the
   * value ends at the first NUL. Chars are Latin-1, so every byte string decodes and re-encodes exactly.
   */
  string(what = 'string'): string | null {
    const n = this.length(what, MAX_STRING_BYTES);
    if (n === 0) return null;
    const raw = this.bytes(n).subarray(0, n - 1);
    const nul = raw.indexOf(0);
    return latin1.decode(nul < 0 ? raw : raw.subarray(0, nul));
  }

  /** A pointer: null when is_null = 1, otherwise the value `read` decodes. */
  pointer<T>(what: string, read: () => T): T | null {
    const isNull = this.word();
    if (isNull === 1) return null;
    if (isNull !== 0) throw new SaneProtocolError('value', `${what}: pointer flag ${isNull}`);
    return read();
  }

  array<T>(what: string, read: (i: number) => T, max = MAX_ARRAY_LENGTH): T[] {
    const n = this.length(what, max);
    const out: T[] = [];
    for (let i = 0; i < n; i++) out.push(read(i));
    return out;
  }
}

/** Grows as needed; `finish()` returns the exact bytes written. */
export class WireWriter {
  #buf: Uint8Array;
  #len = 0;

  constructor(initial = 64) {
    this.#buf = new Uint8Array(initial);
  }

  #room(n: number): void {
    if (this.#len + n <= this.#buf.length) return;
    const grown = new Uint8Array(Math.max(this.#len + n, this.#buf.length * 2));
    grown.set(this.#buf.subarray(0, this.#len));
    this.#buf = grown;
  }

  byte(v: number): this {
    this.#room(1);
    this.#buf[this.#len++] = v & 0xff;
    return this;
  }

  word(v: number): this {
    if (!Number.isInteger(v) || v < -0x80000000 || v > 0xffffffff) throw new SaneProtocolError('encode', `word ${v} is not a 32-bit integer`);
    this.#room(4);
    const u = v >>> 0;
    const b = this.#buf;
    const o = this.#len;
    b[o] = u >>> 24;
    b[o + 1] = (u >>> 16) & 0xff;
    b[o + 2] = (u >>> 8) & 0xff;
    b[o + 3] = u & 0xff;
    this.#len += 4;
    return this;
  }

  bool(v: boolean): this {
    return this.word(v ? 1 : 0);
  }

  bytes(v: Uint8Array): this {
    this.#room(v.length);
    this.#buf.set(v, this.#len);
    this.#len += v.length;
    return this;
  }

  /** A SANE_String (null = length 0). */
  string(v: string | null, what = 'string'): this {
    if (v === null) return this.word(0);
    const bytes = latin1Bytes(v, what);
    if (bytes.length + 1 > MAX_STRING_BYTES) throw new SaneProtocolError('encode', `${what}: ${bytes.length} bytes is longer than ${MAX_STRING_BYTES - 1}`);
    this.word(bytes.length + 1).bytes(bytes);
    return this.byte(0);
  }

  pointer<T>(v: T | null, write: (v: T) => void): this {
    if (v === null) return this.word(1);
    this.word(0);
    write(v);
    return this;
  }

  array<T>(items: readonly T[], write: (v: T) => void): this {
    this.word(items.length);
    for (const it of items) write(it);
    return this;
  }

  finish(): Uint8Array {
    return this.#buf.slice(0, this.#len);
  }
}

/** A string as Latin-1 bytes; a char above U+00FF or a NUL cannot be sent. */
export function latin1Bytes(s: string, what = 'string'): Uint8Array {
  const out = new Uint8Array(s.length);
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c > 0xff) throw new SaneProtocolError('encode', `${what}: character U+${c.toString(16).toUpperCase().padStart(4, '0')} is not ISO Latin-1`);
    if (c === 0) throw new SaneProtocolError('encode', `${what}: contains a NUL character`);
    out[i] = c;
  }
  return out;
}

/** SANE_Fixed: 16 fractional bits. */
export function toFixed(v: number): number {
  const w = Math.round(v * 65536);
  if (w < -0x80000000 || w > 0x7fffffff) throw new SaneProtocolError('encode', `fixed value ${v} out of range`);
  return w;
}
export function fromFixed(w: number): number {
  return w / 65536;
}
