import { createHash, createHmac, randomBytes, timingSafeEqual } from 'node:crypto';

/**
 * Request signing shared by the client and the simulator.
 *
 *   X-Signature = hex(HMAC-SHA-256(key, S))
 *   S = METHOD "\n" PATH_WITH_QUERY "\n" X-Timestamp "\n" X-Nonce "\n" hex(SHA-256(body)) "\n"
 *       X-Terminal-Id "\n" Idempotency-Key "\n" If-None-Match
 *
 * METHOD is upper case; PATH_WITH_QUERY is the request target exactly as sent (e.g. `/v1/certificates?type=x&holder=y`);
 * TIMESTAMP is Unix milliseconds in decimal; the body hash of an empty body is the hash of zero bytes. The last three
 * lines are the header values exactly as sent (after the usual trimming of surrounding whitespace), or empty when the
 * header is absent: every header the platform acts on is signed, so a changed Idempotency-Key (which would file a
 * second case), terminal id (which scopes idempotency keys) or If-None-Match is a bad signature.
 * Pure functions except `newNonce` (random) — no I/O, no clock unless given.
 */

export const HEADER_TERMINAL = 'x-terminal-id';
export const HEADER_TIMESTAMP = 'x-timestamp';
export const HEADER_NONCE = 'x-nonce';
export const HEADER_SIGNATURE = 'x-signature';
export const HEADER_IDEMPOTENCY_KEY = 'idempotency-key';
export const HEADER_IF_NONE_MATCH = 'if-none-match';

export const DEFAULT_SKEW_MS = 300_000;

const TERMINAL_RE = /^[A-Za-z0-9_.-]{1,64}$/;
const NONCE_RE = /^[A-Za-z0-9_-]{16,128}$/;
const TIMESTAMP_RE = /^[0-9]{1,16}$/;
const SIGNATURE_RE = /^[0-9a-f]{64}$/;
/** A signed header value must be one line of visible ASCII and spaces (what HTTP allows, minus obs-text). */
const SIGNED_VALUE_RE = /^[\x20-\x7e]{0,8192}$/;

export function sha256Hex(bytes: Uint8Array | string): string {
  return createHash('sha256').update(bytes).digest('hex');
}

export interface SignatureInput {
  method: string;
  /** Path with query, exactly as it appears in the request line. */
  path: string;
  timestamp: number;
  nonce: string;
  /** hex SHA-256 of the body (of zero bytes when there is none). */
  bodySha256: string;
  terminalId: string;
  /** The Idempotency-Key header value as sent; absent = empty line. */
  idempotencyKey?: string | undefined;
  /** The If-None-Match header value as sent; absent = empty line. */
  ifNoneMatch?: string | undefined;
}

export function canonicalString(input: SignatureInput): string {
  return [
    input.method.toUpperCase(),
    input.path,
    String(input.timestamp),
    input.nonce,
    input.bodySha256,
    input.terminalId,
    (input.idempotencyKey ?? '').trim(),
    (input.ifNoneMatch ?? '').trim(),
  ].join('\n');
}

export function computeSignature(key: Uint8Array, input: SignatureInput): string {
  return createHmac('sha256', key).update(canonicalString(input), 'utf8').digest('hex');
}

export function newNonce(): string {
  return randomBytes(16).toString('hex');
}

export interface SignRequestInput {
  terminalId: string;
  key: Uint8Array;
  method: string;
  path: string;
  body?: Uint8Array;
  timestamp: number;
  nonce?: string;
  /** The signed headers the request carries (lower-case names: `idempotency-key`, `if-none-match`). */
  headers?: Readonly<Record<string, string | undefined>>;
}

/** The four signature headers for one request (lower-case names). The signed headers themselves are the caller's to send. */
export function signRequest(input: SignRequestInput): Record<string, string> {
  if (!TERMINAL_RE.test(input.terminalId)) throw new TypeError('signRequest: invalid terminalId');
  const nonce = input.nonce ?? newNonce();
  if (!NONCE_RE.test(nonce)) throw new TypeError('signRequest: invalid nonce');
  if (!Number.isSafeInteger(input.timestamp) || input.timestamp < 0) throw new TypeError('signRequest: invalid timestamp');
  const idempotencyKey = input.headers?.[HEADER_IDEMPOTENCY_KEY];
  const ifNoneMatch = input.headers?.[HEADER_IF_NONE_MATCH];
  for (const v of [idempotencyKey, ifNoneMatch]) if (v !== undefined && !SIGNED_VALUE_RE.test(v)) throw new TypeError('signRequest: a signed header value must be one line of visible ASCII');
  const signature = computeSignature(input.key, {
    method: input.method,
    path: input.path,
    timestamp: input.timestamp,
    nonce,
    bodySha256: sha256Hex(input.body ?? new Uint8Array(0)),
    terminalId: input.terminalId,
    idempotencyKey,
    ifNoneMatch,
  });
  return {
    [HEADER_TERMINAL]: input.terminalId,
    [HEADER_TIMESTAMP]: String(input.timestamp),
    [HEADER_NONCE]: nonce,
    [HEADER_SIGNATURE]: signature,
  };
}

/** Constant-time comparison of two hex signatures (false for different lengths or non-hex). */
export function signaturesEqual(a: string, b: string): boolean {
  if (!SIGNATURE_RE.test(a) || !SIGNATURE_RE.test(b)) return false;
  return timingSafeEqual(Buffer.from(a, 'hex'), Buffer.from(b, 'hex'));
}

export type VerifyFailure = 'unauthenticated' | 'unknown-terminal' | 'clock-skew' | 'bad-signature' | 'replayed-nonce';
export type VerifyResult = { ok: true; terminalId: string } | { ok: false; reason: VerifyFailure };

/** Remembers nonces for a bounded time; O(1) amortised per request (expiry sweeps from the oldest). */
export class NonceCache {
  private readonly seen = new Map<string, number>(); // scoped nonce -> expiry (ms), insertion ordered

  /** `retainMs`: how long a nonce is remembered when the caller gives no expiry of its own. */
  constructor(private readonly retainMs: number) {}

  /**
   * true if the nonce was fresh (and is now remembered until `expiresAt`, default now + retainMs),
   * false if it was already seen and has not expired.
   */
  checkAndRemember(scopedNonce: string, now: number, expiresAt?: number): boolean {
    this.sweep(now);
    const expiry = this.seen.get(scopedNonce);
    if (expiry !== undefined && expiry > now) return false;
    this.seen.delete(scopedNonce);
    this.seen.set(scopedNonce, expiresAt ?? now + this.retainMs);
    return true;
  }

  get size(): number {
    return this.seen.size;
  }

  clear(): void {
    this.seen.clear();
  }

  private sweep(now: number): void {
    // Entries are inserted with roughly non-decreasing expiry; stopping at the first live one keeps this O(1)
    // amortised, at the price of a few expired entries lingering a little longer (they still count as expired).
    for (const [nonce, expiry] of this.seen) {
      if (expiry > now) break;
      this.seen.delete(nonce);
    }
  }
}

export interface VerifyInput {
  method: string;
  path: string;
  headers: Readonly<Record<string, string | string[] | undefined>>;
  body: Uint8Array;
  now: number;
  skewMs?: number;
  /** Key for a terminal id, or undefined when the terminal is unknown. */
  keyFor: (terminalId: string) => Uint8Array | undefined;
  nonces: NonceCache;
}

function single(v: string | string[] | undefined): string | undefined {
  return typeof v === 'string' ? v : undefined;
}

/**
 * Checks the signature headers. Order: well-formed headers, known terminal, timestamp inside the window,
 * signature (constant time), and only then the nonce — so nobody can burn nonces without the key.
 */
export function verifyRequest(input: VerifyInput): VerifyResult {
  const terminalId = single(input.headers[HEADER_TERMINAL]);
  const ts = single(input.headers[HEADER_TIMESTAMP]);
  const nonce = single(input.headers[HEADER_NONCE]);
  const signature = single(input.headers[HEADER_SIGNATURE]);
  if (
    terminalId === undefined || !TERMINAL_RE.test(terminalId) ||
    ts === undefined || !TIMESTAMP_RE.test(ts) ||
    nonce === undefined || !NONCE_RE.test(nonce) ||
    signature === undefined || !SIGNATURE_RE.test(signature)
  ) {
    return { ok: false, reason: 'unauthenticated' };
  }
  const key = input.keyFor(terminalId);
  if (key === undefined) return { ok: false, reason: 'unknown-terminal' };
  const timestamp = Number(ts);
  const skew = input.skewMs ?? DEFAULT_SKEW_MS;
  if (Math.abs(input.now - timestamp) > skew) return { ok: false, reason: 'clock-skew' };
  const expected = computeSignature(key, {
    method: input.method,
    path: input.path,
    timestamp,
    nonce,
    bodySha256: sha256Hex(input.body),
    terminalId,
    idempotencyKey: single(input.headers[HEADER_IDEMPOTENCY_KEY]),
    ifNoneMatch: single(input.headers[HEADER_IF_NONE_MATCH]),
  });
  if (!signaturesEqual(expected, signature)) return { ok: false, reason: 'bad-signature' };
  // A request with this timestamp is refused by the skew check after timestamp + skew, so the nonce need not
  // be remembered longer than that (at most 2 × skew from now).
  if (!input.nonces.checkAndRemember(`${terminalId}\u0000${nonce}`, input.now, timestamp + skew + 1)) return { ok: false, reason: 'replayed-nonce' };
  return { ok: true, terminalId };
}

/**
 * The opaque applicant/holder token: hex HMAC-SHA-256(holderKey, idNumber). The kiosk sends this instead of the
 * ID number in e-certificate look-ups; the platform, holding the same key, maps it back to its records.
 */
export function holderToken(holderKey: Uint8Array, idNumber: string): string {
  return createHmac('sha256', holderKey).update(idNumber.trim().toUpperCase(), 'utf8').digest('hex');
}
