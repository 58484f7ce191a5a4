/**
 * One SAM conversation over one Transport: a receive buffer fed to the incremental parser, and
 * request/reply exchanges that run strictly one at a time. A reply is taken only when it has the
 * shape the current command expects; anything else (a late reply to a timed-out command, a frame
 * nobody asked for) is dropped and reported as stray. Works over any Transport (serial, HID, memory).
 */
import { DeviceError, canceledError, type Unsubscribe } from '../device.js';
import type { Transport } from '../transport/transport.js';
import { parseResponse, type ResponseFrame, type SamProtocolError } from './protocol/frame.js';

export interface LinkHooks {
  /** A framing error the parser reported (garbage skipped, absurd LEN, bad checksum). */
  frameError?(error: SamProtocolError, consumed: number): void;
  /** A well-formed frame that did not belong to the command in flight (or arrived with none in flight). */
  strayFrame?(): void;
  /** Unparsed leftover bytes dropped before a new command. */
  strayBytes?(n: number): void;
}

/** Decides whether a frame is the reply to the command in flight: a value, or undefined = not mine. */
export type Accept<T> = (frame: ResponseFrame) => T | undefined;

interface Pending {
  accept: Accept<unknown>;
  resolve(v: unknown): void;
  reject(e: DeviceError): void;
}

const INITIAL_CAPACITY = 4096;

export class SamLink {
  #buf = new Uint8Array(INITIAL_CAPACITY);
  #len = 0;
  #pending: Pending | undefined;
  #chain: Promise<unknown> = Promise.resolve();
  #closed = false;
  readonly #unsubs: Unsubscribe[];

  constructor(
    readonly transport: Transport,
    private readonly hooks: LinkHooks = {},
  ) {
    this.#unsubs = [transport.onData((c) => this.#onData(c)), transport.onClose((e) => this.#onClose(e))];
  }

  get closed(): boolean {
    return this.#closed || !this.transport.isOpen;
  }

  /** Runs `fn` with exclusive use of the link: jobs (e.g. find → select → read) never interleave. */
  exclusive<T>(fn: () => Promise<T>): Promise<T> {
    const run = this.#chain.then(fn, fn);
    this.#chain = run.catch(() => undefined);
    return run;
  }

  /**
   * Sends `request` and resolves with what `accept` makes of the first matching reply.
   * Rejects with a typed DeviceError: 'timeout', 'canceled', 'disconnected', or 'checksum' when a
   * frame with a bad checksum arrives while waiting (most likely the reply itself).
   * Call inside exclusive() when other callers share the link.
   */
  async exchange<T>(request: Uint8Array, op: string, accept: Accept<T>, signal: AbortSignal | undefined, timeoutMs: number): Promise<T> {
    if (signal?.aborted) throw canceledError('id-card', signal.reason);
    if (this.closed) throw new DeviceError('id-card', 'disconnected', `${op}: reader link is closed`, 'wait');
    if (this.#pending) throw new DeviceError('id-card', 'busy', `${op}: another command is in flight`, 'retry');
    if (this.#len > 0) {
      this.hooks.strayBytes?.(this.#len);
      this.#len = 0;
    }
    let timer: ReturnType<typeof setTimeout> | undefined;
    let onAbort: (() => void) | undefined;
    const box: { pending?: Pending } = {};
    const reply = new Promise<T>((resolve, reject) => {
      const settle = (): void => {
        this.#pending = undefined;
        if (timer !== undefined) clearTimeout(timer);
        if (onAbort) signal?.removeEventListener('abort', onAbort);
      };
      const pending: Pending = {
        accept,
        resolve: (v) => {
          settle();
          resolve(v as T);
        },
        reject: (e) => {
          settle();
          reject(e);
        },
      };
      this.#pending = pending;
      box.pending = pending;
      const p = pending;
      timer = setTimeout(() => p.reject(new DeviceError('id-card', 'timeout', `${op}: no reply within ${timeoutMs} ms`, 'retry', 'no-reply')), timeoutMs);
      onAbort = () => p.reject(canceledError('id-card', signal?.reason));
      signal?.addEventListener('abort', onAbort, { once: true });
    });
    reply.catch(() => undefined); // the caller awaits it below; this only prevents an early-rejection warning
    try {
      await this.transport.write(request, signal);
    } catch (e) {
      const err = e instanceof DeviceError ? e : new DeviceError('id-card', 'disconnected', `${op}: write failed`, 'reset', undefined, { cause: e });
      const p = box.pending;
      if (p && this.#inFlight() === p) p.reject(err);
    }
    return reply;
  }

  #inFlight(): Pending | undefined {
    return this.#pending;
  }

  /** Stops listening; a command in flight is rejected as canceled. Does not close the transport. */
  dispose(): void {
    for (const u of this.#unsubs) u();
    this.#closed = true;
    this.#pending?.reject(canceledError('id-card', 'reader link disposed'));
  }

  #onClose(error?: DeviceError): void {
    this.#closed = true;
    this.#pending?.reject(error ?? new DeviceError('id-card', 'disconnected', 'reader link closed', 'wait'));
  }

  #onData(chunk: Uint8Array): void {
    if (this.#closed || chunk.length === 0) return;
    const need = this.#len + chunk.length;
    if (need > this.#buf.length) {
      const grown = new Uint8Array(Math.max(need, this.#buf.length * 2));
      grown.set(this.#buf.subarray(0, this.#len));
      this.#buf = grown;
    }
    this.#buf.set(chunk, this.#len);
    this.#len = need;
    this.#drain();
  }

  #drain(): void {
    let off = 0;
    while (off < this.#len) {
      const r = parseResponse(this.#buf.subarray(off, this.#len));
      if (r.consumed === 0) break;
      off += r.consumed;
      if (r.error) {
        this.hooks.frameError?.(r.error, r.consumed);
        if (r.error.kind === 'checksum') this.#pending?.reject(r.error);
        continue;
      }
      if (!r.frame) continue;
      const p = this.#pending;
      let value: unknown;
      if (p) {
        try {
          value = p.accept(r.frame);
        } catch (e) {
          p.reject(e instanceof DeviceError ? e : new DeviceError('id-card', 'protocol', 'reply could not be decoded', 'retry', undefined, { cause: e }));
          continue;
        }
      }
      if (p && value !== undefined) p.resolve(value);
      else this.hooks.strayFrame?.();
    }
    if (off >= this.#len) this.#len = 0;
    else if (off > 0) {
      this.#buf.copyWithin(0, off, this.#len);
      this.#len -= off;
    }
  }
}
