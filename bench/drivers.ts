/**
 * Driver codecs against the wire, in CPU time (process.cpuUsage): decoding one card read and encoding one
 * acceptance receipt, as a share of the time the same bytes take on a 115,200 baud 8N1 line; and a fresh
 * process's FIRST receipt (bench/child/first-receipt.ts), as the kiosk runs (the printer's start() schedules
 * warmUpReceipts 1.5 s after start-up) and, for comparison, cold.
 */
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { encodeResponse, parseResponse } from '../drivers/id-card/protocol/frame.js';
import { decodeReadReply, encodeReadReplyData } from '../drivers/id-card/protocol/read-reply.js';
import { sampleRecord } from '../drivers/id-card/samples.js';
import { acceptanceReceipt, warmUpReceipts, WARM_UP_RECEIPTS, type AcceptanceReceiptInput } from '../drivers/receipt-printer/index.js';
import { cpuMs, stat, wireMs } from './measure.js';
import type { BenchRow, BenchSection } from './run.js';

const ROOT = fileURLToPath(new URL('..', import.meta.url));

/** A receipt of no one's data, with every kind of content (2- and 4-byte GB18030, a QR code). */
export const RECEIPT: AcceptanceReceiptInput = {
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

/** CPU ms per call: `rounds` rounds of `per` calls each. */
function cpuPerCall(rounds: number, per: number, fn: () => void): number[] {
  for (let i = 0; i < Math.min(200, per); i++) fn();
  const out: number[] = [];
  for (let r = 0; r < rounds; r++) out.push(cpuMs(() => {
    for (let i = 0; i < per; i++) fn();
  }) / per);
  return out;
}

interface FirstReceipt {
  first: number;
  later: number[];
  /** kiosk mode: later receipts each after a 1 s pause of the kiosk running. */
  paused: number[];
  /** Wall time of the first call and of the paused ones: how long the event loop was held. */
  firstWall: number;
  pausedWall: number[];
  bytes: number;
  warmUpMs: number | null;
}

function child(mode: 'kiosk' | 'cold' | 'warm-up'): FirstReceipt {
  const out = execFileSync(process.execPath, ['--import', 'tsx', join(ROOT, 'bench', 'child', 'first-receipt.ts'), mode], { cwd: ROOT, encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] });
  const line = out.trim().split('\n').pop() ?? '';
  return JSON.parse(line) as FirstReceipt;
}

async function codecRows(): Promise<BenchRow[]> {
  const record = sampleRecord('resident-rare');
  if (!record) throw new Error('sample resident-rare missing');
  const frame = encodeResponse(0, 0, 0x90, encodeReadReplyData(record));
  let sink = 0;
  const decode = cpuPerCall(9, 500, () => {
    const p = parseResponse(frame);
    if (!p.frame) throw new Error('read reply did not parse');
    const r = decodeReadReply(p.frame);
    if (r.error) throw r.error;
    sink += r.record.name.length;
  });
  warmUpReceipts();
  const receipt = acceptanceReceipt(RECEIPT);
  const encode = cpuPerCall(9, 60, () => {
    sink += acceptanceReceipt(RECEIPT).length;
  });
  if (sink === 0) throw new Error('unreachable');
  const cardWire = wireMs(frame.length);
  const receiptWire = wireMs(receipt.length);
  const dec = stat(decode);
  const enc = stat(encode);
  return [
    {
      name: `decode one card read (parseResponse + decodeReadReply of the ${frame.length}-byte 30 01 reply), CPU, 9 rounds × 500`,
      value: dec,
      unit: 'ms',
      anchor: `its wire time (${frame.length} B × 10 bit / 115,200)`,
      anchorValue: cardWire,
      ratio: stat(decode.map((x) => (x / cardWire) * 100)),
      ratioUnit: '%',
      goal: '< 1 %',
      holds: (dec.median / cardWire) * 100 < 1,
    },
    {
      name: `encode one acceptance receipt (${receipt.length} bytes: GB18030 Chinese, QR code, cut), warm, CPU, 9 rounds × 60`,
      value: enc,
      unit: 'ms',
      anchor: `its wire time (${receipt.length} B × 10 bit / 115,200)`,
      anchorValue: receiptWire,
      ratio: stat(encode.map((x) => (x / receiptWire) * 100)),
      ratioUnit: '%',
      goal: '< 1 %',
      holds: (enc.median / receiptWire) * 100 < 1,
    },
  ];
}

async function firstReceiptRows(): Promise<BenchRow[]> {
  const ROUNDS = 9;
  const kiosk: FirstReceipt[] = [];
  const cold: FirstReceipt[] = [];
  const warm: FirstReceipt[] = [];
  for (let r = 0; r < ROUNDS; r++) {
    kiosk.push(child('kiosk'));
    cold.push(child('cold'));
    warm.push(child('warm-up'));
  }
  const bytes = kiosk[0]?.bytes ?? 0;
  const wire = wireMs(bytes);
  const first = stat(kiosk.map((k) => k.first));
  // "Every later receipt": the settled cost, the median of the 10th–20th receipt of each process.
  const later = stat(kiosk.map((k) => stat(k.later.slice(9)).median));
  return [
    {
      name: `a fresh kiosk process's first acceptance receipt (the simulated terminal started as in web mode; the receipt 2.5 s later), CPU, ${ROUNDS} processes`,
      value: first,
      unit: 'ms',
      anchor: `the receipt's wire time (${bytes} B at 115,200 baud)`,
      anchorValue: wire,
      ratio: stat(kiosk.map((k) => (k.first / wire) * 100)),
      ratioUnit: '%',
      goal: 'the same as every later receipt (≤ 1 % of wire time)',
      holds: (first.median / wire) * 100 <= 1,
      note: `wall time of the same call (the event loop held): ${stat(kiosk.map((k) => k.firstWall)).median.toFixed(2)} ms; later receipts of the same processes back to back: ${later.median.toFixed(2)} ms (${((later.median / wire) * 100).toFixed(2)} %); the printer's start() encodes ${WARM_UP_RECEIPTS} sample receipts, one per event-loop turn, 1.5 s after start-up (warmUpReceipts: ${stat(warm.map((w) => w.warmUpMs ?? 0)).median.toFixed(0)} ms CPU in all, once, long before anyone can reach a receipt)`,
    },
    {
      name: `for comparison: later receipts of the same processes, each after a 1 s pause of the kiosk running (as the first came 1 s after the warm-up), CPU, ${ROUNDS} processes × 3`,
      value: stat(kiosk.flatMap((k) => k.paused)),
      unit: 'ms',
      anchor: "the receipt's wire time",
      anchorValue: wire,
      ratio: stat(kiosk.flatMap((k) => k.paused.map((x) => (x / wire) * 100))),
      ratioUnit: '%',
      note: `wall time ${stat(kiosk.flatMap((k) => k.pausedWall)).median.toFixed(2)} ms; a receipt after the rest of the kiosk has run meets cold caches and the JIT state it left; back to back (the note above) they are cheaper`,
    },
    {
      name: 'for comparison: a fresh process encoding a receipt with nothing warmed (GB18030 table built on first use)',
      value: stat(cold.map((c) => c.first)),
      unit: 'ms',
      anchor: "the receipt's wire time",
      anchorValue: wire,
      ratio: stat(cold.map((c) => (c.first / wire) * 100)),
      ratioUnit: '%',
      note: 'what the first citizen of every process paid before issue 10',
    },
  ];
}

export const driversSection: BenchSection = {
  id: 'drivers',
  name: 'Driver codecs: CPU time against the wire at 115,200 baud',
  async run(): Promise<BenchRow[]> {
    return [...(await codecRows()), ...(await firstReceiptRows())];
  },
};
