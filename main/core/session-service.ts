import { createActor, fromCallback, fromPromise, type ActorOptions, type AnyActorLogic, type AnyActorRef } from 'xstate';

/** The clock xstate schedules with; tests pass a SimulatedClock. */
export type SessionClock = NonNullable<ActorOptions<AnyActorLogic>['clock']>;
import type { Logger } from 'pino';
import type { IdCardReader, IdentityRecord } from '../../drivers/id-card/types.js';
import { Emitter } from '../../drivers/device.js';
import type { CitizenView, Display, LocalText, Locale, MatterList, MatterView, SessionView, VoiceChoice } from '../contract/index.js';
import { confirmingCancel, screenOf, sessionMachine, type SessionEmitted, type SessionEvent, type SessionSnapshot, type SessionTimings } from '../workflows/session.js';
import {
  caseQueryBusy,
  caseQueryMachine,
  caseQueryViewOf,
  CaseQueryError,
  type CaseLookup,
  type CaseLookupResult,
  type CaseQueryEvent,
  type CaseQueryInput,
  type CaseQuerySnapshot,
  type RateCaseInput,
  type ReprintCaseInput,
} from '../workflows/case-query.js';
import type { MatterEvent } from '../workflows/matter-types.js';
import { elderIdleSeconds, type Profile } from './profile.js';
import { maskIdNumber } from './masking.js';
import type { Redactor } from './logging.js';

export interface SessionServiceOptions {
  profile: Profile;
  reader: IdCardReader | null;
  redactor: Redactor;
  log: Logger;
  /** xstate clock; tests pass a SimulatedClock. */
  clock?: SessionClock;
}

/** Today's date in China Standard Time as YYYY-MM-DD (card validity dates are Beijing dates). */
export function chinaToday(now = Date.now()): string {
  return new Date(now + 8 * 3600_000).toISOString().slice(0, 10);
}

export function citizenViewOf(record: IdentityRecord, today = chinaToday()): CitizenView {
  const notices: CitizenView['notices'] = [];
  if (record.validTo !== 'long-term' && record.validTo < today) notices.push('expired');
  if (!record.idNumberValid) notices.push('id-check-failed');
  return { name: record.name, maskedId: maskIdNumber(record.idNumber, record.cardType), cardType: record.cardType, notices };
}

function secretsOf(record: IdentityRecord): string[] {
  return [record.name, record.nameEn, record.idNumber, record.address, record.passNumber].filter((v): v is string => typeof v === 'string');
}

/** Elder mode's delays for the session machine, from the profile (idle.elder, or the normal ones doubled). */
function elderInput(profile: Profile): SessionTimings {
  const e = elderIdleSeconds(profile.idle);
  return { idleTimeoutMs: e.timeoutSeconds * 1000, warningMs: e.warningSeconds * 1000, goodbyeMs: e.goodbyeSeconds * 1000 };
}

/** What the matter service gives the session's view (the list on 'welcome', the step on 'matter'). */
export interface MatterViews {
  list(): MatterList;
  matterView(ref: AnyActorRef, confirmCancel: boolean): MatterView | null;
}

/** What the case query needs of the core (main/core/case-query.ts). */
export interface CaseQueryHandlers {
  input(serial: number): CaseQueryInput;
  lookup(l: CaseLookup, signal: AbortSignal): Promise<CaseLookupResult>;
  reprint(input: ReprintCaseInput, signal: AbortSignal): Promise<void>;
  rate(input: RateCaseInput, signal: AbortSignal): Promise<void>;
}

const QUERY_UNAVAILABLE = { 'zh-CN': '查询暂不可用', en: 'The case query is not available' };

export type StartMatter = Omit<Extract<SessionEvent, { type: 'START_MATTER' }>, 'type'>;
/** What the session resumes an interrupted matter with (the citizen view is the card's, read now). */
export type ResumeStart = Omit<Extract<SessionEvent, { type: 'RESUME' }>, 'type' | 'citizen'>;
/**
 * What becomes of a card read while an interrupted matter waits (crash resume): its holder's matter resumes,
 * the card waits until the core is ready to decide (payments being resolved), or it starts a session as usual.
 */
export type CardDecision = { kind: 'resume'; resume: ResumeStart } | { kind: 'hold' } | { kind: 'normal' };
export type MatterStopped = Extract<SessionEmitted, { type: 'matter.stopped' }>;

/**
 * Owns the session actor. The full card record lives here, in memory, for one session only;
 * the machine and the renderer see only the masked view. Everything is wiped when the
 * machine says so (idle, finished, replaced, out of service).
 */
export class SessionService {
  readonly #actor;
  readonly #views = new Emitter<SessionView>();
  readonly #opts: SessionServiceOptions;
  #seq = 0;
  #view: SessionView;
  /** The record read for the session being started, or the current one. */
  #pending: IdentityRecord | null = null;
  #current: IdentityRecord | null = null;
  #matters: MatterViews | null = null;
  #cases: CaseQueryHandlers | null = null;
  readonly #stopped = new Emitter<MatterStopped>();
  readonly #settled = new Emitter<void>();
  #scheduled = false;
  #gate: ((record: IdentityRecord) => CardDecision) | null = null;
  /** A card read while the gate said 'hold', and how to tell the machine about it. */
  #held: { record: IdentityRecord; sendBack: (e: SessionEvent) => void } | null = null;

  constructor(opts: SessionServiceOptions) {
    this.#opts = opts;
    const { profile, reader } = opts;
    const machine = sessionMachine.provide({
      actors: {
        cardReader: fromCallback<SessionEvent>(({ sendBack }) => {
          if (!reader) return () => undefined;
          const offCard = reader.onCard((record) => {
            this.#forget(this.#pending);
            this.#pending = record;
            opts.redactor.addSecrets(secretsOf(record));
            opts.log.info({ cardType: record.cardType, idNumberValid: record.idNumberValid }, 'card read');
            this.#deliverCard(record, sendBack);
          });
          const offRemoved = reader.onRemoved(() => {
            this.#held = null;
            sendBack({ type: 'CARD_REMOVED' });
          });
          return () => {
            offCard();
            offRemoved();
          };
        }),
        caseQuery: caseQueryMachine.provide({
          actors: {
            lookupCases: fromPromise<CaseLookupResult, CaseLookup>(({ input, signal }) => this.#caseHandlers().lookup(input, signal)),
            reprintCase: fromPromise<void, ReprintCaseInput>(({ input, signal }) => this.#caseHandlers().reprint(input, signal)),
            rateCase: fromPromise<void, RateCaseInput>(({ input, signal }) => this.#caseHandlers().rate(input, signal)),
          },
        }),
      },
    });
    this.#actor = createActor(machine, {
      input: {
        idleTimeoutMs: profile.idle.timeoutSeconds * 1000,
        warningMs: profile.idle.warningSeconds * 1000,
        goodbyeMs: profile.idle.goodbyeSeconds * 1000,
        elder: elderInput(profile),
        cardRemovedMs: profile.idle.cardRemovedSeconds * 1000,
        attractResetMs: profile.idle.attractResetSeconds * 1000,
        defaultLocale: profile.defaultLocale,
        defaultVoice: { on: profile.voice.defaultOn, volume: profile.voice.volume },
      },
      ...(opts.clock ? { clock: opts.clock } : {}),
      // The running matter and its step are child actors: their changes reach the view through inspection.
      inspect: (ev) => {
        if (ev.type === '@xstate.snapshot' && ev.actorRef !== this.#actor) this.#schedule();
      },
    });
    this.#actor.on('session.started', (e) => {
      this.#forget(this.#current);
      this.#current = this.#pending;
      this.#pending = null;
      opts.log.info({ session: e.serial }, 'session started');
    });
    this.#actor.on('matter.stopped', (e) => {
      this.#stopped.emit(e);
      this.#schedule();
    });
    this.#actor.on('session.wiped', (e) => {
      this.#forget(this.#current);
      this.#current = null;
      opts.log.info({ session: e.serial, reason: e.reason }, 'session wiped');
    });
    this.#view = this.#build(this.#actor.getSnapshot());
    this.#actor.subscribe({
      next: (s) => {
        this.#publish(s);
        this.#settled.emit();
      },
      error: (err) => opts.log.error({ err }, 'session machine failed'),
    });
    this.#actor.start();
  }

  /** The full record of the current session (for matters that pre-fill forms); null when none. */
  get currentRecord(): IdentityRecord | null {
    return this.#current;
  }

  get actorRef(): AnyActorRef {
    return this.#actor;
  }

  /** The case query service provides the query's look-up, reprint and rating. */
  attachCases(handlers: CaseQueryHandlers): void {
    this.#cases = handlers;
  }

  #caseHandlers(): CaseQueryHandlers {
    if (this.#cases === null) throw new CaseQueryError(QUERY_UNAVAILABLE);
    return this.#cases;
  }

  /** The running case query's snapshot, or null. */
  #querySnapshot(): CaseQuerySnapshot | null {
    const child = (this.#actor.getSnapshot().children as Record<string, AnyActorRef | undefined>).query;
    return child ? (child.getSnapshot() as CaseQuerySnapshot) : null;
  }

  /** Opens the case query (from the attract screen). */
  openQuery(): void {
    const s = this.#actor.getSnapshot();
    this.#actor.send({ type: 'QUERY_OPEN', input: this.#caseHandlers().input(s.context.sessionSerial + 1) });
  }

  /** Whether the query takes this event now (not busy, and its state has a transition for it). */
  queryAccepts(event: CaseQueryEvent): boolean {
    const q = this.#querySnapshot();
    return q !== null && q.status === 'active' && !caseQueryBusy(q) && q.can(event);
  }

  queryBusy(): boolean {
    const q = this.#querySnapshot();
    return q !== null && caseQueryBusy(q);
  }

  queryEvent(event: CaseQueryEvent): void {
    this.#actor.send({ type: 'QUERY', event });
  }

  closeQuery(): void {
    this.#actor.send({ type: 'QUERY_CLOSE' });
  }

  /** The matter service provides the list and the step views. */
  attachMatters(views: MatterViews): void {
    this.#matters = views;
    this.refresh();
  }

  /** The matter child stopped (wipe, cancel, finish, done): its run's data is to be forgotten. */
  onMatterStopped(listener: (e: MatterStopped) => void): () => void {
    return this.#stopped.on(listener);
  }

  /**
   * After every change of the session or of its running matter and step (the machines settled): the crash-resume
   * keeper saves the draft from here.
   */
  onSettled(listener: () => void): () => void {
    return this.#settled.on(listener);
  }

  /** Crash resume: decides what a card read now becomes (null: every card starts a session). */
  setCardGate(gate: ((record: IdentityRecord) => CardDecision) | null): void {
    this.#gate = gate;
    if (gate === null) this.releaseHeldCard();
  }

  /** A card the gate held is decided again now (the core is ready). */
  releaseHeldCard(): void {
    const held = this.#held;
    this.#held = null;
    if (held && held.record === this.#pending) this.#deliverCard(held.record, held.sendBack);
  }

  offerResume(name: LocalText): void {
    this.#actor.send({ type: 'RESUME_OFFER', name });
  }
  withdrawResume(): void {
    this.#actor.send({ type: 'RESUME_WITHDRAWN' });
  }

  #deliverCard(record: IdentityRecord, sendBack: (e: SessionEvent) => void): void {
    const d: CardDecision = this.#gate?.(record) ?? { kind: 'normal' };
    if (d.kind === 'hold') {
      this.#held = { record, sendBack };
      return;
    }
    if (d.kind === 'resume') sendBack({ type: 'RESUME', citizen: citizenViewOf(record), ...d.resume });
    else sendBack({ type: 'CARD_READ', citizen: citizenViewOf(record) });
  }

  /** Something the view shows changed outside the machines (device, platform, catalog). */
  refresh(): void {
    this.#publish(this.#actor.getSnapshot());
  }

  /** The running matter's actor, or null. */
  matterRef(): AnyActorRef | null {
    return this.#actor.getSnapshot().context.matter?.ref ?? null;
  }

  confirmingCancel(): boolean {
    return confirmingCancel(this.#actor.getSnapshot());
  }

  startMatter(start: StartMatter): void {
    this.#actor.send({ type: 'START_MATTER', ...start });
  }
  matterEvent(event: MatterEvent): void {
    this.#actor.send({ type: 'MATTER', event });
  }
  cancel(): void {
    this.#actor.send({ type: 'CANCEL' });
  }
  cancelConfirm(): void {
    this.#actor.send({ type: 'CANCEL_CONFIRM' });
  }
  cancelDismiss(): void {
    this.#actor.send({ type: 'CANCEL_DISMISS' });
  }

  view(): SessionView {
    return this.#view;
  }

  onView(listener: (v: SessionView) => void): () => void {
    return this.#views.on(listener);
  }

  activity(): void {
    this.#actor.send({ type: 'ACTIVITY' });
  }
  finish(): void {
    this.#actor.send({ type: 'FINISH' });
  }
  dismiss(): void {
    this.#actor.send({ type: 'DISMISS' });
  }
  setLocale(locale: Locale): void {
    this.#actor.send({ type: 'SET_LOCALE', locale });
  }
  setDisplay(display: Display): void {
    this.#actor.send({ type: 'SET_DISPLAY', display });
  }
  setVoice(voice: VoiceChoice): void {
    this.#actor.send({ type: 'SET_VOICE', voice });
  }
  outOfService(reason: string): void {
    this.#actor.send({ type: 'OUT_OF_SERVICE', reason });
  }
  backInService(): void {
    this.#actor.send({ type: 'BACK_IN_SERVICE' });
  }

  stop(): void {
    this.#forget(this.#current);
    this.#forget(this.#pending);
    this.#current = this.#pending = null;
    this.#held = null;
    this.#gate = null;
    this.#settled.clear();
    this.#actor.stop();
    this.#views.clear();
    this.#stopped.clear();
  }

  #schedule(): void {
    if (this.#scheduled) return;
    this.#scheduled = true;
    queueMicrotask(() => {
      this.#scheduled = false;
      if (this.#actor.getSnapshot().status === 'active') {
        this.#publish(this.#actor.getSnapshot());
        this.#settled.emit();
      }
    });
  }

  #forget(record: IdentityRecord | null): void {
    if (!record) return;
    this.#opts.redactor.removeSecrets(secretsOf(record));
    // Overwrite what we can: the photo bytes are the largest piece of citizen data.
    record.photo?.bytes.fill(0);
  }

  #queryView(): SessionView['query'] {
    const q = this.#querySnapshot();
    return q === null ? null : caseQueryViewOf(q);
  }

  #publish(s: SessionSnapshot): void {
    const next = this.#build(s);
    const { seq: _a, ...a } = next;
    const { seq: _b, ...b } = this.#view;
    if (JSON.stringify(a) === JSON.stringify(b)) return;
    this.#view = next;
    this.#views.emit(next);
  }

  #build(s: SessionSnapshot): SessionView {
    const { profile } = this.#opts;
    const screen = screenOf(s);
    const c = s.context;
    return {
      seq: ++this.#seq,
      screen,
      locale: c.locale,
      display: c.display,
      voice: c.voice,
      citizen: screen === 'welcome' || screen === 'matter' || screen === 'finished' || screen === 'query' ? c.citizen : null,
      idleWarning: (screen === 'welcome' || screen === 'matter' || screen === 'query') && c.warningSecondsLeft !== null ? { secondsLeft: c.warningSecondsLeft } : null,
      cardOnReader: c.cardOnReader,
      terminal: { id: profile.terminalId, siteName: profile.siteName, siteType: profile.siteType },
      outOfServiceReason: screen === 'out-of-service' ? c.outOfServiceReason : null,
      matters: screen === 'welcome' && this.#matters ? this.#matters.list() : null,
      matter: screen === 'matter' && this.#matters && c.matter ? this.#matters.matterView(c.matter.ref, confirmingCancel(s)) : null,
      outcome: screen === 'finished' ? c.outcome : null,
      resumable: screen === 'attract' && c.resumeOffer ? { matter: c.resumeOffer.name } : null,
      query: screen === 'query' ? this.#queryView() : null,
    };
  }
}
