/**
 * RequestLink: request/reply traffic over one Transport, for every device that has it.
 *
 * - Incoming bytes go through a FrameReader (the one buffer) with the protocol's parser.
 * - `request()` writes the request and waits for the frame its `accept` function recognises; one
 *   request is in flight at a time (`exclusive()` runs a whole job — find → select → read — without
 *   another caller's request in between).
 * - Frames that do not belong to the request in flight (a late reply to a timed-out request, a frame
 *   nobody asked for) are stray: counted, handed to `hooks.stray`, never taken for the next reply.
 * - Every request has a timeout and takes an AbortSignal; loss of the transport rejects it.
 * - Protocols with acknowledgements (ACK/NAK, then the answer) use the verdicts `progress` (mine, keep
 *   waiting, optionally with a new timeout) and `resend` (write the request again), with a limit.
 *
 * Errors are typed DeviceErrors of the link's device: 'timeout' (fault 'no-reply'), 'canceled',
 * 'disconnected', 'busy' (a request is already in flight), or what `accept` throws.
 */
import { DeviceError, canceledError, isDeviceError, type DeviceKind, type Unsubscribe } from '../device.js';
import { FrameReader, type FrameOverflowError, type Parser } from './frame-reader.js';
import type { Transport } from './transport.js';

/** What a request makes of one incoming frame. */
export type Verdict<T> =
  /** Not mine: the frame is stray. */
  | undefined
  /** The reply: the request resolves with `reply`. */
  | { reply: T }
  /** Mine, but not the end (an ACK before the answer, one part of a multi-part reply). */
  | { progress: true; timeoutMs?: number }
  /** The peer asks for the request again (NAK); limited by `maxResends`. */
  | { resend: true };

export type Accept<F, T> = (frame: F) => Verdict<T>;

/** An Accept from a function that returns the reply, or undefined for "not mine". */
export function replyWhen<F, T>(fn: (frame: F) => T | undefined): Accept<F, T> {
  return (frame) => {
    const v = fn(frame);
    return v === undefined ? undefined : { reply: v };
  };
}

export interface RequestOptions<F, T> {
  /** Names the operation in errors: 'find card', 'payment'. */
  op: string;
  accept: Accept<F, T>;
  timeoutMs: number;
  signal?: AbortSignal | undefined;
  /** A parser for this request's reply only (protocols whose reply layout depends on the request). */
  parse?: Parser<F, DeviceError>;
  /** How many times the request may be written again (on `resend`, or on timeout with `resendOnTimeout`). Default 0. */
  maxResends?: number;
  /** A timeout before the first `progress` verdict writes the request again instead of failing (ENQ/ACK style). */
  resendOnTimeout?: boolean;
  /** The error once `maxResends` is used up by `resend` verdicts. */
  resendsExhausted?: () => DeviceError;
}

export interface RequestLinkHooks<F, E> {
  /** Every frame, before it is matched (e.g. to acknowledge it, or to apply an unsolicited status). */
  frame?(frame: F): void;
  /** A typed framing error from the parser (garbage, bad checksum…). */
  frameError?(error: E, consumed: number): void;
  /** A well-formed frame that no request took. */
  stray?(frame: F): void;
  /** Unparsed bytes dropped before a new request. */
  strayBytes?(n: number): void;
  overflow?(error: FrameOverflowError): void;
}

export interface RequestLinkOptions<F, E extends DeviceError> {
  device: DeviceKind | 'transport';
  /** The protocol's parser (a request may bring its own). */
  parse?: Parser<F, E>;
  /** Largest unparsed tail kept (see FrameReader). */
  maxBuffered: number;
  /** Drop unparsed leftovers (a cut reply) before writing a new request. Default true. */
  dropLeftovers?: boolean;
  /** Whether a framing error fails the request in flight at once (a bad checksum is most likely its reply). */
  failsRequest?: (error: E) => boolean;
  hooks?: RequestLinkHooks<F, E>;
}

interface Pending<F> {
  op: string;
  accept: Accept<F, unknown>;
  resolve(v: unknown): void;
  reject(e: DeviceError): void;
  /** A frame or error arrived that belongs to this request ("progress"). */
  progressed: boolean;
  progress(timeoutMs?: number): void;
  resend(): void;
}

/** One-at-a-time sections (the link's job lock). */
export class Lock {
  #tail: Promise<unknown> = Promise.resolve();
  run<T>(fn: () => Promise<T>): Promise<T> {
    const p = this.#tail.then(fn, fn);
    this.#tail = p.catch(() => undefined);
    return p;
  }
}

export class RequestLink<F, E extends DeviceError = DeviceError> {
  readonly #reader: FrameReader<F, E | DeviceError>;
  readonly #lock = new Lock();
  readonly #o: RequestLinkOptions<F, E>;
  readonly #hooks: RequestLinkHooks<F, E>;
  readonly #unsubs: Unsubscribe[];
  #pending: Pending<F> | undefined;
  #closed = false;
  #closeError: DeviceError | undefined;
  /** Totals since the link was made. */
  readonly counters = { requests: 0, replies: 0, strayFrames: 0, strayBytes: 0, frameErrors: 0, timeouts: 0, resends: 0, overflows: 0 };

  constructor(
    readonly transport: Transport,
    opts: RequestLinkOptions<F, E>,
  ) {
    this.#o = opts;
    this.#hooks = opts.hooks ?? {};
    this.#reader = new FrameReader<F, E | DeviceError>({
      parse: opts.parse,
      maxBuffered: opts.maxBuffered,
      device: opts.device,
      onFrame: (f) => this.#onFrame(f),
      onError: (e, n) => this.#onFrameError(e, n),
      onOverflow: (e) => {
        this.counters.overflows++;
        this.#hooks.overflow?.(e);
        this.#pending?.reject(e);
      },
    });
    this.#unsubs = [transport.onData((c) => this.#reader.push(c)), transport.onClose((e) => this.#onClose(e))];
  }

  get closed(): boolean {
    return this.#closed || !this.transport.isOpen;
  }

  /** Whether a request waits for its reply. */
  get inFlight(): boolean {
    return this.#pending !== undefined;
  }

  /** Bytes of an incomplete frame held by the reader. */
  get buffered(): number {
    return this.#reader.buffered;
  }

  /** Runs `fn` with exclusive use of the link: jobs never interleave. */
  exclusive<T>(fn: () => Promise<T>): Promise<T> {
    return this.#lock.run(fn);
  }

  /** Writes bytes that expect no reply (print data). Call inside exclusive() when requests share the link. */
  async write(bytes: Uint8Array, signal?: AbortSignal): Promise<void> {
    if (this.closed) throw this.#closedError('write');
    try {
      await this.transport.write(bytes, signal);
    } catch (e) {
      throw this.#writeError(e, 'write');
    }
  }

  /**
   * Writes `request` (null: write nothing, only wait) and resolves with the reply `accept` recognises.
   * Call inside exclusive() when other callers share the link.
   */
  request<T>(request: Uint8Array | null, o: RequestOptions<F, T>): Promise<T> {
    const device = this.#o.device;
    if (o.signal?.aborted) return Promise.reject(canceledError(device, o.signal.reason));
    if (this.closed) return Promise.reject(this.#closedError(o.op));
    if (this.#pending) return Promise.reject(new DeviceError(device, 'busy', `${o.op}: another request is in flight`, 'retry'));
    if (this.#o.dropLeftovers ?? true) {
      const n = this.#reader.clear();
      if (n > 0) {
        this.counters.strayBytes += n;
        this.#hooks.strayBytes?.(n);
      }
    }
    this.counters.requests++;
    const maxResends = o.maxResends ?? 0;
    let resends = 0;
    let timer: ReturnType<typeof setTimeout> | undefined;
    const restoreParser = o.parse ? this.#reader.parser : undefined;
    return new Promise<T>((resolve, reject) => {
      let done = false;
      const settle = (): void => {
        done = true;
        if (this.#pending === pending) this.#pending = undefined;
        if (timer !== undefined) clearTimeout(timer);
        o.signal?.removeEventListener('abort', onAbort);
        if (o.parse) this.#reader.parser = restoreParser;
      };
      const arm = (ms: number): void => {
        if (timer !== undefined) clearTimeout(timer);
        timer = setTimeout(onTimeout, ms);
      };
      const send = (): void => {
        if (request === null) return;
        this.transport.write(request, o.signal).catch((e: unknown) => {
          if (!done) pending.reject(this.#writeError(e, o.op));
        });
      };
      const onTimeout = (): void => {
        if (done) return;
        if (o.resendOnTimeout && !pending.progressed && resends < maxResends) {
          resends++;
          this.counters.resends++;
          arm(o.timeoutMs);
          send();
          return;
        }
        this.counters.timeouts++;
        pending.reject(new DeviceError(device, 'timeout', `${o.op}: no reply within ${o.timeoutMs} ms`, 'retry', 'no-reply'));
      };
      const onAbort = (): void => pending.reject(canceledError(device, o.signal?.reason));
      const pending: Pending<F> = {
        op: o.op,
        accept: o.accept as Accept<F, unknown>,
        progressed: false,
        progress: (ms) => {
          pending.progressed = true;
          if (ms !== undefined) arm(ms);
        },
        resolve: (v) => {
          if (done) return;
          settle();
          this.counters.replies++;
          resolve(v as T);
        },
        reject: (e) => {
          if (done) return;
          settle();
          reject(e);
        },
        resend: () => {
          if (resends >= maxResends) {
            pending.reject(o.resendsExhausted?.() ?? new DeviceError(device, 'protocol', `${o.op}: refused ${resends + 1} times`, 'reset', 'resends-exhausted'));
            return;
          }
          resends++;
          this.counters.resends++;
          arm(o.timeoutMs);
          send();
        },
      };
      this.#pending = pending;
      o.signal?.addEventListener('abort', onAbort, { once: true });
      arm(o.timeoutMs);
      if (o.parse) this.#reader.parser = o.parse;
      send();
    });
  }

  /** Stops listening; a request in flight is rejected as canceled. Does not close the transport. */
  dispose(): void {
    for (const u of this.#unsubs) u();
    this.#closed = true;
    this.#pending?.reject(canceledError(this.#o.device, 'link disposed'));
  }

  #closedError(op: string): DeviceError {
    const e = this.#closeError;
    return new DeviceError(this.#o.device, 'disconnected', `${op}: the link is closed${e ? ` (${e.message})` : ''}`, 'wait', undefined, e ? { cause: e } : undefined);
  }

  #writeError(e: unknown, op: string): DeviceError {
    if (isDeviceError(e)) return e.device === this.#o.device ? e : new DeviceError(this.#o.device, e.code, `${op}: ${e.message}`, e.action, e.fault, { cause: e });
    return new DeviceError(this.#o.device, 'disconnected', `${op}: write failed`, 'reset', undefined, { cause: e });
  }

  #onClose(error?: DeviceError): void {
    this.#closed = true;
    this.#closeError = error;
    const e = error ?? new DeviceError(this.#o.device, 'disconnected', 'link closed', 'wait');
    this.#pending?.reject(e.device === this.#o.device ? e : new DeviceError(this.#o.device, e.code, e.message, e.action, e.fault, { cause: e }));
  }

  #onFrameError(e: E | DeviceError, consumed: number): void {
    this.counters.frameErrors++;
    this.#hooks.frameError?.(e as E, consumed);
    const p = this.#pending;
    if (p && this.#o.failsRequest?.(e as E)) p.reject(e);
  }

  #onFrame(f: F): void {
    this.#hooks.frame?.(f);
    const p = this.#pending;
    let verdict: Verdict<unknown>;
    if (p) {
      try {
        verdict = p.accept(f);
      } catch (e) {
        p.reject(isDeviceError(e) ? e : new DeviceError(this.#o.device, 'protocol', `${p.op}: reply could not be decoded`, 'retry', undefined, { cause: e }));
        return;
      }
    }
    if (!p || verdict === undefined) {
      this.counters.strayFrames++;
      this.#hooks.stray?.(f);
      return;
    }
    if ('reply' in verdict) p.resolve(verdict.reply);
    else if ('resend' in verdict) p.resend();
    else p.progress(verdict.timeoutMs);
  }
}
