import { copyFileSync, existsSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, describe, expect, it } from 'vitest';
import { KioskError } from '../../../main/contract/index.js';
import { enqueueSubmission } from '../../../main/core/delivery.js';
import { KioskCore } from '../../../main/core/kiosk.js';
import { DEV_TERMINAL_KEY } from '../../../main/core/profile.js';
import { startPlatformSimulator, type PlatformSimulator } from '../../../main/platform/simulator.js';
import { JOURNAL_FILE, openOfflineCache, verifyJournal } from '../../../offline-cache/index.js';
import { mountSmallFs, type SmallFs } from '../../helpers/small-fs.js';
import { tempDir } from '../../integration/queue/helpers.js';

const cores: KioskCore[] = [];
const sims: PlatformSimulator[] = [];
const mounts: SmallFs[] = [];
afterEach(async () => {
  for (const c of cores.splice(0)) await c.close();
  for (const s of sims.splice(0)) await s.close();
  for (const m of mounts.splice(0)) m.unmount();
});

const fast = { probeSeconds: 1, retryBaseMs: 10, retryCapMs: 200, timeoutMs: 1000 };

async function core(dir: string, profile: Record<string, unknown>, opts: Partial<Parameters<typeof KioskCore.start>[0]> = {}): Promise<KioskCore> {
  const file = join(dir, 'kiosk.json');
  writeFileSync(file, JSON.stringify({ dataDir: join(dir, 'data'), logging: { level: 'info' }, ...profile }));
  const c = await KioskCore.start({ profilePath: file, host: 'electron', deliveryIdleMs: 20, storageCheckMs: 50, ...opts });
  cores.push(c);
  return c;
}

async function waitFor(cond: () => boolean, what: string, ms = 15_000): Promise<void> {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

/** n submissions queued the production way (sealed, journalled), no platform involved. */
function queue(dataDir: string, n: number): string[] {
  const c = openOfflineCache({ dir: dataDir, keyFile: join(dataDir, 'keys', 'seal.json'), minFreeBytes: 0 });
  const keys: string[] = [];
  try {
    for (let i = 0; i < n; i++) {
      const key = `q-${i}-${Math.random().toString(36).slice(2, 8)}`;
      enqueueSubmission(c.outbox, 'NX-DEV-0001', { idempotencyKey: key, kind: 'matter', payload: { matterCode: 'M-1', applicantToken: 't', form: { i } }, attachments: [Buffer.from(`scan ${i}`)] }, Date.now(), { journal: c.journal });
      keys.push(key);
    }
  } finally {
    c.close();
  }
  return keys;
}

function rawStates(dataDir: string): Record<string, number> {
  const db = new Database(join(dataDir, 'kiosk.db'), { readonly: true });
  try {
    return Object.fromEntries((db.prepare('SELECT state, COUNT(*) AS n FROM outbox GROUP BY state').all() as { state: string; n: number }[]).map((r) => [r.state, r.n]));
  } finally {
    db.close();
  }
}

describe('the core and a missing sealing key (issue 8 item 1)', () => {
  it('30 sealed entries, key file removed: out of service for the technician, all 30 pending (none dead); restored: all delivered once', async () => {
    const dir = tempDir('core-key-');
    const data = join(dir, 'data');
    const keys = queue(data, 30);
    const keyFile = join(data, 'keys', 'seal.json');
    const backup = join(dir, 'backup.json');
    renameSync(keyFile, backup);
    const sim = await startPlatformSimulator({ terminals: { 'NX-DEV-0001': DEV_TERMINAL_KEY } });
    sims.push(sim);

    const c = await core(dir, { platform: { url: sim.url, ...fast } });
    const v = c.session.view();
    expect(v.screen).toBe('out-of-service');
    expect(v.outOfServiceReason).toMatch(/Sealing key missing: 30 sealed submission\(s\) are kept pending/);
    expect(v.outOfServiceReason).toContain(keyFile);
    expect(v.outOfServiceReason).toMatch(/存储密钥缺失/);
    expect(existsSync(keyFile)).toBe(false);
    const refused = await c.submit({ kind: 'matter', idempotencyKey: 'new-1', payload: { matterCode: 'M-1', applicantToken: 't', form: {} } }).catch((e: unknown) => e);
    expect(refused).toBeInstanceOf(KioskError);
    expect((refused as KioskError).code).toBe('out-of-service');
    // A few storage checks later: still nothing created, nothing moved.
    await new Promise((r) => setTimeout(r, 300));
    expect(existsSync(keyFile)).toBe(false);
    expect(rawStates(data)).toEqual({ pending: 30 });
    expect(sim.cases()).toHaveLength(0);

    // The technician restores the key from the provisioning backup: the kiosk comes back by itself.
    copyFileSync(backup, keyFile);
    await waitFor(() => c.session.view().screen === 'attract', 'back in service');
    await waitFor(() => c.queueStats()?.acked === 30, 'all 30 delivered');
    const at = sim.cases().map((x) => x.idempotencyKey).sort();
    expect(at).toEqual([...keys].sort());
    expect(rawStates(data)).toEqual({ acked: 30 });
  });

  it('a replaced key file (another terminal\u2019s) is out of service too, and nothing becomes a dead letter', async () => {
    const dir = tempDir('core-key2-');
    const data = join(dir, 'data');
    queue(data, 3);
    const other = tempDir('core-key2-other-');
    queue(join(other, 'data'), 0);
    copyFileSync(join(other, 'data', 'keys', 'seal.json'), join(data, 'keys', 'seal.json'));
    const sim = await startPlatformSimulator({ terminals: { 'NX-DEV-0001': DEV_TERMINAL_KEY } });
    sims.push(sim);
    const c = await core(dir, { platform: { url: sim.url, ...fast } });
    expect(c.session.view().outOfServiceReason).toMatch(/Sealing key wrong/);
    await new Promise((r) => setTimeout(r, 200));
    expect(rawStates(data)).toEqual({ pending: 3 });
  });
});

describe('the core and the journal (issue 8 item 5)', () => {
  it('committed acceptance numbers missing from the database put the kiosk out of service, listing them', async () => {
    const dir = tempDir('core-journal-');
    const data = join(dir, 'data');
    queue(data, 6);
    // What a damaged WAL does: committed rows silently gone, quick_check still ok.
    const db = new Database(join(data, 'kiosk.db'));
    db.prepare('DELETE FROM records WHERE id IN (4, 6)').run();
    expect(db.pragma('quick_check', { simple: true })).toBe('ok');
    db.close();
    const c = await core(dir, {});
    // The reconciliation runs while the kiosk already serves (issue 10 item 4); once it is done:
    expect((await c.integrityChecked)?.reconcile?.missing).toHaveLength(2);
    const v = c.session.view();
    expect(v.screen).toBe('out-of-service');
    expect(v.outOfServiceReason).toMatch(/2 committed submission\(s\) are missing from the database/);
    expect(v.outOfServiceReason).toMatch(/NX-DEV-0001-\d{8}-000004, NX-DEV-0001-\d{8}-000006/);
    expect(c.queueStats()?.pending).toBe(4); // the rest is still there and still goes out
  });

  it('a deleted journal is out of service; submissions and deliveries are journalled and the chain verifies', async () => {
    const dir = tempDir('core-journal2-');
    const sim = await startPlatformSimulator({ terminals: { 'NX-DEV-0001': DEV_TERMINAL_KEY } });
    sims.push(sim);
    const c = await core(dir, { platform: { url: sim.url, ...fast } });
    const r = await c.submit({ kind: 'matter', idempotencyKey: 'j-1', payload: { matterCode: 'M-1', applicantToken: 't', form: {} } });
    await waitFor(() => c.queueStats()?.acked === 1, 'delivered');
    await c.close();
    const file = join(dir, 'data', JOURNAL_FILE);
    const text = readFileSync(file, 'utf8');
    expect(text).toContain(`"type":"submission-accepted","acceptanceNumber":"${r.acceptanceNumber}","key":"j-1"`);
    expect(text).toMatch(new RegExp(`"type":"delivery-acknowledged","acceptanceNumber":"${r.acceptanceNumber}","key":"j-1","caseNumber":"[^"]+"`));
    expect(verifyJournal(file).ok).toBe(true);
    renameSync(file, `${file}.moved`);
    const c2 = await core(dir, { platform: { url: sim.url, ...fast } });
    expect(c2.session.view().outOfServiceReason).toMatch(/Journal problem: .*missing/);
  });
});

describe('the core on a full disk (issue 8 item 2)', () => {
  it('a real full data disk at start: no crash, the out-of-service screen says why; freed: back in service', async () => {
    const fsys = mountSmallFs(8 * 1024 * 1024);
    mounts.push(fsys);
    const dir = fsys.dir;
    // A kiosk that has run here before (database, journal, logs exist).
    const first = await core(dir, { storage: { minFreeBytes: 1024 * 1024 } });
    await first.submit({ kind: 'matter', idempotencyKey: 'before-full', payload: { matterCode: 'M-1', applicantToken: 't', form: {} } });
    await first.close();
    cores.splice(cores.indexOf(first), 1);
    fsys.fill();
    expect(fsys.freeBytes()).toBe(0);

    const c = await core(dir, { storage: { minFreeBytes: 1024 * 1024 } });
    const v = c.session.view();
    expect(v.screen).toBe('out-of-service');
    expect(v.outOfServiceReason).toMatch(/Storage is full/);
    expect(v.outOfServiceReason).toMatch(/存储空间不足/);
    // What used to crash the web host: log lines on a full disk (enough to fill the log file's last page).
    for (let i = 0; i < 200; i++) c.log.warn({ path: '/ws', originOk: true, i }, 'websocket refused');
    expect(c.logging.stats().failing).toBe('ENOSPC');
    expect(c.logging.stats().dropped).toBeGreaterThan(0);

    fsys.free();
    await waitFor(() => c.session.view().screen === 'attract', 'back in service after the disk was freed');
    expect(c.queueStats()?.pending).toBe(1);
    const after = await c.submit({ kind: 'matter', idempotencyKey: 'after-full', payload: { matterCode: 'M-1', applicantToken: 't', form: {} } });
    expect(after.acceptanceNumber).toMatch(/-000002$/);
  });
});
