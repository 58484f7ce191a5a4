import { describe, expect, it } from 'vitest';
import { test as fcTest, fc } from '@fast-check/vitest';
import { backoffDelay } from '../../drivers/device.js';

describe('backoffDelay', () => {
  it('is full jitter over min(cap, base * 2^attempt)', () => {
    expect(backoffDelay(0, { baseMs: 100, capMs: 10_000, random: () => 0.5 })).toBe(50);
    expect(backoffDelay(3, { baseMs: 100, capMs: 10_000, random: () => 0.5 })).toBe(400);
    expect(backoffDelay(20, { baseMs: 100, capMs: 10_000, random: () => 0.5 })).toBe(5000);
    expect(backoffDelay(3, { baseMs: 100, capMs: 10_000, random: () => 0 })).toBe(0);
    expect(backoffDelay(3, { baseMs: 100, capMs: 10_000, random: () => 0.999999 })).toBe(799);
  });

  it('never goes below Retry-After', () => {
    expect(backoffDelay(0, { baseMs: 100, capMs: 10_000, random: () => 0.5 }, 30_000)).toBe(30_000);
    expect(backoffDelay(10, { baseMs: 100, capMs: 10_000, random: () => 0.5 }, 1000)).toBe(5000);
  });

  it('survives huge attempts, zero base and a broken random source', () => {
    expect(backoffDelay(1e9, { baseMs: 100, capMs: 1000, random: () => 0.5 })).toBe(500);
    expect(backoffDelay(5000, { baseMs: 0, capMs: 1000, random: () => 0.5 })).toBe(0);
    expect(backoffDelay(1, { baseMs: 100, capMs: 1000, random: () => Number.NaN })).toBe(0);
    expect(backoffDelay(1, { baseMs: 100, capMs: 1000, random: () => 1 })).toBe(199);
  });

  it('refuses nonsense options', () => {
    expect(() => backoffDelay(1, { baseMs: -1, capMs: 10, random: Math.random })).toThrow(RangeError);
    expect(() => backoffDelay(1, { baseMs: 1, capMs: Number.NaN, random: Math.random })).toThrow(RangeError);
  });

  fcTest.prop([
    fc.integer({ min: 0, max: 10_000 }),
    fc.integer({ min: 0, max: 100_000 }),
    fc.integer({ min: 0, max: 10_000_000 }),
    fc.double({ min: 0, max: 1, maxExcluded: true, noNaN: true }),
    fc.option(fc.integer({ min: 0, max: 10_000_000 }), { nil: undefined }),
  ])('stays within [retryAfter, max(retryAfter, cap)]', (attempt, baseMs, capMs, r, retryAfterMs) => {
    const d = backoffDelay(attempt, { baseMs, capMs, random: () => r }, retryAfterMs);
    const floor = retryAfterMs ?? 0;
    expect(Number.isInteger(d)).toBe(true);
    expect(d).toBeGreaterThanOrEqual(floor);
    expect(d).toBeLessThanOrEqual(Math.max(floor, capMs));
  });
});
