import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { StorageError } from '../../offline-cache/errors.js';
import { openOfflineCache, type OfflineCache } from '../../offline-cache/index.js';
import { outboxAad } from '../../offline-cache/outbox.js';
import { roomyStatfs, tempDir, thrown } from './helpers.js';

interface Env {
  dir: string;
  cache: OfflineCache;
  clock: { now: number };
  reopen(): OfflineCache;
}

function env(opts: { statfs?: () => { bavail: number; bsize: number }; minFreeBytes?: number } = {}): Env {
  const dir = tempDir();
  const clock = { now: 1_700_000_000_000 };
  const open = (): OfflineCache =>
    openOfflineCache({
      dir,
      keyFile: path.join(dir, 'keys', 'seal.json'),
      minFreeBytes: opts.minFreeBytes ?? 1024,
      statfs: opts.statfs ?? roomyStatfs,
      clock: () => clock.now,
    });
  const e: Env = {
    dir,
    clock,
    cache: open(),
    reopen: () => {
      e.cache.close();
      e.cache = open();
      return e.cache;
    },
  };
  return e;
}

function code(fn: () => unknown): string | undefined {
  const e = thrown(fn);
  expect(e).toBeInstanceOf(StorageError);
  return (e as StorageError).code;
}

function count(c: OfflineCache, table: string): number {
  return (c.db.prepare(`SELECT COUNT(*) AS n FROM ${table}`).get() as { n: number }).n;
}

describe('enqueue', () => {
  it('stores a sealed payload and returns id and a generated idempotency key', () => {
    const { cache } = env();
    const r = cache.outbox.enqueue({ kind: 'case', payload: { a: 1, b: ['x'] } });
    expect(r.idempotencyKey).toMatch(/^[0-9a-f-]{36}$/);
    expect(cache.outbox.payloadOf(r.id)).toEqual({ a: 1, b: ['x'] });
    const e = cache.outbox.entry(r.id);
    expect(e).toMatchObject({ state: 'pending', attempts: 0, kind: 'case', test: false, purged: false });
    const raw = cache.db.prepare('SELECT payload FROM records WHERE id = ?').get(r.id) as { payload: Buffer };
    expect(raw.payload.subarray(0, 4).toString()).toBe('NXSL');
    cache.close();
  });

  it('keeps a client idempotency key and refuses a duplicate without a second entry', () => {
    const { cache } = env();
    const r = cache.outbox.enqueue({ idempotencyKey: 'case-42', kind: 'case', payload: 1, meta: { test: true } });
    expect(r.idempotencyKey).toBe('case-42');
    expect(cache.outbox.entry(r.id)?.test).toBe(true);
    expect(code(() => cache.outbox.enqueue({ idempotencyKey: 'case-42', kind: 'case', payload: 2, attachments: [Buffer.from('new scan')] }))).toBe(
      'duplicate',
    );
    expect(count(cache, 'records')).toBe(1);
    expect(count(cache, 'outbox')).toBe(1);
    expect(fs.readdirSync(cache.attachments.dir)).toEqual([]);
    expect(cache.outbox.findByKey('case-42')?.id).toBe(r.id);
    cache.close();
  });

  it('rejects bad input with a typed error and writes nothing', () => {
    const { cache } = env();
    expect(code(() => cache.outbox.enqueue({ kind: '', payload: 1 }))).toBe('invalid');
    expect(code(() => cache.outbox.enqueue({ kind: 'k', payload: undefined }))).toBe('invalid');
    expect(code(() => cache.outbox.enqueue({ kind: 'k', payload: 1, idempotencyKey: 'has space' }))).toBe('invalid');
    const cyclic: Record<string, unknown> = {};
    cyclic.self = cyclic;
    expect(code(() => cache.outbox.enqueue({ kind: 'k', payload: cyclic }))).toBe('invalid');
    expect(count(cache, 'records')).toBe(0);
    cache.close();
  });

  it('is atomic: a failure inside the transaction leaves neither record, outbox entry, refs nor files', () => {
    const { cache } = env();
    cache.db.exec("CREATE TRIGGER boom BEFORE INSERT ON outbox BEGIN SELECT RAISE(ABORT, 'injected'); END");
    const e = thrown(() => cache.outbox.enqueue({ kind: 'case', payload: { x: 1 }, attachments: [Buffer.from('scan-1')] }));
    expect(e).toBeInstanceOf(StorageError);
    expect(count(cache, 'records')).toBe(0);
    expect(count(cache, 'outbox')).toBe(0);
    expect(count(cache, 'attachment_refs')).toBe(0);
    expect(fs.readdirSync(cache.attachments.dir)).toEqual([]);
    expect(cache.outbox.stats().pending).toBe(0);
    cache.db.exec('DROP TRIGGER boom');
    expect(cache.outbox.enqueue({ kind: 'case', payload: { x: 1 } }).id).toBeGreaterThan(0);
    cache.close();
  });

  it('an aborted signal writes nothing', () => {
    const { cache } = env();
    const ac = new AbortController();
    ac.abort();
    expect(() => cache.outbox.enqueue({ kind: 'k', payload: 1, signal: ac.signal })).toThrow();
    expect(count(cache, 'records')).toBe(0);
    cache.close();
  });

  it('check sees the bytes of the JSON it seals before anything is written; what it throws refuses the entry unchanged', () => {
    const { cache } = env();
    const seen: number[] = [];
    const payload = { text: '宁夏 kiosk', n: 1 };
    cache.outbox.enqueue({ kind: 'case', payload, check: (n) => seen.push(n) });
    expect(seen).toEqual([Buffer.byteLength(JSON.stringify(payload), 'utf8')]);
    const refusal = new RangeError('too large for the platform');
    const e = thrown(() => cache.outbox.enqueue({ kind: 'case', payload: { x: 2 }, attachments: [Buffer.from('scan')], check: () => { throw refusal; } }));
    expect(e).toBe(refusal);
    expect(count(cache, 'records')).toBe(1);
    expect(fs.readdirSync(cache.attachments.dir)).toEqual([]);
    cache.close();
  });

  it('free-space floor: refuses new work with below-floor, writes nothing, leaves existing entries alone', () => {
    let free = 10 * 1024 * 1024;
    const { cache } = env({ statfs: () => ({ bavail: free / 4096, bsize: 4096 }), minFreeBytes: 5 * 1024 * 1024 });
    const kept = cache.outbox.enqueue({ kind: 'case', payload: { x: 1 }, attachments: [Buffer.from('scan')] });
    const before = fs.readdirSync(cache.attachments.dir);
    free = 4 * 1024 * 1024;
    expect(cache.outbox.freeSpace().ok).toBe(false);
    const e = thrown(() => cache.outbox.enqueue({ kind: 'case', payload: { x: 2 }, attachments: [Buffer.from('other scan')] }));
    expect((e as StorageError).code).toBe('below-floor');
    expect((e as StorageError).message).toMatch(/refused/);
    expect(count(cache, 'records')).toBe(1);
    expect(fs.readdirSync(cache.attachments.dir)).toEqual(before);
    // Existing work continues.
    const [c] = cache.outbox.claim(Date.now() * 2);
    expect(c?.id).toBe(kept.id);
    cache.outbox.ack(kept.id, { platformCaseNumber: 'P-1', ackedAt: 1 });
    expect(cache.outbox.entry(kept.id)?.state).toBe('acked');
    cache.close();
  });

  it('maps SQLITE_FULL to a typed full error and stays usable', () => {
    const { cache } = env();
    cache.outbox.enqueue({ kind: 'case', payload: 'small' });
    const pages = cache.db.pragma('page_count', { simple: true }) as number;
    cache.db.pragma(`max_page_count = ${pages + 2}`);
    const e = thrown(() => cache.outbox.enqueue({ kind: 'case', payload: 'x'.repeat(64 * 1024) }));
    expect((e as StorageError).code).toBe('full');
    expect(count(cache, 'records')).toBe(1);
    expect(count(cache, 'outbox')).toBe(1);
    expect(cache.outbox.stats().pending).toBe(1);
    cache.close();
  });
});

describe('delivery states', () => {
  it('claim moves due entries to in_flight in order and counts attempts', () => {
    const { cache, clock } = env();
    const a = cache.outbox.enqueue({ kind: 'k', payload: 'a' });
    clock.now += 10;
    const b = cache.outbox.enqueue({ kind: 'k', payload: 'b' });
    expect(cache.outbox.claim(clock.now - 20)).toEqual([]);
    const claimed = cache.outbox.claim(clock.now, 1);
    expect(claimed.map((c) => c.id)).toEqual([a.id]);
    expect(claimed[0]).toMatchObject({ attempts: 1, kind: 'k' });
    expect(cache.outbox.entry(a.id)?.state).toBe('in_flight');
    expect(cache.outbox.claim(clock.now).map((c) => c.id)).toEqual([b.id]);
    expect(cache.outbox.claim(clock.now)).toEqual([]);
    cache.close();
  });

  it('fail(retryable) reschedules; fail(permanent) makes a dead letter; retryDead revives; exportDead stays sealed', () => {
    const { cache, clock } = env();
    const a = cache.outbox.enqueue({ idempotencyKey: 'k-a', kind: 'case', payload: { n: 1 }, attachments: [Buffer.from('scan a')] });
    cache.outbox.claim(clock.now);
    cache.outbox.fail(a.id, { retryable: true, reason: 'HTTP 503', nextAttemptAt: clock.now + 5000 });
    expect(cache.outbox.entry(a.id)).toMatchObject({ state: 'pending', lastError: 'HTTP 503', nextAttemptAt: clock.now + 5000 });
    expect(cache.outbox.claim(clock.now + 4999)).toEqual([]);
    const [again] = cache.outbox.claim(clock.now + 5000);
    expect(again?.attempts).toBe(2);
    cache.outbox.fail(a.id, { retryable: false, reason: 'HTTP 422' });
    expect(cache.outbox.entry(a.id)).toMatchObject({ state: 'dead', lastError: 'HTTP 422' });
    expect(cache.outbox.claim(clock.now + 1e9)).toEqual([]);
    expect(code(() => cache.outbox.fail(a.id, { retryable: true, reason: 'late' }))).toBe('conflict');

    const [dl] = cache.outbox.exportDead();
    expect(dl).toMatchObject({ id: a.id, idempotencyKey: 'k-a', kind: 'case', reason: 'HTTP 422', keyId: cache.sealer.currentKeyId });
    expect(dl?.attachments).toHaveLength(1);
    expect(Buffer.from(dl?.sealedPayload ?? []).subarray(0, 4).toString()).toBe('NXSL');
    expect(JSON.parse(Buffer.from(cache.sealer.open(dl?.sealedPayload ?? new Uint8Array(), outboxAad('k-a', 'case'))).toString())).toEqual({ n: 1 });
    expect(cache.outbox.stats(clock.now)).toMatchObject({ dead: 1, pending: 0 });
    expect(cache.outbox.stats(clock.now).deadBytes).toBeGreaterThan(0);

    expect(cache.outbox.retryDead(a.id)).toBe(1);
    expect(cache.outbox.entry(a.id)?.state).toBe('pending');
    expect(code(() => cache.outbox.retryDead(a.id))).toBe('conflict');
    expect(code(() => cache.outbox.retryDead(999))).toBe('not-found');
    cache.close();
  });

  it('retryDead() without id revives all dead letters', () => {
    const { cache, clock } = env();
    const ids = [1, 2, 3].map((n) => cache.outbox.enqueue({ kind: 'k', payload: n }).id);
    cache.outbox.claim(clock.now);
    for (const id of ids) cache.outbox.fail(id, { retryable: false, reason: '400' });
    expect(cache.outbox.retryDead()).toBe(3);
    expect(cache.outbox.stats()).toMatchObject({ dead: 0, pending: 3 });
    cache.close();
  });

  it('ack purges payload and attachment refs, removes files nobody else references, keeps key and case number', () => {
    const { cache, clock } = env();
    const shared = Buffer.from('shared scan');
    const a = cache.outbox.enqueue({ idempotencyKey: 'k-a', kind: 'case', payload: { n: 1 }, attachments: [shared, Buffer.from('only a')] });
    const b = cache.outbox.enqueue({ idempotencyKey: 'k-b', kind: 'case', payload: { n: 2 }, attachments: [shared] });
    const [sharedSha, onlyA] = cache.outbox.attachmentsOf(a.id);
    expect(cache.outbox.get(a.id)).toMatchObject({ payload: { n: 1 }, attachments: [sharedSha, onlyA] });
    cache.outbox.claim(clock.now);
    clock.now += 100;
    const r = cache.outbox.ack(a.id, { platformCaseNumber: 'NX-2024-0001', ackedAt: clock.now });
    expect(r.removedAttachments).toBe(1);
    const e = cache.outbox.entry(a.id);
    expect(e).toMatchObject({ state: 'acked', purged: true, idempotencyKey: 'k-a', kind: 'case', platformCaseNumber: 'NX-2024-0001', ackedAt: clock.now });
    const raw = cache.db.prepare('SELECT payload, payload_bytes FROM records WHERE id = ?').get(a.id) as { payload: Buffer | null; payload_bytes: number };
    expect(raw).toEqual({ payload: null, payload_bytes: 0 });
    expect(cache.outbox.attachmentsOf(a.id)).toEqual([]);
    expect(code(() => cache.outbox.payloadOf(a.id))).toBe('not-found');
    expect(cache.attachments.has(onlyA ?? '')).toBe(false);
    expect(cache.attachments.has(sharedSha ?? '')).toBe(true); // b still needs it
    // Ack again: no change, no error.
    expect(cache.outbox.ack(a.id, { platformCaseNumber: 'NX-2024-0001', ackedAt: clock.now }).removedAttachments).toBe(0);
    cache.outbox.ack(b.id, { platformCaseNumber: 'NX-2024-0002', ackedAt: clock.now });
    expect(fs.readdirSync(cache.attachments.dir)).toEqual([]);
    expect(cache.outbox.stats(clock.now)).toMatchObject({ acked: 2, pending: 0, inFlight: 0, bytes: 0, oldestPendingAgeMs: null });
    expect(code(() => cache.outbox.fail(a.id, { retryable: true, reason: 'x' }))).toBe('conflict');
    cache.close();
  });

  it('stats counts states and bytes and the oldest undelivered age', () => {
    const { cache, clock } = env();
    const t0 = clock.now;
    const a = cache.outbox.enqueue({ kind: 'k', payload: 'a', attachments: [Buffer.alloc(1000, 1)] });
    clock.now += 1000;
    cache.outbox.enqueue({ kind: 'k', payload: 'b' });
    cache.outbox.claim(t0, 1);
    const s = cache.outbox.stats(t0 + 5000);
    expect(s).toMatchObject({ pending: 1, inFlight: 1, dead: 0, acked: 0, oldestPendingAgeMs: 5000 });
    expect(s.bytes).toBeGreaterThan(1000);
    cache.outbox.ack(a.id, { platformCaseNumber: 'P', ackedAt: clock.now });
    expect(cache.outbox.stats(t0 + 5000)).toMatchObject({ pending: 1, inFlight: 0, acked: 1, oldestPendingAgeMs: 4000 });
    expect(cache.outbox.stats(t0 + 5000).bytes).toBeLessThan(1000);
    cache.close();
  });

  it('unknown ids are typed not-found', () => {
    const { cache } = env();
    expect(cache.outbox.entry(77)).toBeUndefined();
    expect(cache.outbox.get(77)).toBeUndefined();
    expect(code(() => cache.outbox.ack(77, { platformCaseNumber: 'x', ackedAt: 1 }))).toBe('not-found');
    expect(code(() => cache.outbox.fail(77, { retryable: true, reason: 'x' }))).toBe('not-found');
    expect(code(() => cache.outbox.payloadOf(77))).toBe('not-found');
    cache.close();
  });
});

describe('restart', () => {
  it('in_flight entries go back to pending at open; nothing else changes', () => {
    const e = env();
    const a = e.cache.outbox.enqueue({ kind: 'k', payload: 'a' });
    const b = e.cache.outbox.enqueue({ kind: 'k', payload: 'b' });
    const c = e.cache.outbox.enqueue({ kind: 'k', payload: 'c' });
    e.cache.outbox.claim(e.clock.now, 2);
    e.cache.outbox.ack(b.id, { platformCaseNumber: 'P', ackedAt: e.clock.now });
    e.clock.now += 60_000;
    const reopened = e.reopen();
    expect(reopened.startup.recoveredInFlight).toBe(1);
    expect(reopened.outbox.entry(a.id)).toMatchObject({ state: 'pending', attempts: 1, nextAttemptAt: e.clock.now });
    expect(reopened.outbox.entry(b.id)?.state).toBe('acked');
    expect(reopened.outbox.entry(c.id)).toMatchObject({ state: 'pending', attempts: 0 });
    expect(reopened.outbox.stats()).toMatchObject({ pending: 2, inFlight: 0, acked: 1 });
    expect(reopened.db.pragma('synchronous', { simple: true })).toBe(2);
    reopened.close();
  });

  it('recoverInFlight uses the state index (O(in_flight), no table scan)', () => {
    const { cache } = env();
    const plan = (sql: string): string =>
      (cache.db.prepare(`EXPLAIN QUERY PLAN ${sql}`).all() as { detail: string }[]).map((r) => r.detail).join(' | ');
    const indexed = /SEARCH outbox USING (COVERING )?INDEX outbox_state_/;
    for (const sql of [
      "UPDATE outbox SET state = 'pending', next_attempt_at = 1, updated_at = 1, claimed_at = NULL WHERE state = 'in_flight'",
      "SELECT record_id FROM outbox WHERE state = 'pending' AND next_attempt_at <= 5 ORDER BY next_attempt_at, record_id LIMIT 3",
      "SELECT enqueued_at FROM outbox WHERE state = 'pending' ORDER BY enqueued_at LIMIT 1",
      "UPDATE outbox SET state = 'pending' WHERE state = 'dead'",
    ]) {
      expect(plan(sql)).toMatch(indexed);
      expect(plan(sql)).not.toMatch(/SCAN outbox|TEMP B-TREE/);
    }
    expect(plan("SELECT 1 FROM attachment_refs WHERE sha256 = 'x' LIMIT 1")).toMatch(/SEARCH attachment_refs USING (COVERING )?INDEX attachment_refs_sha/);
    cache.close();
  });

  it('orphan attachment files and temp files are swept at open; referenced ones stay', () => {
    const e = env();
    const a = e.cache.outbox.enqueue({ kind: 'k', payload: 'a', attachments: [Buffer.from('keep me')] });
    const [keep] = e.cache.outbox.attachmentsOf(a.id);
    // A crash after put() but before the commit leaves an orphan; a crash mid-write leaves a temp file.
    const orphan = e.cache.attachments.put(Buffer.from('orphan'));
    fs.writeFileSync(path.join(e.cache.attachments.dir, '.tmp-999-dead'), 'partial');
    const reopened = e.reopen();
    expect(reopened.startup.sweep).toEqual({ removed: 1, tempRemoved: 1 });
    expect(reopened.attachments.has(orphan.sha256)).toBe(false);
    expect(Buffer.from(reopened.attachments.get(keep ?? '')).toString()).toBe('keep me');
    reopened.close();
  });

  it('recover: false (kioskctl while the core runs) neither sweeps nor recovers', () => {
    const e = env();
    const a = e.cache.outbox.enqueue({ kind: 'k', payload: 'a' });
    e.cache.outbox.claim(e.clock.now);
    const orphan = e.cache.attachments.put(Buffer.from('in progress'));
    const inspector = openOfflineCache({ dir: e.dir, keyFile: path.join(e.dir, 'keys', 'seal.json'), recover: false, statfs: roomyStatfs });
    expect(inspector.startup).toEqual({ sweep: { removed: 0, tempRemoved: 0 }, recoveredInFlight: 0 });
    expect(inspector.outbox.entry(a.id)?.state).toBe('in_flight');
    expect(inspector.attachments.has(orphan.sha256)).toBe(true);
    inspector.close();
    e.cache.close();
  });
});
