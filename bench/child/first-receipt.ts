/**
 * Run by bench/drivers.ts in a fresh process: the CPU time of this process's first acceptance receipt and of
 * the ones after it. `kiosk`: as the kiosk runs — the simulated terminal started (the core warms the receipt
 * encoder right after it serves), then, a moment later, the first citizen's receipt. `cold`: the encoder
 * imported and used at once, nothing warmed (what a process without the core's warm-up pays).
 * Prints one JSON line.
 */
import fs from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { acceptanceReceipt, warmUpReceipts, type AcceptanceReceiptInput } from '../../drivers/receipt-printer/index.js';

const INPUT: AcceptanceReceiptInput = {
  terminalId: 'NX-YC-0001',
  siteName: '银川市民大厅',
  time: new Date('2026-03-01T16:30:00Z'),
  matterName: '城乡居民基本养老保险参保登记',
  applicantName: '䶮*',
  maskedId: '6401**********123X',
  acceptanceNumber: 'NX-YC-0001-20260302-0042',
  qrPayload: 'https://zwfw.nx.gov.cn/progress?n=NX-YC-0001-20260302-0042',
  offline: true,
  profile: '80mm',
};

/** Wall time of each measured call: how long the event loop was held (process.cpuUsage counts every thread). */
const walls: number[] = [];
function cpu(fn: () => void): number {
  const u = process.cpuUsage();
  const t0 = performance.now();
  fn();
  walls.push(performance.now() - t0);
  const d = process.cpuUsage(u);
  return (d.user + d.system) / 1000;
}

const mode = process.argv[2];
let bytes = 0;
let warmUpMs: number | null = null;
let close: () => Promise<void> = () => Promise.resolve();
if (mode === 'kiosk') {
  const { startSimulatedKiosk } = await import('../../main/sim/terminal.js');
  const dir = fs.mkdtempSync(join(tmpdir(), 'bench-receipt-'));
  const file = join(dir, 'kiosk.json');
  fs.writeFileSync(file, JSON.stringify({ terminalId: 'NX-BENCH-1', dataDir: join(dir, 'data'), logging: { level: 'warn' } }));
  const kiosk = await startSimulatedKiosk({ profilePath: file, host: 'web', embeddedPlatform: false });
  // A citizen reaches a receipt many seconds, usually minutes, after the kiosk serves; the printer warms the
  // encoder up 1.5 s after its start.
  await new Promise((r) => setTimeout(r, 2500));
  close = async () => {
    await kiosk.close();
    fs.rmSync(dir, { recursive: true, force: true });
  };
} else if (mode === 'warm-up') {
  warmUpMs = cpu(() => warmUpReceipts());
} else if (mode !== 'cold') {
  throw new Error('usage: first-receipt.ts kiosk|cold|warm-up');
}
walls.length = 0;
const first = cpu(() => {
  bytes = acceptanceReceipt(INPUT).length;
});
const later: number[] = [];
for (let i = 0; i < 20; i++) later.push(cpu(() => void acceptanceReceipt({ ...INPUT, acceptanceNumber: `NX-YC-0001-20260302-${String(100 + i).padStart(4, '0')}` })));
// Later receipts as a kiosk prints them: each after a pause of the kiosk running (here 1 s, as between the
// warm-up and the first), not back to back — what "the same as every later receipt" compares the first with.
const paused: number[] = [];
if (mode === 'kiosk') {
  for (let i = 0; i < 3; i++) {
    await new Promise((r) => setTimeout(r, 1000));
    paused.push(cpu(() => void acceptanceReceipt({ ...INPUT, acceptanceNumber: `NX-YC-0001-20260302-${String(200 + i).padStart(4, '0')}` })));
  }
}
await close();
const firstWall = walls[0] ?? Number.NaN;
const pausedWall = walls.slice(21);
process.stdout.write(`${JSON.stringify({ first, later, paused, firstWall, pausedWall, bytes, warmUpMs })}\n`);
