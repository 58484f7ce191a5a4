/**
 * The payment pad's serial link layer (the ECR framing of Caisse-AP Concert, device-protocols.md §4),
 * both directions, pure: no I/O, no timers.
 *
 *   message : STX 02 | payload … | ETX 03 | LRC        LRC = XOR of every byte after STX up to and including ETX
 *   control : ACK 06 (frame accepted) · NAK 15 (frame corrupt: send it again)
 *
 * The payload is one nexo Sale-to-POI message as UTF-8 JSON (messages.ts); JSON escapes every control
 * character, so STX and ETX never occur inside a payload. The same parser serves both ends: the host
 * reads the pad's frames and the simulator reads the host's.
 *
 * Incremental: `consumed === 0` means "need more bytes"; it never consumes more than given and turns
 * any input into a frame, need-more, or a typed PadFrameError.
 */
import { DeviceError } from '../../device.js';

export const STX = 0x02;
export const ETX = 0x03;
export const ACK = 0x06;
export const NAK = 0x15;

/** Longest payload accepted (nexo messages of this exchange are a few hundred bytes). */
export const MAX_PAYLOAD = 8192;
/** STX + payload + ETX + LRC. */
export const MAX_FRAME = MAX_PAYLOAD + 3;

export type PadFrame = { kind: 'ack' } | { kind: 'nak' } | { kind: 'message'; /** A copy: safe to keep. */ payload: Uint8Array };

export type PadFrameErrorKind = 'garbage' | 'checksum' | 'length';

/** A framing problem: bytes outside a frame, a bad LRC, an over-long frame. Never carries payload bytes. */
export class PadFrameError extends DeviceError {
  constructor(
    readonly kind: PadFrameErrorKind,
    message: string,
  ) {
    super('payment', kind === 'checksum' ? 'checksum' : 'protocol', message, 'retry', `frame-${kind}`);
  }
}

export interface PadParseResult {
  frame?: PadFrame;
  /** Bytes to drop from the front of the buffer; 0 = need more bytes. */
  consumed: number;
  error?: PadFrameError;
}

const NEED_MORE: PadParseResult = Object.freeze({ consumed: 0 });

/** XOR of buf[start..end). */
export function lrc(buf: Uint8Array, start: number, end: number): number {
  let x = 0;
  for (let i = start; i < end; i++) x ^= buf[i] as number;
  return x;
}

function isStart(b: number | undefined): boolean {
  return b === STX || b === ACK || b === NAK;
}

/** Parses one frame (message, ACK or NAK) from the front of `buf`. */
export function parseFrame(buf: Uint8Array): PadParseResult {
  const b0 = buf[0];
  if (b0 === undefined) return NEED_MORE;
  if (b0 === ACK) return { consumed: 1, frame: { kind: 'ack' } };
  if (b0 === NAK) return { consumed: 1, frame: { kind: 'nak' } };
  if (b0 !== STX) {
    let i = 1;
    while (i < buf.length && !isStart(buf[i])) i++;
    return { consumed: i, error: new PadFrameError('garbage', `skipped ${i} byte(s) outside a frame`) };
  }
  // STX … ETX LRC. A second STX before ETX means the first frame was cut: drop up to it.
  for (let i = 1; i < buf.length; i++) {
    const b = buf[i];
    if (b === STX) return { consumed: i, error: new PadFrameError('garbage', `frame cut after ${i} byte(s) by a new STX`) };
    if (b === ETX) {
      if (i + 1 >= buf.length) return NEED_MORE;
      const total = i + 2;
      if (lrc(buf, 1, i + 1) !== buf[i + 1]) return { consumed: total, error: new PadFrameError('checksum', `frame LRC mismatch (${total} bytes)`) };
      return { consumed: total, frame: { kind: 'message', payload: buf.slice(1, i) } };
    }
    if (i > MAX_PAYLOAD) return { consumed: i, error: new PadFrameError('length', `frame longer than ${MAX_PAYLOAD} bytes without ETX`) };
  }
  return NEED_MORE;
}

/** STX payload ETX LRC. The payload must not contain STX or ETX (JSON never does). */
export function encodeFrame(payload: Uint8Array): Uint8Array {
  if (payload.length > MAX_PAYLOAD) throw new PadFrameError('length', `cannot frame ${payload.length} bytes (limit ${MAX_PAYLOAD})`);
  if (payload.includes(STX) || payload.includes(ETX)) throw new PadFrameError('garbage', 'payload contains STX or ETX');
  const out = new Uint8Array(payload.length + 3);
  out[0] = STX;
  out.set(payload, 1);
  out[payload.length + 1] = ETX;
  out[payload.length + 2] = lrc(out, 1, payload.length + 2);
  return out;
}

export const ACK_BYTES: Uint8Array = Uint8Array.of(ACK);
export const NAK_BYTES: Uint8Array = Uint8Array.of(NAK);
