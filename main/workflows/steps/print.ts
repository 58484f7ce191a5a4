import { assign, fromPromise, setup } from 'xstate';
import type { LocalText } from '../../contract/index.js';
import { StepError, wordsOf, type Acceptance, type MatterEvent, type PrintReceiptInput, type StepOutput } from '../matter-types.js';
import { next, type StepInput } from './common.js';

export interface PrintContext {
  input: StepInput;
  /** Prints attempted (the first and reprints). */
  prints: number;
  message: LocalText | null;
  out: StepOutput | null;
}

const NOT_PROVIDED = 'print: printReceipt not provided by the core';
const NO_SUBMISSION: LocalText = { 'zh-CN': '没有可打印的受理信息。', en: 'There is no acceptance to print.' };

/** The print's idempotency key: one per matter and print attempt. */
export function printKey(matterKey: string, attempt: number): string {
  return `${matterKey}:print:${attempt}`;
}

/**
 * print: the 受理回执 through the printReceipt actor. Printed: "please take your receipt", then the
 * rating comes by itself after printedPauseMs (or at Next). Failed: the number and QR stay large on
 * screen with the reason; the citizen goes on with Next or tries again.
 */
export const printStep = setup({
  types: {
    input: {} as StepInput,
    context: {} as PrintContext,
    events: {} as MatterEvent,
    output: {} as StepOutput,
  },
  actors: {
    printReceipt: fromPromise<void, PrintReceiptInput>(() => Promise.reject(new StepError({ 'zh-CN': NOT_PROVIDED, en: NOT_PROVIDED }))),
  },
  delays: {
    printedPause: ({ context }) => context.input.config.printedPauseMs,
  },
  guards: {
    mayReprint: ({ context }) => context.prints < context.input.config.maxPrints,
    hasSubmission: ({ context }) => context.input.data.submission !== null,
  },
  actions: {
    count: assign(({ context }) => ({ prints: context.prints + 1, message: null })),
    fail: assign(({ event }) => ({ message: wordsOf((event as unknown as { error: unknown }).error) })),
    noSubmission: assign({ message: NO_SUBMISSION }),
    finishNext: assign({ out: () => next() }),
  },
}).createMachine({
  id: 'print',
  context: ({ input }) => ({ input, prints: 0, message: null, out: null }),
  initial: 'start',
  output: ({ context }) => context.out ?? next(),
  states: {
    start: { always: [{ guard: 'hasSubmission', target: 'printing', actions: 'count' }, { target: 'failed', actions: 'noSubmission' }] },
    printing: {
      tags: ['busy', 'submitted'],
      invoke: {
        src: 'printReceipt',
        input: ({ context }) => ({
          idempotencyKey: printKey(context.input.idempotencyKey, context.prints),
          acceptance: context.input.data.submission as Acceptance,
          data: context.input.data,
        }),
        onDone: { target: 'printed' },
        onError: { target: 'failed', actions: 'fail' },
      },
    },
    printed: {
      tags: ['idle', 'submitted'],
      after: { printedPause: { target: 'done', actions: 'finishNext' } },
      on: {
        NEXT: { target: 'done', actions: 'finishNext' },
        REPRINT: { guard: 'mayReprint', target: 'printing', actions: 'count' },
      },
    },
    failed: {
      tags: ['idle', 'submitted'],
      on: {
        NEXT: { target: 'done', actions: 'finishNext' },
        REPRINT: { guard: 'mayReprint', target: 'printing', actions: 'count' },
      },
    },
    done: { type: 'final' },
  },
});
