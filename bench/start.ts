/**
 * Start-up as a user meets it (scripts/measure-start.mjs: fresh processes, interleaved rounds, the compiled
 * build, a scratch data folder): `npm start` to the web host's ready line against the core's own start plus
 * Node's start, and `kioskctl --help` against bare `node -e 0`.
 */
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { stat } from './measure.js';
import type { BenchRow, BenchSection } from './run.js';

const ROOT = fileURLToPath(new URL('..', import.meta.url));

interface StartTimes {
  rounds: number;
  times: Record<string, number[]>;
}

function measureStart(rounds: number): StartTimes {
  const out = execFileSync(process.execPath, [join(ROOT, 'scripts', 'measure-start.mjs'), '--rounds', String(rounds), '--no-sources', '--json'], {
    cwd: ROOT,
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'inherit'],
    maxBuffer: 16 * 1024 * 1024,
  });
  const line = out.trim().split('\n').pop() ?? '';
  return JSON.parse(line) as StartTimes;
}

export const startSection: BenchSection = {
  id: 'start',
  name: 'Start-up: npm start and kioskctl on the compiled build',
  async run(): Promise<BenchRow[]> {
    const ROUNDS = 9;
    const r = measureStart(ROUNDS);
    const t = (name: string): number[] => {
      const xs = r.times[name];
      if (!xs || xs.length === 0) throw new Error(`bench: measure-start gave no "${name}"`);
      return xs;
    };
    const node = t('node -e 0');
    const help = t('kioskctl --help (build)');
    const npm = t('npm start → ready');
    const startMjs = t('node scripts/start.mjs → ready');
    const core = t("the core's own start");
    const anchor = node.map((n, i) => n + (core[i] ?? Number.NaN));
    const npmStat = stat(npm);
    const ratioNpm = stat(npm.map((x, i) => x / (anchor[i] ?? Number.NaN)));
    const ratioHelp = stat(help.map((x, i) => x / (node[i] ?? Number.NaN)));
    return [
      {
        name: `npm start → "web mode ready" line (compiled build, fresh processes), wall time, ${ROUNDS} interleaved rounds`,
        value: npmStat,
        unit: 'ms',
        anchor: "the core's own start (its log's \"core starting\" to the ready line) plus Node's start (node -e 0), same round",
        anchorValue: stat(anchor),
        ratio: ratioNpm,
        goal: '≤ 1 s on a built tree; ≤ 2× the anchor',
        holds: npmStat.median <= 1000 && ratioNpm.median <= 2,
        note: `node scripts/start.mjs → ready (without npm): ${stat(startMjs).median.toFixed(0)} ms; the core's own start ${stat(core).median.toFixed(0)} ms, node -e 0 ${stat(node).median.toFixed(0)} ms`,
      },
      {
        name: `kioskctl --help (compiled build), wall time to exit, ${ROUNDS} interleaved rounds`,
        value: stat(help),
        unit: 'ms',
        anchor: 'bare node -e 0, same round',
        anchorValue: stat(node),
        ratio: ratioHelp,
        goal: '≤ 3×',
        holds: ratioHelp.median <= 3,
      },
    ];
  },
};
