import { assign, setup } from 'xstate';
import { formIsValid, normaliseValue } from '../form-validation.js';
import type { MatterEvent, StepOutput } from '../matter-types.js';
import { back, next, type StepInput } from './common.js';

export interface FormContext {
  input: StepInput;
  /** As the citizen typed them (normalised when the step is left). */
  values: Record<string, string>;
  /** Keys the citizen changed: their errors show. */
  touched: string[];
  /** Next was pressed with errors: every error shows. */
  attempted: boolean;
  out: StepOutput | null;
}

/**
 * form: one short form, pre-filled (the pre-filled values arrive in data.values), validated from the
 * field definitions. Next moves on only when every field is valid; until then it shows every error.
 */
export const formStep = setup({
  types: {
    input: {} as StepInput,
    context: {} as FormContext,
    events: {} as MatterEvent,
    output: {} as StepOutput,
  },
  guards: {
    canBack: ({ context }) => context.input.canBack,
    knownField: ({ context, event }) => event.type === 'INPUT' && context.input.app.fields.some((f) => f.key === event.key),
    valid: ({ context }) => formIsValid(context.input.app.fields, context.values),
  },
  actions: {
    input: assign(({ context, event }) => {
      if (event.type !== 'INPUT') return {};
      return {
        values: { ...context.values, [event.key]: event.value },
        touched: context.touched.includes(event.key) ? context.touched : [...context.touched, event.key],
      };
    }),
    markAttempted: assign({ attempted: true }),
    finishNext: assign({ out: ({ context }) => next({ values: normalised(context) }) }),
    // Going back keeps what was typed (as typed: it is shown again unchanged).
    finishBack: assign({ out: ({ context }) => back({ values: context.values }) }),
  },
}).createMachine({
  id: 'form',
  context: ({ input }) => ({ input, values: { ...input.data.values }, touched: [], attempted: false, out: null }),
  initial: 'editing',
  output: ({ context }) => context.out ?? next(),
  states: {
    editing: {
      tags: ['idle'],
      on: {
        INPUT: { guard: 'knownField', actions: 'input' },
        NEXT: [{ guard: 'valid', target: 'done', actions: 'finishNext' }, { actions: 'markAttempted' }],
        BACK: { guard: 'canBack', target: 'done', actions: 'finishBack' },
      },
    },
    done: { type: 'final' },
  },
});

function normalised(c: FormContext): Record<string, string> {
  const out: Record<string, string> = { ...c.values };
  for (const f of c.input.app.fields) out[f.key] = normaliseValue(f, c.values[f.key] ?? '');
  return out;
}
