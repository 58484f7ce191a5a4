/**
 * A pure ESC/POS builder (modelled on ReceiptPrinterEncoder): every call appends its command's bytes to one
 * growing buffer and records where the command starts and ends; `encode()` copies the bytes out once,
 * `commands()` cuts them into command objects (tests, debugging). No array or typed array per command or per
 * character: a receipt is a handful of allocations. No I/O, no timers (pngjs, for a PNG image, is loaded on first use).
 *
 * Text: printable ASCII goes out as single bytes; every run of non-ASCII characters is wrapped
 * in FS & … FS . (double-byte Chinese mode) and encoded as GB18030.
 */
import { qrModules, qrVersionFor } from './qr-capacity.js';
import type * as PngModule from 'pngjs';
import { lazyRequire } from '../../lazy-require.js';
import { EscPosEncodeError } from './errors.js';
import { gb18030Packed } from './gb18030.js';
import { profileOf, type PrinterProfile, type ProfileName } from './profiles.js';

const pngjs = lazyRequire<typeof PngModule>('pngjs');

export interface EscPosCommandObject {
  readonly type: string;
  readonly payload: Uint8Array;
}

export type Align = 'left' | 'center' | 'right';
export type QrErrorLevel = 'L' | 'M' | 'Q' | 'H';
export interface QrOptions {
  /** 1 or 2 (default 2). */
  model?: 1 | 2;
  /** Module size in dots, within the profile's range (default: the profile's template size). */
  size?: number;
  errorLevel?: QrErrorLevel;
}
export interface BarcodeOptions {
  /** Bar height in dots, 1–255 (default 80). */
  height?: number;
  /** Module width 2–6 (default 2). */
  width?: number;
  /** Human-readable text position (default 'below'). */
  hri?: 'none' | 'above' | 'below' | 'both';
}
/** Gray (1 byte per pixel) or RGBA (4 bytes per pixel), row-major. */
export interface RawImage {
  width: number;
  height: number;
  pixels: Uint8Array;
}
export interface ImageOptions {
  /** 'threshold' (default; logos, text) or 'floyd-steinberg' (photos). */
  dither?: 'threshold' | 'floyd-steinberg';
  /** 0–255, darker than this prints (default 128). */
  threshold?: number;
}
export interface ColumnsOptions {
  /** Filler between label and value (default '.'). */
  fill?: string;
}

const ESC = 0x1b;
const GS = 0x1d;
const FS = 0x1c;
const LF = 0x0a;

/** Byte-mode QR capacity (model 2, version 40) per error level. Model 1 holds less (UNVERIFIED per model). */
const QR_EC: Record<QrErrorLevel, number> = { L: 0x30, M: 0x31, Q: 0x32, H: 0x33 };

function isInt(n: unknown, min: number, max: number): n is number {
  return typeof n === 'number' && Number.isInteger(n) && n >= min && n <= max;
}

/** Printed width of a string in columns of the current font: ASCII 1, everything else (Chinese mode) 2. */
export function displayWidth(s: string): number {
  let w = 0;
  for (let i = 0; i < s.length; i++) {
    const cp = s.codePointAt(i) ?? 0;
    w += cp < 0x80 ? 1 : 2;
    if (cp > 0xffff) i++; // a surrogate pair is one character
  }
  return w;
}

/** Splits `s` into pieces of at most `cols` display columns (character-wise; Chinese has no spaces). */
export function wrapByWidth(s: string, cols: number): string[] {
  const out: string[] = [];
  let cur = '';
  let w = 0;
  for (const ch of s) {
    const cw = (ch.codePointAt(0) ?? 0) < 0x80 ? 1 : 2;
    if (w + cw > cols && cur !== '') {
      out.push(cur);
      cur = '';
      w = 0;
    }
    cur += ch;
    w += cw;
  }
  if (cur !== '' || out.length === 0) out.push(cur);
  return out;
}

/** Word wrap: breaks at spaces where it can, inside words (and Chinese runs) where it must. */
export function wrapWords(s: string, cols: number): string[] {
  if (displayWidth(s) <= cols) return [s];
  const out: string[] = [];
  let cur = '';
  for (const word of s.split(' ')) {
    const candidate = cur === '' ? word : `${cur} ${word}`;
    if (displayWidth(candidate) <= cols) {
      cur = candidate;
      continue;
    }
    if (cur !== '') out.push(cur);
    const pieces = wrapByWidth(word, cols);
    cur = pieces.pop() ?? '';
    out.push(...pieces);
  }
  out.push(cur);
  return out;
}

/** Validates and normalises text: CRLF/CR -> LF, TAB -> space; other control characters and lone surrogates are refused. */
function normaliseText(s: string): string {
  if (typeof s !== 'string') throw new EscPosEncodeError('invalid-text', 'text must be a string');
  const t = s.includes('\r') || s.includes('\t') ? s.replace(/\r\n?/g, '\n').replace(/\t/g, ' ') : s;
  for (let i = 0; i < t.length; i++) {
    const c = t.charCodeAt(i);
    if ((c < 0x20 && c !== 0x0a) || c === 0x7f || (c >= 0x80 && c < 0xa0)) {
      throw new EscPosEncodeError('invalid-text', `text contains control character U+${c.toString(16).padStart(4, '0')} at ${i}`);
    }
    if (c >= 0xd800 && c <= 0xdbff) {
      const d = t.charCodeAt(i + 1);
      if (!(d >= 0xdc00 && d <= 0xdfff)) throw new EscPosEncodeError('invalid-text', `lone surrogate at ${i}`);
      i++;
    } else if (c >= 0xdc00 && c <= 0xdfff) {
      throw new EscPosEncodeError('invalid-text', `lone surrogate at ${i}`);
    }
  }
  return t;
}

function rasterBits(width: number, height: number, gray: Uint8Array, opts: ImageOptions): Uint8Array {
  const bytesPerRow = Math.ceil(width / 8);
  const bits = new Uint8Array(bytesPerRow * height);
  const threshold = opts.threshold ?? 128;
  if (opts.dither === 'floyd-steinberg') {
    const err = new Float32Array(width * height);
    for (let i = 0; i < gray.length; i++) err[i] = gray[i] ?? 255;
    for (let y = 0; y < height; y++) {
      for (let x = 0; x < width; x++) {
        const i = y * width + x;
        const old = err[i] ?? 255;
        const black = old < threshold;
        const e = old - (black ? 0 : 255);
        if (black) bits[y * bytesPerRow + (x >> 3)]! |= 0x80 >> (x & 7);
        if (x + 1 < width) err[i + 1] = (err[i + 1] ?? 0) + (e * 7) / 16;
        if (y + 1 < height) {
          if (x > 0) err[i + width - 1] = (err[i + width - 1] ?? 0) + (e * 3) / 16;
          err[i + width] = (err[i + width] ?? 0) + (e * 5) / 16;
          if (x + 1 < width) err[i + width + 1] = (err[i + width + 1] ?? 0) + e / 16;
        }
      }
    }
  } else {
    for (let y = 0; y < height; y++) {
      for (let x = 0; x < width; x++) {
        if ((gray[y * width + x] ?? 255) < threshold) bits[y * bytesPerRow + (x >> 3)]! |= 0x80 >> (x & 7);
      }
    }
  }
  return bits;
}

function toGray(img: RawImage): Uint8Array {
  const n = img.width * img.height;
  if (img.pixels.length === n) return img.pixels;
  if (img.pixels.length !== n * 4) {
    throw new EscPosEncodeError('image-invalid', `image pixels: expected ${n} (gray) or ${n * 4} (RGBA) bytes, got ${img.pixels.length}`);
  }
  const g = new Uint8Array(n);
  const p = img.pixels;
  for (let i = 0; i < n; i++) {
    const lum = 0.299 * (p[4 * i] ?? 0) + 0.587 * (p[4 * i + 1] ?? 0) + 0.114 * (p[4 * i + 2] ?? 0);
    const a = (p[4 * i + 3] ?? 255) / 255;
    g[i] = Math.round(255 - (255 - lum) * a); // composite on white paper
  }
  return g;
}

export class EscPosEncoder {
  readonly profile: PrinterProfile;
  /** Where each command's bytes are in #buf. */
  readonly #queue: { type: string; start: number; end: number }[] = [];
  // From Node's buffer pool (no allocation of its own, not zeroed): only bytes below #len are ever read.
  #buf: Uint8Array = Buffer.allocUnsafe(1024);
  #len = 0;
  #font: 'A' | 'B' = 'A';
  #widthMul = 1;

  constructor(profile: ProfileName | PrinterProfile = '80mm') {
    this.profile = profileOf(profile);
  }

  #reserve(n: number): void {
    if (this.#len + n <= this.#buf.length) return;
    const next = Buffer.allocUnsafe(Math.max(this.#buf.length * 2, this.#len + n));
    next.set(this.#buf.subarray(0, this.#len));
    this.#buf = next;
  }

  /** One command: its bytes appended, where they are recorded. */
  #add(type: string, payload: ArrayLike<number>): this {
    const start = this.#len;
    const n = payload.length;
    this.#reserve(n);
    const buf = this.#buf;
    if (payload instanceof Uint8Array) buf.set(payload, start);
    else for (let i = 0; i < n; i++) buf[start + i] = payload[i] ?? 0;
    this.#len = start + n;
    this.#queue.push({ type, start, end: this.#len });
    return this;
  }

  /**
   * The bytes of one text segment without newlines, appended: printable ASCII as itself, every run of other
   * characters inside FS & … FS . as GB18030. The text is normalised already (no lone surrogates).
   */
  #encodeLine(s: string): void {
    // At most 6 bytes per UTF-16 code unit (FS & and a 4-byte form), and the closing FS . once.
    this.#reserve(s.length * 6 + 2);
    const buf = this.#buf;
    let o = this.#len;
    let inChinese = false;
    for (let i = 0; i < s.length; i++) {
      const cp = s.codePointAt(i) ?? 0;
      if (cp > 0xffff) i++; // the pair's second half
      if (cp < 0x80) {
        if (inChinese) {
          buf[o++] = FS; // FS . leave Chinese mode
          buf[o++] = 0x2e;
          inChinese = false;
        }
        buf[o++] = cp;
        continue;
      }
      const v = gb18030Packed(cp);
      if (v === 0) throw new EscPosEncodeError('invalid-text', `character U+${cp.toString(16)} has no GB18030 encoding`);
      if (!inChinese) {
        buf[o++] = FS; // FS & enter Chinese mode
        buf[o++] = 0x26;
        inChinese = true;
      }
      if (v < 0x10000) {
        buf[o++] = v >>> 8;
        buf[o++] = v & 0xff;
      } else {
        buf[o++] = v >>> 24;
        buf[o++] = (v >>> 16) & 0xff;
        buf[o++] = (v >>> 8) & 0xff;
        buf[o++] = v & 0xff;
      }
    }
    if (inChinese) {
      buf[o++] = FS;
      buf[o++] = 0x2e;
    }
    this.#len = o;
  }

  /** Columns per line for the current font and character width. */
  get columnWidth(): number {
    const base = this.#font === 'A' ? this.profile.columnsA : this.profile.columnsB;
    return Math.max(1, Math.floor(base / this.#widthMul));
  }

  /** ESC @: resets the printer's modes. */
  initialise(): this {
    this.#font = 'A';
    this.#widthMul = 1;
    return this.#add('initialise', [ESC, 0x40]);
  }

  /** Text; '\n' becomes LF. Non-ASCII runs are sent in Chinese mode as GB18030. */
  text(s: string): this {
    return this.#text(normaliseText(s));
  }

  /** text() of what normaliseText() returned already. */
  #text(t: string): this {
    const start = this.#len;
    let from = 0;
    for (;;) {
      const nl = t.indexOf('\n', from);
      this.#encodeLine(nl < 0 ? t.slice(from) : t.slice(from, nl));
      if (nl < 0) break;
      this.#reserve(1);
      this.#buf[this.#len++] = LF;
      from = nl + 1;
    }
    this.#queue.push({ type: 'text', start, end: this.#len });
    return this;
  }

  /** Text wrapped to the current column width (at spaces where possible), each line ended. */
  paragraph(s: string): this {
    for (const para of normaliseText(s).split('\n')) {
      for (const l of wrapWords(para, this.columnWidth)) this.#text(l).newline();
    }
    return this;
  }

  /** Text followed by a newline. */
  line(s = ''): this {
    return this.text(s).newline();
  }

  newline(n = 1): this {
    if (!isInt(n, 1, 255)) throw new EscPosEncodeError('invalid-argument', 'newline count must be 1–255');
    return this.#add('newline', new Array<number>(n).fill(LF));
  }

  bold(on = true): this {
    return this.#add('bold', [ESC, 0x45, on ? 1 : 0]);
  }

  underline(mode: boolean | 0 | 1 | 2 = true): this {
    const n = mode === true ? 1 : mode === false ? 0 : mode;
    if (!isInt(n, 0, 2)) throw new EscPosEncodeError('invalid-argument', 'underline must be 0, 1 or 2');
    return this.#add('underline', [ESC, 0x2d, n]);
  }

  font(f: 'A' | 'B'): this {
    if (f !== 'A' && f !== 'B') throw new EscPosEncodeError('invalid-argument', "font must be 'A' or 'B'");
    this.#font = f;
    return this.#add('font', [ESC, 0x4d, f === 'A' ? 0 : 1]);
  }

  align(a: Align): this {
    const n = a === 'left' ? 0 : a === 'center' ? 1 : a === 'right' ? 2 : -1;
    if (n < 0) throw new EscPosEncodeError('invalid-argument', "align must be 'left', 'center' or 'right'");
    return this.#add('align', [ESC, 0x61, n]);
  }

  /** GS !: character width and height multipliers 1–8. */
  size(width: number, height: number = width): this {
    if (!isInt(width, 1, 8) || !isInt(height, 1, 8)) throw new EscPosEncodeError('invalid-argument', 'size width and height must be integers 1–8');
    this.#widthMul = width;
    return this.#add('size', [GS, 0x21, ((width - 1) << 4) | (height - 1)]);
  }

  invert(on = true): this {
    return this.#add('invert', [GS, 0x42, on ? 1 : 0]);
  }

  /** ESC 3 n (dots), or ESC 2 (default) when omitted. */
  lineSpacing(dots?: number): this {
    if (dots === undefined) return this.#add('line-spacing', [ESC, 0x32]);
    if (!isInt(dots, 0, 255)) throw new EscPosEncodeError('invalid-argument', 'line spacing must be 0–255 dots');
    return this.#add('line-spacing', [ESC, 0x33, dots]);
  }

  /** ESC d n: print and feed n lines. */
  feed(n = 1): this {
    if (!isInt(n, 0, 255)) throw new EscPosEncodeError('invalid-argument', 'feed must be 0–255 lines');
    return this.#add('feed', [ESC, 0x64, n]);
  }

  /** A line of `char` across the current column width. */
  rule(char = '-'): this {
    if (displayWidth(char) !== 1) throw new EscPosEncodeError('invalid-argument', 'rule character must be one ASCII column wide');
    return this.text(char.repeat(this.columnWidth)).newline();
  }

  /** One "label ..... value" line; wraps (label, then indented value) when it does not fit. */
  columns(label: string, value: string, opts: ColumnsOptions = {}): this {
    const l = normaliseText(label).replaceAll('\n', ' ');
    const v = normaliseText(value).replaceAll('\n', ' ');
    const fill = opts.fill ?? '.';
    if (displayWidth(fill) !== 1) throw new EscPosEncodeError('invalid-argument', 'fill must be one ASCII column wide');
    const cols = this.columnWidth;
    const wl = displayWidth(l);
    const wv = displayWidth(v);
    if (wl + wv + 2 <= cols) {
      const gap = cols - wl - wv;
      const filler = fill === ' ' ? ' '.repeat(gap) : ' ' + fill.repeat(gap - 2) + ' ';
      return this.#text(l + filler + v).newline();
    }
    this.#text(l).newline();
    for (const piece of wrapByWidth(v, Math.max(1, cols - 2))) this.#text('  ' + piece).newline();
    return this;
  }

  /** Several "label ..... value" lines. */
  table(rows: ReadonlyArray<readonly [string, string]>, opts: ColumnsOptions = {}): this {
    for (const [l, v] of rows) this.columns(l, v, opts);
    return this;
  }

  /** QR code through GS ( k: model, module size, error level, store (UTF-8 data), print. */
  qrcode(data: string, opts: QrOptions = {}): this {
    if (typeof data !== 'string' || data.length === 0) throw new EscPosEncodeError('invalid-argument', 'QR data must be a non-empty string');
    const model = opts.model ?? 2;
    const size = opts.size ?? this.profile.qrDefaultModule;
    const level = opts.errorLevel ?? 'M';
    if (model !== 1 && model !== 2) throw new EscPosEncodeError('invalid-argument', 'QR model must be 1 or 2');
    if (!isInt(size, this.profile.qrModule.min, this.profile.qrModule.max)) {
      throw new EscPosEncodeError('invalid-argument', `QR module size must be ${this.profile.qrModule.min}–${this.profile.qrModule.max}`);
    }
    if (!(level in QR_EC)) throw new EscPosEncodeError('invalid-argument', 'QR error level must be L, M, Q or H');
    const bytes = new TextEncoder().encode(data);
    const version = qrVersionFor(bytes.length, level);
    if (version === undefined) {
      throw new EscPosEncodeError('qr-data-too-long', `QR data of ${bytes.length} bytes does not fit a QR symbol at level ${level}`);
    }
    const modules = qrModules(version);
    if (modules * size > this.profile.dots) {
      throw new EscPosEncodeError('qr-too-wide', `QR symbol ${modules}×${modules} modules at ${size} dots is wider than ${this.profile.dots} dots`);
    }
    const k = bytes.length + 3;
    const store = new Uint8Array(8 + bytes.length);
    store.set([GS, 0x28, 0x6b, k & 0xff, k >> 8, 0x31, 0x50, 0x30]);
    store.set(bytes, 8);
    this.#add('qr-model', [GS, 0x28, 0x6b, 0x04, 0x00, 0x31, 0x41, model === 1 ? 0x31 : 0x32, 0x00]);
    this.#add('qr-size', [GS, 0x28, 0x6b, 0x03, 0x00, 0x31, 0x43, size]);
    this.#add('qr-error', [GS, 0x28, 0x6b, 0x03, 0x00, 0x31, 0x45, QR_EC[level]]);
    this.#add('qr-store', store);
    return this.#add('qr-print', [GS, 0x28, 0x6b, 0x03, 0x00, 0x31, 0x51, 0x30]);
  }

  /** CODE128 through GS k form B (m = 73) with the {B code set prefix; '{' in the data is sent as '{{'. */
  barcode(data: string, opts: BarcodeOptions = {}): this {
    if (typeof data !== 'string' || data.length === 0) throw new EscPosEncodeError('barcode-invalid', 'barcode data must be a non-empty string');
    for (let i = 0; i < data.length; i++) {
      const c = data.charCodeAt(i);
      if (c < 0x20 || c > 0x7e) throw new EscPosEncodeError('barcode-invalid', `CODE128 set B takes printable ASCII only (position ${i})`);
    }
    const escaped = data.replace(/\{/g, '{{');
    const n = escaped.length + 2;
    if (n > Math.min(255, this.profile.barcodeMaxBytes + 2)) throw new EscPosEncodeError('barcode-invalid', `barcode data too long (${data.length} characters)`);
    const height = opts.height ?? 80;
    const width = opts.width ?? 2;
    if (!isInt(height, 1, 255) || !isInt(width, 2, 6)) throw new EscPosEncodeError('invalid-argument', 'barcode height 1–255, width 2–6');
    const hri = { none: 0, above: 1, below: 2, both: 3 }[opts.hri ?? 'below'];
    if (hri === undefined) throw new EscPosEncodeError('invalid-argument', 'barcode hri must be none, above, below or both');
    this.#add('barcode-hri', [GS, 0x48, hri]);
    this.#add('barcode-height', [GS, 0x68, height]);
    this.#add('barcode-width', [GS, 0x77, width]);
    const out = [GS, 0x6b, 73, n, 0x7b, 0x42];
    for (let i = 0; i < escaped.length; i++) out.push(escaped.charCodeAt(i));
    return this.#add('barcode', out);
  }

  /** A PNG (bytes) or raw pixels as GS v 0 raster bands; never scaled: wider than the profile is an error. */
  image(input: Uint8Array | RawImage, opts: ImageOptions = {}): this {
    let img: RawImage;
    if (input instanceof Uint8Array) {
      try {
        const png = pngjs().PNG.sync.read(Buffer.from(input.buffer, input.byteOffset, input.byteLength));
        img = { width: png.width, height: png.height, pixels: new Uint8Array(png.data.buffer, png.data.byteOffset, png.data.byteLength) };
      } catch (e) {
        throw new EscPosEncodeError('image-invalid', 'image is not a readable PNG', { cause: e });
      }
    } else {
      img = input;
    }
    if (!isInt(img.width, 1, 65535) || !isInt(img.height, 1, 65535)) throw new EscPosEncodeError('image-invalid', 'image width and height must be positive integers');
    if (img.width > this.profile.dots) {
      throw new EscPosEncodeError('image-too-wide', `image is ${img.width} dots wide; the ${this.profile.name} profile prints ${this.profile.dots}`);
    }
    if (opts.threshold !== undefined && !isInt(opts.threshold, 0, 256)) throw new EscPosEncodeError('invalid-argument', 'threshold must be 0–256');
    const bits = rasterBits(img.width, img.height, toGray(img), opts);
    const bpr = Math.ceil(img.width / 8);
    const band = this.profile.rasterBandRows;
    for (let y = 0; y < img.height; y += band) {
      const rows = Math.min(band, img.height - y);
      const payload = new Uint8Array(8 + bpr * rows);
      payload.set([GS, 0x76, 0x30, 0x00, bpr & 0xff, bpr >> 8, rows & 0xff, rows >> 8]);
      payload.set(bits.subarray(y * bpr, (y + rows) * bpr), 8);
      this.#add('raster', payload);
    }
    return this;
  }

  /** Feeds past the cutter, then cuts (GS V 0 full / GS V 1 partial). */
  cut(mode: 'full' | 'partial' = 'partial'): this {
    if (mode !== 'full' && mode !== 'partial') throw new EscPosEncodeError('invalid-argument', "cut must be 'full' or 'partial'");
    this.feed(this.profile.cutFeedLines);
    return this.#add('cut', [GS, 0x56, mode === 'full' ? 0x00 : 0x01]);
  }

  /** Raw bytes (escape hatch; the caller answers for them). */
  raw(bytes: ArrayLike<number>): this {
    return this.#add('raw', bytes);
  }

  /** The queued command objects (for tests and debugging). */
  commands(): readonly EscPosCommandObject[] {
    return this.#queue.map((c) => ({ type: c.type, payload: Uint8Array.from(this.#buf.subarray(c.start, c.end)) }));
  }

  /** A copy of the bytes (a plain Uint8Array of its own, never a view of the pool). */
  encode(): Uint8Array {
    const out = new Uint8Array(this.#len);
    out.set(this.#buf.subarray(0, this.#len));
    return out;
  }
}
