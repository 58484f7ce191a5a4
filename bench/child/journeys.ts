/**
 * Run by bench/sessions.ts in a fresh process with --expose-gc: whole matter journeys through the simulated
 * terminal as web mode runs it (main/sim: the core, simulated card reader, printer, scanner and pad; web
 * mode's embedded platform, but in a process of its own as a real platform is), every request through the core's dispatch as the web host passes it, every pushed
 * message serialised as the web host does. A journey: card → matter list → 居住证签注 (notice, form,
 * commitment, materials with an e-certificate and a commitment, submit, print, rating) → goodbye → card
 * removed → attract.
 *
 * Measures, for every Next (matter.next): from the request to the push of the view of the next step (wall
 * time); the round trip of a request that changes nothing (session.get) as the anchor, in the same journeys;
 * and memory after a forced full GC every `every` journeys. Prints one JSON line.
 *
 *   node --expose-gc --import tsx bench/child/journeys.ts N every warmup
 */
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { createInterface } from 'node:readline';
import { getHeapSpaceStatistics, writeHeapSnapshot } from 'node:v8';
import type { InvokeName, Params, SessionView } from '../../main/contract/index.js';
import { dispatch } from '../../main/core/rpc.js';
import { startSimulatedKiosk } from '../../main/sim/terminal.js';
import { sampleInput as valueFor } from '../../main/sim/sample-input.js';

const [nRaw = '1000', everyRaw = '100', warmRaw = '50'] = process.argv.slice(2);
const N = Number(nRaw);
const EVERY = Number(everyRaw);
const WARM = Number(warmRaw);
const gc = (globalThis as { gc?: () => void }).gc;
if (typeof gc !== 'function') throw new Error('run with --expose-gc');

const dir = fs.mkdtempSync(join(tmpdir(), 'bench-journeys-'));
const file = join(dir, 'kiosk.json');
fs.writeFileSync(
  file,
  JSON.stringify({
    terminalId: 'NX-DEV-0001',
    dataDir: join(dir, 'data'),
    logging: { level: 'info' },
    // Fast presence polling only so that a thousand journeys fit in minutes; the loop is the production one.
    devices: { idCard: { type: 'simulated', presence: { pollMs: 5, presentPollMs: 20 } } },
  }),
);
// The platform in a process of its own (as it is to a real kiosk): this process's memory is the kiosk's.
const platformChild = spawn(process.execPath, ['--import', 'tsx', join(import.meta.dirname, 'platform.ts'), file], { stdio: ['ignore', 'pipe', 'inherit'] });
const platformUrl = await new Promise<string>((resolve, reject) => {
  createInterface({ input: platformChild.stdout }).once('line', (l) => resolve((JSON.parse(l) as { url: string }).url));
  platformChild.once('exit', (code) => reject(new Error(`platform exited ${String(code)}`)));
});
const profile = JSON.parse(fs.readFileSync(file, 'utf8')) as Record<string, unknown>;
fs.writeFileSync(file, JSON.stringify({ ...profile, platform: { url: platformUrl } }));
const kiosk = await startSimulatedKiosk({ profilePath: file, host: 'web', caseNumberWaitMs: 3000 });
const core = kiosk.core;
const sim = kiosk.sim;
if (sim === null) throw new Error('no simulated devices');

let onView: ((v: SessionView, at: number) => void) | null = null;
core.connect({
  send(m) {
    const text = JSON.stringify(m);
    if (m.type === 'event' && m.name === 'session.view' && text.length > 0) onView?.(m.payload as SessionView, performance.now());
  },
});

let id = 0;
async function call<N extends InvokeName>(method: N, params: Params<N>): Promise<void> {
  // As the web host passes a socket message on: the raw JSON text.
  const r = await dispatch(JSON.stringify({ type: 'request', id: ++id, method, params }), core.handlers, core.log);
  if (!r.reply.ok) throw new Error(`${method} refused: ${r.reply.error.code} ${r.reply.error.message}`);
}

function until(pred: (v: SessionView) => boolean, what: string, ms = 20_000): Promise<number> {
  if (pred(core.session.view())) return Promise.resolve(performance.now());
  return new Promise((resolve, reject) => {
    const t = setTimeout(() => {
      onView = null;
      reject(new Error(`no view: ${what} (screen ${core.session.view().screen}, step ${core.session.view().matter?.step.kind ?? '-'})`));
    }, ms);
    onView = (v, at) => {
      if (!pred(v)) return;
      clearTimeout(t);
      onView = null;
      resolve(at);
    };
  });
}

const stepOf = (v: SessionView): string =>
  v.matter ? `${v.matter.step.kind}:${(v.matter.step as { phase?: string }).phase ?? ''}:${v.matter.progress.findIndex((p) => p.state === 'current')}` : v.screen;
const isStep = (kind: string, phase?: string) => (v: SessionView) => v.matter?.step.kind === kind && (phase === undefined || (v.matter.step as { phase?: string }).phase === phase);


/**
 * The latencies, recorded into storage allocated before the first sample: an array that grew by a few numbers a
 * journey would itself be heap growth of about 0.2 KB a journey (boxed numbers and the array's doublings) in the
 * very slope this process measures.
 */
class Recorder {
  readonly #values: Float64Array;
  #count = 0;
  constructor(capacity: number) {
    this.#values = new Float64Array(capacity);
  }
  push(v: number): void {
    if (this.#count >= this.#values.length) throw new Error(`bench: more than ${this.#values.length} latencies recorded`);
    this.#values[this.#count++] = v;
  }
  values(): number[] {
    return Array.from(this.#values.subarray(0, this.#count));
  }
}
/** Next is pressed four times a journey (notice, form, materials, receipt). */
const NEXTS_PER_JOURNEY = 4;
const nextMs = new Recorder(N * NEXTS_PER_JOURNEY);
const getMs = new Recorder(N * NEXTS_PER_JOURNEY);

/** matter.next, timed to the push of a view whose step differs from the one Next was pressed on. */
async function next(record: boolean): Promise<void> {
  const before = stepOf(core.session.view());
  const moved = until((v) => stepOf(v) !== before, `the step after ${before}`);
  const t0 = performance.now();
  await call('matter.next', {});
  const t1 = await moved;
  if (record) nextMs.push(t1 - t0);
  // The anchor: a request that changes nothing, on the same screen.
  const g0 = performance.now();
  await call('session.get', {});
  if (record) getMs.push(performance.now() - g0);
}

async function journey(record: boolean): Promise<void> {
  const list = until((v) => v.screen === 'welcome' && v.matters !== null, 'the matter list');
  sim?.placeCard('resident-zhang');
  await list;
  await call('matter.choose', { code: 'SAMPLE-GA-0002' });
  await until(isStep('notice'), 'the notice');
  await next(record);
  const v = core.session.view();
  if (v.matter?.step.kind !== 'form') throw new Error(`expected the form, got ${stepOf(v)}`);
  for (const f of v.matter.step.fields) if (f.value === '') await call('matter.input', { key: f.key, value: valueFor(f) });
  await next(record);
  await until(isStep('commitment'), 'the commitment');
  await call('matter.commit', {});
  await until(isStep('materials', 'ready'), 'the materials');
  await call('matter.useCertificate', { material: 'residencePermit' });
  await call('matter.useCommitment', { material: 'residenceProof' });
  await next(record);
  await until(isStep('submit', 'confirm'), 'the submit step');
  await call('matter.submit', {});
  await until(isStep('print', 'printed'), 'the receipt printed');
  await next(record);
  await until(isStep('review', 'choosing'), 'the rating');
  await call('matter.rate', { level: 'very-satisfied' });
  await until((x) => x.screen === 'finished', 'goodbye');
  const removed = until((x) => !x.cardOnReader, 'card removed');
  sim?.removeCard();
  await removed;
  const back = until((x) => x.screen === 'attract', 'attract');
  core.session.dismiss();
  await back;
}

for (let i = 0; i < 300 && core.queue.link?.state !== 'online'; i++) await new Promise((r) => setTimeout(r, 20));
for (let i = 0; i < WARM; i++) await journey(false);
const samples: { journeys: number; heapUsed: number; rss: number; spaces: Record<string, number> }[] = [];
// BENCH_HEAP_SNAPSHOTS=dir: a heap snapshot after the warm-up (first.heapsnapshot) and after the last journey
// (last.heapsnapshot), after the same forced GC as the samples; bench/sessions.ts compares the program's objects
// in them (bench/heap-snapshot.ts), and DevTools can compare them by hand. Their time is not the journeys'.
const snapDir = process.env.BENCH_HEAP_SNAPSHOTS;
let snapMs = 0;
const sample = (journeys: number, snapshot?: 'first' | 'last'): void => {
  gc();
  gc();
  const m = process.memoryUsage();
  // Per space too (used bytes): compiled code (code_space) apart from the objects the program holds.
  const spaces = Object.fromEntries(getHeapSpaceStatistics().map((sp) => [sp.space_name, sp.space_used_size]));
  samples.push({ journeys, heapUsed: m.heapUsed, rss: m.rss, spaces });
  if (snapDir && snapshot) {
    const s0 = performance.now();
    writeHeapSnapshot(join(snapDir, `${snapshot}.heapsnapshot`));
    snapMs += performance.now() - s0;
  }
};
const t0 = performance.now();
sample(0, 'first');
for (let i = 1; i <= N; i++) {
  await journey(true);
  if (i % EVERY === 0 || i === N) sample(i, i === N ? 'last' : undefined);
}
const ms = performance.now() - t0 - snapMs;
const stats = core.queueStats();
await kiosk.close();
const gone = new Promise((r) => platformChild.once('exit', r));
platformChild.kill('SIGTERM');
await gone;
fs.rmSync(dir, { recursive: true, force: true });
process.stdout.write(`${JSON.stringify({ journeys: N, warmup: WARM, ms, nextMs: nextMs.values(), getMs: getMs.values(), samples, queue: stats })}\n`);
