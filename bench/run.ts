/**
 * `npm run bench`: performance as ratios measured within one run (never timed assertions in tests).
 * Each section returns rows; the results go to bench/results.md (linked from the README) and
 * bench/results.json.
 */
import { writeFileSync } from 'node:fs';
import { cpus } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { sections } from './sections.js';

export interface BenchRow {
  name: string;
  /** The measured value and its unit, e.g. 0.12 '%'. */
  value: number;
  unit: string;
  /** What it is compared against, in words (and the target if there is one). */
  detail: string;
  target?: string;
}

const here = fileURLToPath(new URL('.', import.meta.url));
const rows: { section: string; rows: BenchRow[] }[] = [];
for (const s of sections) {
  process.stdout.write(`bench: ${s.name} … `);
  const t0 = performance.now();
  const r = await s.run();
  rows.push({ section: s.name, rows: r });
  console.log(`${((performance.now() - t0) / 1000).toFixed(1)} s`);
  for (const row of r) console.log(`  ${row.name}: ${formatValue(row.value)} ${row.unit}  (${row.detail}${row.target ? `; target ${row.target}` : ''})`);
}

function formatValue(v: number): string {
  return Math.abs(v) >= 100 ? v.toFixed(0) : Math.abs(v) >= 1 ? v.toFixed(2) : v.toPrecision(3);
}

const when = new Date().toISOString();
const machine = `${cpus().length} × ${cpus()[0]?.model ?? 'cpu'}, Node ${process.version}`;
const md = [
  '# Benchmark results',
  '',
  `Written by \`npm run bench\` on ${when} (${machine}). Ratios are measured within one run, so they carry over between machines better than absolute times.`,
  '',
  ...rows.flatMap((s) => [
    `## ${s.section}`,
    '',
    '| measure | value | compared with | target |',
    '|---|---|---|---|',
    ...s.rows.map((r) => `| ${r.name} | ${formatValue(r.value)} ${r.unit} | ${r.detail} | ${r.target ?? ''} |`),
    '',
  ]),
].join('\n');
writeFileSync(join(here, 'results.md'), md);
writeFileSync(join(here, 'results.json'), JSON.stringify({ when, machine, sections: rows }, null, 2) + '\n');
console.log(`bench: results written to bench/results.md`);
