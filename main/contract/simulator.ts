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

/** Faults the panel can switch on the simulated receipt printer. */
export const PrinterSimFaultName = z.enum(['paperNearEnd', 'paperOut', 'coverOpen', 'cutterError', 'silence']);
export type PrinterSimFaultName = z.infer<typeof PrinterSimFaultName>;

export const PrinterSimState = z.object({
  connected: z.boolean(),
  paper: z.enum(['58mm', '80mm']),
  faults: z.object({
    paperNearEnd: z.boolean(),
    paperOut: z.boolean(),
    coverOpen: z.boolean(),
    cutterError: z.boolean(),
    silence: z.boolean(),
  }),
  /** The kiosk's printer device as the supervisor sees it (state, warnings, last error). */
  device: z.object({
    state: z.enum(['online', 'offline', 'busy', 'error', 'no-device']),
    warnings: z.array(z.string()),
    lastError: z.object({ code: z.string(), action: z.string(), fault: z.string().optional(), message: z.string() }).optional(),
  }),
  receipts: z.number().int().min(0),
  /** SVG preview of the last cut receipt (sample/test data only). */
  lastReceiptSvg: z.string().nullable(),
  /** Outcome of the last "print test receipt" from the panel. */
  lastPrint: z.object({ ok: z.boolean(), message: z.string(), at: z.number() }).nullable(),
});
export type PrinterSimState = z.infer<typeof PrinterSimState>;

/** The embedded platform simulator of web mode (null when the profile names a real platform). */
export const PlatformSimState = z.object({
  /** Its loopback URL: tests read its /_sim/ inspection routes there. */
  url: z.string(),
  /** Switched off from the panel: every request is refused as an unreachable platform would be. */
  outage: z.boolean(),
  /** Cases and ratings it holds. */
  cases: z.number().int().min(0),
  ratings: z.number().int().min(0),
});
export type PlatformSimState = z.infer<typeof PlatformSimState>;

/** The simulated document scanner (until the scanner driver lands): faults for the next scans. */
export const ScannerSimFaultName = z.enum(['jam', 'empty']);
export type ScannerSimFaultName = z.infer<typeof ScannerSimFaultName>;
export const ScannerSimState = z.object({
  connected: z.boolean(),
  fault: ScannerSimFaultName.nullable(),
  /** Pages the feeder holds per scan (1 = a flatbed). */
  pagesPerScan: z.number().int().min(1).max(20),
  scans: z.number().int().min(0),
});
export type ScannerSimState = z.infer<typeof ScannerSimState>;

/** The simulated payment pad (until the pad driver lands): decline, or lose the reply after the debit. */
export const PaymentSimFaultName = z.enum(['decline', 'lostAfterDebit']);
export type PaymentSimFaultName = z.infer<typeof PaymentSimFaultName>;
export const PaymentSimState = z.object({
  connected: z.boolean(),
  fault: PaymentSimFaultName.nullable(),
  sales: z.array(z.object({ key: z.string(), outcome: z.enum(['approved', 'declined']), amountFen: z.number().int().nullable(), reversed: z.boolean() })),
});
export type PaymentSimState = z.infer<typeof PaymentSimState>;

export const SimState = z.object({
  samples: z.array(SampleIdentity),
  idCard: z.object({ placed: z.string().nullable(), connected: z.boolean() }),
  /** null when the profile has no simulated printer. */
  printer: PrinterSimState.nullable(),
  platform: PlatformSimState.nullable(),
  /** null when the host provides no simulated scanner. */
  scanner: ScannerSimState.nullable(),
  /** null when the host provides no simulated payment pad. */
  payment: PaymentSimState.nullable(),
});
export type SimState = z.infer<typeof SimState>;

/**
 * A sample identity's name: lowercase words joined by '-' (e.g. "resident-zhang"). Never an object key such as
 * "__proto__" or "constructor": the names of Object.prototype are refused outright, whatever the lookup does.
 */
const OBJECT_PROTOTYPE_NAMES = new Set(['constructor', 'prototype', 'tostring', 'valueof', 'hasownproperty', 'isprototypeof', 'propertyisenumerable', 'tolocalestring']);
export const SampleIdentityKey = z
  .string()
  .min(1)
  .max(64)
  .regex(/^[a-z0-9]+(?:-[a-z0-9]+)*$/, 'a sample identity name: lowercase letters and digits, words joined by "-"')
  .refine((k) => !OBJECT_PROTOTYPE_NAMES.has(k.toLowerCase()), { message: 'not a sample identity name' });
export const SimPlaceCard = z.object({ key: SampleIdentityKey }).strict();
export const SimFault = z.object({ device: z.string().min(1), fault: z.string().min(1), on: z.boolean() }).strict();
export const SimPrinterFault = z.object({ fault: PrinterSimFaultName, on: z.boolean() }).strict();
export const SimConnectedBody = z.object({ connected: z.boolean() }).strict();
export const SimPlatformOutage = z.object({ on: z.boolean() }).strict();
export const SimScannerFault = z.object({ fault: ScannerSimFaultName.nullable(), pagesPerScan: z.number().int().min(1).max(20).optional() }).strict();
export const SimPaymentFault = z.object({ fault: PaymentSimFaultName.nullable() }).strict();

/**
 * GET /sim/api/printer/receipts: the bytes the simulated printer accepted for each receipt it cut, newest
 * last (at most 20), base64 — tests decode them with the ESC/POS decoder, independently of the preview.
 */
export const SimPrinterReceipts = z.object({
  receipts: z.array(z.object({ at: z.number(), bytes: z.string() })),
});
export type SimPrinterReceipts = z.infer<typeof SimPrinterReceipts>;

/**
 * GET /sim/api/platform/deliveries: what the kiosk delivered to the embedded platform (case submissions and
 * ratings, with the platform's reply status), oldest first, the last 100. Sample data only (web mode).
 */
export const PlatformDelivery = z.object({
  kind: z.enum(['case', 'rating']),
  at: z.number(),
  /** The platform's HTTP status (201 new case, 200 replay or rating, 0 when it could not be reached). */
  status: z.number().int(),
  idempotencyKey: z.string().nullable(),
  /** The case number: from the platform's reply for a case, from the path for a rating. */
  caseNumber: z.string().nullable(),
  body: z.unknown(),
});
export type PlatformDelivery = z.infer<typeof PlatformDelivery>;
export const SimPlatformDeliveries = z.object({ deliveries: z.array(PlatformDelivery) });
export type SimPlatformDeliveries = z.infer<typeof SimPlatformDeliveries>;
