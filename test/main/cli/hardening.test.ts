import { spawn } from 'node:child_process';
import { copyFileSync, existsSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { enqueueSubmission } from '../../../main/core/delivery.js';
import { DEV_TERMINAL_KEY } from '../../../main/core/profile.js';
import { startPlatformSimulator, type PlatformSimulator } from '../../../main/platform/simulator.js';
import { openOfflineCache } from '../../../offline-cache/index.js';
import { KIOSKCTL, ROOT, kioskctl, tempDir } from '../../integration/queue/helpers.js';

let sim: PlatformSimulator;
beforeAll(async () => {
  sim = await startPlatformSimulator({ terminals: { 'NX-DEV-0001': DEV_TERMINAL_KEY } });
});
afterAll(async () => {
  await sim.close();
});

/** kioskctl whose stdout reader goes away at once (as `| head` does once it has its lines). */
function withClosedStdout(args: string[]): Promise<{ code: number | null; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [KIOSKCTL, ...args], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
    let stderr = '';
    let got = false;
    child.stdout.once('data', () => {
      got = true;
      child.stdout.destroy();
    });
    child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    const guard = setTimeout(() => child.kill('SIGKILL'), 60_000);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(guard);
      resolve({ code: got ? code : -1, stderr });
    });
  });
}

/** A data directory with n queued test submissions (the production path: enqueueSubmission with the journal). */
function queueWith(n: number, dir = join(tempDir('cli-hard-'), 'data'), journal = true): { data: string; keys: string[] } {
  const c = openOfflineCache({ dir, keyFile: join(dir, 'keys', 'seal.json'), minFreeBytes: 0, ...(journal ? {} : { journal: false as const }) });
  const keys: string[] = [];
  try {
    for (let i = 0; i < n; i++) {
      const r = enqueueSubmission(
        c.outbox,
        'NX-DEV-0001',
        { idempotencyKey: `hard-${i}-${Math.random().toString(36).slice(2)}`, kind: 'matter', payload: { matterCode: 'SELFTEST', applicantToken: 't', form: { i } }, test: true },
        Date.now(),
        { journal: c.journal },
      );
      keys.push(r.idempotencyKey);
    }
  } finally {
    c.close();
  }
  return { data: dir, keys };
}

describe('kioskctl with a closed output (issue 8 item 6)', () => {
  it('`queue keys | head` ends quietly: no EPIPE stack trace, no message', { timeout: 90_000 }, async () => {
    const { data } = queueWith(3000, undefined, false); // many lines of output; the journal does not matter here
    const r = await withClosedStdout(['queue', 'keys', '--data-dir', data]);
    expect(r.stderr).toBe('');
    expect([0, 141]).toContain(r.code);
  });

  it('a long-running command (selftest) stops when its reader goes away, quietly, exit 141', { timeout: 90_000 }, async () => {
    const data = join(tempDir('cli-pipe-'), 'data');
    const r = await withClosedStdout(['queue', 'selftest', '--count', '1000000', '--data-dir', data, '--platform', sim.url]);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(141);
  });
});

describe('kioskctl and a missing sealing key (issue 8 item 1)', () => {
  it('says what happened and how to restore it; creates no key; after the restore everything is delivered', { timeout: 180_000 }, async () => {
    const dir = tempDir('cli-key-');
    const { data, keys } = queueWith(30, join(dir, 'data'));
    const keyFile = join(data, 'keys', 'seal.json');
    const backup = join(dir, 'provisioning-backup.json');
    copyFileSync(keyFile, backup);
    renameSync(keyFile, join(dir, 'gone.json'));

    for (const args of [
      ['queue', 'stats', '--data-dir', data],
      ['queue', 'drain', '--data-dir', data, '--platform', sim.url, '--timeout', '20'],
    ]) {
      const r = await kioskctl(args);
      expect(r.code).toBe(1);
      expect(r.stderr).toMatch(/sealing key file .* is missing/);
      expect(r.stderr).toMatch(/every entry stays pending/);
      expect(r.stderr).toMatch(/provisioning backup/);
      expect(r.stderr).toContain(`install -m 600 BACKUP ${keyFile}`);
      expect(existsSync(keyFile)).toBe(false);
    }
    expect(sim.cases().filter((c) => keys.includes(c.idempotencyKey))).toHaveLength(0);

    const check = await kioskctl(['key', 'check', '--data-dir', data, '--key-file', backup, '--json']);
    expect(check.code, check.stderr).toBe(0);
    expect(JSON.parse(check.stdout)).toMatchObject({ ok: true, sampleOpens: true });

    copyFileSync(backup, keyFile);
    const stats = await kioskctl(['queue', 'stats', '--data-dir', data, '--json']);
    expect(JSON.parse(stats.stdout)).toMatchObject({ dead: 0 });
    const drained = await kioskctl(['queue', 'drain', '--data-dir', data, '--platform', sim.url], { timeoutMs: 120_000 });
    expect(drained.code, drained.stderr).toBe(0);
    const at = sim.cases().map((c) => c.idempotencyKey);
    for (const k of keys) expect(at.filter((x) => x === k)).toHaveLength(1);
  });
});

describe('kioskctl journal verify (issue 8 item 5)', () => {
  it('checks the chain and the database, prints the first broken link, works by --profile too', { timeout: 120_000 }, async () => {
    const dir = tempDir('cli-journal-');
    const data = join(dir, 'data');
    const run = await kioskctl(['queue', 'selftest', '--count', '5', '--data-dir', data, '--platform', sim.url]);
    expect(run.code, run.stderr).toBe(0);
    const ok = await kioskctl(['journal', 'verify', '--data-dir', data, '--json']);
    expect(ok.code, ok.stderr).toBe(0);
    const v = JSON.parse(ok.stdout) as { ok: boolean; records: number; missing: unknown[]; anchor: { ok: boolean } };
    expect(v).toMatchObject({ ok: true, missing: [], anchor: { ok: true } });
    expect(v.records).toBeGreaterThanOrEqual(11); // created + 5 accepted + 5 acknowledged

    const profile = join(dir, 'kiosk.json');
    writeFileSync(profile, JSON.stringify({ dataDir: 'data' }));
    const byProfile = await kioskctl(['journal', 'verify', '--profile', profile]);
    expect(byProfile.code, byProfile.stderr).toBe(0);
    expect(byProfile.stdout).toMatch(/every link intact/);

    const file = join(data, 'kiosk.journal');
    const text = readFileSync(file, 'utf8');
    const lines = text.split('\n');
    const victim = lines[3] ?? '';
    writeFileSync(file, text.replace(victim, victim.replace('"type":"', '"type":"x')));
    const bad = await kioskctl(['journal', 'verify', '--data-dir', data]);
    expect(bad.code).toBe(1);
    expect(bad.stdout).toMatch(/BROKEN at record 3 \(line 4, byte offset \d+\)/);
    expect(bad.stdout).toMatch(/hash mismatch/);
  });

  it('lists acceptance numbers the database lost, and a technician can acknowledge them', { timeout: 120_000 }, async () => {
    const { data } = queueWith(3);
    // Lose row 2 behind the journal's back (what a damaged WAL does).
    const Database = (await import('better-sqlite3')).default;
    const db = new Database(join(data, 'kiosk.db'));
    db.prepare('DELETE FROM records WHERE id = 2').run();
    db.close();
    const v = await kioskctl(['journal', 'verify', '--data-dir', data]);
    expect(v.code).toBe(1);
    expect(v.stdout).toMatch(/1 committed acceptance number\(s\) MISSING from the database:\n\s+NX-DEV-0001-\d{8}-000002/);
    const ack = await kioskctl(['journal', 'acknowledge-loss', '--all', '--operator', 'tech-01', '--data-dir', data]);
    expect(ack.code, ack.stderr).toBe(0);
    const after = await kioskctl(['journal', 'verify', '--data-dir', data]);
    expect(after.code, after.stdout).toBe(0);
  });
});
