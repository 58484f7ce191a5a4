#!/usr/bin/env node
// Start-up times of issue 10's first two rows, measured as a user meets them: fresh processes, interleaved
// rounds (so load on the machine falls on every variant alike), min / median / max of wall time.
//
//   node -e 0                        Node's own start (the anchor of both rows)
//   kioskctl --help                  bin/kioskctl.mjs on the compiled build (and, for comparison, on the sources via tsx)
//   start.mjs → ready line           node scripts/start.mjs --web: launch to "web mode ready at" on stdout
//   npm start → ready line           the same through npm (npm's own start is the difference)
//   the core's own start             from the core's "core starting" log line to the ready line: the core, the
//                                    simulators and the web host starting, without Node's start and module loading
//
// Usage: node scripts/measure-start.mjs [--rounds N] [--no-sources]
// Builds first if the build is stale (so no round pays for it). Uses a scratch data folder (KIOSK_PROFILE).
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { refuseUnsupportedNode } from './lib/node-version.mjs';
import { prepare } from './lib/prepare.mjs';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
refuseUnsupportedNode('measure', root);
const { values } = parseArgs({ options: { rounds: { type: 'string', default: '11' }, 'no-sources': { type: 'boolean', default: false } } });
const rounds = Number(values.rounds);
if (!Number.isInteger(rounds) || rounds < 1) {
  console.error('measure: --rounds must be a positive integer');
  process.exit(2);
}

await prepare(root, ['renderer', 'node'], { who: 'measure', say: (l) => console.log(l), stream: process.stdout });

const scratch = mkdtempSync(join(tmpdir(), 'kiosk-measure-'));
const profile = join(scratch, 'profile.json');
writeFileSync(profile, JSON.stringify({ dataDir: 'data' }));
/** @type {NodeJS.ProcessEnv} */
const env = { ...process.env, KIOSK_PROFILE: profile };
delete env.KIOSK_FROM_SOURCES;
delete env.KIOSK_MODE;
const logFile = join(scratch, 'data', 'logs', 'kiosk.log');

/** Wall time of a process to its exit. */
function untilExit(cmd, args, extraEnv = {}) {
  return new Promise((resolve, reject) => {
    const t0 = performance.now();
    const child = spawn(cmd, args, { cwd: root, env: { ...env, ...extraEnv }, stdio: ['ignore', 'ignore', 'pipe'] });
    let err = '';
    child.stderr.on('data', (d) => (err += d));
    child.on('exit', (code) => (code === 0 ? resolve(performance.now() - t0) : reject(new Error(`${cmd} ${args.join(' ')}: exit ${code}\n${err}`))));
  });
}

/**
 * Wall time to the ready line, and the wall-clock moment it arrived; then stops the kiosk as Ctrl-C does (SIGINT
 * to its process group: npm does not pass a signal sent to it alone on to the script) and waits until every
 * process of the group has let go of the output.
 */
function untilReady(cmd, args, extraEnv = {}) {
  return new Promise((resolve, reject) => {
    const t0 = performance.now();
    const child = spawn(cmd, args, { cwd: root, env: { ...env, ...extraEnv }, stdio: ['ignore', 'pipe', 'pipe'], detached: true });
    let out = '';
    let ready = null;
    child.stdout.on('data', (d) => {
      out += d;
      if (ready === null && /web mode ready at /.test(out)) {
        ready = { ms: performance.now() - t0, at: Date.now() };
        process.kill(-(child.pid ?? 0), 'SIGINT');
      }
    });
    child.stderr.on('data', (d) => (out += d));
    child.on('close', () => (ready ? resolve(ready) : reject(new Error(`${cmd} ${args.join(' ')} ended before it was ready:\n${out}`))));
  });
}

/** Milliseconds from the last "core starting" line of the kiosk log to `readyAt` (wall clock). */
function coreOwnStart(readyAt) {
  const lines = readFileSync(logFile, 'utf8').trim().split('\n').reverse();
  for (const l of lines) {
    const entry = JSON.parse(l);
    if (entry.msg === 'core starting') return readyAt - Date.parse(entry.time);
  }
  throw new Error(`no "core starting" line in ${logFile}`);
}

const startArgs = [join(root, 'scripts', 'start.mjs'), '--web', '--port', '0'];
const npmCli = process.env.npm_execpath && /npm-cli\.js$/.test(process.env.npm_execpath) ? { cmd: process.execPath, pre: [process.env.npm_execpath] } : { cmd: 'npm', pre: [] };
/** @type {[string, (r: { core: number[] }) => Promise<number>][]} */
const measures = [
  ['node -e 0', () => untilExit(process.execPath, ['-e', '0'])],
  ['kioskctl --help (build)', () => untilExit(process.execPath, [join(root, 'bin', 'kioskctl.mjs'), '--help'])],
  ['node scripts/start.mjs → ready', async (r) => {
    const ready = await untilReady(process.execPath, startArgs);
    r.core.push(coreOwnStart(ready.at));
    return ready.ms;
  }],
  ['npm start → ready', async () => (await untilReady(npmCli.cmd, [...npmCli.pre, 'start', '--silent', '--', '--web', '--port', '0'])).ms],
];
if (!values['no-sources']) {
  measures.push(['kioskctl --help (sources, tsx)', () => untilExit(process.execPath, [join(root, 'bin', 'kioskctl.mjs'), '--help'], { KIOSK_FROM_SOURCES: '1' })]);
  measures.push(['start.mjs → ready (sources, tsx)', async () => (await untilReady(process.execPath, startArgs, { KIOSK_FROM_SOURCES: '1' })).ms]);
}

/** @type {Record<string, number[]>} */
const times = Object.fromEntries(measures.map(([name]) => [name, []]));
/** @type {{ core: number[] }} */
const extra = { core: [] };
try {
  // One warm-up round (disk cache, the data folder's first open), not counted.
  for (const [, fn] of measures) await fn({ core: [] });
  for (let i = 0; i < rounds; i++) {
    for (const [name, fn] of measures) (times[name] ??= []).push(await fn(extra));
    process.stdout.write(`\rmeasure: round ${i + 1}/${rounds}`);
  }
} finally {
  rmSync(scratch, { recursive: true, force: true });
}
process.stdout.write('\n');

/** min / median / max of a series. */
function stats(/** @type {number[]} */ xs) {
  const s = [...xs].sort((a, b) => a - b);
  return { min: s[0] ?? NaN, median: s[Math.floor(s.length / 2)] ?? NaN, max: s[s.length - 1] ?? NaN };
}
const fmt = (/** @type {number} */ x) => `${x.toFixed(0).padStart(5)} ms`;
/** @type {[string, number[]][]} */
const rows = [...Object.entries(times), ["the core's own start", extra.core]];
console.log(`\n${'measure'.padEnd(36)}${'min'.padStart(8)}${'median'.padStart(9)}${'max'.padStart(9)}   (${rounds} rounds, ${new Date().toISOString()}, Node ${process.version})`);
/** @type {Map<string, number>} */
const medians = new Map();
for (const [name, xs] of rows) {
  const s = stats(xs);
  medians.set(name, s.median);
  console.log(`${name.padEnd(36)}${fmt(s.min)} ${fmt(s.median)} ${fmt(s.max)}`);
}
const med = (/** @type {string} */ name) => medians.get(name) ?? NaN;
const node = med('node -e 0');
const ready = med('node scripts/start.mjs → ready');
const budget = 2 * (med("the core's own start") + node);
console.log('\ngoals (issue 10), on medians:');
console.log(`  kioskctl --help / node -e 0            ${(med('kioskctl --help (build)') / node).toFixed(2)}×   (goal ≤ 3×)`);
console.log(`  start.mjs → ready                      ${ready.toFixed(0)} ms   (goal ≤ 1000 ms)`);
console.log(`  start.mjs → ready / 2×(core + node)    ${(ready / budget).toFixed(2)}    (goal ≤ 1: ready ≤ ${budget.toFixed(0)} ms)`);
console.log(`  npm start → ready                      ${med('npm start → ready').toFixed(0)} ms   (npm's own share: ${(med('npm start → ready') - ready).toFixed(0)} ms)`);
