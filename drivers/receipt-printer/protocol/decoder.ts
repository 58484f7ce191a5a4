/**
 * Device-side ESC/POS reader, pure: `parseCommand` splits a byte stream into commands incrementally
 * (0 consumed = need more bytes; unknown bytes give a typed error), and `EscPosInterpreter` turns
 * commands into VirtualReceipts (text lines with styles, decoded Chinese, QR payloads, barcodes,
 * raster images, feeds, cuts). The simulator, the tests and `decodeEscPos` use it as an
 * independent reader of what the encoder produced.
 */
import { EscPosParseError } from './errors.js';
import { decodeGb18030, gb18030SequenceLength } from './gb18030.js';
import type { RealtimeN } from './status.js';

export type EscPosCommand =
  | { op: 'text'; bytes: Uint8Array }
  | { op: 'lf' }
  | { op: 'cr' }
  | { op: 'ht' }
  | { op: 'init' }
  | { op: 'print-mode'; n: number }
  | { op: 'bold'; on: boolean }
  | { op: 'underline'; n: number }
  | { op: 'font'; n: number }
  | { op: 'align'; n: number }
  | { op: 'size'; n: number }
  | { op: 'invert'; on: boolean }
  | { op: 'line-spacing'; dots?: number }
  | { op: 'feed-lines'; n: number }
  | { op: 'feed-dots'; n: number }
  | { op: 'code-table'; n: number }
  | { op: 'chinese'; on: boolean }
  | { op: 'qr'; fn: number; params: Uint8Array }
  | { op: 'gs-paren'; kind: number; params: Uint8Array }
  | { op: 'barcode-hri'; n: number }
  | { op: 'barcode-height'; n: number }
  | { op: 'barcode-width'; n: number }
  | { op: 'barcode'; m: number; data: Uint8Array }
  | { op: 'raster'; m: number; bytesPerRow: number; rows: number; data: Uint8Array }
  | { op: 'cut'; mode: 'full' | 'partial'; feed?: number }
  | { op: 'realtime-status'; n: RealtimeN }
  | { op: 'realtime-other'; bytes: Uint8Array }
  | { op: 'asb'; n: number }
  | { op: 'info-request'; n: number }
  | { op: 'ignored'; bytes: Uint8Array };

export interface CommandParseResult {
  command?: EscPosCommand;
  consumed: number;
  error?: EscPosParseError;
}

const need = (): CommandParseResult => ({ consumed: 0 });
const unknown = (buf: Uint8Array, len: number): CommandParseResult => ({
  consumed: len,
  error: new EscPosParseError('unknown-command', `unknown command ${[...buf.subarray(0, len)].map((b) => b.toString(16).padStart(2, '0')).join(' ')}`, buf[0]),
});
/** Longest form-A barcode we wait for before giving up on its NUL. */
const MAX_FORM_A = 255;

/** One command from the start of `buf`. */
export function parseCommand(buf: Uint8Array): CommandParseResult {
  const b0 = buf[0];
  if (b0 === undefined) return need();
  if (b0 >= 0x20) {
    let i = 1;
    while (i < buf.length && (buf[i] ?? 0) >= 0x20) i++;
    return { consumed: i, command: { op: 'text', bytes: buf.slice(0, i) } };
  }
  switch (b0) {
    case 0x0a:
      return { consumed: 1, command: { op: 'lf' } };
    case 0x0d:
      return { consumed: 1, command: { op: 'cr' } };
    case 0x09:
      return { consumed: 1, command: { op: 'ht' } };
    case 0x18: // CAN
    case 0x00:
      return { consumed: 1, command: { op: 'ignored', bytes: buf.slice(0, 1) } };
    case 0x10:
      return parseDle(buf);
    case 0x1b:
      return parseEsc(buf);
    case 0x1d:
      return parseGs(buf);
    case 0x1c:
      return parseFs(buf);
    default:
      return unknown(buf, 1);
  }
}

function parseDle(buf: Uint8Array): CommandParseResult {
  const c = buf[1];
  if (c === undefined) return need();
  if (c === 0x04) {
    const n = buf[2];
    if (n === undefined) return need();
    if (n >= 1 && n <= 4) return { consumed: 3, command: { op: 'realtime-status', n: n as RealtimeN } };
    return { consumed: 3, command: { op: 'realtime-other', bytes: buf.slice(0, 3) } };
  }
  if (c === 0x05) {
    if (buf.length < 3) return need();
    return { consumed: 3, command: { op: 'realtime-other', bytes: buf.slice(0, 3) } };
  }
  if (c === 0x14) {
    if (buf.length < 5) return need();
    return { consumed: 5, command: { op: 'realtime-other', bytes: buf.slice(0, 5) } };
  }
  return unknown(buf, 2);
}

function withParams(buf: Uint8Array, count: number, make: (p: Uint8Array) => EscPosCommand): CommandParseResult {
  if (buf.length < 2 + count) return need();
  return { consumed: 2 + count, command: make(buf.subarray(2, 2 + count)) };
}

function parseEsc(buf: Uint8Array): CommandParseResult {
  const c = buf[1];
  if (c === undefined) return need();
  const p0 = (p: Uint8Array): number => p[0] ?? 0;
  switch (c) {
    case 0x40:
      return { consumed: 2, command: { op: 'init' } };
    case 0x21:
      return withParams(buf, 1, (p) => ({ op: 'print-mode', n: p0(p) }));
    case 0x45:
      return withParams(buf, 1, (p) => ({ op: 'bold', on: (p0(p) & 1) === 1 }));
    case 0x47: // double-strike: shown as bold
      return withParams(buf, 1, (p) => ({ op: 'bold', on: (p0(p) & 1) === 1 }));
    case 0x2d:
      return withParams(buf, 1, (p) => ({ op: 'underline', n: p0(p) === 0x30 ? 0 : p0(p) === 0x31 ? 1 : p0(p) === 0x32 ? 2 : p0(p) & 3 }));
    case 0x4d:
      return withParams(buf, 1, (p) => ({ op: 'font', n: p0(p) & 1 }));
    case 0x61:
      return withParams(buf, 1, (p) => ({ op: 'align', n: p0(p) >= 0x30 ? p0(p) - 0x30 : p0(p) }));
    case 0x32:
      return { consumed: 2, command: { op: 'line-spacing' } };
    case 0x33:
      return withParams(buf, 1, (p) => ({ op: 'line-spacing', dots: p0(p) }));
    case 0x64:
      return withParams(buf, 1, (p) => ({ op: 'feed-lines', n: p0(p) }));
    case 0x4a:
      return withParams(buf, 1, (p) => ({ op: 'feed-dots', n: p0(p) }));
    case 0x74:
      return withParams(buf, 1, (p) => ({ op: 'code-table', n: p0(p) }));
    case 0x70: // drawer pulse m t1 t2
      return withParams(buf, 3, (p) => ({ op: 'ignored', bytes: Uint8Array.of(0x1b, 0x70, ...p) }));
    case 0x20: // right-side character spacing
    case 0x52: // international character set
    case 0x72: // colour
    case 0x56: // 90° rotation
    case 0x7b: // upside down
    case 0x65: // reverse feed
    case 0x3d: // select peripheral
      return withParams(buf, 1, (p) => ({ op: 'ignored', bytes: Uint8Array.of(0x1b, c, ...p) }));
    case 0x24: // absolute position
    case 0x5c: // relative position
      return withParams(buf, 2, (p) => ({ op: 'ignored', bytes: Uint8Array.of(0x1b, c, ...p) }));
    default:
      return unknown(buf, 2);
  }
}

function parseFs(buf: Uint8Array): CommandParseResult {
  const c = buf[1];
  if (c === undefined) return need();
  switch (c) {
    case 0x26:
      return { consumed: 2, command: { op: 'chinese', on: true } };
    case 0x2e:
      return { consumed: 2, command: { op: 'chinese', on: false } };
    case 0x21: // Chinese print mode
    case 0x2d: // Chinese underline
    case 0x43: // Chinese code system
    case 0x57: // Chinese quadruple
      return withParams(buf, 1, (p) => ({ op: 'ignored', bytes: Uint8Array.of(0x1c, c, ...p) }));
    case 0x53: // Chinese spacing
    case 0x70: // NV bit image print
      return withParams(buf, 2, (p) => ({ op: 'ignored', bytes: Uint8Array.of(0x1c, c, ...p) }));
    default:
      return unknown(buf, 2);
  }
}

function parseGs(buf: Uint8Array): CommandParseResult {
  const c = buf[1];
  if (c === undefined) return need();
  const p0 = (p: Uint8Array): number => p[0] ?? 0;
  switch (c) {
    case 0x21:
      return withParams(buf, 1, (p) => ({ op: 'size', n: p0(p) }));
    case 0x42:
      return withParams(buf, 1, (p) => ({ op: 'invert', on: (p0(p) & 1) === 1 }));
    case 0x48:
      return withParams(buf, 1, (p) => ({ op: 'barcode-hri', n: p0(p) >= 0x30 ? p0(p) - 0x30 : p0(p) }));
    case 0x68:
      return withParams(buf, 1, (p) => ({ op: 'barcode-height', n: p0(p) }));
    case 0x77:
      return withParams(buf, 1, (p) => ({ op: 'barcode-width', n: p0(p) }));
    case 0x61:
      return withParams(buf, 1, (p) => ({ op: 'asb', n: p0(p) }));
    case 0x49:
      return withParams(buf, 1, (p) => ({ op: 'info-request', n: p0(p) }));
    case 0x66: // HRI font
    case 0x72: // transmit status
    case 0x62: // smoothing
      return withParams(buf, 1, (p) => ({ op: 'ignored', bytes: Uint8Array.of(0x1d, c, ...p) }));
    case 0x4c: // left margin
    case 0x57: // print area width
    case 0x50: // motion units
      return withParams(buf, 2, (p) => ({ op: 'ignored', bytes: Uint8Array.of(0x1d, c, ...p) }));
    case 0x56: {
      const m = buf[2];
      if (m === undefined) return need();
      if (m === 0x00 || m === 0x30) return { consumed: 3, command: { op: 'cut', mode: 'full' } };
      if (m === 0x01 || m === 0x31) return { consumed: 3, command: { op: 'cut', mode: 'partial' } };
      if (m === 65 || m === 66 || m === 97 || m === 98 || m === 103 || m === 104) {
        const n = buf[3];
        if (n === undefined) return need();
        return { consumed: 4, command: { op: 'cut', mode: m % 2 === 1 ? 'full' : 'partial', feed: n } };
      }
      return { consumed: 3, error: new EscPosParseError('bad-parameter', `GS V with unknown mode ${m}`, m) };
    }
    case 0x6b: {
      const m = buf[2];
      if (m === undefined) return need();
      if (m <= 6) {
        const end = buf.indexOf(0x00, 3);
        if (end < 0) {
          if (buf.length - 3 > MAX_FORM_A) return { consumed: 3, error: new EscPosParseError('bad-parameter', 'GS k form A without NUL', m) };
          return need();
        }
        return { consumed: end + 1, command: { op: 'barcode', m, data: buf.slice(3, end) } };
      }
      if (m >= 65 && m <= 78) {
        const n = buf[3];
        if (n === undefined) return need();
        if (buf.length < 4 + n) return need();
        return { consumed: 4 + n, command: { op: 'barcode', m, data: buf.slice(4, 4 + n) } };
      }
      return { consumed: 3, error: new EscPosParseError('bad-parameter', `GS k with unknown symbology ${m}`, m) };
    }
    case 0x76: {
      if (buf.length < 8) return need();
      if (buf[2] !== 0x30) return { consumed: 3, error: new EscPosParseError('bad-parameter', 'GS v is not GS v 0', buf[2]) };
      const m = (buf[3] ?? 0) & 0x03;
      const bpr = (buf[4] ?? 0) | ((buf[5] ?? 0) << 8);
      const rows = (buf[6] ?? 0) | ((buf[7] ?? 0) << 8);
      const len = bpr * rows;
      if (buf.length < 8 + len) return need();
      return { consumed: 8 + len, command: { op: 'raster', m, bytesPerRow: bpr, rows, data: buf.slice(8, 8 + len) } };
    }
    case 0x28: {
      if (buf.length < 5) return need();
      const kind = buf[2] ?? 0;
      const len = (buf[3] ?? 0) | ((buf[4] ?? 0) << 8);
      if (buf.length < 5 + len) return need();
      const params = buf.slice(5, 5 + len);
      if (kind === 0x6b && len >= 2 && params[0] === 0x31) {
        return { consumed: 5 + len, command: { op: 'qr', fn: params[1] ?? 0, params: params.slice(2) } };
      }
      return { consumed: 5 + len, command: { op: 'gs-paren', kind, params } };
    }
    default:
      return unknown(buf, 2);
  }
}

// ---------------------------------------------------------------- interpreter

export interface TextStyle {
  bold: boolean;
  underline: number;
  font: 'A' | 'B';
  width: number;
  height: number;
  invert: boolean;
}
export type Alignment = 'left' | 'center' | 'right';
export interface TextRun {
  text: string;
  style: TextStyle;
  /** Whether the run was printed in double-byte Chinese mode. */
  chinese: boolean;
}
export type ReceiptItem =
  | { type: 'text'; align: Alignment; runs: TextRun[] }
  | { type: 'qr'; data: string; model: number; module: number; errorLevel: 'L' | 'M' | 'Q' | 'H'; align: Alignment }
  | { type: 'barcode'; symbology: number; data: string; height: number; width: number; hri: number; align: Alignment }
  | { type: 'image'; width: number; height: number; bytesPerRow: number; bits: Uint8Array; mode: number; align: Alignment }
  | { type: 'feed'; lines?: number; dots?: number };

export interface VirtualReceipt {
  items: ReceiptItem[];
  /** How the receipt ended; undefined for a receipt that was not cut (yet). */
  cut?: 'full' | 'partial';
  /** Text lines joined with '\n' (all styles). */
  text: string;
  /** Unknown commands, invalid parameters and undecodable bytes seen while it was printed. */
  errors: string[];
}

const DEFAULT_STYLE: TextStyle = { bold: false, underline: 0, font: 'A', width: 1, height: 1, invert: false };

/** Text of a receipt: its text lines joined with '\n'. */
export function receiptText(items: readonly ReceiptItem[]): string {
  return items
    .filter((i): i is Extract<ReceiptItem, { type: 'text' }> => i.type === 'text')
    .map((l) => l.runs.map((r) => r.text).join(''))
    .join('\n');
}

/** Turns ESC/POS commands into receipts. Pure state machine: no I/O, no timers. */
export class EscPosInterpreter {
  #items: ReceiptItem[] = [];
  #errors: string[] = [];
  #style: TextStyle = { ...DEFAULT_STYLE };
  #align: Alignment = 'left';
  #chinese = false;
  #lineAlign: Alignment | undefined;
  #runs: TextRun[] = [];
  /** Raw bytes of the current run (decoded when the run ends). */
  #pending: number[] = [];
  #pendingChinese = false;
  #qr = { model: 2, module: 3, level: 'L' as 'L' | 'M' | 'Q' | 'H', data: undefined as Uint8Array | undefined };
  #barcode = { height: 162, width: 3, hri: 0 };

  /** Applies one command; returns the receipt it finished (on a cut). */
  apply(cmd: EscPosCommand): VirtualReceipt | undefined {
    switch (cmd.op) {
      case 'text':
        this.#text(cmd.bytes);
        return undefined;
      case 'lf':
        this.#endLine(true);
        return undefined;
      case 'cr':
      case 'ignored':
      case 'realtime-status':
      case 'realtime-other':
      case 'asb':
      case 'info-request':
      case 'code-table':
      case 'gs-paren':
      case 'line-spacing':
        return undefined;
      case 'ht':
        this.#text(Uint8Array.of(0x20));
        return undefined;
      case 'init':
        this.#flushRun();
        this.#style = { ...DEFAULT_STYLE };
        this.#align = 'left';
        this.#chinese = false;
        this.#qr = { model: 2, module: 3, level: 'L', data: undefined };
        return undefined;
      case 'print-mode':
        this.#setStyle({
          font: cmd.n & 1 ? 'B' : 'A',
          bold: (cmd.n & 0x08) !== 0,
          height: cmd.n & 0x10 ? 2 : 1,
          width: cmd.n & 0x20 ? 2 : 1,
          underline: cmd.n & 0x80 ? 1 : 0,
        });
        return undefined;
      case 'bold':
        this.#setStyle({ bold: cmd.on });
        return undefined;
      case 'underline':
        this.#setStyle({ underline: cmd.n });
        return undefined;
      case 'font':
        this.#setStyle({ font: cmd.n ? 'B' : 'A' });
        return undefined;
      case 'invert':
        this.#setStyle({ invert: cmd.on });
        return undefined;
      case 'size': {
        const w = ((cmd.n >> 4) & 0x07) + 1;
        const h = (cmd.n & 0x07) + 1;
        this.#setStyle({ width: w, height: h });
        return undefined;
      }
      case 'align':
        if (cmd.n > 2) this.#errors.push(`ESC a with invalid value ${cmd.n}`);
        this.#align = cmd.n === 1 ? 'center' : cmd.n === 2 ? 'right' : 'left';
        return undefined;
      case 'chinese':
        this.#flushRun();
        this.#chinese = cmd.on;
        return undefined;
      case 'feed-lines':
        this.#endLine(false);
        if (cmd.n > 0) this.#items.push({ type: 'feed', lines: cmd.n });
        return undefined;
      case 'feed-dots':
        this.#endLine(false);
        if (cmd.n > 0) this.#items.push({ type: 'feed', dots: cmd.n });
        return undefined;
      case 'qr':
        this.#qrCommand(cmd.fn, cmd.params);
        return undefined;
      case 'barcode-hri':
        this.#barcode.hri = cmd.n & 3;
        return undefined;
      case 'barcode-height':
        this.#barcode.height = cmd.n;
        return undefined;
      case 'barcode-width':
        this.#barcode.width = cmd.n;
        return undefined;
      case 'barcode': {
        this.#endLine(false);
        let data = String.fromCharCode(...cmd.data);
        if (cmd.m === 73) {
          // CODE128: strip the code set prefix, unescape '{{'
          data = data.replace(/^\{[ABC]/, '').replace(/\{\{/g, '{');
        }
        this.#items.push({ type: 'barcode', symbology: cmd.m, data, ...this.#barcode, align: this.#align });
        return undefined;
      }
      case 'raster': {
        this.#endLine(false);
        const prev = this.#items[this.#items.length - 1];
        if (prev?.type === 'image' && prev.bytesPerRow === cmd.bytesPerRow && prev.mode === cmd.m) {
          const bits = new Uint8Array(prev.bits.length + cmd.data.length);
          bits.set(prev.bits);
          bits.set(cmd.data, prev.bits.length);
          this.#items[this.#items.length - 1] = { ...prev, bits, height: prev.height + cmd.rows };
        } else {
          this.#items.push({ type: 'image', width: cmd.bytesPerRow * 8, height: cmd.rows, bytesPerRow: cmd.bytesPerRow, bits: cmd.data, mode: cmd.m, align: this.#align });
        }
        return undefined;
      }
      case 'cut': {
        this.#endLine(false);
        if (cmd.feed) this.#items.push({ type: 'feed', dots: cmd.feed });
        return this.#finish(cmd.mode);
      }
    }
  }

  /** Records a parse error against the current receipt. */
  noteError(e: EscPosParseError): void {
    this.#errors.push(e.message);
  }

  /** True when nothing is printed on the current (uncut) receipt. */
  get empty(): boolean {
    return this.#items.length === 0 && this.#runs.length === 0 && this.#pending.length === 0;
  }

  /** Ends the current receipt without a cut (e.g. at the end of a decoded byte string). */
  flush(): VirtualReceipt | undefined {
    this.#endLine(false);
    if (this.#items.length === 0 && this.#errors.length === 0) return undefined;
    return this.#finish(undefined);
  }

  #finish(cut: 'full' | 'partial' | undefined): VirtualReceipt {
    const items = this.#items;
    const r: VirtualReceipt = { items, text: receiptText(items), errors: this.#errors, ...(cut ? { cut } : {}) };
    this.#items = [];
    this.#errors = [];
    return r;
  }

  #setStyle(patch: Partial<TextStyle>): void {
    this.#flushRun();
    this.#style = { ...this.#style, ...patch };
  }

  #text(bytes: Uint8Array): void {
    if (this.#pending.length > 0 && this.#pendingChinese !== this.#chinese) this.#flushRun();
    this.#lineAlign ??= this.#align;
    this.#pendingChinese = this.#chinese;
    for (const b of bytes) this.#pending.push(b);
  }

  #flushRun(): void {
    if (this.#pending.length === 0) return;
    const bytes = Uint8Array.from(this.#pending);
    this.#pending = [];
    let text: string;
    if (this.#pendingChinese) {
      // check the sequence structure so that a truncated sequence is reported
      for (let i = 0; i < bytes.length; ) {
        const n = gb18030SequenceLength(bytes, i);
        if (n === 0) {
          this.#errors.push('truncated GB18030 sequence');
          break;
        }
        i += n;
      }
      text = decodeGb18030(bytes);
      if (text.includes('\ufffd')) this.#errors.push('undecodable GB18030 bytes');
    } else {
      // single-byte mode: ASCII; code pages are not modelled (bytes above 0x7F show as U+FFFD)
      text = '';
      let bad = 0;
      for (const b of bytes) {
        if (b < 0x80) text += String.fromCharCode(b);
        else {
          text += '\ufffd';
          bad++;
        }
      }
      if (bad > 0) this.#errors.push(`${bad} byte(s) above 0x7F outside Chinese mode`);
    }
    const last = this.#runs[this.#runs.length - 1];
    if (last && last.chinese === this.#pendingChinese && sameStyle(last.style, this.#style)) last.text += text;
    else this.#runs.push({ text, style: { ...this.#style }, chinese: this.#pendingChinese });
  }

  /** Ends the current line; `always` (LF) records an empty line too. */
  #endLine(always: boolean): void {
    this.#flushRun();
    if (this.#runs.length > 0 || always) {
      this.#items.push({ type: 'text', align: this.#lineAlign ?? this.#align, runs: this.#runs });
    }
    this.#runs = [];
    this.#lineAlign = undefined;
  }

  #qrCommand(fn: number, p: Uint8Array): void {
    switch (fn) {
      case 0x41:
        this.#qr.model = p[0] === 0x31 ? 1 : p[0] === 0x33 ? 3 : 2;
        return;
      case 0x43:
        this.#qr.module = p[0] ?? 3;
        return;
      case 0x45: {
        const l = (['L', 'M', 'Q', 'H'] as const)[(p[0] ?? 0x30) - 0x30];
        if (l) this.#qr.level = l;
        else this.#errors.push('QR error level out of range');
        return;
      }
      case 0x50:
        if (p[0] !== 0x30) this.#errors.push('QR store with m != 0x30');
        this.#qr.data = p.slice(1);
        return;
      case 0x51: {
        this.#endLine(false);
        if (!this.#qr.data) {
          this.#errors.push('QR print without stored data');
          return;
        }
        const data = new TextDecoder('utf-8').decode(this.#qr.data);
        this.#items.push({ type: 'qr', data, model: this.#qr.model, module: this.#qr.module, errorLevel: this.#qr.level, align: this.#align });
        return;
      }
      default:
        return;
    }
  }
}

function sameStyle(a: TextStyle, b: TextStyle): boolean {
  return a.bold === b.bold && a.underline === b.underline && a.font === b.font && a.width === b.width && a.height === b.height && a.invert === b.invert;
}

/** Decodes a whole ESC/POS byte string into receipts (split at cuts; a trailing uncut part is the last). */
export function decodeEscPos(bytes: Uint8Array): VirtualReceipt[] {
  const out: VirtualReceipt[] = [];
  const it = new EscPosInterpreter();
  let off = 0;
  while (off < bytes.length) {
    const r = parseCommand(bytes.subarray(off));
    if (r.consumed === 0) {
      it.noteError(new EscPosParseError('truncated', `truncated command at offset ${off}`, bytes[off]));
      break;
    }
    off += r.consumed;
    if (r.error) it.noteError(r.error);
    if (r.command) {
      const done = it.apply(r.command);
      if (done) out.push(done);
    }
  }
  const rest = it.flush();
  if (rest) out.push(rest);
  return out;
}
