/**
 * IdCardSimulator: a SAM_A reader on the device end of any Transport, using the same codec
 * (device side). Answers every command of the fact sheet; place()/remove() a card; inject faults.
 */
import { DeviceError, type Unsubscribe } from '../device.js';
import type { Transport } from '../transport/transport.js';
import { identifyCommand, type KnownCommand } from './protocol/commands.js';
import { encodeResponse, parseRequest } from './protocol/frame.js';
import { encodeReadReplyData, encodeReadReplyWithFingerprintData } from './protocol/read-reply.js';
import type { IdentityRecord } from './types.js';

export interface SimulatorFaults {
  /** Answer nothing. */
  silence?: boolean;
  /** Send 1–16 random bytes before every reply. */
  garbage?: boolean;
  /** Corrupt the CHK byte of every reply. */
  badChecksum?: boolean;
  /** Send only the first half of every reply. */
  shortFrame?: boolean;
  /**
   * The card is pulled during the 30 01 reply: true / 'cut' sends part of the reply and then the
   * card is gone; 'status41' answers 41 (card read failed) and the card is gone.
   */
  pullMidRead?: boolean | 'cut' | 'status41';
  /**
   * A card the reader cannot read: select / read answer this SW3 (e.g. 0x31–0x33 authentication
   * failed — a fake or dirty card, 0x40 unknown card type, 0x41 read failed).
   */
  cardError?: number;
  /** SAM status to report (e.g. 0x60 self-test failed, 0x66 not authorised) to every command. */
  samFault?: number;
}

export interface IdCardSimulatorOptions {
  /** 16-byte SAM ID (reply to 12 FF). */
  samId?: Uint8Array;
  /** Seed for the deterministic garbage generator. */
  seed?: number;
  /** Delay before every reply, in ms (0 = next tick). */
  replyDelayMs?: number;
  /**
   * Real SAMs refuse find-card after a successful read until the card leaves the field (fact sheet
   * [S17]). Off by default: then find-card answers 9F as long as the card lies there.
   */
  haltAfterRead?: boolean;
}

export interface SimulatorCounters {
  requests: number;
  replies: number;
  badRequests: number;
  garbageBytesSeen: number;
  faultsInjected: number;
  byCommand: Record<string, number>;
}

/** A fixed, plausible SAM ID: 05.01-20260101-000000001-000123456. */
export const DEFAULT_SAM_ID = Uint8Array.of(5, 0, 1, 0, 0x25, 0x1e, 0x35, 0x01, 1, 0, 0, 0, 0x40, 0xe2, 0x01, 0);

const u8 = (...b: number[]): Uint8Array => Uint8Array.from(b);

function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export class IdCardSimulator {
  #buf = new Uint8Array(0);
  #card: IdentityRecord | undefined;
  #found = false;
  #selected = false;
  #halted = false;
  #faults: SimulatorFaults = {};
  #baud = 115200;
  #maxRfFrame = 0;
  #out: Promise<void> = Promise.resolve();
  #closed = false;
  readonly #random: () => number;
  readonly #samId: Uint8Array;
  readonly #unsubs: Unsubscribe[];
  readonly counters: SimulatorCounters = { requests: 0, replies: 0, badRequests: 0, garbageBytesSeen: 0, faultsInjected: 0, byCommand: {} };

  constructor(
    readonly transport: Transport,
    private readonly opts: IdCardSimulatorOptions = {},
  ) {
    this.#random = mulberry32(opts.seed ?? 0x1d);
    this.#samId = opts.samId ?? DEFAULT_SAM_ID;
    this.#unsubs = [
      transport.onData((c) => this.#onData(c)),
      transport.onClose(() => {
        this.#closed = true;
      }),
    ];
  }

  /** Places a card in the field (replacing any card there). */
  place(identity: IdentityRecord): void {
    this.#card = identity;
    this.#found = false;
    this.#selected = false;
    this.#halted = false;
  }

  remove(): void {
    this.#card = undefined;
    this.#found = false;
    this.#selected = false;
    this.#halted = false;
  }

  get cardPlaced(): boolean {
    return this.#card !== undefined;
  }

  get baud(): number {
    return this.#baud;
  }

  get maxRfFrame(): number {
    return this.#maxRfFrame;
  }

  /** Replaces the active faults (pass {} to clear all). */
  setFault(faults: SimulatorFaults): void {
    this.#faults = { ...faults };
  }

  get faults(): SimulatorFaults {
    return { ...this.#faults };
  }

  /** Stops answering (the transport stays as it is). */
  dispose(): void {
    for (const u of this.#unsubs) u();
    this.#closed = true;
  }

  #onData(chunk: Uint8Array): void {
    const merged = new Uint8Array(this.#buf.length + chunk.length);
    merged.set(this.#buf);
    merged.set(chunk, this.#buf.length);
    let off = 0;
    while (off < merged.length) {
      const r = parseRequest(merged.subarray(off));
      if (r.consumed === 0) break;
      off += r.consumed;
      if (r.error) {
        if (r.error.kind === 'garbage') this.counters.garbageBytesSeen += r.consumed;
        else {
          this.counters.badRequests++;
          // The reader reports host errors: 10 checksum, 11 length.
          this.#reply(encodeResponse(0, 0, r.error.kind === 'checksum' ? 0x10 : 0x11));
        }
        continue;
      }
      if (r.frame) this.#handle(r.frame.cmd, r.frame.para, r.frame.data);
    }
    this.#buf = merged.slice(off);
  }

  #handle(cmd: number, para: number, data: Uint8Array): void {
    this.counters.requests++;
    const name: KnownCommand | 'unknown' = identifyCommand(cmd, para) ?? 'unknown';
    this.counters.byCommand[name] = (this.counters.byCommand[name] ?? 0) + 1;
    if (this.#faults.silence) {
      this.counters.faultsInjected++;
      return;
    }
    if (this.#faults.samFault !== undefined && name !== 'reset') {
      this.#reply(encodeResponse(0, 0, this.#faults.samFault));
      return;
    }
    this.#reply(this.#answer(name, para, data));
  }

  #answer(name: KnownCommand | 'unknown', para: number, data: Uint8Array): Uint8Array {
    const card = this.#card;
    switch (name) {
      case 'reset':
        this.#found = false;
        this.#selected = false;
        return encodeResponse(0, 0, 0x90);
      case 'samStatus':
        return encodeResponse(0, 0, 0x90);
      case 'samId':
        return encodeResponse(0, 0, 0x90, this.#samId);
      case 'findCard':
        if (!card || this.#halted) {
          this.#found = false;
          return encodeResponse(0, 0, 0x80);
        }
        this.#found = true;
        return encodeResponse(0, 0, 0x9f, u8(0, 0, 0, 0));
      case 'selectCard':
        if (!card || !this.#found) return encodeResponse(0, 0, 0x81);
        if (this.#faults.cardError !== undefined) return encodeResponse(0, 0, this.#faults.cardError);
        this.#selected = true;
        return encodeResponse(0, 0, 0x90, u8(0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07, 0x08));
      case 'readText':
      case 'readWithFingerprint': {
        if (!card || !this.#selected) return encodeResponse(0, 0, 0x41);
        if (this.#faults.cardError !== undefined) return encodeResponse(0, 0, this.#faults.cardError);
        const pull = this.#faults.pullMidRead;
        if (name === 'readText' && pull) {
          this.counters.faultsInjected++;
          const body = encodeResponse(0, 0, 0x90, encodeReadReplyData(card));
          this.remove();
          if (pull === 'status41') return encodeResponse(0, 0, 0x41);
          return body.subarray(0, Math.floor(body.length * 0.4));
        }
        let reply: Uint8Array;
        try {
          reply =
            name === 'readText'
              ? encodeResponse(0, 0, 0x90, encodeReadReplyData(card))
              : encodeResponse(0, 0, 0x90, encodeReadReplyWithFingerprintData(card, null));
        } catch (e) {
          // The placed identity does not fit the card layout: a card the reader cannot read.
          if (e instanceof DeviceError) return encodeResponse(0, 0, 0x41);
          throw e;
        }
        this.#selected = false;
        if (this.opts.haltAfterRead) this.#halted = true;
        return reply;
      }
      case 'readAdditionalAddress':
      case 'readChipManagementNo':
        if (!card || !this.#selected) return encodeResponse(0, 0, 0x41);
        return encodeResponse(0, 0, 0x91);
      case 'setBaud': {
        const bauds = [115200, 57600, 38400, 19200, 9600];
        const b = bauds[para];
        if (b === undefined) return encodeResponse(0, 0, 0x21);
        this.#baud = b;
        return encodeResponse(0, 0, 0x90);
      }
      case 'setMaxRfFrame':
        if (data.length !== 1) return encodeResponse(0, 0, 0x21);
        this.#maxRfFrame = data[0] as number;
        return encodeResponse(0, 0, 0x90);
      case 'unknown':
        return encodeResponse(0, 0, 0x21);
    }
  }

  #reply(frame: Uint8Array): void {
    const f = this.#faults;
    let bytes = frame;
    if (f.badChecksum) {
      this.counters.faultsInjected++;
      bytes = frame.slice();
      bytes[bytes.length - 1] = (bytes[bytes.length - 1] as number) ^ 0x5a;
    }
    if (f.shortFrame) {
      this.counters.faultsInjected++;
      bytes = bytes.subarray(0, Math.max(1, Math.floor(bytes.length / 2)));
    }
    if (f.garbage) {
      this.counters.faultsInjected++;
      const n = 1 + Math.floor(this.#random() * 16);
      const junk = new Uint8Array(n);
      // Never 0xAA, so junk cannot fake a preamble.
      for (let i = 0; i < n; i++) junk[i] = Math.floor(this.#random() * 0xaa);
      const withJunk = new Uint8Array(n + bytes.length);
      withJunk.set(junk);
      withJunk.set(bytes, n);
      bytes = withJunk;
    }
    const delay = this.opts.replyDelayMs ?? 0;
    this.#out = this.#out.then(async () => {
      if (this.#closed || !this.transport.isOpen) return;
      if (delay > 0) await new Promise<void>((r) => setTimeout(r, delay));
      try {
        await this.transport.write(bytes);
        this.counters.replies++;
      } catch {
        // the link went away: nothing to answer to
      }
    });
  }
}
