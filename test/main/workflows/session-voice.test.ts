import { describe, expect, it } from 'vitest';
import { SimulatedClock, createActor } from 'xstate';
import { sessionMachine } from '../../../main/workflows/session.js';

const citizen = { name: '马晓燕', maskedId: '110105********002X', cardType: 'resident' as const, notices: [] };

function start(defaultVoice = { on: true, volume: 70 }) {
  const clock = new SimulatedClock();
  const actor = createActor(sessionMachine, { clock, input: { idleTimeoutMs: 60_000, warningMs: 10_000, goodbyeMs: 5_000, cardRemovedMs: 5_000, attractResetMs: 30_000, defaultLocale: 'zh-CN', defaultVoice } });
  actor.start();
  const advance = (ms: number): void => {
    for (let t = 0; t < ms; t += 250) clock.increment(250);
  };
  return { actor, advance };
}

describe('session machine: the voice choice', () => {
  it("starts at the terminal's default, holds through the session, and is reset for the next citizen (finish, idle wipe, a new card)", () => {
    const { actor, advance } = start({ on: false, volume: 60 });
    expect(actor.getSnapshot().context.voice).toEqual({ on: false, volume: 60 });
    actor.send({ type: 'CARD_READ', citizen });
    actor.send({ type: 'SET_VOICE', voice: { on: true, volume: 100 } });
    actor.send({ type: 'ACTIVITY' });
    expect(actor.getSnapshot().context.voice).toEqual({ on: true, volume: 100 });
    actor.send({ type: 'FINISH' });
    advance(5_000);
    expect(actor.getSnapshot().context.voice).toEqual({ on: false, volume: 60 });

    actor.send({ type: 'CARD_READ', citizen });
    actor.send({ type: 'SET_VOICE', voice: { on: true, volume: 20 } });
    advance(60_000); // idle warning, then the wipe
    expect(actor.getSnapshot().context.citizen).toBeNull();
    expect(actor.getSnapshot().context.voice).toEqual({ on: false, volume: 60 });

    actor.send({ type: 'CARD_READ', citizen });
    actor.send({ type: 'SET_VOICE', voice: { on: true, volume: 20 } });
    actor.send({ type: 'CARD_READ', citizen: { ...citizen, name: '李明' } }); // the next citizen's card
    expect(actor.getSnapshot().context.voice).toEqual({ on: false, volume: 60 });
  });
});
