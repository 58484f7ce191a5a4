import { DeviceError, Emitter, backoffDelay, isDeviceError, sleep, type Unsubscribe } from '../device.js';
import type { Transport, TransportOpener } from './transport.js';

export interface LinkKeeperOptions {
  /** First retry ceiling in ms (full jitter below it). Default 250. */
  baseMs?: number;
  /** Largest retry ceiling in ms. Default 2000, so a replugged device is back within seconds. */
  capMs?: number;
  random?: () => number;
  /**
   * Runs on every fresh transport before it counts as up (e.g. ask the device for
   * its status). Throwing closes that transport and schedules a retry.
   */
  handshake?: (t: Transport, signal: AbortSignal) => Promise<void>;
}

export type LinkEvent =
  | { type: 'up'; transport: Transport }
  | { type: 'down'; error: DeviceError; attempt: number; retryInMs: number };

/**
 * Keeps a link open: opens through the opener, reports 'up', waits for loss,
 * reports 'down', and reopens with capped exponential backoff and full jitter
 * until stopped. One keeper per device.
 */
export class LinkKeeper {
  readonly #events = new Emitter<LinkEvent>();
  #transport: Transport | undefined;
  #abort: AbortController | undefined;
  #loop: Promise<void> | undefined;
  #waiters = new Set<(t: Transport) => void>();

  constructor(
    readonly opener: TransportOpener,
    private readonly opts: LinkKeeperOptions = {},
  ) {}

  get transport(): Transport | undefined {
    return this.#transport?.isOpen ? this.#transport : undefined;
  }

  on(listener: (e: LinkEvent) => void): Unsubscribe {
    return this.#events.on(listener);
  }

  start(): void {
    if (this.#loop) return;
    const abort = new AbortController();
    this.#abort = abort;
    this.#loop = this.#run(abort.signal);
  }

  /** Resolves with the open transport as soon as the link is up. */
  async ready(signal?: AbortSignal): Promise<Transport> {
    const t = this.transport;
    if (t) return t;
    return new Promise<Transport>((resolve, reject) => {
      const done = (tr: Transport): void => {
        signal?.removeEventListener('abort', onAbort);
        resolve(tr);
      };
      const onAbort = (): void => {
        this.#waiters.delete(done);
        reject(new DeviceError('transport', 'canceled', 'waiting for the device link was canceled', 'retry', undefined, { cause: signal?.reason }));
      };
      if (signal?.aborted) return onAbort();
      signal?.addEventListener('abort', onAbort, { once: true });
      this.#waiters.add(done);
    });
  }

  /** Drops the current link on purpose (e.g. after a protocol desync); the keeper reopens it. */
  async recycle(): Promise<void> {
    await this.#transport?.close();
  }

  async stop(): Promise<void> {
    this.#abort?.abort(new Error('link stopped'));
    const t = this.#transport;
    this.#transport = undefined;
    await t?.close().catch(() => undefined);
    await this.#loop;
    this.#loop = undefined;
  }

  async #run(signal: AbortSignal): Promise<void> {
    let attempt = 0;
    while (!signal.aborted) {
      let lost: DeviceError;
      try {
        const t = await this.opener.open(signal);
        if (signal.aborted) {
          // stop() ran while the opener was busy (an opener may finish despite the signal): never report 'up' after stop.
          await t.close().catch(() => undefined);
          return;
        }
        const closed = new Promise<DeviceError | undefined>((resolve) => t.onClose(resolve));
        try {
          if (this.opts.handshake) await this.opts.handshake(t, signal);
        } catch (e) {
          await t.close().catch(() => undefined);
          throw e;
        }
        if (signal.aborted) {
          await t.close().catch(() => undefined);
          return;
        }
        if (!t.isOpen) throw new DeviceError('transport', 'disconnected', `${this.opener.path}: closed during handshake`, 'wait');
        this.#transport = t;
        attempt = 0;
        this.#events.emit({ type: 'up', transport: t });
        for (const w of [...this.#waiters]) w(t);
        this.#waiters.clear();
        const err = await closed;
        this.#transport = undefined;
        if (signal.aborted) return;
        lost = err ?? new DeviceError('transport', 'disconnected', `${this.opener.path}: link closed`, 'wait');
      } catch (e) {
        if (signal.aborted) return;
        lost = isDeviceError(e)
          ? e
          : new DeviceError('transport', 'not-found', `${this.opener.path}: ${e instanceof Error ? e.message : String(e)}`, 'wait', undefined, { cause: e });
      }
      const retryInMs = backoffDelay(attempt, {
        baseMs: this.opts.baseMs ?? 250,
        capMs: this.opts.capMs ?? 2000,
        ...(this.opts.random ? { random: this.opts.random } : {}),
      });
      this.#events.emit({ type: 'down', error: lost, attempt, retryInMs });
      attempt++;
      try {
        await sleep(retryInMs, signal);
      } catch {
        return;
      }
    }
  }
}
