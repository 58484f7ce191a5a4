import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { openOfflineCache, type OfflineCache } from '../../offline-cache/index.js';
import { JOURNAL_FILE, verifyJournal } from '../../offline-cache/journal.js';
import { collectRetentionExports, expireDeadLetters, listRetentionExports, type DeadLetterExport } from '../../offline-cache/retention.js';
import { outboxAad } from '../../offline-cache/outbox.js';
import { roomyStatfs, tempDir } from './helpers.js';

const DAY = 86_400_000;
const acceptance = (e: { id: number }): string => `NX-T-20250101-${String(e.id).padStart(6, '0')}`;

function setup(): { dir: string; clock: { now: number }; cache: OfflineCache } {
  const dir = tempDir();
  const clock = { now: Date.UTC(2025, 0, 1) };
  const cache = openOfflineCache({ dir, keyFile: path.join(dir, 'keys', 'seal.json'), minFreeBytes: 0, statfs: roomyStatfs, clock: () => clock.now });
  return { dir, clock, cache };
}

/** Queue one entry at the current clock and make it a dead letter. */
function deadLetter(c: OfflineCache, clock: { now: number }, payload: unknown, attachment?: Buffer): { id: number; key: string } {
  const r = c.outbox.enqueue({ kind: 'case-submission', payload, attachments: attachment ? [attachment] : [] });
  const [claimed] = c.outbox.claim(clock.now, 1);
  if (claimed?.id !== r.id) throw new Error('claim order');
  c.outbox.fail(r.id, { retryable: false, reason: '422 invalid-form' });
  return { id: r.id, key: r.idempotencyKey };
}

describe('retention of dead letters (issue 8 item 12)', () => {
  it('exports dead letters older than the retention period sealed, purges them and journals each one', () => {
    const { dir, clock, cache } = setup();
    const old = deadLetter(cache, clock, { secret: 'citizen form A' }, Buffer.from('scan of an old document'));
    clock.now += 20 * DAY;
    const recent = deadLetter(cache, clock, { secret: 'citizen form B' });
    clock.now += 11 * DAY; // old is 31 days, recent 11 days
    expect(cache.outbox.stats().oldestDeadAgeMs).toBe(31 * DAY);

    const r = expireDeadLetters({ ...cache, journal: cache.journal, dataDir: dir, retentionMs: 30 * DAY, now: clock.now, acceptanceNumberOf: acceptance });
    expect(r).toMatchObject({ expired: 1, removedAttachments: 1, unjournaled: 0 });
    expect(r.files).toHaveLength(1);

    // Purged: no payload, no attachment, state expired; the recent one untouched.
    expect(cache.outbox.entry(old.id)).toMatchObject({ state: 'expired', purged: true });
    expect((cache.db.prepare('SELECT payload FROM records WHERE id = ?').get(old.id) as { payload: Buffer | null }).payload).toBeNull();
    expect(cache.outbox.attachmentsOf(old.id)).toEqual([]);
    expect(fs.readdirSync(cache.attachments.dir)).toEqual([]);
    expect(cache.outbox.entry(recent.id)?.state).toBe('dead');
    const st = cache.outbox.stats();
    expect(st).toMatchObject({ dead: 1, expired: 1, oldestDeadAgeMs: 11 * DAY });

    // The export holds it sealed (not readable as text), and the key file opens it.
    const file = r.files[0] ?? '';
    expect(fs.statSync(file).mode & 0o777).toBe(0o600);
    const text = fs.readFileSync(file, 'utf8');
    expect(text).not.toContain('citizen form A');
    expect(text).not.toContain('scan of an old document');
    const doc = JSON.parse(text) as DeadLetterExport;
    expect(doc).toMatchObject({ format: 'nxsl-dead-letters/1', reason: 'retention', sealed: true });
    const e = doc.entries[0];
    if (e === undefined) throw new Error('no entry');
    expect(e).toMatchObject({ idempotencyKey: old.key, acceptanceNumber: acceptance(old) });
    const plain = cache.sealer.open(Buffer.from(e.sealedPayload, 'base64'), outboxAad(e.idempotencyKey, e.kind));
    expect(JSON.parse(Buffer.from(plain).toString('utf8'))).toEqual({ secret: 'citizen form A' });
    const sha = e.attachments[0]?.sha256 ?? '';
    expect(Buffer.from(cache.sealer.open(Buffer.from(e.attachments[0]?.sealedFile ?? '', 'base64'), sha)).toString()).toBe('scan of an old document');

    // Journalled, and nothing of the purged payload is left in the WAL.
    const journal = fs.readFileSync(path.join(dir, JOURNAL_FILE), 'utf8');
    expect(journal).toContain(`"type":"dead-letter-expired","acceptanceNumber":"${acceptance(old)}","key":"${old.key}","file":"${path.basename(file)}"`);
    expect(fs.statSync(path.join(dir, 'kiosk.db-wal')).size).toBe(0);
    cache.close();
    expect(verifyJournal(path.join(dir, JOURNAL_FILE)).ok).toBe(true);
  });

  it('is idempotent, and a retried dead letter is not expired', () => {
    const { dir, clock, cache } = setup();
    const a = deadLetter(cache, clock, { n: 1 });
    clock.now += 40 * DAY;
    cache.outbox.retryDead(a.id, clock.now);
    const opts = { ...cache, journal: cache.journal, dataDir: dir, retentionMs: 30 * DAY, now: clock.now, acceptanceNumberOf: acceptance };
    expect(expireDeadLetters(opts).expired).toBe(0);
    expect(cache.outbox.entry(a.id)?.state).toBe('pending');
    expect(listRetentionExports(dir)).toEqual([]);
    cache.close();
  });

  it('hands the exports over to a technician and removes them from the terminal', () => {
    const { dir, clock, cache } = setup();
    deadLetter(cache, clock, { n: 1 });
    clock.now += 31 * DAY;
    expireDeadLetters({ ...cache, journal: cache.journal, dataDir: dir, retentionMs: 30 * DAY, now: clock.now, acceptanceNumberOf: acceptance });
    const waiting = listRetentionExports(dir);
    expect(waiting).toHaveLength(1);
    const usb = tempDir('usb-');
    const moved = collectRetentionExports(dir, usb);
    expect(moved).toEqual([waiting[0]?.name]);
    expect(listRetentionExports(dir)).toEqual([]);
    expect(fs.readFileSync(path.join(usb, moved[0] ?? ''), 'utf8')).toContain('nxsl-dead-letters/1');
    cache.close();
  });
});
