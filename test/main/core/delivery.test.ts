import { join } from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { openOfflineCache, type OfflineCache } from '../../../offline-cache/index.js';
import { acceptanceNumber, CASE_KIND, Delivery, enqueueSubmission, type DeliveryClient } from '../../../main/core/delivery.js';
import type { AttachmentUpload, Outcome } from '../../../main/platform/client.js';
import { REQUEST_LIMITS, type CaseReceipt, type CaseSubmission, type RatingReceipt } from '../../../main/platform/schemas.js';
import { tempDir } from '../../integration/queue/helpers.js';

/** A platform stand-in whose answers the test scripts; records what it was sent. */
class ScriptedClient implements DeliveryClient {
  readonly submits: { key: string; body: CaseSubmission }[] = [];
  readonly puts: string[] = [];
  answers: Outcome<CaseReceipt>[] = [];
  putAnswer: Outcome<AttachmentUpload> | null = null;
  #n = 0;
  putAttachment(sha256: string, bytes: Uint8Array): Promise<Outcome<AttachmentUpload>> {
    this.puts.push(sha256);
    return Promise.resolve(this.putAnswer ?? { kind: 'ok', status: 201, value: { receipt: { sha256, size: bytes.length }, created: true } });
  }
  submitCase(key: string, body: CaseSubmission): Promise<Outcome<CaseReceipt>> {
    this.submits.push({ key, body });
    const a = this.answers.shift();
    return Promise.resolve(a ?? { kind: 'ok', status: 201, value: { caseNumber: `C-${++this.#n}`, receivedAt: new Date(0).toISOString() } });
  }
  submitRating(): Promise<Outcome<RatingReceipt>> {
    return Promise.reject(new Error('no ratings in these tests'));
  }
}

const T0 = Date.UTC(2025, 5, 1, 2, 0, 0);
let cache: OfflineCache | null = null;
afterEach(() => {
  cache?.close();
  cache = null;
});

function setup(random: () => number = () => 0.5): { c: OfflineCache; client: ScriptedClient; delivery: Delivery; clock: { now: number } } {
  const dir = tempDir('delivery-');
  const clock = { now: T0 };
  const c = openOfflineCache({ dir, keyFile: join(dir, 'keys', 'seal.json'), minFreeBytes: 0, clock: () => clock.now });
  cache = c;
  const client = new ScriptedClient();
  const delivery = new Delivery({
    outbox: c.outbox,
    attachments: c.attachments,
    client,
    terminalId: 'NX-T-1',
    backoff: { baseMs: 1000, capMs: 8000 },
    concurrency: 1,
    clock: () => clock.now,
    random,
  });
  return { c, client, delivery, clock };
}

function queue(c: OfflineCache, key: string, attachments: Uint8Array[] = []): number {
  return enqueueSubmission(c.outbox, 'NX-T-1', {
    idempotencyKey: key,
    kind: 'matter',
    payload: { matterCode: 'M-1', applicantToken: 'tok', form: { a: 1 } },
    attachments,
  }, T0).id;
}

const signal = new AbortController().signal;

describe('Delivery', () => {
  it('uploads attachments first, then submits with the entry key and acks with the case number (payload purged)', async () => {
    const { c, client, delivery } = setup();
    const att = new Uint8Array([1, 2, 3, 4]);
    const id = queue(c, 'k-1', [att]);
    expect(await delivery.runOnce(signal)).toBe(1);
    expect(client.puts).toHaveLength(1);
    expect(client.submits).toHaveLength(1);
    const sent = client.submits[0];
    expect(sent?.key).toBe('k-1');
    expect(sent?.body.attachments).toEqual(client.puts);
    expect(sent?.body.localAcceptanceNumber).toBe(acceptanceNumber('NX-T-1', { id, enqueuedAt: T0 }));
    expect(sent?.body.localAcceptanceNumber).toBe(`NX-T-1-20250601-${String(id).padStart(6, '0')}`);
    const e = c.outbox.entry(id);
    expect(e?.state).toBe('acked');
    expect(e?.platformCaseNumber).toBe('C-1');
    expect(e?.purged).toBe(true);
    expect(await delivery.runOnce(signal)).toBe(0);
  });

  it('retries with capped exponential backoff and full jitter on a simulated clock, the same body every time', async () => {
    const { c, client, delivery, clock } = setup(() => 0.5);
    const id = queue(c, 'k-2');
    // ceilings: 1000, 2000, 4000, 8000, 8000 (cap); random 0.5 -> half the ceiling
    const expected = [500, 1000, 2000, 4000, 4000];
    client.answers = expected.map(() => ({ kind: 'retryable', reason: 'status', status: 503 }) as const);
    for (const delay of expected) {
      expect(await delivery.runOnce(signal)).toBe(1);
      const e = c.outbox.entry(id);
      expect(e?.state).toBe('pending');
      expect(e?.nextAttemptAt).toBe(clock.now + delay);
      clock.now += delay - 1;
      expect(await delivery.runOnce(signal)).toBe(0); // not due yet
      clock.now += 1;
    }
    expect(await delivery.runOnce(signal)).toBe(1);
    expect(c.outbox.entry(id)?.state).toBe('acked');
    expect(new Set(client.submits.map((s) => JSON.stringify(s.body))).size).toBe(1);
    expect(new Set(client.submits.map((s) => s.key))).toEqual(new Set(['k-2']));
  });

  it('never retries sooner than Retry-After, and jitter stays within [0, ceiling)', async () => {
    const seq = [0, 0.999999, 0.25];
    const { c, client, delivery, clock } = setup(() => seq.shift() ?? 0.5);
    const id = queue(c, 'k-3');
    client.answers = [
      { kind: 'retryable', reason: 'status', status: 429, retryAfterMs: 30_000 }, // jitter 0, Retry-After 30 s wins
      { kind: 'retryable', reason: 'network', code: 'ECONNRESET' }, // jitter ~ ceiling 2000
      { kind: 'retryable', reason: 'status', status: 503, retryAfterMs: 100 }, // jitter 1000 > Retry-After
    ];
    await delivery.runOnce(signal);
    expect(c.outbox.entry(id)?.nextAttemptAt).toBe(clock.now + 30_000);
    clock.now += 30_000;
    await delivery.runOnce(signal);
    const d2 = (c.outbox.entry(id)?.nextAttemptAt ?? 0) - clock.now;
    expect(d2).toBeGreaterThanOrEqual(1999);
    expect(d2).toBeLessThan(2000);
    clock.now += d2;
    await delivery.runOnce(signal);
    expect((c.outbox.entry(id)?.nextAttemptAt ?? 0) - clock.now).toBe(1000);
  });

  it('a permanent 4xx goes to dead letters with its reason, shows in stats, and retryDead brings it back', async () => {
    const { c, client, delivery } = setup();
    const id = queue(c, 'k-4');
    client.answers = [{ kind: 'permanent', status: 422, code: 'idempotency-key-reused', message: 'x' }];
    const r = await delivery.runOnce(signal);
    expect(r).toBe(1);
    const e = c.outbox.entry(id);
    expect(e?.state).toBe('dead');
    expect(e?.lastError).toBe('422 idempotency-key-reused');
    expect(c.outbox.stats().dead).toBe(1);
    expect(c.outbox.exportDead()[0]?.idempotencyKey).toBe('k-4');
    expect(c.outbox.retryDead()).toBe(1);
    await delivery.runOnce(signal);
    expect(c.outbox.entry(id)?.state).toBe('acked');
  });

  it('an attachment refused permanently dead-letters the entry without submitting the case', async () => {
    const { c, client, delivery } = setup();
    const id = queue(c, 'k-5', [new Uint8Array([9])]);
    client.putAnswer = { kind: 'permanent', status: 413, code: 'payload-too-large', message: 'big' };
    await delivery.runOnce(signal);
    expect(c.outbox.entry(id)?.state).toBe('dead');
    expect(c.outbox.entry(id)?.lastError).toContain('attachment');
    expect(client.submits).toHaveLength(0);
  });

  it('an attempt interrupted by stop goes back to pending, due now (nothing lost)', async () => {
    const { c } = setup();
    const id = queue(c, 'k-6');
    const ac = new AbortController();
    const hanging: DeliveryClient = {
      putAttachment: () => Promise.reject(new Error('unused')),
      submitCase: (_k, _b, s) => new Promise((_r, reject) => s.addEventListener('abort', () => reject(s.reason as Error))),
      submitRating: () => Promise.reject(new Error('unused')),
    };
    const d = new Delivery({ outbox: c.outbox, attachments: c.attachments, client: hanging, terminalId: 'NX-T-1', clock: () => T0 });
    const p = d.runOnce(ac.signal);
    ac.abort(new Error('stop'));
    await p;
    expect(c.outbox.entry(id)?.state).toBe('pending');
  });

  it('re-submitting the same key returns the first acceptance number and adds nothing', () => {
    const { c } = setup();
    const a = enqueueSubmission(c.outbox, 'NX-T-1', { idempotencyKey: 'same', kind: 'matter', payload: { matterCode: 'M', applicantToken: 't', form: {} } }, T0);
    const b = enqueueSubmission(c.outbox, 'NX-T-1', { idempotencyKey: 'same', kind: 'matter', payload: { matterCode: 'M', applicantToken: 't', form: {} } }, T0);
    expect(b.existing).toBe(true);
    expect(b.acceptanceNumber).toBe(a.acceptanceNumber);
    expect(c.outbox.stats().pending).toBe(1);
    expect(c.outbox.entry(a.id)?.kind).toBe(CASE_KIND);
  });

  it('a known key is answered from the queue whatever the new attempt would be refused for; a new key costs no lookup', () => {
    const { c } = setup();
    const lookups = vi.spyOn(c.outbox, 'findByKey');
    const a = enqueueSubmission(c.outbox, 'NX-T-1', { idempotencyKey: 'known', kind: 'matter', payload: { matterCode: 'M', applicantToken: 't', form: {} } }, T0);
    expect(lookups).not.toHaveBeenCalled();
    const invalid = enqueueSubmission(c.outbox, 'NX-T-1', { idempotencyKey: 'known', kind: 'matter', payload: { matterCode: '', applicantToken: 't', form: {} } }, T0);
    const tooLarge = enqueueSubmission(c.outbox, 'NX-T-1', { idempotencyKey: 'known', kind: 'matter', payload: { matterCode: 'M', applicantToken: 't', form: { text: 'x'.repeat(REQUEST_LIMITS.submitCase) } } }, T0);
    for (const again of [invalid, tooLarge]) expect(again).toMatchObject({ id: a.id, acceptanceNumber: a.acceptanceNumber, existing: true });
    expect(c.outbox.stats().pending).toBe(1);
    // An unknown key refused stays refused, with its own error.
    expect(() => enqueueSubmission(c.outbox, 'NX-T-1', { idempotencyKey: 'new', kind: 'matter', payload: { matterCode: '', applicantToken: 't', form: {} } }, T0)).toThrow(/matterCode/);
  });

  it('rejects a malformed submission by field name before writing anything', () => {
    const { c } = setup();
    expect(() =>
      enqueueSubmission(c.outbox, 'NX-T-1', { idempotencyKey: 'bad', kind: 'matter', payload: { matterCode: '', applicantToken: 't', form: {} } }),
    ).toThrow(/matterCode/);
    expect(c.outbox.stats().pending).toBe(0);
  });
});
