/**
 * Sessions on the production path, each in a fresh process with --expose-gc (bench/child/): memory after a
 * forced full GC every 100 sessions over 5,000 card sessions (placed → welcome → removed → finish → dismiss)
 * and every 100 whole matter journeys over 5,000 (after 1,000 warm-up journeys), as slopes (least squares, bytes per session); and for
 * every Next of those journeys, the time from the request to the push of the next step's view.
 */
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { heapParts, topGrowth } from './heap-snapshot.js';
import { slope, stat } from './measure.js';
import type { BenchRow, BenchSection } from './run.js';

const ROOT = fileURLToPath(new URL('..', import.meta.url));

interface MemSample {
  heapUsed: number;
  rss: number;
  /** Used bytes per V8 heap space (v8.getHeapSpaceStatistics). */
  spaces: Record<string, number>;
}

/** V8's compiled code: what the JIT holds, not objects of the program. */
const CODE_SPACES = ['code_space', 'code_large_object_space'];
const codeBytes = (s: MemSample): number => CODE_SPACES.reduce((n, k) => n + (s.spaces[k] ?? 0), 0);

function child<T>(script: string, args: string[], env: NodeJS.ProcessEnv = {}): T {
  const out = execFileSync(process.execPath, ['--expose-gc', '--import', 'tsx', join(ROOT, 'bench', 'child', script), ...args], {
    cwd: ROOT,
    env: { ...process.env, ...env },
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'inherit'],
    maxBuffer: 64 * 1024 * 1024,
  });
  return JSON.parse(out.trim().split('\n').pop() ?? '') as T;
}

function slopes(samples: (MemSample & { n: number })[]): { heap: number; rss: number; objects: number; code: number } {
  const xs = samples.map((s) => s.n);
  return {
    heap: slope(xs, samples.map((s) => s.heapUsed)),
    rss: slope(xs, samples.map((s) => s.rss)),
    objects: slope(xs, samples.map((s) => s.heapUsed - codeBytes(s))),
    code: slope(xs, samples.map(codeBytes)),
  };
}

/** The heap split: its slope without compiled code, and the code's own (what the total row's growth is made of). */
function objectsRow(what: string, unit: string, s: { objects: number; code: number; heap: number }, first: MemSample | undefined, last: MemSample | undefined): BenchRow {
  const kb = (b: number): string => (b / 1024).toFixed(0);
  return {
    name: `the same heap without V8's code space, ${what} (old space still holds V8's bookkeeping of compiled code; the snapshot row separates it), slope`,
    value: s.objects / 1024,
    unit,
    anchor: 'flat (0)',
    goal: '< 0.2 KB per session',
    holds: s.objects / 1024 < 0.2,
    note: `compiled code ${(s.code / 1024).toFixed(2)} ${unit} of the total ${(s.heap / 1024).toFixed(2)} (code space ${first ? kb(codeBytes(first)) : '?'} → ${last ? kb(codeBytes(last)) : '?'} KB: the JIT compiling more of the same paths)`,
  };
}

export const sessionsSection: BenchSection = {
  id: 'sessions',
  name: 'Sessions and journeys: memory and Next',
  async run(): Promise<BenchRow[]> {
    const SESSIONS = 5000;
    const WARM_SESSIONS = 500;
    const cards = child<{ samples: (MemSample & { sessions: number })[]; ms: number }>('memory.ts', ['cards', String(SESSIONS), '100', String(WARM_SESSIONS)]);
    const cs = slopes(cards.samples.map((s) => ({ ...s, n: s.sessions })));
    // As many journeys as card sessions (issue 10: 5,000 cycles, "and, once matters exist, whole journeys"); the
    // warm-up is longer than the sessions' because a journey runs far more code for the JIT to tier up: code space
    // grows by about 600 KB over the first 1,000 journeys and levels off by about 3,000 (docs/performance.md).
    const JOURNEYS = 5000;
    const WARM_JOURNEYS = 1000;
    const snaps = fs.mkdtempSync(join(tmpdir(), 'bench-snapshots-'));
    let j: { samples: (MemSample & { journeys: number })[]; nextMs: number[]; getMs: number[]; ms: number };
    let objects: { first: ReturnType<typeof heapParts>; last: ReturnType<typeof heapParts> };
    try {
      j = child('journeys.ts', [String(JOURNEYS), '100', String(WARM_JOURNEYS)], { BENCH_HEAP_SNAPSHOTS: snaps });
      objects = { first: heapParts(join(snaps, 'first.heapsnapshot')), last: heapParts(join(snaps, 'last.heapsnapshot')) };
    } finally {
      fs.rmSync(snaps, { recursive: true, force: true });
    }
    const perJourney = (a: number, b: number): number => (b - a) / JOURNEYS / 1024;
    const objectGrowth = perJourney(objects.first.objectBytes, objects.last.objectBytes);
    const grew = topGrowth(objects.first, objects.last)
      .map((g) => `${g.name} ${g.bytes >= 0 ? '+' : ''}${(g.bytes / 1024).toFixed(1)} KB`)
      .join(', ');
    const js = slopes(j.samples.map((s) => ({ ...s, n: s.journeys })));
    const jFirst = j.samples[0];
    const jLast = j.samples[j.samples.length - 1];
    const jMid = j.samples[Math.floor((j.samples.length - 1) / 2)];
    const codeHalves = {
      first: jFirst && jMid ? (codeBytes(jMid) - codeBytes(jFirst)) / 1024 : Number.NaN,
      second: jMid && jLast ? (codeBytes(jLast) - codeBytes(jMid)) / 1024 : Number.NaN,
    };
    const next = stat(j.nextMs);
    const first = cards.samples[0];
    const last = cards.samples[cards.samples.length - 1];
    return [
      {
        name: `heap after forced GC, every 100 card sessions over ${SESSIONS.toLocaleString('en')} (placed → welcome → removed → finish → dismiss; simulated terminal as in web mode; after ${WARM_SESSIONS} warm-up sessions), slope`,
        value: cs.heap / 1024,
        unit: 'KB/session',
        anchor: 'flat (0)',
        goal: '< 0.2 KB per session',
        holds: cs.heap / 1024 < 0.2,
        note: `RSS slope ${(cs.rss / 1024).toFixed(2)} KB/session; heap ${((first?.heapUsed ?? 0) / 2 ** 20).toFixed(1)} → ${((last?.heapUsed ?? 0) / 2 ** 20).toFixed(1)} MiB; ${(cards.ms / SESSIONS).toFixed(0)} ms a session (presence polled every 5 ms to fit the run). Heap snapshots 1,500 vs 4,500 sessions differ only in V8's compiled code (the JIT tiering up), no retained objects`,
      },
      objectsRow(`${SESSIONS.toLocaleString('en')} card sessions`, 'KB/session', cs, first, last),
      {
        name: `RSS after forced GC over the same ${SESSIONS.toLocaleString('en')} card sessions, slope`,
        value: cs.rss / 1024,
        unit: 'KB/session',
        anchor: 'flat (0)',
        goal: '< 0.2 KB per session',
        holds: cs.rss / 1024 < 0.2,
      },
      {
        name: `heap after forced GC, every 100 whole matter journeys over ${JOURNEYS.toLocaleString('en')} (card, 居住证签注: notice, form, commitment, e-certificate, submit, receipt, rating, goodbye; the platform in its own process; after ${WARM_JOURNEYS} warm-up journeys), slope`,
        value: js.heap / 1024,
        unit: 'KB/journey',
        anchor: 'flat (0)',
        goal: '< 0.2 KB per session',
        holds: js.heap / 1024 < 0.2,
        note: `${(j.ms / JOURNEYS).toFixed(0)} ms a journey; the latencies are recorded into storage allocated before the first sample (growing arrays of them were 0.19 KB a journey of this slope); RSS slope ${(js.rss / 1024).toFixed(2)} KB/journey (RSS after a GC moves with when V8 and malloc give pages back). The growth is V8's compiled code and its metadata, and it slows: code space +${codeHalves.first.toFixed(0)} KB over the first half, +${codeHalves.second.toFixed(0)} KB over the second; in heap snapshots the new code objects are one optimised code each of functions that became hot late (docs/performance.md), the program's objects do not grow (the snapshot row)`,
      },
      objectsRow(`${JOURNEYS.toLocaleString('en')} whole journeys`, 'KB/journey', js, jFirst, jLast),
      {
        name: `the program's objects in heap snapshots after forced GC, after the warm-up and after ${JOURNEYS.toLocaleString('en')} whole journeys (objects, closures, strings, numbers, buffers; V8's compiled code and its own hidden bookkeeping apart), growth`,
        value: objectGrowth,
        unit: 'KB/journey',
        anchor: 'flat (0)',
        goal: '< 0.2 KB per session',
        holds: objectGrowth < 0.2,
        note: `objects ${(objects.first.objectBytes / 2 ** 20).toFixed(2)} → ${(objects.last.objectBytes / 2 ** 20).toFixed(2)} MiB; grew most: ${grew}; V8's compiled code ${perJourney(objects.first.codeBytes, objects.last.codeBytes).toFixed(2)} KB/journey, its bookkeeping ${perJourney(objects.first.internalBytes, objects.last.internalBytes).toFixed(2)} KB/journey`,
      },
      {
        name: `Next → the next step's view pushed (matter.next through the core's dispatch to the serialised push), ${j.nextMs.length.toLocaleString('en')} presses in ${JOURNEYS.toLocaleString('en')} journeys, wall time`,
        value: next,
        unit: 'ms',
        p95: true,
        anchor: 'a request that changes nothing (session.get) on the same screens',
        anchorValue: stat(j.getMs),
        goal: '≤ 50 ms median, ≤ 100 ms p95 (the card row\'s budget: the citizen never waits on the software)',
        holds: next.median <= 50 && next.p95 <= 100,
      },
    ];
  },
};
