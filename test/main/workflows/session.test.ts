import { describe, expect, it } from 'vitest';
import { SimulatedClock, createActor } from 'xstate';
import { screenOf, sessionMachine, type SessionEmitted } from '../../../main/workflows/session.js';

const citizen = { name: '马晓燕', maskedId: '110105********002X', cardType: 'resident' as const, notices: [] };

/** SimulatedClock fires the timers due at the end of one increment; chained timers need steps. */
function advance(clock: SimulatedClock, ms: number): void {
  let left = ms;
  while (left > 0) {
    const step = Math.min(250, left);
    clock.increment(step);
    left -= step;
  }
}

function start(overrides: Partial<{ idleTimeoutMs: number; warningMs: number; goodbyeMs: number }> = {}) {
  const clock = new SimulatedClock();
  const actor = createActor(sessionMachine, {
    clock,
    input: { idleTimeoutMs: 60_000, warningMs: 10_000, goodbyeMs: 5_000, cardRemovedMs: 5_000, attractResetMs: 30_000, defaultLocale: 'zh-CN', defaultVoice: { on: true, volume: 70 }, ...overrides },
  });
  const emitted: SessionEmitted[] = [];
  actor.on('*', (e) => emitted.push(e));
  actor.start();
  return { actor, clock, emitted };
}

describe('session machine', () => {
  it('starts on the attract screen with nobody identified', () => {
    const { actor } = start();
    expect(screenOf(actor.getSnapshot())).toBe('attract');
    expect(actor.getSnapshot().context.citizen).toBeNull();
  });

  it('goes attract → welcome → finished → attract and wipes the citizen', () => {
    const { actor, clock, emitted } = start();
    actor.send({ type: 'CARD_READ', citizen });
    expect(screenOf(actor.getSnapshot())).toBe('welcome');
    expect(actor.getSnapshot().context.citizen).toEqual(citizen);
    actor.send({ type: 'FINISH' });
    expect(screenOf(actor.getSnapshot())).toBe('finished');
    expect(actor.getSnapshot().context.citizen).toEqual(citizen);
    // The citizen takes the card (left on the reader, the reminder stays: session-walkthrough.test.ts).
    actor.send({ type: 'CARD_REMOVED' });
    advance(clock, 4_999);
    expect(screenOf(actor.getSnapshot())).toBe('finished');
    advance(clock, 1);
    expect(screenOf(actor.getSnapshot())).toBe('attract');
    expect(actor.getSnapshot().context.citizen).toBeNull();
    expect(emitted).toEqual([
      { type: 'session.started', serial: 1 },
      { type: 'session.wiped', serial: 1, reason: 'finished' },
    ]);
  });

  it('DISMISS leaves the goodbye screen at once', () => {
    const { actor } = start();
    actor.send({ type: 'CARD_READ', citizen });
    actor.send({ type: 'FINISH' });
    actor.send({ type: 'DISMISS' });
    expect(screenOf(actor.getSnapshot())).toBe('attract');
  });

  it('warns after the idle time, counts down each second, then wipes', () => {
    const { actor, clock, emitted } = start({ idleTimeoutMs: 30_000, warningMs: 5_000 });
    actor.send({ type: 'CARD_READ', citizen });
    advance(clock, 24_999);
    expect(actor.getSnapshot().context.warningSecondsLeft).toBeNull();
    advance(clock, 1);
    expect(actor.getSnapshot().context.warningSecondsLeft).toBe(5);
    advance(clock, 1_000);
    expect(actor.getSnapshot().context.warningSecondsLeft).toBe(4);
    advance(clock, 3_000);
    expect(actor.getSnapshot().context.warningSecondsLeft).toBe(1);
    expect(screenOf(actor.getSnapshot())).toBe('welcome');
    advance(clock, 1_000);
    expect(screenOf(actor.getSnapshot())).toBe('attract');
    expect(actor.getSnapshot().context.citizen).toBeNull();
    expect(emitted.at(-1)).toEqual({ type: 'session.wiped', serial: 1, reason: 'idle' });
  });

  it('activity during the warning dismisses it and restarts the idle timer', () => {
    const { actor, clock } = start({ idleTimeoutMs: 30_000, warningMs: 5_000 });
    actor.send({ type: 'CARD_READ', citizen });
    advance(clock, 27_000);
    expect(actor.getSnapshot().context.warningSecondsLeft).toBe(3);
    actor.send({ type: 'ACTIVITY' });
    expect(actor.getSnapshot().context.warningSecondsLeft).toBeNull();
    advance(clock, 24_999);
    expect(actor.getSnapshot().context.warningSecondsLeft).toBeNull();
    expect(screenOf(actor.getSnapshot())).toBe('welcome');
    advance(clock, 1);
    expect(actor.getSnapshot().context.warningSecondsLeft).toBe(5);
  });

  it('taking the card away is not an error: the session goes on and the view knows', () => {
    const { actor } = start();
    actor.send({ type: 'CARD_READ', citizen });
    expect(actor.getSnapshot().context.cardOnReader).toBe(true);
    actor.send({ type: 'CARD_REMOVED' });
    expect(screenOf(actor.getSnapshot())).toBe('welcome');
    expect(actor.getSnapshot().context.cardOnReader).toBe(false);
  });

  it('a different card during a session replaces it (the first citizen is wiped)', () => {
    const { actor, emitted } = start();
    actor.send({ type: 'CARD_READ', citizen });
    const other = { name: '李明', maskedId: '360426********0071', cardType: 'resident' as const, notices: [] };
    actor.send({ type: 'CARD_READ', citizen: other });
    expect(actor.getSnapshot().context.citizen).toEqual(other);
    expect(emitted.map((e) => e.type)).toEqual(['session.started', 'session.wiped', 'session.started']);
  });

  it('language and display choices hold during a session and are reset by the wipe', () => {
    const { actor, clock } = start();
    actor.send({ type: 'SET_LOCALE', locale: 'en' });
    actor.send({ type: 'SET_DISPLAY', display: { largeText: true, highContrast: true } });
    actor.send({ type: 'CARD_READ', citizen });
    expect(actor.getSnapshot().context.locale).toBe('en');
    actor.send({ type: 'FINISH' });
    // Large text is elder mode: its goodbye is twice as long (session-elder.test.ts).
    advance(clock, 10_000);
    expect(actor.getSnapshot().context.locale).toBe('zh-CN');
    expect(actor.getSnapshot().context.display).toEqual({ largeText: false, highContrast: false });
  });

  it('out of service wipes the session and ignores cards until back in service', () => {
    const { actor } = start();
    actor.send({ type: 'CARD_READ', citizen });
    actor.send({ type: 'OUT_OF_SERVICE', reason: 'database check failed' });
    expect(screenOf(actor.getSnapshot())).toBe('out-of-service');
    expect(actor.getSnapshot().context.citizen).toBeNull();
    actor.send({ type: 'CARD_READ', citizen });
    expect(screenOf(actor.getSnapshot())).toBe('out-of-service');
    actor.send({ type: 'BACK_IN_SERVICE' });
    expect(screenOf(actor.getSnapshot())).toBe('attract');
  });

  it('no idle timer runs on the attract screen', () => {
    const { actor, clock, emitted } = start({ idleTimeoutMs: 10_000, warningMs: 3_000 });
    advance(clock, 60 * 60_000);
    expect(screenOf(actor.getSnapshot())).toBe('attract');
    expect(emitted).toEqual([]);
  });
});
