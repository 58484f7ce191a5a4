import { z } from 'zod';

/**
 * Whether the terminal serves citizens (maintenance hand-over, after XFS4IoT VendorMode): pushed to the citizen
 * screen as 'service.status' and to technicians inside 'tech.state'.
 *
 *   in-service ──service out──▶ closing (a citizen finishes, or is told and ends now) ──▶ out-of-service
 *   out-of-service ──service in (health checks pass)──▶ in-service
 */
export const ServiceState = z.enum(['in-service', 'closing', 'out-of-service']);
export type ServiceState = z.infer<typeof ServiceState>;

/** How a closing terminal lets the current citizen go: finish the matter first, or end it now after a notice. */
export const ClosingMode = z.enum(['after-session', 'now']);
export type ClosingMode = z.infer<typeof ClosingMode>;

/** Where the technician screen is entered from the citizen screen (attract and out-of-service screens only). */
export const TechnicianEntry = z.object({
  /** Taps on one corner of the screen within a time window; null = no gesture. */
  gesture: z
    .object({
      corner: z.enum(['top-left', 'top-right', 'bottom-left', 'bottom-right']),
      taps: z.number().int().min(3).max(12),
      withinMs: z.number().int().min(500).max(10_000),
    })
    .nullable(),
  /** A service key (KeyboardEvent.key, e.g. "F10") on a maintenance keyboard; null = none. */
  key: z.string().min(1).max(20).nullable(),
});
export type TechnicianEntry = z.infer<typeof TechnicianEntry>;

/** What the citizen screen knows about service: no technician names, no device internals. */
export const ServiceStatus = z.object({
  state: ServiceState,
  /** Words for the out-of-service screen (the technician's reason); null in service. */
  reason: z.string().max(300).nullable(),
  /** Present while closing: 'now' counts down before the session is ended; 'after-session' waits for the citizen. */
  closing: z
    .object({
      mode: ClosingMode,
      secondsLeft: z.number().int().nonnegative().nullable(),
    })
    .nullable(),
  technicianEntry: TechnicianEntry,
});
export type ServiceStatus = z.infer<typeof ServiceStatus>;
