import { z } from 'zod';

/**
 * Zod schemas of every body exchanged with the provincial platform (see openapi.json), and the facts about the API
 * the code acts on: error codes and how each is retried, request size limits, case states and their transitions.
 * Request bodies are strict (a typo in what we send is a bug); reply bodies are loose objects
 * (unknown fields are dropped) so a newer platform can add fields without breaking old kiosks.
 * Both the client and the simulator use these; the client validates every reply with them.
 * `test/main/platform/openapi.test.ts` and `contract.test.ts` check that openapi.json says the same.
 */

/** Lower-case hex SHA-256 (64 chars). */
export const Sha256Hex = z.string().regex(/^[0-9a-f]{64}$/, 'sha256 must be 64 lower-case hex characters');
export type Sha256Hex = z.infer<typeof Sha256Hex>;

/** Case numbers the platform issues: letters, digits and dashes (no citizen data). */
export const CaseNumber = z.string().regex(/^[A-Za-z0-9-]{1,64}$/, 'invalid case number');
export type CaseNumber = z.infer<typeof CaseNumber>;

/** An idempotency key (Stripe: up to 255 characters; visible ASCII, no double quote). */
export const IdempotencyKey = z.string().regex(/^[\x21\x23-\x7e]{1,255}$/, 'invalid idempotency key');
export type IdempotencyKey = z.infer<typeof IdempotencyKey>;

/**
 * The key named by an `Idempotency-Key` header value: the bare key, or the key as a Structured Field string in double
 * quotes (the IETF draft's form) without escapes. Both forms name the same key. undefined when malformed.
 */
export function idempotencyKeyOfHeader(value: string): string | undefined {
  const v = value.trim();
  if (/^"[\x21\x23-\x5b\x5d-\x7e]{1,255}"$/.test(v)) return v.slice(1, -1);
  return /^[\x21\x23-\x7e]{1,255}$/.test(v) ? v : undefined;
}

// ---- date-times ----

const DATE_TIME_RE = /^(\d{4})-(\d{2})-(\d{2})[Tt ](\d{2}):(\d{2}):(\d{2})(?:\.(\d+))?(?:([Zz])|([+-])(\d{2})(?::?(\d{2}))?)$/;
const DAYS_IN_MONTH = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];

function daysIn(year: number, month: number): number {
  const leap = year % 4 === 0 && (year % 100 !== 0 || year % 400 === 0);
  return month === 2 && leap ? 29 : (DAYS_IN_MONTH[month - 1] ?? 0);
}

/**
 * Epoch milliseconds of an RFC 3339 date-time, or undefined when it is not one. Accepts everything RFC 3339 §5.6 allows
 * (`T`/`t`, `Z`/`z`, any number of fraction digits, numeric offsets, a leap second `:60` at 23:59 UTC) and the ISO 8601
 * variants JSON Schema validators accept as `date-time` (a space for `T`, offsets `+hhmm` and `+hh`); an offset is
 * required. A leap second reads as the last millisecond of its minute (POSIX time has no 61st second); fractions
 * beyond milliseconds are truncated.
 */
export function parseDateTime(s: string): number | undefined {
  if (s.length > 100) return undefined;
  const m = DATE_TIME_RE.exec(s);
  if (!m) return undefined;
  const [year, month, day, hour, minute, second] = [m[1], m[2], m[3], m[4], m[5], m[6]].map(Number) as [number, number, number, number, number, number];
  const frac = m[7] ?? '';
  const sign = m[9] === '-' ? -1 : 1;
  const offH = Number(m[10] ?? 0);
  const offM = Number(m[11] ?? 0);
  if (month < 1 || month > 12 || day < 1 || day > daysIn(year, month)) return undefined;
  if (hour > 23 || minute > 59 || second > 60 || offH > 23 || offM > 59) return undefined;
  const offsetMin = m[8] !== undefined ? 0 : sign * (offH * 60 + offM);
  if (second === 60) {
    // Only at 23:59 UTC (RFC 3339 §5.7; the rule JSON Schema's date-time format applies).
    const utcMinutes = (((hour * 60 + minute - offsetMin) % 1440) + 1440) % 1440;
    if (utcMinutes !== 23 * 60 + 59) return undefined;
  }
  const d = new Date(0);
  d.setUTCFullYear(year, month - 1, day);
  d.setUTCHours(hour, minute, second === 60 ? 59 : second, second === 60 ? 999 : Number(frac.padEnd(3, '0').slice(0, 3)));
  const ms = d.getTime() - offsetMin * 60_000;
  return Number.isFinite(ms) ? ms : undefined;
}

/** The one form the kiosk and the simulator emit: `YYYY-MM-DDTHH:mm:ss.sssZ` (UTC, milliseconds). */
export function canonicalDateTime(ms: number): string {
  return new Date(ms).toISOString();
}

/**
 * A date-time on input: anything `parseDateTime` accepts; the parsed value is the canonical form, so everything past
 * this schema (the core, the store, what we send) sees one spelling.
 */
export const DateTime = z.string().transform((s, ctx) => {
  // One parse: the check and the canonical form together (a refine and a transform parsed it twice).
  const ms = parseDateTime(s);
  const canonical = ms === undefined ? undefined : canonicalDateTime(ms);
  if (canonical === undefined || !/^\d{4}-/.test(canonical)) {
    ctx.issues.push({ code: 'custom', message: 'must be an RFC 3339 date-time with an offset', input: s });
    return z.NEVER;
  }
  return canonical;
});
export type DateTime = z.infer<typeof DateTime>;

// ---- errors ----

/** Codes the platform (and the simulator) use in ErrorBody.code. */
export const PlatformErrorCodes = [
  'unauthenticated', // 401 missing or malformed signature headers
  'unknown-terminal', // 401
  'bad-signature', // 401
  'clock-skew', // 401 X-Timestamp outside the skew window
  'replayed-nonce', // 401 X-Nonce already seen inside the window
  'idempotency-key-missing', // 400
  'idempotency-key-invalid', // 400
  'idempotency-key-reused', // 422: same key, different body
  'request-in-progress', // 409: the first request with this key is still being processed
  'invalid-body', // 400
  'attachment-missing', // 422: a referenced attachment was never uploaded
  'hash-mismatch', // 422: attachment body does not hash to the path
  'not-found', // 404
  'rating-conflict', // 409: the case was already rated differently (permanent)
  'payload-too-large', // 413
  'request-timeout', // 408
  'rate-limited', // 429
  'internal', // 500
  'bad-gateway', // 502
  'unavailable', // 503
  // Outside the /v1 operations (simulator routes only):
  'method-not-allowed', // 405
  'forbidden', // 403 (simulator admin routes from a non-loopback peer)
  'invalid-transition', // 409 (simulator control route: that case state cannot follow the current one)
] as const;
export type PlatformErrorCode = (typeof PlatformErrorCodes)[number];

/**
 * What the kiosk does with each documented error, by status and code:
 *  - `permanent`: retrying the same request can never succeed — the entry becomes a dead letter a technician sees;
 *  - `transient`: retry with backoff (never sooner than Retry-After);
 *  - `clock`: the kiosk's clock is off — learn the platform's time, re-sign, retry.
 * Anything else (an undocumented status or code, or a reply that is not the platform's JSON error body, such as a
 * proxy's HTML page) is retried: only the platform's own documented permanent refusal makes a dead letter.
 * openapi.json lists exactly these codes on each status (checked by the contract test).
 */
export const ERROR_CLASSES = {
  400: { 'idempotency-key-missing': 'permanent', 'idempotency-key-invalid': 'permanent', 'invalid-body': 'permanent' },
  401: { unauthenticated: 'permanent', 'unknown-terminal': 'permanent', 'bad-signature': 'permanent', 'clock-skew': 'clock', 'replayed-nonce': 'transient' },
  404: { 'not-found': 'permanent' },
  408: { 'request-timeout': 'transient' },
  409: { 'request-in-progress': 'transient', 'rating-conflict': 'permanent' },
  413: { 'payload-too-large': 'permanent' },
  422: { 'idempotency-key-reused': 'permanent', 'attachment-missing': 'permanent', 'hash-mismatch': 'permanent' },
  429: { 'rate-limited': 'transient' },
  500: { internal: 'transient' },
  502: { 'bad-gateway': 'transient' },
  503: { unavailable: 'transient' },
} as const satisfies Record<number, Partial<Record<PlatformErrorCode, 'permanent' | 'transient' | 'clock'>>>;
export type ErrorClass = 'permanent' | 'transient' | 'clock';

/** The documented class of (status, code), or undefined when the platform never documented that pair. */
export function errorClass(status: number, code: string): ErrorClass | undefined {
  const byCode = (ERROR_CLASSES as Record<number, Record<string, ErrorClass> | undefined>)[status];
  return byCode !== undefined && Object.hasOwn(byCode, code) ? byCode[code] : undefined;
}

/** Error body of every non-2xx reply. `code` is machine-readable; `message` never holds citizen data. */
export const ErrorBody = z.object({
  code: z.string().min(1).max(100),
  message: z.string().max(2000),
  /** The platform's clock when it answered (sent with `clock-skew`), so the kiosk can correct its own. */
  serverTime: DateTime.optional(),
});
export type ErrorBody = z.infer<typeof ErrorBody>;

// ---- size limits ----

/**
 * Largest request body each operation accepts, in bytes (openapi.json `x-max-request-bytes`); more is 413
 * `payload-too-large`. Operations without a body accept none. The client refuses an oversized request before sending
 * it, and the core refuses an oversized submission before accepting it (`checkCaseSubmissionSize`, `caseSubmissionSizeFromFields`).
 */
export const REQUEST_LIMITS = {
  health: 0,
  getCatalog: 0,
  putAttachment: 64 * 1024 * 1024,
  submitCase: 1024 * 1024,
  listCases: 0,
  caseStatus: 0,
  submitRating: 16 * 1024,
  lookupCertificate: 0,
  verifyCode: 8 * 1024,
} as const;
export type OperationId = keyof typeof REQUEST_LIMITS;

// ---- bodies ----

export const Health = z.object({
  status: z.enum(['ok', 'degraded']),
  time: DateTime,
  version: z.string().max(100).optional(),
});
export type Health = z.infer<typeof Health>;

/** The matter catalog is opaque to this layer (main/catalog owns its format); it only must carry a version. */
export const Catalog = z.looseObject({
  version: z.union([z.string().min(1).max(200), z.number()]),
});
export type Catalog = z.infer<typeof Catalog>;

/** The longest kiosk acceptance number the platform takes (localAcceptanceNumber); terminal ids are sized from it. */
export const ACCEPTANCE_NUMBER_MAX = 64;

/** Most attachments one case submission may reference. */
export const CASE_ATTACHMENTS_MAX = 200;

/**
 * One application. The platform receives the data in the clear over the (encrypted) channel;
 * `applicantToken` is an opaque token for the applicant, never the ID number itself: the holder token
 * (hex HMAC-SHA-256(holderKey, ID number), `holderToken` in signing.ts), so "my cases" can be listed by it.
 */
export const CaseSubmission = z.strictObject({
  /** 'matter' for a single matter, 'bundle' for a one-thing-one-visit bundle (free text for forward compatibility). */
  kind: z.string().min(1).max(64),
  matterCode: z.string().min(1).max(128),
  /** When the citizen submitted at the kiosk (possibly long before delivery when offline). */
  submittedAt: DateTime,
  applicantToken: z.string().min(1).max(256),
  form: z.record(z.string(), z.unknown()),
  attachments: z.array(Sha256Hex).max(CASE_ATTACHMENTS_MAX),
  /** The kiosk's own acceptance number printed on the receipt (offline acceptance). */
  localAcceptanceNumber: z.string().min(1).max(ACCEPTANCE_NUMBER_MAX).optional(),
  /** Test submissions (technician self-test) are stored but never worked on. */
  test: z.boolean().optional(),
});
export type CaseSubmission = z.infer<typeof CaseSubmission>;

export const CaseReceipt = z.object({
  caseNumber: CaseNumber,
  receivedAt: DateTime,
});
export type CaseReceipt = z.infer<typeof CaseReceipt>;

/**
 * Case states (办件状态), after the fact sheet's suggested enum (matters-ratings-ecert.md §4; the national codes are
 * unverified, so these are ours and openapi.json declares them):
 */
export const CASE_STATES = {
  received: { zh: '已提交（待受理）', en: 'Submitted, awaiting acceptance' },
  accepted: { zh: '已受理', en: 'Accepted' },
  rejected: { zh: '不予受理', en: 'Not accepted' },
  'correction-required': { zh: '待补正', en: 'Corrections required' },
  'in-review': { zh: '办理中', en: 'In progress' },
  suspended: { zh: '特殊程序/挂起', en: 'Suspended' },
  completed: { zh: '已办结', en: 'Completed' },
  delivered: { zh: '已送达/已领取', en: 'Delivered' },
  withdrawn: { zh: '已撤回', en: 'Withdrawn' },
} as const;
export const CaseState = z.enum(Object.keys(CASE_STATES) as [keyof typeof CASE_STATES, ...(keyof typeof CASE_STATES)[]]);
export type CaseState = z.infer<typeof CaseState>;

/** 已办结 准予 / 不予: the decision of a completed (or delivered) case. */
export const CaseDecision = z.enum(['granted', 'denied']);
export type CaseDecision = z.infer<typeof CaseDecision>;

/**
 * Which state may follow which (the simulator enforces it; a platform may be stricter). `rejected`, `delivered` and
 * `withdrawn` are final. 补正 may be asked before acceptance (行政许可法 §32) or during review.
 */
export const CASE_TRANSITIONS: Readonly<Record<CaseState, readonly CaseState[]>> = {
  received: ['accepted', 'rejected', 'correction-required', 'withdrawn'],
  'correction-required': ['received', 'accepted', 'in-review', 'rejected', 'withdrawn'],
  accepted: ['in-review', 'correction-required', 'suspended', 'completed', 'withdrawn'],
  'in-review': ['correction-required', 'suspended', 'completed', 'withdrawn'],
  suspended: ['in-review', 'completed', 'withdrawn'],
  completed: ['delivered'],
  rejected: [],
  delivered: [],
  withdrawn: [],
};

export const CaseHistoryEntry = z.object({
  state: CaseState,
  at: DateTime,
  reason: z.string().max(2000).optional(),
});
export type CaseHistoryEntry = z.infer<typeof CaseHistoryEntry>;

/** Fields a state carries: `reason` for rejected, suspended and denied; `corrections` (一次性告知) for correction-required. */
export interface CaseStateDetail {
  reason?: string | undefined;
  corrections?: readonly string[] | undefined;
  decision?: CaseDecision | undefined;
}

/** Why a state and its detail do not fit together; undefined when they do. */
export function caseStateProblem(state: CaseState, d: CaseStateDetail): string | undefined {
  const hasReason = d.reason !== undefined && d.reason.length > 0;
  if ((state === 'rejected' || state === 'suspended') && !hasReason) return `${state} needs a reason`;
  if (state === 'correction-required' && (d.corrections === undefined || d.corrections.length === 0)) return 'correction-required needs the list of corrections';
  if (state !== 'correction-required' && d.corrections !== undefined) return 'corrections belong to correction-required only';
  if (state === 'completed' || state === 'delivered') {
    if (d.decision === undefined) return `${state} needs a decision (granted or denied)`;
    if (d.decision === 'denied' && !hasReason) return 'a denied case needs a reason';
  } else if (d.decision !== undefined) return 'a decision belongs to completed or delivered only';
  return undefined;
}

export const CaseStatus = z
  .object({
    caseNumber: CaseNumber,
    state: CaseState,
    receivedAt: DateTime,
    /** Last change: a state change or the rating. */
    updatedAt: DateTime,
    rated: z.boolean(),
    /** completed / delivered: 准予 (granted) or 不予 (denied). */
    decision: CaseDecision.optional(),
    /** rejected (why, and which office to go to), suspended, denied; optional otherwise. */
    reason: z.string().min(1).max(2000).optional(),
    /** correction-required: everything to fix, told at once (一次性告知). */
    corrections: z.array(z.string().min(1).max(500)).min(1).max(50).optional(),
    matterCode: z.string().min(1).max(128).optional(),
    localAcceptanceNumber: z.string().min(1).max(ACCEPTANCE_NUMBER_MAX).optional(),
    /** State changes, oldest first (the first is `received`). */
    history: z.array(CaseHistoryEntry).max(100).optional(),
  })
  .superRefine((v, ctx) => {
    const problem = caseStateProblem(v.state, v);
    if (problem !== undefined) ctx.addIssue({ code: 'custom', message: problem, path: ['state'] });
  });
export type CaseStatus = z.infer<typeof CaseStatus>;

/** The cases of one holder (GET /v1/cases?holder=), newest first. */
export const CaseList = z.object({
  cases: z.array(CaseStatus).max(100),
});
export type CaseList = z.infer<typeof CaseList>;

/** 差评 reasons as keys of the versioned rating content (the catalog's or the platform's). */
export const RatingReasonKey = z.string().regex(/^[a-z][a-z0-9-]{0,39}$/, 'invalid rating reason');

export const Rating = z.strictObject({
  score: z.number().int().min(1).max(5),
  comment: z.string().max(500).optional(),
  /** The reasons chosen (asked for scores 1 and 2, 不满意/非常不满意). */
  reasons: z.array(RatingReasonKey).max(20).optional(),
  /** The version of the rating content the reasons come from. */
  contentVersion: z.string().min(1).max(64).optional(),
});
export type Rating = z.infer<typeof Rating>;

export const RatingReceipt = z.object({
  caseNumber: CaseNumber,
  score: z.number().int().min(1).max(5),
  comment: z.string().max(500).optional(),
  reasons: z.array(RatingReasonKey).max(20).optional(),
  contentVersion: z.string().min(1).max(64).optional(),
  ratedAt: DateTime,
});
export type RatingReceipt = z.infer<typeof RatingReceipt>;

export const AttachmentReceipt = z.object({
  sha256: Sha256Hex,
  size: z.number().int().nonnegative(),
});
export type AttachmentReceipt = z.infer<typeof AttachmentReceipt>;

/** The holder token: HMAC-SHA-256(holderKey, idNumber) in hex, never the ID number. */
export const HolderToken = z.string().regex(/^[0-9a-f]{64}$/, 'holder must be 64 lower-case hex characters');

/** Certificate look-up query. */
export const CertificateQuery = z.strictObject({
  type: z.string().regex(/^[A-Za-z0-9_.-]{1,64}$/),
  holder: HolderToken,
});
export type CertificateQuery = z.infer<typeof CertificateQuery>;

export const Certificate = z.object({
  id: z.string().min(1).max(128),
  type: z.string().min(1).max(64),
  title: z.string().max(200),
  issuer: z.string().max(200),
  issuedAt: DateTime,
  expiresAt: DateTime.optional(),
  /** Issuer-defined fields (the kiosk shows them, prints them or attaches them instead of a scan). */
  data: z.record(z.string(), z.unknown()),
});
export type Certificate = z.infer<typeof Certificate>;

export const CertificateList = z.object({
  certificates: z.array(Certificate).max(100),
});
export type CertificateList = z.infer<typeof CertificateList>;

/**
 * A code the citizen showed the kiosk's QR reader (an e-certificate's or an e-ID's code), forwarded raw for
 * the platform to verify: the kiosk trusts nothing in it. `code` is the payload's bytes in base64 (at most
 * 4096 bytes); `holder` the holder token of the citizen at the kiosk, so the platform can say whether the
 * code is theirs without the kiosk learning whose it is.
 */
export const CodeVerification = z.strictObject({
  code: z.string().min(4).max(5464).regex(/^[A-Za-z0-9+/]+={0,2}$/, 'code must be base64'),
  holder: HolderToken,
});
export type CodeVerification = z.infer<typeof CodeVerification>;

export const CODE_KINDS = ['e-certificate', 'e-id'] as const;
export const CODE_INVALID_REASONS = ['unknown', 'malformed', 'expired', 'revoked'] as const;

/** The platform's verdict on a code: the certificate it stands for (an e-ID as a certificate of type `e-id`), or why not. */
export const CodeVerdict = z.discriminatedUnion('result', [
  z.object({ result: z.literal('valid'), kind: z.enum(CODE_KINDS), certificate: Certificate, holderMatches: z.boolean() }),
  z.object({ result: z.literal('invalid'), reason: z.enum(CODE_INVALID_REASONS) }),
]);
export type CodeVerdict = z.infer<typeof CodeVerdict>;
