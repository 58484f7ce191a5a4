/**
 * How the bench measures: CPU time with process.cpuUsage() where a row says CPU, wall time with
 * performance.now() where it says latency or throughput, and every value as min / median / max over
 * repeated rounds. Two things compared are measured in alternating rounds (A B A B …) so that drift of the
 * disk or of the other processes on the machine falls on both.
 */
import { performance } from 'node:perf_hooks';

export interface Stat {
  min: number;
  median: number;
  max: number;
  /** 95th percentile (nearest rank), for latency rows. */
  p95: number;
  n: number;
}

export function stat(xs: readonly number[]): Stat {
  if (xs.length === 0) throw new Error('bench: no samples');
  const s = [...xs].sort((a, b) => a - b);
  const at = (q: number): number => s[Math.min(s.length - 1, Math.max(0, Math.ceil(q * s.length) - 1))] ?? 0;
  const mid = s.length % 2 === 1 ? (s[(s.length - 1) / 2] ?? 0) : ((s[s.length / 2 - 1] ?? 0) + (s[s.length / 2] ?? 0)) / 2;
  return { min: s[0] ?? 0, median: mid, max: s[s.length - 1] ?? 0, p95: at(0.95), n: s.length };
}

/** Per-round ratios a[i] / b[i] (the rounds were interleaved, so each pair saw the same machine). */
export function ratios(a: readonly number[], b: readonly number[]): Stat {
  return stat(a.map((x, i) => x / (b[i] ?? Number.NaN)));
}

/** CPU time (user + system, all threads of this process) of `fn`, in ms. */
export function cpuMs(fn: () => void): number {
  const u = process.cpuUsage();
  fn();
  const d = process.cpuUsage(u);
  return (d.user + d.system) / 1000;
}

export async function cpuMsAsync(fn: () => Promise<void>): Promise<number> {
  const u = process.cpuUsage();
  await fn();
  const d = process.cpuUsage(u);
  return (d.user + d.system) / 1000;
}

export function wallMs(fn: () => void): number {
  const t0 = performance.now();
  fn();
  return performance.now() - t0;
}

export async function wallMsAsync(fn: () => Promise<void>): Promise<number> {
  const t0 = performance.now();
  await fn();
  return performance.now() - t0;
}

export const BAUD = 115_200;
/** Start bit + 8 data bits + stop bit. */
export const BITS_PER_BYTE = 10;

/** Time `bytes` take on a 115,200 baud 8N1 line. */
export function wireMs(bytes: number, baud = BAUD): number {
  return ((bytes * BITS_PER_BYTE) / baud) * 1000;
}

/** A forced full garbage collection (the bench runs with --expose-gc where it measures memory). */
export function forceGc(): void {
  const gc = (globalThis as { gc?: () => void }).gc;
  if (typeof gc !== 'function') throw new Error('bench: run with --expose-gc');
  gc();
  gc();
}

/** Least-squares slope of y over x. */
export function slope(xs: readonly number[], ys: readonly number[]): number {
  const n = xs.length;
  const mx = xs.reduce((a, b) => a + b, 0) / n;
  const my = ys.reduce((a, b) => a + b, 0) / n;
  let num = 0;
  let den = 0;
  for (let i = 0; i < n; i++) {
    num += ((xs[i] ?? 0) - mx) * ((ys[i] ?? 0) - my);
    den += ((xs[i] ?? 0) - mx) ** 2;
  }
  return den === 0 ? 0 : num / den;
}

export function fmt(v: number): string {
  if (!Number.isFinite(v)) return String(v);
  const a = Math.abs(v);
  if (a >= 100) return v.toFixed(0);
  if (a >= 10) return v.toFixed(1);
  if (a >= 1) return v.toFixed(2);
  if (a === 0) return '0';
  return v.toPrecision(2);
}

export function fmtStat(s: Stat, unit: string, opts: { p95?: boolean } = {}): string {
  const u = unit ? ` ${unit}` : '';
  return `${fmt(s.median)}${u} (${fmt(s.min)}–${fmt(s.max)}${opts.p95 ? `; p95 ${fmt(s.p95)}` : ''})`;
}
