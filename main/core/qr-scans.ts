/**
 * Codes shown to the kiosk's QR reader, as the core hands them on:
 *
 * - a receipt's QR carries its acceptance number (drivers/receipt-printer/templates.ts prints
 *   `qrPayload: acceptanceNumber`): the attract screen's case look-up uses it;
 * - anything else (an e-certificate's or an e-ID's code, a URL…) is a `code`: forwarded raw to the platform
 *   for verification (POST /v1/codes/verify), never trusted, parsed or logged here.
 *
 * A matter step that accepts codes (the materials step, through its acceptCodes actor) claims the reader
 * while it waits: its scans go to it alone. Every other scan goes to `onScan` listeners and, for the
 * renderer, to the `qr.scanned` push (main/contract/messages.ts), which carries the acceptance number
 * but never a code's payload.
 */
import { Emitter, type Unsubscribe } from '../../drivers/device.js';
import type { QrReader, QrScan } from '../../drivers/qr-reader/types.js';
import { ACCEPTANCE_NUMBER } from './delivery.js';

export type ScannedCode =
  /** A receipt's QR code: the acceptance number printed on it (this kiosk's or another's). */
  | { kind: 'acceptance-number'; acceptanceNumber: string; at: number }
  /** Any other code: its bytes exactly as read, for the platform to verify. Possibly citizen data: never log it. */
  | { kind: 'code'; bytes: Uint8Array; at: number };

/** What a scan is: an acceptance number (text of that shape), or a code for the platform. */
export function classifyScan(scan: QrScan): ScannedCode {
  const text = scan.text?.trim();
  if (text !== undefined && ACCEPTANCE_NUMBER.test(text)) return { kind: 'acceptance-number', acceptanceNumber: text, at: scan.at };
  return { kind: 'code', bytes: scan.bytes, at: scan.at };
}

export class QrScans {
  readonly #reader: QrReader | null;
  readonly #listeners = new Emitter<ScannedCode>();
  readonly #claims: ((code: ScannedCode) => void)[] = [];
  readonly #off: Unsubscribe | undefined;

  constructor(reader: QrReader | null) {
    this.#reader = reader;
    this.#off = reader?.onScan((s) => this.deliver(classifyScan(s)));
  }

  /** Whether the kiosk has a QR reader at all. */
  get present(): boolean {
    return this.#reader !== null;
  }

  /** Every scan no matter step has claimed: the attract screen's case look-up, the renderer's push. */
  onScan(listener: (code: ScannedCode) => void): Unsubscribe {
    return this.#listeners.on(listener);
  }

  /** While held, every scan goes to `handler` alone (the latest claim wins). */
  claim(handler: (code: ScannedCode) => void): Unsubscribe {
    this.#claims.push(handler);
    return () => {
      const i = this.#claims.lastIndexOf(handler);
      if (i >= 0) this.#claims.splice(i, 1);
    };
  }

  /** Hands a scan on (the reader's scans come through here). */
  deliver(code: ScannedCode): void {
    const claimant = this.#claims.at(-1);
    if (claimant) {
      try {
        claimant(code);
      } catch {
        // a faulty claimant must not stop the reader
      }
      return;
    }
    this.#listeners.emit(code);
  }

  /** A new citizen may show the same code again: forget the recent ones. */
  reset(): void {
    this.#reader?.resetDuplicates();
  }

  close(): void {
    this.#off?.();
    this.#listeners.clear();
    this.#claims.length = 0;
  }
}
