/**
 * Capped exponential backoff with full jitter (AWS Architecture Blog, "Exponential Backoff and Jitter"),
 * never sooner than the server's Retry-After:
 *
 *   delay = max(retryAfterMs, U(0, min(capMs, baseMs * 2^attempt)))
 *
 * Pure: the random source is injected. `attempt` counts from 0 (the first retry).
 */
export interface BackoffOptions {
  baseMs: number;
  capMs: number;
  /** Uniform in [0, 1). */
  random: () => number;
}

export function nextDelay(attempt: number, opts: BackoffOptions, retryAfterMs?: number): number {
  if (!Number.isFinite(opts.baseMs) || opts.baseMs < 0) throw new RangeError('nextDelay: baseMs must be a finite number >= 0');
  if (!Number.isFinite(opts.capMs) || opts.capMs < 0) throw new RangeError('nextDelay: capMs must be a finite number >= 0');
  const n = Number.isFinite(attempt) ? Math.max(0, Math.floor(attempt)) : 0;
  const ceiling = Math.min(opts.capMs, opts.baseMs * 2 ** Math.min(n, 60));
  let r = opts.random();
  if (!(r >= 0)) r = 0; // NaN or negative from a broken source
  if (r >= 1) r = 1 - Number.EPSILON;
  const jitter = Math.floor(r * ceiling);
  const floor = retryAfterMs !== undefined && Number.isFinite(retryAfterMs) && retryAfterMs > 0 ? Math.ceil(retryAfterMs) : 0;
  return Math.max(floor, jitter);
}
