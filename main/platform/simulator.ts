import * as http from 'node:http';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { z } from 'zod';
import { FaultConfig, OutageMode, seededRandom } from './faults.js';
import { Journal, readJournalLines, rewriteJournal } from './journal.js';
import {
  CaseSubmission,
  Certificate,
  CertificateQuery,
  Rating,
  RatingReceipt,
  Sha256Hex,
} from './schemas.js';
import type { CaseReceipt, CaseState, CaseStatus, ErrorBody, PlatformErrorCode } from './schemas.js';
import { DEFAULT_SKEW_MS, NonceCache, sha256Hex, verifyRequest } from './signing.js';

export { parseFaultSpec, FaultConfig, FaultSpecError } from './faults.js';

/**
 * The provincial platform on loopback: the API of openapi.json with its signature, replay and idempotency rules,
 * plus seeded fault injection and unsigned admin routes under /_sim/. Built for many thousands of requests:
 * every lookup is a Map by idempotency key, case number or hash; persistence is a group-committed JSON-lines
 * journal, durable before the reply is sent.
 */

export class PlatformSimulatorError extends Error {
  override readonly name = 'PlatformSimulatorError';
}

export const SimCertificate = Certificate.extend({ holder: z.string().regex(/^[0-9a-f]{64}$/) });
export type SimCertificate = z.infer<typeof SimCertificate>;

export interface PlatformSimulatorOptions {
  /** 0 = pick a free port. */
  port?: number;
  /** Loopback only. */
  host?: '127.0.0.1' | '::1' | 'localhost';
  /** terminal id -> HMAC key (base64). */
  terminals: Record<string, string>;
  /** JSON-lines journal; loaded at start, so a restarted simulator keeps its cases. */
  storeFile?: string;
  catalog?: unknown;
  certificates?: SimCertificate[];
  faults?: FaultConfig;
  seed?: number;
  skewMs?: number;
  now?: () => number;
}

export interface SimCaseInfo {
  caseNumber: string;
  idempotencyKey: string;
  terminalId: string;
  requestCount: number;
  receivedAt: string;
  test: boolean;
}

export interface SimStats {
  requests: number;
  byStatus: Record<string, number>;
  /** Cases and attachments held (including those loaded from the journal). */
  cases: number;
  attachments: number;
  ratings: number;
  replays: number;
  keyReused422: number;
  inProgress409: number;
  authFailures: number;
  /** Case submissions being processed right now. */
  processing: number;
  faults: { errors: number; resets: number; drops: number; outageRefusals: number };
  journal: { loadedEntries: number; skippedLines: number };
}

export interface PlatformSimulator {
  url: string;
  port: number;
  close(): Promise<void>;
  setFaults(f: FaultConfig): void;
  faults(): FaultConfig;
  setOutage(on: boolean | OutageMode): void;
  setCatalog(catalog: unknown): void;
  cases(): SimCaseInfo[];
  stats(): SimStats;
  reset(): Promise<void>;
}

// ---- journal entries ----

const CaseEntry = z.object({
  t: z.literal('case'),
  terminalId: z.string(),
  key: z.string(),
  fp: z.string(),
  status: z.number().int(),
  body: z.string(),
  caseNumber: z.string(),
  receivedAt: z.string(),
  test: z.boolean(),
  requestCount: z.number().int().positive(),
});
type CaseEntry = z.infer<typeof CaseEntry>;
const JournalEntry = z.discriminatedUnion('t', [
  CaseEntry,
  z.object({ t: z.literal('replay'), terminalId: z.string(), key: z.string() }),
  z.object({ t: z.literal('att'), sha: z.string(), size: z.number().int().nonnegative() }),
  z.object({ t: z.literal('rating'), rating: RatingReceipt }),
]);
type JournalEntry = z.infer<typeof JournalEntry>;

// ---- in-memory state ----

interface IdemRecord {
  terminalId: string;
  key: string;
  fp: string;
  state: 'processing' | 'done';
  status: number;
  body: string;
  caseNumber: string;
  receivedAt: string;
  test: boolean;
  requestCount: number;
}

interface CaseRecord {
  caseNumber: string;
  receivedAt: string;
  state: CaseState;
  idem: IdemRecord;
  rating?: RatingReceipt;
}

interface SimReply {
  status: number;
  headers?: Record<string, string>;
  /** Already-serialised JSON (stored replies are replayed byte for byte). */
  body?: string;
}

const DEFAULT_CATALOG = { version: '1', matters: [] as unknown[] };
const MAX_JSON_BYTES = 1024 * 1024;
const MAX_ATTACHMENT_BYTES = 64 * 1024 * 1024;
const LOOPBACK = new Set(['127.0.0.1', '::1', '::ffff:127.0.0.1']);
const IDEMPOTENCY_KEY_RE = /^[\x21\x23-\x7e]{1,255}$/;

function errorReply(status: number, code: PlatformErrorCode, message: string, headers?: Record<string, string>): SimReply {
  const body: ErrorBody = { code, message };
  return { status, body: JSON.stringify(body), ...(headers ? { headers } : {}) };
}

function jsonReply(status: number, value: unknown, headers?: Record<string, string>): SimReply {
  return { status, body: JSON.stringify(value), ...(headers ? { headers } : {}) };
}

/** JSON with sorted object keys, so the same submission fingerprints the same whatever its key order. */
export function canonicalJson(v: unknown): string {
  if (Array.isArray(v)) return `[${v.map(canonicalJson).join(',')}]`;
  if (v !== null && typeof v === 'object') {
    const o = v as Record<string, unknown>;
    return `{${Object.keys(o)
      .sort()
      .filter((k) => o[k] !== undefined)
      .map((k) => `${JSON.stringify(k)}:${canonicalJson(o[k])}`)
      .join(',')}}`;
  }
  return JSON.stringify(v) ?? 'null';
}

function scoped(terminalId: string, key: string): string {
  return `${terminalId}\u0000${key}`;
}

function etagOf(catalog: unknown): string {
  return `"${sha256Hex(canonicalJson(catalog)).slice(0, 32)}"`;
}

function etagMatches(header: string | undefined, etag: string): boolean {
  if (header === undefined) return false;
  if (header.trim() === '*') return true;
  const bare = etag.replace(/^W\//, '');
  return header.split(',').some((t) => t.trim().replace(/^W\//, '') === bare);
}

function sleep(ms: number): Promise<void> {
  return ms > 0 ? new Promise((r) => setTimeout(r, ms)) : Promise.resolve();
}

type BodyResult = { kind: 'ok'; body: Buffer } | { kind: 'too-large' } | { kind: 'aborted' };

function readBody(req: IncomingMessage, limit: number): Promise<BodyResult> {
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    let size = 0;
    let done = false;
    const finish = (r: BodyResult): void => {
      if (done) return;
      done = true;
      resolve(r);
    };
    req.on('data', (c: Buffer) => {
      if (done) return;
      size += c.length;
      if (size > limit) {
        finish({ kind: 'too-large' });
        return;
      }
      chunks.push(c);
    });
    req.on('end', () => finish({ kind: 'ok', body: Buffer.concat(chunks) }));
    req.on('error', () => finish({ kind: 'aborted' }));
    req.on('close', () => finish(req.complete ? { kind: 'ok', body: Buffer.concat(chunks) } : { kind: 'aborted' }));
  });
}

export async function startPlatformSimulator(options: PlatformSimulatorOptions): Promise<PlatformSimulator> {
  const host = options.host ?? '127.0.0.1';
  if (!['127.0.0.1', '::1', 'localhost'].includes(host)) throw new PlatformSimulatorError('the platform simulator listens on loopback only');
  const now = options.now ?? Date.now;
  const skewMs = options.skewMs ?? DEFAULT_SKEW_MS;
  const keys = new Map<string, Buffer>();
  for (const [id, b64] of Object.entries(options.terminals)) {
    const key = Buffer.from(b64, 'base64');
    if (key.length < 16) throw new PlatformSimulatorError(`terminal ${id}: key must be at least 16 bytes`);
    keys.set(id, key);
  }
  const certificates = z.array(SimCertificate).parse(options.certificates ?? []);
  let catalog: unknown = options.catalog ?? DEFAULT_CATALOG;
  let catalogEtag = etagOf(catalog);
  let faults: FaultConfig = FaultConfig.parse(options.faults ?? {});
  let faultsEpoch = now();
  const rng = seededRandom(options.seed ?? 1);
  const nonces = new NonceCache(2 * skewMs);

  const idem = new Map<string, IdemRecord>();
  const cases = new Map<string, CaseRecord>();
  const attachments = new Map<string, number>();
  let seq = 0;
  const freshStats = (): SimStats => ({
    requests: 0,
    byStatus: {},
    cases: 0,
    attachments: 0,
    ratings: 0,
    replays: 0,
    keyReused422: 0,
    inProgress409: 0,
    authFailures: 0,
    processing: 0,
    faults: { errors: 0, resets: 0, drops: 0, outageRefusals: 0 },
    journal: { loadedEntries: 0, skippedLines: 0 },
  });
  let stats = freshStats();

  // ---- state transitions (shared by live requests and journal replay) ----

  const applyCase = (e: CaseEntry): void => {
    const rec: IdemRecord = { ...e, state: 'done' };
    idem.set(scoped(e.terminalId, e.key), rec);
    cases.set(e.caseNumber, { caseNumber: e.caseNumber, receivedAt: e.receivedAt, state: 'received', idem: rec });
    const m = /-([0-9]+)$/.exec(e.caseNumber);
    if (m) seq = Math.max(seq, Number(m[1]));
  };
  const apply = (e: JournalEntry): void => {
    switch (e.t) {
      case 'case':
        applyCase(e);
        break;
      case 'replay': {
        const rec = idem.get(scoped(e.terminalId, e.key));
        if (rec) rec.requestCount += 1;
        break;
      }
      case 'att':
        attachments.set(e.sha, e.size);
        break;
      case 'rating': {
        const c = cases.get(e.rating.caseNumber);
        if (c) c.rating = e.rating;
        break;
      }
    }
  };
  const snapshot = (): JournalEntry[] => {
    const out: JournalEntry[] = [];
    for (const [sha, size] of attachments) out.push({ t: 'att', sha, size });
    for (const rec of idem.values()) {
      if (rec.state !== 'done') continue;
      const { state: _state, ...rest } = rec;
      out.push({ t: 'case', ...rest });
    }
    for (const c of cases.values()) if (c.rating) out.push({ t: 'rating', rating: c.rating });
    return out;
  };

  let journal: Journal | undefined;
  if (options.storeFile !== undefined) {
    const { lines, skipped } = await readJournalLines(options.storeFile);
    let loaded = 0;
    let bad = skipped;
    for (const line of lines) {
      const e = JournalEntry.safeParse(line);
      if (e.success) {
        apply(e.data);
        loaded += 1;
      } else bad += 1;
    }
    stats.journal = { loadedEntries: loaded, skippedLines: bad };
    stats.ratings = [...cases.values()].filter((c) => c.rating !== undefined).length;
    await rewriteJournal(options.storeFile, snapshot()); // compaction; drops any torn tail
    journal = await Journal.open(options.storeFile);
  }
  const persist = async (e: JournalEntry): Promise<void> => {
    if (options.storeFile === undefined) return;
    // Durable before the reply: with a store file and no open journal (mid-reset, closing) the request fails.
    if (!journal) throw new PlatformSimulatorError('journal not open');
    await journal.append(e);
  };

  // ---- faults ----

  const activeOutage = (): OutageMode | undefined => {
    if (faults.outage === true) return 'reset';
    if (faults.outage === 'reset' || faults.outage === '503') return faults.outage;
    if (faults.outages && faults.outages.length > 0) {
      const t = now() - faultsEpoch;
      for (const w of faults.outages) if (t >= w.startMs && t < w.endMs) return w.mode ?? 'reset';
    }
    return undefined;
  };
  const chance = (rate: number | undefined): boolean => rate !== undefined && rate > 0 && rng() < rate;
  const latency = (): number => {
    const l = faults.latencyMs;
    if (l === undefined) return 0;
    if (typeof l === 'number') return l;
    return l.min + Math.floor(rng() * (l.max - l.min + 1));
  };
  const retryAfterHeader = (): Record<string, string> | undefined =>
    faults.retryAfterSec !== undefined ? { 'retry-after': String(faults.retryAfterSec) } : undefined;

  // ---- routes ----

  const nextCaseNumber = (at: Date): string => {
    seq += 1;
    const ymd = at.toISOString().slice(0, 10).replace(/-/g, '');
    return `NX-${ymd}-${String(seq).padStart(7, '0')}`;
  };

  const submitCase = async (terminalId: string, req: IncomingMessage, body: Buffer): Promise<SimReply> => {
    const header = req.headers['idempotency-key'];
    if (header === undefined) return errorReply(400, 'idempotency-key-missing', 'Idempotency-Key header is required');
    const key = typeof header === 'string' ? header.trim().replace(/^"(.*)"$/, '$1') : '';
    if (!IDEMPOTENCY_KEY_RE.test(key)) return errorReply(400, 'idempotency-key-invalid', 'Idempotency-Key must be 1-255 visible ASCII characters');
    let json: { ok: true; value: unknown } | { ok: false };
    try {
      json = { ok: true, value: JSON.parse(body.toString('utf8')) as unknown };
    } catch {
      json = { ok: false };
    }
    const fp = sha256Hex(json.ok ? canonicalJson(json.value) : body);
    const sk = scoped(terminalId, key);
    const existing = idem.get(sk);
    if (existing) {
      if (existing.fp !== fp) {
        stats.keyReused422 += 1;
        return errorReply(422, 'idempotency-key-reused', 'this Idempotency-Key was used with a different request body');
      }
      if (existing.state === 'processing') {
        existing.requestCount += 1; // counted in memory; the journal entry carries the count at commit time
        stats.inProgress409 += 1;
        return errorReply(409, 'request-in-progress', 'a request with this Idempotency-Key is still being processed', { 'retry-after': '1' });
      }
      await persist({ t: 'replay', terminalId, key });
      existing.requestCount += 1;
      stats.replays += 1;
      return { status: existing.status, body: existing.body, headers: { 'idempotent-replayed': 'true' } };
    }
    if (!json.ok) return errorReply(400, 'invalid-body', 'body is not JSON');
    const parsed = CaseSubmission.safeParse(json.value);
    if (!parsed.success) {
      return errorReply(400, 'invalid-body', parsed.error.issues.slice(0, 5).map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`).join('; '));
    }
    const missing = parsed.data.attachments.filter((h) => !attachments.has(h));
    if (missing.length > 0) return errorReply(422, 'attachment-missing', `${missing.length} referenced attachment(s) not uploaded`);
    const rec: IdemRecord = { terminalId, key, fp, state: 'processing', status: 0, body: '', caseNumber: '', receivedAt: '', test: parsed.data.test === true, requestCount: 1 };
    idem.set(sk, rec);
    stats.processing += 1;
    try {
      await sleep(faults.processingDelayMs ?? 0);
      const at = new Date(now());
      const receipt: CaseReceipt = { caseNumber: nextCaseNumber(at), receivedAt: at.toISOString() };
      const entry: CaseEntry = { t: 'case', terminalId, key, fp, status: 201, body: JSON.stringify(receipt), caseNumber: receipt.caseNumber, receivedAt: receipt.receivedAt, test: rec.test, requestCount: rec.requestCount };
      await persist(entry);
      if (idem.get(sk) !== rec) return errorReply(503, 'unavailable', 'simulator was reset while processing');
      // Keep the requests that got 409 meanwhile in the count.
      applyCase({ ...entry, requestCount: rec.requestCount });
      return { status: 201, body: entry.body };
    } catch {
      if (idem.get(sk) === rec) idem.delete(sk);
      return errorReply(500, 'internal', 'could not store the case');
    } finally {
      stats.processing = Math.max(0, stats.processing - 1);
    }
  };

  const putAttachment = async (sha: string, body: Buffer): Promise<SimReply> => {
    if (!Sha256Hex.safeParse(sha).success) return errorReply(400, 'invalid-body', 'path must end in a lower-case hex sha256');
    if (sha256Hex(body) !== sha) return errorReply(422, 'hash-mismatch', 'body does not hash to the sha256 in the path');
    if (attachments.has(sha)) return jsonReply(200, { sha256: sha, size: attachments.get(sha) });
    await persist({ t: 'att', sha, size: body.length });
    attachments.set(sha, body.length);
    return jsonReply(201, { sha256: sha, size: body.length });
  };

  const caseStatus = (caseNumber: string): SimReply => {
    const c = cases.get(caseNumber);
    if (!c) return errorReply(404, 'not-found', 'no such case');
    const status: CaseStatus = { caseNumber, state: c.state, receivedAt: c.receivedAt, updatedAt: c.rating?.ratedAt ?? c.receivedAt, rated: c.rating !== undefined };
    return jsonReply(200, status);
  };

  const rate = async (caseNumber: string, body: Buffer): Promise<SimReply> => {
    const c = cases.get(caseNumber);
    if (!c) return errorReply(404, 'not-found', 'no such case');
    let value: unknown;
    try {
      value = JSON.parse(body.toString('utf8'));
    } catch {
      return errorReply(400, 'invalid-body', 'body is not JSON');
    }
    const parsed = Rating.safeParse(value);
    if (!parsed.success) return errorReply(400, 'invalid-body', 'rating must be { score: 1..5, comment?, reasons?, contentVersion? }');
    const r = parsed.data;
    if (c.rating) {
      const same =
        c.rating.score === r.score &&
        (c.rating.comment ?? '') === (r.comment ?? '') &&
        (c.rating.reasons ?? []).join(',') === (r.reasons ?? []).join(',') &&
        (c.rating.contentVersion ?? '') === (r.contentVersion ?? '');
      return same ? jsonReply(200, c.rating) : errorReply(409, 'rating-conflict', 'this case was already rated differently');
    }
    const receipt: RatingReceipt = {
      caseNumber,
      score: r.score,
      ...(r.comment !== undefined ? { comment: r.comment } : {}),
      ...(r.reasons !== undefined ? { reasons: r.reasons } : {}),
      ...(r.contentVersion !== undefined ? { contentVersion: r.contentVersion } : {}),
      ratedAt: new Date(now()).toISOString(),
    };
    await persist({ t: 'rating', rating: receipt });
    c.rating = receipt;
    stats.ratings += 1;
    return jsonReply(201, receipt);
  };

  const lookupCertificates = (search: URLSearchParams): SimReply => {
    const q = CertificateQuery.safeParse({ type: search.get('type') ?? undefined, holder: search.get('holder') ?? undefined });
    if (!q.success) return errorReply(400, 'invalid-body', 'type and holder (64 hex characters) are required');
    const found = certificates.filter((c) => c.type === q.data.type && c.holder === q.data.holder).map(({ holder: _holder, ...cert }) => cert);
    return jsonReply(200, { certificates: found });
  };

  const route = async (terminalId: string, req: IncomingMessage, url: URL, body: Buffer): Promise<SimReply> => {
    const method = req.method ?? 'GET';
    const path = url.pathname;
    if (path === '/v1/health') return method === 'GET' ? jsonReply(200, { status: 'ok', time: new Date(now()).toISOString(), version: 'simulator' }) : errorReply(405, 'method-not-allowed', 'GET only');
    if (path === '/v1/catalog') {
      if (method !== 'GET') return errorReply(405, 'method-not-allowed', 'GET only');
      const inm = req.headers['if-none-match'];
      if (etagMatches(typeof inm === 'string' ? inm : undefined, catalogEtag)) return { status: 304, headers: { etag: catalogEtag } };
      return jsonReply(200, catalog, { etag: catalogEtag });
    }
    if (path === '/v1/cases') return method === 'POST' ? submitCase(terminalId, req, body) : errorReply(405, 'method-not-allowed', 'POST only');
    if (path === '/v1/certificates') return method === 'GET' ? lookupCertificates(url.searchParams) : errorReply(405, 'method-not-allowed', 'GET only');
    let m = /^\/v1\/attachments\/([^/]+)$/.exec(path);
    if (m) return method === 'PUT' ? putAttachment(m[1] ?? '', body) : errorReply(405, 'method-not-allowed', 'PUT only');
    m = /^\/v1\/cases\/([^/]+)\/rating$/.exec(path);
    if (m) return method === 'POST' ? rate(m[1] ?? '', body) : errorReply(405, 'method-not-allowed', 'POST only');
    m = /^\/v1\/cases\/([^/]+)$/.exec(path);
    if (m) return method === 'GET' ? caseStatus(m[1] ?? '') : errorReply(405, 'method-not-allowed', 'GET only');
    return errorReply(404, 'not-found', 'no such route');
  };

  // ---- admin ----

  const caseList = (): SimCaseInfo[] => {
    const out: SimCaseInfo[] = [];
    for (const r of idem.values()) {
      if (r.state === 'done') out.push({ caseNumber: r.caseNumber, idempotencyKey: r.key, terminalId: r.terminalId, requestCount: r.requestCount, receivedAt: r.receivedAt, test: r.test });
    }
    return out;
  };

  const resetState = async (): Promise<void> => {
    idem.clear();
    cases.clear();
    attachments.clear();
    seq = 0;
    stats = freshStats();
    faults = {};
    faultsEpoch = now();
    if (options.storeFile !== undefined && journal) {
      const old = journal;
      journal = undefined;
      await old.close();
      await rewriteJournal(options.storeFile, []);
      journal = await Journal.open(options.storeFile);
    }
  };

  const setFaults = (f: FaultConfig): void => {
    faults = FaultConfig.parse(f);
    faultsEpoch = now();
  };

  const admin = async (req: IncomingMessage, url: URL): Promise<SimReply> => {
    if (!LOOPBACK.has(req.socket.remoteAddress ?? '')) return errorReply(403, 'forbidden', 'admin routes are loopback only');
    const method = req.method ?? 'GET';
    const route = `${method} ${url.pathname}`;
    if (route === 'GET /_sim/cases') return jsonReply(200, caseList());
    if (route === 'GET /_sim/stats') return jsonReply(200, { ...stats, cases: cases.size, attachments: attachments.size });
    if (route === 'GET /_sim/faults') return jsonReply(200, faults);
    if (route === 'POST /_sim/reset') {
      await resetState();
      return jsonReply(200, { ok: true });
    }
    if (route === 'POST /_sim/faults' || route === 'POST /_sim/outage') {
      const r = await readBody(req, MAX_JSON_BYTES);
      if (r.kind !== 'ok') return errorReply(400, 'invalid-body', 'body missing or too large');
      let value: unknown;
      try {
        value = JSON.parse(r.body.toString('utf8'));
      } catch {
        return errorReply(400, 'invalid-body', 'body is not JSON');
      }
      if (route === 'POST /_sim/outage') {
        const o = z.strictObject({ on: z.union([z.boolean(), OutageMode]) }).safeParse(value);
        if (!o.success) return errorReply(400, 'invalid-body', 'expected { on: boolean | "reset" | "503" }');
        faults = { ...faults, outage: o.data.on };
        return jsonReply(200, faults);
      }
      const f = FaultConfig.safeParse(value);
      if (!f.success) return errorReply(400, 'invalid-body', f.error.issues.map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`).join('; '));
      setFaults(f.data);
      return jsonReply(200, faults);
    }
    return errorReply(404, 'not-found', 'no such admin route');
  };

  // ---- HTTP ----

  const send = async (res: ServerResponse, reply: SimReply, slowMs: number): Promise<void> => {
    const payload = reply.body !== undefined ? Buffer.from(reply.body, 'utf8') : undefined;
    const headers: Record<string, string> = { ...reply.headers };
    if (payload) {
      headers['content-type'] = 'application/json; charset=utf-8';
      headers['content-length'] = String(payload.length);
    }
    stats.byStatus[String(reply.status)] = (stats.byStatus[String(reply.status)] ?? 0) + 1;
    res.writeHead(reply.status, headers);
    if (!payload || slowMs <= 0 || payload.length < 2) {
      res.end(payload);
      return;
    }
    const pieces = Math.min(8, payload.length);
    const step = Math.ceil(payload.length / pieces);
    for (let off = 0; off < payload.length; off += step) {
      if (res.destroyed) return;
      res.write(payload.subarray(off, off + step));
      await sleep(Math.floor(slowMs / pieces));
    }
    res.end();
  };

  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const target = req.url ?? '/';
    let url: URL;
    try {
      url = new URL(target, 'http://sim.invalid');
    } catch {
      await send(res, errorReply(400, 'invalid-body', 'bad request target'), 0);
      return;
    }
    if (url.pathname.startsWith('/_sim/')) {
      await send(res, await admin(req, url), 0);
      return;
    }
    stats.requests += 1;
    const outage = activeOutage();
    if (outage === 'reset') {
      stats.faults.outageRefusals += 1;
      req.socket.destroy();
      return;
    }
    if (outage === '503') {
      stats.faults.outageRefusals += 1;
      res.setHeader('connection', 'close');
      await send(res, errorReply(503, 'unavailable', 'platform outage', retryAfterHeader() ?? { 'retry-after': '5' }), 0);
      return;
    }
    const limit = req.method === 'PUT' ? MAX_ATTACHMENT_BYTES : MAX_JSON_BYTES;
    const read = await readBody(req, limit);
    if (read.kind === 'aborted') return;
    if (read.kind === 'too-large') {
      res.setHeader('connection', 'close');
      await send(res, errorReply(413, 'payload-too-large', 'body too large'), 0);
      return;
    }
    await sleep(latency());
    if (chance(faults.errorRate)) {
      stats.faults.errors += 1;
      const statuses = faults.errorStatuses ?? [500, 502, 503];
      const status = statuses[Math.floor(rng() * statuses.length)] ?? 500;
      await send(res, errorReply(status, status === 503 ? 'unavailable' : 'internal', 'injected fault', retryAfterHeader()), 0);
      return;
    }
    if (chance(faults.resetRate)) {
      stats.faults.resets += 1;
      req.socket.destroy();
      return;
    }
    const auth = verifyRequest({
      method: req.method ?? 'GET',
      path: target,
      headers: req.headers,
      body: read.body,
      now: now(),
      skewMs,
      keyFor: (id) => keys.get(id),
      nonces,
    });
    if (!auth.ok) {
      stats.authFailures += 1;
      await send(res, errorReply(401, auth.reason, 'request signature rejected'), 0);
      return;
    }
    const reply = await route(auth.terminalId, req, url, read.body);
    if (chance(faults.dropAfterCommitRate)) {
      stats.faults.drops += 1;
      req.socket.destroy();
      return;
    }
    await send(res, reply, faults.slowBodyMs ?? 0);
  };

  const server = http.createServer((req, res) => {
    handle(req, res).catch(() => {
      if (!res.headersSent) {
        res.writeHead(500, { 'content-type': 'application/json; charset=utf-8' });
        res.end(JSON.stringify({ code: 'internal', message: 'simulator error' } satisfies ErrorBody));
      } else res.destroy();
    });
  });
  server.keepAliveTimeout = 30_000;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const port = (server.address() as AddressInfo).port;
  const url = host === '::1' ? `http://[::1]:${port}` : `http://${host}:${port}`;

  let closed = false;
  return {
    url,
    port,
    async close() {
      if (closed) return;
      closed = true;
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
      await journal?.close();
    },
    setFaults,
    faults: () => faults,
    setOutage(on) {
      faults = { ...faults, outage: on };
    },
    setCatalog(c) {
      catalog = c;
      catalogEtag = etagOf(c);
    },
    cases: caseList,
    stats: () => ({ ...stats, cases: cases.size, attachments: attachments.size }),
    reset: resetState,
  };
}
