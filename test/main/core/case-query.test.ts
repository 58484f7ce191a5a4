import { afterEach, describe, expect, it } from 'vitest';
import type { CaseQueryView, CaseView, SessionView } from '../../../main/contract/index.js';
import { ratingKey } from '../../../main/core/delivery.js';
import { SAMPLE_IDENTITIES } from '../../../drivers/id-card/samples.js';
import { ratingRequests, startMatterKiosk, type MatterKiosk } from './matters-helpers.js';
import { valueFor } from './resume-helpers.js';

/**
 * Issue 12 item 3, through the core's real dispatch: the case query (查询办件) from the attract screen, by the
 * acceptance number and by the ID card, the platform's states in words, the reprint (补打) and the one rating per
 * case; offline, what this kiosk knows and saying so.
 */

const kiosks: MatterKiosk[] = [];
afterEach(async () => {
  for (const k of kiosks.splice(0)) await k.close();
});
async function kiosk(opts: Parameters<typeof startMatterKiosk>[0] = {}): Promise<MatterKiosk> {
  const k = await startMatterKiosk(opts);
  kiosks.push(k);
  return k;
}

const ZHANG = SAMPLE_IDENTITIES['resident-zhang']!;
const NEWBORN = 'SAMPLE-SB-0005';
const stepIs = (kind: string, phase?: string) => (v: SessionView) => v.screen === 'matter' && v.matter?.step.kind === kind && (phase === undefined || (v.matter.step as { phase?: string }).phase === phase);
const q = (v: SessionView): CaseQueryView => {
  if (v.query == null) throw new Error(`no query on screen ${v.screen}`);
  return v.query;
};
const shown = (v: SessionView): CaseView => {
  const c = q(v).cases.find((x) => x.id === q(v).selected);
  if (!c) throw new Error('no case shown');
  return c;
};

/** A newborn application by Zhang, not rated (the citizen leaves at the rating); its acceptance number. */
async function apply(k: MatterKiosk): Promise<string> {
  k.kiosk.sim?.placeCard('resident-zhang');
  await k.waitView((v) => v.screen === 'welcome' && v.matters !== null, 'the matter list');
  await k.ok('matter.choose', { code: NEWBORN });
  const v = await k.waitView(stepIs('form'), 'the form');
  const fields = v.matter?.step.kind === 'form' ? v.matter.step.fields : [];
  for (const f of fields) if (f.value === '') await k.ok('matter.input', { key: f.key, value: valueFor(f) });
  await k.ok('matter.next', {});
  await k.waitView(stepIs('submit', 'confirm'), 'the summary');
  await k.ok('matter.submit', {});
  const printed = await k.waitView((x) => stepIs('print', 'printed')(x) || stepIs('review', 'choosing')(x), 'the receipt', 20_000);
  const number = printed.matter?.step.kind === 'print' ? printed.matter.step.receipt.acceptanceNumber : null;
  const receipt = k.kiosk.printedReceipts().at(-1)?.text ?? '';
  const found = number ?? /NX-DEV-0001-\d{8}-\d{6}/.exec(receipt)?.[0];
  if (!found) throw new Error('no acceptance number');
  // Leaves without rating, takes the card: the attract screen.
  await k.ok('session.finish', {});
  k.kiosk.sim?.removeCard();
  await k.waitView((x) => x.screen === 'attract', 'the attract screen');
  return found;
}

const digitsOf = (n: string) => n.slice('NX-DEV-0001-'.length).replace(/-/g, '');

describe('the case query (查询办件)', () => {
  it('by the receipt\'s QR code shown on the start screen: the query opens on that case', async () => {
    const k = await kiosk();
    await k.waitFor(() => k.kiosk.core.queue.link?.state === 'online', 'the platform online');
    const number = await apply(k);
    await k.waitFor(() => k.kiosk.core.queueStats()?.acked === 1, 'the case delivered');
    await k.waitFor(() => k.kiosk.core.supervisor.list().find((d) => d.kind === 'qr-reader')?.state === 'online', 'the QR reader online');
    await k.kiosk.sim?.scanQr(number);
    const v = await k.waitView((x) => x.screen === 'query' && x.query?.phase === 'case', 'the case opened by its QR code');
    expect(shown(v)).toMatchObject({ acceptanceNumber: number, state: 'received' });
    await k.ok('cases.close', {});
    await k.waitView((x) => x.screen === 'attract', 'the attract screen');
  });

  it('by acceptance number, online: the platform state in words with dates and what next; the platform moves it on and the query says so; reprint needs the card; the attract screen comes back on close', async () => {
    const k = await kiosk();
    await k.waitFor(() => k.kiosk.core.queue.link?.state === 'online', 'the platform online');
    const number = await apply(k);
    await k.waitFor(() => k.kiosk.core.queueStats()?.acked === 1, 'the case delivered');
    // Not from the matter list: only from the attract screen.
    await k.ok('cases.open', {});
    expect(q(k.view())).toMatchObject({ phase: 'choose', numberPrefix: 'NX-DEV-0001-', numberDigits: 14 });
    await k.ok('cases.byNumber', { digits: digitsOf(number) });
    let v = await k.waitView((x) => q(x).phase === 'case', 'the case');
    const c = shown(v);
    expect(c).toMatchObject({ acceptanceNumber: number, state: 'received', source: 'platform', local: true, canRate: true, canReprint: false });
    expect(c.stateWords['zh-CN']).toBe('已提交（待受理）');
    expect(c.matter['zh-CN']).toBe('新生儿社会保障卡申领');
    expect(c.submittedAt).toMatch(/^\d{4}-\d{2}-\d{2} \d{2}:\d{2}$/);
    expect(c.next['zh-CN']).toContain('等待部门受理');
    expect(c.reprintNote?.['zh-CN']).toContain('刷身份证');
    // Never the applicant's name or number.
    expect(JSON.stringify(v.query)).not.toContain(ZHANG.idNumber);
    expect(JSON.stringify(v.query)).not.toContain(ZHANG.name);
    expect((await k.call('cases.reprint', {})).ok).toBe(false);

    // The office asks for corrections: said at once, with the list.
    const caseNumber = c.caseNumber ?? '';
    await k.platform.setCaseState(caseNumber, { state: 'correction-required', corrections: ['出生医学证明照片不清晰，请重新扫描'] });
    await k.ok('cases.back', {});
    await k.waitView((x) => q(x).phase === 'choose', 'back to the three ways');
    await k.ok('cases.byNumber', { digits: digitsOf(number) });
    v = await k.waitView((x) => q(x).phase === 'case', 'the case again');
    expect(shown(v)).toMatchObject({ state: 'correction-required', corrections: ['出生医学证明照片不清晰，请重新扫描'] });
    expect(shown(v).stateWords['zh-CN']).toBe('待补正');
    expect(shown(v).history.map((h) => h.state)).toEqual(['received', 'correction-required']);

    await k.ok('cases.close', {});
    await k.waitView((x) => x.screen === 'attract' && x.query == null, 'the attract screen');
  });

  it('a mistyped or unknown number says what is wrong in words, and another try works', async () => {
    const k = await kiosk();
    await k.ok('cases.open', {});
    await k.ok('cases.byNumber', { digits: '2026' });
    let v = await k.waitView((x) => q(x).phase === 'not-found', 'not found');
    expect(q(v).message?.['zh-CN']).toContain('14 位数字');
    await k.ok('cases.back', {});
    await k.ok('cases.byNumber', { digits: '20260101000999' });
    v = await k.waitView((x) => q(x).phase === 'not-found', 'not found');
    expect(q(v).message?.['zh-CN']).toContain('本终端没有这个受理编号');
    // A bad request is refused by the contract (letters are not digits).
    const bad = await k.call('cases.byNumber', { digits: '2026AB' });
    expect(bad.ok).toBe(false);
    // From the matter list the query is refused.
    await k.ok('cases.close', {});
    k.kiosk.sim?.placeCard('resident-zhang');
    await k.waitView((x) => x.screen === 'welcome', 'the matter list');
    const refused = await k.call('cases.open', {});
    expect(refused.ok ? null : refused.error.code).toBe('not-allowed');
  });

  it('by ID card: the citizen’s cases from the platform; the receipt reprinted marked 补打 with the original time; rated once, and a second rating is not offered', async () => {
    const k = await kiosk();
    await k.waitFor(() => k.kiosk.core.queue.link?.state === 'online', 'the platform online');
    const number = await apply(k);
    await k.waitFor(() => k.kiosk.core.queueStats()?.acked === 1, 'the case delivered');
    const before = k.kiosk.printedReceipts().length;
    await k.ok('cases.open', {});
    k.kiosk.sim?.placeCard('resident-zhang');
    let v = await k.waitView((x) => x.screen === 'query' && q(x).phase === 'case', 'her one case');
    expect(q(v).how).toBe('card');
    expect(q(v).platform).toBe('online');
    expect(q(v).holderName).not.toBeNull();
    expect(shown(v)).toMatchObject({ acceptanceNumber: number, source: 'platform', canReprint: true, canRate: true });

    await k.ok('cases.reprint', {});
    v = await k.waitView((x) => q(x).phase === 'case' && q(x).message !== null, 'reprinted');
    expect(q(v).message?.['zh-CN']).toContain('补打');
    expect(k.kiosk.printedReceipts()).toHaveLength(before + 1);
    const text = k.kiosk.printedReceipts().at(-1)?.text ?? '';
    expect(text).toContain('补打');
    expect(text).toContain(number);
    expect(text).not.toContain(ZHANG.idNumber);

    await k.ok('cases.rate', { level: 'dissatisfied' });
    v = await k.waitView((x) => q(x).phase === 'reasons', 'the reasons');
    expect(q(v).rating.reasons.length).toBeGreaterThan(0);
    await k.ok('cases.rateReasons', { reasons: [q(v).rating.reasons[0]?.key ?? ''], text: '' });
    v = await k.waitView((x) => q(x).phase === 'case' && shown(x).rated === true, 'rated');
    expect(shown(v).canRate).toBe(false);
    expect((await k.call('cases.rate', { level: 'satisfied' })).ok).toBe(false);
    // One rating, after its case, delivered to the platform.
    const entry = k.kiosk.core.queue.cache?.outbox.findByKey(ratingKey(k.kiosk.core.queue.cache.outbox.list('acked', { afterId: 0, limit: 10 })[0]?.idempotencyKey ?? ''));
    expect(entry).toBeDefined();
    await k.waitFor(() => ratingRequests(k.proxy).some((r) => r.status === 200 || r.status === 201), 'the rating at the platform');
    // Looked up again: the platform says rated.
    await k.ok('cases.back', {});
    k.kiosk.sim?.removeCard();
    await k.waitView((x) => !x.cardOnReader, 'the card taken');
    k.kiosk.sim?.placeCard('resident-zhang');
    v = await k.waitView((x) => q(x).phase === 'case' && q(x).how === 'card', 'her case again');
    expect(shown(v)).toMatchObject({ rated: true, canRate: false });
    // Leaving the query wipes the cardholder's session.
    await k.ok('cases.close', {});
    v = await k.waitView((x) => x.screen === 'attract', 'the attract screen');
    expect(v.citizen).toBeNull();
    expect(k.kiosk.core.session.currentRecord).toBeNull();
  });

  it('offline: by card only the cases still queued on this kiosk, and the screen says what the list is based on; by number the queued case; rated through the outbox', async () => {
    const k = await kiosk({ outage: true });
    const number = await apply(k);
    expect(k.kiosk.core.queueStats()?.acked).toBe(0);
    await k.ok('cases.open', {});
    k.kiosk.sim?.placeCard('resident-zhang');
    let v = await k.waitView((x) => x.screen === 'query' && (q(x).phase === 'case' || q(x).phase === 'list'), 'her queued case');
    expect(q(v).platform).toBe('offline');
    expect(q(v).basis?.['zh-CN']).toContain('暂时无法连接政务服务平台');
    expect(shown(v)).toMatchObject({ acceptanceNumber: number, state: 'queued', source: 'kiosk', canReprint: true, canRate: true, caseNumber: null });
    expect(shown(v).stateWords['zh-CN']).toContain('待提交');
    expect(shown(v).next['zh-CN']).toContain('联网后自动提交');
    await k.ok('cases.rate', { level: 'very-satisfied' });
    v = await k.waitView((x) => q(x).phase === 'case' && shown(x).rated === true, 'rated offline');
    const waiting = k.kiosk.core.queueStats();
    expect((waiting?.pending ?? 0) + (waiting?.inFlight ?? 0)).toBe(2);

    // Another citizen's card: none of hers.
    k.kiosk.sim?.removeCard();
    await k.waitView((x) => !x.cardOnReader, 'the card taken');
    k.kiosk.sim?.placeCard('resident-longterm');
    v = await k.waitView((x) => q(x).phase === 'not-found', 'nothing for him');
    expect(q(v).message?.['zh-CN']).toContain('本终端没有您尚未提交的申请');

    await k.ok('cases.back', {});
    await k.ok('cases.byNumber', { digits: digitsOf(number) });
    v = await k.waitView((x) => q(x).phase === 'case' && q(x).how === 'number', 'by number');
    // Found by number, not by her card: no reprint (the receipt shows the applicant); already rated.
    expect(shown(v)).toMatchObject({ state: 'queued', canReprint: false, rated: true, canRate: false });
  });
});
