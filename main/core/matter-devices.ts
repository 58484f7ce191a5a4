import type { LocalText } from '../contract/index.js';

/**
 * The small interfaces the matter service needs of the document scanner and the payment pad. The
 * drivers of the second device generation (issue 9: SANE scanner, nexo payment pad) will implement
 * them; until then main/sim provides simulated ones (generated PNG pages; approval or decline), so
 * web mode works end to end. Everything here takes an AbortSignal: an idle wipe or a cancel aborts.
 */

export type MatterDeviceState = 'ready' | 'busy' | 'offline' | 'error';

export interface PageProgress {
  /** Pages finished so far in this scan. */
  pagesDone: number;
  /** Progress through the page being scanned (0-1), when the device says. */
  pageProgress: number | null;
}

/** A failure in words for the citizen, with the technician's reason (no citizen data). */
export class MatterDeviceError extends Error {
  override readonly name = 'MatterDeviceError';
  constructor(
    readonly words: LocalText,
    readonly reason: string,
    options?: { cause?: unknown },
  ) {
    super(reason, options);
  }
}

/** The document scanner, as the matter service uses it. */
export interface PageSource {
  readonly id: string;
  state(): MatterDeviceState;
  onState(listener: (s: MatterDeviceState) => void): () => void;
  /**
   * Scans what lies on the glass or in the feeder: up to `maxPages` pages, each a PNG image. Throws
   * MatterDeviceError (jam, no paper, offline) or the signal's reason when aborted.
   */
  scan(opts: { maxPages: number; signal: AbortSignal; onProgress(p: PageProgress): void }): Promise<Uint8Array[]>;
}

export type SaleOutcome =
  | { outcome: 'approved'; transactionId: string; amountFen: number; approvedAt: number }
  | { outcome: 'declined'; words: LocalText; reason: string };

/** The payment pad, as the matter service uses it. Every sale carries an idempotency key (matter + step + attempt). */
export interface PaymentTerminal {
  readonly id: string;
  state(): MatterDeviceState;
  onState(listener: (s: MatterDeviceState) => void): () => void;
  /**
   * One sale. The same key again does not charge twice: it returns that sale's outcome. `onPrompt`
   * passes on what the pad asks of the citizen (insert card, PIN…). Throws MatterDeviceError when the
   * outcome is unknown (link lost mid-sale): ask `status` with the same key.
   */
  sale(req: { key: string; amountFen: number; description: string; signal: AbortSignal; onPrompt(message: LocalText): void }): Promise<SaleOutcome>;
  /** The outcome of the sale made under `key`; 'unknown' when the pad never saw it. */
  status(key: string, signal: AbortSignal): Promise<SaleOutcome | { outcome: 'unknown' }>;
  /** Reverses an approved sale (a matter paid for but never submitted). Idempotent. */
  reverse(key: string, signal: AbortSignal): Promise<void>;
}
