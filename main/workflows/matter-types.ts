import type { LocalText, RatingLevel } from '../contract/index.js';

/**
 * What a running matter accumulates, and the inputs and outputs of the named actors the core
 * provides. Pure types plus one error class: the machines do no I/O; every side effect is one of
 * the actors below (submitCase, printReceipt, lookupCertificates, scanPages, takePayment,
 * submitRating), implemented by main/core and replaced by fakes in tests.
 */

/** An e-certificate as the matter keeps it: no citizen data beyond what the screen shows. */
export interface CertificateInfo {
  /** The platform's certificate id (attached to the submission instead of a scan). */
  id: string;
  type: string;
  title: string;
  issuer: string;
  /** YYYY-MM-DD */
  issuedOn: string;
  expiresOn: string | null;
}

export type MaterialProvision =
  | { by: 'e-certificate'; certificate: CertificateInfo }
  /** Scanned pages: the core holds the bytes; `refs` name the batches in order. */
  | { by: 'scan'; pages: number; refs: string[] }
  | { by: 'commitment' };

export interface PaymentApproval {
  /** The terminal's transaction reference. */
  transactionId: string;
  amountFen: number;
  /** ms since epoch */
  approvedAt: number;
  /** The idempotency key the sale was made under (matter key + step + attempt). */
  key: string;
}

/** What submitCase returns: the acceptance the receipt and the screen show. */
export interface Acceptance {
  acceptanceNumber: string;
  caseNumber: string | null;
  offline: boolean;
  /** Data URL of the QR code (payload: the acceptance number). */
  qr: string;
  /** YYYY-MM-DD, or null for 即办件. */
  promisedDate: string | null;
  /** ms since epoch */
  submittedAt: number;
}

export interface MatterData {
  /** Form values by field key (strings; '' = empty). */
  values: Record<string, string>;
  commitment: { decision: 'committed'; at: number } | { decision: 'declined' } | null;
  /** E-certificates found per material key (null: not looked up yet). */
  offers: Record<string, CertificateInfo | null> | null;
  /** Offers the citizen declined. */
  declinedOffers: string[];
  certificatesUnavailable: boolean;
  materials: Record<string, MaterialProvision>;
  payment: PaymentApproval | null;
  /** Sales that were declined (the next attempt uses a new key). */
  paymentAttempt: number;
  submission: Acceptance | null;
  rated: boolean;
}

export function emptyData(values: Record<string, string> = {}): MatterData {
  return { values, commitment: null, offers: null, declinedOffers: [], certificatesUnavailable: false, materials: {}, payment: null, paymentAttempt: 0, submission: null, rated: false };
}

/** A failure an actor reports to the citizen: words in both languages (never raw codes). */
export class StepError extends Error {
  override readonly name = 'StepError';
  constructor(
    readonly words: LocalText,
    options?: { cause?: unknown },
  ) {
    super(words.en, options);
  }
}

export const GENERIC_FAILURE: LocalText = { 'zh-CN': '操作没有成功，请重试或联系工作人员。', en: 'That did not work. Please try again or ask staff for help.' };

export function wordsOf(error: unknown): LocalText {
  return error instanceof StepError ? error.words : GENERIC_FAILURE;
}

// ---- actor inputs and outputs ----

export interface SubmitCaseInput {
  idempotencyKey: string;
  data: MatterData;
  /** When the citizen pressed 提交 (ms). */
  at: number;
}

export interface PrintReceiptInput {
  /** Matter key + ':print:' + attempt: a restarted print of the same attempt is not printed twice. */
  idempotencyKey: string;
  acceptance: Acceptance;
  data: MatterData;
}

export interface LookupCertificatesInput {
  types: string[];
}
/** By type, the holder's valid certificates, best first. */
export type LookupCertificatesOutput = Record<string, CertificateInfo[]>;

export interface ScanPagesInput {
  material: string;
  /** How many more pages this material may take. */
  maxPages: number;
}
/** Events the scanPages callback actor sends back. */
export type ScanEvent =
  | { type: 'SCAN_PROGRESS'; pagesDone: number; pageProgress: number | null }
  | { type: 'SCAN_DONE'; pages: number; ref: string }
  | { type: 'SCAN_FAILED'; words: LocalText };

export interface TakePaymentInput {
  /** Matter key + ':fee:' + attempt. The same key again asks the terminal for that sale's outcome. */
  idempotencyKey: string;
  amountFen: number;
  item: LocalText;
}
export type PaymentEvent =
  | { type: 'PAY_PROMPT'; message: LocalText }
  | { type: 'PAY_APPROVED'; approval: PaymentApproval }
  | { type: 'PAY_DECLINED'; words: LocalText }
  | { type: 'PAY_FAILED'; words: LocalText };

export interface SubmitRatingInput {
  /** The case's idempotency key: the rating references it and is delivered after it. */
  caseKey: string;
  level: RatingLevel;
  score: number;
  reasons: string[];
  text: string;
  contentVersion: string;
  at: number;
}

// ---- events the screens cause (the core adds `at` where time matters) ----

export type MatterEvent =
  | { type: 'NEXT' }
  | { type: 'BACK' }
  | { type: 'INPUT'; key: string; value: string }
  | { type: 'COMMIT'; at: number }
  | { type: 'DECLINE_COMMITMENT' }
  | { type: 'USE_CERTIFICATE'; material: string }
  | { type: 'DECLINE_CERTIFICATE'; material: string }
  | { type: 'SCAN'; material: string }
  | { type: 'REMOVE_PAGES'; material: string }
  | { type: 'USE_COMMITMENT'; material: string }
  | { type: 'PAY' }
  | { type: 'SUBMIT'; at: number }
  | { type: 'REPRINT' }
  | { type: 'RATE'; level: RatingLevel; at: number }
  | { type: 'RATE_REASONS'; reasons: string[]; text: string; at: number };

export type MatterEventType = MatterEvent['type'];

/** What a step machine finishes with: where to go, and what it adds to the matter's data. */
export interface StepOutput {
  result: 'next' | 'back';
  data: Partial<MatterData>;
}
