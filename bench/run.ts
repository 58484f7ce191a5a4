/**
 * `npm run bench`: performance as ratios to anchors measured in the same run (never timed assertions in
 * tests). Every row names its anchor, its ratio and its goal; bench/results.md keeps the last full run
 * with the machine and the date (bench/results.json the same as data).
 *
 * `npm run bench -- <section> …` runs only those sections (by the id in sections.ts) and writes nothing.
 *
 * Every section runs in a fresh process of its own (this file with --section-json ID): what one section leaves
 * behind — a large heap the collector keeps walking, compiled code, open handles — must not be billed to the
 * CPU rows of the next.
 */
import { execFileSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { cpus, loadavg, release, totalmem } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { fmt, fmtStat, type Stat } from './measure.js';
import { parts, sections } from './sections.js';

export interface BenchRow {
  /** What is measured, in words (with how: CPU or wall time, rounds). */
  name: string;
  /** The measurement: min / median / max over rounds, or a single number (a size). */
  value: Stat | number;
  unit: string;
  /** Show the 95th percentile too (latency rows). */
  p95?: boolean;
  /** What the row is compared with, in words. */
  anchor: string;
  /** The anchor as measured in this run (absent when the anchor is a fixed quantity named in `anchor`). */
  anchorValue?: Stat | number;
  anchorUnit?: string;
  /** value / anchor: the median of per-round ratios where the rounds were paired. */
  ratio?: Stat | number;
  ratioUnit?: string;
  goal?: string;
  /** Whether the goal holds in this run. */
  holds?: boolean;
  /** Why it does not hold, or what else the reader should know. */
  note?: string;
}

export interface BenchSection {
  /** Short id for `npm run bench -- <id>`. */
  id: string;
  name: string;
  run(): Promise<BenchRow[]>;
}

const here = fileURLToPath(new URL('.', import.meta.url));

// A child of the run: one section, its rows as one JSON line on stdout (its progress goes to stderr).
const childAt = process.argv.indexOf('--section-json');
if (childAt >= 0) {
  const id = process.argv[childAt + 1];
  const section = [...sections, ...parts].find((s) => s.id === id);
  if (!section) {
    console.error(`bench: no section ${String(id)}`);
    process.exit(2);
  }
  const rows = await section.run();
  process.stdout.write(`\n${JSON.stringify(rows)}\n`);
  process.exit(0);
}

/** Runs one section in a fresh Node process (tsx, as `npm run bench` itself runs) and returns its rows. */
function runInChild(s: BenchSection): BenchRow[] {
  const out = execFileSync(process.execPath, ['--import', 'tsx', fileURLToPath(import.meta.url), '--section-json', s.id], {
    cwd: join(here, '..'),
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'inherit'],
    maxBuffer: 64 * 1024 * 1024,
  });
  return JSON.parse(out.trim().split('\n').pop() ?? '') as BenchRow[];
}

const only = process.argv.slice(2).filter((a) => !a.startsWith('-'));
const chosen = only.length === 0 ? sections : [...sections, ...parts].filter((s) => only.includes(s.id));
if (chosen.length === 0) {
  console.error(`bench: no section ${only.join(', ')}; sections: ${[...sections, ...parts].map((s) => s.id).join(', ')}`);
  process.exit(2);
}

function show(v: Stat | number | undefined, unit: string, p95 = false): string {
  if (v === undefined) return '';
  return typeof v === 'number' ? `${fmt(v)}${unit ? ` ${unit}` : ''}` : fmtStat(v, unit, { p95 });
}

/**
 * What this machine charges a process that only sleeps (process.cpuUsage over 2 s of an idle timer): the floor
 * under every CPU row, which virtual machines raise (tick accounting, host-side work billed to the guest).
 */
async function idleCpuFloor(): Promise<number> {
  const u = process.cpuUsage();
  await new Promise((r) => setTimeout(r, 2000));
  const d = process.cpuUsage(u);
  return (d.user + d.system) / 1000 / 2;
}

const loadBefore = loadavg();
const floorBefore = await idleCpuFloor();
const results: { section: BenchSection; rows: BenchRow[]; seconds: number }[] = [];
for (const s of chosen) {
  process.stdout.write(`bench: ${s.name} …\n`);
  const t0 = performance.now();
  const rows = runInChild(s);
  const seconds = (performance.now() - t0) / 1000;
  results.push({ section: s, rows, seconds });
  for (const r of rows) {
    const ratio = r.ratio !== undefined ? `  ratio ${show(r.ratio, r.ratioUnit ?? '×')}` : '';
    const goal = r.goal ? `  goal ${r.goal} ${r.holds === undefined ? '' : r.holds ? '✓' : '✗'}` : '';
    console.log(`  ${r.name}: ${show(r.value, r.unit, r.p95)}${ratio}${goal}`);
  }
  console.log(`  (${seconds.toFixed(1)} s)`);
}
const loadAfter = loadavg();
const floorAfter = await idleCpuFloor();

if (only.length > 0) {
  console.log('bench: partial run, results not written');
} else {
  const when = new Date().toISOString();
  let commit = 'unknown';
  try {
    commit = execFileSync('git', ['rev-parse', '--short', 'HEAD'], { cwd: here, encoding: 'utf8' }).trim();
  } catch {
    // not a git checkout
  }
  const cpu = cpus();
  const machine = `${cpu.length} × ${cpu[0]?.model ?? 'cpu'}, ${(totalmem() / 2 ** 30).toFixed(0)} GiB, Linux ${release()}, Node ${process.version}`;
  const load = `load average ${loadBefore.map((x) => x.toFixed(1)).join(' / ')} at the start, ${loadAfter.map((x) => x.toFixed(1)).join(' / ')} at the end`;
  const failing = results.flatMap((s) => s.rows.filter((r) => r.holds === false).map((r) => `- ${s.section.name}: **${r.name}** — goal ${r.goal ?? ''}; ${r.note ?? ''}`));
  const md = [
    '# Benchmark results',
    '',
    `Written by \`npm run bench\` on ${when} at commit ${commit}.`,
    '',
    `Machine: ${machine}; ${load}.`,
    '',
    `CPU floor: this process, only sleeping for 2 s, was charged ${floorBefore.toFixed(1)} ms of CPU a second before the run and ${floorAfter.toFixed(1)} after (${((floorBefore / 1000) * 100).toFixed(2)} % / ${((floorAfter / 1000) * 100).toFixed(2)} % of one core): the floor under every CPU row.`,
    '',
    // What the load average cannot say (e.g. who else shares the machine): BENCH_NOTE="…" npm run bench.
    ...(process.env.BENCH_NOTE ? [`Conditions: ${process.env.BENCH_NOTE}`, ''] : []),
    'Every row is a ratio to an anchor measured in the same run (or a fixed quantity such as the wire time of the',
    'bytes at 115,200 baud). Values are median (min–max) over repeated rounds; compared things ran in alternating',
    'rounds. How each row is measured: [docs/performance.md](../docs/performance.md).',
    '',
    failing.length === 0 ? 'Every goal holds in this run.' : `Goals that do not hold in this run:\n\n${failing.join('\n')}`,
    '',
    ...results.flatMap((s) => [
      `## ${s.section.name}`,
      '',
      '| measure | measured | anchor | ratio | goal | holds |',
      '|---|---|---|---|---|---|',
      ...s.rows.map(
        (r) =>
          `| ${r.name} | ${show(r.value, r.unit, r.p95)} | ${r.anchor}${r.anchorValue !== undefined ? `: ${show(r.anchorValue, r.anchorUnit ?? r.unit)}` : ''} | ${show(r.ratio, r.ratioUnit ?? '×')} | ${r.goal ?? ''} | ${r.holds === undefined ? '' : r.holds ? '✓' : '✗'} |`,
      ),
      '',
      ...s.rows.filter((r) => r.note).map((r) => `- *${r.name}*: ${r.note ?? ''}`),
      ...(s.rows.some((r) => r.note) ? [''] : []),
      `(section ran ${s.seconds.toFixed(0)} s)`,
      '',
    ]),
  ].join('\n');
  writeFileSync(join(here, 'results.md'), md);
  writeFileSync(
    join(here, 'results.json'),
    JSON.stringify({ when, commit, machine, load: { before: loadBefore, after: loadAfter }, conditions: process.env.BENCH_NOTE ?? null, sections: results.map((s) => ({ id: s.section.id, name: s.section.name, seconds: s.seconds, rows: s.rows })) }, null, 2) + '\n',
  );
  console.log('bench: results written to bench/results.md');
}
