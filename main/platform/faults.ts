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

export const FaultConfig = z.strictObject({
  /** Added before every /v1 request is handled: fixed ms or a uniform range. */
  latencyMs: LatencySpec.optional(),
  /** Probability of answering 500/502/503 without processing. */
  errorRate: Rate.optional(),
  /** Statuses drawn from for errorRate (default all three). */
  errorStatuses: z.array(z.union([z.literal(500), z.literal(502), z.literal(503)])).min(1).optional(),
  /** Retry-After (seconds) sent with injected errors and outage 503s. */
  retryAfterSec: z.number().int().min(0).max(86_400).optional(),
  /** Probability of destroying the socket before answering (nothing processed). */
  resetRate: Rate.optional(),
  /** Outage windows (connection reset or 503 for every /v1 request). */
  outages: z.array(OutageWindow).max(100).optional(),
  /** Manual outage switch (`setOutage`): true = reset, or the mode. */
  outage: z.union([z.boolean(), OutageMode]).optional(),
  /** Dribble the reply body over this many ms. */
  slowBodyMs: Ms.optional(),
  /** Probability of processing (and committing) the request, then destroying the connection without replying. */
  dropAfterCommitRate: Rate.optional(),
  /** Artificial processing time of a case submission (so 409 "in progress" can be observed). */
  processingDelayMs: Ms.optional(),
});
export type FaultConfig = z.infer<typeof FaultConfig>;

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
 * `error=0.3,reset=0.1,latency=20-200,outage=5000-15000,drop=0.05,slow=500,processing=100,retry-after=2,outage-mode=503`.
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
