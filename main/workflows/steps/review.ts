import { assign, fromPromise, setup } from 'xstate';
import { RATING_LEVELS, type LocalText, type RatingLevel } from '../../contract/index.js';
import type { RatingContent } from '../../catalog/index.js';
import { StepError, wordsOf, type MatterEvent, type StepOutput, type SubmitRatingInput } from '../matter-types.js';
import { next, type StepInput } from './common.js';

export interface ReviewInput extends StepInput {
  rating: RatingContent;
}

export interface ReviewContext {
  input: ReviewInput;
  selected: RatingLevel | null;
  reasons: string[];
  text: string;
  at: number;
  message: LocalText | null;
  out: StepOutput | null;
}

const NOT_PROVIDED = 'review: submitRating not provided by the core';

export const isNegative = (level: RatingLevel): boolean => RATING_LEVELS.find((l) => l.level === level)?.negative === true;
export const scoreOf = (level: RatingLevel): number => RATING_LEVELS.find((l) => l.level === level)?.score ?? 0;

/**
 * review (好差评): five equal levels, none preselected. 不满意 and 非常不满意 ask for reasons from the
 * versioned content (at least one) and an optional text; the others are recorded at once through
 * submitRating (its own outbox entry referencing the case). Leaving without rating records nothing.
 */
export const reviewStep = setup({
  types: {
    input: {} as ReviewInput,
    context: {} as ReviewContext,
    events: {} as MatterEvent,
    output: {} as StepOutput,
  },
  actors: {
    submitRating: fromPromise<void, SubmitRatingInput>(() => Promise.reject(new StepError({ 'zh-CN': NOT_PROVIDED, en: NOT_PROVIDED }))),
  },
  guards: {
    negative: ({ event }) => event.type === 'RATE' && isNegative(event.level),
    knownReasons: ({ context, event }) =>
      event.type === 'RATE_REASONS' && event.reasons.length > 0 && event.reasons.every((r) => context.input.rating.reasons.some((x) => x.key === r)),
  },
  actions: {
    select: assign(({ event }) => (event.type === 'RATE' ? { selected: event.level, reasons: [], text: '', at: event.at, message: null } : {})),
    withReasons: assign(({ event }) => (event.type === 'RATE_REASONS' ? { reasons: event.reasons, text: event.text.trim(), at: event.at, message: null } : {})),
    unselect: assign({ selected: null, reasons: [], text: '', message: null }),
    fail: assign(({ event }) => ({ message: wordsOf((event as unknown as { error: unknown }).error) })),
    finishNext: assign({ out: () => next({ rated: true }) }),
  },
}).createMachine({
  id: 'review',
  context: ({ input }) => ({ input, selected: null, reasons: [], text: '', at: 0, message: null, out: null }),
  initial: 'choosing',
  output: ({ context }) => context.out ?? next(),
  states: {
    choosing: {
      tags: ['idle', 'submitted'],
      on: {
        RATE: [
          { guard: 'negative', target: 'reasons', actions: 'select' },
          { target: 'sending', actions: 'select' },
        ],
      },
    },
    reasons: {
      tags: ['idle', 'submitted'],
      on: {
        RATE: [
          { guard: 'negative', target: 'reasons', actions: 'select' },
          { target: 'sending', actions: 'select' },
        ],
        RATE_REASONS: { guard: 'knownReasons', target: 'sending', actions: 'withReasons' },
        BACK: { target: 'choosing', actions: 'unselect' },
      },
    },
    sending: {
      tags: ['busy', 'submitted'],
      invoke: {
        src: 'submitRating',
        input: ({ context }) => {
          const level = context.selected ?? 'basic';
          return {
            caseKey: context.input.idempotencyKey,
            level,
            score: scoreOf(level),
            reasons: context.reasons,
            text: context.text,
            contentVersion: context.input.rating.version,
            at: context.at,
          };
        },
        onDone: { target: 'done', actions: 'finishNext' },
        onError: { target: 'failed', actions: 'fail' },
      },
    },
    failed: {
      tags: ['idle', 'submitted'],
      on: {
        RATE: [
          { guard: 'negative', target: 'reasons', actions: 'select' },
          { target: 'sending', actions: 'select' },
        ],
      },
    },
    done: { type: 'final' },
  },
});
