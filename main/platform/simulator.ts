import * as http from 'node:http';
import { createHmac, randomBytes } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { z } from 'zod';
import { FaultConfig, FaultInjector, OutageMode } from './faults.js';
import type { FaultCounters } from './faults.js';
import { Journal, readJournalLines, rewriteJournal } from './journal.js';
import {
  CASE_TRANSITIONS,
  CaseDecision,
  CaseState,
  CaseSubmission,
  Certificate,
  CertificateQuery,
  CodeVerification,
  HolderToken,
  REQUEST_LIMITS,
  Rating,
  RatingReceipt,
  Sha256Hex,
  canonicalDateTime,
  caseStateProblem,
  idempotencyKeyOfHeader,
} from './schemas.js';
import type { CaseHistoryEntry, CaseReceipt, CaseStatus, ErrorBody, OperationId, PlatformErrorCode } from './schemas.js';
import { DEFAULT_SKEW_MS, NonceCache, sha256Hex, verifyRequest } from './signing.js';

export { parseFaultSpec, FaultConfig, FaultSpecError } from './faults.js';

/**
 * The provincial platform on loopback: the API of openapi.json with its signature, replay and idempotency rules,
 * a case lifecycle (timed progression and a control route), seeded fault injection (faults.ts) and unsigned admin
 * routes under /_sim/. Built for many thousands of requests: every lookup is a Map by idempotency key, case number,
 * holder or hash; persistence is a group-committed JSON-lines journal, durable before the reply is sent.
 */

export class PlatformSimulatorError extends Error {
  override readonly name = 'PlatformSimulatorError';
}

export const SimCertificate = Certificate.extend({ holder: HolderToken });
export type SimCertificate = z.infer<typeof SimCertificate>;

/** One step of the timed progression: `afterMs` after the case entered its previous state, it moves to `state`. */
export const ProgressionStep = z.strictObject({
  state: CaseState,
  afterMs: z.number().int().min(0).max(365 * 86_400_000),
  reason: z.string().min(1).max(2000).optional(),
  corrections: z.array(z.string().min(1).max(500)).min(1).max(50).optional(),
  decision: CaseDecision.optional(),
});
export type ProgressionStep = z.infer<typeof ProgressionStep>;

/** A progression must be a walk through CASE_TRANSITIONS from `received`, each step carrying what its state needs. */
export const Progression = z.array(ProgressionStep).max(20).superRefine((steps, ctx) => {
  let from: CaseState = 'received';
  steps.forEach((s, i) => {
    if (!CASE_TRANSITIONS[from].includes(s.state)) ctx.addIssue({ code: 'custom', path: [i, 'state'], message: `${s.state} cannot follow ${from}` });
    const problem = caseStateProblem(s.state, s);
    if (problem !== undefined) ctx.addIssue({ code: 'custom', path: [i], message: problem });
    from = s.state;
  });
});
export type Progression = z.infer<typeof Progression>;

/** The usual path: accepted, in review, completed (granted), each after `stepMs`. */
export function standardProgression(stepMs: number): ProgressionStep[] {
  return [
    { state: 'accepted', afterMs: stepMs },
    { state: 'in-review', afterMs: stepMs },
    { state: 'completed', afterMs: stepMs, decision: 'granted' },
  ];
}

/** What the control route (and `setCaseState`) takes. */
export const CaseStateChange = z.strictObject({
  state: CaseState,
  reason: z.string().min(1).max(2000).optional(),
  corrections: z.array(z.string().min(1).max(500)).min(1).max(50).optional(),
  decision: CaseDecision.optional(),
  /** Skip the transition rules (the state/detail rules still apply). */
  force: z.boolean().optional(),
});
export type CaseStateChange = z.infer<typeof CaseStateChange>;

export class CaseStateChangeError extends Error {
  override readonly name = 'CaseStateChangeError';
  constructor(
    readonly code: 'not-found' | 'invalid-body' | 'invalid-transition',
    message: string,
  ) {
    super(message);
  }
}

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
  /** Timed case progression (off when absent or empty); test cases never progress. */
  progression?: ProgressionStep[];
  /**
   * Request body limits below the documented ones (REQUEST_LIMITS), to play a platform whose limit differs from its
   * description (tests: what a 413 does to an entry that is already queued). Raising a limit is refused.
   */
  limits?: Partial<Record<OperationId, number>>;
}

export interface SimCaseInfo {
  caseNumber: string;
  idempotencyKey: string;
  terminalId: string;
  requestCount: number;
  receivedAt: string;
  test: boolean;
  state: CaseState;
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
  faults: FaultCounters;
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
  /** Replaces the timed progression (null or [] = off). Cases on the plan continue at the same step number. */
  setProgression(steps: ProgressionStep[] | null): void;
  /** Moves a case to a state, as an office would (throws CaseStateChangeError). Takes the case off the timed plan. */
  setCaseState(caseNumber: string, change: CaseStateChange): Promise<CaseStatus>;
  /** The case as GET /v1/cases/{caseNumber} shows it (after any due progression), or undefined. */
  caseStatus(caseNumber: string): Promise<CaseStatus | undefined>;
  cases(): SimCaseInfo[];
  stats(): SimStats;
  reset(): Promise<void>;
  /**
   * The code a citizen's app would show for one of the simulator's certificates (POST /v1/codes/verify
   * knows it; signed with a key of this run), or undefined for an unknown id. Also GET /_sim/codes.
   */
  certificateCode(certificateId: string): string | undefined;
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
  /** Holder token of the applicant, matter code and the kiosk's acceptance number (none is citizen data in the clear). */
  applicant: z.string().optional(),
  matterCode: z.string().optional(),
  localAcceptanceNumber: z.string().optional(),
});
type CaseEntry = z.infer<typeof CaseEntry>;
const StateEntry = z.object({
  t: z.literal('state'),
  caseNumber: z.string(),
  state: CaseState,
  at: z.number().int(),
  reason: z.string().optional(),
  corrections: z.array(z.string()).optional(),
  decision: CaseDecision.optional(),
  /** Set by the control route (takes the case off the timed plan). */
  manual: z.boolean(),
});
type StateEntry = z.infer<typeof StateEntry>;
const JournalEntry = z.discriminatedUnion('t', [
  CaseEntry,
  StateEntry,
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
  receivedMs: number;
  state: CaseState;
  /** When the current state was entered (ms). */
  changedAt: number;
  reason?: string;
  corrections?: string[];
  decision?: CaseDecision;
  history: CaseHistoryEntry[];
  idem: IdemRecord;
  rating?: RatingReceipt;
  applicant?: string;
  matterCode?: string;
  localAcceptanceNumber?: string;
  /** Steps of the timed plan applied so far; null once the control route set the state. */
  planStep: number | null;
}

interface SimReply {
  status: number;
  headers?: Record<string, string>;
  /** Already-serialised JSON (stored replies are replayed byte for byte). */
  body?: string;
  /** Content type of `body` (default JSON). */
  contentType?: string;
}

const DEFAULT_CATALOG = { version: '1', matters: [] as unknown[] };
const MAX_ADMIN_BYTES = 1024 * 1024;
/** A body is drained (and discarded) up to this much past its limit, so the 413 reaches a client still sending. */
const DRAIN_PAST_LIMIT = 64 * 1024 * 1024;
const LOOPBACK = new Set(['127.0.0.1', '::1', '::ffff:127.0.0.1']);
const MAX_LISTED_CASES = 100;

function errorReply(status: number, code: PlatformErrorCode, message: string, headers?: Record<string, string>, extra?: Partial<ErrorBody>): SimReply {
  const body: ErrorBody = { code, message, ...extra };
  return { status, body: JSON.stringify(body), ...(headers ? { headers } : {}) };
}

function jsonReply(status: number, value: unknown, headers?: Record<string, string>): SimReply {
  return { status, body: JSON.stringify(value), ...(headers ? { headers } : {}) };
}

function issuesText(err: z.ZodError): string {
  return err.issues
    .slice(0, 5)
    .map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`)
    .join('; ');
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

type BodyResult = { kind: 'ok'; body: Buffer } | { kind: 'too-large'; drained: boolean } | { kind: 'aborted' };

/** Reads a body up to `limit` bytes; past it, keeps draining (discarding) up to DRAIN_PAST_LIMIT, then says too-large. */
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
      if (size > limit + DRAIN_PAST_LIMIT) finish({ kind: 'too-large', drained: false });
      else if (size <= limit) chunks.push(c);
    });
    const end = (): void => finish(size > limit ? { kind: 'too-large', drained: true } : { kind: 'ok', body: Buffer.concat(chunks) });
    req.on('end', end);
    req.on('error', () => finish({ kind: 'aborted' }));
    req.on('close', () => (req.complete ? end() : finish({ kind: 'aborted' })));
  });
}

const HTML_PAGES: Record<number, string> = {
  200: 'Wi-Fi login required',
  302: 'Redirecting to the login page',
  401: 'Authorization Required',
  403: 'Forbidden',
  404: 'Not Found',
  407: 'Proxy Authentication Required',
  502: 'Bad Gateway',
  503: 'Service Temporarily Unavailable',
  504: 'Gateway Time-out',
};

function htmlReply(status: number): SimReply {
  const title = HTML_PAGES[status] ?? 'Error';
  return {
    status,
    contentType: 'text/html; charset=utf-8',
    body: `<!DOCTYPE html>\n<html><head><title>${status} ${title}</title></head><body><h1>${title}</h1><hr><center>nginx</center></body></html>\n`,
    ...(status === 302 ? { headers: { location: 'http://captive.portal.invalid/login' } } : {}),
  };
}

interface Route {
  op: OperationId;
  method: string;
  match: (path: string) => string[] | undefined;
}

const exact =
  (p: string) =>
  (path: string): string[] | undefined =>
    path === p ? [] : undefined;
const pattern =
  (re: RegExp) =>
  (path: string): string[] | undefined => {
    const m = re.exec(path);
    return m ? m.slice(1).map((x) => x ?? '') : undefined;
  };

/** The API's operations (openapi.json operationIds), matched by method and path. */
const ROUTES: readonly Route[] = [
  { op: 'health', method: 'GET', match: exact('/v1/health') },
  { op: 'getCatalog', method: 'GET', match: exact('/v1/catalog') },
  { op: 'putAttachment', method: 'PUT', match: pattern(/^\/v1\/attachments\/([^/]+)$/) },
  { op: 'submitCase', method: 'POST', match: exact('/v1/cases') },
  { op: 'listCases', method: 'GET', match: exact('/v1/cases') },
  { op: 'caseStatus', method: 'GET', match: pattern(/^\/v1\/cases\/([^/]+)$/) },
  { op: 'submitRating', method: 'POST', match: pattern(/^\/v1\/cases\/([^/]+)\/rating$/) },
  { op: 'lookupCertificate', method: 'GET', match: exact('/v1/certificates') },
  { op: 'verifyCode', method: 'POST', match: exact('/v1/codes/verify') },
];

/** The simulator's own e-certificate code format (what a citizen's phone app would show): opaque to the kiosk. */
const CODE_PREFIX = 'NXSL-EC1.';

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
  const limits: Record<OperationId, number> = { ...REQUEST_LIMITS };
  for (const [op, n] of Object.entries(options.limits ?? {}) as [OperationId, number][]) {
    if (!(op in REQUEST_LIMITS) || !Number.isInteger(n) || n < 0 || n > REQUEST_LIMITS[op]) throw new PlatformSimulatorError(`limits.${op}: must be a whole number from 0 to the documented ${REQUEST_LIMITS[op]}`);
    limits[op] = n;
  }
  const parsedProgression = Progression.safeParse(options.progression ?? [], { jitless: true }); // parsed once at start: no JIT
  if (!parsedProgression.success) throw new PlatformSimulatorError(`progression: ${issuesText(parsedProgression.error)}`);
  let progression: ProgressionStep[] = parsedProgression.data;
  let progressionSince = now();
  const certificates = z.array(SimCertificate).parse(options.certificates ?? [], { jitless: true });
  let catalog: unknown = options.catalog ?? DEFAULT_CATALOG;
  let catalogEtag = etagOf(catalog);
  const faults = new FaultInjector({ seed: options.seed ?? 1, now, ...(options.faults ? { config: options.faults } : {}) });
  const nonces = new NonceCache(2 * skewMs);

  const idem = new Map<string, IdemRecord>();
  const cases = new Map<string, CaseRecord>();
  const byHolder = new Map<string, CaseRecord[]>();
  const attachments = new Map<string, number>();
  let seq = 0;
  const freshStats = (): Omit<SimStats, 'faults'> => ({
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
    journal: { loadedEntries: 0, skippedLines: 0 },
  });
  let stats = freshStats();

  // ---- state transitions (shared by live requests and journal replay) ----

  const applyCase = (e: CaseEntry): void => {
    const rec: IdemRecord = { terminalId: e.terminalId, key: e.key, fp: e.fp, state: 'done', status: e.status, body: e.body, caseNumber: e.caseNumber, receivedAt: e.receivedAt, test: e.test, requestCount: e.requestCount };
    idem.set(scoped(e.terminalId, e.key), rec);
    const receivedMs = Date.parse(e.receivedAt);
    const c: CaseRecord = {
      caseNumber: e.caseNumber,
      receivedAt: e.receivedAt,
      receivedMs,
      state: 'received',
      changedAt: receivedMs,
      history: [{ state: 'received', at: e.receivedAt }],
      idem: rec,
      planStep: 0,
      ...(e.applicant !== undefined ? { applicant: e.applicant } : {}),
      ...(e.matterCode !== undefined ? { matterCode: e.matterCode } : {}),
      ...(e.localAcceptanceNumber !== undefined ? { localAcceptanceNumber: e.localAcceptanceNumber } : {}),
    };
    cases.set(e.caseNumber, c);
    if (c.applicant !== undefined && !e.test) {
      const list = byHolder.get(c.applicant) ?? [];
      list.push(c);
      byHolder.set(c.applicant, list);
    }
    const m = /-([0-9]+)$/.exec(e.caseNumber);
    if (m) seq = Math.max(seq, Number(m[1]));
  };
  const applyState = (e: StateEntry): void => {
    const c = cases.get(e.caseNumber);
    if (!c) return;
    const decision = e.decision ?? (e.state === 'delivered' ? c.decision : undefined);
    c.state = e.state;
    c.changedAt = e.at;
    delete c.reason;
    delete c.corrections;
    delete c.decision;
    if (e.reason !== undefined) c.reason = e.reason;
    if (e.corrections !== undefined) c.corrections = e.corrections;
    if (decision !== undefined) c.decision = decision;
    if (c.history.length < 100) c.history.push({ state: e.state, at: canonicalDateTime(e.at), ...(e.reason !== undefined ? { reason: e.reason } : {}) });
    c.planStep = e.manual || c.planStep === null ? null : c.planStep + 1;
  };
  const apply = (e: JournalEntry): void => {
    switch (e.t) {
      case 'case':
        applyCase(e);
        break;
      case 'state':
        applyState(e);
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
  const stateLog = new Map<string, StateEntry[]>();
  const snapshot = (): JournalEntry[] => {
    const out: JournalEntry[] = [];
    for (const [sha, size] of attachments) out.push({ t: 'att', sha, size });
    for (const c of cases.values()) {
      const rec = c.idem;
      if (rec.state !== 'done') continue;
      const { state: _state, ...rest } = rec;
      out.push({
        t: 'case',
        ...rest,
        ...(c.applicant !== undefined ? { applicant: c.applicant } : {}),
        ...(c.matterCode !== undefined ? { matterCode: c.matterCode } : {}),
        ...(c.localAcceptanceNumber !== undefined ? { localAcceptanceNumber: c.localAcceptanceNumber } : {}),
      });
      for (const s of stateLog.get(c.caseNumber) ?? []) out.push(s);
      if (c.rating) out.push({ t: 'rating', rating: c.rating });
    }
    return out;
  };
  const recordState = (e: StateEntry): void => {
    const log = stateLog.get(e.caseNumber) ?? [];
    log.push(e);
    stateLog.set(e.caseNumber, log);
    applyState(e);
  };

  let journal: Journal | undefined;
  if (options.storeFile !== undefined) {
    const { lines, skipped } = await readJournalLines(options.storeFile);
    let loaded = 0;
    let bad = skipped;
    for (const line of lines) {
      const e = JournalEntry.safeParse(line);
      if (e.success) {
        if (e.data.t === 'state') recordState(e.data);
        else apply(e.data);
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

  // ---- case lifecycle ----

  /** Applies the timed steps now due (in memory at once, so concurrent readers agree), then makes them durable. */
  const advance = async (c: CaseRecord): Promise<void> => {
    const due: StateEntry[] = [];
    while (c.planStep !== null && !c.idem.test && c.planStep < progression.length) {
      const step = progression[c.planStep];
      if (step === undefined) break;
      const at = Math.max(c.changedAt, progressionSince) + step.afterMs;
      if (at > now()) break;
      if (!CASE_TRANSITIONS[c.state].includes(step.state)) {
        c.planStep = null; // the plan changed under this case; it stays where it is
        break;
      }
      const e: StateEntry = {
        t: 'state',
        caseNumber: c.caseNumber,
        state: step.state,
        at,
        manual: false,
        ...(step.reason !== undefined ? { reason: step.reason } : {}),
        ...(step.corrections !== undefined ? { corrections: step.corrections } : {}),
        ...(step.decision !== undefined ? { decision: step.decision } : {}),
      };
      recordState(e);
      due.push(e);
    }
    for (const e of due) await persist(e);
  };

  const statusOf = (c: CaseRecord): CaseStatus => {
    const updated = Math.max(c.changedAt, c.rating ? Date.parse(c.rating.ratedAt) : 0);
    return {
      caseNumber: c.caseNumber,
      state: c.state,
      receivedAt: c.receivedAt,
      updatedAt: canonicalDateTime(updated),
      rated: c.rating !== undefined,
      ...(c.decision !== undefined ? { decision: c.decision } : {}),
      ...(c.reason !== undefined ? { reason: c.reason } : {}),
      ...(c.corrections !== undefined ? { corrections: c.corrections } : {}),
      ...(c.matterCode !== undefined ? { matterCode: c.matterCode } : {}),
      ...(c.localAcceptanceNumber !== undefined ? { localAcceptanceNumber: c.localAcceptanceNumber } : {}),
      history: c.history,
    };
  };

  const setCaseState = async (caseNumber: string, input: unknown): Promise<CaseStatus> => {
    const c = cases.get(caseNumber);
    if (!c) throw new CaseStateChangeError('not-found', 'no such case');
    const parsed = CaseStateChange.safeParse(input);
    if (!parsed.success) throw new CaseStateChangeError('invalid-body', issuesText(parsed.error));
    const change = parsed.data;
    await advance(c);
    const decision = change.decision ?? (change.state === 'delivered' ? c.decision : undefined);
    const problem = caseStateProblem(change.state, { ...change, decision });
    if (problem !== undefined) throw new CaseStateChangeError('invalid-body', problem);
    if (change.force !== true && !CASE_TRANSITIONS[c.state].includes(change.state)) {
      const allowed = CASE_TRANSITIONS[c.state];
      throw new CaseStateChangeError('invalid-transition', `${change.state} cannot follow ${c.state} (allowed: ${allowed.length > 0 ? allowed.join(', ') : 'none, it is final'})`);
    }
    const e: StateEntry = {
      t: 'state',
      caseNumber,
      state: change.state,
      at: now(),
      manual: true,
      ...(change.reason !== undefined ? { reason: change.reason } : {}),
      ...(change.corrections !== undefined ? { corrections: change.corrections } : {}),
      ...(decision !== undefined ? { decision } : {}),
    };
    await persist(e);
    recordState(e);
    return statusOf(c);
  };

  // ---- routes ----

  const nextCaseNumber = (at: Date): string => {
    seq += 1;
    const ymd = at.toISOString().slice(0, 10).replace(/-/g, '');
    return `NX-${ymd}-${String(seq).padStart(7, '0')}`;
  };

  const submitCase = async (terminalId: string, req: IncomingMessage, body: Buffer): Promise<SimReply> => {
    const header = req.headers['idempotency-key'];
    if (header === undefined) return errorReply(400, 'idempotency-key-missing', 'Idempotency-Key header is required');
    const key = typeof header === 'string' ? idempotencyKeyOfHeader(header) : undefined;
    if (key === undefined) return errorReply(400, 'idempotency-key-invalid', 'Idempotency-Key must be 1-255 visible ASCII characters, bare or in double quotes');
    let json: { ok: true; value: unknown } | { ok: false };
    try {
      json = { ok: true, value: JSON.parse(body.toString('utf8')) as unknown };
    } catch {
      json = { ok: false };
    }
    const parsed = json.ok ? CaseSubmission.safeParse(json.value) : undefined;
    // Fingerprint of the normalised submission (date-times in canonical form), so two spellings of one instant agree.
    const fp = sha256Hex(parsed?.success ? canonicalJson(parsed.data) : json.ok ? canonicalJson(json.value) : body);
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
    if (!parsed?.success) return errorReply(400, 'invalid-body', parsed ? issuesText(parsed.error) : 'invalid body');
    const sub = parsed.data;
    const missing = sub.attachments.filter((h) => !attachments.has(h));
    if (missing.length > 0) return errorReply(422, 'attachment-missing', `${missing.length} referenced attachment(s) not uploaded`);
    const rec: IdemRecord = { terminalId, key, fp, state: 'processing', status: 0, body: '', caseNumber: '', receivedAt: '', test: sub.test === true, requestCount: 1 };
    idem.set(sk, rec);
    stats.processing += 1;
    try {
      await sleep(faults.processingDelayMs());
      const at = new Date(now());
      const receipt: CaseReceipt = { caseNumber: nextCaseNumber(at), receivedAt: canonicalDateTime(at.getTime()) };
      const entry: CaseEntry = {
        t: 'case',
        terminalId,
        key,
        fp,
        status: 201,
        body: JSON.stringify(receipt),
        caseNumber: receipt.caseNumber,
        receivedAt: receipt.receivedAt,
        test: rec.test,
        requestCount: rec.requestCount,
        applicant: sub.applicantToken,
        matterCode: sub.matterCode,
        ...(sub.localAcceptanceNumber !== undefined ? { localAcceptanceNumber: sub.localAcceptanceNumber } : {}),
      };
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

  const caseStatus = async (caseNumber: string): Promise<SimReply> => {
    const c = cases.get(caseNumber);
    if (!c) return errorReply(404, 'not-found', 'no such case');
    await advance(c);
    return jsonReply(200, statusOf(c));
  };

  const listCases = async (search: URLSearchParams): Promise<SimReply> => {
    const holder = HolderToken.safeParse(search.get('holder') ?? undefined);
    if (!holder.success) return errorReply(400, 'invalid-body', 'holder (64 lower-case hex characters) is required');
    const mine = (byHolder.get(holder.data) ?? []).slice(-MAX_LISTED_CASES).reverse();
    for (const c of mine) await advance(c);
    return jsonReply(200, { cases: mine.map(statusOf) });
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
      ratedAt: canonicalDateTime(now()),
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

  const codeKey = randomBytes(32);
  const codeMac = (id: string): string => createHmac('sha256', codeKey).update(id, 'utf8').digest('hex').slice(0, 16);
  const certificateCode = (id: string): string | undefined =>
    certificates.some((c) => c.id === id) ? `${CODE_PREFIX}${Buffer.from(id, 'utf8').toString('base64url')}.${codeMac(id)}` : undefined;

  const verifyCode = (body: Buffer): SimReply => {
    let value: unknown;
    try {
      value = JSON.parse(body.toString('utf8'));
    } catch {
      return errorReply(400, 'invalid-body', 'body is not JSON');
    }
    const q = CodeVerification.safeParse(value);
    if (!q.success) return errorReply(400, 'invalid-body', 'expected { code: base64, holder: 64 hex characters }');
    const text = Buffer.from(q.data.code, 'base64').toString('latin1');
    if (!text.startsWith(CODE_PREFIX)) return jsonReply(200, { result: 'invalid', reason: 'unknown' });
    const m = /^([A-Za-z0-9_-]{1,200})\.([0-9a-f]{16})$/.exec(text.slice(CODE_PREFIX.length));
    const id = m ? Buffer.from(m[1] ?? '', 'base64url').toString('utf8') : '';
    if (!m || m[2] !== codeMac(id)) return jsonReply(200, { result: 'invalid', reason: 'malformed' });
    const cert = certificates.find((c) => c.id === id);
    if (!cert) return jsonReply(200, { result: 'invalid', reason: 'unknown' });
    if (cert.expiresAt !== undefined && Date.parse(cert.expiresAt) <= now()) return jsonReply(200, { result: 'invalid', reason: 'expired' });
    const { holder, ...shown } = cert;
    return jsonReply(200, { result: 'valid', kind: cert.type === 'e-id' ? 'e-id' : 'e-certificate', certificate: shown, holderMatches: holder === q.data.holder });
  };

  const health = (): SimReply => jsonReply(200, { status: faults.degraded() ? 'degraded' : 'ok', time: canonicalDateTime(now()), version: 'simulator' });

  const catalogReply = (req: IncomingMessage): SimReply => {
    const inm = req.headers['if-none-match'];
    if (etagMatches(typeof inm === 'string' ? inm : undefined, catalogEtag)) return { status: 304, headers: { etag: catalogEtag } };
    return jsonReply(200, catalog, { etag: catalogEtag });
  };

  const dispatch = (op: OperationId, params: string[], terminalId: string, req: IncomingMessage, url: URL, body: Buffer): SimReply | Promise<SimReply> => {
    const p0 = params[0] ?? '';
    switch (op) {
      case 'health':
        return health();
      case 'getCatalog':
        return catalogReply(req);
      case 'putAttachment':
        return putAttachment(p0, body);
      case 'submitCase':
        return submitCase(terminalId, req, body);
      case 'listCases':
        return listCases(url.searchParams);
      case 'caseStatus':
        return caseStatus(p0);
      case 'submitRating':
        return rate(p0, body);
      case 'lookupCertificate':
        return lookupCertificates(url.searchParams);
      case 'verifyCode':
        return verifyCode(body);
    }
  };

  // ---- admin ----

  const caseList = (): SimCaseInfo[] => {
    const out: SimCaseInfo[] = [];
    for (const r of idem.values()) {
      if (r.state !== 'done') continue;
      out.push({ caseNumber: r.caseNumber, idempotencyKey: r.key, terminalId: r.terminalId, requestCount: r.requestCount, receivedAt: r.receivedAt, test: r.test, state: cases.get(r.caseNumber)?.state ?? 'received' });
    }
    return out;
  };

  const resetState = async (): Promise<void> => {
    idem.clear();
    cases.clear();
    byHolder.clear();
    stateLog.clear();
    attachments.clear();
    seq = 0;
    stats = freshStats();
    faults.clear();
    progression = parsedProgression.data;
    progressionSince = now();
    if (options.storeFile !== undefined && journal) {
      const old = journal;
      journal = undefined;
      await old.close();
      await rewriteJournal(options.storeFile, []);
      journal = await Journal.open(options.storeFile);
    }
  };

  const setProgression = (steps: ProgressionStep[] | null): void => {
    const parsed = Progression.safeParse(steps ?? []);
    if (!parsed.success) throw new PlatformSimulatorError(`progression: ${issuesText(parsed.error)}`);
    progression = parsed.data;
    progressionSince = now();
  };

  const readAdminJson = async (req: IncomingMessage): Promise<{ ok: true; value: unknown } | { ok: false; reply: SimReply }> => {
    const r = await readBody(req, MAX_ADMIN_BYTES);
    if (r.kind !== 'ok') return { ok: false, reply: errorReply(400, 'invalid-body', 'body missing or too large') };
    try {
      return { ok: true, value: JSON.parse(r.body.toString('utf8')) as unknown };
    } catch {
      return { ok: false, reply: errorReply(400, 'invalid-body', 'body is not JSON') };
    }
  };

  const admin = async (req: IncomingMessage, url: URL): Promise<SimReply> => {
    if (!LOOPBACK.has(req.socket.remoteAddress ?? '')) return errorReply(403, 'forbidden', 'admin routes are loopback only');
    const method = req.method ?? 'GET';
    const route = `${method} ${url.pathname}`;
    if (route === 'GET /_sim/cases') return jsonReply(200, caseList());
    if (route === 'GET /_sim/stats') return jsonReply(200, currentStats());
    if (route === 'GET /_sim/faults') return jsonReply(200, faults.config);
    if (route === 'GET /_sim/progression') return jsonReply(200, { steps: progression });
    if (route === 'GET /_sim/codes') return jsonReply(200, { codes: certificates.map((c) => ({ id: c.id, type: c.type, code: certificateCode(c.id) })) });
    if (route === 'POST /_sim/reset') {
      await resetState();
      return jsonReply(200, { ok: true });
    }
    const stateRoute = /^POST \/_sim\/cases\/([A-Za-z0-9-]{1,64})\/state$/.exec(route);
    if (route === 'POST /_sim/faults' || route === 'POST /_sim/outage' || route === 'POST /_sim/progression' || stateRoute) {
      const body = await readAdminJson(req);
      if (!body.ok) return body.reply;
      const value = body.value;
      if (stateRoute) {
        try {
          return jsonReply(200, await setCaseState(stateRoute[1] ?? '', value));
        } catch (e) {
          if (!(e instanceof CaseStateChangeError)) throw e;
          return errorReply(e.code === 'not-found' ? 404 : e.code === 'invalid-transition' ? 409 : 400, e.code, e.message);
        }
      }
      if (route === 'POST /_sim/outage') {
        const o = z.strictObject({ on: z.union([z.boolean(), OutageMode]) }).safeParse(value);
        if (!o.success) return errorReply(400, 'invalid-body', 'expected { on: boolean | "reset" | "503" }');
        faults.patch({ outage: o.data.on });
        return jsonReply(200, faults.config);
      }
      if (route === 'POST /_sim/progression') {
        const p = z.strictObject({ steps: Progression.nullable() }).safeParse(value);
        if (!p.success) return errorReply(400, 'invalid-body', issuesText(p.error));
        setProgression(p.data.steps);
        return jsonReply(200, { steps: progression });
      }
      const f = FaultConfig.safeParse(value);
      if (!f.success) return errorReply(400, 'invalid-body', issuesText(f.error));
      faults.set(f.data);
      return jsonReply(200, faults.config);
    }
    return errorReply(404, 'not-found', 'no such admin route');
  };

  const currentStats = (): SimStats => ({ ...stats, cases: cases.size, attachments: attachments.size, faults: { ...faults.counters } });

  // ---- HTTP ----

  const send = async (res: ServerResponse, reply: SimReply, slowMs: number): Promise<void> => {
    const payload = reply.body !== undefined ? Buffer.from(reply.body, 'utf8') : undefined;
    // The platform's clock (the simulated one when `now` is given): kiosks learn their offset from it.
    const headers: Record<string, string> = { date: new Date(now()).toUTCString(), ...reply.headers };
    if (payload) {
      headers['content-type'] = reply.contentType ?? 'application/json; charset=utf-8';
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

  const retryAfter = (sec: number | undefined): Record<string, string> | undefined => (sec !== undefined ? { 'retry-after': String(sec) } : undefined);

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
    const method = req.method ?? 'GET';
    const proxied = faults.proxy();
    if (proxied !== undefined) {
      res.setHeader('connection', 'close');
      await send(res, htmlReply(proxied), 0);
      return;
    }
    const outage = faults.outage();
    if (outage === 'reset') {
      req.socket.destroy();
      return;
    }
    if (outage === '503') {
      res.setHeader('connection', 'close');
      await send(res, errorReply(503, 'unavailable', 'platform outage', retryAfter(faults.outageRetryAfterSec())), 0);
      return;
    }
    let route: { op: OperationId; params: string[] } | undefined;
    let pathKnown = false;
    for (const r of ROUTES) {
      const params = r.match(url.pathname);
      if (params === undefined) continue;
      pathKnown = true;
      if (r.method === method) {
        route = { op: r.op, params };
        break;
      }
    }
    if (route === undefined) {
      res.setHeader('connection', 'close');
      await send(res, pathKnown ? errorReply(405, 'method-not-allowed', 'method not allowed on this path') : errorReply(404, 'not-found', 'no such route'), 0);
      return;
    }
    const read = await readBody(req, limits[route.op]);
    if (read.kind === 'aborted') return;
    if (read.kind === 'too-large') {
      if (!read.drained) res.setHeader('connection', 'close');
      await send(res, errorReply(413, 'payload-too-large', `request body over the ${limits[route.op]}-byte limit of this operation`), 0);
      return;
    }
    await sleep(faults.latencyMs());
    const terminalHeader = req.headers['x-terminal-id'];
    const limited = faults.rateLimited(typeof terminalHeader === 'string' ? terminalHeader : '');
    if (limited) {
      await send(res, errorReply(429, 'rate-limited', 'too many requests from this terminal', retryAfter(limited.retryAfterSec)), 0);
      return;
    }
    const injected = faults.error();
    if (injected) {
      const ra = injected.status === 429 ? (injected.retryAfterSec ?? 1) : injected.retryAfterSec;
      await send(res, errorReply(injected.status, injected.code, 'injected fault', retryAfter(ra)), 0);
      return;
    }
    if (faults.reset()) {
      req.socket.destroy();
      return;
    }
    const auth = verifyRequest({
      method,
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
      const extra = auth.reason === 'clock-skew' ? { serverTime: canonicalDateTime(now()) } : undefined;
      await send(res, errorReply(401, auth.reason, 'request signature rejected', undefined, extra), 0);
      return;
    }
    const reply = await dispatch(route.op, route.params, auth.terminalId, req, url, read.body);
    if (faults.drop()) {
      req.socket.destroy();
      return;
    }
    await send(res, reply, faults.slowBodyMs());
  };

  const server = http.createServer((req, res) => {
    handle(req, res).catch(() => {
      if (!res.headersSent) {
        res.writeHead(500, { 'content-type': 'application/json; charset=utf-8', date: new Date(now()).toUTCString() });
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
    setFaults: (f) => faults.set(f),
    faults: () => faults.config,
    setOutage(on) {
      faults.patch({ outage: on });
    },
    setCatalog(c) {
      catalog = c;
      catalogEtag = etagOf(c);
    },
    setProgression,
    setCaseState: (caseNumber, change) => setCaseState(caseNumber, change),
    async caseStatus(caseNumber) {
      const c = cases.get(caseNumber);
      if (!c) return undefined;
      await advance(c);
      return statusOf(c);
    },
    cases: caseList,
    stats: currentStats,
    reset: resetState,
    certificateCode,
  };
}
