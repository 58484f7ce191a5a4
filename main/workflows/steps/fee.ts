import { assign, fromCallback, setup } from 'xstate';
import type { LocalText } from '../../contract/index.js';
import type { MatterEvent, PaymentApproval, PaymentEvent, StepOutput, TakePaymentInput } from '../matter-types.js';
import { back, next, type StepInput } from './common.js';

export interface FeeContext {
  input: StepInput;
  payment: PaymentApproval | null;
  /** Declined sales so far: the next sale uses a new key; a failed (uncertain) one is asked again under its key. */
  attempt: number;
  message: LocalText | null;
  out: StepOutput | null;
}

const NOT_PROVIDED = 'fee: takePayment not provided by the core';

/** The sale's idempotency key: one per matter, step and declined attempt. */
export function paymentKey(matterKey: string, attempt: number): string {
  return `${matterKey}:fee:${attempt}`;
}

/**
 * fee: the amount, then the takePayment actor (the payment pad). Approval moves on by itself; a
 * decline or a failure says why and offers to pay again. There is no way past this step without
 * an approved payment.
 */
export const feeStep = setup({
  types: {
    input: {} as StepInput,
    context: {} as FeeContext,
    events: {} as MatterEvent | PaymentEvent,
    output: {} as StepOutput,
  },
  actors: {
    takePayment: fromCallback<MatterEvent, TakePaymentInput>(({ sendBack }) => {
      sendBack({ type: 'PAY_FAILED', words: { 'zh-CN': NOT_PROVIDED, en: NOT_PROVIDED } });
    }),
  },
  guards: {
    canBack: ({ context }) => context.input.canBack,
    paid: ({ context }) => context.payment !== null,
  },
  actions: {
    prompt: assign(({ event }) => (event.type === 'PAY_PROMPT' ? { message: event.message } : {})),
    approve: assign(({ event }) => (event.type === 'PAY_APPROVED' ? { payment: event.approval, message: null } : {})),
    decline: assign(({ context, event }) => ({ attempt: context.attempt + 1, message: event.type === 'PAY_DECLINED' ? event.words : null })),
    fail: assign(({ event }) => ({ message: event.type === 'PAY_FAILED' ? event.words : null })),
    clearMessage: assign({ message: null }),
    finishNext: assign({ out: ({ context }) => next({ payment: context.payment, paymentAttempt: context.attempt }) }),
    finishBack: assign({ out: ({ context }) => back({ payment: context.payment, paymentAttempt: context.attempt }) }),
  },
}).createMachine({
  id: 'fee',
  context: ({ input }) => ({ input, payment: input.data.payment, attempt: input.data.paymentAttempt, message: null, out: null }),
  initial: 'start',
  output: ({ context }) => context.out ?? next(),
  states: {
    start: { always: [{ guard: 'paid', target: 'approved' }, { target: 'ready' }] },
    ready: {
      tags: ['idle'],
      on: {
        PAY: { target: 'paying', actions: 'clearMessage' },
        BACK: { guard: 'canBack', target: 'done', actions: 'finishBack' },
      },
    },
    paying: {
      tags: ['busy'],
      invoke: {
        src: 'takePayment',
        input: ({ context }) => {
          const fee = context.input.app.fee;
          return {
            idempotencyKey: paymentKey(context.input.idempotencyKey, context.attempt),
            amountFen: fee.kind === 'fixed' ? fee.amountFen : 0,
            item: fee.kind === 'fixed' ? fee.item : { 'zh-CN': '', en: '' },
          };
        },
      },
      on: {
        PAY_PROMPT: { actions: 'prompt' },
        PAY_APPROVED: { target: 'done', actions: ['approve', 'finishNext'] },
        PAY_DECLINED: { target: 'declined', actions: 'decline' },
        PAY_FAILED: { target: 'failed', actions: 'fail' },
      },
    },
    declined: {
      tags: ['idle'],
      on: {
        PAY: { target: 'paying', actions: 'clearMessage' },
        BACK: { guard: 'canBack', target: 'done', actions: 'finishBack' },
      },
    },
    failed: {
      tags: ['idle'],
      on: {
        PAY: { target: 'paying', actions: 'clearMessage' },
        BACK: { guard: 'canBack', target: 'done', actions: 'finishBack' },
      },
    },
    approved: {
      tags: ['idle'],
      on: {
        NEXT: { target: 'done', actions: 'finishNext' },
        BACK: { guard: 'canBack', target: 'done', actions: 'finishBack' },
      },
    },
    done: { type: 'final' },
  },
});
