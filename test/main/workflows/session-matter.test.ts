import { describe, expect, it } from 'vitest';
import { SimulatedClock, createActor, type AnyActorRef } from 'xstate';
import { compileMatter, type MatterActorRef } from '../../../main/workflows/compile.js';
import { confirmingCancel, screenOf, sessionMachine, type SessionEmitted } from '../../../main/workflows/session.js';
import { matterViewOf } from '../../../main/workflows/view.js';
import type { MatterEvent } from '../../../main/workflows/matter-types.js';
import type { Application } from '../../../main/catalog/index.js';
import { Fakes, actOnce, advance, app, everyStepCatalog, flush } from './helpers.js';

const citizen = { name: '张晓宁', maskedId: '640104********0011', cardType: 'resident' as const, notices: [] };
const ALL_CATALOG = everyStepCatalog();
const ALL = app('TEST-ALL', ALL_CATALOG);
const IDLE = 60_000;
const WARN = 10_000;

function start(a: Application = ALL) {
  const clock = new SimulatedClock();
  const fakes = new Fakes();
  const session = createActor(sessionMachine, { clock, input: { idleTimeoutMs: IDLE, warningMs: WARN, goodbyeMs: 5000, cardRemovedMs: 5000, attractResetMs: 30_000, defaultLocale: 'zh-CN', defaultVoice: { on: true, volume: 70 } } });
  const emitted: SessionEmitted[] = [];
  session.on('*', (e) => emitted.push(e));
  session.start();
  session.send({ type: 'CARD_READ', citizen });
  const logic = compileMatter(a, { actors: fakes.actors(), rating: ALL_CATALOG.rating, config: { printedPauseMs: 2000 } });
  const choose = (): void =>
    session.send({ type: 'START_MATTER', logic, input: { idempotencyKey: 'KEY-9', prefill: { applicantName: { value: '张晓宁', source: 'card' } } }, code: a.code, name: a.name });
  const matter = (): MatterActorRef | null => (session.getSnapshot().context.matter?.ref as MatterActorRef | undefined) ?? null;
  const view = () => {
    const m = matter();
    return m ? matterViewOf(m, { platformOnline: true, scannerReady: true }, confirmingCancel(session.getSnapshot())) : null;
  };
  const send = (e: MatterEvent): void => session.send({ type: 'MATTER', event: e });
  /** Acts like a citizen until `stop` says so (at most 50 actions). */
  const until = async (stop: () => boolean): Promise<void> => {
    for (let i = 0; i < 50 && !stop(); i++) {
      const v = view();
      if (!v) throw new Error('no matter running');
      actOnce(v, a.fields, send);
      await flush();
    }
    if (!stop()) throw new Error('condition never reached');
  };
  return { session, clock, fakes, choose, matter, view, send, until, emitted };
}

type Case = { name: string; kind: string; prepare?: (f: Fakes) => void; phase?: string; busy?: () => unknown };

/** Every step, and every step while its device or the platform is working. */
const CASES: Case[] = [
  { name: 'notice', kind: 'notice' },
  { name: 'form', kind: 'form' },
  { name: 'commitment', kind: 'commitment' },
  { name: 'materials while looking up e-certificates', kind: 'materials', phase: 'looking-up', prepare: (f) => (f.lookup.mode = 'manual') },
  { name: 'materials', kind: 'materials', phase: 'ready' },
  { name: 'materials while scanning', kind: 'materials', phase: 'scanning', prepare: (f) => ((f.scan.mode = 'manual'), (f.lookup.answer = () => ({}))) },
  { name: 'fee', kind: 'fee', phase: 'ready' },
  { name: 'fee while paying', kind: 'fee', phase: 'paying', prepare: (f) => (f.pay.mode = 'manual') },
  { name: 'submit', kind: 'submit', phase: 'confirm' },
  { name: 'submit while submitting', kind: 'submit', phase: 'submitting', prepare: (f) => (f.submit.mode = 'manual') },
  { name: 'print while printing', kind: 'print', phase: 'printing', prepare: (f) => (f.print.mode = 'manual') },
  { name: 'review', kind: 'review', phase: 'choosing' },
  { name: 'review while sending the rating', kind: 'review', phase: 'sending', prepare: (f) => (f.rate.mode = 'manual') },
];

describe('idle wipe in the middle of every step', () => {
  for (const c of CASES) {
    it(`${c.name}: the warning, then the wipe stops the matter and forgets it`, async () => {
      const t = start();
      c.prepare?.(t.fakes);
      t.choose();
      await t.until(() => {
        const v = t.view();
        return v?.step.kind === c.kind && (c.phase === undefined || (v.step as { phase?: string }).phase === c.phase);
      });
      const ref = t.matter() as AnyActorRef;
      const step = (ref.getSnapshot() as { children: Record<string, AnyActorRef> }).children.step as AnyActorRef;
      expect(screenOf(t.session.getSnapshot())).toBe('matter');
      advance(t.clock, IDLE - WARN);
      expect(t.session.getSnapshot().context.warningSecondsLeft).toBe(WARN / 1000);
      advance(t.clock, WARN);
      expect(screenOf(t.session.getSnapshot())).toBe('attract');
      expect(t.session.getSnapshot().context.matter).toBeNull();
      expect(t.session.getSnapshot().context.citizen).toBeNull();
      expect(t.session.getSnapshot().context.outcome).toBeNull();
      expect(ref.getSnapshot().status).toBe('stopped');
      expect(step.getSnapshot().status).toBe('stopped');
      // The device and platform work in progress was told to stop.
      for (const run of [...t.fakes.scan.runs, ...t.fakes.pay.runs]) expect(run.stopped).toBe(true);
      for (const p of [...t.fakes.submit.pending, ...t.fakes.print.pending, ...t.fakes.lookup.pending, ...t.fakes.rate.pending]) expect(p.signal.aborted).toBe(true);
      const submitted = ['print', 'review'].includes(c.kind);
      expect(t.emitted.filter((e) => e.type !== 'session.started')).toEqual([
        { type: 'matter.stopped', code: 'TEST-ALL', idempotencyKey: 'KEY-9', submitted },
        { type: 'session.wiped', serial: 1, reason: 'idle' },
      ]);
    });
  }

  it('every screen event counts as activity: the idle timer starts again', async () => {
    const t = start();
    t.choose();
    advance(t.clock, IDLE - WARN - 1);
    t.send({ type: 'NEXT' }); // notice → form
    advance(t.clock, IDLE - WARN - 1);
    t.send({ type: 'INPUT', key: 'phone', value: '1' });
    advance(t.clock, IDLE - WARN - 1);
    expect(t.session.getSnapshot().context.warningSecondsLeft).toBeNull();
    advance(t.clock, 1);
    expect(t.session.getSnapshot().context.warningSecondsLeft).toBe(10);
    t.send({ type: 'INPUT', key: 'phone', value: '13' });
    expect(t.session.getSnapshot().context.warningSecondsLeft).toBeNull();
    expect(screenOf(t.session.getSnapshot())).toBe('matter');
  });
});

describe('cancel asks once', () => {
  it('cancel opens the confirmation; dismiss goes on where it was; confirm discards and returns to the list', async () => {
    const t = start();
    t.choose();
    t.send({ type: 'NEXT' });
    t.send({ type: 'INPUT', key: 'phone', value: '13900000000' });
    t.session.send({ type: 'CANCEL' });
    expect(t.view()?.confirmCancel).toBe(true);
    t.send({ type: 'INPUT', key: 'phone', value: 'ignored while asking' });
    t.session.send({ type: 'CANCEL_DISMISS' });
    const v = t.view();
    expect(v?.confirmCancel).toBe(false);
    expect(v?.step.kind === 'form' && v.step.fields.find((f) => f.key === 'phone')?.value).toBe('13900000000');
    t.session.send({ type: 'FINISH' }); // the finish control asks the same
    expect(t.view()?.confirmCancel).toBe(true);
    const ref = t.matter() as AnyActorRef;
    t.session.send({ type: 'CANCEL_CONFIRM' });
    expect(screenOf(t.session.getSnapshot())).toBe('welcome');
    expect(t.session.getSnapshot().context.matter).toBeNull();
    expect(ref.getSnapshot().status).toBe('stopped');
    expect(t.emitted).toContainEqual({ type: 'matter.stopped', code: 'TEST-ALL', idempotencyKey: 'KEY-9', submitted: false });
    expect(t.session.getSnapshot().context.citizen).toEqual(citizen);
  });

  it('after the submission, cancel and finish end the session without a rating', async () => {
    const t = start();
    t.choose();
    await t.until(() => t.view()?.step.kind === 'print');
    expect(t.view()?.canCancel).toBe(false);
    t.session.send({ type: 'FINISH' });
    expect(screenOf(t.session.getSnapshot())).toBe('finished');
    expect(t.session.getSnapshot().context.outcome).toEqual({ name: ALL.name, acceptanceNumber: 'T-20250102-000001', rated: false });
    expect(t.fakes.rate.calls).toHaveLength(0);
    expect(t.emitted).toContainEqual({ type: 'matter.stopped', code: 'TEST-ALL', idempotencyKey: 'KEY-9', submitted: true });
  });
});

describe('a whole matter in the session', () => {
  it('runs to the rating, then the goodbye screen says it was rated; the goodbye wipes it', async () => {
    const t = start();
    t.choose();
    expect(screenOf(t.session.getSnapshot())).toBe('matter');
    await t.until(() => screenOf(t.session.getSnapshot()) === 'finished');
    expect(t.session.getSnapshot().context.outcome).toEqual({ name: ALL.name, acceptanceNumber: 'T-20250102-000001', rated: true });
    expect(t.fakes.rate.calls).toHaveLength(1);
    t.session.send({ type: 'CARD_REMOVED' });
    advance(t.clock, 5000);
    expect(screenOf(t.session.getSnapshot())).toBe('attract');
    expect(t.session.getSnapshot().context.outcome).toBeNull();
  });

  it('after printing, the rating comes by itself (simulated clock)', async () => {
    const t = start();
    t.choose();
    await t.until(() => t.view()?.step.kind === 'print' && (t.view()?.step as { phase: string }).phase === 'printed');
    advance(t.clock, 2000);
    expect(t.view()?.step.kind).toBe('review');
  });

  it('a new card in the middle of a matter replaces the session and stops the matter', async () => {
    const t = start();
    t.choose();
    t.send({ type: 'NEXT' });
    const ref = t.matter() as AnyActorRef;
    t.session.send({ type: 'CARD_READ', citizen: { ...citizen, name: '马秀兰' } });
    expect(ref.getSnapshot().status).toBe('stopped');
    expect(screenOf(t.session.getSnapshot())).toBe('welcome');
    expect(t.session.getSnapshot().context.citizen?.name).toBe('马秀兰');
  });

  it('out of service in the middle of a matter stops it', () => {
    const t = start();
    t.choose();
    const ref = t.matter() as AnyActorRef;
    t.session.send({ type: 'OUT_OF_SERVICE', reason: 'disk' });
    expect(ref.getSnapshot().status).toBe('stopped');
    expect(t.session.getSnapshot().context.matter).toBeNull();
  });
});
