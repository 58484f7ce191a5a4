import { z } from 'zod';

/**
 * Zod schemas of every body exchanged with the provincial platform (see openapi.json).
 * Request bodies are strict (a typo in what we send is a bug); reply bodies are loose objects
 * (unknown fields are dropped) so a newer platform can add fields without breaking old kiosks.
 * Both the client and the simulator use these; the client validates every reply with them.
 */

/** Lower-case hex SHA-256 (64 chars). */
export const Sha256Hex = z.string().regex(/^[0-9a-f]{64}$/, 'sha256 must be 64 lower-case hex characters');
export type Sha256Hex = z.infer<typeof Sha256Hex>;

/** Case numbers the platform issues: letters, digits and dashes (no citizen data). */
export const CaseNumber = z.string().regex(/^[A-Za-z0-9-]{1,64}$/, 'invalid case number');
export type CaseNumber = z.infer<typeof CaseNumber>;

/** Idempotency-Key header value (Stripe: up to 255 characters; visible ASCII, no quotes). */
export const IdempotencyKey = z.string().regex(/^[\x21\x23-\x7e]{1,255}$/, 'invalid idempotency key');
export type IdempotencyKey = z.infer<typeof IdempotencyKey>;

/** ISO-8601 date-time with offset (e.g. 2025-01-02T03:04:05.000Z). */
const Timestamp = z.iso.datetime({ offset: true });

/** Error body of every non-2xx reply. `code` is machine-readable; `message` never holds citizen data. */
export const ErrorBody = z.object({
  code: z.string().min(1).max(100),
  message: z.string().max(2000),
});
export type ErrorBody = z.infer<typeof ErrorBody>;

/** Codes the platform (and the simulator) use in ErrorBody.code. */
export const PlatformErrorCodes = [
  'unauthenticated', // missing or malformed signature headers
  'unknown-terminal',
  'bad-signature',
  'clock-skew', // X-Timestamp outside the skew window
  'replayed-nonce', // X-Nonce already seen inside the window
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
  'method-not-allowed', // 405
  'forbidden', // 403 (simulator admin routes from a non-loopback peer)
  'rate-limited', // 429
  'unavailable', // 503
  'internal', // 500
] as const;
export type PlatformErrorCode = (typeof PlatformErrorCodes)[number];

export const Health = z.object({
  status: z.enum(['ok', 'degraded']),
  time: Timestamp,
  version: z.string().max(100).optional(),
});
export type Health = z.infer<typeof Health>;

/** The matter catalog is opaque to this layer (main/catalog owns its format); it only must carry a version. */
export const Catalog = z.looseObject({
  version: z.union([z.string().min(1).max(200), z.number()]),
});
export type Catalog = z.infer<typeof Catalog>;

/**
 * One application. The platform receives the data in the clear over the (encrypted) channel;
 * `applicantToken` is an opaque token for the applicant (HMAC of the ID number), never the number itself.
 */
export const CaseSubmission = z.strictObject({
  /** 'matter' for a single matter, 'bundle' for a one-thing-one-visit bundle (free text for forward compatibility). */
  kind: z.string().min(1).max(64),
  matterCode: z.string().min(1).max(128),
  /** When the citizen submitted at the kiosk (possibly long before delivery when offline). */
  submittedAt: Timestamp,
  applicantToken: z.string().min(1).max(256),
  form: z.record(z.string(), z.unknown()),
  attachments: z.array(Sha256Hex).max(200),
  /** The kiosk's own acceptance number printed on the receipt (offline acceptance). */
  localAcceptanceNumber: z.string().min(1).max(64).optional(),
  /** Test submissions (technician self-test) are stored but never worked on. */
  test: z.boolean().optional(),
});
export type CaseSubmission = z.infer<typeof CaseSubmission>;

export const CaseReceipt = z.object({
  caseNumber: CaseNumber,
  receivedAt: Timestamp,
});
export type CaseReceipt = z.infer<typeof CaseReceipt>;

export const CaseState = z.enum(['received', 'in-review', 'completed', 'rejected']);
export type CaseState = z.infer<typeof CaseState>;

export const CaseStatus = z.object({
  caseNumber: CaseNumber,
  state: CaseState,
  receivedAt: Timestamp,
  updatedAt: Timestamp,
  rated: z.boolean(),
});
export type CaseStatus = z.infer<typeof CaseStatus>;

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
  ratedAt: Timestamp,
});
export type RatingReceipt = z.infer<typeof RatingReceipt>;

export const AttachmentReceipt = z.object({
  sha256: Sha256Hex,
  size: z.number().int().nonnegative(),
});
export type AttachmentReceipt = z.infer<typeof AttachmentReceipt>;

/** Certificate look-up query: `holder` is HMAC-SHA-256(holderKey, idNumber) in hex, never the ID number. */
export const CertificateQuery = z.strictObject({
  type: z.string().regex(/^[A-Za-z0-9_.-]{1,64}$/),
  holder: z.string().regex(/^[0-9a-f]{64}$/),
});
export type CertificateQuery = z.infer<typeof CertificateQuery>;

export const Certificate = z.object({
  id: z.string().min(1).max(128),
  type: z.string().min(1).max(64),
  title: z.string().max(200),
  issuer: z.string().max(200),
  issuedAt: Timestamp,
  expiresAt: Timestamp.optional(),
  /** Issuer-defined fields (the kiosk shows them, prints them or attaches them instead of a scan). */
  data: z.record(z.string(), z.unknown()),
});
export type Certificate = z.infer<typeof Certificate>;

export const CertificateList = z.object({
  certificates: z.array(Certificate).max(100),
});
export type CertificateList = z.infer<typeof CertificateList>;
