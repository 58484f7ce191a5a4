import { describe, expect, it } from 'vitest';
import { FaultConfig, FaultInjector, FaultSpecError, parseFaultSpec, seededRandom } from '../../../main/platform/faults.js';

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

  it('parses 429/408 statuses, a rate limit, a proxy answering HTML and a degraded platform', () => {
    expect(parseFaultSpec('error=1,status=429/408/502,rate-limit=10/1000,html=404,html-rate=0.5,degraded=on')).toEqual({
      errorRate: 1,
      errorStatuses: [429, 408, 502],
      rateLimit: { requests: 10, perMs: 1000 },
      proxyHtml: { status: 404, rate: 0.5 },
      degraded: true,
    });
  });

  it('refuses unknown names, bad numbers and out-of-range rates with a typed error', () => {
    for (const bad of ['boom=1', 'error=abc', 'error=1.5', 'latency=200-20', 'outage=100', 'error', 'status=404', 'outage-mode=x', 'rate-limit=10', 'rate-limit=0/1000', 'html=418', 'html-rate=2', 'degraded=yes']) {
      expect(() => parseFaultSpec(bad), bad).toThrow(FaultSpecError);
    }
  });

  it('validates JSON fault configs strictly', () => {
    expect(FaultConfig.safeParse({ errorRate: 0.2, outage: '503' }).success).toBe(true);
    expect(FaultConfig.safeParse({ errorRate: -0.1 }).success).toBe(false);
    expect(FaultConfig.safeParse({ typo: 1 }).success).toBe(false);
  });
});

describe('FaultInjector', () => {
  it('limits each terminal to its requests per fixed window and says when the window reopens', () => {
    let t = 0;
    const f = new FaultInjector({ seed: 1, now: () => t, config: { rateLimit: { requests: 2, perMs: 10_000 } } });
    expect(f.rateLimited('a')).toBeUndefined();
    expect(f.rateLimited('a')).toBeUndefined();
    t = 2500;
    expect(f.rateLimited('a')).toEqual({ retryAfterSec: 8 });
    expect(f.rateLimited('b')).toBeUndefined(); // per terminal
    t = 10_000;
    expect(f.rateLimited('a')).toBeUndefined(); // a new window
    expect(f.counters.rateLimited).toBe(1);
  });

  it('answers injected errors with the code of their status and the configured Retry-After', () => {
    const f = new FaultInjector({ seed: 3, now: () => 0, config: { errorRate: 1, errorStatuses: [429, 408, 502], retryAfterSec: 4 } });
    const seen = new Map<number, string>();
    for (let i = 0; i < 60; i++) {
      const e = f.error();
      if (e) seen.set(e.status, `${e.code}/${e.retryAfterSec ?? '-'}`);
    }
    expect(Object.fromEntries(seen)).toEqual({ 429: 'rate-limited/4', 408: 'request-timeout/4', 502: 'bad-gateway/4' });
  });

  it('opens outage windows relative to when faults were set, and a proxy answers for the share it is set to', () => {
    let t = 1000;
    const f = new FaultInjector({ seed: 9, now: () => t });
    f.set({ outages: [{ startMs: 100, endMs: 200, mode: '503' }], proxyHtml: { status: 404, rate: 0.25 } });
    expect(f.outage()).toBeUndefined();
    t = 1150;
    expect(f.outage()).toBe('503');
    t = 1200;
    expect(f.outage()).toBeUndefined();
    const hits = Array.from({ length: 400 }, () => f.proxy()).filter((s) => s === 404).length;
    expect(hits).toBeGreaterThan(60);
    expect(hits).toBeLessThan(140);
    f.patch({ outage: true });
    expect(f.outage()).toBe('reset');
    f.clear();
    expect(f.config).toEqual({});
    expect(f.counters).toEqual(FaultInjector.zero());
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
