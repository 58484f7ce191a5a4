import { z } from 'zod';

/**
 * The simulator control panel (web mode only): what a trainer or a test can do to the
 * simulated devices. Served by main/web over HTTP with the per-start token.
 */
export const SampleIdentity = z.object({
  key: z.string(),
  /** Label for the panel, e.g. "居民身份证 · 张三". Sample data only, never real citizens. */
  label: z.string(),
  cardType: z.string(),
});
export type SampleIdentity = z.infer<typeof SampleIdentity>;

export const SimState = z.object({
  samples: z.array(SampleIdentity),
  idCard: z.object({ placed: z.string().nullable(), connected: z.boolean() }),
});
export type SimState = z.infer<typeof SimState>;

export const SimPlaceCard = z.object({ key: z.string().min(1).max(100) }).strict();
export const SimFault = z.object({ device: z.string().min(1), fault: z.string().min(1), on: z.boolean() }).strict();
