import { z } from 'zod';
import { LocalText, RatingLevel } from './matters.js';

/*
 * The case query (查询办件) at the screen: "my cases" from the attract screen, by ID card, by the acceptance number
 * typed on the kiosk's digit pad, or by the receipt's QR code. The core owns the query (main/core/case-query.ts,
 * the session machine's `query` state, main/workflows/case-query.ts); the renderer renders `SessionView.query`
 * (screen 'query') and sends the `cases.*` requests below, each answered null or a typed error.
 *
 *   phase         what it shows                                   requests it takes
 *   ──────────    ────────────────────────────────────────────    ──────────────────────────────────────────
 *   choose        three ways: place the ID card, type the         cases.byNumber {digits} (the digits after
 *                 number (numberPrefix + numberDigits digits),     the prefix); a card on the reader or a
 *                 show the receipt's QR (qrReader)                 receipt's QR to the reader looks up by itself
 *   looking-up    progress ("正在查询…")                           —
 *   list          cases: state in words, dates, what to do         cases.select {id}; cases.back (choose)
 *   case          one case in full: history, reason, corrections,  cases.reprint (canReprint); cases.rate {level}
 *                 what next; reprint and rating when possible       (canRate); cases.back (the list, or choose)
 *   printing      the receipt is printing                         —
 *   reasons       不满意/非常不满意: the reasons to pick             cases.rateReasons {reasons, text}; cases.back
 *   sending       the rating is being recorded                     —
 *   not-found     nothing found, and why, in words                 cases.back; another number, card or QR
 *
 *   cases.close (any phase but the busy ones) leaves the query for the attract screen and forgets everything of it
 *   (the card's citizen included). Idle: the session's warning and wipe, as in a matter.
 *
 * Honesty: `source` says whether a state is the platform's (asked just now) or only what this kiosk knows; offline
 * (`platform: 'offline'`) `basis` says in words what the list is based on. Privacy: a case never carries the ID
 * number or the applicant's name; reprinting (which prints the masked name and number) needs the applicant's card.
 */

/**
 * A case's state: the platform's nine (main/platform/schemas.ts CASE_STATES; main/core/contract-enums.ts checks
 * the two lists agree), and three only this kiosk can say:
 *   queued           accepted here, not yet delivered to the platform (offline acceptance): nothing to do
 *   delivery-failed  accepted here, the platform refused it: staff resolve it (the case is not lost)
 *   at-platform      delivered (its case number is known) but the platform cannot be asked right now
 */
export const CaseStateKey = z.enum([
  'received',
  'accepted',
  'rejected',
  'correction-required',
  'in-review',
  'suspended',
  'completed',
  'delivered',
  'withdrawn',
  'queued',
  'delivery-failed',
  'at-platform',
]);
export type CaseStateKey = z.infer<typeof CaseStateKey>;

/** The kiosk's own three states (the rest are the platform's). */
export const KIOSK_CASE_STATES = ['queued', 'delivery-failed', 'at-platform'] as const satisfies readonly CaseStateKey[];

/** 'YYYY-MM-DD HH:mm' in China Standard Time. */
const ChinaTime = z.string().regex(/^\d{4}-\d{2}-\d{2} \d{2}:\d{2}$/);
const ChinaDate = z.string().regex(/^\d{4}-\d{2}-\d{2}$/);

export const CaseHistoryView = z.object({ state: CaseStateKey, words: LocalText, at: ChinaTime });
export type CaseHistoryView = z.infer<typeof CaseHistoryView>;

export const CaseView = z.object({
  /** Names the case in requests (cases.select {id}). */
  id: z.string().min(1).max(200),
  /** The kiosk's acceptance number printed on the receipt (受理编号), when the case was accepted at a kiosk. */
  acceptanceNumber: z.string().nullable(),
  /** The platform's case number (办件编号), once delivered. */
  caseNumber: z.string().nullable(),
  /** The matter's name from the catalog in use (or words saying it is not known here). */
  matter: LocalText,
  state: CaseStateKey,
  /** The state in words (the platform's names: 已受理, 待补正, 已办结 …). */
  stateWords: LocalText,
  /** 'platform': asked just now; 'kiosk': what this kiosk knows (not delivered yet, or the platform unreachable). */
  source: z.enum(['platform', 'kiosk']),
  /** What the citizen does next, in words (collect, correct, wait, nothing…). */
  next: LocalText,
  submittedAt: ChinaTime.nullable(),
  updatedAt: ChinaTime.nullable(),
  /** The promised completion date (承诺办结), when the matter has one. */
  promisedDate: ChinaDate.nullable(),
  history: z.array(CaseHistoryView),
  /** The office's words: why it was rejected, suspended or denied (Chinese, as the platform wrote them). */
  reason: z.string().nullable(),
  /** 待补正: everything to correct, at once (一次性告知). */
  corrections: z.array(z.string()),
  /** 已办结: 准予 or 不予. */
  decision: z.enum(['granted', 'denied']).nullable(),
  /** Rated already (one rating per case); null when it cannot be known now. */
  rated: z.boolean().nullable(),
  canRate: z.boolean(),
  canReprint: z.boolean(),
  /** Why the receipt cannot be reprinted here, when it cannot (e.g. the card is needed). */
  reprintNote: LocalText.nullable(),
  /** Accepted at this kiosk. */
  local: z.boolean(),
});
export type CaseView = z.infer<typeof CaseView>;

export const CaseQueryPhase = z.enum(['choose', 'looking-up', 'list', 'case', 'printing', 'reasons', 'sending', 'not-found']);
export type CaseQueryPhase = z.infer<typeof CaseQueryPhase>;

export const CaseQueryView = z.object({
  phase: CaseQueryPhase,
  /** How the cases shown were found. */
  how: z.enum(['card', 'number', 'qr']).nullable(),
  /** This kiosk's acceptance numbers: the prefix (the terminal id and a dash) and how many digits follow it (date and sequence). */
  numberPrefix: z.string(),
  numberDigits: z.number().int().positive(),
  /** The kiosk has a QR reader (offer "show the receipt's QR code"). */
  qrReader: z.boolean(),
  platform: z.enum(['online', 'offline']),
  cases: z.array(CaseView),
  /** The case shown (phase case, printing, reasons, sending). */
  selected: z.string().nullable(),
  /** What the citizen must know now (not found, printed, print failed, rated, rating failed…). */
  message: LocalText.nullable(),
  /** What the list is based on when it is not the platform's full answer (offline: only what this kiosk holds). */
  basis: LocalText.nullable(),
  /** The 好差评 reasons (asked for 不满意 and 非常不满意) and the level chosen. */
  rating: z.object({
    selected: RatingLevel.nullable(),
    reasons: z.array(z.object({ key: z.string(), label: LocalText })),
    contentVersion: z.string(),
  }),
  /** The masked name of the cardholder when the query is by card (their own cases). */
  holderName: z.string().nullable(),
});
export type CaseQueryView = z.infer<typeof CaseQueryView>;

const Empty = z.object({}).strict();

/** The case query's requests: params; every result is null. */
export const caseRequests = {
  /** From the attract screen: opens the query. */
  'cases.open': Empty,
  /** The digits typed after this kiosk's prefix (date and sequence of the acceptance number). */
  'cases.byNumber': z.object({ digits: z.string().regex(/^[0-9]{1,20}$/) }).strict(),
  'cases.select': z.object({ id: z.string().min(1).max(200) }).strict(),
  'cases.back': Empty,
  'cases.reprint': Empty,
  'cases.rate': z.object({ level: RatingLevel }).strict(),
  'cases.rateReasons': z
    .object({
      reasons: z.array(z.string().min(1).max(40)).min(1).max(20).refine((r) => new Set(r).size === r.length, { message: 'a reason is listed twice' }),
      text: z.string().max(200),
    })
    .strict(),
  'cases.close': Empty,
} as const;
export type CaseRequestName = keyof typeof caseRequests;
