import { z } from 'zod';
import { KioskErrorBody } from './errors.js';
import { Display, Locale, SessionView } from './session.js';
import { DeviceStatus } from './devices.js';
import { ServiceStatus } from './service.js';
import { matterRequests } from './matters.js';
import { caseRequests } from './cases.js';
import { VoiceChoice, VoiceStatus } from './voice.js';

/**
 * Every request the renderer may make of the core: name → params and result schemas.
 * The core validates params before a handler runs; the renderer may validate results.
 */
export const invoke = {
  /** The current view (also pushed as 'session.view' whenever it changes). */
  'session.get': { params: z.object({}).strict(), result: SessionView },
  /** A touch, key or scroll: resets the inactivity timer and dismisses the warning. */
  'session.activity': { params: z.object({}).strict(), result: z.null() },
  /** The citizen ends the session (the "finish" control). During a matter before its submission it asks to confirm, like matter.cancel. */
  'session.finish': { params: z.object({}).strict(), result: z.null() },
  /** Back to the attract screen from 'finished'. */
  'session.dismiss': { params: z.object({}).strict(), result: z.null() },
  'ui.setLocale': { params: z.object({ locale: Locale }).strict(), result: z.null() },
  'ui.setDisplay': { params: Display.strict(), result: z.null() },
  /** Voice guidance on or off, and its volume (0–100), for this citizen. */
  'ui.setVoice': { params: VoiceChoice.strict(), result: z.null() },
  /**
   * The form field now shown by itself (elder mode: one field at a time; 下一步 / 上一步 move between
   * them without a new view from the core): voice guidance says which field it is. Not sent for the
   * field a form opens on (the form's own prompt covers it). Ignored outside a form step.
   */
  'ui.focusField': { params: z.object({ key: z.string().min(1).max(64) }).strict(), result: z.null() },
  'devices.list': { params: z.object({}).strict(), result: z.array(DeviceStatus) },
  'system.get': { params: z.object({}).strict(), result: z.lazy(() => SystemStatus) },
  ...nullResults(matterRequests),
  ...nullResults(caseRequests),
} as const;

/** Requests defined by their params alone (matters.ts, cases.ts): every result is null. */
function nullResults<R extends Record<string, z.ZodType>>(requests: R): { [N in keyof R]: { params: R[N]; result: z.ZodNull } } {
  const out = {} as Record<string, { params: z.ZodType; result: z.ZodNull }>;
  for (const [name, params] of Object.entries(requests)) out[name] = { params, result: z.null() };
  return out as { [N in keyof R]: { params: R[N]; result: z.ZodNull } };
}

/** Platform reachability and the offline queue, shown discreetly on the attract screen. */
export const SystemStatus = z.object({
  platform: z.enum(['online', 'offline', 'unknown']),
  /** Why the platform cannot be used, in words for staff (e.g. "platform unreachable or misrouted"); null when fine. */
  platformProblem: z.string().max(300).nullable().optional(),
  queueDepth: z.number().int().nonnegative(),
  /** 'web' (browser + embedded simulators) or 'electron'. */
  host: z.enum(['web', 'electron']),
  /** Voice guidance: the engine and whether it can be heard (technician screen). */
  voice: VoiceStatus.optional(),
});
export type SystemStatus = z.infer<typeof SystemStatus>;

/**
 * A code shown to the kiosk's QR reader that no matter step took (pushed as 'qr.scanned'): a receipt's QR
 * with its acceptance number, for the attract screen's case look-up; or some other code, whose payload
 * stays in the core (an e-certificate or e-ID code is citizen data and goes only to the platform).
 */
export const QrScanned = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('acceptance-number'), acceptanceNumber: z.string().min(1).max(100), at: z.number() }),
  z.object({ kind: z.literal('code'), at: z.number() }),
]);
export type QrScanned = z.infer<typeof QrScanned>;

/** Everything the core pushes without being asked. */
export const push = {
  'session.view': SessionView,
  'devices.status': z.array(DeviceStatus),
  'system.status': SystemStatus,
  'qr.scanned': QrScanned,
  /** In service, closing (a notice for the citizen) or out of service; also says how technicians enter. */
  'service.status': ServiceStatus,
} as const;

export type InvokeName = keyof typeof invoke;
export type PushName = keyof typeof push;
export type Params<N extends InvokeName> = z.input<(typeof invoke)[N]['params']>;
export type Result<N extends InvokeName> = z.infer<(typeof invoke)[N]['result']>;
export type PushPayload<P extends PushName> = z.infer<(typeof push)[P]>;

export type Reply<T> = { ok: true; value: T } | { ok: false; error: KioskErrorBody };

export function isInvokeName(name: string): name is InvokeName {
  return Object.prototype.hasOwnProperty.call(invoke, name);
}

// ---- wire envelopes (MessagePort and WebSocket carry the same JSON) ----

export const RequestId = z.number().int().nonnegative().max(Number.MAX_SAFE_INTEGER);

export const RequestEnvelope = z.object({
  type: z.literal('request'),
  id: RequestId,
  method: z.string().min(1).max(100),
  params: z.unknown(),
});
export type RequestEnvelope = z.infer<typeof RequestEnvelope>;

export const ReplyEnvelope = z.object({
  type: z.literal('reply'),
  /** null when the request was too malformed to carry an id. */
  id: RequestId.nullable(),
  reply: z.union([z.object({ ok: z.literal(true), value: z.unknown() }), z.object({ ok: z.literal(false), error: KioskErrorBody })]),
});
export type ReplyEnvelope = z.infer<typeof ReplyEnvelope>;

export const EventEnvelope = z.object({
  type: z.literal('event'),
  name: z.string(),
  payload: z.unknown(),
});
export type EventEnvelope = z.infer<typeof EventEnvelope>;

export const ServerMessage = z.discriminatedUnion('type', [ReplyEnvelope, EventEnvelope]);
export type ServerMessage = z.infer<typeof ServerMessage>;

/** Largest message either side accepts, in UTF-16 code units of its JSON text. */
export const MAX_MESSAGE_CHARS = 256 * 1024;

/** What window.kiosk is (Electron preload) and what the web client implements. */
export interface KioskBridge {
  invoke<N extends InvokeName>(name: N, params: Params<N>): Promise<Reply<Result<N>>>;
  on<P extends PushName>(name: P, listener: (payload: PushPayload<P>) => void): () => void;
}
