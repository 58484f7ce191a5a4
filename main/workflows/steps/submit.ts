import { assign, enqueueActions, fromPromise, setup } from 'xstate';
import type { LocalText } from '../../contract/index.js';
import { StepError, wordsOf, type Acceptance, type MatterEvent, type StepOutput, type SubmitCaseInput } from '../matter-types.js';
import { back, next, type StepInput } from './common.js';

export interface SubmitContext {
  input: StepInput;
  accepted: Acceptance | null;
  error: LocalText | null;
  out: StepOutput | null;
}

export const UNPAID: LocalText = { 'zh-CN': '此事项须先缴费，缴费成功后才能提交。', en: 'This matter must be paid for before it can be submitted.' };
const NOT_PROVIDED = 'submit: submitCase not provided by the core';

/**
 * submit: a summary, then 提交 → the submitCase actor (into the outbox with the matter's key; the
 * core refuses an online-only matter while the platform is unreachable). The acceptance is told
 * to the matter at once (SUBMITTED); with a print step next the step moves on by itself,
 * otherwise the number and QR stay on screen until Next. A fee matter without an approved payment
 * is never submitted.
 */
export const submitStep = setup({
  types: {
    input: {} as StepInput,
    context: {} as SubmitContext,
    events: {} as MatterEvent,
    output: {} as StepOutput,
  },
  actors: {
    submitCase: fromPromise<Acceptance, SubmitCaseInput>(() => Promise.reject(new StepError({ 'zh-CN': NOT_PROVIDED, en: NOT_PROVIDED }))),
  },
  guards: {
    canBack: ({ context }) => context.input.canBack,
    paidIfFee: ({ context }) => context.input.app.fee.kind === 'none' || context.input.data.payment !== null,
    printFollows: ({ context }) => context.input.printFollows,
    alreadyAccepted: ({ context }) => context.accepted !== null,
  },
  actions: {
    accept: assign(({ event }) => ({ accepted: (event as unknown as { output: Acceptance }).output, error: null })),
    // The matter records the acceptance at once (cancel ends the session from now on). A submit step
    // run on its own (tests) has no parent to tell.
    tellMatter: enqueueActions(({ enqueue, context, self }) => {
      if (self._parent) enqueue.sendParent({ type: 'SUBMITTED', acceptance: context.accepted });
    }),
    fail: assign(({ event }) => ({ error: wordsOf((event as unknown as { error: unknown }).error) })),
    unpaid: assign({ error: UNPAID }),
    finishNext: assign({ out: ({ context }) => next({ submission: context.accepted }) }),
    finishBack: assign({ out: () => back() }),
  },
}).createMachine({
  id: 'submit',
  context: ({ input }) => ({ input, accepted: input.data.submission, error: null, out: null }),
  initial: 'start',
  output: ({ context }) => context.out ?? next({ submission: context.accepted }),
  states: {
    start: { always: [{ guard: 'alreadyAccepted', target: 'accepted' }, { target: 'confirm' }] },
    confirm: {
      tags: ['idle'],
      on: {
        SUBMIT: [{ guard: 'paidIfFee', target: 'submitting' }, { actions: 'unpaid' }],
        BACK: { guard: 'canBack', target: 'done', actions: 'finishBack' },
      },
    },
    submitting: {
      tags: ['busy'],
      invoke: {
        src: 'submitCase',
        input: ({ context, event }) => ({ idempotencyKey: context.input.idempotencyKey, data: context.input.data, at: event.type === 'SUBMIT' ? event.at : 0 }),
        onDone: [
          { guard: 'printFollows', target: 'done', actions: ['accept', 'tellMatter', 'finishNext'] },
          { target: 'accepted', actions: ['accept', 'tellMatter'] },
        ],
        onError: { target: 'failed', actions: 'fail' },
      },
    },
    failed: {
      tags: ['idle'],
      on: {
        SUBMIT: [{ guard: 'paidIfFee', target: 'submitting' }, { actions: 'unpaid' }],
        BACK: { guard: 'canBack', target: 'done', actions: 'finishBack' },
      },
    },
    accepted: {
      tags: ['idle', 'submitted'],
      on: { NEXT: { target: 'done', actions: 'finishNext' } },
    },
    done: { type: 'final' },
  },
});
