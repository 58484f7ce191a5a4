import { z } from 'zod';

/**
 * The shell ↔ core contract in Electron: the messages on the utility process's parentPort and the core's
 * exit codes. Both sides import these (main/electron/core-supervisor.ts, main/core/utility-entry.ts), and
 * each side's tests check it speaks the other's schema.
 *
 *   shell → core  { type: 'connect' } with a MessagePort transferred (once per renderer load); the contract's
 *                 request/reply envelopes then travel over that port. `audience: 'technician'` when the page is
 *                 the technician screen (tech.html): tech.* after a PIN login, nothing of the citizen's.
 *   core → shell  { type: 'ready' } once the core serves (storage problems included: the kiosk shows its
 *                 out-of-service screen, the core keeps running so it can recover and be inspected);
 *                 { type: 'fatal', message } before exiting with CORE_EXIT.config: a configuration the core
 *                 cannot start with. Restarting will not help; the shell shows its own out-of-service page.
 */

// Unknown extra fields are dropped, not refused: a newer shell or core may add some (forward compatible);
// an unknown `type` is refused.
export const ShellToCoreMessage = z.discriminatedUnion('type', [
  z.object({
    type: z.literal('connect'),
    /** The technician screen's page (tech.html): its port reaches tech.* after a PIN login. Absent = the citizen screen. */
    audience: z.literal('technician').optional(),
  }),
]);
export type ShellToCoreMessage = z.infer<typeof ShellToCoreMessage>;

/** Longest fatal message (it names the profile file and the field; never citizen data). */
export const MAX_FATAL_MESSAGE = 2000;

export const CoreToShellMessage = z.discriminatedUnion('type', [
  z.object({ type: z.literal('ready') }),
  z.object({ type: z.literal('fatal'), message: z.string().min(1).max(MAX_FATAL_MESSAGE) }),
]);
export type CoreToShellMessage = z.infer<typeof CoreToShellMessage>;

/**
 * Exit codes of the core process. `config` is sysexits' EX_CONFIG: the shell does not restart a core that
 * exits with it (same meaning as a 'fatal' message). Any other non-zero code is a crash, restarted with
 * backoff up to a limit.
 */
export const CORE_EXIT = {
  /** Stopped on request (SIGTERM from the shell). */
  ok: 0,
  /** An unexpected error: restarted. */
  crash: 1,
  /** Started outside a utility process (no parentPort). */
  usage: 2,
  /** The terminal profile is invalid: not restarted, out of service. */
  config: 78,
} as const;
export type CoreExitCode = (typeof CORE_EXIT)[keyof typeof CORE_EXIT];
