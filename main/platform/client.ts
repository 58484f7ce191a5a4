import * as http from 'node:http';
import * as https from 'node:https';
import type { IncomingHttpHeaders } from 'node:http';
import type { z } from 'zod';
import {
  AttachmentReceipt,
  CaseList,
  CaseNumber,
  CaseReceipt,
  CaseStatus,
  CaseSubmission,
  Catalog,
  CertificateList,
  CodeVerdict,
  CodeVerification,
  CertificateQuery,
  ErrorBody,
  Health,
  HolderToken,
  IdempotencyKey,
  REQUEST_LIMITS,
  ACCEPTANCE_NUMBER_MAX,
  CASE_ATTACHMENTS_MAX,
  Rating,
  RatingReceipt,
  Sha256Hex,
  errorClass,
  parseDateTime,
} from './schemas.js';
import { sha256Hex, signRequest } from './signing.js';

/**
 * Signed HTTP client for the provincial platform (see openapi.json).
 *
 * Every method returns an Outcome and never throws for network or HTTP problems:
 *  - `ok`: the expected reply, validated with its zod schema (date-times in canonical form);
 *  - `retryable`: network error, timeout, a transient error the platform documents (5xx, 408, 429, 409
 *    request-in-progress, 401 replayed-nonce), a clock the platform still refuses, a reply that fails validation
 *    ('bad-reply'), and anything that is not the platform speaking ('not-platform': HTML from a proxy or captive
 *    portal, a redirect, an error without the platform's JSON body, an error code the platform never documented);
 *  - `permanent`: the platform's own JSON error body with a code it documents as permanent for that status
 *    (ERROR_CLASSES in schemas.ts), or a request refused locally before sending (status 0) — dead-letter material.
 * A 401 `clock-skew` is handled inside: the client learns the platform's time from the error body's `serverTime` (or
 * the `Date` header), signs again with the corrected time and retries once; the offset is kept for later requests
 * (`clock`, `onClockChange`).
 * It throws only for programmer errors (bad options) and rethrows the caller's AbortSignal reason when the caller aborts.
 * It never logs: bodies hold citizen data.
 */

export type RetryReason = 'network' | 'timeout' | 'status' | 'bad-reply' | 'not-platform' | 'clock-skew';

export type Outcome<T> =
  | { kind: 'ok'; status: number; value: T; replayed?: boolean }
  | { kind: 'retryable'; reason: RetryReason; status?: number; retryAfterMs?: number; code?: string }
  | { kind: 'permanent'; status: number; code: string; message: string };

export type CatalogFetch = { kind: 'not-modified' } | { kind: 'catalog'; etag: string | undefined; catalog: Catalog };

export interface AttachmentUpload {
  receipt: AttachmentReceipt;
  /** true when this upload created it (201); false when the platform already had it (200). */
  created: boolean;
}

/** What the client knows about the kiosk's clock against the platform's. */
export interface ClockInfo {
  /** Added to the kiosk clock when signing (platform time − kiosk time), learned from a `clock-skew` refusal. */
  offsetMs: number;
  /** Where `offsetMs` came from. */
  source: 'none' | 'initial' | 'error-body' | 'date-header';
  /** Kiosk time when it was learned; null if never. */
  learnedAt: number | null;
  /** The last offset measured from a platform reply's `Date` header (±1 s), whether or not it was needed; null if none yet. */
  observedOffsetMs: number | null;
}

export interface PlatformClientOptions {
  baseUrl: string;
  terminalId: string;
  /** HMAC key: raw bytes, or a base64 string. */
  key: Uint8Array | string;
  /** Whole-request timeout (connect, send, reply body) per call. */
  timeoutMs: number;
  /** Clock for X-Timestamp and Retry-After dates (tests). */
  now?: () => number;
  /** A clock offset learned earlier (e.g. kept across a restart); default 0. */
  clockOffsetMs?: number;
  /** Largest reply body accepted (default 8 MiB); bigger is a bad reply. */
  maxReplyBytes?: number;
  /** Keep connections alive between calls (default true). */
  keepAlive?: boolean;
}

export class PlatformClientOptionsError extends Error {
  override readonly name = 'PlatformClientOptionsError';
}

type Raw =
  | { kind: 'reply'; status: number; headers: IncomingHttpHeaders; body: Buffer; sentAt: number; receivedAt: number; offsetUsed: number }
  | { kind: 'network'; code: string }
  | { kind: 'timeout' }
  | { kind: 'too-large'; status: number };

const NETWORK_CODE_RE = /^[A-Z0-9_]{2,40}$/;

function networkCode(err: unknown): string {
  if (err && typeof err === 'object') {
    const code = (err as { code?: unknown }).code;
    if (typeof code === 'string' && NETWORK_CODE_RE.test(code)) return code;
    const message = (err as { message?: unknown }).message;
    if (typeof message === 'string') {
      if (/socket hang up/i.test(message)) return 'ECONNRESET';
      if (/premature close|aborted/i.test(message)) return 'ERR_PREMATURE_CLOSE';
    }
  }
  return 'ENETWORK';
}

/** Retry-After as delay-seconds or an HTTP-date, in ms from `now`; undefined when absent or unreadable. */
export function parseRetryAfter(value: string | string[] | undefined, now: number): number | undefined {
  const v = Array.isArray(value) ? value[0] : value;
  if (v === undefined) return undefined;
  const t = v.trim();
  if (/^[0-9]{1,10}$/.test(t)) return Number(t) * 1000;
  if (!/[A-Za-z]/.test(t)) return undefined; // not an HTTP-date either (e.g. "-1", "1.5")
  const at = Date.parse(t);
  if (Number.isNaN(at)) return undefined;
  return Math.max(0, at - now);
}

/** Statuses that are retried whatever their body says (ARCHITECTURE "Offline cache and delivery"). */
export function isRetryableStatus(status: number): boolean {
  return status >= 500 || status === 408 || status === 429;
}

function parseJson(body: Buffer): { ok: true; value: unknown } | { ok: false } {
  try {
    return { ok: true, value: JSON.parse(body.toString('utf8')) as unknown };
  } catch {
    return { ok: false };
  }
}

function isJsonType(headers: IncomingHttpHeaders): boolean {
  return /^application\/(?:[\w.+-]+\+)?json\s*(?:;|$)/i.test(headers['content-type'] ?? '');
}

/** The platform's error body of a reply, if it is one. */
function errorBodyOf(raw: Extract<Raw, { kind: 'reply' }>): ErrorBody | undefined {
  const json = parseJson(raw.body);
  if (!json.ok) return undefined;
  const parsed = ErrorBody.safeParse(json.value);
  return parsed.success ? parsed.data : undefined;
}

function invalidRequest(message: string): Outcome<never> {
  return { kind: 'permanent', status: 0, code: 'invalid-request', message };
}

function tooLarge(what: string, bytes: number, limit: number): Outcome<never> {
  return { kind: 'permanent', status: 0, code: 'payload-too-large', message: `${what} is ${bytes} bytes; the platform accepts at most ${limit}` };
}

function validationMessage(err: z.ZodError): string {
  // Paths and messages only: never the offending values (they may be citizen data).
  return err.issues
    .slice(0, 5)
    .map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`)
    .join('; ');
}

/** The fields of a submission the core holds before delivery (the body minus what delivery adds). */
export type SubmissionFields = Omit<CaseSubmission, 'attachments' | 'localAcceptanceNumber' | 'test'>;

export type SizeCheck = { ok: true; bytes: number; limitBytes: number } | { ok: false; bytes: number; limitBytes: number };

/**
 * Bytes of what delivery appends to the stored fields in the largest body they can become: `attachments` with
 * `attachmentCount` (at most CASE_ATTACHMENTS_MAX) sha256 names, the longest acceptance number, `test`. As the
 * JSON of that object alone: `{"attachments":[…],"localAcceptanceNumber":"X…X","test":false}` (ASCII).
 */
function appendedBytes(attachmentCount: number): number {
  const n = Math.max(0, Math.min(CASE_ATTACHMENTS_MAX, Math.floor(attachmentCount)));
  // Each name is 64 hex digits in quotes; names are separated by commas.
  return APPENDED_BYTES_NONE + n * (SHA256_HEX_LENGTH + 2) + Math.max(0, n - 1);
}
const SHA256_HEX_LENGTH = 64;
const APPENDED_BYTES_NONE = Buffer.byteLength(JSON.stringify({ attachments: [], localAcceptanceNumber: 'X'.repeat(ACCEPTANCE_NUMBER_MAX), test: false }), 'utf8');

/**
 * The worst-case body size from the size of the stored fields' own JSON (`Buffer.byteLength(JSON.stringify(fields))`):
 * the body is those members followed by the appended ones, so its JSON is the fields' without the closing brace, a
 * comma, and the appended object's without its opening brace. Exact for validated fields (they have none of the
 * appended members: StoredSubmission omits them), which the property test holds against serialising the whole body.
 */
export function caseSubmissionSizeFromFields(fieldsJsonBytes: number, attachmentCount: number): SizeCheck {
  const appended = appendedBytes(attachmentCount);
  const bytes = fieldsJsonBytes <= 2 ? appended : fieldsJsonBytes + appended - 1;
  const limitBytes = REQUEST_LIMITS.submitCase;
  return { ok: bytes <= limitBytes, bytes, limitBytes };
}

/**
 * Whether a submission with these fields and this many attachments fits the platform's case-submission limit
 * (REQUEST_LIMITS.submitCase) whatever acceptance number it is given. The core checks this before accepting a
 * submission (from the bytes the outbox serialises anyway: `caseSubmissionSizeFromFields`), so nothing is queued
 * that could never be delivered. Throws a ZodError for fields that are invalid anyway (unless `validated`: the caller
 * parsed them with the schema already).
 */
export function checkCaseSubmissionSize(fields: SubmissionFields, attachmentCount: number, opts: { validated?: boolean } = {}): SizeCheck {
  if (opts.validated !== true) CaseSubmission.parse({ ...fields, attachments: [], test: false });
  return caseSubmissionSizeFromFields(Buffer.byteLength(JSON.stringify(fields), 'utf8'), attachmentCount);
}

export class PlatformClient {
  /** Largest request body per operation (openapi.json `x-max-request-bytes`). */
  static readonly limits = REQUEST_LIMITS;
  readonly limits = REQUEST_LIMITS;
  private readonly base: URL;
  private readonly prefix: string;
  private readonly key: Uint8Array;
  private readonly agent: http.Agent;
  private readonly transport: typeof http | typeof https;
  private readonly now: () => number;
  private readonly maxReplyBytes: number;
  #clock: ClockInfo;
  readonly #clockListeners = new Set<(c: ClockInfo) => void>();

  constructor(private readonly opts: PlatformClientOptions) {
    let url: URL;
    try {
      url = new URL(opts.baseUrl);
    } catch {
      throw new PlatformClientOptionsError('baseUrl is not a URL');
    }
    if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new PlatformClientOptionsError('baseUrl must be http: or https:');
    if (!Number.isFinite(opts.timeoutMs) || opts.timeoutMs <= 0) throw new PlatformClientOptionsError('timeoutMs must be > 0');
    if (opts.clockOffsetMs !== undefined && !Number.isSafeInteger(opts.clockOffsetMs)) throw new PlatformClientOptionsError('clockOffsetMs must be a whole number of ms');
    this.base = url;
    this.prefix = url.pathname.replace(/\/+$/, '');
    this.key = typeof opts.key === 'string' ? Buffer.from(opts.key, 'base64') : opts.key;
    if (this.key.length < 16) throw new PlatformClientOptionsError('key must be at least 16 bytes');
    this.transport = url.protocol === 'https:' ? https : http;
    const keepAlive = opts.keepAlive ?? true;
    this.agent = url.protocol === 'https:' ? new https.Agent({ keepAlive }) : new http.Agent({ keepAlive });
    this.now = opts.now ?? Date.now;
    this.maxReplyBytes = opts.maxReplyBytes ?? 8 * 1024 * 1024;
    this.#clock = { offsetMs: opts.clockOffsetMs ?? 0, source: opts.clockOffsetMs ? 'initial' : 'none', learnedAt: null, observedOffsetMs: null };
  }

  /** Closes idle keep-alive connections. */
  close(): void {
    this.agent.destroy();
  }

  /** The kiosk clock against the platform's (for the technician screen and telemetry). */
  get clock(): ClockInfo {
    return { ...this.#clock };
  }

  /** Called when the offset used for signing changes. Returns the unsubscribe function. */
  onClockChange(listener: (c: ClockInfo) => void): () => void {
    this.#clockListeners.add(listener);
    return () => this.#clockListeners.delete(listener);
  }

  /** The platform's time as far as the client knows it. */
  platformNow(): number {
    return this.now() + this.#clock.offsetMs;
  }

  async health(signal: AbortSignal): Promise<Outcome<Health>> {
    const raw = await this.request('GET', '/v1/health', undefined, {}, signal);
    return this.expectJson(raw, [200], Health);
  }

  async getCatalog(etag: string | undefined, signal: AbortSignal): Promise<Outcome<CatalogFetch>> {
    const headers: Record<string, string> = {};
    if (etag !== undefined) headers['if-none-match'] = etag;
    const raw = await this.request('GET', '/v1/catalog', undefined, headers, signal);
    if (raw.kind === 'reply' && raw.status === 304) return { kind: 'ok', status: 304, value: { kind: 'not-modified' } };
    const out = this.expectJson(raw, [200], Catalog);
    if (out.kind !== 'ok' || raw.kind !== 'reply') return out as Outcome<never>;
    const tag = raw.headers.etag;
    return { kind: 'ok', status: out.status, value: { kind: 'catalog', etag: typeof tag === 'string' ? tag : undefined, catalog: out.value } };
  }

  async putAttachment(sha256: string, bytes: Uint8Array, signal: AbortSignal): Promise<Outcome<AttachmentUpload>> {
    if (!Sha256Hex.safeParse(sha256).success) return invalidRequest('sha256 must be 64 lower-case hex characters');
    if (bytes.byteLength > REQUEST_LIMITS.putAttachment) return tooLarge('the attachment', bytes.byteLength, REQUEST_LIMITS.putAttachment);
    if (sha256Hex(bytes) !== sha256) return { kind: 'permanent', status: 0, code: 'hash-mismatch', message: 'bytes do not hash to the given sha256' };
    const raw = await this.request('PUT', `/v1/attachments/${sha256}`, Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength), { 'content-type': 'application/octet-stream' }, signal);
    const out = this.expectJson(raw, [200, 201], AttachmentReceipt);
    if (out.kind !== 'ok') return out;
    return { kind: 'ok', status: out.status, value: { receipt: out.value, created: out.status === 201 } };
  }

  /**
   * Submits a case exactly once per idempotency key. A replay returns the stored reply (`replayed: true` when the
   * platform says so). The key must stay the same across every retry of the same submission.
   */
  async submitCase(idempotencyKey: string, body: CaseSubmission, signal: AbortSignal): Promise<Outcome<CaseReceipt>> {
    if (!IdempotencyKey.safeParse(idempotencyKey).success) return invalidRequest('invalid idempotency key');
    const parsed = CaseSubmission.safeParse(body);
    if (!parsed.success) return invalidRequest(`invalid submission: ${validationMessage(parsed.error)}`);
    const json = Buffer.from(JSON.stringify(parsed.data), 'utf8');
    if (json.length > REQUEST_LIMITS.submitCase) return tooLarge('the submission', json.length, REQUEST_LIMITS.submitCase);
    const raw = await this.request('POST', '/v1/cases', json, { 'content-type': 'application/json', 'idempotency-key': idempotencyKey }, signal);
    const out = this.expectJson(raw, [200, 201], CaseReceipt);
    if (out.kind === 'ok' && raw.kind === 'reply' && raw.headers['idempotent-replayed'] === 'true') return { ...out, replayed: true };
    return out;
  }

  async caseStatus(caseNumber: string, signal: AbortSignal): Promise<Outcome<CaseStatus>> {
    if (!CaseNumber.safeParse(caseNumber).success) return invalidRequest('invalid case number');
    const raw = await this.request('GET', `/v1/cases/${caseNumber}`, undefined, {}, signal);
    return this.expectJson(raw, [200], CaseStatus);
  }

  /** The holder's cases, newest first (`holder` = the holder token, as for certificates; never the ID number). */
  async listCases(holder: string, signal: AbortSignal): Promise<Outcome<CaseList>> {
    if (!HolderToken.safeParse(holder).success) return invalidRequest('holder must be 64 lower-case hex characters');
    const raw = await this.request('GET', `/v1/cases?${new URLSearchParams({ holder }).toString()}`, undefined, {}, signal);
    return this.expectJson(raw, [200], CaseList);
  }

  async submitRating(caseNumber: string, rating: Rating, signal: AbortSignal): Promise<Outcome<RatingReceipt>> {
    if (!CaseNumber.safeParse(caseNumber).success) return invalidRequest('invalid case number');
    const parsed = Rating.safeParse(rating);
    if (!parsed.success) return invalidRequest(`invalid rating: ${validationMessage(parsed.error)}`);
    const json = Buffer.from(JSON.stringify(parsed.data), 'utf8');
    if (json.length > REQUEST_LIMITS.submitRating) return tooLarge('the rating', json.length, REQUEST_LIMITS.submitRating);
    const raw = await this.request('POST', `/v1/cases/${caseNumber}/rating`, json, { 'content-type': 'application/json' }, signal);
    return this.expectJson(raw, [200, 201], RatingReceipt);
  }

  async lookupCertificate(q: CertificateQuery, signal: AbortSignal): Promise<Outcome<CertificateList>> {
    const parsed = CertificateQuery.safeParse(q);
    if (!parsed.success) return invalidRequest(`invalid certificate query: ${validationMessage(parsed.error)}`);
    const query = new URLSearchParams({ type: parsed.data.type, holder: parsed.data.holder }).toString();
    const raw = await this.request('GET', `/v1/certificates?${query}`, undefined, {}, signal);
    return this.expectJson(raw, [200], CertificateList);
  }

  /** Forwards a scanned code to the platform for verification (never trusted locally). `code`: the payload's bytes. */
  async verifyCode(q: { code: Uint8Array; holder: string }, signal: AbortSignal): Promise<Outcome<CodeVerdict>> {
    const parsed = CodeVerification.safeParse({ code: Buffer.from(q.code).toString('base64'), holder: q.holder });
    if (!parsed.success) return invalidRequest(`invalid code verification: ${validationMessage(parsed.error)}`);
    const json = Buffer.from(JSON.stringify(parsed.data), 'utf8');
    if (json.length > REQUEST_LIMITS.verifyCode) return tooLarge('the code', json.length, REQUEST_LIMITS.verifyCode);
    const raw = await this.request('POST', '/v1/codes/verify', json, { 'content-type': 'application/json' }, signal);
    return this.expectJson(raw, [200], CodeVerdict);
  }

  // ---- internals ----

  private expectJson<T>(raw: Raw, okStatuses: readonly number[], schema: z.ZodType<T>): Outcome<T> {
    switch (raw.kind) {
      case 'network':
        return { kind: 'retryable', reason: 'network', code: raw.code };
      case 'timeout':
        return { kind: 'retryable', reason: 'timeout' };
      case 'too-large':
        return { kind: 'retryable', reason: 'bad-reply', status: raw.status, code: 'reply-too-large' };
      case 'reply':
        break;
    }
    const { status } = raw;
    if (okStatuses.includes(status)) {
      const json = parseJson(raw.body);
      // A 2xx that is not JSON at all (a captive portal's page) is not the platform; broken JSON the platform sent is a bad reply.
      if (!json.ok) return isJsonType(raw.headers) ? { kind: 'retryable', reason: 'bad-reply', status, code: 'not-json' } : { kind: 'retryable', reason: 'not-platform', status, code: 'not-json' };
      const parsed = schema.safeParse(json.value);
      if (!parsed.success) return { kind: 'retryable', reason: 'bad-reply', status, code: 'schema' };
      return { kind: 'ok', status, value: parsed.data };
    }
    const retryAfterMs = parseRetryAfter(raw.headers['retry-after'], this.platformNow());
    type Retryable = Extract<Outcome<never>, { kind: 'retryable' }>;
    const withRetryAfter = (o: Retryable): Retryable => (retryAfterMs === undefined ? o : { ...o, retryAfterMs });
    if (status < 400) {
      // 1xx/3xx (redirects are not followed: a captive portal sends them) or a 2xx this operation never returns.
      return status >= 200 && status < 300
        ? { kind: 'retryable', reason: 'bad-reply', status, code: 'unexpected-status' }
        : { kind: 'retryable', reason: 'not-platform', status, code: `http-${status}` };
    }
    const err = errorBodyOf(raw);
    // Not the platform's JSON error body (a proxy's HTML 401/404, a gateway page): never a dead letter.
    if (err === undefined) return withRetryAfter({ kind: 'retryable', reason: 'not-platform', status, code: `http-${status}` });
    const cls = errorClass(status, err.code);
    if (cls === 'permanent') return { kind: 'permanent', status, code: err.code, message: err.message };
    if (cls === 'clock') return withRetryAfter({ kind: 'retryable', reason: 'clock-skew', status, code: err.code });
    // Transient by the platform's word, or a status/code it never documented: retried.
    return withRetryAfter({ kind: 'retryable', reason: 'status', status, code: err.code });
  }

  /** Sends; on a 401 `clock-skew` learns the platform's time and sends once more, signed with the corrected time. */
  private async request(method: string, path: string, body: Buffer | undefined, extra: Record<string, string>, signal: AbortSignal): Promise<Raw> {
    const first = await this.send(method, path, body, extra, signal);
    if (first.kind !== 'reply') return first;
    if (first.status === 401) {
      const err = errorBodyOf(first);
      // Retry when this refusal taught a new offset, or when another request learned one while this was in flight.
      if (err?.code === 'clock-skew' && (this.learnOffset(first, err) || first.offsetUsed !== this.#clock.offsetMs)) {
        const second = await this.send(method, path, body, extra, signal);
        if (second.kind === 'reply') this.observe(second);
        return second;
      }
    }
    this.observe(first);
    return first;
  }

  /** The platform's time from a clock-skew refusal; true if the offset used for signing changed. */
  private learnOffset(raw: Extract<Raw, { kind: 'reply' }>, err: ErrorBody): boolean {
    const mid = Math.round((raw.sentAt + raw.receivedAt) / 2);
    let server: number | undefined;
    let source: ClockInfo['source'] = 'error-body';
    if (err.serverTime !== undefined) server = parseDateTime(err.serverTime);
    if (server === undefined) {
      const date = typeof raw.headers.date === 'string' ? Date.parse(raw.headers.date) : Number.NaN;
      if (Number.isNaN(date)) return false;
      server = date + 500; // an HTTP-date has whole seconds: the middle of that second
      source = 'date-header';
    }
    const offsetMs = server - mid;
    if (!Number.isSafeInteger(offsetMs) || Math.abs(offsetMs - this.#clock.offsetMs) < 1000) return false;
    this.#clock = { ...this.#clock, offsetMs, source, learnedAt: this.now() };
    const info = this.clock;
    for (const l of this.#clockListeners) l(info);
    return true;
  }

  /** Measures the offset from a platform reply's Date header (shown to technicians; not used for signing). */
  private observe(raw: Extract<Raw, { kind: 'reply' }>): void {
    if (typeof raw.headers.date !== 'string' || !isJsonType(raw.headers)) return;
    const date = Date.parse(raw.headers.date);
    if (Number.isNaN(date)) return;
    this.#clock = { ...this.#clock, observedOffsetMs: date + 500 - Math.round((raw.sentAt + raw.receivedAt) / 2) };
  }

  private send(method: string, path: string, body: Buffer | undefined, extra: Record<string, string>, signal: AbortSignal): Promise<Raw> {
    if (signal.aborted) return Promise.reject(signal.reason as unknown);
    const fullPath = `${this.prefix}${path}`;
    const sentAt = this.now();
    const offsetUsed = this.#clock.offsetMs;
    const headers: Record<string, string> = {
      ...extra,
      ...signRequest({ terminalId: this.opts.terminalId, key: this.key, method, path: fullPath, body: body ?? new Uint8Array(0), timestamp: sentAt + offsetUsed, headers: extra }),
      accept: 'application/json',
      'content-length': String(body?.length ?? 0),
    };
    return new Promise<Raw>((resolve, reject) => {
      let settled = false;
      let req: http.ClientRequest | undefined;
      const onAbort = (): void => {
        finish(() => reject(signal.reason as unknown));
        req?.destroy();
      };
      const timer = setTimeout(() => {
        finish(() => resolve({ kind: 'timeout' }));
        req?.destroy();
      }, this.opts.timeoutMs);
      const finish = (fn: () => void): void => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        signal.removeEventListener('abort', onAbort);
        fn();
      };
      signal.addEventListener('abort', onAbort, { once: true });
      try {
        req = this.transport.request({
          protocol: this.base.protocol,
          hostname: this.base.hostname,
          port: this.base.port === '' ? undefined : Number(this.base.port),
          method,
          path: fullPath,
          headers,
          agent: this.agent,
        });
      } catch (err) {
        finish(() => resolve({ kind: 'network', code: networkCode(err) }));
        return;
      }
      req.on('error', (err) => finish(() => resolve({ kind: 'network', code: networkCode(err) })));
      req.on('response', (res) => {
        const status = res.statusCode ?? 0;
        const chunks: Buffer[] = [];
        let size = 0;
        res.on('data', (chunk: Buffer) => {
          size += chunk.length;
          if (size > this.maxReplyBytes) {
            finish(() => resolve({ kind: 'too-large', status }));
            res.destroy();
            req?.destroy();
            return;
          }
          chunks.push(chunk);
        });
        res.on('end', () => finish(() => resolve({ kind: 'reply', status, headers: res.headers, body: Buffer.concat(chunks), sentAt, receivedAt: this.now(), offsetUsed })));
        res.on('error', (err) => finish(() => resolve({ kind: 'network', code: networkCode(err) })));
        res.on('close', () => {
          if (!res.complete) finish(() => resolve({ kind: 'network', code: 'ERR_PREMATURE_CLOSE' }));
        });
      });
      req.end(body);
    });
  }
}

/** What a failed platform call says about the link, for the technician and the attract screen. */
export type PlatformProblem =
  | { kind: 'unreachable'; text: string }
  | { kind: 'misrouted'; text: string }
  | { kind: 'refused'; text: string }
  | { kind: 'clock'; text: string }
  | { kind: 'bad-reply'; text: string }
  | { kind: 'degraded'; text: string };

/** The problem an outcome shows, or null for ok (and for refusals of one request only, e.g. 404, 422). */
export function problemOf(o: Outcome<unknown>): PlatformProblem | null {
  if (o.kind === 'ok') {
    const v = o.value as { status?: unknown } | null;
    return typeof v === 'object' && v !== null && v.status === 'degraded' ? { kind: 'degraded', text: 'platform reports degraded service' } : null;
  }
  if (o.kind === 'permanent') {
    if (o.status === 401) return { kind: 'refused', text: `platform refuses this terminal's credentials (${o.code})` };
    return null;
  }
  switch (o.reason) {
    case 'network':
    case 'timeout':
      return { kind: 'unreachable', text: 'platform unreachable' };
    case 'not-platform':
      return { kind: 'misrouted', text: 'platform unreachable or misrouted' };
    case 'clock-skew':
      return { kind: 'clock', text: "platform refuses the kiosk's clock and gave no time to correct it" };
    case 'bad-reply':
      return { kind: 'bad-reply', text: 'platform reply not understood' };
    case 'status':
      return o.status !== undefined && o.status >= 500 ? { kind: 'unreachable', text: 'platform unavailable' } : null;
  }
}
