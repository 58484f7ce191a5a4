/**
 * SAM_A "business terminal" framing (GA/T 467-2019 ch. 7), both directions. Pure: no I/O, no timers.
 *
 *   Host → reader : AA AA AA 96 69 | LEN_H LEN_L | CMD  PARA       | DATA… | CHK
 *   Reader → host : AA AA AA 96 69 | LEN_H LEN_L | SW1  SW2  SW3   | DATA… | CHK
 *
 * LEN (big-endian) counts every byte after itself including CHK, so a frame is LEN + 7 bytes.
 * CHK = XOR of LEN_H … last DATA byte.
 *
 * Parsers are incremental: `consumed === 0` means "need more bytes"; they never consume more
 * than given and turn any input into a frame, need-more, or a typed SamProtocolError.
 */
import { DeviceError } from '../../device.js';

export const PREAMBLE: readonly number[] = [0xaa, 0xaa, 0xaa, 0x96, 0x69];
export const PREAMBLE_LENGTH = 5;
/** Preamble + LEN. */
export const HEADER_LENGTH = 7;
/** Anything above this LEN is absurd for this protocol (largest real frame: 2321 bytes). */
export const MAX_LEN = 0x1000;
/** Smallest legal LEN: CMD PARA CHK (request) / SW1 SW2 SW3 CHK (response). */
export const MIN_REQUEST_LEN = 3;
export const MIN_RESPONSE_LEN = 4;

export interface ResponseFrame {
  sw1: number;
  sw2: number;
  sw3: number;
  /** A view into the parsed buffer (no copy): copy it if the buffer is reused. */
  data: Uint8Array;
}

export interface RequestFrame {
  cmd: number;
  para: number;
  /** A view into the parsed buffer (no copy). */
  data: Uint8Array;
}

export type SamProtocolErrorKind = 'garbage' | 'length' | 'checksum';

/** A framing problem: garbage skipped, an absurd LEN, or a bad checksum. Never carries payload bytes. */
export class SamProtocolError extends DeviceError {
  constructor(
    readonly kind: SamProtocolErrorKind,
    message: string,
  ) {
    super('id-card', kind === 'checksum' ? 'checksum' : 'protocol', message, 'retry', `frame-${kind}`);
  }
}

export interface ParseResult<F> {
  frame?: F;
  /** Bytes to drop from the front of the buffer; 0 = need more bytes. */
  consumed: number;
  error?: SamProtocolError;
}

const NEED_MORE: ParseResult<never> = Object.freeze({ consumed: 0 });

function isPreambleAt(buf: Uint8Array, i: number): boolean {
  return buf[i] === 0xaa && buf[i + 1] === 0xaa && buf[i + 2] === 0xaa && buf[i + 3] === 0x96 && buf[i + 4] === 0x69;
}

/** Could a preamble start at i, given only the bytes up to the end of buf? */
function couldStartAt(buf: Uint8Array, i: number): boolean {
  const n = Math.min(PREAMBLE_LENGTH, buf.length - i);
  for (let k = 0; k < n; k++) if (buf[i + k] !== PREAMBLE[k]) return false;
  return true;
}

/** Index of the first position ≥ from where a preamble starts or may start; buf.length if none. */
function nextCandidate(buf: Uint8Array, from: number): number {
  for (let i = from; i < buf.length; i++) {
    if (buf[i] === 0xaa && couldStartAt(buf, i)) return i;
  }
  return buf.length;
}

export function xorChecksum(buf: Uint8Array, start: number, end: number): number {
  let x = 0;
  for (let i = start; i < end; i++) x ^= buf[i] as number;
  return x;
}

/** Shared framing: returns the frame bounds or a result to hand back unchanged. */
function parseEnvelope(buf: Uint8Array, minLen: number): { len: number } | ParseResult<never> {
  if (buf.length === 0) return NEED_MORE;
  if (!isPreambleAt(buf, 0)) {
    if (couldStartAt(buf, 0)) return NEED_MORE; // a preamble prefix: wait for the rest
    const next = nextCandidate(buf, 1);
    return { consumed: next, error: new SamProtocolError('garbage', `skipped ${next} byte(s) before a frame preamble`) };
  }
  if (buf.length < HEADER_LENGTH) return NEED_MORE;
  const len = ((buf[5] as number) << 8) | (buf[6] as number);
  if (len < minLen || len > MAX_LEN) {
    return { consumed: PREAMBLE_LENGTH, error: new SamProtocolError('length', `frame length ${len} out of range ${minLen}..${MAX_LEN}`) };
  }
  const total = len + HEADER_LENGTH;
  if (buf.length < total) return NEED_MORE;
  const chk = xorChecksum(buf, PREAMBLE_LENGTH, total - 1);
  if (chk !== buf[total - 1]) {
    return { consumed: total, error: new SamProtocolError('checksum', `frame checksum mismatch (${total} bytes)`) };
  }
  return { len };
}

/** Parses one reader → host frame from the front of `buf`. */
export function parseResponse(buf: Uint8Array): ParseResult<ResponseFrame> {
  const env = parseEnvelope(buf, MIN_RESPONSE_LEN);
  if (!('len' in env)) return env;
  const total = env.len + HEADER_LENGTH;
  return {
    frame: { sw1: buf[7] as number, sw2: buf[8] as number, sw3: buf[9] as number, data: buf.subarray(10, total - 1) },
    consumed: total,
  };
}

/** Parses one host → reader frame from the front of `buf` (simulator side). */
export function parseRequest(buf: Uint8Array): ParseResult<RequestFrame> {
  const env = parseEnvelope(buf, MIN_REQUEST_LEN);
  if (!('len' in env)) return env;
  const total = env.len + HEADER_LENGTH;
  return { frame: { cmd: buf[7] as number, para: buf[8] as number, data: buf.subarray(9, total - 1) }, consumed: total };
}

function encode(head: readonly number[], data: Uint8Array | undefined): Uint8Array {
  const dataLen = data?.length ?? 0;
  const len = head.length + dataLen + 1;
  if (len > MAX_LEN) throw new SamProtocolError('length', `cannot encode a frame with LEN ${len} > ${MAX_LEN}`);
  const out = new Uint8Array(len + HEADER_LENGTH);
  out.set(PREAMBLE, 0);
  out[5] = (len >> 8) & 0xff;
  out[6] = len & 0xff;
  for (let i = 0; i < head.length; i++) out[7 + i] = (head[i] as number) & 0xff;
  if (data) out.set(data, 7 + head.length);
  out[out.length - 1] = xorChecksum(out, PREAMBLE_LENGTH, out.length - 1);
  return out;
}

/** Host → reader frame. */
export function encodeRequest(cmd: number, para: number, data?: Uint8Array): Uint8Array {
  return encode([cmd, para], data);
}

/** Reader → host frame (simulator side). */
export function encodeResponse(sw1: number, sw2: number, sw3: number, data?: Uint8Array): Uint8Array {
  return encode([sw1, sw2, sw3], data);
}
