import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { openOfflineCache, reconcileJournal, StorageError, type OfflineCache } from '../../../offline-cache/index.js';
import { Delivery, RATING_KIND, acceptanceNumber, enqueueRating, enqueueSubmission, ratingKey, type DeliveryClient, type DeliveryResult } from '../../../main/core/delivery.js';
import type { AttachmentUpload, Outcome } from '../../../main/platform/client.js';
import type { CaseReceipt, Rating, RatingReceipt } from '../../../main/platform/schemas.js';
import { tempDir } from '../../integration/queue/helpers.js';

const T0 = Date.UTC(2025, 5, 1, 2, 0, 0);

/** Records the order of what the platform was sent; cases can be held back (the platform is down). */
class Platform implements DeliveryClient {
  readonly log: string[] = [];
  caseAnswer: () => Outcome<CaseReceipt> = () => ({ kind: 'ok', status: 201, value: { caseNumber: `C-${this.log.filter((l) => l.startsWith('case')).length}`, receivedAt: new Date(T0).toISOString() } });
  ratingAnswer: (n: string, r: Rating) => Outcome<RatingReceipt> = (n, r) => ({ kind: 'ok', status: 201, value: { caseNumber: n, score: r.score, ratedAt: new Date(T0).toISOString() } });
  putAttachment(sha256: string, bytes: Uint8Array): Promise<Outcome<AttachmentUpload>> {
    return Promise.resolve({ kind: 'ok', status: 201, value: { receipt: { sha256, size: bytes.length }, created: true } });
  }
  submitCase(key: string): Promise<Outcome<CaseReceipt>> {
    this.log.push(`case ${key}`);
    return Promise.resolve(this.caseAnswer());
  }
  submitRating(caseNumber: string, rating: Rating): Promise<Outcome<RatingReceipt>> {
    this.log.push(`rating ${caseNumber} ${rating.score}`);
    return Promise.resolve(this.ratingAnswer(caseNumber, rating));
  }
}

let cache: OfflineCache | null = null;
afterEach(() => {
  cache?.close();
  cache = null;
});

function setup(concurrency = 2) {
  const dir = tempDir('delivery-ratings-');
  const clock = { now: T0 };
  const c = openOfflineCache({ dir, keyFile: join(dir, 'keys', 'seal.json'), minFreeBytes: 0, clock: () => clock.now });
  cache = c;
  const platform = new Platform();
  const results: DeliveryResult[] = [];
  const delivery = new Delivery({ outbox: c.outbox, attachments: c.attachments, client: platform, terminalId: 'NX-T-1', backoff: { baseMs: 1000, capMs: 300_000 }, concurrency, clock: () => clock.now, random: () => 0.5 });
  delivery.onResult((e) => results.push(e.result));
  const queueCase = (key: string) => enqueueSubmission(c.outbox, 'NX-T-1', { idempotencyKey: key, kind: 'matter', payload: { matterCode: 'M', applicantToken: 't', form: {} } }, clock.now);
  const rate = (caseKey: string, score = 5) => enqueueRating(c.outbox, 'NX-T-1', { caseKey, rating: { score, contentVersion: 'v1' }, ratedAt: new Date(clock.now).toISOString() });
  return { c, clock, platform, delivery, results, queueCase, rate };
}

const signal = (): AbortSignal => new AbortController().signal;

describe('ratings in the outbox', () => {
  it('a rating claimed together with its case goes after it, under the platform case number', async () => {
    const t = setup(2);
    t.queueCase('case-1');
    t.rate('case-1');
    expect(await t.delivery.runOnce(signal())).toBe(2);
    expect(t.platform.log).toEqual(['case case-1', 'rating C-1 5']);
    expect(t.c.outbox.findByKey(ratingKey('case-1'))).toMatchObject({ state: 'acked', platformCaseNumber: 'C-1', kind: RATING_KIND });
  });

  it('a rating whose case is not delivered waits (nothing sent, no reachability said), then follows it', async () => {
    const t = setup(1);
    t.queueCase('case-2');
    t.rate('case-2', 2);
    t.platform.caseAnswer = () => ({ kind: 'retryable', reason: 'network' });
    await t.delivery.runOnce(signal()); // the case first (oldest), and it fails: the platform is down
    expect(t.results.at(-1)).toMatchObject({ kind: 'retry' });
    await t.delivery.runOnce(signal()); // then the rating, due now, whose case is not delivered
    expect(t.results.at(-1)).toMatchObject({ kind: 'waiting', reason: 'waiting for its case (pending)' });
    expect((t.results.at(-1) as { delayMs: number }).delayMs).toBeLessThanOrEqual(30_000);
    expect(t.platform.log).toEqual(['case case-2']);
    // The platform is back, the case goes; the rating follows under its number.
    t.platform.caseAnswer = () => ({ kind: 'ok', status: 201, value: { caseNumber: 'C-9', receivedAt: new Date(T0).toISOString() } });
    for (let i = 0; i < 10 && t.c.outbox.stats().pending > 0; i++) {
      t.clock.now += 31_000;
      await t.delivery.runOnce(signal());
    }
    expect(t.platform.log).toEqual(['case case-2', 'case case-2', 'rating C-9 2']);
    expect(t.c.outbox.stats()).toMatchObject({ pending: 0, acked: 2 });
  });

  it('one rating per case: rating again adds nothing; a rating without its case is refused', () => {
    const t = setup();
    t.queueCase('case-3');
    const first = t.rate('case-3', 5);
    const again = t.rate('case-3', 1);
    expect(again).toEqual({ ...first, existing: true });
    expect(t.c.outbox.stats().pending).toBe(2);
    expect(() => t.rate('no-such-case')).toThrow(StorageError);
  });

  it('a rating the platform refuses for good (rated differently) becomes a dead letter; a 5xx is retried', async () => {
    const t = setup(2);
    t.queueCase('case-4');
    t.rate('case-4');
    t.platform.ratingAnswer = () => ({ kind: 'retryable', reason: 'status', status: 503 });
    await t.delivery.runOnce(signal());
    expect(t.results.at(-1)).toMatchObject({ kind: 'retry', reachable: false });
    t.platform.ratingAnswer = () => ({ kind: 'permanent', status: 409, code: 'rating-conflict', message: 'x' });
    t.clock.now += 10 * 60_000;
    await t.delivery.runOnce(signal());
    expect(t.results.at(-1)).toEqual({ kind: 'dead', reason: '409 rating-conflict' });
    expect(t.c.outbox.stats().dead).toBe(1);
  });
});

describe('ratings in the tamper-evident journal', () => {
  it('a rating is journalled after its commit with its case number; reconciliation finds nothing to recover or missing', () => {
    const dir = tempDir('delivery-ratings-journal-');
    const c = openOfflineCache({ dir, keyFile: join(dir, 'keys', 'seal.json'), minFreeBytes: 0, journal: { terminalId: 'NX-T-1' } });
    cache = c;
    const journal = c.journal;
    expect(journal).not.toBeNull();
    const sub = enqueueSubmission(c.outbox, 'NX-T-1', { idempotencyKey: 'case-j', kind: 'matter', payload: { matterCode: 'M', applicantToken: 't', form: {} } }, T0, { journal });
    const r = enqueueRating(c.outbox, 'NX-T-1', { caseKey: 'case-j', rating: { score: 4 }, ratedAt: new Date(T0).toISOString() }, { journal });
    expect(r.journal).toBe('written');
    expect(journal?.acceptedSubmissions()?.get(ratingKey('case-j'))).toBe(sub.acceptanceNumber);
    const rec = reconcileJournal({ journal: journal as NonNullable<typeof journal>, db: c.db, acceptanceNumberOf: (e) => acceptanceNumber('NX-T-1', e), record: false });
    expect(rec).toMatchObject({ journaled: 2, recovered: [], missing: [] });
  });
});
