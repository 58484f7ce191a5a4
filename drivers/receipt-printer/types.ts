import { DeviceError, isDeviceError, type Device, type NextAction, type Unsubscribe } from '../device.js';
import type { EscPosEncoder } from './protocol/encoder.js';
import type { PrinterProfile } from './protocol/profiles.js';
import type { PrinterStatus } from './protocol/status.js';

/** The receipt-printer interface the core and the workflows depend on; the ESC/POS printer implements it. */
export interface ReceiptPrinter extends Device {
  readonly kind: 'receipt-printer';
  /** Paper width, dots, characters per line. */
  readonly profile: PrinterProfile;
  /**
   * Prints ESC/POS bytes (or an encoder's output). Jobs run one at a time, in call order. Nothing is
   * sent when the printer reports a blocking fault; rejects with a PrintJobError saying how much was sent.
   */
  print(job: Uint8Array | EscPosEncoder, opts?: { signal?: AbortSignal }): Promise<void>;
  /** Reads the real-time status (DLE EOT 1–4). */
  printerStatus(signal?: AbortSignal): Promise<PrinterStatus>;
  /** The last status read (DLE EOT or ASB), if any. */
  readonly lastPrinterStatus: PrinterStatus | undefined;
  /** Every Automatic Status Back block the printer sends (decoded). */
  onAsb(listener: (s: PrinterStatus) => void): Unsubscribe;
}

/** A print job failed; `sentBytes` of `totalBytes` reached the printer. */
export class PrintJobError extends DeviceError {
  constructor(
    code: DeviceError['code'],
    message: string,
    action: NextAction,
    fault: string | undefined,
    readonly sentBytes: number,
    readonly totalBytes: number,
    options?: { cause?: unknown },
  ) {
    super('receipt-printer', code, message, action, fault, options);
  }

  static from(e: unknown, sent: number, total: number): PrintJobError {
    if (e instanceof PrintJobError) return e;
    if (isDeviceError(e)) return new PrintJobError(e.code, e.message, e.action, e.fault, sent, total, { cause: e });
    return new PrintJobError('protocol', e instanceof Error ? e.message : 'print failed', 'reset', undefined, sent, total, { cause: e });
  }
}
