import type { Application } from '../../catalog/index.js';
import type { MatterData, StepOutput } from '../matter-types.js';

/** Timings of a matter (simulated in tests). */
export interface MatterConfig {
  /** How long "请取走回执" stays before the rating screen comes by itself (好差评: the kiosk moves to it). */
  printedPauseMs: number;
  /** Receipts one matter may print (the first and its reprints). */
  maxPrints: number;
}

export const DEFAULT_MATTER_CONFIG: MatterConfig = { printedPauseMs: 4000, maxPrints: 3 };

/** What every step machine is started with. */
export interface StepInput {
  app: Application;
  data: MatterData;
  /** The submission's idempotency key, created when the matter started. */
  idempotencyKey: string;
  /** BACK leaves this step for the previous one (false on the first step and after the submission). */
  canBack: boolean;
  /** The step after this one is 'print' (submit moves on by itself after the acceptance). */
  printFollows: boolean;
  config: MatterConfig;
}

export const next = (data: Partial<MatterData> = {}): StepOutput => ({ result: 'next', data });
export const back = (data: Partial<MatterData> = {}): StepOutput => ({ result: 'back', data });
