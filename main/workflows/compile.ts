import { assign, sendTo, setup, type ActorRefFrom, type AnyActorLogic, type SnapshotFrom } from 'xstate';
import type { Application, RatingContent, StepKind } from '../catalog/index.js';
import { emptyData, type Acceptance, type MatterData, type MatterEvent, type MatterEventType, type StepOutput } from './matter-types.js';
import { DEFAULT_MATTER_CONFIG, type MatterConfig, type StepInput } from './steps/common.js';
import { commitmentStep } from './steps/commitment.js';
import { feeStep } from './steps/fee.js';
import { formStep } from './steps/form.js';
import { materialsStep } from './steps/materials.js';
import { noticeStep } from './steps/notice.js';
import { printStep } from './steps/print.js';
import { reviewStep, type ReviewInput } from './steps/review.js';
import { submitStep } from './steps/submit.js';

/**
 * The compiler: a matter or bundle (an Application from main/catalog) becomes an xstate machine made
 * of the reusable step machines, one state per step in the application's order:
 *
 *   step0 ─(step done: next)─▶ step1 ─ … ─▶ stepN (review) ─▶ completed (final: { rated, submission })
 *        ◀─(step done: back)──
 *
 * Each state invokes its step machine as the child 'step' with the matter's data; the step's
 * output (next/back and what it adds) is merged into the data. The screens' events arrive at the
 * matter and are forwarded to the step. Back is possible up to the submission, never past it.
 * Every side effect is one of the named actors in `MatterActors`, which the core provides; the
 * machine itself does no I/O. The submission's idempotency key is created by the caller when the
 * matter starts and passed in as input.
 */

/** The six named actors the core provides (tests pass fakes). */
export interface MatterActors {
  /** fromPromise<Acceptance, SubmitCaseInput> */
  submitCase: AnyActorLogic;
  /** fromPromise<void, PrintReceiptInput> */
  printReceipt: AnyActorLogic;
  /** fromPromise<LookupCertificatesOutput, LookupCertificatesInput> */
  lookupCertificates: AnyActorLogic;
  /** fromCallback<…, ScanPagesInput> sending ScanEvent */
  scanPages: AnyActorLogic;
  /** fromCallback<…, TakePaymentInput> sending PaymentEvent */
  takePayment: AnyActorLogic;
  /** fromPromise<void, SubmitRatingInput> */
  submitRating: AnyActorLogic;
}

export interface Prefilled {
  value: string;
  source: 'card' | 'platform';
}

export interface MatterInput {
  /** Created when the matter starts; the same key reaches the platform. */
  idempotencyKey: string;
  /** Pre-filled values by field key (from the ID card or the platform profile). */
  prefill: Record<string, Prefilled>;
}

export interface MatterContext {
  app: Application;
  rating: RatingContent;
  config: MatterConfig;
  idempotencyKey: string;
  prefill: Record<string, Prefilled>;
  data: MatterData;
  /** Index of the current step in app.steps. */
  stepIndex: number;
}

export interface MatterOutput {
  rated: boolean;
  submission: Acceptance | null;
}

export type MatterInternalEvent = { type: 'SUBMITTED'; acceptance: Acceptance | null };

/** Every event type a screen can cause; the matter forwards them to its current step. */
export const MATTER_EVENT_TYPES: readonly MatterEventType[] = [
  'NEXT',
  'BACK',
  'INPUT',
  'COMMIT',
  'DECLINE_COMMITMENT',
  'USE_CERTIFICATE',
  'DECLINE_CERTIFICATE',
  'SCAN',
  'REMOVE_PAGES',
  'USE_COMMITMENT',
  'PAY',
  'SUBMIT',
  'REPRINT',
  'RATE',
  'RATE_REASONS',
];

export interface CompileOptions {
  actors: MatterActors;
  /** The 好差评 content in force (from the catalog). */
  rating: RatingContent;
  config?: Partial<MatterConfig>;
}

export class CompileError extends Error {
  override readonly name = 'CompileError';
}

/** The index of 'submit' (every valid application has one). */
function submitIndex(steps: readonly StepKind[]): number {
  const i = steps.indexOf('submit');
  if (i < 0) throw new CompileError('an application needs a submit step');
  return i;
}

/** Back is possible from step i to i-1 when i > 0 and nothing before i was submitted. */
export function backAllowed(steps: readonly StepKind[], i: number): boolean {
  return i > 0 && i <= submitIndex(steps);
}

function stepInput(context: MatterContext, i: number): ReviewInput {
  const steps = context.app.steps;
  const base: StepInput = {
    app: context.app,
    data: context.data,
    idempotencyKey: context.idempotencyKey,
    canBack: backAllowed(steps, i),
    printFollows: steps[i + 1] === 'print',
    config: context.config,
  };
  return { ...base, rating: context.rating };
}

function merge(data: MatterData, out: StepOutput): MatterData {
  return { ...data, ...out.data };
}

export function compileMatter(app: Application, opts: CompileOptions) {
  const steps = app.steps;
  const last = steps.length - 1;
  const sub = submitIndex(steps);
  if (steps[last] !== 'review') throw new CompileError('an application ends with the review step');
  const config: MatterConfig = { ...DEFAULT_MATTER_CONFIG, ...opts.config };
  const a = opts.actors;

  const forward = Object.fromEntries(MATTER_EVENT_TYPES.map((t) => [t, { actions: 'forward' }]));
  const states: Record<string, unknown> = {};
  steps.forEach((kind, i) => {
    const done: unknown[] = [];
    if (backAllowed(steps, i)) done.push({ guard: 'wentBack', target: `step${i - 1}`, actions: 'absorb' });
    done.push({ target: i === last ? 'completed' : `step${i + 1}`, actions: 'absorb' });
    states[`step${i}`] = {
      tags: [kind, ...(i > sub ? ['submitted'] : [])],
      entry: assign({ stepIndex: i }),
      invoke: { id: 'step', src: kind, input: ({ context }: { context: MatterContext }) => stepInput(context, i), onDone: done },
    };
  });
  states.completed = { type: 'final', tags: ['submitted'] };

  return setup({
    types: {
      input: {} as MatterInput,
      context: {} as MatterContext,
      events: {} as MatterEvent | MatterInternalEvent,
      output: {} as MatterOutput,
    },
    actors: {
      notice: noticeStep,
      form: formStep,
      commitment: commitmentStep,
      materials: materialsStep.provide({ actors: { lookupCertificates: a.lookupCertificates, scanPages: a.scanPages } as never }),
      fee: feeStep.provide({ actors: { takePayment: a.takePayment } as never }),
      submit: submitStep.provide({ actors: { submitCase: a.submitCase } as never }),
      print: printStep.provide({ actors: { printReceipt: a.printReceipt } as never }),
      review: reviewStep.provide({ actors: { submitRating: a.submitRating } as never }),
    },
    guards: {
      wentBack: ({ event }) => (event as unknown as { output: StepOutput }).output.result === 'back',
    },
    actions: {
      forward: sendTo('step', ({ event }) => event),
      absorb: assign({ data: ({ context, event }) => merge(context.data, (event as unknown as { output: StepOutput }).output) }),
      recordSubmission: assign({
        data: ({ context, event }) => (event.type === 'SUBMITTED' && event.acceptance ? { ...context.data, submission: event.acceptance } : context.data),
      }),
    },
  }).createMachine({
    id: `matter:${app.code}`,
    context: ({ input }) => {
      const values: Record<string, string> = {};
      for (const f of app.fields) values[f.key] = input.prefill[f.key]?.value ?? '';
      return { app, rating: opts.rating, config, idempotencyKey: input.idempotencyKey, prefill: input.prefill, data: emptyData(values), stepIndex: 0 };
    },
    initial: 'step0',
    on: { ...forward, SUBMITTED: { actions: 'recordSubmission' } } as never,
    output: ({ context }) => ({ rated: context.data.rated, submission: context.data.submission }),
    states: states as never,
  });
}

export type MatterMachine = ReturnType<typeof compileMatter>;
export type MatterActorRef = ActorRefFrom<MatterMachine>;
export type MatterSnapshot = SnapshotFrom<MatterMachine>;
