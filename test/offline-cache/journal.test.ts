import fs from 'node:fs';
import path from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { StorageError } from '../../offline-cache/errors.js';
import { openOfflineCache, type OfflineCache } from '../../offline-cache/index.js';
import type { Journal} from '../../offline-cache/journal.js';
import { JOURNAL_FILE, reconcileJournal, scanJournal, verifyJournal } from '../../offline-cache/journal.js';
import { roomyStatfs, tempDir, thrown } from './helpers.js';

function open(dir: string, extra: Partial<Parameters<typeof openOfflineCache>[0]> = {}): OfflineCache {
  return openOfflineCache({ dir, keyFile: path.join(dir, 'keys', 'seal.json'), minFreeBytes: 0, statfs: roomyStatfs, ...extra });
}

function journalOf(c: OfflineCache): Journal {
  if (c.journal === null) throw new Error(`no journal: ${c.journalProblem?.message ?? ''}`);
  return c.journal;
}

const acceptance = (row: { id: number }): string => `NX-T-20250101-${String(row.id).padStart(6, '0')}`;

describe('journal: append and verify', () => {
  it('creates a chained, fsynced journal beside the database and verifies it', () => {
    const dir = tempDir();
    const c = open(dir);
    const j = journalOf(c);
    expect(j.file).toBe(path.join(dir, JOURNAL_FILE));
    expect(j.opened.created).toBe(true);
    const r1 = j.append({ type: 'submission-accepted', acceptanceNumber: 'NX-T-20250101-000001', key: 'k-1' });
    const r2 = j.append({ type: 'rating', acceptanceNumber: 'NX-T-20250101-000001', key: 'k-1' });
    expect(r1.seq).toBe(1);
    expect(r2.prev).toBe(r1.hash);
    expect(j.head).toEqual({ seq: 2, hash: r2.hash });
    c.close();
    const v = verifyJournal(path.join(dir, JOURNAL_FILE));
    expect(v).toMatchObject({ ok: true, records: 3, alg: 'sha256', head: { seq: 2, hash: r2.hash } });
    const lines = fs.readFileSync(path.join(dir, JOURNAL_FILE), 'utf8').trim().split('\n');
    expect(JSON.parse(lines[1] ?? '{}')).toMatchObject({ seq: 1, type: 'submission-accepted', key: 'k-1', prev: JSON.parse(lines[0] ?? '{}').hash });
    expect((fs.statSync(path.join(dir, JOURNAL_FILE)).mode & 0o077)).toBe(0);
  });

  it('chains with SM3 when asked (Node has it)', () => {
    const dir = tempDir();
    const c = open(dir, { journal: { hash: 'sm3', terminalId: 'NX-T' } });
    journalOf(c).append({ type: 'technician-action', action: 'queue-retry', count: 3 });
    c.close();
    expect(verifyJournal(path.join(dir, JOURNAL_FILE))).toMatchObject({ ok: true, alg: 'sm3', records: 2 });
  });

  it('refuses fields outside its record type and anything shaped like an ID number, writing nothing', () => {
    const dir = tempDir();
    const c = open(dir);
    const j = journalOf(c);
    const before = j.head;
    const bad: unknown[] = [
      { type: 'submission-accepted', acceptanceNumber: 'A-1', key: 'k', name: '张三' },
      { type: 'submission-accepted', acceptanceNumber: 'A-1' },
      { type: 'rating', acceptanceNumber: 'A-1', key: '11010519491231002X' },
      { type: 'device-fault', device: 'printer', code: 'paper out' },
      { type: 'unknown-type' },
      { type: 'journal-created', alg: 'sha256' },
      { type: 'technician-action', action: 'x', count: -1 },
    ];
    for (const b of bad) {
      const e = thrown(() => j.append(b as never));
      expect(e).toBeInstanceOf(StorageError);
      expect((e as StorageError).code).toBe('invalid');
    }
    expect(j.head).toEqual(before);
    c.close();
  });
});

describe('journal: tamper evidence', () => {
  function journalWith(n: number): { dir: string; file: string } {
    const dir = tempDir();
    const c = open(dir);
    const j = journalOf(c);
    for (let i = 1; i <= n; i++) j.append({ type: 'submission-accepted', acceptanceNumber: `NX-T-20250101-${String(i).padStart(6, '0')}`, key: `key-${i}` });
    c.close();
    return { dir, file: path.join(dir, JOURNAL_FILE) };
  }

  it('names the first broken link when a record is changed, removed or inserted', () => {
    const { file } = journalWith(6);
    const original = fs.readFileSync(file, 'utf8');
    const lines = original.split('\n');
    // Changed: one character of record 3's key.
    fs.writeFileSync(file, original.replace('key-3', 'key-9'));
    expect(verifyJournal(file)).toMatchObject({ ok: false, broken: { seq: 3, line: 4 } });
    // Removed: record 2.
    fs.writeFileSync(file, [...lines.slice(0, 2), ...lines.slice(3)].join('\n'));
    expect(verifyJournal(file)).toMatchObject({ ok: false, broken: { seq: 2, line: 3 } });
    // Inserted: record 4 repeated.
    fs.writeFileSync(file, [...lines.slice(0, 5), lines[4], ...lines.slice(5)].join('\n'));
    expect(verifyJournal(file)).toMatchObject({ ok: false, broken: { seq: 5, line: 6 } });
    const v = verifyJournal(file);
    if (v.ok) throw new Error('expected a broken chain');
    expect(v.broken.offset).toBe(Buffer.byteLength(lines.slice(0, 5).join('\n')) + 1);
  });

  it('detects every single-byte change of any record (property)', () => {
    const { file } = journalWith(4);
    const bytes = fs.readFileSync(file);
    fc.assert(
      fc.property(fc.integer({ min: 0, max: bytes.length - 2 }), fc.integer({ min: 1, max: 255 }), (pos, delta) => {
        const b = Buffer.from(bytes);
        b[pos] = ((b[pos] ?? 0) + delta) & 0xff;
        const s = scanJournal(b);
        // The chain breaks at the changed record (or, for a changed newline, the tail becomes unreadable).
        expect(s.broken !== null || s.head.seq < 4).toBe(true);
      }),
      { numRuns: 400 },
    );
  });

  it('a torn last line (crash mid-write) is cut at the next owner open and recorded', () => {
    const { dir, file } = journalWith(2);
    const torn = '{"seq":3,"at":"2025-01-01T00:00:00.000Z","type":"rat';
    fs.appendFileSync(file, torn);
    expect(verifyJournal(file)).toMatchObject({ ok: true, records: 3, tornTailBytes: torn.length });
    const c = open(dir);
    const j = journalOf(c);
    expect(j.opened.repairedBytes).toBe(torn.length);
    expect(j.head.seq).toBe(3);
    c.close();
    const v = verifyJournal(file);
    expect(v).toMatchObject({ ok: true, records: 4, tornTailBytes: 0 });
    expect(fs.readFileSync(file, 'utf8').trim().split('\n').pop()).toContain(`"type":"journal-repaired","truncatedBytes":${torn.length}`);
  });

  it('the database notices a journal deleted, replaced or cut short (out of service, data still usable)', () => {
    const { dir, file } = journalWith(3);
    const saved = fs.readFileSync(file);
    fs.rmSync(file);
    let c = open(dir);
    expect(c.journal).toBeNull();
    expect(c.journalProblem?.code).toBe('journal');
    expect(c.journalProblem?.message).toMatch(/missing/);
    expect(c.outbox.stats().pending).toBe(0); // the cache itself works
    c.close();
    // Replaced by a fresh journal of another database.
    const other = journalWith(1);
    fs.copyFileSync(other.file, file);
    c = open(dir);
    expect(c.journalProblem?.message).toMatch(/replaced/);
    c.close();
    // Cut short: the last record removed (still a valid chain by itself).
    const lines = saved.toString('utf8').split('\n');
    fs.writeFileSync(file, lines.slice(0, 3).join('\n') + '\n');
    expect(verifyJournal(file).ok).toBe(true);
    c = open(dir);
    expect(c.journalProblem?.message).toMatch(/cut short/);
    c.close();
    fs.writeFileSync(file, saved);
    c = open(dir);
    expect(c.journalProblem).toBeNull();
    c.close();
  });
});

describe('journal: several writers', () => {
  it('two processes appending through their own connections keep one chain', () => {
    const dir = tempDir();
    const a = open(dir);
    const b = open(dir, { recover: false });
    const ja = journalOf(a);
    const jb = journalOf(b);
    for (let i = 0; i < 20; i++) {
      (i % 3 === 0 ? jb : ja).append({ type: 'technician-action', action: `step-${i}` });
    }
    // Each writer followed the other's records: the last writer's head is the file's head.
    expect(ja.head.seq).toBe(20);
    a.close();
    b.close();
    expect(verifyJournal(path.join(dir, JOURNAL_FILE))).toMatchObject({ ok: true, records: 21 });
  });
});

describe('journal: reconciliation with the database', () => {
  it('lists committed acceptance numbers the database lost and journals rows the journal missed', () => {
    const dir = tempDir();
    let c = open(dir);
    const keys: string[] = [];
    for (let i = 0; i < 5; i++) {
      const r = c.outbox.enqueue({ kind: 'case', payload: { i } });
      keys.push(r.idempotencyKey);
      if (i !== 4) journalOf(c).append({ type: 'submission-accepted', acceptanceNumber: acceptance({ id: r.id }), key: r.idempotencyKey });
    }
    // Row 3 vanishes from the database (as a damaged WAL would make it).
    c.db.prepare('DELETE FROM records WHERE id = 3').run();
    c.close();
    c = open(dir);
    const r = reconcileJournal({ journal: journalOf(c), db: c.db, acceptanceNumberOf: acceptance });
    expect(r.missing).toEqual([{ acceptanceNumber: 'NX-T-20250101-000003', key: keys[2] }]);
    expect(r.recovered).toEqual([{ acceptanceNumber: 'NX-T-20250101-000005', key: keys[4] }]);
    c.close();
    // The recovered row is journalled now; the lost one stays missing until a technician acknowledges it.
    c = open(dir);
    let again = reconcileJournal({ journal: journalOf(c), db: c.db, acceptanceNumberOf: acceptance });
    expect(again.recovered).toEqual([]);
    expect(again.missing.map((m) => m.acceptanceNumber)).toEqual(['NX-T-20250101-000003']);
    journalOf(c).append({ type: 'loss-acknowledged', acceptanceNumber: 'NX-T-20250101-000003', key: keys[2] ?? '', operator: 'tech-7' });
    c.close();
    c = open(dir);
    again = reconcileJournal({ journal: journalOf(c), db: c.db, acceptanceNumberOf: acceptance });
    expect(again.missing).toEqual([]);
    c.close();
  });
});
