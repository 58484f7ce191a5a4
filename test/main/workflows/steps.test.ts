import { describe, expect, it } from 'vitest';
import { SimulatedClock, createActor, type AnyActorLogic } from 'xstate';
import type { Application } from '../../../main/catalog/index.js';
import { emptyData, StepError, type MatterData, type StepOutput } from '../../../main/workflows/matter-types.js';
import { DEFAULT_MATTER_CONFIG, type StepInput } from '../../../main/workflows/steps/common.js';
import { commitmentStep } from '../../../main/workflows/steps/commitment.js';
import { feeStep } from '../../../main/workflows/steps/fee.js';
import { formStep } from '../../../main/workflows/steps/form.js';
import { materialsStep } from '../../../main/workflows/steps/materials.js';
import { noticeStep } from '../../../main/workflows/steps/notice.js';
import { printStep } from '../../../main/workflows/steps/print.js';
import { reviewStep } from '../../../main/workflows/steps/review.js';
import { submitStep, UNPAID } from '../../../main/workflows/steps/submit.js';
import { CERT, Fakes, SAMPLE, acceptanceFor, advance, app, everyStepCatalog, flush } from './helpers.js';

const ALL = app('TEST-ALL', everyStepCatalog());

function input(a: Application, data: Partial<MatterData> = {}, over: Partial<StepInput> = {}): StepInput & { rating: typeof SAMPLE.rating } {
  return { app: a, data: { ...emptyData(), ...data }, idempotencyKey: 'K', canBack: true, printFollows: true, config: { ...DEFAULT_MATTER_CONFIG, printedPauseMs: 3000 }, rating: SAMPLE.rating, ...over };
}

function run(logic: AnyActorLogic, i: ReturnType<typeof input>) {
  const clock = new SimulatedClock();
  const actor = createActor(logic, { input: i, clock });
  actor.start();
  const state = () => actor.getSnapshot().value as string;
  const output = () => actor.getSnapshot().output as StepOutput | undefined;
  return { actor, clock, state, output };
}

describe('notice step', () => {
  it('Next moves on; Back only when allowed', () => {
    const first = run(noticeStep, input(ALL, {}, { canBack: false }));
    first.actor.send({ type: 'BACK' });
    expect(first.state()).toBe('reading');
    first.actor.send({ type: 'NEXT' });
    expect(first.output()).toEqual({ result: 'next', data: {} });
    const later = run(noticeStep, input(ALL));
    later.actor.send({ type: 'BACK' });
    expect(later.output()?.result).toBe('back');
  });
});

describe('form step', () => {
  it('Next is refused until every field is valid, then the values leave normalised', () => {
    const f = run(formStep, input(ALL, { values: { applicantName: '张晓宁', phone: '' } }));
    f.actor.send({ type: 'NEXT' });
    expect(f.state()).toBe('editing');
    expect(f.actor.getSnapshot().context.attempted).toBe(true);
    f.actor.send({ type: 'INPUT', key: 'phone', value: ' １３９００００００００ ' });
    f.actor.send({ type: 'NEXT' });
    expect(f.output()).toEqual({ result: 'next', data: { values: { applicantName: '张晓宁', phone: '13900000000' } } });
  });

  it('input for a field the form does not have is ignored; Back keeps what was typed', () => {
    const f = run(formStep, input(ALL, { values: { applicantName: '', phone: '' } }));
    f.actor.send({ type: 'INPUT', key: 'idNumber', value: '640104198506150011' });
    expect(f.actor.getSnapshot().context.values).toEqual({ applicantName: '', phone: '' });
    f.actor.send({ type: 'INPUT', key: 'phone', value: '139 ' });
    f.actor.send({ type: 'BACK' });
    expect(f.output()).toEqual({ result: 'back', data: { values: { applicantName: '', phone: '139 ' } } });
  });
});

describe('commitment step', () => {
  it('我承诺 records the time of the event', () => {
    const c = run(commitmentStep, input(ALL));
    c.actor.send({ type: 'COMMIT', at: 1234 });
    expect(c.output()).toEqual({ result: 'next', data: { commitment: { decision: 'committed', at: 1234 } } });
  });

  it('declining drops the materials the commitment stood for; a required commitment cannot be declined', () => {
    const c = run(commitmentStep, input(ALL, { materials: { proof: { by: 'commitment' }, photo: { by: 'scan', pages: 1, refs: ['r'] } } }));
    c.actor.send({ type: 'DECLINE_COMMITMENT' });
    expect(c.output()?.data).toEqual({ commitment: { decision: 'declined' }, materials: { photo: { by: 'scan', pages: 1, refs: ['r'] } } });
    const required = { ...ALL, commitment: { text: ALL.commitment?.text ?? { 'zh-CN': '', en: '' }, required: true } };
    const r = run(commitmentStep, input(required));
    r.actor.send({ type: 'DECLINE_COMMITMENT' });
    expect(r.state()).toBe('reading');
  });
});

describe('materials step', () => {
  const committed = { commitment: { decision: 'committed' as const, at: 1 } };

  it('looks up e-certificates once, offers them, takes consent, scans with progress, uses the commitment, and needs every required material', async () => {
    const fakes = new Fakes();
    fakes.lookup.mode = 'manual';
    fakes.scan.mode = 'manual';
    const m = run(materialsStep.provide({ actors: { lookupCertificates: fakes.lookup.logic(), scanPages: fakes.scan.logic() } as never }), input(ALL, committed));
    expect(m.state()).toBe('lookingUp');
    expect(m.actor.getSnapshot().hasTag('busy')).toBe(true);
    fakes.lookup.next().resolve({ 'residence-permit': [CERT] });
    await flush();
    expect(m.state()).toBe('ready');
    expect(fakes.lookup.calls).toEqual([{ types: ['residence-permit'] }]);
    m.actor.send({ type: 'NEXT' });
    expect(m.actor.getSnapshot().context.message?.['zh-CN']).toBe('还缺少：居住证、照片、证明');
    m.actor.send({ type: 'USE_CERTIFICATE', material: 'photo' }); // nothing offered for it
    expect(m.actor.getSnapshot().context.materials.photo).toBeUndefined();
    m.actor.send({ type: 'USE_CERTIFICATE', material: 'permit' });
    m.actor.send({ type: 'SCAN', material: 'photo' });
    expect(m.state()).toBe('scanning');
    expect(fakes.scan.last.input).toEqual({ material: 'photo', maxPages: 1 });
    fakes.scan.last.send({ type: 'SCAN_PROGRESS', pagesDone: 0, pageProgress: 0.4 });
    expect(m.actor.getSnapshot().context.scanning).toEqual({ material: 'photo', pagesDone: 0, pageProgress: 0.4 });
    fakes.scan.last.send({ type: 'SCAN_DONE', pages: 1, ref: 'B1' });
    m.actor.send({ type: 'SCAN', material: 'photo' }); // the photo takes one page: full
    expect(m.state()).toBe('ready');
    m.actor.send({ type: 'USE_COMMITMENT', material: 'photo' }); // the photo does not accept the commitment
    m.actor.send({ type: 'USE_COMMITMENT', material: 'proof' });
    m.actor.send({ type: 'NEXT' });
    expect(m.output()).toEqual({
      result: 'next',
      data: {
        materials: { permit: { by: 'e-certificate', certificate: CERT }, photo: { by: 'scan', pages: 1, refs: ['B1'] }, proof: { by: 'commitment' } },
        offers: { permit: CERT, photo: null, proof: null },
        declinedOffers: [],
        certificatesUnavailable: false,
      },
    });
  });

  it('a failed look-up says e-certificates are unavailable; a failed scan says why; a declined offer is not offered again', async () => {
    const fakes = new Fakes();
    fakes.lookup.mode = 'manual';
    fakes.scan.mode = 'manual';
    const m = run(materialsStep.provide({ actors: { lookupCertificates: fakes.lookup.logic(), scanPages: fakes.scan.logic() } as never }), input(ALL));
    fakes.lookup.next().reject(new StepError({ 'zh-CN': '平台不可达', en: 'unreachable' }));
    await flush();
    expect(m.actor.getSnapshot().context.certificatesUnavailable).toBe(true);
    m.actor.send({ type: 'USE_COMMITMENT', material: 'proof' }); // not committed
    expect(m.actor.getSnapshot().context.materials.proof).toBeUndefined();
    m.actor.send({ type: 'SCAN', material: 'permit' });
    fakes.scan.last.send({ type: 'SCAN_FAILED', words: { 'zh-CN': '扫描仪卡纸', en: 'Jammed' } });
    expect(m.state()).toBe('ready');
    expect(m.actor.getSnapshot().context.message).toEqual({ 'zh-CN': '扫描仪卡纸', en: 'Jammed' });
    // A second visit with offers known does not look up again.
    const again = run(materialsStep.provide({ actors: { lookupCertificates: fakes.lookup.logic(), scanPages: fakes.scan.logic() } as never }), input(ALL, { offers: { permit: CERT } }));
    expect(again.state()).toBe('ready');
    again.actor.send({ type: 'DECLINE_CERTIFICATE', material: 'permit' });
    again.actor.send({ type: 'USE_CERTIFICATE', material: 'permit' });
    expect(again.actor.getSnapshot().context.materials.permit).toBeUndefined();
    expect(fakes.lookup.calls).toHaveLength(1);
  });

  it('pages add up to the maximum and can be removed; stopping mid-scan stops the scanner actor', async () => {
    const fakes = new Fakes();
    fakes.scan.mode = 'manual';
    const m = run(materialsStep.provide({ actors: { lookupCertificates: fakes.lookup.logic(), scanPages: fakes.scan.logic() } as never }), input(ALL));
    await flush();
    m.actor.send({ type: 'SCAN', material: 'permit' });
    fakes.scan.last.send({ type: 'SCAN_DONE', pages: 1, ref: 'A' });
    m.actor.send({ type: 'SCAN', material: 'permit' });
    expect(fakes.scan.last.input.maxPages).toBe(1);
    fakes.scan.last.send({ type: 'SCAN_DONE', pages: 1, ref: 'B' });
    expect(m.actor.getSnapshot().context.materials.permit).toEqual({ by: 'scan', pages: 2, refs: ['A', 'B'] });
    m.actor.send({ type: 'REMOVE_PAGES', material: 'permit' });
    expect(m.actor.getSnapshot().context.materials.permit).toBeUndefined();
    m.actor.send({ type: 'SCAN', material: 'photo' });
    const scanning = fakes.scan.last;
    m.actor.stop();
    expect(scanning.stopped).toBe(true);
  });
});

describe('fee step', () => {
  it('approval moves on with the payment; a decline asks again under a new key; a failure asks again under the same key', () => {
    const fakes = new Fakes();
    fakes.pay.mode = 'manual';
    const f = run(feeStep.provide({ actors: { takePayment: fakes.pay.logic() } as never }), input(ALL));
    f.actor.send({ type: 'NEXT' }); // nothing to skip the payment with
    expect(f.state()).toBe('ready');
    f.actor.send({ type: 'PAY' });
    expect(fakes.pay.last.input).toEqual({ idempotencyKey: 'K:fee:0', amountFen: 1500, item: { 'zh-CN': '工本费', en: 'Fee' } });
    fakes.pay.last.send({ type: 'PAY_DECLINED', words: { 'zh-CN': '余额不足', en: 'Insufficient funds' } });
    expect(f.state()).toBe('declined');
    f.actor.send({ type: 'PAY' });
    expect(fakes.pay.last.input.idempotencyKey).toBe('K:fee:1');
    fakes.pay.last.send({ type: 'PAY_FAILED', words: { 'zh-CN': '超时', en: 'Timed out' } });
    expect(f.state()).toBe('failed');
    f.actor.send({ type: 'PAY' });
    expect(fakes.pay.last.input.idempotencyKey).toBe('K:fee:1');
    fakes.pay.last.send({ type: 'PAY_PROMPT', message: { 'zh-CN': '请输入密码', en: 'Enter PIN' } });
    expect(f.actor.getSnapshot().context.message?.en).toBe('Enter PIN');
    const approval = { transactionId: 'T', amountFen: 1500, approvedAt: 9, key: 'K:fee:1' };
    fakes.pay.last.send({ type: 'PAY_APPROVED', approval });
    expect(f.output()).toEqual({ result: 'next', data: { payment: approval, paymentAttempt: 1 } });
  });

  it('back from an approved payment keeps it; nothing can go back while paying; stopping stops the pad actor', () => {
    const fakes = new Fakes();
    fakes.pay.mode = 'manual';
    const approval = { transactionId: 'T', amountFen: 1500, approvedAt: 9, key: 'K:fee:0' };
    const a = run(feeStep.provide({ actors: { takePayment: fakes.pay.logic() } as never }), input(ALL, { payment: approval }));
    expect(a.state()).toBe('approved');
    a.actor.send({ type: 'BACK' });
    expect(a.output()).toEqual({ result: 'back', data: { payment: approval, paymentAttempt: 0 } });
    const p = run(feeStep.provide({ actors: { takePayment: fakes.pay.logic() } as never }), input(ALL));
    p.actor.send({ type: 'PAY' });
    p.actor.send({ type: 'BACK' });
    expect(p.state()).toBe('paying');
    p.actor.stop();
    expect(fakes.pay.last.stopped).toBe(true);
  });
});

describe('submit step', () => {
  it('refuses a fee matter without a confirmed payment', () => {
    const fakes = new Fakes();
    const s = run(submitStep.provide({ actors: { submitCase: fakes.submit.logic() } as never }), input(ALL));
    s.actor.send({ type: 'SUBMIT', at: 1 });
    expect(s.state()).toBe('confirm');
    expect(s.actor.getSnapshot().context.error).toEqual(UNPAID);
    expect(fakes.submit.calls).toHaveLength(0);
  });

  it('submits with the key and the time of 提交; a failure says why and can be retried; with print next it moves on by itself', async () => {
    const fakes = new Fakes();
    fakes.submit.mode = 'manual';
    const payment = { transactionId: 'T', amountFen: 1500, approvedAt: 9, key: 'K:fee:0' };
    const s = run(submitStep.provide({ actors: { submitCase: fakes.submit.logic() } as never }), input(ALL, { payment }));
    s.actor.send({ type: 'SUBMIT', at: 77 });
    expect(s.actor.getSnapshot().hasTag('busy')).toBe(true);
    s.actor.send({ type: 'BACK' });
    expect(s.state()).toBe('submitting');
    const first = fakes.submit.next();
    expect(first.input).toMatchObject({ idempotencyKey: 'K', at: 77 });
    first.reject(new StepError({ 'zh-CN': '存储空间不足', en: 'Storage full' }));
    await flush();
    expect(s.state()).toBe('failed');
    expect(s.actor.getSnapshot().context.error?.en).toBe('Storage full');
    s.actor.send({ type: 'SUBMIT', at: 78 });
    const second = fakes.submit.next();
    expect(second.input.idempotencyKey).toBe('K');
    second.resolve(acceptanceFor(second.input));
    await flush();
    expect(s.output()?.data.submission?.acceptanceNumber).toBe('T-20250102-000001');
  });

  it('without a print step the acceptance stays on screen until Next', async () => {
    const fakes = new Fakes();
    const s = run(submitStep.provide({ actors: { submitCase: fakes.submit.logic() } as never }), input(app('SAMPLE-GJJ-0002'), {}, { printFollows: false }));
    s.actor.send({ type: 'SUBMIT', at: 1 });
    await flush();
    expect(s.state()).toBe('accepted');
    s.actor.send({ type: 'BACK' });
    expect(s.state()).toBe('accepted');
    s.actor.send({ type: 'NEXT' });
    expect(s.output()?.result).toBe('next');
  });
});

describe('print step', () => {
  const submission = { acceptanceNumber: 'A-1', caseNumber: null, offline: false, qr: 'q', promisedDate: null, submittedAt: 1 };

  it('printed: the rating comes by itself after the pause (simulated clock)', async () => {
    const fakes = new Fakes();
    const p = run(printStep.provide({ actors: { printReceipt: fakes.print.logic() } as never }), input(ALL, { submission }));
    await flush();
    expect(p.state()).toBe('printed');
    expect(fakes.print.calls[0]?.idempotencyKey).toBe('K:print:1');
    advance(p.clock, 2999);
    expect(p.state()).toBe('printed');
    advance(p.clock, 1);
    expect(p.output()).toEqual({ result: 'next', data: {} });
  });

  it('failed: stays with the reason until Next; reprints are limited and each has its own key', async () => {
    const fakes = new Fakes();
    fakes.print.mode = 'manual';
    const p = run(printStep.provide({ actors: { printReceipt: fakes.print.logic() } as never }), input(ALL, { submission }));
    fakes.print.next().reject(new StepError({ 'zh-CN': '打印机缺纸', en: 'Out of paper' }));
    await flush();
    expect(p.state()).toBe('failed');
    advance(p.clock, 60_000);
    expect(p.state()).toBe('failed');
    expect(p.actor.getSnapshot().context.message?.en).toBe('Out of paper');
    p.actor.send({ type: 'REPRINT' });
    fakes.print.next().reject(new StepError({ 'zh-CN': '打印机缺纸', en: 'Out of paper' }));
    await flush();
    p.actor.send({ type: 'REPRINT' });
    expect(fakes.print.calls.map((c) => c.idempotencyKey)).toEqual(['K:print:1', 'K:print:2', 'K:print:3']);
    fakes.print.next().reject(new StepError({ 'zh-CN': '打印机缺纸', en: 'Out of paper' }));
    await flush();
    p.actor.send({ type: 'REPRINT' });
    expect(fakes.print.calls).toHaveLength(3);
    p.actor.send({ type: 'NEXT' });
    expect(p.output()?.result).toBe('next');
  });
});

describe('review step', () => {
  it('a good level is sent at once with the content version; nothing is preselected', async () => {
    const fakes = new Fakes();
    const r = run(reviewStep.provide({ actors: { submitRating: fakes.rate.logic() } as never }), input(ALL));
    expect(r.actor.getSnapshot().context.selected).toBeNull();
    r.actor.send({ type: 'RATE', level: 'satisfied', at: 10 });
    await flush();
    expect(fakes.rate.calls).toEqual([{ caseKey: 'K', level: 'satisfied', score: 4, reasons: [], text: '', contentVersion: SAMPLE.rating.version, at: 10 }]);
    expect(r.output()).toEqual({ result: 'next', data: { rated: true } });
  });

  it('不满意 asks for reasons from the versioned list; unknown reasons are refused; back returns to the levels', async () => {
    const fakes = new Fakes();
    const r = run(reviewStep.provide({ actors: { submitRating: fakes.rate.logic() } as never }), input(ALL));
    r.actor.send({ type: 'RATE', level: 'dissatisfied', at: 1 });
    expect(r.state()).toBe('reasons');
    r.actor.send({ type: 'BACK' });
    expect(r.state()).toBe('choosing');
    r.actor.send({ type: 'RATE', level: 'very-dissatisfied', at: 2 });
    r.actor.send({ type: 'RATE_REASONS', reasons: ['made-up'], text: '', at: 3 });
    expect(r.state()).toBe('reasons');
    r.actor.send({ type: 'RATE_REASONS', reasons: ['too-slow', 'other'], text: '  排队太久  ', at: 4 });
    await flush();
    expect(fakes.rate.calls).toEqual([{ caseKey: 'K', level: 'very-dissatisfied', score: 1, reasons: ['too-slow', 'other'], text: '排队太久', contentVersion: SAMPLE.rating.version, at: 4 }]);
  });

  it('a failure to record says why and lets the citizen rate again', async () => {
    const fakes = new Fakes();
    fakes.rate.mode = 'manual';
    const r = run(reviewStep.provide({ actors: { submitRating: fakes.rate.logic() } as never }), input(ALL));
    r.actor.send({ type: 'RATE', level: 'basic', at: 1 });
    fakes.rate.next().reject(new StepError({ 'zh-CN': '存储空间不足', en: 'Storage full' }));
    await flush();
    expect(r.state()).toBe('failed');
    r.actor.send({ type: 'RATE', level: 'basic', at: 2 });
    expect(r.state()).toBe('sending');
  });
});
