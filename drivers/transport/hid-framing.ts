/**
 * A byte stream carried in HID reports (pure: no I/O, no timers).
 *
 * There is no public spec for "免驱" HID ID-card readers and vendors differ, so the
 * framing is configurable. The common shape, and our default:
 *
 *   [reportId][len][data × len][zero padding up to reportSize]
 *
 * - `reportSize` is the report's size without the report-id byte (e.g. 64).
 * - `reportId` 0 means the device uses unnumbered reports. hidapi/node-hid still
 *   expects a leading 0 byte on write (and strips it), and input reports of an
 *   unnumbered device arrive WITHOUT a report-id byte; numbered input reports
 *   arrive with the id as their first byte.
 * - `lengthPrefix` false: the whole report payload is data; the zero padding of
 *   the last report cannot be told apart from data and is delivered too (protocols
 *   that hunt for a preamble, like the SAM frames, skip it).
 */
import { DeviceError } from '../device.js';

export interface HidFraming {
  /** 0..255; 0 = unnumbered reports. */
  reportId: number;
  /** Report payload size in bytes, without the report-id byte. 2..256 with a length prefix, 1..256 without. */
  reportSize: number;
  /** The payload starts with a byte count of valid bytes. */
  lengthPrefix: boolean;
}

function framingError(message: string): DeviceError {
  return new DeviceError('transport', 'invalid-data', `hid framing: ${message}`, 'maintenance');
}

/** Validates framing options (they come from configuration); throws a typed 'invalid-data' DeviceError. */
export function checkHidFraming(f: HidFraming): HidFraming {
  if (!Number.isInteger(f.reportId) || f.reportId < 0 || f.reportId > 255) throw framingError(`'reportId' must be an integer 0..255`);
  if (typeof f.lengthPrefix !== 'boolean') throw framingError(`'lengthPrefix' must be a boolean`);
  const min = f.lengthPrefix ? 2 : 1;
  if (!Number.isInteger(f.reportSize) || f.reportSize < min || f.reportSize > 256) throw framingError(`'reportSize' must be an integer ${min}..256`);
  return f;
}

/** Data bytes one report carries. */
export function hidDataPerReport(f: HidFraming): number {
  return f.lengthPrefix ? f.reportSize - 1 : f.reportSize;
}

/**
 * Splits `bytes` into output reports ready for node-hid's write(): each is
 * 1 + reportSize bytes, starting with the report id (0 for unnumbered).
 * No bytes, no reports.
 */
export function encodeHidReports(bytes: Uint8Array, f: HidFraming): Uint8Array[] {
  const per = hidDataPerReport(f);
  const out: Uint8Array[] = [];
  for (let i = 0; i < bytes.length; i += per) {
    const chunk = bytes.subarray(i, Math.min(bytes.length, i + per));
    const report = new Uint8Array(1 + f.reportSize); // zero padded
    report[0] = f.reportId;
    if (f.lengthPrefix) {
      report[1] = chunk.length;
      report.set(chunk, 2);
    } else {
      report.set(chunk, 1);
    }
    out.push(report);
  }
  return out;
}

export type HidDecodeResult =
  | { ok: true; data: Uint8Array }
  | { ok: false; reason: 'wrong-report-id' | 'bad-length' | 'empty-report'; message: string };

/**
 * Extracts the data bytes of one report.
 * `leadingReportId`: whether the first byte is the report id — true for input
 * reports of numbered devices and for every report written through hidapi; false
 * for input reports of unnumbered devices. A length byte of 0 gives empty data.
 */
export function decodeHidReport(report: Uint8Array, f: HidFraming, leadingReportId: boolean): HidDecodeResult {
  let payload = report;
  if (leadingReportId) {
    if (report.length === 0) return { ok: false, reason: 'empty-report', message: 'empty report' };
    if (report[0] !== f.reportId) {
      return { ok: false, reason: 'wrong-report-id', message: `report id ${String(report[0])}, expected ${f.reportId}` };
    }
    payload = report.subarray(1);
  }
  if (!f.lengthPrefix) return { ok: true, data: payload };
  if (payload.length === 0) return { ok: false, reason: 'empty-report', message: 'report without a length byte' };
  const len = payload[0] ?? 0;
  if (len > payload.length - 1) {
    return { ok: false, reason: 'bad-length', message: `length byte ${len} exceeds the ${payload.length - 1} bytes of the report` };
  }
  return { ok: true, data: payload.subarray(1, 1 + len) };
}
