#!/usr/bin/env node
// The by-hand kill harness (README "Offline acceptance and delivery"): SIGKILL `kioskctl queue selftest` again and
// again at random moments AFTER its first commit, then `kioskctl queue drain`, then check the platform simulator:
// every key printed as committed is there exactly once, and no other key is.
//
// The kill delay is counted from the run's first NEW `committed` line, so it lands while the run is committing
// and delivering however long kioskctl takes to start on this machine (a fixed window after spawn would land
// before anything is committed on a slow start). The start-up time is measured and reported.
//
//   node scripts/kill-harness.mjs [--kills 20] [--min-ms 20] [--max-ms 500] [--dir DIR] [--fault drop=0.03] [--keep]
//
// Plain Node (no build step, no test framework): it spawns bin/kioskctl.mjs. Exit 0 when everything holds.
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { performance } from 'node:perf_hooks';
import { parseArgs } from 'node:util';
/* global fetch */

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const kioskctl = join(root, 'bin', 'kioskctl.mjs');
const { values } = parseArgs({
  options: {
    kills: { type: 'string', default: '20' },
    'min-ms': { type: 'string', default: '20' },
    'max-ms': { type: 'string', default: '500' },
    dir: { type: 'string' },
    fault: { type: 'string', default: 'drop=0.03' },
    keep: { type: 'boolean', default: false },
  },
});
const kills = Number(values.kills);
const minMs = Number(values['min-ms']);
const maxMs = Number(values['max-ms']);
if (![kills, minMs, maxMs].every(Number.isInteger) || kills < 1 || minMs < 0 || maxMs < minMs) {
  console.error('kill-harness: --kills N (>= 1), --min-ms and --max-ms whole milliseconds, min <= max');
  process.exit(2);
}
const work = values.dir ?? mkdtempSync(join(tmpdir(), 'kill-harness-'));
const data = join(work, 'data');

function start(args) {
  return spawn(process.execPath, [kioskctl, ...args], { cwd: root, stdio: ['ignore', 'pipe', 'pipe'] });
}

/** Complete `committed <key>` lines only (a line cut by the kill was not fully written). */
function committed(text) {
  const lines = text.split('\n');
  lines.pop();
  return lines.filter((l) => l.startsWith('committed ')).map((l) => l.slice('committed '.length));
}

// 1. The platform simulator, with a few replies lost after the commit (the kiosk must not file twice).
const sim = start(['platform-sim', '--port', '0', '--store', join(work, 'sim.jsonl'), '--fault', values.fault, '--json']);
const url = await new Promise((resolve, reject) => {
  let out = '';
  sim.stdout.setEncoding('utf8').on('data', (d) => {
    out += d;
    const nl = out.indexOf('\n');
    if (nl >= 0) resolve(JSON.parse(out.slice(0, nl)).url);
  });
  sim.on('exit', (code) => reject(new Error(`platform-sim exited (${code})`)));
});
console.log(`platform simulator at ${url}; data in ${data}`);

const printed = new Set();
const startups = [];
let landed = 0;
try {
  // 2. Kill runs, each after its first new commit.
  for (let i = 0; i < kills; i++) {
    const delay = minMs + Math.floor(Math.random() * (maxMs - minMs + 1));
    const t0 = performance.now();
    const run = start(['queue', 'selftest', '--count', '1000000', '--data-dir', data, '--platform', url]);
    let out = '';
    let armed = false;
    const guard = setTimeout(() => run.kill('SIGKILL'), 60_000);
    run.stdout.setEncoding('utf8').on('data', (d) => {
      out += d;
      if (!armed && committed(out).some((k) => !printed.has(k))) {
        armed = true;
        startups.push(performance.now() - t0);
        setTimeout(() => run.kill('SIGKILL'), delay);
      }
    });
    let err = '';
    run.stderr.setEncoding('utf8').on('data', (d) => (err += d));
    const signal = await new Promise((resolve) => run.on('close', (_code, sig) => resolve(sig)));
    clearTimeout(guard);
    if (signal !== 'SIGKILL') throw new Error(`selftest ended by itself: ${err.slice(0, 400)}`);
    const keys = committed(out);
    const fresh = keys.filter((k) => !printed.has(k)).length;
    for (const k of keys) printed.add(k);
    if (armed && fresh > 0) landed++;
    process.stdout.write(`  kill ${i + 1}/${kills}: ${delay} ms after the first commit, ${fresh} new key(s)\n`);
  }

  // 3. Deliver what is left (it re-announces what a killed run committed but could not print).
  const drain = start(['queue', 'drain', '--data-dir', data, '--platform', url]);
  let dout = '';
  let derr = '';
  drain.stdout.setEncoding('utf8').on('data', (d) => (dout += d));
  drain.stderr.setEncoding('utf8').on('data', (d) => (derr += d));
  const dcode = await new Promise((resolve) => drain.on('close', (c) => resolve(c)));
  for (const k of committed(dout)) printed.add(k);
  if (dcode !== 0) throw new Error(`drain failed (${dcode}): ${derr.slice(0, 400)}`);

  // 4. The platform's view.
  const cases = /** @type {{ idempotencyKey: string, requestCount: number }[]} */ (await (await fetch(`${url}/_sim/cases`)).json());
  const count = new Map();
  for (const c of cases) count.set(c.idempotencyKey, (count.get(c.idempotencyKey) ?? 0) + 1);
  const notOnce = [...printed].filter((k) => count.get(k) !== 1);
  const unknown = [...count.keys()].filter((k) => !printed.has(k));
  const replays = cases.reduce((n, c) => n + c.requestCount - 1, 0);
  const sorted = [...startups].sort((a, b) => a - b);
  const median = sorted.length ? Math.round(sorted[Math.floor(sorted.length / 2)]) : 0;
  console.log(
    `\n${kills} SIGKILLs, ${landed} landed after a commit; kioskctl start to first commit: median ${median} ms ` +
      `(min ${Math.round(sorted[0] ?? 0)}, max ${Math.round(sorted[sorted.length - 1] ?? 0)})`,
  );
  console.log(`${printed.size} keys committed; ${cases.length} cases at the platform; ${replays} redeliveries absorbed by idempotency keys`);
  if (notOnce.length || unknown.length || landed === 0) {
    console.log(`FAILED: ${notOnce.length} committed key(s) not exactly once, ${unknown.length} case(s) never committed, ${landed} kill(s) after a commit`);
    process.exitCode = 1;
  } else {
    console.log('OK: every committed key is at the platform exactly once, and nothing else is');
  }
} finally {
  sim.kill('SIGTERM');
  await new Promise((r) => sim.on('close', r));
  if (!values.keep && values.dir === undefined) rmSync(work, { recursive: true, force: true });
}
