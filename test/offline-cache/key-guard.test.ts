import fs from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { StorageError } from '../../offline-cache/errors.js';
import { openOfflineCache, type OfflineCache } from '../../offline-cache/index.js';
import { roomyStatfs, tempDir, thrown } from './helpers.js';

/**
 * Issue 8, item 1: a deleted or replaced key file must never make the queue undecryptable silently.
 * A new key only for an empty cache; otherwise a typed error, nothing changed, every entry still pending.
 */
function setup(n = 30): { dir: string; keyFile: string; open(o?: { recover?: boolean }): OfflineCache; keys: string[] } {
  const dir = tempDir();
  const keyFile = path.join(dir, 'keys', 'seal.json');
  const open = (o: { recover?: boolean } = {}): OfflineCache =>
    openOfflineCache({ dir, keyFile, minFreeBytes: 0, statfs: roomyStatfs, ...(o.recover === false ? { recover: false } : {}) });
  const c = open();
  const keys: string[] = [];
  for (let i = 0; i < n; i++) keys.push(c.outbox.enqueue({ kind: 'case', payload: { i }, attachments: i % 5 === 0 ? [Buffer.from(`scan ${i}`)] : [] }).idempotencyKey);
  c.close();
  return { dir, keyFile, open, keys };
}

/** Outbox states read straight from the file (no key involved). */
function rawStates(dir: string): Record<string, number> {
  const db = new Database(path.join(dir, 'kiosk.db'), { readonly: true });
  try {
    const rows = db.prepare('SELECT state, COUNT(*) AS n FROM outbox GROUP BY state').all() as { state: string; n: number }[];
    const by = Object.fromEntries(rows.map((r) => [r.state, r.n]));
    return { pending: by.pending ?? 0, dead: by.dead ?? 0, acked: by.acked ?? 0 };
  } finally {
    db.close();
  }
}

function codeOf(e: unknown): string | undefined {
  expect(e).toBeInstanceOf(StorageError);
  return (e as StorageError).code;
}

describe('sealing key guarded by the data (issue 8 item 1)', () => {
  it('a missing key file with sealed entries is a typed key-missing error: no new key, every entry still pending', () => {
    const { dir, keyFile, open } = setup(30);
    const backup = fs.readFileSync(keyFile);
    fs.rmSync(keyFile);
    for (const recover of [true, false]) {
      const e = thrown(() => open({ recover }));
      expect(codeOf(e)).toBe('key-missing');
      expect((e as Error).message).toContain(keyFile);
      expect((e as Error).message).toMatch(/provisioning backup/);
      expect((e as { details?: { sealedEntries: number } }).details?.sealedEntries).toBe(30);
      expect(fs.existsSync(keyFile)).toBe(false);
    }
    // Restored from the backup: everything opens again, nothing moved.
    fs.writeFileSync(keyFile, backup, { mode: 0o600 });
    expect(rawStates(dir)).toEqual({ pending: 30, dead: 0, acked: 0 });
    const c = open();
    const first = c.outbox.claim(Date.now(), 30);
    expect(first).toHaveLength(30);
    for (const e of first) expect(c.outbox.payloadOf(e.id)).toEqual({ i: expect.any(Number) as number });
    c.close();
  });

  it('a replaced key file (another key) is key-wrong, naming the key the data needs', () => {
    const { keyFile, open } = setup(3);
    const needed = (JSON.parse(fs.readFileSync(keyFile, 'utf8')) as { current: string }).current;
    // Another terminal's (or a fresh) key file put in its place.
    const other = setup(0);
    other.open().close();
    fs.copyFileSync(other.keyFile, keyFile);
    const e = thrown(() => open());
    expect(codeOf(e)).toBe('key-wrong');
    expect((e as Error).message).toContain(needed);
    expect((e as { details?: { neededKeys: { id: string }[] } }).details?.neededKeys.map((k) => k.id)).toEqual([needed]);
  });

  it('the same key id with other key bytes is key-wrong too (check value)', () => {
    const { keyFile, open } = setup(2);
    const doc = JSON.parse(fs.readFileSync(keyFile, 'utf8')) as { keys: { key: string }[] };
    const k = doc.keys[0];
    if (k === undefined) throw new Error('no key');
    k.key = Buffer.alloc(32, 7).toString('base64');
    fs.writeFileSync(keyFile, JSON.stringify(doc), { mode: 0o600 });
    expect(codeOf(thrown(() => open()))).toBe('key-wrong');
  });

  it('a database from before the registry is checked by trial-opening a sealed payload', () => {
    const { dir, keyFile, open } = setup(2);
    const c = open();
    c.db.prepare('DELETE FROM seal_keys').run();
    c.close();
    const other = setup(0);
    other.open().close();
    fs.copyFileSync(other.keyFile, keyFile);
    expect(codeOf(thrown(() => open()))).toBe('key-wrong');
    expect(rawStates(dir).pending).toBe(2);
  });

  it('a malformed key file with sealed data is key-wrong (restore it), not a silent new key', () => {
    const { keyFile, open } = setup(1);
    fs.writeFileSync(keyFile, '{"version":1', { mode: 0o600 });
    expect(codeOf(thrown(() => open()))).toBe('key-wrong');
    expect(fs.readFileSync(keyFile, 'utf8')).toBe('{"version":1');
  });

  it('an empty cache may get a new key (first start, or everything delivered)', () => {
    const { dir, keyFile, open } = setup(2);
    let c = open();
    for (const e of c.outbox.claim(Date.now(), 10)) c.outbox.ack(e.id, { platformCaseNumber: `P-${e.id}`, ackedAt: Date.now() });
    c.close();
    fs.rmSync(keyFile);
    c = open();
    expect(fs.existsSync(keyFile)).toBe(true);
    const r = c.outbox.enqueue({ kind: 'case', payload: { again: true } });
    expect(c.outbox.payloadOf(r.id)).toEqual({ again: true });
    c.close();
    // The old key is no longer required; the new one is what the data needs now.
    fs.rmSync(keyFile);
    expect(codeOf(thrown(() => open()))).toBe('key-missing');
    expect(rawStates(dir).pending).toBe(1);
  });

  it('an inspecting process (kioskctl) never creates a key file, even for an empty cache', () => {
    const dir = tempDir();
    const keyFile = path.join(dir, 'keys', 'seal.json');
    openOfflineCache({ dir, keyFile, statfs: roomyStatfs, minFreeBytes: 0 }).close();
    fs.rmSync(keyFile);
    expect(codeOf(thrown(() => openOfflineCache({ dir, keyFile, statfs: roomyStatfs, minFreeBytes: 0, recover: false })))).toBe('key-missing');
    expect(fs.existsSync(keyFile)).toBe(false);
  });
});
