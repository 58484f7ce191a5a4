import { copyFileSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEV_TERMINAL_KEY } from '../../../main/core/profile.js';
import type { FaultConfig } from '../../../main/platform/faults.js';
import { startPlatformSimulator, type PlatformSimulator } from '../../../main/platform/simulator.js';
import { JOURNAL_FILE, scanJournal } from '../../../offline-cache/index.js';
import { mountSmallFs, type SmallFs } from '../../helpers/small-fs.js';
import { committedKeys, kioskctl, spawnKioskctl, tempDir } from './helpers.js';

/**
 * Issue 8, acceptance: the fault campaign. One terminal's data directory on a real small file system (a
 * tmpfs), `kioskctl queue selftest` (enqueue and deliver, as the kiosk does) SIGKILLed again and again while
 * the world misbehaves in turn:
 *   platform faults (5xx, connection resets, replies dropped after the commit, latency), a platform outage,
 *   the platform's clock 10 minutes ahead and then 10 minutes behind the kiosk's, a proxy answering HTML
 *   instead of the platform, a full disk, the sealing key file removed (and restored).
 * Then `queue drain`. It must end with every committed key at the platform exactly once (and no other key),
 * no dead letter, `PRAGMA integrity_check` ok, and the journal verified (every link, the database anchor,
 * every committed key journalled, nothing missing).
 *
 * Kill delays count from the run's first `committed` line (kioskctl's start-up time does not matter), seeded.
 */
const TERMINAL = 'NX-DEV-0001';

let sim: PlatformSimulator;
let fsys: SmallFs;
let work: string;
const skew = { ms: 0 };

beforeAll(async () => {
  work = tempDir('campaign-');
  fsys = mountSmallFs(64 * 1024 * 1024);
  sim = await startPlatformSimulator({
    terminals: { [TERMINAL]: DEV_TERMINAL_KEY },
    storeFile: join(work, 'sim.jsonl'),
    seed: 8008,
    now: () => Date.now() + skew.ms,
  });
});
afterAll(async () => {
  await sim.close();
  fsys.unmount();
});

function rng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

interface Run {
  stdout: string;
  stderr: string;
  killed: boolean;
  code: number | null;
}

/**
 * One selftest run, SIGKILLed `delayMs` after its first NEW committed line (a run first re-announces the pending
 * entries of earlier runs; those do not count). A run that commits nothing (full disk, missing key) ends by
 * itself, or is killed after `quietMs` (a kill during start-up).
 */
function runSelftest(profile: string, delayMs: number, known: ReadonlySet<string>, quietMs = 20_000): Promise<Run> {
  return new Promise((resolve, reject) => {
    const child = spawnKioskctl(['queue', 'selftest', '--count', '1000000', '--profile', profile, '--attachment-bytes', '3000', '--max-backlog', '0', '--retry-cap-ms', '500']);
    let stdout = '';
    let stderr = '';
    let armed = false;
    const kill = (): void => void child.kill('SIGKILL');
    child.stdout?.setEncoding('utf8').on('data', (d: string) => {
      stdout += d;
      if (!armed && committedKeys(stdout).some((k) => !known.has(k))) {
        armed = true;
        setTimeout(kill, delayMs);
      }
    });
    child.stderr?.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    const guard = setTimeout(kill, quietMs);
    child.on('error', reject);
    child.on('close', (code, signal) => {
      clearTimeout(guard);
      resolve({ stdout, stderr, killed: signal === 'SIGKILL', code });
    });
  });
}

/** Every idempotency key in the queue now, whatever its state. */
async function queueKeys(profile: string): Promise<Set<string>> {
  const r = await kioskctl(['queue', 'keys', '--profile', profile, '--json']);
  expect(r.code, r.stderr).toBe(0);
  const out = JSON.parse(r.stdout) as { keys: { key: string }[] };
  return new Set(out.keys.map((x) => x.key));
}

describe('fault campaign (issue 8 acceptance)', () => {
  it('SIGKILLs under platform faults, outage, clock skew ±10 min, an HTML proxy, a full disk and a removed key: every committed key delivered exactly once', { timeout: 10 * 60_000 }, async () => {
    const data = join(fsys.dir, 'data');
    const profile = join(work, 'kiosk.json');
    writeFileSync(profile, JSON.stringify({ terminalId: TERMINAL, dataDir: data, storage: { minFreeBytes: 1024 * 1024 }, platform: { url: sim.url }, logging: { level: 'warn' } }));
    const random = rng(20260601);
    const printed = new Set<string>();
    const log: string[] = [];
    let kills = 0;
    const base: FaultConfig = { errorRate: 0.08, resetRate: 0.04, dropAfterCommitRate: 0.05, latencyMs: { min: 0, max: 15 } };

    /** Runs a phase; returns how many new keys it committed and what the platform saw meanwhile. */
    const phase = async (
      name: string,
      runs: number,
      setup: () => void,
      opts: { expectRun?: (r: Run) => void; delayMs?: () => number } = {},
    ): Promise<{ fresh: number; seen: Set<string>; stats: { authFailures: number; proxied: number; resets: number; errors: number; drops: number; outageRefusals: number } }> => {
      setup();
      const before = sim.stats();
      let fresh = 0;
      const seen = new Set<string>();
      for (let i = 0; i < runs; i++) {
        const r = await runSelftest(profile, opts.delayMs ? opts.delayMs() : 20 + Math.floor(random() * 400), printed);
        for (const k of committedKeys(r.stdout)) {
          if (!printed.has(k)) fresh++;
          printed.add(k);
          seen.add(k);
        }
        if (r.killed) kills++;
        expect(r.stderr, `${name}: no stack trace`).not.toMatch(/\n\s+at .+:\d+:\d+/);
        if (opts.expectRun) opts.expectRun(r);
        else expect(r.killed, `${name}: the run was killed (stderr: ${r.stderr.slice(0, 300)})`).toBe(true);
      }
      const after = sim.stats();
      const stats = {
        authFailures: after.authFailures - before.authFailures,
        proxied: after.faults.proxied - before.faults.proxied,
        resets: after.faults.resets - before.faults.resets,
        errors: after.faults.errors - before.faults.errors,
        drops: after.faults.drops - before.faults.drops,
        outageRefusals: after.faults.outageRefusals - before.faults.outageRefusals,
      };
      log.push(`${name}: ${runs} runs, ${fresh} new keys, ${JSON.stringify(stats)}`);
      return { fresh, seen, stats };
    };

    const faults = await phase('platform faults', 8, () => sim.setFaults(base));
    expect(faults.stats.errors + faults.stats.resets + faults.stats.drops).toBeGreaterThan(0);
    const outage = await phase('outage', 3, () => sim.setOutage(true));
    expect(outage.fresh).toBeGreaterThan(0); // accepted offline
    // The platform's clock 10 minutes off: its refusals teach each run the offset; nothing becomes a dead letter.
    const ahead = await phase('clock +10 min', 3, () => {
      sim.setOutage(false);
      skew.ms = 10 * 60_000;
    });
    const behind = await phase('clock -10 min', 3, () => (skew.ms = -10 * 60_000));
    expect(ahead.stats.authFailures).toBeGreaterThan(0);
    expect(behind.stats.authFailures).toBeGreaterThan(0);
    const proxy = await phase('HTML proxy', 3, () => {
      skew.ms = 0;
      sim.setFaults({ ...base, proxyHtml: { status: 401 } });
    });
    expect(proxy.stats.proxied).toBeGreaterThan(0);
    await phase('HTML proxy, some of the time', 2, () => sim.setFaults({ ...base, proxyHtml: { status: 404, rate: 0.4 } }));

    // A full disk: nothing new can be accepted, nothing is lost, and each run says why (it ends by itself).
    // A run first re-announces entries an earlier (killed) run committed but may not have printed; those were
    // in the queue before the disk filled, so "new" here means a key that was not in the queue before.
    const queuedBefore = await queueKeys(profile);
    const full = await phase(
      'full disk',
      2,
      () => {
        sim.setFaults(base);
        fsys.fill();
      },
      {
        delayMs: () => 15_000,
        expectRun: (r) => {
          expect(r.killed, r.stderr).toBe(false);
          expect(r.code).toBe(1);
          expect(r.stderr).toMatch(/storage is full|below the floor|free space/i);
        },
      },
    );
    expect([...full.seen].filter((k) => !queuedBefore.has(k)), 'keys committed while the disk was full').toEqual([]);
    fsys.free();
    await phase('after the full disk', 3, () => undefined);

    // The key file removed: every run refuses (no new key, nothing dead) and says how to restore it.
    const keyFile = join(data, 'keys', 'seal.json');
    const aside = join(work, 'seal.json.backup');
    copyFileSync(keyFile, aside);
    rmSync(keyFile);
    await phase('key file removed', 2, () => undefined, {
      expectRun: (r) => {
        expect(r.killed).toBe(false);
        expect(r.code).toBe(1);
        expect(r.stderr).toMatch(/sealing key file .* is missing/);
        expect(r.stderr).toMatch(/provisioning backup/);
        expect(committedKeys(r.stdout)).toEqual([]);
      },
    });
    const duringKeyLoss = await kioskctl(['queue', 'stats', '--profile', profile]);
    expect(duringKeyLoss.code).toBe(1);
    copyFileSync(aside, keyFile);
    const restored = await kioskctl(['queue', 'stats', '--profile', profile, '--json']);
    expect(restored.code, restored.stderr).toBe(0);
    expect(JSON.parse(restored.stdout)).toMatchObject({ dead: 0 });
    await phase('key restored', 3, () => undefined);

    // Everything calm again: drain.
    sim.setFaults({});
    sim.setOutage(false);
    skew.ms = 0;
    const drained = await kioskctl(['queue', 'drain', '--profile', profile, '--timeout', '240'], { timeoutMs: 5 * 60_000 });
    for (const k of committedKeys(drained.stdout)) printed.add(k);
    expect(drained.code, drained.stderr).toBe(0);

    // Every committed key at the platform exactly once, and no other key.
    const cases = sim.cases();
    const perKey = new Map<string, number>();
    for (const c of cases) perKey.set(c.idempotencyKey, (perKey.get(c.idempotencyKey) ?? 0) + 1);
    const notOnce = [...printed].filter((k) => perKey.get(k) !== 1);
    const neverPrinted = [...perKey.keys()].filter((k) => !printed.has(k));
    const replays = cases.reduce((n, c) => n + c.requestCount - 1, 0);

    // The database: every row acked, integrity ok.
    const db = new Database(join(data, 'kiosk.db'), { readonly: true });
    let integrity: unknown;
    let states: Record<string, number>;
    try {
      integrity = db.pragma('integrity_check', { simple: true });
      states = Object.fromEntries((db.prepare('SELECT state, COUNT(*) AS n FROM outbox GROUP BY state').all() as { state: string; n: number }[]).map((r) => [r.state, r.n]));
    } finally {
      db.close();
    }

    // The journal: verified by kioskctl (chain, anchor, nothing missing) and holding every committed key.
    const verified = await kioskctl(['journal', 'verify', '--profile', profile, '--json']);
    const scan = scanJournal(readFileSync(join(data, JOURNAL_FILE)));
    const journalled = new Set(scan.records.filter((r) => r.type === 'submission-accepted').map((r) => String(r.fields.key)));
    const notJournalled = [...printed].filter((k) => !journalled.has(k));

    console.log(
      `fault campaign: ${kills} SIGKILLs; ${printed.size} keys committed; ${cases.length} cases; ${replays} replays absorbed; ` +
        `journal ${scan.head.seq + 1} records; ${log.join('; ')}`,
    );

    expect(kills).toBeGreaterThanOrEqual(25);
    expect(printed.size).toBeGreaterThan(50);
    expect(notOnce).toEqual([]);
    expect(neverPrinted).toEqual([]);
    expect(integrity).toBe('ok');
    expect(states).toEqual({ acked: printed.size });
    expect(verified.code, verified.stdout + verified.stderr).toBe(0);
    expect(JSON.parse(verified.stdout)).toMatchObject({ ok: true, broken: null, missing: [], anchor: { ok: true } });
    expect(notJournalled).toEqual([]);
  });
});
