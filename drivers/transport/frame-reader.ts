/**
 * FrameReader: the one place incoming bytes are buffered.
 *
 * Every device protocol has an incremental parser `parse(buffer) → { frame?, consumed, error? }`
 * (`consumed === 0` = need more bytes; never more than given). The reader appends each chunk, runs the
 * parser while it consumes something, hands every frame and every typed framing error to its handlers,
 * and keeps the unparsed tail for the next chunk. Chunk boundaries carry no meaning.
 *
 * Bounded: a tail that grows beyond `maxBuffered` bytes without the parser making progress (a frame
 * that never ends, a peer speaking another protocol) is dropped and reported as a typed
 * `FrameOverflowError`, so a misbehaving device cannot make the kiosk buffer without limit.
 *
 * Frames are handed over as the parser made them; parsers that return views into the buffer
 * (no copy) give views that are valid only during the handler call — copy what you keep.
 */
import { DeviceError, type DeviceKind, type Unsubscribe } from '../device.js';
import type { Transport } from './transport.js';

/** What an incremental parser returns for the front of a buffer. */
export interface ParseStep<F, E = DeviceError> {
  frame?: F;
  /** Bytes to drop from the front of the buffer; 0 = need more bytes. */
  consumed: number;
  /** A typed framing problem (garbage skipped, bad checksum…); `consumed` says how much it covered. */
  error?: E;
}

/** An incremental parser over the front of a buffer. Pure: no I/O, no timers. */
export type Parser<F, E = DeviceError> = (buffer: Uint8Array) => ParseStep<F, E>;

/** More bytes waited for a frame than any frame of the protocol can have. */
export class FrameOverflowError extends DeviceError {
  constructor(
    device: DeviceKind | 'transport',
    /** Bytes dropped. */
    readonly dropped: number,
    readonly limit: number,
  ) {
    super(device, 'protocol', `receive buffer overflow: ${dropped} bytes without a complete frame (limit ${limit}); dropped`, 'reset', 'buffer-overflow');
  }
}

export interface FrameReaderOptions<F, E> {
  /** The protocol's parser; `undefined` holds bytes (bounded) until one is set (see `parser`). */
  parse?: Parser<F, E> | undefined;
  /** Largest unparsed tail kept between chunks (the protocol's largest frame, plus slack). */
  maxBuffered: number;
  /** Names the device in the overflow error. */
  device?: DeviceKind | 'transport';
  onFrame(frame: F, consumed: number): void;
  onError?(error: E, consumed: number): void;
  onOverflow?(error: FrameOverflowError): void;
}

const INITIAL_CAPACITY = 256;

export class FrameReader<F, E = DeviceError> {
  #buf = new Uint8Array(INITIAL_CAPACITY);
  #len = 0;
  /** Bumped by clear(): a drain that started before stops using the old bytes. */
  #generation = 0;
  #draining = false;
  #parse: Parser<F, E> | undefined;
  readonly #o: FrameReaderOptions<F, E>;
  /** Totals since construction. */
  readonly stats = { bytes: 0, frames: 0, errors: 0, overflows: 0, droppedBytes: 0 };

  constructor(opts: FrameReaderOptions<F, E>) {
    if (!Number.isInteger(opts.maxBuffered) || opts.maxBuffered < 1) throw new RangeError('FrameReader: maxBuffered must be a positive integer');
    this.#o = opts;
    this.#parse = opts.parse;
  }

  /** Feeds the reader from a transport; returns the unsubscribe function. */
  static attach<F, E>(transport: Transport, reader: FrameReader<F, E>): Unsubscribe {
    return transport.onData((chunk) => reader.push(chunk));
  }

  /** Bytes waiting for the rest of a frame. */
  get buffered(): number {
    return this.#len;
  }

  get parser(): Parser<F, E> | undefined {
    return this.#parse;
  }

  /** Replaces the parser (a protocol whose reply layout depends on the request); held bytes are parsed at once. */
  set parser(p: Parser<F, E> | undefined) {
    this.#parse = p;
    if (p && this.#len > 0 && !this.#draining) this.#drain();
  }

  /** Drops the buffered tail (e.g. leftovers of a cut reply before a new request); returns how many bytes. */
  clear(): number {
    const n = this.#len;
    this.#len = 0;
    this.#generation++;
    return n;
  }

  push(chunk: Uint8Array): void {
    if (chunk.length === 0) return;
    this.stats.bytes += chunk.length;
    const need = this.#len + chunk.length;
    if (need > this.#buf.length) {
      const grown = new Uint8Array(Math.max(need, this.#buf.length * 2));
      grown.set(this.#buf.subarray(0, this.#len));
      this.#buf = grown;
    }
    this.#buf.set(chunk, this.#len);
    this.#len = need;
    // A handler that pushes (a loopback) appends; the running drain picks the bytes up.
    if (!this.#draining) this.#drain();
  }

  #drain(): void {
    this.#draining = true;
    try {
      for (;;) {
        const gen = this.#generation;
        const parse = this.#parse;
        let off = 0;
        while (parse && off < this.#len && gen === this.#generation && this.#parse === parse) {
          const step = parse(this.#buf.subarray(off, this.#len));
          if (step.consumed <= 0) break;
          const consumed = Math.min(step.consumed, this.#len - off);
          off += consumed;
          if (step.error !== undefined) {
            this.stats.errors++;
            this.#o.onError?.(step.error, consumed);
          }
          if (step.frame !== undefined) {
            this.stats.frames++;
            this.#o.onFrame(step.frame, consumed);
          }
        }
        if (gen !== this.#generation) {
          // clear() ran inside a handler: whatever arrived since is all that is left (already at the front).
          if (this.#len > 0 && this.#parse) continue;
          break;
        }
        this.#compact(off);
        if (this.#parse !== parse && this.#parse && this.#len > 0) continue; // a handler switched parsers
        break;
      }
      if (this.#len > this.#o.maxBuffered) this.#overflow();
    } finally {
      this.#draining = false;
    }
  }

  #compact(off: number): void {
    if (off <= 0) return;
    if (off >= this.#len) this.#len = 0;
    else {
      this.#buf.copyWithin(0, off, this.#len);
      this.#len -= off;
    }
    if (this.#len === 0 && this.#buf.length > 4 * Math.max(INITIAL_CAPACITY, this.#o.maxBuffered)) this.#buf = new Uint8Array(INITIAL_CAPACITY);
  }

  #overflow(): void {
    const dropped = this.clear();
    this.stats.overflows++;
    this.stats.droppedBytes += dropped;
    this.#o.onOverflow?.(new FrameOverflowError(this.#o.device ?? 'transport', dropped, this.#o.maxBuffered));
  }
}
