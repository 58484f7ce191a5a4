import * as http from 'node:http';
import * as https from 'node:https';
import type { IncomingHttpHeaders } from 'node:http';
import type { z } from 'zod';
import {
  AttachmentReceipt,
  CaseNumber,
  CaseReceipt,
  CaseStatus,
  CaseSubmission,
  Catalog,
  CertificateList,
  CertificateQuery,
  ErrorBody,
  Health,
  IdempotencyKey,
  Rating,
  RatingReceipt,
  Sha256Hex,
} from './schemas.js';
import { sha256Hex, signRequest } from './signing.js';

/**
 * Signed HTTP client for the provincial platform (see openapi.json).
 *
 * Every method returns an Outcome and never throws for network or HTTP problems:
 *  - `ok`: the expected reply, validated with its zod schema;
 *  - `retryable`: network error, timeout, 5xx/408/429/409, or a reply that fails validation ('bad-reply');
 *  - `permanent`: any other 4xx (or a request that is invalid before it is sent: status 0) — dead-letter material.
 * It throws only for programmer errors (bad options) and rethrows the caller's AbortSignal reason when the caller aborts.
 * It never logs: bodies hold citizen data.
 */

export type RetryReason = 'network' | 'timeout' | 'status' | 'bad-reply';

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

export interface PlatformClientOptions {
  baseUrl: string;
  terminalId: string;
  /** HMAC key: raw bytes, or a base64 string. */
  key: Uint8Array | string;
  /** Whole-request timeout (connect, send, reply body) per call. */
  timeoutMs: number;
  /** Clock for X-Timestamp and Retry-After dates (tests). */
  now?: () => number;
  /** Largest reply body accepted (default 8 MiB); bigger is a bad reply. */
  maxReplyBytes?: number;
  /** Keep connections alive between calls (default true). */
  keepAlive?: boolean;
}

export class PlatformClientOptionsError extends Error {
  override readonly name = 'PlatformClientOptionsError';
}

type Raw =
  | { kind: 'reply'; status: number; headers: IncomingHttpHeaders; body: Buffer }
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

/** Statuses the delivery loop retries (with backoff), per ARCHITECTURE "Offline cache and delivery". */
export function isRetryableStatus(status: number): boolean {
  return status >= 500 || status === 408 || status === 429 || status === 409;
}

/** A 409 that will never change by retrying (the case was rated differently). */
const PERMANENT_409_CODES = new Set(['rating-conflict']);

function parseJson(body: Buffer): { ok: true; value: unknown } | { ok: false } {
  try {
    return { ok: true, value: JSON.parse(body.toString('utf8')) as unknown };
  } catch {
    return { ok: false };
  }
}

function invalidRequest(message: string): Outcome<never> {
  return { kind: 'permanent', status: 0, code: 'invalid-request', message };
}

function validationMessage(err: z.ZodError): string {
  // Paths and messages only: never the offending values (they may be citizen data).
  return err.issues
    .slice(0, 5)
    .map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`)
    .join('; ');
}

export class PlatformClient {
  private readonly base: URL;
  private readonly prefix: string;
  private readonly key: Uint8Array;
  private readonly agent: http.Agent;
  private readonly transport: typeof http | typeof https;
  private readonly now: () => number;
  private readonly maxReplyBytes: number;

  constructor(private readonly opts: PlatformClientOptions) {
    let url: URL;
    try {
      url = new URL(opts.baseUrl);
    } catch {
      throw new PlatformClientOptionsError('baseUrl is not a URL');
    }
    if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new PlatformClientOptionsError('baseUrl must be http: or https:');
    if (!Number.isFinite(opts.timeoutMs) || opts.timeoutMs <= 0) throw new PlatformClientOptionsError('timeoutMs must be > 0');
    this.base = url;
    this.prefix = url.pathname.replace(/\/+$/, '');
    this.key = typeof opts.key === 'string' ? Buffer.from(opts.key, 'base64') : opts.key;
    if (this.key.length < 16) throw new PlatformClientOptionsError('key must be at least 16 bytes');
    this.transport = url.protocol === 'https:' ? https : http;
    const keepAlive = opts.keepAlive ?? true;
    this.agent = url.protocol === 'https:' ? new https.Agent({ keepAlive }) : new http.Agent({ keepAlive });
    this.now = opts.now ?? Date.now;
    this.maxReplyBytes = opts.maxReplyBytes ?? 8 * 1024 * 1024;
  }

  /** Closes idle keep-alive connections. */
  close(): void {
    this.agent.destroy();
  }

  async health(signal: AbortSignal): Promise<Outcome<Health>> {
    const raw = await this.send('GET', '/v1/health', undefined, {}, signal);
    return this.expectJson(raw, [200], Health);
  }

  async getCatalog(etag: string | undefined, signal: AbortSignal): Promise<Outcome<CatalogFetch>> {
    const headers: Record<string, string> = {};
    if (etag !== undefined) headers['if-none-match'] = etag;
    const raw = await this.send('GET', '/v1/catalog', undefined, headers, signal);
    if (raw.kind === 'reply' && raw.status === 304) return { kind: 'ok', status: 304, value: { kind: 'not-modified' } };
    const out = this.expectJson(raw, [200], Catalog);
    if (out.kind !== 'ok' || raw.kind !== 'reply') return out as Outcome<never>;
    const tag = raw.headers.etag;
    return { kind: 'ok', status: out.status, value: { kind: 'catalog', etag: typeof tag === 'string' ? tag : undefined, catalog: out.value } };
  }

  async putAttachment(sha256: string, bytes: Uint8Array, signal: AbortSignal): Promise<Outcome<AttachmentUpload>> {
    if (!Sha256Hex.safeParse(sha256).success) return invalidRequest('sha256 must be 64 lower-case hex characters');
    if (sha256Hex(bytes) !== sha256) return { kind: 'permanent', status: 0, code: 'hash-mismatch', message: 'bytes do not hash to the given sha256' };
    const raw = await this.send('PUT', `/v1/attachments/${sha256}`, Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength), { 'content-type': 'application/octet-stream' }, signal);
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
    const raw = await this.send('POST', '/v1/cases', json, { 'content-type': 'application/json', 'idempotency-key': idempotencyKey }, signal);
    const out = this.expectJson(raw, [200, 201], CaseReceipt);
    if (out.kind === 'ok' && raw.kind === 'reply' && raw.headers['idempotent-replayed'] === 'true') return { ...out, replayed: true };
    return out;
  }

  async caseStatus(caseNumber: string, signal: AbortSignal): Promise<Outcome<CaseStatus>> {
    if (!CaseNumber.safeParse(caseNumber).success) return invalidRequest('invalid case number');
    const raw = await this.send('GET', `/v1/cases/${caseNumber}`, undefined, {}, signal);
    return this.expectJson(raw, [200], CaseStatus);
  }

  async submitRating(caseNumber: string, rating: Rating, signal: AbortSignal): Promise<Outcome<RatingReceipt>> {
    if (!CaseNumber.safeParse(caseNumber).success) return invalidRequest('invalid case number');
    const parsed = Rating.safeParse(rating);
    if (!parsed.success) return invalidRequest(`invalid rating: ${validationMessage(parsed.error)}`);
    const json = Buffer.from(JSON.stringify(parsed.data), 'utf8');
    const raw = await this.send('POST', `/v1/cases/${caseNumber}/rating`, json, { 'content-type': 'application/json' }, signal);
    return this.expectJson(raw, [200, 201], RatingReceipt);
  }

  async lookupCertificate(q: CertificateQuery, signal: AbortSignal): Promise<Outcome<CertificateList>> {
    const parsed = CertificateQuery.safeParse(q);
    if (!parsed.success) return invalidRequest(`invalid certificate query: ${validationMessage(parsed.error)}`);
    const query = new URLSearchParams({ type: parsed.data.type, holder: parsed.data.holder }).toString();
    const raw = await this.send('GET', `/v1/certificates?${query}`, undefined, {}, signal);
    return this.expectJson(raw, [200], CertificateList);
  }

  // ---- internals ----

  private classify(raw: Raw): Outcome<never> | undefined {
    switch (raw.kind) {
      case 'network':
        return { kind: 'retryable', reason: 'network', code: raw.code };
      case 'timeout':
        return { kind: 'retryable', reason: 'timeout' };
      case 'too-large':
        return { kind: 'retryable', reason: 'bad-reply', status: raw.status, code: 'reply-too-large' };
      case 'reply':
        return undefined;
    }
  }

  private expectJson<T>(raw: Raw, okStatuses: readonly number[], schema: z.ZodType<T>): Outcome<T> {
    const failed = this.classify(raw);
    if (failed) return failed;
    if (raw.kind !== 'reply') return { kind: 'retryable', reason: 'network' };
    const { status } = raw;
    if (okStatuses.includes(status)) {
      const json = parseJson(raw.body);
      if (!json.ok) return { kind: 'retryable', reason: 'bad-reply', status, code: 'not-json' };
      const parsed = schema.safeParse(json.value);
      if (!parsed.success) return { kind: 'retryable', reason: 'bad-reply', status, code: 'schema' };
      return { kind: 'ok', status, value: parsed.data };
    }
    const json = parseJson(raw.body);
    const err = json.ok ? ErrorBody.safeParse(json.value) : undefined;
    const code = err?.success ? err.data.code : `http-${status}`;
    const message = err?.success ? err.data.message : (http.STATUS_CODES[status] ?? 'unexpected status');
    if (status >= 400 && status < 500 && !isRetryableStatus(status)) return { kind: 'permanent', status, code, message };
    if (status === 409 && PERMANENT_409_CODES.has(code)) return { kind: 'permanent', status, code, message };
    if (isRetryableStatus(status)) {
      const retryAfterMs = parseRetryAfter(raw.headers['retry-after'], this.now());
      return retryAfterMs === undefined
        ? { kind: 'retryable', reason: 'status', status, code }
        : { kind: 'retryable', reason: 'status', status, code, retryAfterMs };
    }
    // 1xx/2xx/3xx we did not expect (redirects are not followed): the reply is not what the API promises.
    return { kind: 'retryable', reason: 'bad-reply', status, code: 'unexpected-status' };
  }

  private send(method: string, path: string, body: Buffer | undefined, extra: Record<string, string>, signal: AbortSignal): Promise<Raw> {
    if (signal.aborted) return Promise.reject(signal.reason as unknown);
    const fullPath = `${this.prefix}${path}`;
    const headers: Record<string, string> = {
      ...extra,
      ...signRequest({ terminalId: this.opts.terminalId, key: this.key, method, path: fullPath, body: body ?? new Uint8Array(0), timestamp: this.now() }),
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
        res.on('end', () => finish(() => resolve({ kind: 'reply', status, headers: res.headers, body: Buffer.concat(chunks) })));
        res.on('error', (err) => finish(() => resolve({ kind: 'network', code: networkCode(err) })));
        res.on('close', () => {
          if (!res.complete) finish(() => resolve({ kind: 'network', code: 'ERR_PREMATURE_CLOSE' }));
        });
      });
      req.end(body);
    });
  }
}
