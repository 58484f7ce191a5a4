import { z } from 'zod';

/** Error codes a reply can carry. The renderer maps them to words; it never shows raw codes to citizens. */
export const KioskErrorCode = z.enum([
  'invalid-message', // not JSON, or not a request envelope
  'unknown-method', // no such method in the contract
  'invalid-params', // params fail the method's schema
  'not-allowed', // the method is not allowed in this state or on this host
  'device-error', // a device failed; see message (no citizen data)
  'storage-full', // below the free-space floor: new work refused, queued work kept
  'platform-error', // the provincial platform refused or failed
  'out-of-service', // the terminal is out of service
  'internal', // a bug: logged with a correlation id
]);
export type KioskErrorCode = z.infer<typeof KioskErrorCode>;

export const KioskErrorBody = z.object({
  code: KioskErrorCode,
  message: z.string(),
});
export type KioskErrorBody = z.infer<typeof KioskErrorBody>;

/** Thrown by core handlers to produce a typed `{ok:false}` reply. */
export class KioskError extends Error {
  override readonly name = 'KioskError';
  constructor(
    readonly code: KioskErrorCode,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}
