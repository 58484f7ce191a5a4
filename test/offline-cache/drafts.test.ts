import fs from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { decodePages, encodePages, MAX_DRAFT_BYTES, openOfflineCache } from '../../offline-cache/index.js';
import { openDatabase } from '../../offline-cache/database.js';
import { MIGRATIONS } from '../../offline-cache/migrations.js';
import { tempDir, thrown } from './helpers.js';

function cache(dir = tempDir(), clock = () => 5_000) {
  return openOfflineCache({ dir, keyFile: path.join(dir, 'keys.json'), minFreeBytes: 0, journal: false, clock });
}

const body = { step: 'form', values: { name: '马晓燕', phone: '13900000000' }, holder: 'a'.repeat(64) };

describe('session drafts (offline-cache/drafts.ts)', () => {
  it('a draft round-trips sealed: nothing of it in the clear in the database file', () => {
    const dir = tempDir();
    const c = cache(dir);
    expect(c.drafts.load()).toBeNull();
    expect(c.drafts.has()).toBe(false);
    const saved = c.drafts.save('mk-1', body);
    expect(saved).toEqual({ matterKey: 'mk-1', savedAt: 5_000, body });
    expect(c.drafts.has()).toBe(true);
    expect(c.drafts.load()).toEqual({ matterKey: 'mk-1', savedAt: 5_000, body });
    c.db.pragma('wal_checkpoint(TRUNCATE)');
    c.close();
    const raw = fs.readFileSync(path.join(dir, 'kiosk.db'));
    expect(raw.includes(Buffer.from('13900000000'))).toBe(false);
    expect(raw.includes(Buffer.from('马晓燕'))).toBe(false);
    const again = cache(dir);
    expect(again.drafts.load()?.body).toEqual(body);
    again.close();
  });

  it('one draft at most: a save replaces it, and a draft of another matter drops the pages of the old one', () => {
    const c = cache();
    c.drafts.save('mk-1', { n: 1 });
    c.drafts.savePages('mk-1', 'batch-1', [new Uint8Array([1, 2, 3])]);
    c.drafts.save('mk-1', { n: 2 });
    expect(c.drafts.load()?.body).toEqual({ n: 2 });
    expect(c.drafts.pages('mk-1').get('batch-1')).toEqual([new Uint8Array([1, 2, 3])]);
    c.drafts.save('mk-2', { n: 3 });
    expect(c.drafts.load()).toMatchObject({ matterKey: 'mk-2', body: { n: 3 } });
    expect(c.drafts.pages('mk-1').size).toBe(0);
    expect((c.db.prepare('SELECT COUNT(*) AS n FROM session_drafts').get() as { n: number }).n).toBe(1);
    c.close();
  });

  it('scanned pages are kept per batch, in order, and wiped with the draft', () => {
    const c = cache();
    c.drafts.save('mk-1', body);
    const a = [new Uint8Array(1000).fill(7), new Uint8Array(0), new Uint8Array([9])];
    c.drafts.savePages('mk-1', 'batch-1', a);
    c.drafts.savePages('mk-1', 'batch-2', [new Uint8Array([4])]);
    const pages = c.drafts.pages('mk-1');
    expect([...pages.keys()]).toEqual(['batch-1', 'batch-2']);
    expect(pages.get('batch-1')).toEqual(a);
    c.drafts.wipe();
    expect(c.drafts.load()).toBeNull();
    expect(c.drafts.pages('mk-1').size).toBe(0);
    // Idempotent.
    c.drafts.wipe();
    c.close();
  });

  it('a draft that does not open (tampered) is a typed sealing error, never someone else\'s data', () => {
    const c = cache();
    c.drafts.save('mk-1', body);
    // Another matter key on the same sealed body: the AAD binds it.
    c.db.prepare("UPDATE session_drafts SET matter_key = 'mk-other'").run();
    expect(thrown(() => c.drafts.load())).toMatchObject({ name: 'StorageError', code: 'sealing' });
    c.drafts.save('mk-1', body);
    const b = (c.db.prepare('SELECT body FROM session_drafts').get() as { body: Buffer }).body;
    b[b.length - 1] = (b[b.length - 1] ?? 0) ^ 1;
    c.db.prepare('UPDATE session_drafts SET body = ?').run(b);
    expect(thrown(() => c.drafts.load())).toMatchObject({ code: 'sealing' });
    c.close();
  });

  it('bad input is refused with a typed error and nothing written', () => {
    const c = cache();
    expect(thrown(() => c.drafts.save('', body))).toMatchObject({ code: 'invalid' });
    expect(thrown(() => c.drafts.save('mk 1', body))).toMatchObject({ code: 'invalid' });
    expect(thrown(() => c.drafts.save('mk-1', { big: 'x'.repeat(MAX_DRAFT_BYTES) }))).toMatchObject({ code: 'invalid' });
    expect(thrown(() => c.drafts.save('mk-1', undefined))).toMatchObject({ code: 'invalid' });
    expect(thrown(() => c.drafts.savePages('mk-1', 'bad ref', []))).toMatchObject({ code: 'invalid' });
    expect(c.drafts.has()).toBe(false);
    c.close();
  });

  it('migration 5 is appended after the device counters (4): a version-4 database gains the draft tables and keeps its rows', () => {
    const dir = tempDir();
    const v4 = openDatabase({ dir, migrations: MIGRATIONS.slice(0, 4) });
    v4.prepare("INSERT INTO kv_cache(name, etag, body, sealed, fetched_at) VALUES ('catalog', 'e1', x'7b7d', 0, 1)").run();
    v4.prepare("INSERT INTO device_counters(day, device, name, value) VALUES ('2026-12-01', 'printer', 'cuts', 3)").run();
    expect(v4.pragma('user_version', { simple: true })).toBe(4);
    v4.close();
    const db = openDatabase({ dir });
    expect(db.pragma('user_version', { simple: true })).toBe(5);
    expect((db.prepare('SELECT value FROM device_counters').get() as { value: number }).value).toBe(3);
    expect(db.prepare("SELECT name FROM sqlite_master WHERE type = 'table' AND name LIKE 'session_draft%' ORDER BY name").all()).toEqual([
      { name: 'session_draft_pages' },
      { name: 'session_drafts' },
    ]);
    expect((db.prepare('SELECT etag FROM kv_cache').get() as { etag: string }).etag).toBe('e1');
    db.close();
    const check = new Database(path.join(dir, 'kiosk.db'), { readonly: true });
    expect(check.prepare('SELECT version, name FROM schema_migrations WHERE version = 5').get()).toEqual({ version: 5, name: 'session drafts (crash resume)' });
    expect(check.prepare('SELECT version, name FROM schema_migrations WHERE version = 4').get()).toEqual({ version: 4, name: 'device usage counters per day' });
    check.close();
  });
});

describe('draft pages codec', () => {
  it('property: encode then decode is the identity', () => {
    fc.assert(
      fc.property(fc.array(fc.uint8Array({ maxLength: 300 }), { maxLength: 12 }), (pages) => {
        expect(decodePages(encodePages(pages))).toEqual(pages);
      }),
    );
  });

  it('property: any other bytes decode to pages or a typed sealing error, never anything else', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 200 }), (bytes) => {
        try {
          const pages = decodePages(bytes);
          expect(Buffer.compare(encodePages(pages), Buffer.from(bytes))).toBe(0);
        } catch (e) {
          expect(e).toMatchObject({ name: 'StorageError', code: 'sealing' });
        }
      }),
    );
  });
});
