import { z } from 'zod';

/**
 * Fault injection for the platform simulator. All rates are probabilities in [0, 1] drawn from a seeded RNG,
 * so a test with a fixed seed and a fixed request sequence sees the same faults every time.
 */

const Rate = z.number().min(0).max(1);
const Ms = z.number().int().min(0).max(3_600_000);

export const LatencySpec = z.union([Ms, z.strictObject({ min: Ms, max: Ms }).refine((r) => r.min <= r.max, 'min must be <= max')]);
export type LatencySpec = z.infer<typeof LatencySpec>;

export const OutageMode = z.enum(['reset', '503']);
export type OutageMode = z.infer<typeof OutageMode>;

/** An outage window in ms relative to the moment the faults were set (or the simulator started). */
export const OutageWindow = z
  .strictObject({ startMs: Ms, endMs: Ms, mode: OutageMode.optional() })
  .refine((w) => w.startMs <= w.endMs, 'startMs must be <= endMs');
export type OutageWindow = z.infer<typeof OutageWindow>;

/** Statuses `errorRate` can inject, each with the platform's code for it (openapi.json declares them all). */
export const INJECTABLE_STATUSES = { 408: 'request-timeout', 429: 'rate-limited', 500: 'internal', 502: 'bad-gateway', 503: 'unavailable' } as const;
export type InjectableStatus = keyof typeof INJECTABLE_STATUSES;
const InjectableStatus = z.literal([408, 429, 500, 502, 503]);

/** Statuses a misrouting proxy or captive portal answers with, in HTML (never the platform's JSON). */
export const ProxyStatus = z.literal([200, 302, 401, 403, 404, 407, 502, 503, 504]);

export const FaultConfig = z.strictObject({
  /** Added before every /v1 request is handled: fixed ms or a uniform range. */
  latencyMs: LatencySpec.optional(),
  /** Probability of answering an error status (drawn from errorStatuses) without processing. */
  errorRate: Rate.optional(),
  /** Statuses drawn from for errorRate (default 500, 502, 503). */
  errorStatuses: z.array(InjectableStatus).min(1).optional(),
  /** Retry-After (seconds) sent with injected errors, 429s and outage 503s. */
  retryAfterSec: z.number().int().min(0).max(86_400).optional(),
  /** Rate limit per terminal (by its X-Terminal-Id): at most `requests` per fixed window of `perMs`; more is 429. */
  rateLimit: z.strictObject({ requests: z.number().int().min(1).max(1_000_000), perMs: z.number().int().min(1).max(3_600_000) }).optional(),
  /** Probability of destroying the socket before answering (nothing processed). */
  resetRate: Rate.optional(),
  /** Outage windows (connection reset or 503 for every /v1 request). */
  outages: z.array(OutageWindow).max(100).optional(),
  /** Manual outage switch (`setOutage`): true = reset, or the mode. */
  outage: z.union([z.boolean(), OutageMode]).optional(),
  /** A proxy or captive portal in front of the platform answers HTML with this status (nothing reaches the platform). */
  proxyHtml: z.strictObject({ status: ProxyStatus, rate: Rate.optional() }).optional(),
  /** GET /v1/health says `degraded` (the platform answers, but is impaired). */
  degraded: z.boolean().optional(),
  /** Dribble the reply body over this many ms. */
  slowBodyMs: Ms.optional(),
  /** Probability of processing (and committing) the request, then destroying the connection without replying. */
  dropAfterCommitRate: Rate.optional(),
  /** Artificial processing time of a case submission (so 409 "in progress" can be observed). */
  processingDelayMs: Ms.optional(),
});
export type FaultConfig = z.infer<typeof FaultConfig>;

export interface FaultCounters {
  errors: number;
  resets: number;
  drops: number;
  outageRefusals: number;
  rateLimited: number;
  proxied: number;
}

export type InjectedError = { status: InjectableStatus; code: (typeof INJECTABLE_STATUSES)[InjectableStatus]; retryAfterSec?: number };

/**
 * Applies a FaultConfig, stage by stage, in the order a request meets them: a proxy in front (`proxy`), an outage
 * (`outage`), latency, the rate limit, an injected error, a reset, and after processing a dropped reply. The one place
 * that decides faults: the simulator asks it at each stage and does what it says. Seeded and clock-injected, so a
 * fixed seed and request sequence give the same faults.
 */
export class FaultInjector {
  #config: FaultConfig = {};
  #epoch: number;
  readonly #rng: () => number;
  readonly #now: () => number;
  readonly #windows = new Map<string, { start: number; count: number }>();
  counters: FaultCounters = FaultInjector.zero();

  constructor(opts: { seed: number; now: () => number; config?: FaultConfig }) {
    this.#rng = seededRandom(opts.seed);
    this.#now = opts.now;
    this.#epoch = opts.now();
    if (opts.config) this.set(opts.config);
  }

  static zero(): FaultCounters {
    return { errors: 0, resets: 0, drops: 0, outageRefusals: 0, rateLimited: 0, proxied: 0 };
  }

  get config(): FaultConfig {
    return this.#config;
  }

  /** Replaces the configuration (validated); outage windows count from now, rate windows restart. */
  set(config: FaultConfig): void {
    this.#config = FaultConfig.parse(config);
    this.#epoch = this.#now();
    this.#windows.clear();
  }

  /** Changes one setting without restarting windows (the manual outage switch). */
  patch(p: Partial<FaultConfig>): void {
    this.#config = FaultConfig.parse({ ...this.#config, ...p });
  }

  /** Forgets configuration and counters. */
  clear(): void {
    this.set({});
    this.counters = FaultInjector.zero();
  }

  #chance(rate: number | undefined): boolean {
    return rate !== undefined && rate > 0 && this.#rng() < rate;
  }

  #retryAfter(): { retryAfterSec?: number } {
    return this.#config.retryAfterSec !== undefined ? { retryAfterSec: this.#config.retryAfterSec } : {};
  }

  /** The HTML status a proxy answers with instead of the platform, or undefined. */
  proxy(): number | undefined {
    const p = this.#config.proxyHtml;
    if (p === undefined || !(p.rate === undefined || this.#chance(p.rate))) return undefined;
    this.counters.proxied += 1;
    return p.status;
  }

  /** The outage in force now, if any. */
  outage(): OutageMode | undefined {
    const f = this.#config;
    let mode: OutageMode | undefined;
    if (f.outage === true) mode = 'reset';
    else if (f.outage === 'reset' || f.outage === '503') mode = f.outage;
    else if (f.outages && f.outages.length > 0) {
      const t = this.#now() - this.#epoch;
      for (const w of f.outages) if (t >= w.startMs && t < w.endMs) mode = w.mode ?? 'reset';
    }
    if (mode !== undefined) this.counters.outageRefusals += 1;
    return mode;
  }

  /** Retry-After seconds for an outage 503 (the configured value, else 5). */
  outageRetryAfterSec(): number {
    return this.#config.retryAfterSec ?? 5;
  }

  latencyMs(): number {
    const l = this.#config.latencyMs;
    if (l === undefined) return 0;
    if (typeof l === 'number') return l;
    return l.min + Math.floor(this.#rng() * (l.max - l.min + 1));
  }

  /** A 429 with the seconds until the terminal's window reopens, or undefined when under the limit. */
  rateLimited(terminal: string): { retryAfterSec: number } | undefined {
    const rl = this.#config.rateLimit;
    if (rl === undefined) return undefined;
    const now = this.#now();
    let w = this.#windows.get(terminal);
    if (w === undefined || now - w.start >= rl.perMs) {
      w = { start: now, count: 0 };
      this.#windows.set(terminal, w);
    }
    w.count += 1;
    if (w.count <= rl.requests) return undefined;
    this.counters.rateLimited += 1;
    return { retryAfterSec: Math.max(1, Math.ceil((w.start + rl.perMs - now) / 1000)) };
  }

  /** An injected error reply, or undefined. */
  error(): InjectedError | undefined {
    if (!this.#chance(this.#config.errorRate)) return undefined;
    this.counters.errors += 1;
    const statuses = this.#config.errorStatuses ?? [500, 502, 503];
    const status = statuses[Math.floor(this.#rng() * statuses.length)] ?? 500;
    return { status, code: INJECTABLE_STATUSES[status], ...this.#retryAfter() };
  }

  /** true: destroy the socket before answering. */
  reset(): boolean {
    if (!this.#chance(this.#config.resetRate)) return false;
    this.counters.resets += 1;
    return true;
  }

  /** true: the request was processed; destroy the connection instead of replying. */
  drop(): boolean {
    if (!this.#chance(this.#config.dropAfterCommitRate)) return false;
    this.counters.drops += 1;
    return true;
  }

  slowBodyMs(): number {
    return this.#config.slowBodyMs ?? 0;
  }

  processingDelayMs(): number {
    return this.#config.processingDelayMs ?? 0;
  }

  degraded(): boolean {
    return this.#config.degraded === true;
  }
}

export class FaultSpecError extends Error {
  override readonly name = 'FaultSpecError';
  constructor(
    readonly spec: string,
    message: string,
  ) {
    super(message);
  }
}

function parseNumber(spec: string, name: string, raw: string): number {
  if (!/^[0-9]+(\.[0-9]+)?$/.test(raw)) throw new FaultSpecError(spec, `fault "${name}": "${raw}" is not a number`);
  return Number(raw);
}

function parseRange(spec: string, name: string, raw: string): { min: number; max: number } | number {
  const m = /^([0-9]+)-([0-9]+)$/.exec(raw);
  if (m) return { min: Number(m[1]), max: Number(m[2]) };
  return parseNumber(spec, name, raw);
}

/**
 * Parses a command-line fault spec such as
 * `error=0.3,reset=0.1,latency=20-200,outage=5000-15000,drop=0.05,slow=500,processing=100,retry-after=2,outage-mode=503`,
 * `status=503/502/429/408`, `rate-limit=10/1000` (requests per ms window), `html=404` (a proxy answering HTML; with
 * `html-rate=0.5` for some requests only), `degraded=on`.
 * `outage` may repeat; `outage=on` switches the manual outage on. Throws FaultSpecError on anything unknown or invalid.
 */
export function parseFaultSpec(spec: string): FaultConfig {
  const raw: Record<string, unknown> = {};
  const outages: { startMs: number; endMs: number }[] = [];
  let outageMode: OutageMode | undefined;
  const trimmed = spec.trim();
  if (trimmed === '' || trimmed === 'none') return {};
  for (const part of trimmed.split(',')) {
    const eq = part.indexOf('=');
    if (eq <= 0) throw new FaultSpecError(spec, `fault "${part}" is not name=value`);
    const name = part.slice(0, eq).trim();
    const value = part.slice(eq + 1).trim();
    switch (name) {
      case 'error':
        raw.errorRate = parseNumber(spec, name, value);
        break;
      case 'reset':
        raw.resetRate = parseNumber(spec, name, value);
        break;
      case 'drop':
        raw.dropAfterCommitRate = parseNumber(spec, name, value);
        break;
      case 'latency':
        raw.latencyMs = parseRange(spec, name, value);
        break;
      case 'slow':
        raw.slowBodyMs = parseNumber(spec, name, value);
        break;
      case 'processing':
        raw.processingDelayMs = parseNumber(spec, name, value);
        break;
      case 'retry-after':
        raw.retryAfterSec = parseNumber(spec, name, value);
        break;
      case 'status': {
        raw.errorStatuses = value.split('/').map((s) => parseNumber(spec, name, s));
        break;
      }
      case 'outage': {
        if (value === 'on') {
          raw.outage = true;
          break;
        }
        const r = parseRange(spec, name, value);
        if (typeof r === 'number') throw new FaultSpecError(spec, 'fault "outage" needs start-end in ms, or "on"');
        outages.push({ startMs: r.min, endMs: r.max });
        break;
      }
      case 'rate-limit': {
        const m = /^([0-9]+)\/([0-9]+)$/.exec(value);
        if (!m) throw new FaultSpecError(spec, 'fault "rate-limit" needs requests/ms, e.g. 10/1000');
        raw.rateLimit = { requests: Number(m[1]), perMs: Number(m[2]) };
        break;
      }
      case 'html':
        raw.proxyHtml = { ...(raw.proxyHtml as object | undefined), status: parseNumber(spec, name, value) };
        break;
      case 'html-rate':
        raw.proxyHtml = { ...(raw.proxyHtml as object | undefined), rate: parseNumber(spec, name, value) };
        break;
      case 'degraded':
        if (value !== 'on' && value !== 'off') throw new FaultSpecError(spec, 'fault "degraded" must be on or off');
        raw.degraded = value === 'on';
        break;
      case 'outage-mode': {
        const m = OutageMode.safeParse(value);
        if (!m.success) throw new FaultSpecError(spec, 'fault "outage-mode" must be reset or 503');
        outageMode = m.data;
        break;
      }
      default:
        throw new FaultSpecError(spec, `unknown fault "${name}"`);
    }
  }
  if (outages.length > 0) raw.outages = outages.map((o) => (outageMode ? { ...o, mode: outageMode } : o));
  if (outageMode && raw.outage === true) raw.outage = outageMode;
  const parsed = FaultConfig.safeParse(raw);
  if (!parsed.success) throw new FaultSpecError(spec, `invalid fault spec: ${parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`);
  return parsed.data;
}

/** mulberry32: a tiny seeded PRNG, uniform in [0, 1). */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
