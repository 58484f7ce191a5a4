import { assign, emit, fromCallback, setup, type ActorRefFrom, type SnapshotFrom } from 'xstate';
import type { CitizenView, Display, Locale } from '../contract/index.js';

/**
 * The session machine: one citizen at the terminal.
 *
 *   attract ──CARD_READ──▶ identified ──FINISH──▶ finished ──(goodbye | DISMISS)──▶ attract
 *                           │  active ──(idle)──▶ warning ──(countdown 0)──▶ wipe ▶ attract
 *                           │     ▲──────ACTIVITY─────┘
 *   any ──OUT_OF_SERVICE──▶ outOfService ──BACK_IN_SERVICE──▶ attract
 *
 * Pure: no devices, no I/O. Card presence arrives from the invoked `cardReader` actor, which the
 * core provides (machine.provide) and tests replace. The machine holds only the masked citizen view;
 * the full card record stays in the core and is wiped when the machine emits 'session.wiped'.
 */

export interface SessionInput {
  idleTimeoutMs: number;
  warningMs: number;
  goodbyeMs: number;
  defaultLocale: Locale;
}

export interface SessionContext {
  config: SessionInput;
  citizen: CitizenView | null;
  cardOnReader: boolean;
  warningSecondsLeft: number | null;
  locale: Locale;
  display: Display;
  outOfServiceReason: string | null;
  /** Counts sessions; a new identification always starts a new one. */
  sessionSerial: number;
}

export type SessionEvent =
  | { type: 'CARD_READ'; citizen: CitizenView }
  | { type: 'CARD_REMOVED' }
  | { type: 'ACTIVITY' }
  | { type: 'FINISH' }
  | { type: 'DISMISS' }
  | { type: 'SET_LOCALE'; locale: Locale }
  | { type: 'SET_DISPLAY'; display: Display }
  | { type: 'OUT_OF_SERVICE'; reason: string }
  | { type: 'BACK_IN_SERVICE' };

export type SessionEmitted =
  | { type: 'session.started'; serial: number }
  | { type: 'session.wiped'; serial: number; reason: 'idle' | 'finished' | 'replaced' | 'out-of-service' };

const DEFAULT_DISPLAY: Display = { largeText: false, highContrast: false };

export const sessionMachine = setup({
  types: {
    input: {} as SessionInput,
    context: {} as SessionContext,
    events: {} as SessionEvent,
    emitted: {} as SessionEmitted,
  },
  actors: {
    /** Card presence; the core provides the real one (reader.onCard / onRemoved → sendBack). */
    cardReader: fromCallback<SessionEvent>(() => () => undefined),
  },
  delays: {
    idleBeforeWarning: ({ context }) => context.config.idleTimeoutMs - context.config.warningMs,
    goodbye: ({ context }) => context.config.goodbyeMs,
    countdownTick: 1000,
  },
  guards: {
    lastSecond: ({ context }) => (context.warningSecondsLeft ?? 0) <= 1,
  },
  actions: {
    identify: assign(({ context, event }) => {
      if (event.type !== 'CARD_READ') return {};
      return { citizen: event.citizen, cardOnReader: true, warningSecondsLeft: null, sessionSerial: context.sessionSerial + 1 };
    }),
    announceStart: emit(({ context }) => ({ type: 'session.started' as const, serial: context.sessionSerial })),
    markCardRemoved: assign({ cardOnReader: false }),
    startWarning: assign(({ context }) => ({ warningSecondsLeft: Math.max(1, Math.ceil(context.config.warningMs / 1000)) })),
    countDown: assign(({ context }) => ({ warningSecondsLeft: Math.max(0, (context.warningSecondsLeft ?? 1) - 1) })),
    clearWarning: assign({ warningSecondsLeft: null }),
    setLocale: assign(({ event }) => (event.type === 'SET_LOCALE' ? { locale: event.locale } : {})),
    setDisplay: assign(({ event }) => (event.type === 'SET_DISPLAY' ? { display: event.display } : {})),
    setOutOfService: assign(({ event }) => (event.type === 'OUT_OF_SERVICE' ? { outOfServiceReason: event.reason } : {})),
    clearOutOfService: assign({ outOfServiceReason: null }),
    /** Forgets everything about the citizen, including their language and display choices. */
    wipe: assign(({ context }) => ({
      citizen: null,
      warningSecondsLeft: null,
      locale: context.config.defaultLocale,
      display: DEFAULT_DISPLAY,
    })),
    announceIdleWipe: emit(({ context }) => ({ type: 'session.wiped' as const, serial: context.sessionSerial, reason: 'idle' as const })),
    announceFinishedWipe: emit(({ context }) => ({ type: 'session.wiped' as const, serial: context.sessionSerial, reason: 'finished' as const })),
    announceReplacedWipe: emit(({ context }) => ({ type: 'session.wiped' as const, serial: context.sessionSerial, reason: 'replaced' as const })),
    announceServiceWipe: emit(({ context }) => ({ type: 'session.wiped' as const, serial: context.sessionSerial, reason: 'out-of-service' as const })),
  },
}).createMachine({
  id: 'session',
  context: ({ input }) => ({
    config: input,
    citizen: null,
    cardOnReader: false,
    warningSecondsLeft: null,
    locale: input.defaultLocale,
    display: DEFAULT_DISPLAY,
    outOfServiceReason: null,
    sessionSerial: 0,
  }),
  invoke: { id: 'cardReader', src: 'cardReader' },
  on: {
    SET_LOCALE: { actions: 'setLocale' },
    SET_DISPLAY: { actions: 'setDisplay' },
  },
  initial: 'inService',
  states: {
    inService: {
      initial: 'attract',
      on: {
        OUT_OF_SERVICE: { target: 'outOfService', actions: ['announceServiceWipe', 'wipe', 'setOutOfService'] },
      },
      states: {
        attract: {
          on: {
            CARD_READ: { target: 'identified', actions: ['identify', 'announceStart'] },
            CARD_REMOVED: { actions: 'markCardRemoved' },
          },
        },
        identified: {
          initial: 'active',
          on: {
            ACTIVITY: { target: '.active', reenter: true, actions: 'clearWarning' },
            FINISH: { target: 'finished', actions: 'clearWarning' },
            CARD_REMOVED: { actions: 'markCardRemoved' },
            CARD_READ: { target: 'identified', reenter: true, actions: ['announceReplacedWipe', 'wipe', 'identify', 'announceStart'] },
          },
          states: {
            active: {
              after: { idleBeforeWarning: { target: 'warning', actions: 'startWarning' } },
            },
            warning: {
              after: {
                countdownTick: [
                  { guard: 'lastSecond', target: '#session.inService.attract', actions: ['announceIdleWipe', 'wipe'] },
                  { target: 'warning', reenter: true, actions: 'countDown' },
                ],
              },
            },
          },
        },
        finished: {
          after: { goodbye: { target: 'attract', actions: ['announceFinishedWipe', 'wipe'] } },
          on: {
            DISMISS: { target: 'attract', actions: ['announceFinishedWipe', 'wipe'] },
            CARD_REMOVED: { actions: 'markCardRemoved' },
            CARD_READ: { target: 'identified', actions: ['announceFinishedWipe', 'wipe', 'identify', 'announceStart'] },
          },
        },
      },
    },
    outOfService: {
      on: {
        BACK_IN_SERVICE: { target: 'inService', actions: 'clearOutOfService' },
        CARD_REMOVED: { actions: 'markCardRemoved' },
      },
    },
  },
});

export type SessionActor = ActorRefFrom<typeof sessionMachine>;
export type SessionSnapshot = SnapshotFrom<typeof sessionMachine>;

/** The screen a snapshot shows. */
export function screenOf(s: SessionSnapshot): 'attract' | 'welcome' | 'finished' | 'out-of-service' {
  if (s.matches('outOfService')) return 'out-of-service';
  if (s.matches({ inService: 'identified' })) return 'welcome';
  if (s.matches({ inService: 'finished' })) return 'finished';
  return 'attract';
}
