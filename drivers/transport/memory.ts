import { DeviceError, Emitter, canceledError, type Unsubscribe } from '../device.js';
import type { Transport, TransportOpener } from './transport.js';

export interface MemoryLinkOptions {
  /** Split every write into chunks of at most this many bytes (to exercise incremental parsers). */
  maxChunk?: number;
  /** Path shown for both ends. */
  path?: string;
}

/** One end of an in-process link. Delivery is asynchronous, like real I/O. */
export class MemoryTransport implements Transport {
  readonly kind = 'memory';
  #open = true;
  #peer: MemoryTransport | undefined;
  readonly #data = new Emitter<Uint8Array>();
  readonly #closed = new Emitter<DeviceError | undefined>();
  readonly #maxChunk: number;

  constructor(
    readonly path: string,
    maxChunk = Infinity,
  ) {
    this.#maxChunk = maxChunk;
  }

  /** @internal */
  static pair(opts: MemoryLinkOptions = {}): [MemoryTransport, MemoryTransport] {
    const path = opts.path ?? 'memory';
    const a = new MemoryTransport(path, opts.maxChunk);
    const b = new MemoryTransport(path, opts.maxChunk);
    a.#peer = b;
    b.#peer = a;
    return [a, b];
  }

  get isOpen(): boolean {
    return this.#open;
  }

  async write(bytes: Uint8Array, signal?: AbortSignal): Promise<void> {
    if (signal?.aborted) throw canceledError('transport', signal.reason);
    if (!this.#open) throw new DeviceError('transport', 'disconnected', `${this.path} is closed`, 'reset');
    const peer = this.#peer;
    const copy = Uint8Array.from(bytes);
    await new Promise<void>((resolve) => setImmediate(resolve));
    if (signal?.aborted) throw canceledError('transport', signal.reason);
    if (!this.#open) throw new DeviceError('transport', 'disconnected', `${this.path} closed during write`, 'reset');
    if (peer !== undefined && peer.#open) {
      for (let i = 0; i < copy.length; i += this.#maxChunk) {
        peer.#data.emit(copy.subarray(i, Math.min(copy.length, i + this.#maxChunk)));
      }
    }
  }

  onData(listener: (chunk: Uint8Array) => void): Unsubscribe {
    return this.#data.on(listener);
  }

  onClose(listener: (error?: DeviceError) => void): Unsubscribe {
    return this.#closed.on(listener);
  }

  async close(): Promise<void> {
    this.#end(undefined);
    const peer = this.#peer;
    if (peer !== undefined && peer.#open) peer.#end(new DeviceError('transport', 'disconnected', `${this.path}: peer closed`, 'reset'));
  }

  /** Simulates pulling the cable: both ends see a 'disconnected' loss. */
  unplug(): void {
    const err = new DeviceError('transport', 'disconnected', `${this.path}: device unplugged`, 'wait');
    this.#end(err);
    const peer = this.#peer;
    if (peer !== undefined && peer.#open) peer.#end(err);
  }

  #end(error: DeviceError | undefined): void {
    if (!this.#open) return;
    this.#open = false;
    this.#closed.emit(error);
    this.#data.clear();
    this.#closed.clear();
  }
}

/**
 * An in-process "cable socket": the host side opens it like a serial port; each
 * open creates a fresh pair and hands the device end to `onConnect` (the simulator).
 * `unplug()` drops the current link; `setPresent(false)` makes opens fail until re-plugged.
 */
export class MemoryPort implements TransportOpener {
  readonly kind = 'memory';
  #present = true;
  #current: [MemoryTransport, MemoryTransport] | undefined;

  constructor(
    readonly path: string,
    private readonly onConnect: (deviceEnd: MemoryTransport) => void,
    private readonly opts: MemoryLinkOptions = {},
  ) {}

  async open(signal?: AbortSignal): Promise<Transport> {
    if (signal?.aborted) throw canceledError('transport', signal.reason);
    if (!this.#present) throw new DeviceError('transport', 'not-found', `${this.path}: no device`, 'wait');
    const pair = MemoryTransport.pair({ ...this.opts, path: this.path });
    this.#current = pair;
    this.onConnect(pair[1]);
    return pair[0];
  }

  get connected(): boolean {
    return this.#current?.[0].isOpen ?? false;
  }

  unplug(): void {
    this.#present = false;
    this.#current?.[0].unplug();
    this.#current = undefined;
  }

  plug(): void {
    this.#present = true;
  }
}
