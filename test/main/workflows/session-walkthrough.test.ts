import type { CaseQueryInput } from '../../../main/workflows/case-query.js';
import { describe, expect, it } from 'vitest';
import { SimulatedClock, createActor, createMachine } from 'xstate';
import { screenOf, sessionMachine, type SessionEmitted, type SessionInput } from '../../../main/workflows/session.js';

/**
 * Issue 12 item 5: the defects of the first walk-through that live in the session machine. Each test
 * failed before its fix (see the commit that added it).
 */

const citizen = { name: '马晓燕', maskedId: '110105********002X', cardType: 'resident' as const, notices: [] };

/** The smallest thing the session can run as a matter (never submitted). */
const tinyMatter = createMachine({ context: { data: { submission: null } }, initial: 'running', states: { running: {} } });

function advance(clock: SimulatedClock, ms: number): void {
  let left = ms;
  while (left > 0) {
    const step = Math.min(250, left);
    clock.increment(step);
    left -= step;
  }
}

function start(overrides: Partial<SessionInput> = {}) {
  const clock = new SimulatedClock();
  const input: SessionInput = {
    idleTimeoutMs: 90_000,
    warningMs: 20_000,
    goodbyeMs: 10_000,
    cardRemovedMs: 5_000,
    attractResetMs: 30_000,
    defaultLocale: 'zh-CN',
    defaultVoice: { on: true, volume: 70 },
    ...overrides,
  };
  const actor = createActor(sessionMachine, { clock, input });
  const emitted: SessionEmitted[] = [];
  actor.on('*', (e) => emitted.push(e));
  actor.start();
  return { actor, clock, emitted };
}

describe('walk-through: the card leaves the reader on the welcome screen', () => {
  it('ends the session cardRemovedMs after the card left (no matter in progress), not after the idle time', () => {
    const { actor, clock, emitted } = start();
    actor.send({ type: 'CARD_READ', citizen });
    advance(clock, 3_000);
    actor.send({ type: 'CARD_REMOVED' });
    // The view knows at once (the welcome screen says the session is ending).
    expect(actor.getSnapshot().context.cardOnReader).toBe(false);
    advance(clock, 4_999);
    expect(screenOf(actor.getSnapshot())).toBe('welcome');
    advance(clock, 1);
    expect(screenOf(actor.getSnapshot())).toBe('attract');
    expect(actor.getSnapshot().context.citizen).toBeNull();
    expect(emitted.at(-1)).toEqual({ type: 'session.wiped', serial: 1, reason: 'card-removed' });
  });

  it('the card put back before the grace ends keeps the citizen at the list', () => {
    const { actor, clock } = start();
    actor.send({ type: 'CARD_READ', citizen });
    actor.send({ type: 'CARD_REMOVED' });
    advance(clock, 2_000);
    actor.send({ type: 'CARD_READ', citizen });
    advance(clock, 10_000);
    expect(screenOf(actor.getSnapshot())).toBe('welcome');
    expect(actor.getSnapshot().context.citizen).toEqual(citizen);
  });

  it('during a matter the card may leave: nothing ends (the matter does not need the card)', () => {
    const { actor, clock } = start();
    actor.send({ type: 'CARD_READ', citizen });
    actor.send({ type: 'START_MATTER', logic: tinyMatter, input: { idempotencyKey: 'k-1', prefill: {} }, code: 'M-1', name: { 'zh-CN': '事项', en: 'Matter' } });
    actor.send({ type: 'CARD_REMOVED' });
    advance(clock, 30_000);
    expect(screenOf(actor.getSnapshot())).toBe('matter');
  });

  it('back on the list after a discarded matter with the card gone: the grace starts again', () => {
    const { actor, clock, emitted } = start();
    actor.send({ type: 'CARD_READ', citizen });
    actor.send({ type: 'START_MATTER', logic: tinyMatter, input: { idempotencyKey: 'k-1', prefill: {} }, code: 'M-1', name: { 'zh-CN': '事项', en: 'Matter' } });
    actor.send({ type: 'CARD_REMOVED' });
    actor.send({ type: 'CANCEL' });
    actor.send({ type: 'CANCEL_CONFIRM' });
    expect(screenOf(actor.getSnapshot())).toBe('welcome');
    advance(clock, 5_000);
    expect(screenOf(actor.getSnapshot())).toBe('attract');
    expect(emitted.at(-1)).toEqual({ type: 'session.wiped', serial: 1, reason: 'card-removed' });
  });
});

describe('the case query: the cardholder\'s cases stay only while the card does', () => {
  const input = { serial: 1, numberPrefix: 'NX-TEST-0001-', numberDigits: 14, qrReader: false, rating: { version: 'v1', reasons: [] } } as unknown as CaseQueryInput;

  it('the card taken away in the query by card ends it cardRemovedMs later, wiping the holder', () => {
    const { actor, clock, emitted } = start();
    actor.send({ type: 'QUERY_OPEN', input });
    actor.send({ type: 'CARD_READ', citizen });
    expect(screenOf(actor.getSnapshot())).toBe('query');
    actor.send({ type: 'CARD_REMOVED' });
    advance(clock, 4_999);
    expect(screenOf(actor.getSnapshot())).toBe('query');
    advance(clock, 1);
    expect(screenOf(actor.getSnapshot())).toBe('attract');
    expect(actor.getSnapshot().context.citizen).toBeNull();
    expect(emitted.at(-1)).toEqual({ type: 'session.wiped', serial: 1, reason: 'card-removed' });
  });

  it('the card put back in time keeps the query; a look-up by number (nobody identified) is not ended by anything but idle', () => {
    const { actor, clock } = start();
    actor.send({ type: 'QUERY_OPEN', input });
    actor.send({ type: 'CARD_READ', citizen });
    actor.send({ type: 'CARD_REMOVED' });
    advance(clock, 3_000);
    actor.send({ type: 'CARD_READ', citizen });
    advance(clock, 10_000);
    expect(screenOf(actor.getSnapshot())).toBe('query');
    actor.send({ type: 'QUERY_CLOSE' });
    actor.send({ type: 'QUERY_OPEN', input });
    actor.send({ type: 'CARD_REMOVED' });
    advance(clock, 10_000);
    expect(screenOf(actor.getSnapshot())).toBe('query');
  });
});

describe('walk-through: the card left on the reader after goodbye', () => {
  it('keeps reminding (screen finished, card on the reader) after the goodbye time, with the citizen wiped', () => {
    const { actor, clock, emitted } = start();
    actor.send({ type: 'CARD_READ', citizen });
    actor.send({ type: 'FINISH' });
    advance(clock, 10_000);
    // The session's data is gone, the reminder stays.
    expect(emitted.at(-1)).toEqual({ type: 'session.wiped', serial: 1, reason: 'finished' });
    expect(actor.getSnapshot().context.citizen).toBeNull();
    advance(clock, 10 * 60_000);
    expect(screenOf(actor.getSnapshot())).toBe('finished');
    expect(actor.getSnapshot().context.cardOnReader).toBe(true);
    actor.send({ type: 'CARD_REMOVED' });
    expect(screenOf(actor.getSnapshot())).toBe('attract');
    expect(emitted.filter((e) => e.type === 'session.wiped')).toHaveLength(1);
  });

  it('the card taken during goodbye: back to the attract screen after the goodbye time', () => {
    const { actor, clock } = start();
    actor.send({ type: 'CARD_READ', citizen });
    actor.send({ type: 'FINISH' });
    actor.send({ type: 'CARD_REMOVED' });
    advance(clock, 10_000);
    expect(screenOf(actor.getSnapshot())).toBe('attract');
  });

  it('a new card on the reader after the reminder starts a new session; the goodbye button leaves the reminder', () => {
    const { actor, clock } = start();
    actor.send({ type: 'CARD_READ', citizen });
    actor.send({ type: 'FINISH' });
    advance(clock, 10_000);
    actor.send({ type: 'DISMISS' });
    expect(screenOf(actor.getSnapshot())).toBe('attract');
    actor.send({ type: 'CARD_READ', citizen });
    expect(screenOf(actor.getSnapshot())).toBe('welcome');
  });
});

describe('walk-through: language and large text chosen on the attract screen', () => {
  it('are reset attractResetMs after the last choice when nobody identified', () => {
    const { actor, clock, emitted } = start();
    actor.send({ type: 'SET_LOCALE', locale: 'en' });
    advance(clock, 20_000);
    actor.send({ type: 'SET_DISPLAY', display: { largeText: false, highContrast: true } });
    advance(clock, 29_999);
    expect(actor.getSnapshot().context.locale).toBe('en');
    expect(actor.getSnapshot().context.display.highContrast).toBe(true);
    advance(clock, 1);
    expect(actor.getSnapshot().context.locale).toBe('zh-CN');
    expect(actor.getSnapshot().context.display).toEqual({ largeText: false, highContrast: false });
    // Nothing of a citizen was there to wipe.
    expect(emitted).toEqual([]);
  });

  it('elder mode chosen on the attract screen waits twice as long for the card before the reset', () => {
    const { actor, clock } = start();
    actor.send({ type: 'SET_DISPLAY', display: { largeText: true, highContrast: false } });
    advance(clock, 59_999);
    expect(actor.getSnapshot().context.display.largeText).toBe(true);
    advance(clock, 1);
    expect(actor.getSnapshot().context.display).toEqual({ largeText: false, highContrast: false });
  });

  it('hold when the citizen identifies before the reset (their choice carries into the session)', () => {
    const { actor, clock } = start();
    actor.send({ type: 'SET_LOCALE', locale: 'en' });
    advance(clock, 10_000);
    actor.send({ type: 'CARD_READ', citizen });
    advance(clock, 60_000);
    expect(actor.getSnapshot().context.locale).toBe('en');
  });

  it('are reset after a session ends by itself too (the goodbye wipe)', () => {
    const { actor, clock } = start();
    actor.send({ type: 'CARD_READ', citizen });
    actor.send({ type: 'SET_LOCALE', locale: 'en' });
    actor.send({ type: 'CARD_REMOVED' });
    actor.send({ type: 'FINISH' });
    advance(clock, 10_000);
    expect(screenOf(actor.getSnapshot())).toBe('attract');
    expect(actor.getSnapshot().context.locale).toBe('zh-CN');
  });
});
