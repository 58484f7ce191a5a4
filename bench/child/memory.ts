/**
 * Run by bench/memory.ts in a fresh process with --expose-gc: the simulated terminal as web mode runs it
 * (main/sim: the core, the simulated card reader and printer, the embedded platform), one connection that
 * serialises every pushed message as the web host does, and N sessions. After every `every` sessions a forced
 * full GC and process.memoryUsage(). Prints one JSON line with the samples.
 *
 *   node --expose-gc --import tsx bench/child/memory.ts cards N every warmup
 *     a session = card placed → welcome → card removed → finish → dismiss → attract
 */
import fs from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { SessionView } from '../../main/contract/index.js';
import { startSimulatedKiosk } from '../../main/sim/terminal.js';
import { getHeapSpaceStatistics } from 'node:v8';

const [mode = 'cards', nRaw = '5000', everyRaw = '100', warmRaw = '0'] = process.argv.slice(2);
const N = Number(nRaw);
const EVERY = Number(everyRaw);
const gc = (globalThis as { gc?: () => void }).gc;
if (typeof gc !== 'function') throw new Error('run with --expose-gc');

const dir = fs.mkdtempSync(join(tmpdir(), 'bench-memory-'));
const file = join(dir, 'kiosk.json');
fs.writeFileSync(
  file,
  JSON.stringify({
    terminalId: 'NX-BENCH-1',
    dataDir: join(dir, 'data'),
    logging: { level: 'info' },
    // Fast presence polling only so that 5,000 sessions fit in minutes; the loop is the production one.
    devices: { idCard: { type: 'simulated', presence: { pollMs: 5, presentPollMs: 20 } } },
  }),
);
const kiosk = await startSimulatedKiosk({ profilePath: file, host: 'web' });
const sim = kiosk.sim;
if (sim === null) throw new Error('no simulated devices');
let onView: ((v: SessionView) => void) | null = null;
let pushed = 0;
kiosk.core.connect({
  send(m) {
    pushed += JSON.stringify(m).length;
    if (m.type === 'event' && m.name === 'session.view') onView?.(m.payload as SessionView);
  },
});

function until(pred: (v: SessionView) => boolean, what: string): Promise<void> {
  if (pred(kiosk.core.session.view())) return Promise.resolve();
  return new Promise((resolve, reject) => {
    const t = setTimeout(() => reject(new Error(`no view: ${what}`)), 15_000);
    onView = (v) => {
      if (!pred(v)) return;
      clearTimeout(t);
      onView = null;
      resolve();
    };
  });
}

for (let i = 0; i < 200 && kiosk.core.devices.reader?.status().state !== 'online'; i++) await new Promise((r) => setTimeout(r, 10));

const keys = ['resident-zhang', 'resident-rare', 'resident-longterm'];
async function session(i: number): Promise<void> {
  const shown = until((v) => v.screen === 'welcome' && v.citizen !== null, 'welcome');
  sim?.placeCard(keys[i % keys.length] ?? 'resident-zhang');
  await shown;
  const removed = until((v) => !v.cardOnReader, 'card removed');
  sim?.removeCard();
  await removed;
  const back = until((v) => v.screen === 'attract', 'attract');
  kiosk.core.session.finish();
  kiosk.core.session.dismiss();
  await back;
}

const samples: { sessions: number; heapUsed: number; rss: number; external: number; arrayBuffers: number; spaces: Record<string, number> }[] = [];
const sample = (sessions: number): void => {
  gc();
  gc();
  const m = process.memoryUsage();
  // Per space too (used bytes): compiled code (code_space) apart from the objects the program holds.
  const spaces = Object.fromEntries(getHeapSpaceStatistics().map((sp) => [sp.space_name, sp.space_used_size]));
  samples.push({ sessions, heapUsed: m.heapUsed, rss: m.rss, external: m.external, arrayBuffers: m.arrayBuffers, spaces });
};
if (mode !== 'cards') throw new Error(`unknown mode ${mode}`);
for (let i = 0; i < Number(warmRaw); i++) await session(i);
const t0 = performance.now();
sample(0);
for (let i = 1; i <= N; i++) {
  await session(i);
  if (i % EVERY === 0) sample(i);
}
const ms = performance.now() - t0;
await kiosk.close();
fs.rmSync(dir, { recursive: true, force: true });
process.stdout.write(`${JSON.stringify({ mode, sessions: N, ms, pushed, samples })}\n`);
