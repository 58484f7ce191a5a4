/**
 * Issue 10 item 4: the checks whose cost grows with the data (quick_check, the journal's chain and its
 * reconciliation, the orphan sweep) run while the kiosk already serves, at every start, and still put it
 * out of service when they fail.
 */
import fs from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, describe, expect, it } from 'vitest';
import { KioskError } from '../../../main/contract/index.js';
import { enqueueSubmission } from '../../../main/core/delivery.js';
import { KioskCore } from '../../../main/core/kiosk.js';
import { JOURNAL_FILE, openOfflineCache } from '../../../offline-cache/index.js';
import { tempDir } from '../../integration/queue/helpers.js';

const cores: KioskCore[] = [];
afterEach(async () => {
  for (const c of cores.splice(0)) await c.close();
});

async function core(dir: string, level: 'info' | 'debug' = 'info'): Promise<KioskCore> {
  const file = join(dir, 'kiosk.json');
  fs.writeFileSync(file, JSON.stringify({ dataDir: join(dir, 'data'), logging: { level } }));
  const c = await KioskCore.start({ profilePath: file, host: 'electron', storageCheckMs: 50 });
  cores.push(c);
  return c;
}

/** Waits for a condition (no fixed sleep: a slow machine only waits longer). */
async function until(cond: () => boolean, what: string): Promise<void> {
  const end = Date.now() + 20_000;
  while (!cond()) {
    if (Date.now() > end) throw new Error(`never happened: ${what}`);
    await new Promise((res) => setTimeout(res, 10));
  }
}

/** Lines of the core's log (<dataDir>/logs/kiosk.log) with this message. */
function logLines(dataDir: string, msg: string): number {
  const file = join(dataDir, 'logs', 'kiosk.log');
  if (!fs.existsSync(file)) return 0;
  return fs
    .readFileSync(file, 'utf8')
    .split('\n')
    .filter((l) => l.includes(`"msg":${JSON.stringify(msg)}`)).length;
}

/** n pending submissions with a 2 KB form each, queued and journalled the production way. */
function queue(dataDir: string, n: number): void {
  const c = openOfflineCache({ dir: dataDir, keyFile: join(dataDir, 'keys', 'seal.json'), minFreeBytes: 0 });
  try {
    for (let i = 0; i < n; i++) {
      enqueueSubmission(c.outbox, 'NX-DEV-0001', { idempotencyKey: `s-${i}`, kind: 'matter', payload: { matterCode: 'M-1', applicantToken: 't', form: { i, text: 'x'.repeat(2000) } } }, Date.now(), { journal: c.journal });
    }
  } finally {
    c.close();
  }
}

/** Overwrites one leaf page of the records table in the middle of the file: opening still works, quick_check does not. */
function damageRecordsPage(dataDir: string): void {
  const file = join(dataDir, 'kiosk.db');
  const db = new Database(file);
  db.pragma('wal_checkpoint(TRUNCATE)');
  const pageSize = Number(db.pragma('page_size', { simple: true }));
  const leaves = db.prepare("SELECT pageno FROM dbstat WHERE name = 'records' AND pagetype = 'leaf' ORDER BY pageno").all() as { pageno: number }[];
  db.close();
  const page = leaves[Math.floor(leaves.length / 2)]?.pageno;
  if (page === undefined) throw new Error('no records leaf page');
  const fd = fs.openSync(file, 'r+');
  fs.writeSync(fd, Buffer.alloc(pageSize, 0x5a), 0, pageSize, (page - 1) * pageSize);
  fs.closeSync(fd);
  const check = new Database(file, { readonly: true });
  try {
    expect(check.pragma('quick_check', { simple: true })).not.toBe('ok');
  } finally {
    check.close();
  }
}

describe('start-up checks off the path to serving (issue 10 item 4)', () => {
  it('the kiosk serves before the checks are done, and they still run at every start', async () => {
    const dir = tempDir('startup-ok-');
    queue(join(dir, 'data'), 20);
    for (let start = 0; start < 2; start++) {
      const c = await core(dir);
      let checked = false;
      const done = c.integrityChecked.then((r) => {
        checked = true;
        return r;
      });
      // Serving already: start() resolved with the cache open, and the check (a worker thread) cannot have answered yet.
      expect(checked).toBe(false);
      expect(c.session.view().screen).toBe('attract');
      expect(c.queueStats()?.pending).toBe(20);
      const r = await done;
      expect(r?.quickCheck).toMatchObject({ ok: true });
      expect(r?.journal).toMatchObject({ ok: true });
      expect(r?.reconcile).toMatchObject({ journaled: 20, missing: [], recovered: [] });
      expect(c.session.view().screen).toBe('attract');
      await c.close();
      cores.splice(cores.indexOf(c), 1);
    }
  });

  it('a database that fails quick_check: served from the open cache at first, then out of service, nothing deleted, and the next open checks before writing', async () => {
    const dir = tempDir('startup-corrupt-');
    const data = join(dir, 'data');
    queue(data, 300);
    damageRecordsPage(data);
    const size = fs.statSync(join(data, 'kiosk.db')).size;
    const c = await core(dir, 'debug');
    expect(c.queue.cache).not.toBeNull();
    const r = await c.integrityChecked;
    expect(r?.quickCheck).toMatchObject({ ok: false });
    const v = c.session.view();
    expect(v.screen).toBe('out-of-service');
    expect(v.outOfServiceReason).toMatch(/storage corrupt: .*quick_check/);
    expect(c.problems.has('storage')).toBe(true);
    // No writes to the damaged file from here on: the cache is closed, submissions refused.
    await expect(c.submit({ kind: 'matter', idempotencyKey: 'after', payload: { matterCode: 'M-1', applicantToken: 't', form: {} } })).rejects.toBeInstanceOf(KioskError);
    await until(() => c.queue.cache === null, 'the damaged cache closed');
    expect(fs.statSync(join(data, 'kiosk.db')).size).toBe(size);
    // The storage watch tries again with quick_check at open: refused twice over, still out of service.
    const before = logLines(data, 'offline cache still unavailable');
    await until(() => logLines(data, 'offline cache still unavailable') >= before + 2, 'two reopen attempts');
    expect(c.queue.cache).toBeNull();
    expect(c.session.view().screen).toBe('out-of-service');
    expect(fs.statSync(join(data, 'kiosk.db')).size).toBe(size);
  });

  it('a journal record changed in the middle: out of service once its chain is checked', async () => {
    const dir = tempDir('startup-journal-');
    const data = join(dir, 'data');
    queue(data, 10);
    const file = join(data, JOURNAL_FILE);
    const lines = fs.readFileSync(file, 'utf8').split('\n');
    lines[4] = (lines[4] ?? '').replace('"key":"s-3"', '"key":"s-X"');
    fs.writeFileSync(file, lines.join('\n'));
    const c = await core(dir);
    const r = await c.integrityChecked;
    expect(r?.journal).toMatchObject({ ok: false });
    const v = c.session.view();
    expect(v.screen).toBe('out-of-service');
    expect(v.outOfServiceReason).toMatch(/Journal problem: .*broken at record 4/);
  });
});
