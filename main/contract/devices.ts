import { z } from 'zod';

export const DeviceKind = z.enum(['id-card', 'receipt-printer', 'scanner', 'payment', 'qr-reader']);
export type DeviceKind = z.infer<typeof DeviceKind>;
export const DeviceState = z.enum(['online', 'offline', 'busy', 'error', 'no-device']);
export const NextAction = z.enum(['retry', 'reset', 'clear', 'maintenance', 'wait']);
export type NextAction = z.infer<typeof NextAction>;

export const DeviceStatus = z.object({
  id: z.string(),
  kind: DeviceKind,
  state: DeviceState,
  info: z.object({
    kind: DeviceKind,
    transport: z.string(),
    path: z.string().optional(),
    model: z.string().optional(),
    firmware: z.string().optional(),
    serial: z.string().optional(),
  }),
  counters: z.record(z.string(), z.number()),
  lastError: z
    .object({
      code: z.string(),
      action: NextAction,
      fault: z.string().optional(),
      message: z.string(),
      at: z.number(),
    })
    .optional(),
  warnings: z.array(z.string()),
  since: z.number(),
});
export type DeviceStatus = z.infer<typeof DeviceStatus>;
