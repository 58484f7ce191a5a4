import { z } from 'zod';
import { DeviceKind, DeviceStatus, NextAction } from './devices.js';
import { ClosingMode, ServiceState } from './service.js';
import { Screen } from './session.js';

/**
 * The technician namespace `tech.*`: the operations a technician runs against the running core, whether from
 * kioskctl over the control socket or from the PIN-protected technician screen. The citizen renderer's channel
 * refuses every one of them.
 *
 * Every method says, besides its params and result:
 * - `kind`: 'read' (inspects) or 'action' (changes something, or reads something sensitive). Every action is
 *   journalled with who ran it (PIN slot, socket user) and its outcome.
 * - `remote`: whether a remote operations centre may run it later over the fleet bridge (MQTT, signed and
 *   journalled commands; see docs/technician.md). Never for what reads citizen data, queue contents or
 *   credentials, or needs a person at the kiosk (a card on the reader).
 */

const Empty = z.object({}).strict();
const DeviceId = z.string().min(1).max(64);
const Day = z.string().regex(/^\d{4}-\d{2}-\d{2}$/, 'expected YYYY-MM-DD');
export const HealthLevel = z.enum(['internal', 'external', 'interactive']);
export type HealthLevel = z.infer<typeof HealthLevel>;

/** Who ran a technician operation. 'remote' is reserved for the fleet bridge. */
export const TechActor = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('pin'), slot: z.string().min(1).max(40) }),
  z.object({ kind: z.literal('socket'), user: z.string().min(1).max(64), uid: z.number().int().nonnegative() }),
  z.object({ kind: z.literal('remote'), operator: z.string().min(1).max(64), cmdId: z.string().min(1).max(100) }),
  z.object({ kind: z.literal('system') }),
]);
export type TechActor = z.infer<typeof TechActor>;

/** A device as a technician sees it: the citizen-side status plus the next action while it needs one. */
export const TechDevice = DeviceStatus.extend({
  /** What to do now; null while the device is online or busy. */
  nextAction: NextAction.nullable(),
});
export type TechDevice = z.infer<typeof TechDevice>;

/** Persistent usage counters (UnifiedPOS statistics), per device and per day (China Standard Time). */
export const UsageCounterName = z.enum([
  'cardsRead',
  'readFailures',
  'receipts',
  'lines',
  'cuts',
  'paperOuts',
  'scans',
  'paymentsApproved',
  'paymentsDeclined',
  'linkDrops',
]);
export type UsageCounterName = z.infer<typeof UsageCounterName>;
export const DeviceDayCounters = z.object({
  day: Day,
  device: DeviceId,
  counters: z.partialRecord(UsageCounterName, z.number().int().nonnegative()),
});
export type DeviceDayCounters = z.infer<typeof DeviceDayCounters>;

/**
 * One frame of a device's protocol trace: never citizen data. `header` is the hex of the frame's header only
 * (an ID card read reply shows its status words and length, never its text; a print job shows its commands).
 */
export const TraceEntry = z.object({
  at: z.number(),
  dir: z.enum(['tx', 'rx']),
  /** Command or status name, e.g. 'read card', 'reply 90 (ok)', 'text×12, lf×12, qr, cut'. */
  name: z.string().max(200),
  /** Bytes in the frame (or write). */
  length: z.number().int().nonnegative(),
  header: z.string().regex(/^([0-9a-f]{2}( [0-9a-f]{2})*)?$/).max(95),
  /** How many times this frame came in a row (a poll and its answer fold into one pair with a count). */
  repeat: z.number().int().min(1),
});
export type TraceEntry = z.infer<typeof TraceEntry>;

export const HealthResult = z.object({
  device: DeviceId,
  kind: DeviceKind,
  level: HealthLevel,
  ok: z.boolean(),
  text: z.string().max(1000),
  checkedAt: z.number(),
});
export type HealthResult = z.infer<typeof HealthResult>;

/** Why the terminal is out of service: a technician's hand-over, or a fault the core found (storage, keys…). */
export const ServiceHold = z.object({
  source: z.enum(['technician', 'storage', 'system']),
  reason: z.string().max(300),
  since: z.number(),
  by: TechActor.optional(),
});
export type ServiceHold = z.infer<typeof ServiceHold>;

export const TechServiceState = z.object({
  state: ServiceState,
  holds: z.array(ServiceHold),
  closing: z.object({ mode: ClosingMode, since: z.number(), deadline: z.number().nullable() }).nullable(),
  /** What the citizen screen shows right now (no citizen data). */
  screen: Screen,
});
export type TechServiceState = z.infer<typeof TechServiceState>;

export const QueueStats = z.object({
  pending: z.number().int().nonnegative(),
  inFlight: z.number().int().nonnegative(),
  dead: z.number().int().nonnegative(),
  acked: z.number().int().nonnegative(),
  oldestPendingAgeMs: z.number().nullable(),
  bytes: z.number().int().nonnegative(),
  deadBytes: z.number().int().nonnegative(),
  freeSpace: z.object({ freeBytes: z.number(), floorBytes: z.number(), ok: z.boolean() }),
});
export type QueueStats = z.infer<typeof QueueStats>;

export const DeadLetterSummary = z.object({
  id: z.number().int().positive(),
  idempotencyKey: z.string(),
  acceptanceNumber: z.string(),
  kind: z.string(),
  test: z.boolean(),
  attempts: z.number().int().nonnegative(),
  deadAt: z.number().nullable(),
  /** Technical reason (HTTP status, platform code): never citizen data. */
  reason: z.string().nullable(),
});
export type DeadLetterSummary = z.infer<typeof DeadLetterSummary>;

export const PlatformCheck = z.object({
  url: z.string().nullable(),
  reachable: z.boolean(),
  /** Round trip of the signed health request. */
  ms: z.number().nullable(),
  /** The platform's clock minus ours (from the midpoint of the request); positive = we are behind. */
  clockOffsetMs: z.number().nullable(),
  platformTime: z.string().nullable(),
  catalogVersion: z.union([z.string(), z.number()]).nullable(),
  problem: z.string().nullable(),
});
export type PlatformCheck = z.infer<typeof PlatformCheck>;

/** The technician screen's live picture, pushed as 'tech.state' whenever any part changes. */
export const TechState = z.object({
  terminal: z.object({ id: z.string(), siteName: z.string() }),
  service: TechServiceState,
  devices: z.array(TechDevice),
  queue: QueueStats.nullable(),
  platform: z.object({
    state: z.enum(['online', 'offline', 'unknown']),
    url: z.string().nullable(),
    /** Why the platform cannot be used (as the attract screen's system status says); null when fine. */
    problem: z.string().nullable(),
  }),
  /** Devices held by a technician test right now (a test card read waits for a card: place it now). */
  heldForTest: z.array(z.string()),
});
export type TechState = z.infer<typeof TechState>;

export const LoginResult = z.discriminatedUnion('ok', [
  z.object({ ok: z.literal(true), slot: z.string(), idleSeconds: z.number().int().positive() }),
  z.object({
    ok: z.literal(false),
    reason: z.enum(['wrong-pin', 'locked', 'no-pins']),
    /** Wrong PINs left before the next lockout (wrong-pin). */
    attemptsLeft: z.number().int().nonnegative().nullable(),
    /** Seconds until the PIN pad accepts a PIN again (locked). */
    retryInSeconds: z.number().int().nonnegative().nullable(),
  }),
]);
export type LoginResult = z.infer<typeof LoginResult>;

/** The test card read: proves the reader works without showing who the citizen is. */
export const CardTestRead = z.object({
  cardType: z.enum(['resident', 'hk-mo-tw-residence', 'foreign-permanent', 'foreign-permanent-2023']),
  maskedId: z.string(),
  idNumberValid: z.boolean(),
  expired: z.boolean(),
  photoBytes: z.number().int().nonnegative().nullable(),
  ms: z.number(),
});
export type CardTestRead = z.infer<typeof CardTestRead>;

export const ServiceInResult = z.discriminatedUnion('ok', [
  z.object({ ok: z.literal(true), state: TechServiceState, checks: z.array(HealthResult), forced: z.boolean() }),
  z.object({
    ok: z.literal(false),
    /** The devices (or 'storage') that failed their checks, with what they said. */
    failing: z.array(z.object({ device: z.string(), text: z.string() })),
    checks: z.array(HealthResult),
    state: TechServiceState,
  }),
]);
export type ServiceInResult = z.infer<typeof ServiceInResult>;

export const JournalVerify = z.object({
  available: z.boolean(),
  ok: z.boolean(),
  entries: z.number().int().nonnegative(),
  problem: z.string().nullable(),
});
export type JournalVerify = z.infer<typeof JournalVerify>;

interface MethodSpec {
  params: z.ZodType;
  result: z.ZodType;
  kind: 'read' | 'action';
  remote: boolean;
}
const method = <P extends z.ZodType, R extends z.ZodType, K extends 'read' | 'action', Rem extends boolean>(m: {
  params: P;
  result: R;
  kind: K;
  remote: Rem;
}) => m satisfies MethodSpec;

/** Every technician request: name → params, result, kind, remote. */
export const techInvoke = {
  // ---- identification (channel-specific: the screen logs in with a PIN, the socket proves its uid)
  /** Socket only: the client proves its uid by creating the challenge file (see control-socket.ts). */
  'tech.hello': method({ params: z.object({ proof: z.string().regex(/^[0-9a-f]{32}$/), client: z.string().max(100).optional() }).strict(), result: z.object({ user: z.string(), uid: z.number().int(), terminalId: z.string() }), kind: 'read', remote: false }),
  /** Technician screen only. */
  'tech.login': method({ params: z.object({ pin: z.string().regex(/^\d{4,12}$/, 'a PIN is 4 to 12 digits') }).strict(), result: LoginResult, kind: 'action', remote: false }),
  'tech.logout': method({ params: Empty, result: z.null(), kind: 'action', remote: false }),
  /** A touch on the technician screen (it leaves by itself after the idle time). */
  'tech.activity': method({ params: Empty, result: z.null(), kind: 'read', remote: false }),

  // ---- looking
  'tech.state': method({ params: Empty, result: TechState, kind: 'read', remote: true }),
  'tech.devices.list': method({ params: Empty, result: z.array(TechDevice), kind: 'read', remote: true }),
  'tech.devices.health': method({
    params: z.object({ level: HealthLevel.default('internal'), device: DeviceId.optional() }).strict(),
    result: z.array(HealthResult),
    kind: 'action',
    remote: true,
  }),
  'tech.devices.counters': method({
    params: z.object({ days: z.number().int().min(1).max(366).default(1), device: DeviceId.optional() }).strict(),
    result: z.array(DeviceDayCounters),
    kind: 'read',
    remote: true,
  }),
  'tech.devices.trace': method({
    params: z.object({ device: DeviceId, limit: z.number().int().min(1).max(500).default(50) }).strict(),
    result: z.array(TraceEntry),
    kind: 'action',
    remote: true,
  }),
  'tech.platform.check': method({ params: Empty, result: PlatformCheck, kind: 'read', remote: true }),
  'tech.logs.tail': method({ params: z.object({ lines: z.number().int().min(1).max(500).default(50) }).strict(), result: z.object({ lines: z.array(z.string()) }), kind: 'action', remote: true }),
  'tech.journal.verify': method({ params: Empty, result: JournalVerify, kind: 'action', remote: true }),

  // ---- the offline queue
  'tech.queue.stats': method({ params: Empty, result: QueueStats, kind: 'read', remote: true }),
  'tech.queue.keys': method({
    params: z.object({ state: z.enum(['pending', 'in_flight', 'acked', 'dead']).optional(), afterId: z.number().int().nonnegative().default(0), limit: z.number().int().min(1).max(2000).default(1000) }).strict(),
    result: z.object({ keys: z.array(z.object({ id: z.number().int(), key: z.string(), state: z.string(), test: z.boolean(), acceptanceNumber: z.string(), caseNumber: z.string().optional() })), more: z.boolean() }),
    kind: 'read',
    remote: false,
  }),
  'tech.queue.dead': method({ params: z.object({ limit: z.number().int().min(1).max(200).default(50) }).strict(), result: z.array(DeadLetterSummary), kind: 'read', remote: true }),
  /** Dead letters back into the queue: all of them, or one by id. Never returns contents (remote-safe). */
  'tech.queue.retry': method({ params: z.union([z.object({ all: z.literal(true) }).strict(), z.object({ id: z.number().int().positive() }).strict()]), result: z.object({ moved: z.number().int().nonnegative() }), kind: 'action', remote: true }),
  /** Writes the dead letters, still sealed, into <dataDir>/exports (mode 0640, the technician group). */
  'tech.queue.exportDead': method({ params: Empty, result: z.object({ file: z.string(), count: z.number().int().nonnegative() }), kind: 'action', remote: false }),
  /** Makes every pending entry due now, wakes the core's one delivery loop and waits until nothing is pending. */
  'tech.queue.drainNow': method({ params: z.object({ timeoutSeconds: z.number().int().min(1).max(3600).default(60) }).strict(), result: z.object({ drained: z.boolean(), stats: QueueStats }), kind: 'action', remote: true }),

  // ---- maintenance hand-over
  'tech.service.out': method({ params: z.object({ reason: z.string().trim().min(1).max(200), now: z.boolean().default(false) }).strict(), result: TechServiceState, kind: 'action', remote: true }),
  'tech.service.in': method({ params: z.object({ force: z.boolean().default(false) }).strict(), result: ServiceInResult, kind: 'action', remote: true }),

  // ---- device tests through the core's own devices
  'tech.printer.test': method({ params: Empty, result: z.object({ printed: z.literal(true), device: z.string(), warnings: z.array(z.string()) }), kind: 'action', remote: false }),
  /** Waits for the next card placed on the reader; citizens' sessions do not see it. */
  'tech.idCard.read': method({ params: z.object({ timeoutSeconds: z.number().int().min(1).max(120).default(30) }).strict(), result: CardTestRead, kind: 'action', remote: false }),
} as const;

/** Pushed to technician channels (the screen once logged in, the socket once it said hello). */
export const techPush = {
  'tech.state': TechState,
  /** The screen's login session: 'locked' after logout, the idle timeout or a lockout. */
  'tech.session': z.object({ state: z.enum(['locked', 'unlocked']), slot: z.string().nullable(), reason: z.enum(['login', 'logout', 'idle', 'replaced']).nullable() }),
  /** Socket only, first message: create `<dir>/<nonce>` and send tech.hello { proof: nonce }. */
  'tech.challenge': z.object({ nonce: z.string(), dir: z.string() }),
} as const;

export type TechInvokeName = keyof typeof techInvoke;
export type TechPushName = keyof typeof techPush;
export type TechParams<N extends TechInvokeName> = z.input<(typeof techInvoke)[N]['params']>;
export type TechResult<N extends TechInvokeName> = z.infer<(typeof techInvoke)[N]['result']>;
export type TechPushPayload<P extends TechPushName> = z.infer<(typeof techPush)[P]>;

export const TECH_PREFIX = 'tech.';

export function isTechMethod(name: string): boolean {
  return name.startsWith(TECH_PREFIX);
}

export function isTechInvokeName(name: string): name is TechInvokeName {
  return Object.prototype.hasOwnProperty.call(techInvoke, name);
}

/** Methods a remote operations centre may run (the fleet bridge's allowlist). */
export const REMOTE_TECH_METHODS = (Object.keys(techInvoke) as TechInvokeName[]).filter((n) => techInvoke[n].remote);

/** The state of a device as a next action (one rule for the CLI and the screen). */
export function nextActionOf(d: Pick<DeviceStatus, 'state' | 'lastError'>): z.infer<typeof NextAction> | null {
  if (d.state === 'online' || d.state === 'busy') return null;
  if (d.lastError) return d.lastError.action;
  if (d.state === 'offline') return 'wait';
  return 'maintenance';
}

