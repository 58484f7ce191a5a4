import { describe, expect, it } from 'vitest';
import { createActor, type AnyActorRef } from 'xstate';
import { compileMatter, type MatterActorRef } from '../../../main/workflows/compile.js';
import { persistMatter, restoredMatterLogic, RestoreError } from '../../../main/workflows/persist.js';
import { matterViewOf } from '../../../main/workflows/view.js';
import type { MatterEvent } from '../../../main/workflows/matter-types.js';
import { Fakes, actOnce, app, everyStepCatalog, flush } from './helpers.js';

/**
 * Issue 12 item 4: a matter persisted in every step and every busy phase, restored into a new actor with new
 * actors (the restarted core's). xstate restarts the invoked actor of the restored step with its persisted input:
 * the test checks that each repeatable side effect is asked again under the same idempotency key (the core's
 * actors make that a no-op or a look-up; resume.test.ts and matters-resume.test.ts check that side).
 */
const CATALOG = everyStepCatalog();
const ALL = app('TEST-ALL', CATALOG);
const KEY = 'mk-resume-1';
const ENV = { platformOnline: true, scannerReady: true };

function run(fakes: Fakes) {
  const logic = compileMatter(ALL, { actors: fakes.actors(), rating: CATALOG.rating });
  const m = createActor(logic, { input: { idempotencyKey: KEY, prefill: { applicantName: { value: '张晓宁', source: 'card' } } } });
  m.start();
  const send = (e: MatterEvent): void => m.send(e);
  const until = async (stop: () => boolean): Promise<void> => {
    for (let i = 0; i < 60 && !stop(); i++) {
      const v = matterViewOf(m, ENV, false);
      if (!v) throw new Error('no step');
      actOnce(v, ALL.fields, send);
      await flush();
    }
    if (!stop()) throw new Error('never reached');
  };
  return { m, until, view: () => matterViewOf(m, ENV, false) };
}

function restore(json: string, fakes: Fakes): MatterActorRef {
  const logic = restoredMatterLogic(compileMatter(ALL, { actors: fakes.actors(), rating: CATALOG.rating }), json, ALL, CATALOG.rating);
  const r = createActor(logic, { input: { idempotencyKey: KEY, prefill: {} } });
  r.start();
  return r as MatterActorRef;
}

const phaseOf = (v: ReturnType<typeof matterViewOf>): string => `${v?.step.kind}/${(v?.step as { phase?: string } | undefined)?.phase ?? '-'}`;

type Busy = { name: string; phase: string; prepare(f: Fakes): void; restarted(f: Fakes): { key: string }[] };
const BUSY: Busy[] = [
  { name: 'looking up e-certificates', phase: 'materials/looking-up', prepare: (f) => (f.lookup.mode = 'manual'), restarted: (f) => f.lookup.calls.map(() => ({ key: KEY })) },
  { name: 'scanning', phase: 'materials/scanning', prepare: (f) => ((f.scan.mode = 'manual'), (f.lookup.answer = () => ({}))), restarted: (f) => f.scan.runs.map(() => ({ key: KEY })) },
  { name: 'paying', phase: 'fee/paying', prepare: (f) => (f.pay.mode = 'manual'), restarted: (f) => f.pay.runs.map((r) => ({ key: r.input.idempotencyKey })) },
  { name: 'submitting', phase: 'submit/submitting', prepare: (f) => (f.submit.mode = 'manual'), restarted: (f) => f.submit.calls.map((c) => ({ key: c.idempotencyKey })) },
  { name: 'printing', phase: 'print/printing', prepare: (f) => (f.print.mode = 'manual'), restarted: (f) => f.print.calls.map((c) => ({ key: c.idempotencyKey })) },
  { name: 'sending the rating', phase: 'review/sending', prepare: (f) => (f.rate.mode = 'manual'), restarted: (f) => f.rate.calls.map((c) => ({ key: c.caseKey })) },
];

describe('a matter persisted and restored (crash resume)', () => {
  for (const b of BUSY) {
    it(`restored while ${b.name}: the step is where it was and its actor runs again under the same idempotency key`, async () => {
      const before = new Fakes();
      b.prepare(before);
      const t = run(before);
      await t.until(() => phaseOf(t.view()) === b.phase);
      const keysBefore = b.restarted(before).map((x) => x.key);
      expect(keysBefore.length).toBeGreaterThan(0);
      const json = persistMatter(t.m, ALL, CATALOG.rating);
      // The application and the rating content are markers, taken from the catalog on restore.
      expect(json).not.toContain(ALL.legalBasis['zh-CN']);
      t.m.stop();

      const after = new Fakes();
      b.prepare(after);
      const r = restore(json, after);
      expect(phaseOf(matterViewOf(r, ENV, false))).toBe(b.phase);
      await flush();
      const keysAfter = b.restarted(after).map((x) => x.key);
      expect(keysAfter).toEqual([keysBefore.at(-1)]);
      expect(r.getSnapshot().context.idempotencyKey).toBe(KEY);
      r.stop();
    });
  }

  it('restored on an idle step: what was entered is there, nothing runs by itself', async () => {
    const before = new Fakes();
    const t = run(before);
    await t.until(() => phaseOf(t.view()) === 'form/-');
    t.m.send({ type: 'INPUT', key: 'phone', value: '13900000001' });
    const json = persistMatter(t.m, ALL, CATALOG.rating);
    const after = new Fakes();
    const r = restore(json, after);
    const v = matterViewOf(r, ENV, false);
    expect(v?.step.kind === 'form' ? v.step.fields.find((f) => f.key === 'phone')?.value : null).toBe('13900000001');
    await flush();
    expect([after.submit.calls, after.print.calls, after.lookup.calls, after.rate.calls, after.pay.runs, after.scan.runs].map((c) => c.length)).toEqual([0, 0, 0, 0, 0, 0]);
    // Going on works as it would have.
    r.send({ type: 'NEXT' });
    expect(phaseOf(matterViewOf(r, ENV, false))).toBe('commitment/-');
  });

  it('after the submission: the acceptance is kept, back is impossible, the print of the same attempt has the same key', async () => {
    const before = new Fakes();
    before.print.mode = 'manual';
    const t = run(before);
    await t.until(() => phaseOf(t.view()) === 'print/printing');
    const json = persistMatter(t.m, ALL, CATALOG.rating);
    const after = new Fakes();
    after.print.mode = 'manual';
    const r = restore(json, after);
    expect(r.getSnapshot().context.data.submission?.acceptanceNumber).toBe('T-20250102-000001');
    expect(matterViewOf(r, ENV, false)?.canBack).toBe(false);
    await flush();
    expect(after.print.calls.map((c) => c.idempotencyKey)).toEqual([`${KEY}:print:1`]);
    expect(after.submit.calls).toHaveLength(0);
  });

  it('a saved matter that is not one is refused with a typed error', () => {
    const logic = compileMatter(ALL, { actors: new Fakes().actors(), rating: CATALOG.rating });
    expect(() => restoredMatterLogic(logic, 'not json', ALL, CATALOG.rating)).toThrow(RestoreError);
    expect(() => restoredMatterLogic(logic, JSON.stringify({ status: 'done' }), ALL, CATALOG.rating)).toThrow(RestoreError);
    const ref: AnyActorRef = createActor(logic, { input: { idempotencyKey: KEY, prefill: {} } });
    expect(typeof persistMatter(ref, ALL, CATALOG.rating)).toBe('string');
  });
});
