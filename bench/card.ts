/**
 * The ID card on the production path: the kiosk core (KioskCore.start, its SamIdCardReader, the session
 * service) over an emulated 115,200 baud serial line (bench/wire.ts: 64-byte chunks, one event-loop turn
 * each, at wire time), the faithful simulator on the device end.
 *
 *  - card placed → view pushed: 50 placements at random moments of the presence loop; the overhead is what
 *    the kiosk adds beyond the wire time of the find + select + read exchanges that read the card;
 *  - CPU of a card read through the real link (unpaced line, a device end that replays the simulator's
 *    recorded replies so its encoding is not counted), against the wire time of the same bytes;
 *  - CPU of the idle presence loop (no card, paced line), as a share of one core: the budget of item 2.
 */
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { performance } from 'node:perf_hooks';
import { SamIdCardReader, type SamIdCardReaderOptions } from '../drivers/id-card/reader.js';
import { sampleRecord } from '../drivers/id-card/samples.js';
import { IdCardSimulator } from '../drivers/id-card/simulator.js';
import type { IdentityRecord } from '../drivers/id-card/types.js';
import { SerialOpener } from '../drivers/transport/serial.js';
import type { Transport, TransportOpener } from '../drivers/transport/transport.js';
import type { SessionView } from '../main/contract/index.js';
import { KioskCore } from '../main/core/kiosk.js';
import { loadProfile } from '../main/core/profile.js';
import { benchDir, BENCH_TERMINAL } from './fixtures.js';
import { cpuMsAsync, stat, wireMs } from './measure.js';
import type { BenchRow, BenchSection } from './run.js';
import { WireLine } from './wire.js';

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));
const ROOT = fileURLToPath(new URL('..', import.meta.url));

function sample(): IdentityRecord {
  const s = sampleRecord('resident-rare');
  if (!s) throw new Error('bench: no sample identity');
  return s;
}

/** A kiosk core whose only device is the ID card reader on an emulated line; views pushed are reported. */
export async function cardKiosk(opts: { paced: boolean; name: string }): Promise<{
  core: KioskCore;
  line: WireLine;
  sim: () => IdCardSimulator;
  views: { on: ((v: SessionView, at: number) => void) | null };
  close(): Promise<void>;
}> {
  const dir = benchDir(opts.name);
  const file = join(dir, 'kiosk.json');
  fs.writeFileSync(
    file,
    JSON.stringify({ terminalId: BENCH_TERMINAL, dataDir: join(dir, 'data'), logging: { level: 'warn' }, devices: { idCard: { type: 'simulated' }, printer: { type: 'none' } } }),
  );
  let current: IdCardSimulator | null = null;
  const line = new WireLine('emulated:/dev/ttyUSB0', (end: Transport) => {
    current = new IdCardSimulator(end);
  }, { paced: opts.paced });
  const core = await KioskCore.start({ profile: loadProfile(file), simulatedDevices: { idCard: line }, host: 'web' });
  const views: { on: ((v: SessionView, at: number) => void) | null } = { on: null };
  core.connect({
    send(m) {
      // What the web host does with every message: serialise it for the socket.
      const text = JSON.stringify(m);
      if (m.type === 'event' && m.name === 'session.view' && text.length > 0) views.on?.(m.payload as SessionView, performance.now());
    },
  });
  const reader = core.devices.reader;
  for (let i = 0; i < 500 && reader?.status().state !== 'online'; i++) await sleep(10);
  if (reader?.status().state !== 'online') throw new Error('bench: the reader did not come online');
  return {
    core,
    line,
    sim: () => {
      if (current === null) throw new Error('bench: no simulator attached');
      return current;
    },
    views,
    async close() {
      await core.close();
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
}

function nextView(k: { views: { on: ((v: SessionView, at: number) => void) | null } }, pred: (v: SessionView) => boolean, what: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const t = setTimeout(() => {
      k.views.on = null;
      reject(new Error(`bench: no view: ${what}`));
    }, 15_000);
    k.views.on = (v, at) => {
      if (!pred(v)) return;
      clearTimeout(t);
      k.views.on = null;
      resolve(at);
    };
  });
}

/** One placement: place → view with the citizen; then remove, finish, dismiss → attract. Returns [latency, wire]. */
export async function placement(k: Awaited<ReturnType<typeof cardKiosk>>, record: IdentityRecord): Promise<{ ms: number; wireMs: number }> {
  const shown = nextView(k, (v) => v.screen === 'welcome' && v.citizen !== null, 'citizen shown');
  const t0 = performance.now();
  k.sim().place(record);
  const t1 = await shown;
  // The exchanges that read this card: the last find, select and read before the view.
  const wire = k.line.wireOfLast(3, t1);
  const removed = nextView(k, (v) => !v.cardOnReader, 'card removed');
  k.sim().remove();
  await removed;
  const back = nextView(k, (v) => v.screen === 'attract', 'back to attract');
  k.core.session.finish();
  k.core.session.dismiss();
  await back;
  return { ms: t1 - t0, wireMs: wire.ms };
}

async function cardToView(): Promise<BenchRow[]> {
  const PLACEMENTS = 50;
  const k = await cardKiosk({ paced: true, name: 'card-view' });
  try {
    const record = sample();
    await placement(k, record); // warm-up
    const total: number[] = [];
    const overhead: number[] = [];
    const wires: number[] = [];
    for (let i = 0; i < PLACEMENTS; i++) {
      await sleep(40 + Math.random() * 400); // placed at any moment of the presence loop
      const r = await placement(k, record);
      total.push(r.ms);
      wires.push(r.wireMs);
      overhead.push(r.ms - r.wireMs);
    }
    const o = stat(overhead);
    if (process.env.BENCH_VERBOSE) console.log('overheads', overhead.map((x) => Math.round(x)).sort((a, b) => a - b).join(' '), 'wires', wires.map((x) => Math.round(x)).join(' '));
    return [
      {
        name: `card placed → view with the citizen pushed (KioskCore, its reader and session), ${PLACEMENTS} placements at random moments, wall time beyond the wire`,
        value: o,
        unit: 'ms',
        p95: true,
        anchor: 'the wire time of find + select + read at 115,200 baud (64-byte chunks, one turn each)',
        anchorValue: stat(wires),
        anchorUnit: 'ms',
        goal: '≤ 50 ms median, ≤ 100 ms p95',
        holds: o.median <= 50 && o.p95 <= 100,
        note: `placed → pushed in total: median ${stat(total).median.toFixed(0)} ms, p95 ${stat(total).p95.toFixed(0)} ms`,
      },
    ];
  } finally {
    await k.close();
  }
}

/** A device end that answers each request with the simulator's recorded reply (no encoding at measure time). */
async function recordedReplies(record: IdentityRecord): Promise<Map<string, Uint8Array>> {
  const replies = new Map<string, Uint8Array>();
  const line = new WireLine('record', (end) => {
    const sim = new IdCardSimulator(end);
    sim.place(record);
  }, { paced: false });
  const host = await line.open();
  let got: Uint8Array[] = [];
  host.onData((c) => got.push(Uint8Array.from(c)));
  const { FRAMES } = await import('../drivers/id-card/protocol/commands.js');
  for (const [name, frame] of Object.entries(FRAMES)) {
    got = [];
    await host.write(frame);
    for (let i = 0; i < 50; i++) await new Promise((r) => setImmediate(r));
    replies.set(Buffer.from(frame).toString('hex'), Buffer.concat(got));
    if (name === 'readText') break;
  }
  await host.close();
  return replies;
}

async function cardReadCpu(): Promise<BenchRow[]> {
  const record = sample();
  const replies = await recordedReplies(record);
  let present = false;
  // The reply of a find with no card: the recorded one with a card answered 9F; 80 = no card.
  const { FRAMES } = await import('../drivers/id-card/protocol/commands.js');
  const { encodeResponse } = await import('../drivers/id-card/protocol/frame.js');
  const noCard = encodeResponse(0, 0, 0x80, new Uint8Array(0));
  const findHex = Buffer.from(FRAMES.findCard).toString('hex');
  const line = new WireLine('replay', (end) => {
    let buf = '';
    end.onData((c) => {
      buf += Buffer.from(c).toString('hex');
      for (const hex of replies.keys()) {
        if (!buf.startsWith(hex)) continue;
        buf = buf.slice(hex.length);
        const out = hex === findHex && !present ? noCard : replies.get(hex);
        if (out !== undefined) void end.write(out);
      }
    });
  }, { paced: false });
  const reader = new SamIdCardReader('id-card', line);
  let onCard: (() => void) | null = null;
  reader.onCard(() => onCard?.());
  let onRemoved: (() => void) | null = null;
  reader.onRemoved(() => onRemoved?.());
  reader.start();
  for (let i = 0; i < 500 && reader.status().state !== 'online'; i++) await sleep(10);
  const ROUNDS = 9;
  const PER = 10;
  const perRead: number[] = [];
  let readBytes = 0;
  try {
    for (let r = 0; r < ROUNDS; r++) {
      let busy = 0;
      for (let i = 0; i < PER; i++) {
        const before = line.transfers.length;
        const read = new Promise<void>((res) => (onCard = res));
        busy += await cpuMsAsync(async () => {
          present = true;
          await read;
        });
        readBytes = line.transfers.slice(before).slice(-6).reduce((a, t) => a + t.bytes, 0);
        const gone = new Promise<void>((res) => (onRemoved = res));
        present = false;
        await gone;
      }
      perRead.push(busy / PER);
    }
  } finally {
    await reader.close();
  }
  const s = stat(perRead);
  const wire = wireMs(readBytes);
  return [
    {
      name: 'CPU of one card read through the real link (SamIdCardReader: find + select + read, 64-byte chunks one turn each, decode, onCard), process.cpuUsage',
      value: s,
      unit: 'ms',
      anchor: `the wire time of the same ${readBytes} bytes at 115,200 baud`,
      anchorValue: wire,
      anchorUnit: 'ms',
      ratio: stat(perRead.map((x) => (x / wire) * 100)),
      ratioUnit: '%',
      goal: '< 1 % of the wire time',
      holds: (s.median / wire) * 100 < 1,
      note: 'includes the idle presence polls between placement and detection (the device end replays recorded replies: no device CPU counted)',
    },
  ];
}

/** A socat pty pair: the kiosk opens `host` with serialport, the simulator `device`. */
async function ptyPair(dir: string): Promise<{ host: string; device: string; stop(): Promise<void> }> {
  const host = join(dir, 'host');
  const device = join(dir, 'dev');
  const socat = spawn('socat', ['-d', '-d', `pty,raw,echo=0,link=${host}`, `pty,raw,echo=0,link=${device}`], { stdio: 'ignore' });
  for (let i = 0; i < 500 && !(fs.existsSync(host) && fs.existsSync(device)); i++) await sleep(10);
  if (!fs.existsSync(host)) throw new Error('bench: socat made no pty pair (is socat installed?)');
  return {
    host,
    device,
    async stop() {
      if (socat.exitCode !== null) return;
      const gone = new Promise((r) => socat.once('exit', r));
      socat.kill('SIGKILL');
      await gone;
    },
  };
}

/**
 * The idle presence loop on the production path: SamIdCardReader over serialport on a real pty, the simulator
 * (kioskctl sim id-card, no card) in its own process. CPU of this process only, as a share of one core, at the
 * new default and at the old fixed 300 ms sleep, in alternating rounds.
 */
async function idlePresenceCpu(): Promise<BenchRow[]> {
  const dir = benchDir('idle-pty');
  const pty = await ptyPair(dir);
  const sim = spawn(process.execPath, [join(ROOT, 'bin', 'kioskctl.mjs'), 'sim', 'id-card', '--port', pty.device, '--json'], { cwd: ROOT, stdio: ['pipe', 'pipe', 'inherit'] });
  try {
    await new Promise<void>((resolve, reject) => {
      const rl = createInterface({ input: sim.stdout as NodeJS.ReadableStream });
      rl.on('line', (l) => {
        if (l.includes('"ready"')) resolve();
      });
      sim.once('exit', (code) => reject(new Error(`bench: kioskctl sim id-card exited ${String(code)}`)));
    });
    sim.stdin?.write('remove\n');
    const ROUNDS = 6;
    const SECONDS = 3;
    const measure = async (opts: SamIdCardReaderOptions): Promise<{ share: number; polls: number }> => {
      // Counts the requests written (one per poll while no card lies there).
      let writes = 0;
      const serial = new SerialOpener({ path: pty.host, baudRate: 115_200 });
      const counting: TransportOpener = {
        kind: serial.kind,
        path: serial.path,
        async open(signal) {
          const t = await serial.open(signal);
          const write = t.write.bind(t);
          t.write = (bytes, sig) => {
            writes++;
            return write(bytes, sig);
          };
          return t;
        },
      };
      const reader = new SamIdCardReader('id-card', counting, opts);
      reader.start();
      try {
        for (let i = 0; i < 500 && reader.status().state !== 'online'; i++) await sleep(10);
        await sleep(300);
        const before = writes;
        const cpu = await cpuMsAsync(() => sleep(SECONDS * 1000));
        return { share: (cpu / (SECONDS * 1000)) * 100, polls: (writes - before) / SECONDS };
      } finally {
        await reader.close();
      }
    };
    const now: number[] = [];
    const old: number[] = [];
    let pollsNow = 0;
    let pollsOld = 0;
    for (let r = 0; r < ROUNDS; r++) {
      const a = async (): Promise<void> => {
        const m = await measure({});
        now.push(m.share);
        pollsNow = m.polls;
      };
      const b = async (): Promise<void> => {
        const m = await measure({ pollMs: 300, presentPollMs: 300, minGapMs: 300 });
        old.push(m.share);
        pollsOld = m.polls;
      };
      if (r % 2 === 0) {
        await a();
        await b();
      } else {
        await b();
        await a();
      }
    }
    const s = stat(now);
    return [
      {
        name: `CPU of the idle presence loop (no card; serialport on a real pty, the simulator in its own process), share of one core, ${ROUNDS} rounds of ${SECONDS} s`,
        value: s,
        unit: '%',
        anchor: 'one core; for comparison the old fixed 300 ms sleep, alternating rounds',
        anchorValue: stat(old),
        anchorUnit: '%',
        goal: '≤ 2.5 % of one core: the budget of polling 8× as often (docs/performance.md)',
        holds: s.median <= 2.5,
        note: `${pollsNow.toFixed(0)} find-card polls per second now, ${pollsOld.toFixed(1)} before`,
      },
    ];
  } finally {
    if (sim.exitCode === null) {
      const gone = new Promise((r) => sim.once('exit', r));
      sim.kill('SIGTERM');
      await gone;
    }
    await pty.stop();
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

export const cardSection: BenchSection = {
  id: 'card',
  name: 'ID card: placed → on screen, CPU of a read, idle presence loop',
  async run() {
    if (process.env.BENCH_ONLY === 'view') return cardToView();
    return [...(await cardToView()), ...(await cardReadCpu()), ...(await idlePresenceCpu())];
  },
};
