import { assign, setup } from 'xstate';
import type { MatterEvent, StepOutput } from '../matter-types.js';
import { back, next, type StepInput } from './common.js';

/** notice (一次性告知): the citizen reads what the matter needs and confirms ("我已阅读，下一步"). */
export const noticeStep = setup({
  types: {
    input: {} as StepInput,
    context: {} as { input: StepInput; out: StepOutput | null },
    events: {} as MatterEvent,
    output: {} as StepOutput,
  },
  guards: {
    canBack: ({ context }) => context.input.canBack,
  },
  actions: {
    finishNext: assign({ out: () => next() }),
    finishBack: assign({ out: () => back() }),
  },
}).createMachine({
  id: 'notice',
  context: ({ input }) => ({ input, out: null }),
  initial: 'reading',
  output: ({ context }) => context.out ?? next(),
  states: {
    reading: {
      tags: ['idle'],
      on: {
        NEXT: { target: 'done', actions: 'finishNext' },
        BACK: { guard: 'canBack', target: 'done', actions: 'finishBack' },
      },
    },
    done: { type: 'final' },
  },
});
