/**
 * Journal lines appended with `{ sync: false }` (issue 10 item 3): written at once, synced and anchored
 * together by sync() / the next durable append / close(); the anchor never names an unsynced line, so losing
 * the unsynced tail (what a power cut can do) is never mistaken for a journal cut short.
 */
import fs from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { openOfflineCache, type OfflineCache } from '../../offline-cache/index.js';
import { JOURNAL_FILE, type Journal } from '../../offline-cache/journal.js';
import { roomyStatfs, tempDir } from './helpers.js';

function open(dir: string): OfflineCache {
  return openOfflineCache({ dir, keyFile: path.join(dir, 'keys', 'seal.json'), minFreeBytes: 0, statfs: roomyStatfs });
}

function journalOf(c: OfflineCache): Journal {
  if (c.journal === null) throw new Error(`no journal: ${c.journalProblem?.message ?? ''}`);
  return c.journal;
}

function anchorSeq(dir: string): number {
  const db = new Database(path.join(dir, 'kiosk.db'), { readonly: true });
  try {
    return (db.prepare('SELECT seq FROM journal_anchor WHERE id = 1').get() as { seq: number }).seq;
  } finally {
    db.close();
  }
}

const ack = (i: number): { type: 'delivery-acknowledged'; acceptanceNumber: string; key: string; caseNumber: string } => ({
  type: 'delivery-acknowledged',
  acceptanceNumber: `NX-T-20250101-${String(i).padStart(6, '0')}`,
  key: `k-${i}`,
  caseNumber: `C-${i}`,
});

describe('journal: lines synced together', () => {
  it('unsynced lines are in the file at once, the anchor moves only with sync()', () => {
    const dir = tempDir();
    const c = open(dir);
    const j = journalOf(c);
    const anchored = anchorSeq(dir);
    j.append(ack(1), { sync: false });
    j.append(ack(2), { sync: false });
    expect(j.unsynced).toBe(2);
    expect(fs.readFileSync(j.file, 'utf8')).toContain('"key":"k-2"');
    expect(anchorSeq(dir)).toBe(anchored);
    j.sync();
    expect(j.unsynced).toBe(0);
    expect(anchorSeq(dir)).toBe(j.head.seq);
    c.close();
  });

  it('a durable append syncs the lines before it; close() syncs what is left', () => {
    const dir = tempDir();
    const c = open(dir);
    const j = journalOf(c);
    j.append(ack(1), { sync: false });
    j.append({ type: 'submission-accepted', acceptanceNumber: 'NX-T-20250101-000009', key: 'k-9' });
    expect(j.unsynced).toBe(0);
    j.append(ack(2), { sync: false });
    const head = j.head.seq;
    c.close();
    expect(anchorSeq(dir)).toBe(head);
  });

  it('property: losing any part of the unsynced tail (a power cut) reopens without a "cut short" and keeps every synced record', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 5 }), fc.integer({ min: 1, max: 5 }), fc.double({ min: 0, max: 1, noNaN: true }), (synced, unsynced, keep) => {
        const dir = tempDir();
        const c = open(dir);
        const j = journalOf(c);
        for (let i = 0; i < synced; i++) j.append(ack(i), { sync: false });
        j.sync();
        const durableBytes = fs.statSync(j.file).size;
        const durableHead = j.head.seq;
        for (let i = 0; i < unsynced; i++) j.append(ack(100 + i), { sync: false });
        const written = fs.statSync(j.file).size;
        // Simulate the power cut: the database keeps what was synced; the file loses part of its unsynced tail.
        const file = j.file;
        c.db.close();
        fs.truncateSync(file, durableBytes + Math.floor((written - durableBytes) * keep));
        const again = open(dir);
        try {
          const j2 = journalOf(again);
          expect(j2.head.seq).toBeGreaterThanOrEqual(durableHead);
          // A torn last line is cut (and recorded) by the owner's next append.
          j2.append({ type: 'core-started' });
          expect(again.journalProblem).toBeNull();
        } finally {
          again.close();
        }
        expect(path.basename(file)).toBe(JOURNAL_FILE);
      }),
      { numRuns: 25 },
    );
  });
});
