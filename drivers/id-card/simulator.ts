/**
 * IdCardSimulator: a SAM_A reader on the device end of any Transport, using the same codec
 * (device side). Answers every command of the fact sheet; place()/remove() a card; inject faults.
 * The simulator API is the one every device shares (drivers/simulator.ts).
 */
import { DeviceError } from '../device.js';
import { SimulatorBase, randomBytes, seededRandom } from '../simulator.js';
import { FrameReader } from '../transport/frame-reader.js';
import type { Transport } from '../transport/transport.js';
import { identifyCommand, type KnownCommand } from './protocol/commands.js';
import { HEADER_LENGTH, MAX_LEN, encodeResponse, parseRequest, type RequestFrame, type SamProtocolError } from './protocol/frame.js';
import { encodeReadReplyData, encodeReadReplyWithFingerprintData } from './protocol/read-reply.js';
import type { IdentityRecord } from './types.js';

export interface SimulatorFaults {
  /** Answer nothing. */
  silence: boolean;
  /** Send 1–16 random bytes before every reply. */
  garbage: boolean;
  /** Corrupt the CHK byte of every reply. */
  badChecksum: boolean;
  /** Send only the first half of every reply. */
  shortFrame: boolean;
  /**
   * The card is pulled during the 30 01 reply: true / 'cut' sends part of the reply and then the
   * card is gone; 'status41' answers 41 (card read failed) and the card is gone.
   */
  pullMidRead: boolean | 'cut' | 'status41';
  /**
   * A card the reader cannot read: select / read answer this SW3 (e.g. 0x31–0x33 authentication
   * failed — a fake or dirty card, 0x40 unknown card type, 0x41 read failed).
   */
  cardError: number | undefined;
  /** SAM status to report (e.g. 0x60 self-test failed, 0x66 not authorised) to every command. */
  samFault: number | undefined;
}

export const NO_ID_CARD_FAULTS: Readonly<SimulatorFaults> = Object.freeze({
  silence: false,
  garbage: false,
  badChecksum: false,
  shortFrame: false,
  pullMidRead: false,
  cardError: undefined,
  samFault: undefined,
});

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

export class IdCardSimulator extends SimulatorBase<SimulatorFaults> {
  #card: IdentityRecord | undefined;
  #found = false;
  #selected = false;
  #halted = false;
  #baud = 115200;
  #maxRfFrame = 0;
  readonly #random: () => number;
  readonly #samId: Uint8Array;
  readonly counters: SimulatorCounters = { requests: 0, replies: 0, badRequests: 0, garbageBytesSeen: 0, faultsInjected: 0, byCommand: {} };
  protected readonly reader = new FrameReader<RequestFrame, SamProtocolError>({
    parse: parseRequest,
    maxBuffered: MAX_LEN + HEADER_LENGTH,
    device: 'id-card',
    onFrame: (f) => this.#handle(f.cmd, f.para, f.data),
    onError: (e, consumed) => {
      if (e.kind === 'garbage') this.counters.garbageBytesSeen += consumed;
      else {
        this.counters.badRequests++;
        // The reader reports host errors: 10 checksum, 11 length.
        this.#reply(encodeResponse(0, 0, e.kind === 'checksum' ? 0x10 : 0x11));
      }
    },
  });

  constructor(
    deviceEnd?: Transport,
    private readonly opts: IdCardSimulatorOptions = {},
  ) {
    super(NO_ID_CARD_FAULTS);
    this.#random = seededRandom(opts.seed ?? 0x1d);
    this.#samId = opts.samId ?? DEFAULT_SAM_ID;
    if (deviceEnd) this.attach(deviceEnd);
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

  #handle(cmd: number, para: number, data: Uint8Array): void {
    this.counters.requests++;
    const name: KnownCommand | 'unknown' = identifyCommand(cmd, para) ?? 'unknown';
    this.counters.byCommand[name] = (this.counters.byCommand[name] ?? 0) + 1;
    if (this.activeFaults.silence) {
      this.counters.faultsInjected++;
      return;
    }
    const samFault = this.activeFaults.samFault;
    if (samFault !== undefined && name !== 'reset') {
      this.#reply(encodeResponse(0, 0, samFault));
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
        if (this.activeFaults.cardError !== undefined) return encodeResponse(0, 0, this.activeFaults.cardError);
        this.#selected = true;
        return encodeResponse(0, 0, 0x90, u8(0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07, 0x08));
      case 'readText':
      case 'readWithFingerprint': {
        if (!card || !this.#selected) return encodeResponse(0, 0, 0x41);
        if (this.activeFaults.cardError !== undefined) return encodeResponse(0, 0, this.activeFaults.cardError);
        const pull = this.activeFaults.pullMidRead;
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
    const f = this.activeFaults;
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
      // Never 0xAA, so junk cannot fake a preamble.
      const junk = randomBytes(this.#random, 1 + Math.floor(this.#random() * 16), 0xaa);
      const withJunk = new Uint8Array(junk.length + bytes.length);
      withJunk.set(junk);
      withJunk.set(bytes, junk.length);
      bytes = withJunk;
    }
    void this.send(bytes, this.opts.replyDelayMs ?? 0);
  }

  /** A (re)connected reader starts like a powered-up one: the card lies there, nothing found or selected yet. */
  protected override onAttached(): void {
    this.#found = false;
    this.#selected = false;
    this.#halted = false;
  }

  protected override onSent(): void {
    this.counters.replies++;
  }
}
