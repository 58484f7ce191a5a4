/**
 * Outbox benchmarks (issue 4): durable enqueue rate against raw SQLite inserts with the same
 * pragmas, drain throughput against the platform simulator against a bare signed round trip, and
 * the start-up cost of opening the cache with 100,000 pending entries against an empty queue.
 * Everything is a ratio measured in this run.
 */
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import Database from 'better-sqlite3';
import { openOfflineCache } from '../offline-cache/index.js';
import { Delivery, enqueueSubmission } from '../main/core/delivery.js';
import { PlatformClient } from '../main/platform/client.js';
import { startPlatformSimulator } from '../main/platform/simulator.js';
import type { BenchRow } from './run.js';
import type { BenchSection } from './sections.js';

const TERMINAL = 'NX-BENCH-1';
const KEY = Buffer.alloc(32, 3).toString('base64');

function tmp(name: string): string {
  return fs.mkdtempSync(join(tmpdir(), `bench-outbox-${name}-`));
}

function payload(i: number): { matterCode: string; applicantToken: string; form: Record<string, unknown> } {
  return { matterCode: 'M-BENCH', applicantToken: 'token-'.padEnd(64, 'x'), form: { n: i, text: 'a'.repeat(400) } };
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)] ?? 0;
}

async function enqueueRate(): Promise<BenchRow[]> {
  const N = 400;
  // Raw better-sqlite3: one row per transaction, WAL + synchronous=FULL, a blob the size of a sealed payload.
  const rawDir = tmp('raw');
  const raw = new Database(join(rawDir, 'raw.db'));
  raw.pragma('journal_mode = WAL');
  raw.pragma('synchronous = FULL');
  raw.exec('CREATE TABLE t(id INTEGER PRIMARY KEY, k TEXT UNIQUE, v BLOB)');
  const ins = raw.prepare('INSERT INTO t(k, v) VALUES (?, ?)');
  const blob = randomBytes(Buffer.byteLength(JSON.stringify(payload(0))) + 60);
  let t0 = performance.now();
  for (let i = 0; i < N; i++) ins.run(`k-${i}`, blob);
  const rawPerS = N / ((performance.now() - t0) / 1000);
  raw.close();

  const dir = tmp('enq');
  const c = openOfflineCache({ dir, keyFile: join(dir, 'keys', 'seal.json'), minFreeBytes: 0 });
  t0 = performance.now();
  for (let i = 0; i < N; i++) enqueueSubmission(c.outbox, TERMINAL, { idempotencyKey: `e-${i}`, kind: 'matter', payload: payload(i) });
  const enqPerS = N / ((performance.now() - t0) / 1000);
  const att = randomBytes(4096);
  t0 = performance.now();
  for (let i = 0; i < N / 2; i++) {
    att.writeUInt32BE(i, 0);
    enqueueSubmission(c.outbox, TERMINAL, { idempotencyKey: `a-${i}`, kind: 'matter', payload: payload(i), attachments: [att] });
  }
  const attPerS = N / 2 / ((performance.now() - t0) / 1000);
  c.close();
  fs.rmSync(rawDir, { recursive: true, force: true });
  fs.rmSync(dir, { recursive: true, force: true });
  return [
    { name: 'durable enqueue (sealed, WAL + FULL, no attachment)', value: enqPerS, unit: 'entries/s', detail: `${N} enqueues, each its own transaction` },
    { name: 'raw better-sqlite3 insert (WAL + FULL)', value: rawPerS, unit: 'rows/s', detail: 'one row per transaction, same blob size, same run' },
    { name: 'enqueue / raw insert', value: enqPerS / rawPerS, unit: '×', detail: 'cost of sealing, duplicate check, two tables, counters trigger', target: '≥ 0.5' },
    { name: 'durable enqueue with a 4 KiB attachment', value: attPerS, unit: 'entries/s', detail: `ratio to raw insert ${(attPerS / rawPerS).toFixed(2)} (file fsync + directory fsync before the row)` },
  ];
}

async function drainThroughput(): Promise<BenchRow[]> {
  const N = 300;
  const dir = tmp('drain');
  const sim = await startPlatformSimulator({ terminals: { [TERMINAL]: KEY }, storeFile: join(dir, 'sim.jsonl') });
  const client = new PlatformClient({ baseUrl: sim.url, terminalId: TERMINAL, key: KEY, timeoutMs: 10_000 });
  const c = openOfflineCache({ dir, keyFile: join(dir, 'keys', 'seal.json'), minFreeBytes: 0 });
  try {
    // A bare signed round trip (GET /v1/health), sequential.
    const R = 200;
    for (let i = 0; i < 20; i++) await client.health(AbortSignal.timeout(5000));
    let t0 = performance.now();
    for (let i = 0; i < R; i++) await client.health(AbortSignal.timeout(5000));
    const rttMs = (performance.now() - t0) / R;

    const att = randomBytes(2048);
    for (let i = 0; i < N; i++) {
      att.writeUInt32BE(i, 0);
      enqueueSubmission(c.outbox, TERMINAL, { idempotencyKey: `d-${i}`, kind: 'matter', payload: payload(i), attachments: [att] });
    }
    const delivery = new Delivery({ outbox: c.outbox, attachments: c.attachments, client, terminalId: TERMINAL, concurrency: 2 });
    t0 = performance.now();
    const final = await delivery.drain(AbortSignal.timeout(300_000));
    const s = (performance.now() - t0) / 1000;
    if (final.acked !== N) throw new Error(`bench: drained ${final.acked} of ${N}`);
    const perEntryMs = (s * 1000) / N;
    return [
      { name: 'drain throughput (attachment PUT + case POST + ack)', value: N / s, unit: 'entries/s', detail: `${N} entries with a 2 KiB attachment, concurrency 2, simulator journal on disk (fdatasync per reply)` },
      { name: 'bare signed round trip (GET /v1/health)', value: rttMs, unit: 'ms', detail: `${R} sequential calls, keep-alive` },
      { name: 'per-entry delivery time / bare round trip', value: perEntryMs / rttMs, unit: '×', detail: `${perEntryMs.toFixed(2)} ms per entry (two requests + two fsyncing commits, 2 in parallel)` },
    ];
  } finally {
    client.close();
    c.close();
    await sim.close();
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

async function startup(): Promise<BenchRow[]> {
  const PENDING = 100_000;
  const full = tmp('start-full');
  const empty = tmp('start-empty');
  const keyFile = (d: string): string => join(d, 'keys', 'seal.json');
  {
    const c = openOfflineCache({ dir: full, keyFile: keyFile(full), minFreeBytes: 0 });
    // Filled in batches inside one outer transaction (the enqueue transactions nest as savepoints): same rows, fewer fsyncs.
    const BATCH = 5000;
    for (let b = 0; b < PENDING; b += BATCH) {
      c.db.transaction(() => {
        for (let i = b; i < b + BATCH; i++) enqueueSubmission(c.outbox, TERMINAL, { idempotencyKey: `s-${i}`, kind: 'matter', payload: payload(i) });
      })();
    }
    if (c.outbox.stats().pending !== PENDING) throw new Error('bench: fill failed');
    c.close();
    openOfflineCache({ dir: empty, keyFile: keyFile(empty), minFreeBytes: 0 }).close();
  }
  const sizeMb = fs.statSync(join(full, 'kiosk.db')).size / 1048576;
  const time = (dir: string, quickCheck: boolean): number => {
    const xs: number[] = [];
    for (let i = 0; i < 5; i++) {
      const t0 = performance.now();
      const c = openOfflineCache({ dir, keyFile: keyFile(dir), suite: 'aes-256-gcm', minFreeBytes: 0, quickCheck });
      c.outbox.stats();
      xs.push(performance.now() - t0);
      c.close();
    }
    return median(xs);
  };
  const fullQc = time(full, true);
  const fullNo = time(full, false);
  const emptyQc = time(empty, true);
  const emptyNo = time(empty, false);
  fs.rmSync(full, { recursive: true, force: true });
  fs.rmSync(empty, { recursive: true, force: true });
  const dominant = fullQc - fullNo > fullNo ? 'quick_check dominates' : 'open without quick_check dominates';
  return [
    { name: `cache open, ${PENDING.toLocaleString('en')} pending, with quick_check`, value: fullQc, unit: 'ms', detail: `median of 5; ${sizeMb.toFixed(0)} MB database; ${dominant}` },
    { name: `cache open, ${PENDING.toLocaleString('en')} pending, without quick_check`, value: fullNo, unit: 'ms', detail: 'median of 5 (pragmas, migrations check, sweep, in-flight recovery, stats)' },
    { name: 'cache open, empty queue, with / without quick_check', value: emptyQc, unit: 'ms', detail: `without: ${emptyNo.toFixed(1)} ms` },
    { name: 'open without quick_check: 100k / empty', value: fullNo / Math.max(emptyNo, 0.001), unit: '×', detail: `start-up does not scan the queue (difference ${(fullNo - emptyNo).toFixed(2)} ms for 100k entries)`, target: '≈ 1 (no scan)' },
    { name: 'quick_check share of the 100k open', value: (fullQc - fullNo) / fullQc, unit: '', detail: 'fraction of start-up spent in PRAGMA quick_check' },
  ];
}

export const outboxSection: BenchSection = {
  name: 'Offline queue (outbox) and delivery',
  async run() {
    return [...(await enqueueRate()), ...(await drainThroughput()), ...(await startup())];
  },
};
