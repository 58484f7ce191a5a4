/**
 * SANE_Status (sane.h) → what it means for the kiosk: the typed DeviceError code, the next action, a fault
 * name, and the prompt the screen shows. This table is the one place that knows it; the device class,
 * the CLI and the workflows read it.
 */
import { DeviceError, type DeviceErrorCode, type NextAction } from '../../device.js';
import { STATUS, type StatusName } from './constants.js';

export interface SaneStatusInfo {
  readonly status: number;
  readonly name: StatusName | 'UNKNOWN';
  readonly meaning: string;
  /** null for GOOD and EOF (not errors). */
  readonly code: DeviceErrorCode | null;
  readonly action: NextAction | null;
  readonly fault?: string;
  /** What the citizen or staff is asked to do, Chinese first (no citizen data). */
  readonly prompt?: { zh: string; en: string };
}

const NOT_ERRORS: readonly number[] = [STATUS.GOOD, STATUS.EOF];

export const SANE_STATUS: Readonly<Record<number, SaneStatusInfo>> = {
  [STATUS.GOOD]: { status: STATUS.GOOD, name: 'GOOD', meaning: 'operation completed', code: null, action: null },
  [STATUS.EOF]: { status: STATUS.EOF, name: 'EOF', meaning: 'no more data (end of frame)', code: null, action: null },
  [STATUS.UNSUPPORTED]: {
    status: STATUS.UNSUPPORTED,
    name: 'UNSUPPORTED',
    meaning: 'operation not supported by the scanner',
    code: 'unsupported',
    action: 'maintenance',
    fault: 'unsupported',
  },
  [STATUS.CANCELLED]: { status: STATUS.CANCELLED, name: 'CANCELLED', meaning: 'operation was cancelled', code: 'canceled', action: 'retry', fault: 'cancelled' },
  [STATUS.DEVICE_BUSY]: {
    status: STATUS.DEVICE_BUSY,
    name: 'DEVICE_BUSY',
    meaning: 'scanner is busy',
    code: 'busy',
    action: 'wait',
    fault: 'device-busy',
    prompt: { zh: '扫描仪正忙，请稍候', en: 'The scanner is busy, please wait' },
  },
  [STATUS.INVAL]: {
    status: STATUS.INVAL,
    name: 'INVAL',
    meaning: 'the scanner rejected a value or a request (settings or state)',
    code: 'invalid-data',
    action: 'reset',
    fault: 'invalid-request',
  },
  [STATUS.JAMMED]: {
    status: STATUS.JAMMED,
    name: 'JAMMED',
    meaning: 'document feeder jammed',
    code: 'device-fault',
    action: 'clear',
    fault: 'paper-jam',
    prompt: { zh: '扫描仪卡纸，请联系工作人员处理', en: 'Paper jam: please ask staff for help' },
  },
  [STATUS.NO_DOCS]: {
    status: STATUS.NO_DOCS,
    name: 'NO_DOCS',
    meaning: 'no document in the feeder or on the glass',
    code: 'not-found',
    action: 'retry',
    fault: 'no-document',
    prompt: { zh: '请放入需要扫描的材料', en: 'Please place the document to scan' },
  },
  [STATUS.COVER_OPEN]: {
    status: STATUS.COVER_OPEN,
    name: 'COVER_OPEN',
    meaning: 'scanner cover is open',
    code: 'device-fault',
    action: 'clear',
    fault: 'cover-open',
    prompt: { zh: '扫描仪盖板未合上，请联系工作人员', en: 'The scanner cover is open: please ask staff' },
  },
  [STATUS.IO_ERROR]: { status: STATUS.IO_ERROR, name: 'IO_ERROR', meaning: 'error during device I/O', code: 'device-fault', action: 'reset', fault: 'io-error' },
  [STATUS.NO_MEM]: { status: STATUS.NO_MEM, name: 'NO_MEM', meaning: 'scanner service out of memory', code: 'device-fault', action: 'reset', fault: 'out-of-memory' },
  [STATUS.ACCESS_DENIED]: {
    status: STATUS.ACCESS_DENIED,
    name: 'ACCESS_DENIED',
    meaning: 'access to the scanner denied (saned.conf, saned.users or password)',
    code: 'device-fault',
    action: 'maintenance',
    fault: 'access-denied',
  },
};

export function saneStatusInfo(status: number): SaneStatusInfo {
  return (
    SANE_STATUS[status] ?? {
      status,
      name: 'UNKNOWN',
      meaning: `undefined status ${status}`,
      code: 'protocol',
      action: 'reset',
      fault: 'unknown-status',
    }
  );
}

export function isErrorStatus(status: number): boolean {
  return !NOT_ERRORS.includes(status);
}

/** A typed error for a SANE status that is not GOOD/EOF. The message names the operation and the status. */
export function saneStatusError(status: number, operation: string): DeviceError {
  const info = saneStatusInfo(status);
  return new SaneStatusError(status, info, operation);
}

export class SaneStatusError extends DeviceError {
  constructor(
    readonly status: number,
    readonly info: SaneStatusInfo,
    operation: string,
  ) {
    super('scanner', info.code ?? 'protocol', `${operation}: ${info.meaning} [SANE_STATUS_${info.name === 'UNKNOWN' ? status : info.name}]`, info.action ?? 'reset', info.fault);
  }
}
