/**
 * Serial ("virtual COM") QR readers: each scan is the payload bytes followed by a terminator (CR, LF or
 * CR LF, set in the reader's configuration). Pure, incremental: `consumed === 0` = need more bytes.
 *
 * Terminator bytes at the start of the buffer are skipped (a CR LF reader read as CR leaves an LF in
 * front of the next scan), so an empty line is never a scan. A payload cannot contain the terminator:
 * binary codes need HID POS mode (hidpos.ts).
 */
import { DeviceError } from '../../device.js';

export type Terminator = 'cr' | 'lf' | 'crlf';
export const TERMINATORS: readonly Terminator[] = ['cr', 'lf', 'crlf'];

const CR = 0x0d;
const LF = 0x0a;

/** One scan off the wire: the payload bytes, and the AIM symbology identifier if the reader sent one. */
export interface RawScan {
  /** A copy: safe to keep. */
  bytes: Uint8Array;
  /** AIM identifier such as "]Q1" (QR), when the reader prefixes it or reports it; null otherwise. */
  symbology: string | null;
}

/** Why bytes from a QR reader were dropped. Never carries the payload. */
export class QrFrameError extends DeviceError {
  constructor(
    readonly kind: 'too-long' | 'bad-report' | 'garbage',
    message: string,
  ) {
    super('qr-reader', 'protocol', message, 'retry', `scan-${kind}`);
  }
}

export interface SerialScanOptions {
  terminator: Terminator;
  /** Longest payload (a QR code holds at most 7,089 digits / 2,953 bytes). Default 4096. */
  maxLength?: number;
  /** The reader is set to send the AIM identifier ("]Q1…") before the payload: split it off. */
  aimPrefix?: boolean;
}

export interface ScanStep {
  frame?: RawScan;
  consumed: number;
  error?: QrFrameError;
}

/** Splits "]Xn" off the front when present. */
export function splitAim(bytes: Uint8Array): RawScan {
  if (bytes.length >= 3 && bytes[0] === 0x5d && (bytes[1] as number) >= 0x21 && (bytes[1] as number) < 0x7f && (bytes[2] as number) >= 0x21 && (bytes[2] as number) < 0x7f) {
    return { bytes: bytes.slice(3), symbology: String.fromCharCode(...bytes.subarray(0, 3)) };
  }
  return { bytes: bytes.slice(), symbology: null };
}

/** A parser for one terminator setting. */
export function serialScanParser(o: SerialScanOptions): (buf: Uint8Array) => ScanStep {
  const max = o.maxLength ?? 4096;
  const end = o.terminator === 'lf' ? LF : CR;
  return (buf) => {
    let skip = 0;
    while (skip < buf.length && (buf[skip] === CR || buf[skip] === LF)) skip++;
    if (skip > 0) return { consumed: skip };
    const at = buf.indexOf(end);
    if (at < 0) {
      if (buf.length > max) return { consumed: buf.length, error: new QrFrameError('too-long', `no terminator within ${max} bytes: ${buf.length} bytes dropped`) };
      return { consumed: 0 };
    }
    if (at > max) return { consumed: at + 1, error: new QrFrameError('too-long', `scan longer than ${max} bytes dropped`) };
    let consumed = at + 1;
    if (o.terminator === 'crlf') {
      if (at + 1 >= buf.length) return { consumed: 0 }; // wait for the LF
      if (buf[at + 1] === LF) consumed++;
    }
    const payload = buf.subarray(0, at);
    return { consumed, frame: o.aimPrefix ? splitAim(payload) : { bytes: payload.slice(), symbology: null } };
  };
}

/** Device side (simulator): the bytes a serial reader sends for one scan. */
export function encodeSerialScan(payload: Uint8Array, terminator: Terminator, aim?: string): Uint8Array {
  const head = aim ? Array.from(aim, (c) => c.charCodeAt(0)) : [];
  const tail = terminator === 'cr' ? [CR] : terminator === 'lf' ? [LF] : [CR, LF];
  return Uint8Array.from([...head, ...payload, ...tail]);
}
