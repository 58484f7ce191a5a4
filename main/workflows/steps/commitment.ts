import { assign, setup } from 'xstate';
import type { MatterData, MatterEvent, StepOutput } from '../matter-types.js';
import { back, next, type StepInput } from './common.js';

/**
 * commitment (告知承诺): the matter's commitment text; 我承诺 records the time (the core adds the
 * text's version hash to the submission); declining is possible when the matter does not require
 * it, and then no material may be replaced by the commitment.
 */
export const commitmentStep = setup({
  types: {
    input: {} as StepInput,
    context: {} as { input: StepInput; out: StepOutput | null },
    events: {} as MatterEvent,
    output: {} as StepOutput,
  },
  guards: {
    canBack: ({ context }) => context.input.canBack,
    mayDecline: ({ context }) => context.input.app.commitment?.required === false,
  },
  actions: {
    commit: assign({ out: ({ event }) => next({ commitment: { decision: 'committed', at: event.type === 'COMMIT' ? event.at : 0 } }) }),
    decline: assign({
      out: ({ context }) => {
        // Materials the commitment stood for are no longer provided.
        const materials: MatterData['materials'] = {};
        for (const [k, p] of Object.entries(context.input.data.materials)) if (p.by !== 'commitment') materials[k] = p;
        return next({ commitment: { decision: 'declined' }, materials });
      },
    }),
    finishBack: assign({ out: () => back() }),
  },
}).createMachine({
  id: 'commitment',
  context: ({ input }) => ({ input, out: null }),
  initial: 'reading',
  output: ({ context }) => context.out ?? next(),
  states: {
    reading: {
      tags: ['idle'],
      on: {
        COMMIT: { target: 'done', actions: 'commit' },
        DECLINE_COMMITMENT: { guard: 'mayDecline', target: 'done', actions: 'decline' },
        BACK: { guard: 'canBack', target: 'done', actions: 'finishBack' },
      },
    },
    done: { type: 'final' },
  },
});
