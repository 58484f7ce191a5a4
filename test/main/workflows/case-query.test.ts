import { describe, expect, it } from 'vitest';
import { createActor, fromPromise, waitFor } from 'xstate';
import type { CaseView } from '../../../main/contract/index.js';
import {
  CaseQueryError,
  caseQueryBusy,
  caseQueryMachine,
  caseQueryViewOf,
  type CaseLookup,
  type CaseLookupResult,
  type CaseQueryInput,
  type RateCaseInput,
  type ReprintCaseInput,
} from '../../../main/workflows/case-query.js';

const t = (zh: string, en: string) => ({ 'zh-CN': zh, en });
const input: CaseQueryInput = {
  serial: 3,
  numberPrefix: 'NX-TEST-0001-',
  numberDigits: 14,
  qrReader: false,
  rating: { version: 'r1', reasons: [{ key: 'too-slow', label: t('办理时间长', 'Took too long') }] } as unknown as CaseQueryInput['rating'],
};
const aCase = (id: string, over: Partial<CaseView> = {}): CaseView => ({
  id,
  acceptanceNumber: null,
  caseNumber: null,
  matter: t('事项', 'Matter'),
  state: 'accepted',
  stateWords: t('已受理', 'Accepted'),
  source: 'platform',
  next: t('等待', 'Wait'),
  submittedAt: null,
  updatedAt: null,
  promisedDate: null,
  history: [],
  reason: null,
  corrections: [],
  decision: null,
  rated: false,
  canRate: true,
  canReprint: true,
  reprintNote: null,
  local: true,
  ...over,
});

/** The machine with controllable actors: each call waits until the test resolves or rejects it. */
function harness() {
  const lookups: { l: CaseLookup; resolve(r: CaseLookupResult): void; reject(e: unknown): void }[] = [];
  const reprints: ReprintCaseInput[] = [];
  const ratings: RateCaseInput[] = [];
  let rateResult: () => Promise<void> = () => Promise.resolve();
  const actor = createActor(
    caseQueryMachine.provide({
      actors: {
        lookupCases: fromPromise<CaseLookupResult, CaseLookup>(({ input: l }) => new Promise((resolve, reject) => lookups.push({ l, resolve, reject }))),
        reprintCase: fromPromise<void, ReprintCaseInput>(async ({ input: r }) => void reprints.push(r)),
        rateCase: fromPromise<void, RateCaseInput>(({ input: r }) => (ratings.push(r), rateResult())),
      },
    }),
    { input },
  );
  actor.start();
  return { actor, lookups, reprints, ratings, failRating: (words = t('失败', 'Failed')) => (rateResult = () => Promise.reject(new CaseQueryError(words))) };
}
const found = (cases: CaseView[]): CaseLookupResult => ({ cases, platform: 'online', basis: null, message: null });

describe('the case query machine', () => {
  it('busy while looking up: a second number waits (not queued, not a second look-up); several cases list, one opens, BACK goes back', async () => {
    const h = harness();
    h.actor.send({ type: 'BY_NUMBER', digits: '20260101000001' });
    expect(caseQueryBusy(h.actor.getSnapshot())).toBe(true);
    h.actor.send({ type: 'BY_NUMBER', digits: '20260101000002' });
    expect(h.lookups.map((x) => x.l)).toEqual([{ how: 'number', digits: '20260101000001' }]);
    h.lookups[0]?.resolve(found([aCase('a'), aCase('b')]));
    await waitFor(h.actor, (s) => s.matches('list'));
    expect(h.actor.getSnapshot().can({ type: 'SELECT', id: 'zzz' })).toBe(false);
    h.actor.send({ type: 'SELECT', id: 'b' });
    expect(caseQueryViewOf(h.actor.getSnapshot())).toMatchObject({ phase: 'case', selected: 'b' });
    h.actor.send({ type: 'BACK' });
    expect(caseQueryViewOf(h.actor.getSnapshot()).phase).toBe('list');
    h.actor.send({ type: 'BACK' });
    expect(caseQueryViewOf(h.actor.getSnapshot()).phase).toBe('choose');
  });

  it('a failed look-up says so in the error\'s words; a card starts a new look-up from there', async () => {
    const h = harness();
    h.actor.send({ type: 'BY_NUMBER', digits: '1' });
    h.lookups[0]?.reject(new CaseQueryError(t('没有找到', 'Not found')));
    await waitFor(h.actor, (s) => s.matches('notFound'));
    expect(caseQueryViewOf(h.actor.getSnapshot()).message).toEqual(t('没有找到', 'Not found'));
    h.actor.send({ type: 'BY_CARD', holderName: '张*宁' });
    expect(h.lookups[1]?.l).toEqual({ how: 'card' });
    expect(caseQueryViewOf(h.actor.getSnapshot()).holderName).toBe('张*宁');
  });

  it('reprint: each press its own key; refused when the case cannot be reprinted', async () => {
    const h = harness();
    h.actor.send({ type: 'BY_CARD', holderName: 'x' });
    h.lookups[0]?.resolve(found([aCase('a')]));
    await waitFor(h.actor, (s) => s.matches('case'));
    h.actor.send({ type: 'REPRINT' });
    await waitFor(h.actor, (s) => s.matches('case'));
    h.actor.send({ type: 'REPRINT' });
    await waitFor(h.actor, (s) => s.matches('case') && s.context.prints === 2);
    expect(h.reprints.map((r) => r.idempotencyKey)).toEqual(['query:3:a:reprint:1', 'query:3:a:reprint:2']);
    const h2 = harness();
    h2.actor.send({ type: 'BY_CARD', holderName: 'x' });
    h2.lookups[0]?.resolve(found([aCase('a', { canReprint: false })]));
    await waitFor(h2.actor, (s) => s.matches('case'));
    expect(h2.actor.getSnapshot().can({ type: 'REPRINT' })).toBe(false);
  });

  it('rating: a good level is sent at once with its score and the content version; once rated it is not offered again', async () => {
    const h = harness();
    h.actor.send({ type: 'BY_CARD', holderName: 'x' });
    h.lookups[0]?.resolve(found([aCase('a')]));
    await waitFor(h.actor, (s) => s.matches('case'));
    h.actor.send({ type: 'RATE', level: 'satisfied', at: 42 });
    await waitFor(h.actor, (s) => s.matches('case') && s.context.message !== null);
    expect(h.ratings).toEqual([{ id: 'a', level: 'satisfied', score: 4, reasons: [], text: '', contentVersion: 'r1', at: 42 }]);
    expect(caseQueryViewOf(h.actor.getSnapshot()).cases[0]).toMatchObject({ rated: true, canRate: false });
    expect(h.actor.getSnapshot().can({ type: 'RATE', level: 'satisfied', at: 43 })).toBe(false);
  });

  it('不满意 asks for reasons first (known ones, at least one); a failed rating keeps the case rateable and says why', async () => {
    const h = harness();
    h.failRating();
    h.actor.send({ type: 'BY_CARD', holderName: 'x' });
    h.lookups[0]?.resolve(found([aCase('a')]));
    await waitFor(h.actor, (s) => s.matches('case'));
    h.actor.send({ type: 'RATE', level: 'dissatisfied', at: 1 });
    expect(caseQueryViewOf(h.actor.getSnapshot())).toMatchObject({ phase: 'reasons', rating: { selected: 'dissatisfied' } });
    h.actor.send({ type: 'RATE_REASONS', reasons: ['unknown'], text: '', at: 2 });
    expect(caseQueryViewOf(h.actor.getSnapshot()).phase).toBe('reasons');
    expect(h.ratings).toHaveLength(0);
    h.actor.send({ type: 'RATE_REASONS', reasons: ['too-slow'], text: ' 太慢 ', at: 3 });
    await waitFor(h.actor, (s) => s.matches('case'));
    expect(h.ratings[0]).toMatchObject({ level: 'dissatisfied', score: 2, reasons: ['too-slow'], text: '太慢' });
    expect(caseQueryViewOf(h.actor.getSnapshot()).message).toEqual(t('失败', 'Failed'));
    expect(caseQueryViewOf(h.actor.getSnapshot()).cases[0]?.canRate).toBe(true);
  });
});
