/**
 * The common device model (after XFS4IoT and UnifiedPOS): every device has a
 * status, device info, usage counters, health checks and status events, and
 * every error carries the next action a person or the software should take.
 *
 * This file is pure TypeScript plus node:events-free helpers; device folders
 * import it, never each other.
 */

/**
 * Every kind of device the kiosk drives. Declared here once; main/contract restates the list (it may
 * import only zod) and main/core/contract-enums.ts fails to compile when the two drift apart.
 */
export const DEVICE_KINDS = ['id-card', 'receipt-printer', 'scanner', 'payment', 'qr-reader'] as const;
export type DeviceKind = (typeof DEVICE_KINDS)[number];

/** online: ready; offline: link lost, reconnecting; busy: an operation runs;
 * error: the device answers but reports a fault; no-device: nothing configured or found. */
export type DeviceState = 'online' | 'offline' | 'busy' | 'error' | 'no-device';

/** What to do about an error. The UI and technician screens speak in these, never in raw codes. */
export type NextAction =
  | 'retry' // try the same operation again
  | 'reset' // reset / reopen the device, then retry
  | 'clear' // staff can fix it: paper, cover, jam, card position
  | 'maintenance' // needs an engineer
  | 'wait'; // recovering by itself

export type DeviceErrorCode =
  | 'not-found'
  | 'disconnected'
  | 'timeout'
  | 'canceled'
  | 'protocol'
  | 'checksum'
  | 'device-fault'
  | 'busy'
  | 'unsupported'
  | 'invalid-data';

export class DeviceError extends Error {
  override readonly name = 'DeviceError';
  constructor(
    readonly device: DeviceKind | 'transport',
    readonly code: DeviceErrorCode,
    message: string,
    readonly action: NextAction,
    /** A device-specific fault name, e.g. 'paper-out', 'cover-open', 'sam-auth-failed'. */
    readonly fault?: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }

  /** A plain, loggable description (no payload bytes, no citizen data). */
  toJSON(): { device: string; code: DeviceErrorCode; action: NextAction; fault?: string; message: string } {
    return {
      device: this.device,
      code: this.code,
      action: this.action,
      ...(this.fault !== undefined ? { fault: this.fault } : {}),
      message: this.message,
    };
  }
}

export function isDeviceError(e: unknown): e is DeviceError {
  return e instanceof DeviceError;
}

/** An error thrown because an AbortSignal fired. */
export function canceledError(device: DeviceKind | 'transport', reason?: unknown): DeviceError {
  const why = reason instanceof Error ? reason.message : typeof reason === 'string' ? reason : 'operation canceled';
  return new DeviceError(device, 'canceled', why, 'retry', undefined, { cause: reason });
}

export interface DeviceInfo {
  kind: DeviceKind;
  /** How the device is reached: 'serial', 'hid', 'memory', 'network'. */
  transport: string;
  path?: string;
  model?: string;
  firmware?: string;
  serial?: string;
}

export type HealthLevel = 'internal' | 'external' | 'interactive';

export interface HealthReport {
  level: HealthLevel;
  ok: boolean;
  /** One line for a technician, in the style of UnifiedPOS CheckHealthText. */
  text: string;
  checkedAt: number;
}

export interface DeviceErrorSummary {
  code: DeviceErrorCode;
  action: NextAction;
  fault?: string;
  message: string;
  at: number;
}

export interface DeviceStatusSnapshot {
  id: string;
  kind: DeviceKind;
  state: DeviceState;
  info: DeviceInfo;
  counters: Record<string, number>;
  lastError?: DeviceErrorSummary;
  /** Warnings that do not stop the device, e.g. 'paper-near-end'. */
  warnings: string[];
  /** When `state` was entered (ms since epoch). */
  since: number;
}

/** The summary of an error a status snapshot carries (what the technician screens show). */
export function errorSummary(e: DeviceError, at = Date.now()): DeviceErrorSummary {
  return { code: e.code, action: e.action, ...(e.fault !== undefined ? { fault: e.fault } : {}), message: e.message, at };
}

export type Unsubscribe = () => void;

/** A minimal typed event emitter; listeners that throw do not break the emitter. */
export class Emitter<T> {
  readonly #listeners = new Set<(value: T) => void>();
  on(listener: (value: T) => void): Unsubscribe {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }
  emit(value: T): void {
    for (const l of [...this.#listeners]) {
      try {
        l(value);
      } catch {
        // a faulty listener must not stop the device
      }
    }
  }
  get size(): number {
    return this.#listeners.size;
  }
  clear(): void {
    this.#listeners.clear();
  }
}

/** Usage counters (UnifiedPOS statistics): operations, errors and per-device counts. */
export class Counters<K extends string = string> {
  readonly #values = new Map<string, number>();
  constructor(names: readonly K[]) {
    for (const n of ['operations', 'errors', ...names]) this.#values.set(n, 0);
  }
  add(name: K | 'operations' | 'errors', by = 1): void {
    this.#values.set(name, (this.#values.get(name) ?? 0) + by);
  }
  get(name: K | 'operations' | 'errors'): number {
    return this.#values.get(name) ?? 0;
  }
  toJSON(): Record<string, number> {
    return Object.fromEntries(this.#values);
  }
}

/** What every device class offers, whatever its kind. */
export interface Device {
  readonly id: string;
  readonly kind: DeviceKind;
  status(): DeviceStatusSnapshot;
  onStatus(listener: (s: DeviceStatusSnapshot) => void): Unsubscribe;
  /** Opens the link and keeps it open (reopening after loss) until close(). */
  start(): void;
  close(): Promise<void>;
  checkHealth(level: HealthLevel, signal?: AbortSignal): Promise<HealthReport>;
}

/** Rejects with a typed 'canceled' error once `signal` fires; otherwise mirrors `p`. */
export function withSignal<T>(p: Promise<T>, signal: AbortSignal | undefined, device: DeviceKind | 'transport'): Promise<T> {
  if (!signal) return p;
  if (signal.aborted) return Promise.reject(canceledError(device, signal.reason));
  return new Promise<T>((resolve, reject) => {
    const onAbort = (): void => reject(canceledError(device, signal.reason));
    signal.addEventListener('abort', onAbort, { once: true });
    p.then(
      (v) => {
        signal.removeEventListener('abort', onAbort);
        resolve(v);
      },
      (e: unknown) => {
        signal.removeEventListener('abort', onAbort);
        reject(e);
      },
    );
  });
}

/**
 * The one abortable sleep: resolves after `ms`, or rejects with `signal.reason` as soon as `signal`
 * fires (as DOM timers do). The core's loops use it directly; devices use `sleep`, which types the error.
 */
export function delay(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    if (signal?.aborted) {
      reject(signal.reason);
      return;
    }
    const onAbort = (): void => {
      clearTimeout(t);
      reject(signal?.reason);
    };
    const t = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}

/** Sleeps `ms`, or rejects with a typed 'canceled' error when `signal` fires. */
export function sleep(ms: number, signal?: AbortSignal, device: DeviceKind | 'transport' = 'transport'): Promise<void> {
  return delay(ms, signal).catch((reason: unknown) => {
    throw canceledError(device, reason);
  });
}

export interface BackoffOptions {
  baseMs: number;
  capMs: number;
  /** Uniform in [0, 1); default Math.random. Injected for deterministic tests. */
  random?: () => number;
}

/**
 * The one backoff: capped exponential with full jitter (AWS Architecture Blog, "Exponential Backoff
 * and Jitter"), never sooner than a server's Retry-After:
 *
 *   delay = max(retryAfterMs, U(0, min(capMs, baseMs * 2^attempt)))
 *
 * `attempt` counts from 0 (the first retry). Device links reopen with it; the core's delivery loop
 * retries the platform with it.
 */
export function backoffDelay(attempt: number, opts: BackoffOptions, retryAfterMs?: number): number {
  if (!Number.isFinite(opts.baseMs) || opts.baseMs < 0) throw new RangeError('backoffDelay: baseMs must be a finite number >= 0');
  if (!Number.isFinite(opts.capMs) || opts.capMs < 0) throw new RangeError('backoffDelay: capMs must be a finite number >= 0');
  const n = Number.isFinite(attempt) ? Math.max(0, Math.floor(attempt)) : 0;
  const ceiling = Math.min(opts.capMs, opts.baseMs * 2 ** Math.min(n, 60));
  let r = (opts.random ?? Math.random)();
  if (!(r >= 0)) r = 0; // NaN or negative from a broken source
  if (r >= 1) r = 1 - Number.EPSILON;
  const jitter = Math.floor(r * ceiling);
  const floor = retryAfterMs !== undefined && Number.isFinite(retryAfterMs) && retryAfterMs > 0 ? Math.ceil(retryAfterMs) : 0;
  return Math.max(floor, jitter);
}

/**
 * A signal that aborts after `ms`, or when `parent` aborts. Unlike AbortSignal.any(AbortSignal.timeout()),
 * the timer is an ordinary one held by this closure (Node 20 can collect the composed signal's
 * timeout, and an unref'd timer does not keep a command-line tool alive). Call dispose() when done.
 */
export function deadline(ms: number, parent?: AbortSignal): { signal: AbortSignal; dispose: () => void } {
  const ac = new AbortController();
  const onParent = (): void => ac.abort(parent?.reason);
  const timer = setTimeout(() => ac.abort(new Error(`timed out after ${ms} ms`)), ms);
  if (parent?.aborted) onParent();
  else parent?.addEventListener('abort', onParent, { once: true });
  return {
    signal: ac.signal,
    dispose: () => {
      clearTimeout(timer);
      parent?.removeEventListener('abort', onParent);
    },
  };
}
