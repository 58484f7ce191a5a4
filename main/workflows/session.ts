import { assign, emit, enqueueActions, fromCallback, raise, sendTo, setup, stopChild, type ActorRefFrom, type AnyActorLogic, type AnyActorRef, type SnapshotFrom } from 'xstate';
import { caseQueryMachine, type CaseQueryEvent, type CaseQueryInput } from './case-query.js';
import type { CitizenView, Display, LocalText, Locale, MatterOutcome, VoiceChoice } from '../contract/index.js';
import type { MatterInput, MatterOutput, MatterSnapshot } from './compile.js';
import type { MatterEvent } from './matter-types.js';

/**
 * The session machine: one citizen at the terminal.
 *
 *   attract ──CARD_READ──▶ identified ──FINISH──▶ finished ──(goodbye | DISMISS)──▶ attract
 *                           ║                             └─(goodbye, card still on the reader)─▶ cardLeft ──CARD_REMOVED──▶ attract
 *                           ║ task.choosing: the card taken away ──(cardRemoved)──▶ wipe ▶ attract
 *                           ║ task:  choosing ──START_MATTER──▶ matter (child actor 'matter')
 *                           ║          ▲   └──────────────── running ──CANCEL──▶ confirmingCancel
 *                           ║          └──────CANCEL_CONFIRM (discarded)─────────────────┘
 *                           ║        matter done (rated or not) / FINISH after submission ──▶ finished
 *                           ║ idle:  active ──(idle)──▶ warning ──(countdown 0)──▶ wipe ▶ attract
 *                           ║          ▲──ACTIVITY / any MATTER event──┘
 *   any ──OUT_OF_SERVICE──▶ outOfService ──BACK_IN_SERVICE──▶ attract
 *   attract ──RESUME (after a crash of the core: the draft's citizen's card is back)──▶ identified.task.matter
 *
 * Elder mode (长辈模式, `display.largeText`) is slower: its idle timeout, warning and goodbye come from
 * `input.elder` (each at least the normal one doubled, see elderTimings); switching it on or off restarts
 * the idle timer with the new delays, and switching it on turns voice guidance on (voiceOnForElder). The
 * wipe resets the display and the voice with the rest, so the next citizen starts normal.
 *
 * The chosen matter runs as a spawned child (its logic, compiled by the core from the catalog,
 * arrives with START_MATTER). Leaving the matter state for any reason (idle wipe, a new card, out
 * of service, cancel, finish) stops the child, which aborts whatever its actors were doing, and
 * emits 'matter.stopped' so the core forgets the matter's data. Cancelling before the submission
 * asks once; after the submission, cancel and finish end the session (no rating is recorded).
 *
 * Pure: no devices, no I/O. Card presence arrives from the invoked `cardReader` actor, which the
 * core provides (machine.provide) and tests replace. The machine holds only the masked citizen view;
 * the full card record stays in the core and is wiped when the machine emits 'session.wiped'.
 */

/** The session's delays in one display mode. */
export interface SessionTimings {
  /** No touch for this long (warning included) wipes the session. */
  idleTimeoutMs: number;
  /** The last part of the idle timeout, shown as a countdown. */
  warningMs: number;
  /** How long the goodbye screen stays. */
  goodbyeMs: number;
}

export interface SessionInput extends SessionTimings {
  /** The card taken away on the matter list (no matter running): the session ends this long after. */
  cardRemovedMs: number;
  /** Language and display chosen on the attract screen by nobody identified are reset after this long without a choice. */
  attractResetMs: number;
  defaultLocale: Locale;
  /** Each citizen's voice guidance to begin with (the profile's voice.defaultOn and volume). */
  defaultVoice: VoiceChoice;
  /** Elder mode's delays; what is left out is the normal one times ELDER_SLOWDOWN. */
  elder?: Partial<SessionTimings>;
}

/** Elder mode gives at least this many times the normal time (the idle timeout at least doubled). */
export const ELDER_SLOWDOWN = 2;

/** Elder mode's delays: the configured ones, or the normal ones times ELDER_SLOWDOWN. */
export function elderTimings(normal: SessionTimings, elder: Partial<SessionTimings> = {}): SessionTimings {
  return {
    idleTimeoutMs: elder.idleTimeoutMs ?? normal.idleTimeoutMs * ELDER_SLOWDOWN,
    warningMs: elder.warningMs ?? normal.warningMs * ELDER_SLOWDOWN,
    goodbyeMs: elder.goodbyeMs ?? normal.goodbyeMs * ELDER_SLOWDOWN,
  };
}

/** The delays that apply now: elder mode's while the display is in elder mode. */
export function timingsOf(context: Pick<SessionContext, 'config' | 'display'>): SessionTimings {
  return context.display.largeText ? elderTimings(context.config, context.config.elder) : context.config;
}

export interface SessionContext {
  config: SessionInput;
  citizen: CitizenView | null;
  cardOnReader: boolean;
  warningSecondsLeft: number | null;
  locale: Locale;
  display: Display;
  voice: VoiceChoice;
  outOfServiceReason: string | null;
  /** Counts sessions; a new identification always starts a new one. */
  sessionSerial: number;
  /** The running matter (a spawned child), or null. */
  matter: RunningMatter | null;
  /** What the goodbye screen says about the matter just finished. */
  outcome: MatterOutcome | null;
  /** A matter interrupted by a crash of the core waits for its citizen's card (the attract screen says so). */
  resumeOffer: { name: LocalText } | null;
  /** What the case query starts with (the core's QUERY_OPEN). */
  queryInput: CaseQueryInput | null;
}

export interface RunningMatter {
  ref: AnyActorRef;
  code: string;
  name: LocalText;
  idempotencyKey: string;
}

export type SessionEvent =
  | { type: 'CARD_READ'; citizen: CitizenView }
  | { type: 'CARD_REMOVED' }
  | { type: 'ACTIVITY' }
  | { type: 'FINISH' }
  | { type: 'DISMISS' }
  | { type: 'SET_LOCALE'; locale: Locale }
  | { type: 'SET_DISPLAY'; display: Display }
  | { type: 'SET_VOICE'; voice: VoiceChoice }
  | { type: 'OUT_OF_SERVICE'; reason: string }
  | { type: 'BACK_IN_SERVICE' }
  /** The core compiled the chosen matter; `logic` is its machine, `input` its key and pre-fill. */
  | { type: 'START_MATTER'; logic: AnyActorLogic; input: MatterInput; code: string; name: LocalText }
  /** A screen event for the running matter (forwarded to its current step). */
  | { type: 'MATTER'; event: MatterEvent }
  | { type: 'CANCEL' }
  | { type: 'CANCEL_CONFIRM' }
  | { type: 'CANCEL_DISMISS' }
  | { type: 'xstate.done.actor.matter'; output: MatterOutput }
  /** Raised by the machine itself when the display mode changed (the idle timer restarts with its delays). */
  | { type: 'DISPLAY_CHANGED'; elderBefore: boolean }
  /** The core found a draft of an interrupted matter: the attract screen asks for the card to continue it. */
  | { type: 'RESUME_OFFER'; name: LocalText }
  | { type: 'RESUME_WITHDRAWN' }
  /**
   * The card of the interrupted matter's citizen is back: the session starts on the matter, whose `logic`
   * restores the matter's saved snapshot (the core builds it), with the citizen's language and display.
   */
  | { type: 'RESUME'; citizen: CitizenView; locale: Locale; display: Display; voice?: VoiceChoice; logic: AnyActorLogic; input: MatterInput; code: string; name: LocalText }
  /** The case query (查询办件) from the attract screen; its screen events; leaving it. */
  | { type: 'QUERY_OPEN'; input: CaseQueryInput }
  | { type: 'QUERY'; event: CaseQueryEvent }
  | { type: 'QUERY_CLOSE' };

export type SessionEmitted =
  | { type: 'session.started'; serial: number }
  | { type: 'session.wiped'; serial: number; reason: 'idle' | 'finished' | 'replaced' | 'out-of-service' | 'card-removed' }
  /** The matter child is stopped (for any reason): the core forgets its data; `submitted` says whether it reached the outbox. */
  | { type: 'matter.stopped'; code: string; idempotencyKey: string; submitted: boolean };

/** The running matter's snapshot (the child is a compiled matter machine). */
function matterSnapshot(m: RunningMatter | null): MatterSnapshot | null {
  return m === null ? null : (m.ref.getSnapshot() as MatterSnapshot);
}

function submittedOf(m: RunningMatter | null): boolean {
  const s = matterSnapshot(m);
  return s !== null && s.context.data.submission !== null;
}

const DEFAULT_DISPLAY: Display = { largeText: false, highContrast: false };

/** Every event a person causes on the screen restarts the idle timer. */
const ACTIVITY_EVENTS = ['ACTIVITY', 'MATTER', 'START_MATTER', 'CANCEL', 'CANCEL_CONFIRM', 'CANCEL_DISMISS', 'QUERY'] as const;
function activityRestarts<T>(transition: T): Record<(typeof ACTIVITY_EVENTS)[number], T> {
  return Object.fromEntries(ACTIVITY_EVENTS.map((e) => [e, transition])) as Record<(typeof ACTIVITY_EVENTS)[number], T>;
}

/** The idle region on a display change: the timer restarts with the new mode's delays; entering elder mode turns voice on. */
function displayRestarts(reenter: boolean) {
  return [
    { guard: 'elderModeEntered' as const, target: 'active' as const, reenter, actions: ['clearWarning' as const, 'voiceOnForElder' as const] },
    { target: 'active' as const, reenter, actions: 'clearWarning' as const },
  ];
}

/**
 * The inactivity timer of a session (identified) and of the case query: activity restarts it by re-entering
 * `active` (its parent is a region of a parallel state: a transition that re-entered the region itself would exit
 * the whole state); the warning counts down each second, then the session is wiped. A display change restarts it
 * with the new mode's delays (elder mode: slower); this region takes the event, so the root's handler does not
 * run here: the voice hook is in displayRestarts too.
 */
const IDLE_STATES = {
  active: {
    on: {
      ...activityRestarts({ target: 'active', reenter: true, actions: 'clearWarning' } as const),
      DISPLAY_CHANGED: displayRestarts(true),
    },
    after: { idleBeforeWarning: { target: 'warning', actions: 'startWarning' } },
  },
  warning: {
    on: {
      ...activityRestarts({ target: 'active', actions: 'clearWarning' } as const),
      DISPLAY_CHANGED: displayRestarts(false),
    },
    after: {
      countdownTick: [
        { guard: 'lastSecond', target: '#session.inService.attract', actions: ['announceIdleWipe', 'wipe'] },
        { target: 'warning', reenter: true, actions: 'countDown' },
      ],
    },
  },
} as const;

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
    /** The case query; the core provides it with its look-up, reprint and rating actors. */
    caseQuery: caseQueryMachine,
  },
  delays: {
    idleBeforeWarning: ({ context }) => timingsOf(context).idleTimeoutMs - timingsOf(context).warningMs,
    goodbye: ({ context }) => timingsOf(context).goodbyeMs,
    cardRemoved: ({ context }) => context.config.cardRemovedMs,
    // Elder mode chosen on the attract screen waits longer for the card too (finding it takes an elder longer).
    attractReset: ({ context }) => context.config.attractResetMs * (context.display.largeText ? ELDER_SLOWDOWN : 1),
    countdownTick: 1000,
  },
  guards: {
    lastSecond: ({ context }) => (context.warningSecondsLeft ?? 0) <= 1,
    matterSubmitted: ({ context }) => submittedOf(context.matter),
    elderModeEntered: ({ context, event }) => event.type === 'DISPLAY_CHANGED' && !event.elderBefore && context.display.largeText,
    cardAway: ({ context }) => !context.cardOnReader,
    someoneIdentified: ({ context }) => context.citizen !== null,
    holderAway: ({ context }) => context.citizen !== null && !context.cardOnReader,
    cardStays: ({ context }) => context.cardOnReader,
    choicesChanged: ({ context }) =>
      context.locale !== context.config.defaultLocale ||
      JSON.stringify(context.display) !== JSON.stringify(DEFAULT_DISPLAY) ||
      JSON.stringify(context.voice) !== JSON.stringify(context.config.defaultVoice),
  },
  actions: {
    identify: assign(({ context, event }) => {
      if (event.type !== 'CARD_READ' && event.type !== 'RESUME') return {};
      return { citizen: event.citizen, cardOnReader: true, warningSecondsLeft: null, sessionSerial: context.sessionSerial + 1, resumeOffer: null };
    }),
    /** The resumed citizen's language and display, as they had set them. */
    restoreChoices: assign(({ event }) => (event.type === 'RESUME' ? { locale: event.locale, display: event.display, ...(event.voice ? { voice: event.voice } : {}) } : {})),
    offerResume: assign(({ event }) => (event.type === 'RESUME_OFFER' ? { resumeOffer: { name: event.name } } : {})),
    withdrawResume: assign({ resumeOffer: null }),
    openQuery: assign(({ event }) => (event.type === 'QUERY_OPEN' ? { queryInput: event.input, outcome: null } : {})),
    forwardToQuery: sendTo('query', ({ event }) => (event.type === 'QUERY' ? event.event : { type: 'IGNORED' })),
    cardToQuery: sendTo('query', ({ event }) => (event.type === 'CARD_READ' ? { type: 'BY_CARD' as const, holderName: event.citizen.name } : { type: 'IGNORED' })),
    /** Leaving the query: the cardholder's session (if a card was read there) is wiped. */
    announceQueryEnd: enqueueActions(({ context, enqueue }) => {
      if (context.citizen !== null) enqueue.emit({ type: 'session.wiped' as const, serial: context.sessionSerial, reason: 'finished' as const });
    }),
    announceStart: emit(({ context }) => ({ type: 'session.started' as const, serial: context.sessionSerial })),
    markCardRemoved: assign({ cardOnReader: false }),
    startWarning: assign(({ context }) => ({ warningSecondsLeft: Math.max(1, Math.ceil(timingsOf(context).warningMs / 1000)) })),
    countDown: assign(({ context }) => ({ warningSecondsLeft: Math.max(0, (context.warningSecondsLeft ?? 1) - 1) })),
    clearWarning: assign({ warningSecondsLeft: null }),
    setLocale: assign(({ event }) => (event.type === 'SET_LOCALE' ? { locale: event.locale } : {})),
    setDisplay: assign(({ event }) => (event.type === 'SET_DISPLAY' ? { display: event.display } : {})),
    setVoice: assign(({ event }) => (event.type === 'SET_VOICE' ? { voice: event.voice } : {})),
    /** Tells the rest of the machine the display changed (raised before setDisplay runs: it carries the mode before). */
    announceDisplay: raise(({ context }) => ({ type: 'DISPLAY_CHANGED' as const, elderBefore: context.display.largeText })),
    /** Elder mode turns voice guidance on (the citizen can turn it off again; the volume stays as chosen). */
    voiceOnForElder: assign(({ context }) => ({ voice: { ...context.voice, on: true } })),
    setOutOfService: assign(({ event }) => (event.type === 'OUT_OF_SERVICE' ? { outOfServiceReason: event.reason } : {})),
    clearOutOfService: assign({ outOfServiceReason: null }),
    /** Forgets everything about the citizen, including their language, display and voice choices. */
    wipe: assign(({ context }) => ({
      citizen: null,
      warningSecondsLeft: null,
      locale: context.config.defaultLocale,
      display: DEFAULT_DISPLAY,
      voice: context.config.defaultVoice,
      outcome: null,
    })),
    spawnMatter: assign(({ event, spawn }) => {
      if (event.type !== 'START_MATTER' && event.type !== 'RESUME') return {};
      // xstate's types allow an id only for logic named in setup(); the runtime takes it for any logic,
      // and the id is what stopChild('matter') and 'xstate.done.actor.matter' refer to.
      const spawnWithId = spawn as unknown as (logic: AnyActorLogic, options: { id: string; input: MatterInput }) => AnyActorRef;
      const ref = spawnWithId(event.logic, { id: 'matter', input: event.input });
      return { matter: { ref, code: event.code, name: event.name, idempotencyKey: event.input.idempotencyKey }, outcome: null };
    }),
    forwardToMatter: sendTo(({ context }) => context.matter?.ref as AnyActorRef, ({ event }) => (event.type === 'MATTER' ? event.event : { type: 'IGNORED' })),
    announceMatterStopped: emit(({ context }) => ({
      type: 'matter.stopped' as const,
      code: context.matter?.code ?? '',
      idempotencyKey: context.matter?.idempotencyKey ?? '',
      submitted: submittedOf(context.matter),
    })),
    stopMatter: stopChild('matter'),
    forgetMatter: assign({ matter: null }),
    /** The goodbye screen's words about the matter (only when it was submitted). */
    recordOutcome: assign(({ context, event }) => {
      const m = context.matter;
      const s = matterSnapshot(m);
      const submission = event.type === 'xstate.done.actor.matter' ? event.output.submission : (s?.context.data.submission ?? null);
      const rated = event.type === 'xstate.done.actor.matter' ? event.output.rated : false;
      return { outcome: m && submission ? { name: m.name, acceptanceNumber: submission.acceptanceNumber, rated } : null };
    }),
    announceIdleWipe: emit(({ context }) => ({ type: 'session.wiped' as const, serial: context.sessionSerial, reason: 'idle' as const })),
    announceFinishedWipe: emit(({ context }) => ({ type: 'session.wiped' as const, serial: context.sessionSerial, reason: 'finished' as const })),
    announceReplacedWipe: emit(({ context }) => ({ type: 'session.wiped' as const, serial: context.sessionSerial, reason: 'replaced' as const })),
    announceServiceWipe: emit(({ context }) => ({ type: 'session.wiped' as const, serial: context.sessionSerial, reason: 'out-of-service' as const })),
    announceCardRemovedWipe: emit(({ context }) => ({ type: 'session.wiped' as const, serial: context.sessionSerial, reason: 'card-removed' as const })),
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
    voice: input.defaultVoice,
    outOfServiceReason: null,
    sessionSerial: 0,
    matter: null,
    outcome: null,
    resumeOffer: null,
    queryInput: null,
  }),
  invoke: { id: 'cardReader', src: 'cardReader' },
  on: {
    SET_LOCALE: { actions: 'setLocale' },
    SET_DISPLAY: { actions: ['announceDisplay', 'setDisplay'] },
    DISPLAY_CHANGED: { guard: 'elderModeEntered', actions: 'voiceOnForElder' },
    SET_VOICE: { actions: 'setVoice' },
    RESUME_OFFER: { actions: 'offerResume' },
    RESUME_WITHDRAWN: { actions: 'withdrawResume' },
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
          // Choices made here by nobody identified are not left for the next person (the wipe resets them).
          after: { attractReset: { guard: 'choicesChanged', actions: 'wipe' } },
          on: {
            CARD_READ: { target: 'identified', actions: ['identify', 'announceStart'] },
            // Only from here: a restarted core starts on the attract screen.
            RESUME: { target: '#session.inService.identified.task.matter', actions: ['identify', 'restoreChoices', 'announceStart', 'spawnMatter'] },
            QUERY_OPEN: { target: 'query', actions: 'openQuery' },
            CARD_REMOVED: { actions: 'markCardRemoved' },
            SET_LOCALE: { target: 'attract', reenter: true, actions: 'setLocale' },
            SET_DISPLAY: { target: 'attract', reenter: true, actions: ['announceDisplay', 'setDisplay'] },
            SET_VOICE: { target: 'attract', reenter: true, actions: 'setVoice' },
            ACTIVITY: { target: 'attract', reenter: true },
          },
        },
        identified: {
          type: 'parallel',
          on: {
            CARD_REMOVED: { actions: 'markCardRemoved' },
            CARD_READ: { target: 'identified', reenter: true, actions: ['announceReplacedWipe', 'wipe', 'identify', 'announceStart'] },
          },
          states: {
            // The task region comes first: its transitions that leave the session win over the idle
            // region's timer restart (SCXML conflict resolution keeps the earlier one).
            task: {
              initial: 'choosing',
              states: {
                choosing: {
                  // Without a matter the card is the session: taken away, the session ends soon after.
                  initial: 'card',
                  on: {
                    START_MATTER: { target: 'matter', actions: 'spawnMatter' },
                    FINISH: { target: '#session.inService.finished', actions: 'clearWarning' },
                  },
                  states: {
                    card: {
                      always: { guard: 'cardAway', target: 'cardGone' },
                      on: { CARD_REMOVED: { target: 'cardGone', actions: 'markCardRemoved' } },
                    },
                    cardGone: {
                      after: { cardRemoved: { target: '#session.inService.attract', actions: ['announceCardRemovedWipe', 'wipe'] } },
                    },
                  },
                },
                matter: {
                  initial: 'running',
                  // Exit actions run before the transition's own: the outcome is taken while the matter is still known.
                  exit: ['recordOutcome', 'announceMatterStopped', 'stopMatter', 'forgetMatter'],
                  on: {
                    'xstate.done.actor.matter': { target: '#session.inService.finished', actions: 'clearWarning' },
                  },
                  states: {
                    running: {
                      on: {
                        MATTER: { actions: 'forwardToMatter' },
                        CANCEL: [{ guard: 'matterSubmitted', target: '#session.inService.finished', actions: 'clearWarning' }, { target: 'confirmingCancel' }],
                        FINISH: [{ guard: 'matterSubmitted', target: '#session.inService.finished', actions: 'clearWarning' }, { target: 'confirmingCancel' }],
                      },
                    },
                    confirmingCancel: {
                      on: {
                        CANCEL_CONFIRM: { target: '#session.inService.identified.task.choosing' },
                        CANCEL_DISMISS: { target: 'running' },
                      },
                    },
                  },
                },
              },
            },
            idle: { initial: 'active', states: IDLE_STATES },
          },
        },
        query: {
          // The case query runs as the invoked child 'query'; a card read here is the query's, and its holder's session.
          type: 'parallel',
          on: {
            QUERY_CLOSE: { target: 'attract', actions: ['announceQueryEnd', 'wipe'] },
            CARD_READ: [
              { guard: 'someoneIdentified', actions: ['announceReplacedWipe', 'identify', 'announceStart', 'cardToQuery'] },
              { actions: ['identify', 'announceStart', 'cardToQuery'] },
            ],
            CARD_REMOVED: { actions: 'markCardRemoved' },
          },
          states: {
            task: {
              invoke: { id: 'query', src: 'caseQuery', input: ({ context }: { context: SessionContext }) => context.queryInput as CaseQueryInput },
              on: { QUERY: { actions: 'forwardToQuery' } },
            },
            idle: { initial: 'active', states: IDLE_STATES },
            // The cardholder's own cases stay on screen only while their card does: taken away, the query ends
            // cardRemovedMs later, as on the matter list (a look-up by number has nobody identified: not affected).
            holder: {
              initial: 'watching',
              states: {
                watching: { always: { guard: 'holderAway', target: 'away' } },
                away: {
                  always: { guard: 'cardStays', target: 'watching' },
                  after: { cardRemoved: { target: '#session.inService.attract', actions: ['announceCardRemovedWipe', 'wipe'] } },
                },
              },
            },
          },
        },
        finished: {
          after: {
            goodbye: [
              // The card still on the reader: the citizen's data goes, the reminder stays until the card does.
              { guard: 'cardStays', target: 'cardLeft', actions: ['announceFinishedWipe', 'wipe'] },
              { target: 'attract', actions: ['announceFinishedWipe', 'wipe'] },
            ],
          },
          on: {
            DISMISS: { target: 'attract', actions: ['announceFinishedWipe', 'wipe'] },
            CARD_REMOVED: { actions: 'markCardRemoved' },
            CARD_READ: { target: 'identified', actions: ['announceFinishedWipe', 'wipe', 'identify', 'announceStart'] },
          },
        },
        /** After goodbye, nobody's session: only the card reminder, for as long as the card sits on the reader. */
        cardLeft: {
          on: {
            CARD_REMOVED: { target: 'attract', actions: 'markCardRemoved' },
            DISMISS: { target: 'attract' },
            CARD_READ: { target: 'identified', actions: ['identify', 'announceStart'] },
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
export function screenOf(s: SessionSnapshot): 'attract' | 'welcome' | 'matter' | 'finished' | 'out-of-service' | 'query' {
  if (s.matches('outOfService')) return 'out-of-service';
  if (s.matches({ inService: 'query' })) return 'query';
  if (s.matches({ inService: { identified: { task: 'matter' } } })) return 'matter';
  if (s.matches({ inService: 'identified' })) return 'welcome';
  if (s.matches({ inService: 'finished' }) || s.matches({ inService: 'cardLeft' })) return 'finished';
  return 'attract';
}

/** The cancel confirmation is open. */
export function confirmingCancel(s: SessionSnapshot): boolean {
  return s.matches({ inService: { identified: { task: { matter: 'confirmingCancel' } } } });
}
