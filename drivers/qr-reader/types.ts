import type { Device, Unsubscribe } from '../device.js';
import type { PayloadEncoding } from './protocol/text.js';

/**
 * One scanned code. The payload may be citizen data (an e-ID or e-certificate code): it must never
 * reach a log; the core forwards it raw to the platform for verification and trusts nothing locally.
 */
export interface QrScan {
  /** The payload exactly as the reader sent it (terminator and AIM identifier removed). */
  bytes: Uint8Array;
  /** The payload as text when it is UTF-8 or GB18030; null for a binary code. */
  text: string | null;
  encoding: PayloadEncoding | null;
  /** AIM symbology identifier ("]Q1" = QR code) when the reader reports it. */
  symbology: string | null;
  /** When it was read (ms since epoch). */
  at: number;
}

/** The QR-reader interface the core and the workflows depend on. */
export interface QrReader extends Device {
  readonly kind: 'qr-reader';
  /** Every new scan (repeats of the same code within the duplicate window are collapsed). */
  onScan(listener: (scan: QrScan) => void): Unsubscribe;
  /** The next scan, or a typed 'timeout' / 'canceled' error. */
  nextScan(opts: { signal?: AbortSignal; timeoutMs: number }): Promise<QrScan>;
  /** Forgets recent codes, so the same code counts again (call when a session ends). */
  resetDuplicates(): void;
}
