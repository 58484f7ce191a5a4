/**
 * SW3 status codes of the SAM_A interface (fact sheet §1), each mapped to what it means, the typed
 * DeviceError code and the next action. SW1/SW2 are normally 00 00; for 31, 41, 47 and 81 they may
 * carry the card's APDU status.
 */
import { DeviceError, type DeviceErrorCode, type NextAction } from '../../device.js';

export type SamStatusKind = 'ok' | 'no-card' | 'no-content' | 'error';

export interface SamStatusInfo {
  readonly sw3: number;
  readonly kind: SamStatusKind;
  readonly meaning: string;
  /** null for the success statuses. */
  readonly code: DeviceErrorCode | null;
  readonly action: NextAction | null;
  /** When the first action did not help (e.g. retry, then ask staff to clear). */
  readonly thenAction?: NextAction;
  readonly fault?: string;
  /** A plain hint for staff (no citizen data). */
  readonly hint?: string;
}

const DIRTY = 'card might be fake or dirty; wipe it and place it again';

export const SAM_STATUS: Readonly<Record<number, SamStatusInfo>> = {
  0x90: { sw3: 0x90, kind: 'ok', meaning: 'operation OK', code: null, action: null },
  0x9f: { sw3: 0x9f, kind: 'ok', meaning: 'find card OK', code: null, action: null },
  0x91: { sw3: 0x91, kind: 'no-content', meaning: 'the card has no content for this item', code: null, action: null },
  0x10: { sw3: 0x10, kind: 'error', meaning: 'reader saw a host checksum error', code: 'checksum', action: 'retry', thenAction: 'reset', fault: 'sam-host-checksum' },
  0x11: { sw3: 0x11, kind: 'error', meaning: 'reader saw a host length error', code: 'protocol', action: 'retry', thenAction: 'reset', fault: 'sam-host-length' },
  0x21: { sw3: 0x21, kind: 'error', meaning: 'command error (bad value or logic)', code: 'protocol', action: 'reset', fault: 'sam-command-error' },
  0x23: { sw3: 0x23, kind: 'error', meaning: 'unauthorised operation', code: 'device-fault', action: 'reset', thenAction: 'maintenance', fault: 'sam-unauthorised-operation' },
  0x24: { sw3: 0x24, kind: 'error', meaning: 'unrecognised error', code: 'device-fault', action: 'reset', thenAction: 'maintenance', fault: 'sam-unrecognised-error' },
  0x31: { sw3: 0x31, kind: 'error', meaning: 'card failed to authenticate the SAM', code: 'device-fault', action: 'retry', thenAction: 'clear', fault: 'card-auth-sam-failed', hint: DIRTY },
  0x32: { sw3: 0x32, kind: 'error', meaning: 'SAM failed to authenticate the card', code: 'device-fault', action: 'retry', thenAction: 'clear', fault: 'sam-auth-card-failed', hint: DIRTY },
  0x33: { sw3: 0x33, kind: 'error', meaning: 'information verification error', code: 'device-fault', action: 'retry', thenAction: 'clear', fault: 'card-verify-failed', hint: DIRTY },
  0x40: { sw3: 0x40, kind: 'error', meaning: 'unrecognised card type', code: 'unsupported', action: 'clear', fault: 'card-type-unknown', hint: 'not an ID card this reader can read (or its firmware predates the card type)' },
  0x41: { sw3: 0x41, kind: 'error', meaning: 'card read failed', code: 'device-fault', action: 'retry', thenAction: 'clear', fault: 'card-read-failed', hint: 'keep the card still on the reader' },
  0x47: { sw3: 0x47, kind: 'error', meaning: 'get-random failed', code: 'device-fault', action: 'retry', thenAction: 'clear', fault: 'card-random-failed' },
  0x60: { sw3: 0x60, kind: 'error', meaning: 'SAM self-test failed, no commands accepted', code: 'device-fault', action: 'maintenance', fault: 'sam-self-test-failed' },
  0x66: { sw3: 0x66, kind: 'error', meaning: 'SAM not authorised', code: 'device-fault', action: 'maintenance', fault: 'sam-not-authorised' },
  0x80: { sw3: 0x80, kind: 'no-card', meaning: 'find card failed (no card in the field)', code: 'not-found', action: 'clear', fault: 'no-card' },
  0x81: { sw3: 0x81, kind: 'error', meaning: 'select card failed', code: 'device-fault', action: 'retry', thenAction: 'clear', fault: 'card-select-failed', hint: 'keep the card still on the reader' },
  0xff: { sw3: 0xff, kind: 'error', meaning: 'communication fault', code: 'device-fault', action: 'reset', fault: 'sam-communication-fault' },
};

const hex = (n: number): string => n.toString(16).padStart(2, '0').toUpperCase();

/** The table entry, or a generic 'unknown status' entry for codes not in the fact sheet. */
export function samStatusInfo(sw3: number): SamStatusInfo {
  return (
    SAM_STATUS[sw3] ?? {
      sw3,
      kind: 'error',
      meaning: `unknown status ${hex(sw3)}`,
      code: 'protocol',
      action: 'reset',
      fault: 'sam-unknown-status',
    }
  );
}

export function isSuccessStatus(sw3: number): boolean {
  return sw3 === 0x90 || sw3 === 0x9f;
}

/** A typed error for a non-success status (for 80: 'not-found', which polling treats as "no card"). */
export function statusError(sw3: number, sw1 = 0, sw2 = 0, operation = 'command'): DeviceError {
  const info = samStatusInfo(sw3);
  const apdu = sw1 !== 0 || sw2 !== 0 ? ` (card status ${hex(sw1)}${hex(sw2)})` : '';
  const hint = info.hint ? `; ${info.hint}` : '';
  return new DeviceError(
    'id-card',
    info.code ?? 'protocol',
    `${operation}: ${info.meaning} [SW3 ${hex(sw3)}]${apdu}${hint}`,
    info.action ?? 'retry',
    info.fault,
  );
}

/**
 * SAM ID (reply to 12 FF, 16 bytes), formatted as HslCommunication does:
 * d0:%02d "." d2:%02d "-" u32le(d4) "-" u32le(d8):%09d "-" u32le(d12):%09d
 */
export function formatSamId(data: Uint8Array): string | undefined {
  if (data.length < 16) return undefined;
  const u32 = (o: number): number =>
    ((data[o] as number) | ((data[o + 1] as number) << 8) | ((data[o + 2] as number) << 16) | ((data[o + 3] as number) << 24)) >>> 0;
  const p2 = (n: number): string => String(n).padStart(2, '0');
  const p9 = (n: number): string => String(n).padStart(9, '0');
  return `${p2(data[0] as number)}.${p2(data[2] as number)}-${u32(4)}-${p9(u32(8))}-${p9(u32(12))}`;
}
