import path from 'node:path';
import { describe, expect, it } from 'vitest';
import type { StorageError } from '../../offline-cache/errors.js';
import { openOfflineCache } from '../../offline-cache/index.js';
import { roomyStatfs, tempDir, thrown } from './helpers.js';

describe('KvCache', () => {
  it('stores plain and sealed documents with etag and fetch time, and survives a reopen', () => {
    const dir = tempDir();
    const open = () => openOfflineCache({ dir, keyFile: path.join(dir, 'k.json'), statfs: roomyStatfs, clock: () => 42 });
    const c = open();
    expect(c.kv.getCached('catalog')).toBeUndefined();
    c.kv.putCached('catalog', 'W/"v1"', '{"matters":["户籍"]}');
    expect(c.kv.getCached('catalog')).toEqual({ etag: 'W/"v1"', body: '{"matters":["户籍"]}', fetchedAt: 42 });
    c.kv.putCached('catalog', 'W/"v2"', '{"matters":[]}', { fetchedAt: 50 });
    expect(c.kv.getCached('catalog')).toEqual({ etag: 'W/"v2"', body: '{"matters":[]}', fetchedAt: 50 });
    c.kv.putCached('secret', undefined, 'sealed body', { sealed: true });
    const raw = c.db.prepare("SELECT body, sealed FROM kv_cache WHERE name = 'secret'").get() as { body: Buffer; sealed: number };
    expect(raw.sealed).toBe(1);
    expect(raw.body.includes(Buffer.from('sealed body'))).toBe(false);
    c.close();
    const again = open();
    expect(again.kv.getCached('secret')).toEqual({ etag: undefined, body: 'sealed body', fetchedAt: 42 });
    expect(again.kv.deleteCached('secret')).toBe(true);
    expect(again.kv.getCached('secret')).toBeUndefined();
    expect((thrown(() => again.kv.getCached('')) as StorageError).code).toBe('invalid');
    again.close();
  });
});
