import { describe, expect, it } from 'vitest';
import { SimulatedClock, createActor } from 'xstate';
import { MatterView } from '../../../main/contract/index.js';
import { compileMatter, type MatterActorRef } from '../../../main/workflows/compile.js';
import { matterViewOf, stepAccepts } from '../../../main/workflows/view.js';
import { Fakes, SAMPLE, actOnce, app, everyStepCatalog, flush } from './helpers.js';
import type { Application } from '../../../main/catalog/index.js';

const ENV = { platformOnline: true, scannerReady: true };

function start(a: Application, fakes = new Fakes(), rating = SAMPLE.rating) {
  const clock = new SimulatedClock();
  const machine = compileMatter(a, { actors: fakes.actors(), rating, config: { printedPauseMs: 1000 } });
  const actor = createActor(machine, { clock, input: { idempotencyKey: 'KEY-1', prefill: { applicantName: { value: '张晓宁', source: 'card' } } } });
  actor.start();
  return { actor, fakes, clock };
}

function view(actor: MatterActorRef): MatterView {
  const v = matterViewOf(actor, ENV, false);
  if (!v) throw new Error('no view');
  // Every view the machines produce is a valid contract view.
  expect(MatterView.safeParse(v).success).toBe(true);
  return v;
}

/** Drives a matter from its first step to the end, the way a citizen would, recording the steps seen. */
async function drive(actor: MatterActorRef, onStep?: (v: MatterView) => void): Promise<string[]> {
  const seen: string[] = [];
  for (let guard = 0; guard < 100 && actor.getSnapshot().status === 'active'; guard++) {
    await flush();
    if (actor.getSnapshot().status !== 'active') break;
    const v = view(actor);
    onStep?.(v);
    if (seen.at(-1) !== v.step.kind) seen.push(v.step.kind);
    actOnce(v, actor.getSnapshot().context.app.fields, (e) => actor.send(e));
  }
  return seen;
}

describe('the compiler over every bundled matter and bundle', () => {
  for (const a of SAMPLE.applications.values()) {
    it(`${a.code} ${a.name['zh-CN']}: runs its steps in order to a rated end, with one submission under the matter's key`, async () => {
      const { actor, fakes } = start(a);
      const seen = await drive(actor);
      expect(seen).toEqual(a.steps);
      expect(actor.getSnapshot().status).toBe('done');
      expect(actor.getSnapshot().output).toMatchObject({ rated: true, submission: { acceptanceNumber: 'T-20250102-000001' } });
      expect(fakes.submit.calls).toHaveLength(1);
      const sub = fakes.submit.calls[0];
      expect(sub?.idempotencyKey).toBe('KEY-1');
      // Every field reached the submission, valid; every required material was provided.
      for (const f of a.fields) expect(sub?.data.values[f.key]).not.toBe('');
      for (const m of a.materials.filter((x) => x.required)) expect(sub?.data.materials[m.key]).toBeDefined();
      if (a.fee.kind === 'fixed') expect(sub?.data.payment?.amountFen).toBe(a.fee.amountFen);
      if (a.commitment) expect(sub?.data.commitment).toEqual({ decision: 'committed', at: 1000 });
      expect(fakes.print.calls).toHaveLength(a.steps.includes('print') ? 1 : 0);
      expect(fakes.rate.calls).toEqual([expect.objectContaining({ caseKey: 'KEY-1', level: 'very-satisfied', score: 5, contentVersion: SAMPLE.rating.version })]);
    });
  }

  it('a bundle asks a field its members share once', async () => {
    const a = app('SAMPLE-YJS-0001');
    const { actor } = start(a);
    const forms: string[][] = [];
    await drive(actor, (v) => {
      if (v.step.kind === 'form') forms.push(v.step.fields.map((f) => f.key));
    });
    const keys = forms[0] ?? [];
    expect(keys.filter((k) => k === 'childName')).toHaveLength(1);
    expect(new Set(keys).size).toBe(keys.length);
  });

  it('the pre-filled name is shown as taken from the card until the citizen changes it', async () => {
    const { actor } = start(app('SAMPLE-SB-0003'));
    actor.send({ type: 'NEXT' });
    const field = () => (view(actor).step as { fields: { key: string; value: string; source: string | null }[] }).fields.find((f) => f.key === 'applicantName');
    expect(field()).toMatchObject({ value: '张晓宁', source: 'card' });
    actor.send({ type: 'INPUT', key: 'applicantName', value: '张小宁' });
    expect(field()).toMatchObject({ value: '张小宁', source: null });
  });

  it('back goes to the previous step with what was entered kept, and never past the submission', async () => {
    const { actor } = start(app('SAMPLE-SB-0003'));
    actor.send({ type: 'NEXT' }); // notice → form
    actor.send({ type: 'INPUT', key: 'phone', value: '13900000000' });
    actor.send({ type: 'BACK' });
    expect(view(actor).step.kind).toBe('notice');
    expect(view(actor).canBack).toBe(false);
    actor.send({ type: 'NEXT' });
    const step = view(actor).step;
    expect(step.kind === 'form' && step.fields.find((f) => f.key === 'phone')?.value).toBe('13900000000');
    actor.send({ type: 'INPUT', key: 'reason', value: 'lost' });
    actor.send({ type: 'NEXT' }); // → fee
    actor.send({ type: 'PAY' });
    await flush();
    expect(view(actor).step.kind).toBe('submit');
    actor.send({ type: 'BACK' }); // submit → fee, which shows the payment made
    expect(view(actor).step).toMatchObject({ kind: 'fee', phase: 'approved' });
    actor.send({ type: 'NEXT' });
    actor.send({ type: 'SUBMIT', at: 5 });
    await flush();
    expect(view(actor).step.kind).toBe('print');
    expect(view(actor).canBack).toBe(false);
    expect(stepAccepts(actor, { type: 'BACK' })).toBe(false);
    expect(view(actor).canCancel).toBe(false);
  });

  it('the matter with every step kind runs through all eight', async () => {
    const all = everyStepCatalog();
    const { actor, fakes } = start(app('TEST-ALL', all), new Fakes(), all.rating);
    expect(await drive(actor)).toEqual(['notice', 'form', 'commitment', 'materials', 'fee', 'submit', 'print', 'review']);
    const sub = fakes.submit.calls[0];
    expect(sub?.data.materials).toEqual({
      permit: { by: 'e-certificate', certificate: expect.objectContaining({ id: 'CERT-residence-permit' }) },
      photo: { by: 'scan', pages: 1, refs: ['scan-photo-1'] },
      proof: { by: 'commitment' },
    });
    expect(fakes.pay.runs.map((r) => r.input.idempotencyKey)).toEqual(['KEY-1:fee:0']);
  });
});
