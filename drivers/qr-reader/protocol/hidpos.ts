/**
 * HID POS barcode scanners (usage page 0x8C, Bar Code Scanner 0x02): the Scanned Data Report, input
 * report id 0x02, as Honeywell, Symbol/Zebra and Datalogic lay it out (device-protocols.md §5).
 * Offsets after the report id:
 *
 *   [0]      count of valid data bytes in this report
 *   [1..3]   AIM identifier "]" c m  (some devices put one extra byte first: "]" at [2])
 *   [4..59]  data, 56 bytes (55 with the extra byte)
 *   [60]     Honeywell code id (0x73 QR …)
 *   [62]     non-zero: more reports follow for this scan
 *
 * HidTransport (framing reportId 2, lengthPrefix false) hands over the report payloads back to back;
 * this parser reads whole records, joins a scan's continued reports, strips a trailing CR. Pure and
 * incremental like every parser here: `consumed === 0` = need more bytes.
 */
import { QrFrameError, type RawScan, type ScanStep } from './serial.js';

export const HIDPOS_USAGE_PAGE = 0x8c;
export const HIDPOS_USAGE_SCANNER = 0x02;
export const HIDPOS_REPORT_ID = 0x02;
/** Report size after the report id. */
export const HIDPOS_RECORD = 63;
const DATA_END = 60;
const CODE_ID = 60;
const MORE = 62;
/** Continued reports one scan may use (64 × 56 bytes covers the largest QR code). */
const MAX_RECORDS = 64;

export interface HidPosRecord {
  data: Uint8Array;
  symbology: string | null;
  codeId: number;
  more: boolean;
}

/** Decodes one record (report payload without its id); undefined when its layout is impossible. */
export function decodeHidPosRecord(r: Uint8Array): HidPosRecord | undefined {
  if (r.length < HIDPOS_RECORD) return undefined;
  const count = r[0] as number;
  const aimAt = r[1] === 0x5d ? 1 : r[2] === 0x5d ? 2 : 0;
  const dataAt = aimAt === 0 ? 4 : aimAt + 3;
  if (dataAt + count > DATA_END) return undefined;
  return {
    data: r.subarray(dataAt, dataAt + count),
    symbology: aimAt === 0 ? null : String.fromCharCode(...r.subarray(aimAt, aimAt + 3)),
    codeId: r[CODE_ID] as number,
    more: (r[MORE] as number) !== 0,
  };
}

/** Reads one whole scan (one or more records) from the front of the record stream. */
export function parseHidPos(buf: Uint8Array): ScanStep {
  if (buf.length < HIDPOS_RECORD) return { consumed: 0 };
  const parts: Uint8Array[] = [];
  let symbology: string | null = null;
  for (let k = 0; ; k++) {
    const start = k * HIDPOS_RECORD;
    if (buf.length < start + HIDPOS_RECORD) return { consumed: 0 };
    const rec = decodeHidPosRecord(buf.subarray(start, start + HIDPOS_RECORD));
    if (!rec) return { consumed: start + HIDPOS_RECORD, error: new QrFrameError('bad-report', `scanned-data report ${k + 1} has an impossible byte count`) };
    if (k === 0) symbology = rec.symbology;
    parts.push(rec.data);
    if (!rec.more) {
      const total = parts.reduce((n, p) => n + p.length, 0);
      const bytes = new Uint8Array(total);
      let off = 0;
      for (const p of parts) {
        bytes.set(p, off);
        off += p.length;
      }
      const end = bytes.length > 0 && bytes[bytes.length - 1] === 0x0d ? bytes.length - 1 : bytes.length;
      const scan: RawScan = { bytes: bytes.slice(0, end), symbology };
      return end === 0 ? { consumed: start + HIDPOS_RECORD } : { consumed: start + HIDPOS_RECORD, frame: scan };
    }
    if (k + 1 >= MAX_RECORDS) return { consumed: start + HIDPOS_RECORD, error: new QrFrameError('bad-report', `a scan continued over more than ${MAX_RECORDS} reports`) };
  }
}

/** Device side (simulator): the records a HID POS scanner sends for one scan (report ids added by the transport). */
export function encodeHidPosScan(payload: Uint8Array, aim = ']Q1', codeId = 0x73): Uint8Array {
  const per = DATA_END - 4;
  const n = Math.max(1, Math.ceil(payload.length / per));
  const out = new Uint8Array(n * HIDPOS_RECORD);
  for (let k = 0; k < n; k++) {
    const part = payload.subarray(k * per, (k + 1) * per);
    const r = out.subarray(k * HIDPOS_RECORD, (k + 1) * HIDPOS_RECORD);
    r[0] = part.length;
    for (let i = 0; i < 3; i++) r[1 + i] = aim.charCodeAt(i) & 0xff;
    r.set(part, 4);
    r[CODE_ID] = codeId;
    r[MORE] = k < n - 1 ? 1 : 0;
  }
  return out;
}
