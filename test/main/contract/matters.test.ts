import { describe, expect, it } from 'vitest';
import { MatterList, MatterView, RATING_LEVELS, SessionView, StepView, invoke, matterRequests } from '../../../main/contract/index.js';
import { EXAMPLE_MATTER_LIST, EXAMPLE_STEPS, exampleMatterView } from '../../fixtures/matters/views.js';

describe('matter contract', () => {
  it('every example step view validates, one per step kind', () => {
    for (const [kind, step] of Object.entries(EXAMPLE_STEPS)) {
      expect(step.kind).toBe(kind);
      expect(StepView.safeParse(step).success).toBe(true);
      expect(MatterView.safeParse(exampleMatterView(step)).success).toBe(true);
    }
    expect(Object.keys(EXAMPLE_STEPS).sort()).toEqual(['commitment', 'fee', 'form', 'materials', 'notice', 'print', 'review', 'submit']);
    expect(MatterList.safeParse(EXAMPLE_MATTER_LIST).success).toBe(true);
  });

  it('a step view of an unknown kind, or with a field it does not have, is refused', () => {
    expect(StepView.safeParse({ ...EXAMPLE_STEPS.notice, kind: 'payment' }).success).toBe(false);
    expect(StepView.safeParse({ kind: 'fee', amountFen: 0, item: { 'zh-CN': 'x', en: 'x' }, phase: 'ready', message: null }).success).toBe(false);
  });

  it('the session view carries the matter list, the matter and the outcome', () => {
    const base = {
      seq: 1,
      locale: 'zh-CN',
      display: { largeText: false, highContrast: false },
  voice: { on: true, volume: 70 },
      citizen: null,
      idleWarning: null,
      cardOnReader: true,
      terminal: { id: 'T', siteName: 'x', siteType: 'service-hall' },
      outOfServiceReason: null,
      outcome: null,
    };
    expect(SessionView.safeParse({ ...base, screen: 'matter', matters: null, matter: exampleMatterView(EXAMPLE_STEPS.form) }).success).toBe(true);
    expect(SessionView.safeParse({ ...base, screen: 'welcome', matters: EXAMPLE_MATTER_LIST, matter: null }).success).toBe(true);
    expect(SessionView.safeParse({ ...base, screen: 'welcome', matter: null }).success).toBe(false);
  });

  it('every matter request is in the invoke table with a null result, and params are strict', () => {
    for (const name of Object.keys(matterRequests) as (keyof typeof matterRequests)[]) {
      const spec = invoke[name];
      expect(spec.params).toBe(matterRequests[name]);
      expect(spec.result.safeParse(null).success).toBe(true);
      expect(spec.params.safeParse({ stray: 1 }).success).toBe(false);
    }
  });

  it('requests are validated: keys, lengths, levels, reasons', () => {
    expect(invoke['matter.input'].params.safeParse({ key: 'phone', value: '13900000000' }).success).toBe(true);
    expect(invoke['matter.input'].params.safeParse({ key: 'Phone', value: '1' }).success).toBe(false);
    expect(invoke['matter.input'].params.safeParse({ key: 'phone', value: 'x'.repeat(501) }).success).toBe(false);
    expect(invoke['matter.choose'].params.safeParse({ code: '' }).success).toBe(false);
    expect(invoke['matter.scan'].params.safeParse({ material: '../x' }).success).toBe(false);
    expect(invoke['matter.rate'].params.safeParse({ level: 'satisfied' }).success).toBe(true);
    expect(invoke['matter.rate'].params.safeParse({ level: 5 }).success).toBe(false);
    expect(invoke['matter.rateReasons'].params.safeParse({ reasons: ['too-slow'], text: '' }).success).toBe(true);
    expect(invoke['matter.rateReasons'].params.safeParse({ reasons: [], text: '' }).success).toBe(false);
    expect(invoke['matter.rateReasons'].params.safeParse({ reasons: ['a', 'a'], text: '' }).success).toBe(false);
    expect(invoke['matter.rateReasons'].params.safeParse({ reasons: ['a'], text: 'x'.repeat(201) }).success).toBe(false);
  });

  it('the five rating levels carry exactly the names of 好差评, scores 5 to 1, the last two 差评', () => {
    expect(RATING_LEVELS.map((l) => l.label['zh-CN'])).toEqual(['非常满意', '满意', '基本满意', '不满意', '非常不满意']);
    expect(RATING_LEVELS.map((l) => l.score)).toEqual([5, 4, 3, 2, 1]);
    expect(RATING_LEVELS.filter((l) => l.negative).map((l) => l.level)).toEqual(['dissatisfied', 'very-dissatisfied']);
  });
});
