/**
 * The first receipt of a process against later ones, in fresh processes (the GB18030 table is built
 * once per process): with the table built by the printer's start() (now) and built lazily inside the
 * first receipt (before). Medians of 5 processes each.
 */
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type { BenchRow } from './run.js';
import type { BenchSection } from './sections.js';

const child = fileURLToPath(new URL('./first-receipt-child.ts', import.meta.url));

interface Sample {
  startMs: number;
  firstMs: number;
  laterMs: number;
}

function sample(mode: 'start' | 'lazy'): Sample {
  const r = spawnSync(process.execPath, ['--import', 'tsx', child, mode], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`first-receipt child failed: ${r.stderr}`);
  return JSON.parse(r.stdout.trim()) as Sample;
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)] ?? 0;
}

export const firstReceiptSection: BenchSection = {
  name: 'receipt printer: the first receipt of a process',
  async run(): Promise<BenchRow[]> {
    const now = Array.from({ length: 5 }, () => sample('start'));
    const before = Array.from({ length: 5 }, () => sample('lazy'));
    const ratio = (s: Sample[]): number => median(s.map((x) => x.firstMs / x.laterMs));
    const first = (s: Sample[]): number => median(s.map((x) => x.firstMs));
    return [
      {
        name: 'first / later receipt, table built by start()',
        value: ratio(now),
        unit: '×',
        detail: `first ${first(now).toFixed(2)} ms, later ${median(now.map((x) => x.laterMs)).toFixed(3)} ms (median of 5 fresh processes; what remains is JIT warm-up)`,
      },
      {
        name: 'first / later receipt, table built in the first receipt (before)',
        value: ratio(before),
        unit: '×',
        detail: `first ${first(before).toFixed(2)} ms, later ${median(before.map((x) => x.laterMs)).toFixed(3)} ms`,
      },
      { name: 'first receipt: before / now', value: first(before) / first(now), unit: '×', detail: 'how much longer the first citizen waited for the encoding before' },
      { name: 'printer start() (GB18030 table + one warm-up receipt)', value: median(now.map((x) => x.startMs)), unit: 'ms', detail: 'paid once at boot, not while a citizen waits' },
    ];
  },
};
