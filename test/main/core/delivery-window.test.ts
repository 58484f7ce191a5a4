/**
 * Issue 10 item 3: delivery keeps a window of entries in flight (no lock-step rounds), records outcomes
 * without an fsync each (synchronous=NORMAL, the connection back at FULL for enqueues), writes the journal
 * lines at once and syncs them together, and lets an entry wait for another one in the window.
 */
import fs from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { openOfflineCache, scanJournal, JOURNAL_FILE, StorageError, type OfflineCache } from '../../../offline-cache/index.js';
import { Delivery, enqueueSubmission, StoredSubmission, type DeliveryClient } from '../../../main/core/delivery.js';
import { caseSubmissionSizeFromFields, checkCaseSubmissionSize } from '../../../main/platform/client.js';
import fc from 'fast-check';
import type { AttachmentUpload, Outcome } from '../../../main/platform/client.js';
import { ACCEPTANCE_NUMBER_MAX, CASE_ATTACHMENTS_MAX, CaseSubmission, REQUEST_LIMITS, type CaseReceipt, type RatingReceipt } from '../../../main/platform/schemas.js';
import { tempDir } from '../../integration/queue/helpers.js';

const T0 = Date.UTC(2025, 5, 1, 2, 0, 0);
const caches: OfflineCache[] = [];
afterEach(() => {
  vi.restoreAllMocks();
  for (const c of caches.splice(0)) c.close();
});

/** A platform whose case answers the test releases one by one, by key. */
class GatedClient implements DeliveryClient {
  readonly started: string[] = [];
  readonly bodies = new Map<string, unknown>();
  readonly #gates = new Map<string, () => void>();
  #n = 0;
  putAttachment(sha256: string, bytes: Uint8Array): Promise<Outcome<AttachmentUpload>> {
    return Promise.resolve({ kind: 'ok', status: 201, value: { receipt: { sha256, size: bytes.length }, created: true } });
  }
  submitCase(key: string, body: unknown, signal: AbortSignal): Promise<Outcome<CaseReceipt>> {
    this.started.push(key);
    this.bodies.set(key, body);
    return new Promise((resolve, reject) => {
      signal.addEventListener('abort', () => reject(signal.reason as Error), { once: true });
      this.#gates.set(key, () => resolve({ kind: 'ok', status: 201, value: { caseNumber: `C-${++this.#n}-${key}`, receivedAt: new Date(0).toISOString() } }));
    });
  }
  submitRating(): Promise<Outcome<RatingReceipt>> {
    return Promise.reject(new Error('no ratings here'));
  }
  release(key: string): void {
    const g = this.#gates.get(key);
    if (!g) throw new Error(`${key} was not sent`);
    this.#gates.delete(key);
    g();
  }
}

function open(journal = true): OfflineCache {
  const dir = tempDir('delivery-window-');
  const c = openOfflineCache({ dir, keyFile: join(dir, 'keys', 'seal.json'), minFreeBytes: 0, ...(journal ? {} : { journal: false }) });
  caches.push(c);
  return c;
}

function queue(c: OfflineCache, key: string): number {
  return enqueueSubmission(c.outbox, 'NX-T-1', { idempotencyKey: key, kind: 'matter', payload: { matterCode: 'M-1', applicantToken: 'tok', form: { key } } }, T0, { journal: c.journal }).id;
}

async function until(cond: () => boolean, what: string): Promise<void> {
  const end = Date.now() + 15_000;
  while (!cond()) {
    if (Date.now() > end) throw new Error(`never happened: ${what}`);
    await new Promise((r) => setTimeout(r, 2));
  }
}

describe('delivery window (issue 10 item 3)', () => {
  it('a slow entry does not hold up the others: the place a finished entry frees is refilled at once', async () => {
    const c = open();
    for (const k of ['a', 'b', 'c', 'd']) queue(c, k);
    const client = new GatedClient();
    const d = new Delivery({ outbox: c.outbox, attachments: c.attachments, client, terminalId: 'NX-T-1', concurrency: 2, idleMs: 60_000 });
    d.start();
    await until(() => client.started.length === 2, 'two in flight');
    expect(client.started).toEqual(['a', 'b']);
    // 'a' hangs; 'b' answers: 'c' goes out while 'a' is still in flight (a lock-step round would wait for 'a').
    client.release('b');
    await until(() => client.started.length === 3, 'c sent');
    expect(client.started).toEqual(['a', 'b', 'c']);
    await d.whenSettled('b');
    expect(c.outbox.findByKey('a')?.state).toBe('in_flight');
    expect(c.outbox.findByKey('b')?.state).toBe('acked');
    client.release('c');
    await until(() => client.started.length === 4, 'd sent');
    client.release('d');
    client.release('a');
    await until(() => c.outbox.stats().acked === 4, 'all acked');
    await d.stop();
    expect(c.outbox.stats()).toMatchObject({ pending: 0, inFlight: 0, acked: 4 });
  });

  it('stop puts the window back to pending and resolves only when it has', async () => {
    const c = open();
    for (const k of ['a', 'b', 'c']) queue(c, k);
    const client = new GatedClient();
    const d = new Delivery({ outbox: c.outbox, attachments: c.attachments, client, terminalId: 'NX-T-1', concurrency: 3, idleMs: 60_000 });
    d.start();
    await until(() => client.started.length === 3, 'three in flight');
    client.release('b');
    await until(() => c.outbox.findByKey('b')?.state === 'acked', 'b acked');
    await d.stop();
    expect(d.inWindow).toBe(0);
    expect(c.outbox.findByKey('a')?.state).toBe('pending');
    expect(c.outbox.findByKey('c')?.state).toBe('pending');
    expect(c.outbox.stats()).toMatchObject({ pending: 2, inFlight: 0, acked: 1 });
  });

  it('whenSettled: an entry can wait for another entry of the window to be acked', async () => {
    const c = open();
    queue(c, 'case');
    const client = new GatedClient();
    const d = new Delivery({ outbox: c.outbox, attachments: c.attachments, client, terminalId: 'NX-T-1', concurrency: 2, idleMs: 60_000 });
    d.start();
    await until(() => client.started.length === 1, 'case sent');
    let seen: string | undefined = 'not yet';
    const follower = d.whenSettled('case').then(() => {
      seen = c.outbox.findByKey('case')?.platformCaseNumber;
    });
    await new Promise((r) => setImmediate(r));
    expect(seen).toBe('not yet');
    client.release('case');
    await follower;
    expect(seen).toBe('C-1-case');
    // Not in the window: resolves at once.
    await expect(d.whenSettled('unknown-key')).resolves.toBeUndefined();
    await d.stop();
  });

  it('claims and outcomes are committed without an fsync each, and the connection is back at synchronous=FULL for the next enqueue', async () => {
    const c = open();
    for (let i = 0; i < 5; i++) queue(c, `k-${i}`);
    const pragmas: string[] = [];
    // Every statement run on this connection: the synchronous switches are prepared statements of the outbox.
    const proto = Object.getPrototypeOf(c.db.prepare('SELECT 1')) as { run: (...a: unknown[]) => unknown };
    const realRun = proto.run;
    vi.spyOn(proto, 'run').mockImplementation(function (this: { source: string }, ...a: unknown[]) {
      const m = /^PRAGMA synchronous = (\w+)$/.exec(this.source);
      if (m) pragmas.push(`synchronous=${m[1] ?? ''}`);
      return realRun.apply(this, a);
    });
    const real = c.db.pragma.bind(c.db);
    const client = new GatedClient();
    const d = new Delivery({ outbox: c.outbox, attachments: c.attachments, client, terminalId: 'NX-T-1', concurrency: 2, idleMs: 60_000 });
    d.start();
    for (let i = 0; i < 5; i++) {
      await until(() => client.started.includes(`k-${i}`), `k-${i} sent`);
      client.release(`k-${i}`);
    }
    await until(() => c.outbox.stats().acked === 5, 'all acked');
    await d.stop();
    // Every relaxed write is followed by the return to FULL.
    expect(pragmas.length).toBeGreaterThan(0);
    for (let i = 0; i < pragmas.length; i += 2) expect(pragmas.slice(i, i + 2)).toEqual(['synchronous=NORMAL', 'synchronous=FULL']);
    expect(real('synchronous', { simple: true })).toBe(2);
    // An enqueue after them is durable as ever.
    queue(c, 'after');
    expect(c.outbox.findByKey('after')?.state).toBe('pending');
  });

  it('journal lines of deliveries are written at once and synced together: fewer fdatasyncs than deliveries, all synced at the end', async () => {
    const c = open();
    const N = 12;
    for (let i = 0; i < N; i++) queue(c, `j-${i}`);
    const journal = c.journal;
    if (journal === null) throw new Error('journal expected');
    const syncs = vi.spyOn(fs, 'fdatasyncSync');
    const client: DeliveryClient = {
      putAttachment: () => Promise.reject(new Error('unused')),
      submitRating: () => Promise.reject(new Error('unused')),
      submitCase: (key) => new Promise((r) => setImmediate(() => r({ kind: 'ok', status: 201, value: { caseNumber: `C-${key}`, receivedAt: new Date(0).toISOString() } }))),
    };
    const d = new Delivery({ outbox: c.outbox, attachments: c.attachments, client, terminalId: 'NX-T-1', concurrency: 4, journal, syncMs: 60_000 });
    const final = await d.drain(AbortSignal.timeout(20_000));
    expect(final.acked).toBe(N);
    expect(journal.unsynced).toBe(0);
    expect(syncs.mock.calls.length).toBeGreaterThan(0);
    expect(syncs.mock.calls.length).toBeLessThan(N);
    const scan = scanJournal(fs.readFileSync(join(journal.file)));
    expect(scan.broken).toBeNull();
    const acked = scan.records.filter((r) => r.type === 'delivery-acknowledged').map((r) => r.fields.key);
    expect(new Set(acked)).toEqual(new Set(Array.from({ length: N }, (_, i) => `j-${i}`)));
    expect(journal.file.endsWith(JOURNAL_FILE)).toBe(true);
  });

  it('group commit: outcomes finishing while others are in flight are committed together, listeners told after the commit', async () => {
    const c = open();
    for (const k of ['a', 'b', 'c']) queue(c, k);
    const client = new GatedClient();
    const d = new Delivery({ outbox: c.outbox, attachments: c.attachments, client, terminalId: 'NX-T-1', concurrency: 3, idleMs: 60_000, flushMs: 60_000 });
    const settle = vi.spyOn(c.outbox, 'settle');
    const told: string[] = [];
    d.onResult((e) => told.push(`${e.entry.idempotencyKey}:${c.outbox.findByKey(e.entry.idempotencyKey)?.state ?? '?'}`));
    d.start();
    await until(() => client.started.length === 3, 'three in flight');
    client.release('a');
    client.release('b');
    await until(() => d.inWindow === 1, 'a and b finished');
    // Finished, not yet committed: 'c' is still in flight and flushMs is long.
    expect(c.outbox.findByKey('a')?.state).toBe('in_flight');
    expect(told).toEqual([]);
    client.release('c');
    await until(() => told.length === 3, 'all told');
    expect(settle).toHaveBeenCalledTimes(1);
    expect(settle.mock.calls[0]?.[0]).toHaveLength(3);
    expect(told.sort()).toEqual(['a:acked', 'b:acked', 'c:acked']);
    await d.stop();
  });

  it('entries claimed ahead and never started go back to pending on stop, their attempt not counted', async () => {
    const c = open();
    for (let i = 0; i < 10; i++) queue(c, `r-${i}`);
    const client = new GatedClient();
    const d = new Delivery({ outbox: c.outbox, attachments: c.attachments, client, terminalId: 'NX-T-1', concurrency: 1, claimAhead: 8, idleMs: 60_000 });
    d.start();
    await until(() => client.started.length === 1, 'one in flight');
    expect(c.outbox.stats()).toMatchObject({ inFlight: 8, pending: 2 });
    await d.stop();
    expect(c.outbox.stats()).toMatchObject({ inFlight: 0, pending: 10 });
    expect(c.outbox.findByKey('r-0')?.attempts).toBe(1); // attempted, interrupted
    for (let i = 1; i < 10; i++) expect(c.outbox.findByKey(`r-${i}`)?.attempts).toBe(0);
  });

  it('the entries that take the next places are opened while the window waits, so a freed place is refilled without opening in between', async () => {
    const c = open();
    const ids = new Map(['a', 'b', 'c', 'd', 'e'].map((k) => [queue(c, k), k]));
    const opens: string[] = [];
    const payloadOf = c.outbox.payloadOf.bind(c.outbox);
    vi.spyOn(c.outbox, 'payloadOf').mockImplementation((id: number) => {
      opens.push(ids.get(id) ?? `?${id}`);
      return payloadOf(id);
    });
    const client = new GatedClient();
    const d = new Delivery({ outbox: c.outbox, attachments: c.attachments, client, terminalId: 'NX-T-1', concurrency: 2, idleMs: 60_000 });
    d.start();
    await until(() => client.started.length === 2, 'two in flight');
    // While a and b wait for the platform, c and d (the next two places) are opened; e is not yet.
    await until(() => opens.length === 4, 'c and d opened ahead');
    expect(opens).toEqual(['a', 'b', 'c', 'd']);
    client.release('a');
    await until(() => client.started.length === 3, 'c sent');
    // c went out on what was opened ahead, and the next ones (d already, e now) are opened in its wake.
    await until(() => opens.includes('e'), 'e opened ahead');
    expect(opens).toEqual(['a', 'b', 'c', 'd', 'e']);
    for (const k of ['b', 'c']) client.release(k);
    await until(() => client.started.length === 5, 'all sent');
    for (const k of ['d', 'e']) client.release(k);
    await until(() => c.outbox.stats().acked === 5, 'all acked');
    await d.stop();
    // Bodies opened ahead are the bodies opened at the attempt: each its own form, under its own number.
    for (const k of ['a', 'b', 'c', 'd', 'e']) {
      const body = CaseSubmission.parse(client.bodies.get(k));
      expect(body.form).toEqual({ key: k });
      expect(body.localAcceptanceNumber).toMatch(/^NX-T-1-/);
    }
    expect(new Set([...client.bodies.values()].map((b) => CaseSubmission.parse(b).localAcceptanceNumber)).size).toBe(5);
    expect(opens.filter((k) => k === 'c')).toHaveLength(1);
  });

  it('an entry that does not open ahead gets its outcome at its attempt; entries opened ahead and released are opened again next time', async () => {
    const c = open();
    const ids = new Map(['a', 'b', 'c', 'd'].map((k) => [queue(c, k), k]));
    const payloadOf = c.outbox.payloadOf.bind(c.outbox);
    const opens: string[] = [];
    vi.spyOn(c.outbox, 'payloadOf').mockImplementation((id: number) => {
      const k = ids.get(id) ?? `?${id}`;
      opens.push(k);
      if (k === 'c') throw new StorageError('sealing', 'the key does not open it');
      return payloadOf(id);
    });
    const client = new GatedClient();
    const d = new Delivery({ outbox: c.outbox, attachments: c.attachments, client, terminalId: 'NX-T-1', concurrency: 1, idleMs: 60_000 });
    d.start();
    await until(() => client.started.length === 1 && opens.includes('b'), 'a sent, b opened ahead');
    client.release('a');
    // b goes out; c fails to open ahead (kept for its attempt), which holds it for the key, and d follows.
    await until(() => client.started.length === 2, 'b sent');
    client.release('b');
    await until(() => client.started.length === 3, 'd sent');
    expect(client.started).toEqual(['a', 'b', 'd']);
    await until(() => c.outbox.findByKey('c')?.state === 'pending', 'c held (its outcome committed)');
    expect(c.outbox.findByKey('c')?.lastError).toContain('sealing key');
    expect(opens.filter((k) => k === 'c').length).toBeGreaterThanOrEqual(2); // ahead, then at its attempt
    await d.stop(); // d interrupted: back to pending
    const opensBefore = opens.length;
    vi.restoreAllMocks();
    const client2 = new GatedClient();
    const d2 = new Delivery({ outbox: c.outbox, attachments: c.attachments, client: client2, terminalId: 'NX-T-1', concurrency: 1, idleMs: 60_000 });
    d2.start();
    await until(() => client2.started.length === 1, 'd sent again');
    client2.release('d');
    await until(() => c.outbox.findByKey('d')?.state === 'acked', 'd acked');
    await d2.stop();
    expect(CaseSubmission.parse(client2.bodies.get('d')).form).toEqual({ key: 'd' });
    expect(opens.length).toBe(opensBefore);
  });

  it('property: the size check counts exactly the bytes of the largest body the fields can become (validated or parsed again)', () => {
    const json = fc.jsonValue({ maxDepth: 2 }).filter((v) => v !== null && typeof v === 'object' && !Array.isArray(v)) as fc.Arbitrary<Record<string, unknown>>;
    fc.assert(
      fc.property(json, fc.string({ minLength: 1, maxLength: 20 }), fc.oneof(fc.integer({ min: 0, max: 5 }), fc.integer({ min: 0, max: 260 })), fc.date({ min: new Date('2000-01-01'), max: new Date('2099-01-01'), noInvalidDate: true }), (form, token, n, when) => {
        const raw = { kind: 'matter', matterCode: 'M-1', applicantToken: token.trim() || 't', form, submittedAt: when.toISOString().replace('Z', '+08:00') };
        const parsed = StoredSubmission.safeParse(raw);
        fc.pre(parsed.success);
        if (!parsed.success) return;
        const worst = CaseSubmission.parse({
          ...parsed.data,
          attachments: Array.from({ length: Math.min(n, CASE_ATTACHMENTS_MAX) }, () => '0'.repeat(64)),
          localAcceptanceNumber: 'X'.repeat(ACCEPTANCE_NUMBER_MAX),
          test: false,
        });
        const bytes = Buffer.byteLength(JSON.stringify(worst), 'utf8');
        expect(checkCaseSubmissionSize(parsed.data, n, { validated: true }).bytes).toBe(bytes);
        expect(checkCaseSubmissionSize(parsed.data, n).bytes).toBe(bytes);
        expect(caseSubmissionSizeFromFields(Buffer.byteLength(JSON.stringify(parsed.data), 'utf8'), n)).toEqual({ ok: bytes <= REQUEST_LIMITS.submitCase, bytes, limitBytes: REQUEST_LIMITS.submitCase });
      }),
      { numRuns: 200 },
    );
  });
});
