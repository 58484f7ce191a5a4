import { assign, fromPromise, setup, type SnapshotFrom } from 'xstate';
import type { RatingContent } from '../catalog/index.js';
import { RATING_LEVELS, type CaseQueryPhase, type CaseQueryView, type CaseView, type LocalText, type RatingLevel } from '../contract/index.js';

/**
 * The case query (查询办件): how the citizen asks (ID card, acceptance number, the receipt's QR code), the cases
 * found, one case in full, its reprint and its 好差评 rating.
 *
 *   choose ──BY_CARD | BY_NUMBER | BY_QR──▶ lookingUp ──▶ list (several) | case (one) | notFound (none)
 *   list ──SELECT──▶ case ──REPRINT──▶ printing ──▶ case (with what happened)
 *                    case ──RATE (good)──▶ sending ──▶ case (rated)
 *                    case ──RATE (不满意/非常不满意)──▶ reasons ──RATE_REASONS──▶ sending
 *   BACK: case → list (or choose), list / notFound → choose, reasons → case. A new card, number or QR code looks up
 *   again from any idle state.
 *
 * Pure: the look-up, the reprint and the rating are the named actors the core provides (main/core/case-query.ts);
 * the machine holds only what the screen shows (never the ID number). The session machine invokes it in its
 * `query` state and forwards the screen's events; leaving that state stops it and forgets everything.
 */

export type CaseLookup = { how: 'card' } | { how: 'number'; digits: string } | { how: 'qr'; acceptanceNumber: string };

export interface CaseLookupResult {
  cases: CaseView[];
  platform: 'online' | 'offline';
  /** What the list is based on when it is not the platform's full answer. */
  basis: LocalText | null;
  /** Why nothing was found, when nothing was. */
  message: LocalText | null;
}

export interface ReprintCaseInput {
  id: string;
  /** One per reprint asked: the core prints each key once. */
  idempotencyKey: string;
}

export interface RateCaseInput {
  id: string;
  level: RatingLevel;
  score: number;
  reasons: string[];
  text: string;
  contentVersion: string;
  at: number;
}

export interface CaseQueryInput {
  /** The session serial: keys of this query's reprints. */
  serial: number;
  numberPrefix: string;
  numberDigits: number;
  qrReader: boolean;
  rating: RatingContent;
}

export type CaseQueryEvent =
  | { type: 'BY_CARD'; holderName: string }
  | { type: 'BY_NUMBER'; digits: string }
  | { type: 'BY_QR'; acceptanceNumber: string }
  | { type: 'SELECT'; id: string }
  | { type: 'BACK' }
  | { type: 'REPRINT' }
  | { type: 'RATE'; level: RatingLevel; at: number }
  | { type: 'RATE_REASONS'; reasons: string[]; text: string; at: number };

export interface CaseQueryContext {
  input: CaseQueryInput;
  lookup: CaseLookup | null;
  holderName: string | null;
  cases: CaseView[];
  platform: 'online' | 'offline';
  basis: LocalText | null;
  selected: string | null;
  message: LocalText | null;
  rating: { level: RatingLevel | null; reasons: string[]; text: string; at: number };
  prints: number;
}

const NOT_PROVIDED: LocalText = { 'zh-CN': '查询暂不可用', en: 'The case query is not available' };
const LOOKUP_FAILED: LocalText = { 'zh-CN': '查询没有成功，请稍后重试或到窗口咨询。', en: 'The look-up did not work. Please try again later or ask at a service window.' };
const PRINTED: LocalText = { 'zh-CN': '回执已补打，请从出纸口取走。', en: 'The receipt has been printed again. Please take it from the slot.' };
const RATED: LocalText = { 'zh-CN': '感谢您的评价。', en: 'Thank you for your rating.' };
const REASONS_NEEDED: LocalText = { 'zh-CN': '请至少选择一项不满意的原因。', en: 'Please choose at least one reason.' };

export const isNegativeLevel = (level: RatingLevel): boolean => RATING_LEVELS.find((l) => l.level === level)?.negative === true;
const scoreOf = (level: RatingLevel): number => RATING_LEVELS.find((l) => l.level === level)?.score ?? 0;

/** A failure the core's actors report in words (never raw codes). */
export class CaseQueryError extends Error {
  override readonly name = 'CaseQueryError';
  constructor(
    readonly words: LocalText,
    options?: { cause?: unknown },
  ) {
    super(words.en, options);
  }
}

const wordsOf = (e: unknown, fallback: LocalText): LocalText => (e instanceof CaseQueryError ? e.words : fallback);

function selectedCase(c: CaseQueryContext): CaseView | undefined {
  return c.cases.find((x) => x.id === c.selected);
}

export const caseQueryMachine = setup({
  types: {
    input: {} as CaseQueryInput,
    context: {} as CaseQueryContext,
    events: {} as CaseQueryEvent,
  },
  actors: {
    lookupCases: fromPromise<CaseLookupResult, CaseLookup>(() => Promise.reject(new CaseQueryError(NOT_PROVIDED))),
    reprintCase: fromPromise<void, ReprintCaseInput>(() => Promise.reject(new CaseQueryError(NOT_PROVIDED))),
    rateCase: fromPromise<void, RateCaseInput>(() => Promise.reject(new CaseQueryError(NOT_PROVIDED))),
  },
  guards: {
    noneFound: ({ event }) => (event as unknown as { output: CaseLookupResult }).output.cases.length === 0,
    oneFound: ({ event }) => (event as unknown as { output: CaseLookupResult }).output.cases.length === 1,
    knownCase: ({ context, event }) => event.type === 'SELECT' && context.cases.some((c) => c.id === event.id),
    several: ({ context }) => context.cases.length > 1,
    mayReprint: ({ context }) => selectedCase(context)?.canReprint === true,
    mayRate: ({ context, event }) => event.type === 'RATE' && selectedCase(context)?.canRate === true,
    negativeChosen: ({ context }) => context.rating.level !== null && isNegativeLevel(context.rating.level),
    knownReasons: ({ context, event }) =>
      event.type === 'RATE_REASONS' && event.reasons.length > 0 && event.reasons.every((r) => context.input.rating.reasons.some((x) => x.key === r)),
  },
  actions: {
    byCard: assign(({ event }) => (event.type === 'BY_CARD' ? { lookup: { how: 'card' as const }, holderName: event.holderName, message: null } : {})),
    byNumber: assign(({ event }) => (event.type === 'BY_NUMBER' ? { lookup: { how: 'number' as const, digits: event.digits }, message: null } : {})),
    byQr: assign(({ event }) => (event.type === 'BY_QR' ? { lookup: { how: 'qr' as const, acceptanceNumber: event.acceptanceNumber }, message: null } : {})),
    found: assign(({ event }) => {
      const r = (event as unknown as { output: CaseLookupResult }).output;
      return { cases: r.cases, platform: r.platform, basis: r.basis, message: r.message, selected: r.cases.length === 1 ? (r.cases[0]?.id ?? null) : null };
    }),
    lookupFailed: assign(({ event }) => ({ cases: [], basis: null, selected: null, message: wordsOf((event as unknown as { error: unknown }).error, LOOKUP_FAILED) })),
    select: assign(({ event }) => (event.type === 'SELECT' ? { selected: event.id, message: null } : {})),
    unselect: assign({ selected: null, message: null }),
    clearMessage: assign({ message: null }),
    countPrint: assign(({ context }) => ({ prints: context.prints + 1, message: null })),
    printed: assign({ message: PRINTED }),
    failed: assign(({ event }) => ({ message: wordsOf((event as unknown as { error: unknown }).error, LOOKUP_FAILED) })),
    chooseLevel: assign(({ event }) => (event.type === 'RATE' ? { rating: { level: event.level, reasons: [], text: '', at: event.at }, message: null } : {})),
    withReasons: assign(({ context, event }) => (event.type === 'RATE_REASONS' ? { rating: { ...context.rating, reasons: event.reasons, text: event.text.trim(), at: event.at }, message: null } : {})),
    reasonsNeeded: assign({ message: REASONS_NEEDED }),
    rated: assign(({ context }) => ({
      cases: context.cases.map((c) => (c.id === context.selected ? { ...c, rated: true, canRate: false } : c)),
      message: RATED,
      rating: { level: null, reasons: [], text: '', at: 0 },
    })),
    forgetLevel: assign({ rating: { level: null, reasons: [], text: '', at: 0 } }),
  },
}).createMachine({
  id: 'caseQuery',
  context: ({ input }) => ({
    input,
    lookup: null,
    holderName: null,
    cases: [],
    platform: 'offline',
    basis: null,
    selected: null,
    message: null,
    rating: { level: null, reasons: [], text: '', at: 0 },
    prints: 0,
  }),
  initial: 'choose',
  // A card, a number or a receipt's QR code starts a new look-up from any state that is not busy.
  on: {
    BY_CARD: { target: '.lookingUp', actions: 'byCard' },
    BY_NUMBER: { target: '.lookingUp', actions: 'byNumber' },
    BY_QR: { target: '.lookingUp', actions: 'byQr' },
  },
  states: {
    choose: {},
    lookingUp: {
      tags: ['busy'],
      // Busy: another card or number waits for this answer (the transitions above are not taken here).
      on: { BY_CARD: {}, BY_NUMBER: {}, BY_QR: {} },
      invoke: {
        src: 'lookupCases',
        input: ({ context }) => context.lookup ?? { how: 'card' as const },
        onDone: [
          { guard: 'noneFound', target: 'notFound', actions: 'found' },
          { guard: 'oneFound', target: 'case', actions: 'found' },
          { target: 'list', actions: 'found' },
        ],
        onError: { target: 'notFound', actions: 'lookupFailed' },
      },
    },
    list: {
      on: {
        SELECT: { guard: 'knownCase', target: 'case', actions: 'select' },
        BACK: { target: 'choose', actions: 'clearMessage' },
      },
    },
    case: {
      on: {
        BACK: [
          { guard: 'several', target: 'list', actions: 'unselect' },
          { target: 'choose', actions: 'unselect' },
        ],
        REPRINT: { guard: 'mayReprint', target: 'printing', actions: 'countPrint' },
        RATE: { guard: 'mayRate', target: 'chosen', actions: 'chooseLevel' },
      },
    },
    chosen: {
      always: [{ guard: 'negativeChosen', target: 'reasons' }, { target: 'sending' }],
    },
    reasons: {
      on: {
        RATE_REASONS: [{ guard: 'knownReasons', target: 'sending', actions: 'withReasons' }, { actions: 'reasonsNeeded' }],
        RATE: { target: 'chosen', actions: 'chooseLevel' },
        BACK: { target: 'case', actions: 'forgetLevel' },
      },
    },
    printing: {
      tags: ['busy'],
      on: { BY_CARD: {}, BY_NUMBER: {}, BY_QR: {} },
      invoke: {
        src: 'reprintCase',
        input: ({ context }) => ({ id: context.selected ?? '', idempotencyKey: `query:${context.input.serial}:${context.selected ?? ''}:reprint:${context.prints}` }),
        onDone: { target: 'case', actions: 'printed' },
        onError: { target: 'case', actions: 'failed' },
      },
    },
    sending: {
      tags: ['busy'],
      on: { BY_CARD: {}, BY_NUMBER: {}, BY_QR: {} },
      invoke: {
        src: 'rateCase',
        input: ({ context }) => {
          const level = context.rating.level ?? 'basic';
          return {
            id: context.selected ?? '',
            level,
            score: scoreOf(level),
            reasons: context.rating.reasons,
            text: context.rating.text,
            contentVersion: context.input.rating.version,
            at: context.rating.at,
          };
        },
        onDone: { target: 'case', actions: 'rated' },
        onError: { target: 'case', actions: ['failed', 'forgetLevel'] },
      },
    },
    notFound: {
      on: { BACK: { target: 'choose', actions: 'clearMessage' } },
    },
  },
});

export type CaseQuerySnapshot = SnapshotFrom<typeof caseQueryMachine>;

function phaseOf(s: CaseQuerySnapshot): CaseQueryPhase {
  if (s.matches('lookingUp')) return 'looking-up';
  if (s.matches('list')) return 'list';
  if (s.matches('printing')) return 'printing';
  if (s.matches('reasons')) return 'reasons';
  if (s.matches('sending') || s.matches('chosen')) return 'sending';
  if (s.matches('notFound')) return 'not-found';
  if (s.matches('case')) return 'case';
  return 'choose';
}

/** What the query screen shows (the contract's CaseQueryView). */
export function caseQueryViewOf(s: CaseQuerySnapshot): CaseQueryView {
  const c = s.context;
  return {
    phase: phaseOf(s),
    how: c.lookup?.how ?? null,
    numberPrefix: c.input.numberPrefix,
    numberDigits: c.input.numberDigits,
    qrReader: c.input.qrReader,
    platform: c.platform,
    cases: c.cases,
    selected: c.selected,
    message: c.message,
    basis: c.basis,
    rating: { selected: c.rating.level, reasons: c.input.rating.reasons.map((r) => ({ key: r.key, label: r.label })), contentVersion: c.input.rating.version },
    holderName: c.lookup?.how === 'card' ? c.holderName : null,
  };
}

/** Whether the query is working (the screen's other requests are refused meanwhile). */
export function caseQueryBusy(s: CaseQuerySnapshot): boolean {
  return s.hasTag('busy');
}
