/**
 * The deferred start-up checks (offline-cache/integrity.ts): quick_check in a worker thread, the journal's
 * chain and its reconciliation a slice at a time, the orphan sweep a slice of names at a time — the same
 * findings as the checks at open.
 */
import fs from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { openOfflineCache, quickCheckInWorker, sha256Hex, type OfflineCache } from '../../offline-cache/index.js';
import { roomyStatfs, tempDir } from './helpers.js';

const acceptance = (row: { id: number }): string => `NX-T-20250101-${String(row.id).padStart(6, '0')}`;

function open(dir: string, checks: 'at-open' | 'deferred' = 'deferred'): OfflineCache {
  return openOfflineCache({ dir, keyFile: path.join(dir, 'keys', 'seal.json'), minFreeBytes: 0, statfs: roomyStatfs, checks });
}

describe('deferred start-up checks', () => {
  it('quick_check in a worker: ok for a sound file, the damage named for a damaged one', async () => {
    const dir = tempDir();
    const c = open(dir, 'at-open');
    c.db.transaction(() => {
      for (let i = 0; i < 200; i++) c.outbox.enqueue({ idempotencyKey: `k-${i}`, kind: 'case-submission', payload: { text: 'x'.repeat(1500), i } });
    })();
    const file = path.join(dir, 'kiosk.db');
    await expect(quickCheckInWorker(file, c.db)).resolves.toEqual({ ok: true });
    c.close();
    const db = new Database(file);
    db.pragma('wal_checkpoint(TRUNCATE)');
    const pageSize = Number(db.pragma('page_size', { simple: true }));
    const leaf = (db.prepare("SELECT pageno FROM dbstat WHERE name = 'records' AND pagetype = 'leaf' ORDER BY pageno LIMIT 1 OFFSET 20").get() as { pageno: number }).pageno;
    db.close();
    const fd = fs.openSync(file, 'r+');
    fs.writeSync(fd, Buffer.alloc(pageSize, 0xa5), 0, pageSize, (leaf - 1) * pageSize);
    fs.closeSync(fd);
    const other = new Database(file, { readonly: true });
    try {
      const r = await quickCheckInWorker(file, other);
      expect(r.ok).toBe(false);
      expect(r.ok ? '' : r.problem).toMatch(/failed PRAGMA quick_check|cannot be read/);
    } finally {
      other.close();
    }
  });

  it('property: reconciliation a few rows at a time finds exactly the lost and the unjournalled rows', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.integer({ min: 0, max: 40 }),
        fc.uniqueArray(fc.integer({ min: 0, max: 39 }), { maxLength: 10 }),
        fc.uniqueArray(fc.integer({ min: 0, max: 39 }), { maxLength: 10 }),
        fc.integer({ min: 1, max: 9 }),
        async (n, lostRaw, unjournaledRaw, perQuery) => {
          const lost = new Set(lostRaw.filter((i) => i < n));
          const unjournaled = new Set(unjournaledRaw.filter((i) => i < n));
          const dir = tempDir();
          const c = open(dir, 'at-open');
          const journal = c.journal;
          if (journal === null) throw new Error('journal expected');
          const ids: number[] = [];
          c.db.transaction(() => {
            for (let i = 0; i < n; i++) {
              const r = c.outbox.enqueue({ idempotencyKey: `k-${i}`, kind: 'case-submission', payload: { i } });
              ids.push(r.id);
              if (!unjournaled.has(i)) journal.append({ type: 'submission-accepted', acceptanceNumber: acceptance(r), key: r.idempotencyKey }, { sync: false });
            }
          })();
          c.close();
          // What a damaged WAL does: committed rows gone.
          const raw = new Database(path.join(dir, 'kiosk.db'));
          for (const i of lost) raw.prepare('DELETE FROM records WHERE id = ?').run(ids[i]);
          raw.close();

          const d = open(dir);
          try {
            const r = await d.checkIntegrity({ acceptanceNumberOf: acceptance, sliceMs: 0, rowsPerQuery: perQuery });
            const expectMissing = [...lost].filter((i) => !unjournaled.has(i)).map((i) => `k-${i}`).sort();
            const expectRecovered = [...unjournaled].filter((i) => !lost.has(i)).map((i) => `k-${i}`).sort();
            expect(r.journal).toMatchObject({ ok: true });
            expect(r.reconcile?.missing.map((m) => m.key).sort()).toEqual(expectMissing);
            expect(r.reconcile?.recovered.map((m) => m.key).sort()).toEqual(expectRecovered);
            expect(r.reconcile?.journaled).toBe(n - unjournaled.size);
            expect(r.quickCheck).toMatchObject({ ok: true });
          } finally {
            d.close();
          }
          // Recovered rows were journalled: the next check finds nothing new to recover.
          if (expectRecoveredCount(unjournaled, lost) > 0) {
            const e = open(dir);
            try {
              const again = await e.checkIntegrity({ acceptanceNumberOf: acceptance });
              expect(again.reconcile?.recovered).toEqual([]);
            } finally {
              e.close();
            }
          }
        },
      ),
      { numRuns: 12 },
    );
  });

  it('the orphan sweep a slice at a time removes orphans and temp files and keeps what a row references', async () => {
    const dir = tempDir();
    const c = open(dir, 'at-open');
    const kept = Buffer.from('referenced scan');
    c.outbox.enqueue({ idempotencyKey: 'with-scan', kind: 'case-submission', payload: {}, attachments: [kept] });
    const orphans = Array.from({ length: 150 }, (_, i) => c.attachments.put(Buffer.from(`orphan ${i}`)).sha256);
    const attDir = path.dirname(c.attachments.pathOf(orphans[0] ?? ''));
    fs.writeFileSync(path.join(attDir, '.tmp-left-by-a-crash'), 'x');
    c.close();
    const d = open(dir);
    try {
      const r = await d.checkIntegrity({ acceptanceNumberOf: acceptance, sliceMs: 0 });
      expect(r.sweep).toEqual({ removed: 150, tempRemoved: 1 });
      expect(fs.existsSync(d.attachments.pathOf(sha256Hex(kept)))).toBe(true);
      for (const sha of orphans) expect(fs.existsSync(d.attachments.pathOf(sha))).toBe(false);
    } finally {
      d.close();
    }
  });
});

function expectRecoveredCount(unjournaled: Set<number>, lost: Set<number>): number {
  return [...unjournaled].filter((i) => !lost.has(i)).length;
}
