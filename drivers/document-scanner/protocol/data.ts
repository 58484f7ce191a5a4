/**
 * The data connection that START opens (net.tex SANE_NET_START; saned.c do_scan). Pure.
 *
 *   record  = length word (big-endian, unsigned) + that many image bytes; length 0 is legal
 *   end     = length 0xFFFFFFFF, then one status byte: EOF (5) on a normal end, otherwise the error
 *             (JAMMED, NO_DOCS, COVER_OPEN, IO_ERROR …) that stopped the frame
 *
 * saned's records are at most 8188 bytes (an 8 KiB buffer less the length word); other servers may
 * send larger ones, so the limit here is generous but finite.
 */
import { DATA_END_MARKER, STATUS } from './constants.js';
import { SaneProtocolError, type ParseResult } from './wire.js';

export const MAX_RECORD_BYTES = 4 * 1024 * 1024;

export type DataFrame =
  /** Image bytes: a view into the parsed buffer (copy before the buffer is reused). */
  | { kind: 'data'; bytes: Uint8Array }
  /** The end marker with the status byte that followed it. */
  | { kind: 'end'; status: number };

const NEED_MORE: ParseResult<never> = Object.freeze({ consumed: 0 });

function lengthAt(buf: Uint8Array): number {
  return (((buf[0] as number) << 24) | ((buf[1] as number) << 16) | ((buf[2] as number) << 8) | (buf[3] as number)) >>> 0;
}

/** Host side: one record (or the end marker and its status byte) from the front of `buf`. */
export function parseDataRecord(buf: Uint8Array): ParseResult<DataFrame> {
  if (buf.length < 4) return NEED_MORE;
  const len = lengthAt(buf);
  if (len === DATA_END_MARKER) {
    if (buf.length < 5) return NEED_MORE;
    return { frame: { kind: 'end', status: buf[4] as number }, consumed: 5 };
  }
  if (len > MAX_RECORD_BYTES) {
    return { consumed: buf.length, error: new SaneProtocolError('length', `data record of ${len} bytes exceeds ${MAX_RECORD_BYTES}`) };
  }
  if (buf.length < 4 + len) return NEED_MORE;
  return { frame: { kind: 'data', bytes: buf.subarray(4, 4 + len) }, consumed: 4 + len };
}

/** Device side: one data record. */
export function encodeDataRecord(bytes: Uint8Array): Uint8Array {
  if (bytes.length > MAX_RECORD_BYTES) throw new SaneProtocolError('encode', `data record of ${bytes.length} bytes exceeds ${MAX_RECORD_BYTES}`);
  const out = new Uint8Array(4 + bytes.length);
  const n = bytes.length;
  out[0] = n >>> 24;
  out[1] = (n >>> 16) & 0xff;
  out[2] = (n >>> 8) & 0xff;
  out[3] = n & 0xff;
  out.set(bytes, 4);
  return out;
}

/** Device side: the end marker and its status byte (EOF unless an error ended the frame). */
export function encodeDataEnd(status: number = STATUS.EOF): Uint8Array {
  return Uint8Array.of(0xff, 0xff, 0xff, 0xff, status & 0xff);
}
