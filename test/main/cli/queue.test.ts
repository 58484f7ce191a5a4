import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEV_TERMINAL_KEY } from '../../../main/core/profile.js';
import { enqueueSubmission } from '../../../main/core/delivery.js';
import { openOfflineCache } from '../../../offline-cache/index.js';
import { startPlatformSimulator, type PlatformSimulator } from '../../../main/platform/simulator.js';
import { committedKeys, kioskctl, spawnKioskctl, tempDir } from '../../integration/queue/helpers.js';

let sim: PlatformSimulator;
beforeAll(async () => {
  sim = await startPlatformSimulator({ terminals: { 'NX-DEV-0001': DEV_TERMINAL_KEY } });
});
afterAll(async () => {
  await sim.close();
});

const WRONG_KEY = Buffer.alloc(32, 1).toString('base64');

describe('kioskctl queue and platform commands (spawned)', () => {
  it('dead letters: stats shape, export-dead (still sealed), drain exit codes, retry --dead, then delivered', { timeout: 120_000 }, async () => {
    const dir = tempDir('cli-queue-');
    const data = join(dir, 'data');
    // A terminal key the platform does not accept: 401 is permanent, so every entry becomes a dead letter.
    const bad = await kioskctl(['queue', 'selftest', '--count', '4', '--data-dir', data, '--platform', sim.url, '--key', WRONG_KEY, '--json']);
    expect(bad.code, bad.stderr).toBe(1);
    const keys = committedKeys(bad.stdout);
    expect(keys).toHaveLength(4);
    expect(bad.stderr.trim().split('\n')).toHaveLength(1);
    expect(bad.stderr).toContain('dead letter');

    const stats = await kioskctl(['queue', 'stats', '--data-dir', data, '--json']);
    expect(stats.code, stats.stderr).toBe(0);
    const s = JSON.parse(stats.stdout) as Record<string, unknown>;
    expect(s).toMatchObject({ dataDir: data, pending: 0, inFlight: 0, dead: 4, acked: 0, oldestPendingAgeMs: null, bytes: 0 });
    expect(s.deadBytes).toBeGreaterThan(4 * 4096);
    expect(s.freeSpace).toMatchObject({ floorBytes: 200 * 1024 * 1024 });

    const drainDead = await kioskctl(['queue', 'drain', '--data-dir', data, '--platform', sim.url, '--json']);
    expect(drainDead.code).toBe(1);
    expect(drainDead.stderr).toMatch(/only dead letters remain \(4\)/);

    const out = join(dir, 'dead.json');
    const exp = await kioskctl(['queue', 'export-dead', '--data-dir', data, '--out', out, '--json']);
    expect(exp.code, exp.stderr).toBe(0);
    expect(JSON.parse(exp.stdout)).toMatchObject({ count: 4 });
    const text = readFileSync(out, 'utf8');
    const doc = JSON.parse(text) as { sealed: boolean; entries: { idempotencyKey: string; reason: string; sealedPayload: string; attachments: unknown[] }[] };
    expect(doc.sealed).toBe(true);
    expect(doc.entries.map((e) => e.idempotencyKey).sort()).toEqual([...keys].sort());
    expect(doc.entries[0]?.reason).toBe('attachment: 401 bad-signature');
    expect(doc.entries[0]?.attachments).toHaveLength(1);
    expect(text).not.toContain('SELFTEST'); // payloads stay sealed
    const again = await kioskctl(['queue', 'export-dead', '--data-dir', data, '--out', out]);
    expect(again.code).toBe(1); // never overwrites

    const noFlag = await kioskctl(['queue', 'retry', '--data-dir', data]);
    expect(noFlag.code).toBe(2);
    const retry = await kioskctl(['queue', 'retry', '--dead', '--data-dir', data, '--json']);
    expect(retry.code, retry.stderr).toBe(0);
    expect(JSON.parse(retry.stdout)).toEqual({ moved: 4 });

    const drained = await kioskctl(['queue', 'drain', '--data-dir', data, '--platform', sim.url]);
    expect(drained.code, drained.stderr).toBe(0);
    expect(committedKeys(drained.stdout).sort()).toEqual([...keys].sort());
    const atPlatform = sim.cases().map((c) => c.idempotencyKey);
    for (const k of keys) expect(atPlatform.filter((x) => x === k)).toHaveLength(1);
    const keysOut = await kioskctl(['queue', 'keys', '--data-dir', data, '--json']);
    const listed = (JSON.parse(keysOut.stdout) as { keys: { key: string; state: string; caseNumber?: string }[] }).keys;
    expect(listed.every((k) => k.state === 'acked' && typeof k.caseNumber === 'string')).toBe(true);
  });

  it('stats on a directory without a queue fails with one line and a non-zero exit', async () => {
    const r = await kioskctl(['queue', 'stats', '--data-dir', join(tempDir('cli-none-'), 'nothing'), '--json']);
    expect(r.code).toBe(1);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(r.stderr).toContain('no offline cache');
    expect(JSON.parse(r.stdout)).toMatchObject({ ok: false });
  });

  it('platform ping: ok against the simulator, non-zero against a closed port', async () => {
    const ok = await kioskctl(['platform', 'ping', '--platform', sim.url, '--json']);
    expect(ok.code, ok.stderr).toBe(0);
    expect(JSON.parse(ok.stdout)).toMatchObject({ ok: true, status: 'ok' });
    const closed = await startPlatformSimulator({ terminals: { x: DEV_TERMINAL_KEY } });
    const url = closed.url;
    await closed.close();
    const down = await kioskctl(['platform', 'ping', '--platform', url, '--timeout-ms', '2000']);
    expect(down.code).toBe(1);
    expect(down.stderr).toMatch(/unreachable/);
  });

  it('platform-sim runs in the foreground, prints its URL, answers, and stops on SIGTERM', { timeout: 60_000 }, async () => {
    const dir = tempDir('cli-sim-');
    const child = spawnKioskctl(['platform-sim', '--port', '0', '--store', join(dir, 'sim.jsonl'), '--fault', 'latency=1', '--json']);
    let out = '';
    child.stdout?.setEncoding('utf8').on('data', (d: string) => (out += d));
    const exited = new Promise<number | null>((r) => child.on('close', (code) => r(code)));
    while (!out.includes('\n')) await new Promise((r) => setTimeout(r, 25));
    const { url } = JSON.parse(out.split('\n')[0] ?? '') as { url: string };
    const ping = await kioskctl(['platform', 'ping', '--platform', url, '--json']);
    expect(JSON.parse(ping.stdout)).toMatchObject({ ok: true });
    child.kill('SIGTERM');
    expect(await exited).toBe(0);
    expect(out).toContain('"stopped":true');
  });

  it('announces test entries committed by a killed run before delivering them (selftest and drain), and drain --timeout gives up with a reason', { timeout: 180_000 }, async () => {
    const data = join(tempDir('cli-announce-'), 'data');
    const plant = (key: string): void => {
      // What a selftest killed between its commit and its "committed" line leaves behind.
      const c = openOfflineCache({ dir: data, keyFile: join(data, 'keys', 'seal.json'), minFreeBytes: 0 });
      try {
        enqueueSubmission(c.outbox, 'NX-DEV-0001', { idempotencyKey: key, kind: 'matter', payload: { matterCode: 'SELFTEST', applicantToken: 't', form: {} }, test: true });
      } finally {
        c.close();
      }
    };
    plant('unprinted-1');
    const st = await kioskctl(['queue', 'selftest', '--count', '2', '--data-dir', data, '--platform', sim.url, '--json']);
    expect(st.code, st.stderr).toBe(0);
    const lines = committedKeys(st.stdout);
    expect(lines[0]).toBe('unprinted-1');
    expect(lines).toHaveLength(3);

    const closed = await startPlatformSimulator({ terminals: { x: DEV_TERMINAL_KEY } });
    const downUrl = closed.url;
    await closed.close();
    plant('unprinted-2');
    const timedOut = await kioskctl(['queue', 'drain', '--data-dir', data, '--platform', downUrl, '--timeout', '2', '--timeout-ms', '500']);
    expect(timedOut.code).toBe(1);
    expect(timedOut.stderr).toMatch(/timed out after 2 s with 1 undelivered/);
    const drained = await kioskctl(['queue', 'drain', '--data-dir', data, '--platform', sim.url]);
    expect(drained.code, drained.stderr).toBe(0);
    expect(committedKeys(drained.stdout)).toEqual(['unprinted-2']);
    const atPlatform = sim.cases().map((c) => c.idempotencyKey);
    expect(atPlatform).toContain('unprinted-1');
    expect(atPlatform).toContain('unprinted-2');
  });
});
