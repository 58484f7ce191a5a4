/**
 * An emulated serial line for the bench: two Transport ends, each direction a 115,200 baud 8N1 wire. Bytes
 * written reach the other end in chunks of at most `chunk` bytes (what a USB-serial adapter hands the OS and
 * serialport hands the driver: one read, one 'data' event), each chunk in its own event-loop turn, at the time
 * its last byte has crossed the wire. A write resolves when its last byte is on the wire, as a drained
 * serialport write does. Every transfer is logged with the bytes' wire time, so a row can subtract the wire.
 *
 * `paced: false` keeps the chunking and the one-turn-per-chunk delivery but not the timing (for CPU rows).
 */
import { performance } from 'node:perf_hooks';
import { DeviceError, Emitter, canceledError, type Unsubscribe } from '../drivers/device.js';
import type { Transport, TransportOpener } from '../drivers/transport/transport.js';
import { wireMs } from './measure.js';

export interface WireOptions {
  baud?: number;
  /** Largest chunk delivered at once (default 64 bytes, a full-speed USB bulk packet). */
  chunk?: number;
  paced?: boolean;
}

export interface Transfer {
  from: 'host' | 'device';
  bytes: number;
  /** When the first byte went onto the wire and when the last one arrived (performance.now()). */
  start: number;
  end: number;
}

class WireEnd implements Transport {
  readonly kind = 'serial';
  #open = true;
  peer: WireEnd | undefined;
  readonly #data = new Emitter<Uint8Array>();
  readonly #closed = new Emitter<DeviceError | undefined>();
  /** When this direction's wire is free again. */
  #freeAt = 0;

  constructor(
    readonly path: string,
    readonly side: 'host' | 'device',
    private readonly line: WireLine,
  ) {}

  get isOpen(): boolean {
    return this.#open;
  }

  async write(bytes: Uint8Array, signal?: AbortSignal): Promise<void> {
    if (signal?.aborted) throw canceledError('transport', signal.reason);
    if (!this.#open) throw new DeviceError('transport', 'disconnected', `${this.path} is closed`, 'reset');
    const copy = Uint8Array.from(bytes);
    const { baud, chunk, paced } = this.line.opts;
    const start = Math.max(performance.now(), this.#freeAt);
    const end = start + wireMs(copy.length, baud);
    this.#freeAt = end;
    this.line.transfers.push({ from: this.side, bytes: copy.length, start, end });
    const deliveries: Promise<void>[] = [];
    for (let i = 0; i < copy.length; i += chunk) {
      const part = copy.subarray(i, Math.min(copy.length, i + chunk));
      const due = start + wireMs(Math.min(copy.length, i + chunk), baud);
      deliveries.push(
        new Promise<void>((resolve) => {
          const deliver = (): void => {
            const peer = this.peer;
            if (this.#open && peer !== undefined && peer.#open) peer.#data.emit(part);
            resolve();
          };
          // Rounded up: Node's timers count whole milliseconds, and a chunk must never arrive before its last byte.
          if (paced) setTimeout(deliver, Math.max(0, Math.ceil(due - performance.now())));
          else setImmediate(deliver);
        }),
      );
    }
    // Chunks arrive in order: each one's timer (or turn) was set after the one before.
    await deliveries[deliveries.length - 1];
    if (signal?.aborted) throw canceledError('transport', signal.reason);
  }

  onData(listener: (chunk: Uint8Array) => void): Unsubscribe {
    return this.#data.on(listener);
  }

  onClose(listener: (error?: DeviceError) => void): Unsubscribe {
    return this.#closed.on(listener);
  }

  async close(): Promise<void> {
    this.#end(undefined);
    const peer = this.peer;
    if (peer !== undefined && peer.#open) peer.#end(new DeviceError('transport', 'disconnected', `${this.path}: peer closed`, 'reset'));
    await Promise.resolve();
  }

  #end(error: DeviceError | undefined): void {
    if (!this.#open) return;
    this.#open = false;
    this.#closed.emit(error);
    this.#data.clear();
    this.#closed.clear();
  }
}

/** One emulated line; the host opens it (as the core opens a serial port), the device end goes to `onConnect`. */
export class WireLine implements TransportOpener {
  readonly kind = 'serial';
  readonly transfers: Transfer[] = [];
  readonly opts: Required<WireOptions>;

  constructor(
    readonly path: string,
    private readonly onConnect: (deviceEnd: Transport) => void,
    opts: WireOptions = {},
  ) {
    this.opts = { baud: 115_200, chunk: 64, paced: true, ...opts };
  }

  open(signal?: AbortSignal): Promise<Transport> {
    if (signal?.aborted) return Promise.reject(canceledError('transport', signal.reason));
    const host = new WireEnd(this.path, 'host', this);
    const device = new WireEnd(this.path, 'device', this);
    host.peer = device;
    device.peer = host;
    this.onConnect(device);
    return Promise.resolve(host);
  }

  /** Wire time (ms) of the last `n` transfers in each direction before `before`. */
  wireOfLast(n: number, before: number): { ms: number; bytes: number } {
    // Half a millisecond of slack for timer granularity (a delivery is never early, but `before` is sampled after it).
    const done = this.transfers.filter((t) => t.end <= before + 0.5);
    const pick = (from: Transfer['from']): Transfer[] => done.filter((t) => t.from === from).slice(-n);
    const all = [...pick('host'), ...pick('device')];
    return { ms: all.reduce((a, t) => a + (t.end - t.start), 0), bytes: all.reduce((a, t) => a + t.bytes, 0) };
  }
}
