/**
 * One signed health request to the platform, as a technician sees it: reachable or not and why, the round
 * trip, and the clock offset (the platform's time minus ours at the request's midpoint). Used by the running
 * core (tech.platform.check) and by kioskctl when no core runs.
 */
import type { PlatformCheck } from '../contract/index.js';
import { deadline } from '../../drivers/device.js';
import type { PlatformClient } from '../platform/client.js';

export async function checkPlatform(
  client: Pick<PlatformClient, 'health'> | null,
  url: string | null,
  catalogVersion: string | number | null,
  timeoutMs: number,
  signal?: AbortSignal,
): Promise<PlatformCheck> {
  const base = { url, catalogVersion };
  if (!client) return { ...base, reachable: false, ms: null, clockOffsetMs: null, platformTime: null, problem: 'no platform configured' };
  const limit = deadline(Math.min(timeoutMs, 15_000), signal);
  try {
    const t0 = Date.now();
    const out = await client.health(limit.signal);
    const t1 = Date.now();
    const ms = t1 - t0;
    if (out.kind !== 'ok') {
      const why = out.kind === 'permanent' ? `${out.status} ${out.code}` : [out.reason, out.status, out.code].filter((x) => x !== undefined).join(' ');
      return { ...base, reachable: false, ms, clockOffsetMs: null, platformTime: null, problem: why };
    }
    const theirs = Date.parse(out.value.time);
    return { ...base, reachable: true, ms, clockOffsetMs: Number.isFinite(theirs) ? Math.round(theirs - (t0 + t1) / 2) : null, platformTime: out.value.time, problem: null };
  } finally {
    limit.dispose();
  }
}
