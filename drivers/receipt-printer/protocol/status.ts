/**
 * ESC/POS status bytes, both directions, pure.
 *
 * Host side: `parseStatusBytes` reads what the printer sends back, incrementally, and demultiplexes
 * DLE EOT replies (one byte, `(b & 0x93) == 0x12`) from Automatic Status Back blocks
 * (four bytes, first `(b & 0x93) == 0x10`, the rest `(b & 0x90) == 0`).
 * Device side (simulator): `encodeRealtimeStatus`, `encodeAsb`.
 */
import { DeviceError, type NextAction } from '../../device.js';
import { EscPosParseError } from './errors.js';

export type PaperState = 'ok' | 'near-end' | 'out';

/** The merged status of a printer (from DLE EOT 1–4 or one ASB block). */
export interface PrinterStatus {
  online: boolean;
  coverOpen: boolean;
  paper: PaperState;
  cutterError: boolean;
  unrecoverableError: boolean;
  autoRecoverableError: boolean;
  feedButton: boolean;
  /** Drawer kick-out connector pin 3 high. */
  drawer: boolean;
}

export const READY_STATUS: PrinterStatus = Object.freeze({
  online: true,
  coverOpen: false,
  paper: 'ok',
  cutterError: false,
  unrecoverableError: false,
  autoRecoverableError: false,
  feedButton: false,
  drawer: false,
});

export type RealtimeN = 1 | 2 | 3 | 4;

/** What one DLE EOT n reply says. */
export type RealtimePart =
  | { n: 1; drawer: boolean; offline: boolean; waitingRecovery: boolean; feedButton: boolean }
  | { n: 2; coverOpen: boolean; feeding: boolean; paperEndStop: boolean; error: boolean }
  | { n: 3; recoverableError: boolean; cutterError: boolean; unrecoverableError: boolean; autoRecoverableError: boolean }
  | { n: 4; nearEnd: boolean; paperOut: boolean };

export type StatusEvent =
  | { kind: 'realtime'; n: RealtimeN; status: RealtimePart; byte: number }
  | { kind: 'asb'; status: PrinterStatus; bytes: Uint8Array }
  /** A GS I printer-information reply: header 0x5F, ASCII text, NUL. */
  | { kind: 'info'; text: string };

/** Longest GS I text reply we wait for (Epson: up to 80 bytes). */
export const MAX_INFO_LENGTH = 80;

/** GS I n: transmit printer information (0x41 firmware version, 0x42 maker, 0x43 model name, 0x44 serial). */
export function infoRequest(n: 0x41 | 0x42 | 0x43 | 0x44): Uint8Array {
  return Uint8Array.of(0x1d, 0x49, n);
}

/** Device side: the GS I text reply block. Non-printable characters become '?'. */
export function encodeInfoReply(text: string): Uint8Array {
  const bytes = [...text.slice(0, MAX_INFO_LENGTH)].map((c) => {
    const x = c.charCodeAt(0);
    return x >= 0x20 && x < 0x7f ? x : 0x3f;
  });
  return Uint8Array.of(0x5f, ...bytes, 0x00);
}

export interface StatusParseResult {
  /** The reply or block read. */
  frame?: StatusEvent;
  /** 0 = need more bytes. Never more than the buffer holds. */
  consumed: number;
  error?: EscPosParseError;
}

const bit = (b: number, i: number): boolean => (b & (1 << i)) !== 0;

/** DLE EOT request bytes: `10 04 n`. */
export function realtimeStatusRequest(n: RealtimeN): Uint8Array {
  return Uint8Array.of(0x10, 0x04, n);
}

/** GS a n: enable Automatic Status Back (bits 0 drawer, 1 online, 2 error, 3 paper sensor). */
export function asbEnableRequest(mask = 0x0f): Uint8Array {
  return Uint8Array.of(0x1d, 0x61, mask & 0xff);
}

function realtimePart(n: RealtimeN, b: number): RealtimePart {
  switch (n) {
    case 1:
      return { n, drawer: bit(b, 2), offline: bit(b, 3), waitingRecovery: bit(b, 5), feedButton: bit(b, 6) };
    case 2:
      return { n, coverOpen: bit(b, 2), feeding: bit(b, 3), paperEndStop: bit(b, 5), error: bit(b, 6) };
    case 3:
      return { n, recoverableError: bit(b, 2), cutterError: bit(b, 3), unrecoverableError: bit(b, 5), autoRecoverableError: bit(b, 6) };
    case 4:
      return { n, nearEnd: bit(b, 2) || bit(b, 3), paperOut: bit(b, 5) || bit(b, 6) };
  }
}

/** Decodes one ASB block (4 bytes, already validated). Byte 4 is model-specific and ignored. */
export function asbStatus(b: Uint8Array): PrinterStatus {
  const b1 = b[0] ?? 0;
  const b2 = b[1] ?? 0;
  const b3 = b[2] ?? 0;
  return {
    online: !bit(b1, 3),
    coverOpen: bit(b1, 5),
    feedButton: bit(b1, 6),
    drawer: bit(b1, 2),
    cutterError: bit(b2, 3),
    unrecoverableError: bit(b2, 5),
    autoRecoverableError: bit(b2, 6),
    paper: (b3 & 0x0c) !== 0 ? 'out' : (b3 & 0x03) !== 0 ? 'near-end' : 'ok',
  };
}

/**
 * Reads one event from the start of `buf`.
 * @param expecting which DLE EOT n the host asked for and has not yet had answered (if any).
 */
export function parseStatusBytes(buf: Uint8Array, expecting?: RealtimeN): StatusParseResult {
  const b = buf[0];
  if (b === undefined) return { consumed: 0 };
  if (b === 0x5f) {
    // 0x5F can start neither a DLE EOT reply (0x12 pattern) nor an ASB block (0x10 pattern)
    const end = buf.indexOf(0x00, 1);
    if (end < 0) {
      if (buf.length > MAX_INFO_LENGTH + 1) return { consumed: 1, error: new EscPosParseError('bad-parameter', 'printer information block without NUL', b) };
      return { consumed: 0 };
    }
    if (end > MAX_INFO_LENGTH + 1) return { consumed: 1, error: new EscPosParseError('bad-parameter', 'printer information block too long', b) };
    return { consumed: end + 1, frame: { kind: 'info', text: String.fromCharCode(...buf.subarray(1, end)) } };
  }
  const head = b & 0x93;
  if (head === 0x12) {
    if (expecting === undefined) {
      return { consumed: 1, error: new EscPosParseError('unexpected-realtime', `real-time status byte 0x${hex(b)} without a pending DLE EOT`, b) };
    }
    return { consumed: 1, frame: { kind: 'realtime', n: expecting, status: realtimePart(expecting, b), byte: b } };
  }
  if (head === 0x10) {
    for (let i = 1; i < 4; i++) {
      const x = buf[i];
      if (x === undefined) return { consumed: 0 };
      if ((x & 0x90) !== 0) {
        return { consumed: 1, error: new EscPosParseError('bad-asb', `byte ${i + 1} of an ASB block is 0x${hex(x)}`, b) };
      }
    }
    const bytes = buf.slice(0, 4);
    return { consumed: 4, frame: { kind: 'asb', status: asbStatus(bytes), bytes } };
  }
  return { consumed: 1, error: new EscPosParseError('unknown-byte', `unexpected status byte 0x${hex(b)}`, b) };
}

function hex(b: number): string {
  return b.toString(16).padStart(2, '0');
}

/** Merges DLE EOT 1–4 replies into one status (missing parts count as fine). */
export function mergeRealtime(parts: readonly RealtimePart[]): PrinterStatus {
  const s: PrinterStatus = { ...READY_STATUS };
  for (const p of parts) {
    switch (p.n) {
      case 1:
        s.online = !p.offline;
        s.drawer = p.drawer;
        s.feedButton = p.feedButton;
        break;
      case 2:
        s.coverOpen = p.coverOpen;
        if (p.paperEndStop) s.paper = 'out';
        break;
      case 3:
        s.cutterError = p.cutterError;
        s.unrecoverableError = p.unrecoverableError;
        s.autoRecoverableError = p.autoRecoverableError;
        break;
      case 4:
        if (p.paperOut) s.paper = 'out';
        else if (p.nearEnd && s.paper !== 'out') s.paper = 'near-end';
        break;
    }
  }
  return s;
}

export type PrinterFaultName = 'unrecoverable-error' | 'cover-open' | 'paper-out' | 'cutter-error' | 'auto-recoverable-error' | 'offline';

/** A blocking fault: what it is, what to do about it, and one line for a person. */
export interface PrinterFault {
  fault: PrinterFaultName;
  action: Extract<NextAction, 'clear' | 'maintenance' | 'wait'>;
  message: string;
}

/**
 * The printer's fault policy, in priority order: the first fault that applies is the one the printer
 * reports (an engineer's fault before one staff can clear, a state that stops printing before one that
 * recovers by itself). The CLI, the core and the technician screens format these; none restates them.
 */
const FAULT_POLICY: readonly (PrinterFault & { applies(s: PrinterStatus): boolean })[] = [
  { fault: 'unrecoverable-error', action: 'maintenance', message: 'printer reports an unrecoverable error (不可恢复错误)', applies: (s) => s.unrecoverableError },
  { fault: 'cover-open', action: 'clear', message: 'printer cover is open (纸仓盖打开): close the cover', applies: (s) => s.coverOpen },
  { fault: 'paper-out', action: 'clear', message: 'printer is out of paper (缺纸): load a new paper roll', applies: (s) => s.paper === 'out' },
  { fault: 'cutter-error', action: 'clear', message: 'auto-cutter error (切刀故障): clear the cutter', applies: (s) => s.cutterError },
  { fault: 'auto-recoverable-error', action: 'wait', message: 'printer is recovering from an error (e.g. head too hot)', applies: (s) => s.autoRecoverableError },
];
const OFFLINE: PrinterFault = { fault: 'offline', action: 'wait', message: 'printer is offline' };

/** Every blocking fault the status shows, most important first; 'offline' only when nothing else explains it. */
export function printerFaults(s: PrinterStatus): PrinterFault[] {
  const found: PrinterFault[] = FAULT_POLICY.filter((f) => f.applies(s)).map(({ fault, action, message }) => ({ fault, action, message }));
  if (found.length === 0 && !s.online) found.push({ ...OFFLINE });
  return found;
}

/** Conditions that do not stop printing. */
export function printerWarnings(s: PrinterStatus): string[] {
  return s.paper === 'near-end' ? ['paper-near-end'] : [];
}

/** The typed error of a fault. */
export function printerFaultError(f: PrinterFault): DeviceError {
  return new DeviceError('receipt-printer', 'device-fault', f.message, f.action, f.fault);
}

/** What the status means for printing: the blocking fault that wins (typed, with next action) and warnings. */
export function faultOf(s: PrinterStatus): { error?: DeviceError; warnings: string[] } {
  const [first] = printerFaults(s);
  const warnings = printerWarnings(s);
  return first ? { error: printerFaultError(first), warnings } : { warnings };
}

// ---- device side (simulator) ----

/** The one-byte reply to DLE EOT n for a printer in state `s`. */
export function encodeRealtimeStatus(n: RealtimeN, s: PrinterStatus): number {
  let b = 0x12;
  const set = (i: number, on: boolean): void => {
    if (on) b |= 1 << i;
  };
  const error = s.cutterError || s.unrecoverableError || s.autoRecoverableError;
  const offline = !s.online || s.coverOpen || s.paper === 'out' || error;
  switch (n) {
    case 1:
      set(2, s.drawer);
      set(3, offline);
      set(5, false);
      set(6, s.feedButton);
      break;
    case 2:
      set(2, s.coverOpen);
      set(5, s.paper === 'out');
      set(6, error);
      break;
    case 3:
      set(3, s.cutterError);
      set(5, s.unrecoverableError);
      set(6, s.autoRecoverableError);
      break;
    case 4:
      if (s.paper !== 'ok') b |= 0x0c;
      if (s.paper === 'out') b |= 0x60;
      break;
  }
  return b;
}

/** One 4-byte Automatic Status Back block for a printer in state `s`. */
export function encodeAsb(s: PrinterStatus): Uint8Array {
  const error = s.cutterError || s.unrecoverableError || s.autoRecoverableError;
  const offline = !s.online || s.coverOpen || s.paper === 'out' || error;
  let b1 = 0x10;
  if (s.drawer) b1 |= 0x04;
  if (offline) b1 |= 0x08;
  if (s.coverOpen) b1 |= 0x20;
  if (s.feedButton) b1 |= 0x40;
  let b2 = 0x00;
  if (s.cutterError) b2 |= 0x08;
  if (s.unrecoverableError) b2 |= 0x20;
  if (s.autoRecoverableError) b2 |= 0x40;
  let b3 = 0x00;
  if (s.paper !== 'ok') b3 |= 0x03;
  if (s.paper === 'out') b3 |= 0x0c;
  return Uint8Array.of(b1, b2, b3, 0x00);
}
