import { describe, expect, it } from 'vitest';
import { FaultConfig, FaultSpecError, parseFaultSpec, seededRandom } from '../../../main/platform/faults.js';

describe('parseFaultSpec', () => {
  it('parses the command-line form', () => {
    expect(parseFaultSpec('error=0.3,reset=0.1,latency=20-200,outage=5000-15000,drop=0.05')).toEqual({
      errorRate: 0.3,
      resetRate: 0.1,
      latencyMs: { min: 20, max: 200 },
      outages: [{ startMs: 5000, endMs: 15000 }],
      dropAfterCommitRate: 0.05,
    });
  });

  it('parses fixed latency, statuses, Retry-After, slow bodies, processing time and outage modes', () => {
    expect(parseFaultSpec('latency=50,status=503/502,retry-after=2,slow=300,processing=100,outage=0-10,outage=20-30,outage-mode=503')).toEqual({
      latencyMs: 50,
      errorStatuses: [503, 502],
      retryAfterSec: 2,
      slowBodyMs: 300,
      processingDelayMs: 100,
      outages: [
        { startMs: 0, endMs: 10, mode: '503' },
        { startMs: 20, endMs: 30, mode: '503' },
      ],
    });
    expect(parseFaultSpec('outage=on')).toEqual({ outage: true });
    expect(parseFaultSpec('')).toEqual({});
    expect(parseFaultSpec('none')).toEqual({});
  });

  it('refuses unknown names, bad numbers and out-of-range rates with a typed error', () => {
    for (const bad of ['boom=1', 'error=abc', 'error=1.5', 'latency=200-20', 'outage=100', 'error', 'status=404', 'outage-mode=x']) {
      expect(() => parseFaultSpec(bad), bad).toThrow(FaultSpecError);
    }
  });

  it('validates JSON fault configs strictly', () => {
    expect(FaultConfig.safeParse({ errorRate: 0.2, outage: '503' }).success).toBe(true);
    expect(FaultConfig.safeParse({ errorRate: -0.1 }).success).toBe(false);
    expect(FaultConfig.safeParse({ typo: 1 }).success).toBe(false);
  });
});

describe('seededRandom', () => {
  it('is deterministic per seed and uniform-ish in [0, 1)', () => {
    const a = seededRandom(42);
    const b = seededRandom(42);
    const xs = Array.from({ length: 1000 }, () => a());
    expect(xs).toEqual(Array.from({ length: 1000 }, () => b()));
    expect(xs.every((x) => x >= 0 && x < 1)).toBe(true);
    const mean = xs.reduce((s, x) => s + x, 0) / xs.length;
    expect(mean).toBeGreaterThan(0.45);
    expect(mean).toBeLessThan(0.55);
    expect(seededRandom(43)()).not.toBe(seededRandom(42)());
  });
});
