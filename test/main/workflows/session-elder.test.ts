/**
 * Elder mode (长辈模式) in the session machine, on a simulated clock: its own slower delays (the idle
 * timeout at least doubled, a longer warning and goodbye), a switch mid-session restarting the idle timer
 * with the new mode's delays, voice guidance turned on when elder mode is switched on, and the wipe
 * leaving the next citizen in the normal mode with the terminal's voice default.
 */
import { describe, expect, it } from 'vitest';
import { SimulatedClock, createActor } from 'xstate';
import { ELDER_SLOWDOWN, elderTimings, screenOf, sessionMachine, timingsOf, type SessionEmitted, type SessionInput } from '../../../main/workflows/session.js';

const citizen = { name: '马晓燕', maskedId: '110105********002X', cardType: 'resident' as const, notices: [] };
const ELDER = { largeText: true, highContrast: false };
const NORMAL = { largeText: false, highContrast: false };

function advance(clock: SimulatedClock, ms: number): void {
  for (let left = ms; left > 0; left -= 250) clock.increment(Math.min(250, left));
}

function start(input: Partial<SessionInput> = {}) {
  const clock = new SimulatedClock();
  const actor = createActor(sessionMachine, {
    clock,
    input: { idleTimeoutMs: 60_000, warningMs: 10_000, goodbyeMs: 5_000, cardRemovedMs: 5_000, attractResetMs: 600_000, defaultLocale: 'zh-CN', defaultVoice: { on: false, volume: 40 }, ...input },
  });
  const emitted: SessionEmitted[] = [];
  actor.on('*', (e) => emitted.push(e));
  actor.start();
  const warning = () => actor.getSnapshot().context.warningSecondsLeft;
  return { actor, clock, emitted, warning, screen: () => screenOf(actor.getSnapshot()) };
}

describe('elder mode timings', () => {
  it('doubles what the profile leaves out and keeps what it sets', () => {
    const normal = { idleTimeoutMs: 90_000, warningMs: 20_000, goodbyeMs: 10_000 };
    expect(ELDER_SLOWDOWN).toBeGreaterThanOrEqual(2);
    expect(elderTimings(normal)).toEqual({ idleTimeoutMs: 180_000, warningMs: 40_000, goodbyeMs: 20_000 });
    expect(elderTimings(normal, { idleTimeoutMs: 300_000 })).toEqual({ idleTimeoutMs: 300_000, warningMs: 40_000, goodbyeMs: 20_000 });
    const config = { ...normal, cardRemovedMs: 5_000, attractResetMs: 30_000, defaultLocale: 'zh-CN' as const, defaultVoice: { on: false, volume: 40 } };
    expect(timingsOf({ config, display: NORMAL })).toBe(config);
    expect(timingsOf({ config, display: { largeText: false, highContrast: true } })).toBe(config);
    expect(timingsOf({ config, display: ELDER }).idleTimeoutMs).toBe(180_000);
  });

  it('elder mode chosen on the attract screen: no warning at the normal timeout, the longer warning at twice it', () => {
    const { actor, clock, warning, screen, emitted } = start();
    actor.send({ type: 'SET_DISPLAY', display: ELDER });
    actor.send({ type: 'CARD_READ', citizen });
    advance(clock, 60_000);
    expect(warning()).toBeNull();
    expect(screen()).toBe('welcome');
    // 120 s in all, the last 20 s of them the countdown.
    advance(clock, 100_000 - 60_000 - 1);
    expect(warning()).toBeNull();
    advance(clock, 1);
    expect(warning()).toBe(20);
    advance(clock, 19_000);
    expect(warning()).toBe(1);
    expect(screen()).toBe('welcome');
    advance(clock, 1_000);
    expect(screen()).toBe('attract');
    expect(emitted.at(-1)).toEqual({ type: 'session.wiped', serial: 1, reason: 'idle' });
    // The next citizen starts in the normal mode, with the normal delays.
    expect(actor.getSnapshot().context.display).toEqual(NORMAL);
    actor.send({ type: 'CARD_READ', citizen });
    advance(clock, 50_000);
    expect(warning()).toBe(10);
  });

  it('the profile’s own elder delays are used', () => {
    const { actor, clock, warning } = start({ elder: { idleTimeoutMs: 300_000, warningMs: 45_000 } });
    actor.send({ type: 'CARD_READ', citizen });
    actor.send({ type: 'SET_DISPLAY', display: ELDER });
    advance(clock, 255_000 - 1);
    expect(warning()).toBeNull();
    advance(clock, 1);
    expect(warning()).toBe(45);
  });

  it('switching elder mode on in the middle of a session restarts the idle timer with the slower delays', () => {
    const { actor, clock, warning } = start();
    actor.send({ type: 'CARD_READ', citizen });
    advance(clock, 45_000);
    actor.send({ type: 'SET_DISPLAY', display: ELDER });
    advance(clock, 99_999);
    expect(warning()).toBeNull();
    advance(clock, 1);
    expect(warning()).toBe(20);
  });

  it('switching it on during the countdown ends the countdown (it was a touch) and gives the elder delays', () => {
    const { actor, clock, warning } = start();
    actor.send({ type: 'CARD_READ', citizen });
    advance(clock, 55_000);
    expect(warning()).toBe(5);
    actor.send({ type: 'SET_DISPLAY', display: ELDER });
    expect(warning()).toBeNull();
    advance(clock, 100_000);
    expect(warning()).toBe(20);
  });

  it('switching elder mode off goes back to the normal delays', () => {
    const { actor, clock, warning } = start();
    actor.send({ type: 'SET_DISPLAY', display: ELDER });
    actor.send({ type: 'CARD_READ', citizen });
    advance(clock, 30_000);
    actor.send({ type: 'SET_DISPLAY', display: NORMAL });
    advance(clock, 49_999);
    expect(warning()).toBeNull();
    advance(clock, 1);
    expect(warning()).toBe(10);
  });

  it('high contrast alone is not elder mode: normal delays, voice untouched', () => {
    const { actor, clock, warning } = start();
    actor.send({ type: 'CARD_READ', citizen });
    actor.send({ type: 'SET_DISPLAY', display: { largeText: false, highContrast: true } });
    expect(actor.getSnapshot().context.display.highContrast).toBe(true);
    advance(clock, 50_000);
    expect(warning()).toBe(10);
    expect(actor.getSnapshot().context.voice.on).toBe(false);
  });

  it('the goodbye screen stays twice as long in elder mode', () => {
    const { actor, clock, screen } = start();
    actor.send({ type: 'CARD_READ', citizen });
    actor.send({ type: 'SET_DISPLAY', display: ELDER });
    actor.send({ type: 'CARD_REMOVED' }); // a card left on the reader keeps the reminder until it is taken
    actor.send({ type: 'FINISH' });
    advance(clock, 9_999);
    expect(screen()).toBe('finished');
    advance(clock, 1);
    expect(screen()).toBe('attract');
    expect(actor.getSnapshot().context.display).toEqual(NORMAL);
  });

  it('switching elder mode on turns voice guidance on (the volume kept), on any screen; the citizen may turn it off; the wipe resets it', () => {
    const { actor, clock } = start();
    const voice = () => actor.getSnapshot().context.voice;
    actor.send({ type: 'SET_VOICE', voice: { on: false, volume: 80 } });
    actor.send({ type: 'SET_DISPLAY', display: ELDER });
    expect(voice()).toEqual({ on: true, volume: 80 });
    // Turned off by the citizen: adding high contrast to elder mode does not turn it on again.
    actor.send({ type: 'SET_VOICE', voice: { on: false, volume: 80 } });
    actor.send({ type: 'SET_DISPLAY', display: { largeText: true, highContrast: true } });
    expect(voice().on).toBe(false);
    actor.send({ type: 'CARD_READ', citizen });
    actor.send({ type: 'SET_DISPLAY', display: NORMAL });
    expect(voice().on).toBe(false);
    // In the middle of a session (the parallel state, whose idle region takes the event) as well.
    actor.send({ type: 'SET_DISPLAY', display: ELDER });
    expect(voice().on).toBe(true);
    actor.send({ type: 'CARD_REMOVED' });
    actor.send({ type: 'FINISH' });
    advance(clock, 10_000);
    expect(screenOf(actor.getSnapshot())).toBe('attract');
    expect(voice()).toEqual({ on: false, volume: 40 });
    expect(actor.getSnapshot().context.display).toEqual(NORMAL);
  });
});
