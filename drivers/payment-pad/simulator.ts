/**
 * PadSimulator: a nexo payment pad on the device end of a Transport, with a bank ledger behind it.
 *
 * Link layer as a real pad: every well-formed request frame is acknowledged (ACK) before it is
 * processed, a frame with a bad LRC is NAKed, responses are sent again on NAK or a missing ACK (at
 * most three times). Requests are deduplicated by ServiceID (a retransmitted request is never a second
 * payment). The ledger is the truth the tests check: what was charged, what was reversed.
 *
 * Faults: decline, card removed, timeout after debit (charged, no answer), lost reply (answered, the
 * answer never arrives), NAK storm, garbage on the line, unplug mid-transaction, silence, busy.
 * The simulator API is the one every device shares (drivers/simulator.ts).
 */
import { SimulatorBase, seededRandom } from '../simulator.js';
import { FrameReader } from '../transport/frame-reader.js';
import type { Transport } from '../transport/transport.js';
import { ACK, ACK_BYTES, MAX_FRAME, NAK, NAK_BYTES, STX, encodeFrame, parseFrame, type PadFrame, type PadFrameError } from './protocol/frame.js';
import {
  decodeRequest,
  encodeResponse,
  type Header,
  type PadRequest,
  type PadResponse,
  type PaymentResponse,
  type PoiTransaction,
  type ReversalResponse,
} from './protocol/messages.js';

export interface PadFaults {
  /** The bank refuses every payment (Failure / Refusal). */
  decline: boolean;
  /** The citizen pulls the card before it is done (Failure / Cancel). */
  cardRemoved: boolean;
  /** The payment is charged and the pad never answers (the host's timeout; a status inquiry finds it). */
  timeoutAfterDebit: boolean;
  /** The payment is charged and answered, but the answer (and its repeats) never arrive. */
  lostReply: boolean;
  /** Every request frame is NAKed. */
  nakStorm: boolean;
  /** 1–8 bytes of line noise before everything the pad sends. */
  garbage: boolean;
  /** The cable is pulled during the next payment: after the debit ('after-debit') or before it. */
  unplugMidTransaction: false | 'before-debit' | 'after-debit';
  /** Nothing at all comes back, not even ACK. */
  silence: boolean;
  /** Payments and reversals answer Failure / Busy. */
  busy: boolean;
}

export const NO_PAD_FAULTS: Readonly<PadFaults> = Object.freeze({
  decline: false,
  cardRemoved: false,
  timeoutAfterDebit: false,
  lostReply: false,
  nakStorm: false,
  garbage: false,
  unplugMidTransaction: false,
  silence: false,
  busy: false,
});

export interface PadSimulatorOptions {
  /** The pad's POIID (a simulator's starts with 'SIM-': kioskctl allows payments on it without confirmation). */
  poiId?: string;
  /** Time from request to answer, as if the citizen were tapping the card. Default 0. */
  processingMs?: number;
  /** How long it waits for the host's ACK before repeating a response. Default 1000 ms. */
  ackTimeoutMs?: number;
  /** Pulling the cable (default: close the device end). A pty harness kills socat instead. */
  unplug?: () => void;
  seed?: number;
  /**
   * What the pad remembered before (its `memory()`): a real pad is a device of its own that outlives a crash of
   * the kiosk's core, so a host that restarts can give its simulator back the charges and answers it had.
   */
  memory?: PadMemory;
  /** Called with the pad's memory after every charge, reversal or answer, before the answer goes out. */
  onChange?: (memory: PadMemory) => void;
}

/** What a pad remembers across a restart of its host: the bank's charges, the answers by ServiceID, its counter. */
export interface PadMemory {
  seq: number;
  ledger: LedgerEntry[];
  answers: [serviceId: string, answer: { header: Header; body: PaymentResponse | ReversalResponse }][];
  lastServiceId: string | null;
}

/** One charge in the simulated bank. */
export interface LedgerEntry {
  poiTransaction: PoiTransaction;
  saleTransactionId: string;
  serviceId: string;
  amountFen: number;
  state: 'approved' | 'reversed';
}

interface Outgoing {
  bytes: Uint8Array;
  sends: number;
  timer: ReturnType<typeof setTimeout> | undefined;
  lost: boolean;
}

interface InFlight {
  request: Extract<PadRequest, { category: 'Payment' }>;
  timer: ReturnType<typeof setTimeout>;
}

const MAX_RESENDS = 3;

export class PadSimulator extends SimulatorBase<PadFaults> {
  readonly poiId: string;
  readonly #processingMs: number;
  readonly #ackTimeoutMs: number;
  readonly #unplug: (() => void) | undefined;
  readonly #random: () => number;
  readonly #onChange: ((memory: PadMemory) => void) | undefined;
  /** Charges by POI transaction id. */
  readonly #ledger = new Map<string, LedgerEntry>();
  /** Answers by ServiceID ('in-progress' while a payment runs), for deduplication and status inquiries. */
  readonly #answers = new Map<string, { header: Header; body: PaymentResponse | ReversalResponse } | 'in-progress'>();
  #lastServiceId: string | undefined;
  #seq = 0;
  #outgoing: Outgoing | undefined;
  #inFlight: InFlight | undefined;
  /** Requests received (after deduplication), answers sent, NAKs sent, … */
  readonly counters = { frames: 0, requests: 0, duplicates: 0, responses: 0, naksSent: 0, acksReceived: 0, badFrames: 0, badMessages: 0, aborts: 0 };
  protected readonly reader = new FrameReader<PadFrame, PadFrameError>({
    parse: parseFrame,
    maxBuffered: MAX_FRAME,
    device: 'payment',
    onFrame: (f) => this.#onFrame(f),
    onError: (e) => {
      this.counters.badFrames++;
      if (e.kind === 'checksum') this.#control(NAK_BYTES);
    },
  });

  constructor(deviceEnd?: Transport, opts: PadSimulatorOptions = {}) {
    super(NO_PAD_FAULTS);
    this.poiId = opts.poiId ?? 'SIM-PAD-01';
    this.#processingMs = opts.processingMs ?? 0;
    this.#ackTimeoutMs = opts.ackTimeoutMs ?? 1000;
    this.#unplug = opts.unplug;
    this.#random = seededRandom(opts.seed ?? 0x5a1e);
    this.#onChange = opts.onChange;
    if (opts.memory) {
      this.#seq = opts.memory.seq;
      for (const e of opts.memory.ledger) this.#ledger.set(e.poiTransaction.transactionId, { ...e, poiTransaction: { ...e.poiTransaction } });
      for (const [sid, a] of opts.memory.answers) this.#answers.set(sid, a);
      this.#lastServiceId = opts.memory.lastServiceId ?? undefined;
    }
    if (deviceEnd) this.attach(deviceEnd);
  }

  /** What the pad would remember after a restart of its host (payments still running are not in it: they never answered). */
  memory(): PadMemory {
    const answers: PadMemory['answers'] = [];
    for (const [sid, a] of this.#answers) if (a !== 'in-progress') answers.push([sid, a]);
    return { seq: this.#seq, ledger: this.ledger(), answers, lastServiceId: this.#lastServiceId ?? null };
  }

  #changed(): void {
    this.#onChange?.(this.memory());
  }

  /** Every charge the bank has seen, approved or reversed. */
  ledger(): LedgerEntry[] {
    return [...this.#ledger.values()].map((e) => ({ ...e, poiTransaction: { ...e.poiTransaction } }));
  }

  /** Charges that stand (approved and not reversed). */
  captured(): LedgerEntry[] {
    return this.ledger().filter((e) => e.state === 'approved');
  }

  /** The pad is working on a payment. */
  get busy(): boolean {
    return this.#inFlight !== undefined;
  }

  override dispose(): void {
    this.#stopTimers();
    super.dispose();
  }

  protected override onDetached(): void {
    // A pulled cable: a response waiting for its ACK is gone; a payment being processed still completes.
    if (this.#outgoing?.timer) clearTimeout(this.#outgoing.timer);
    this.#outgoing = undefined;
  }

  // ------------------------------------------------------------------ link layer

  #onFrame(f: PadFrame): void {
    this.counters.frames++;
    if (f.kind === 'ack') {
      this.counters.acksReceived++;
      const o = this.#outgoing;
      if (o?.timer) clearTimeout(o.timer);
      this.#outgoing = undefined;
      return;
    }
    if (f.kind === 'nak') {
      const o = this.#outgoing;
      if (o) this.#transmit(o);
      return;
    }
    const faults = this.activeFaults;
    if (faults.silence) return;
    if (faults.nakStorm) {
      this.#control(NAK_BYTES);
      return;
    }
    this.#control(ACK_BYTES);
    let request: PadRequest;
    try {
      request = decodeRequest(f.payload);
    } catch {
      this.counters.badMessages++;
      return;
    }
    this.#handle(request);
  }

  /** An ACK or NAK (with noise before it, under the garbage fault). */
  #control(bytes: Uint8Array): void {
    if (this.activeFaults.silence) return;
    if (bytes[0] === NAK) this.counters.naksSent++;
    void this.send(this.#noisy(bytes));
  }

  #noisy(bytes: Uint8Array): Uint8Array {
    if (!this.activeFaults.garbage) return bytes;
    const n = 1 + Math.floor(this.#random() * 8);
    const out = new Uint8Array(n + bytes.length);
    for (let i = 0; i < n; i++) {
      let b: number;
      do b = Math.floor(this.#random() * 256);
      while (b === STX || b === ACK || b === NAK); // noise that could pass for a frame start would be another fault
      out[i] = b;
    }
    out.set(bytes, n);
    return out;
  }

  #respond(response: PadResponse, extra?: Record<string, unknown>): void {
    this.counters.responses++;
    const o: Outgoing = { bytes: encodeFrame(encodeResponse(response, extra)), sends: 0, timer: undefined, lost: this.activeFaults.lostReply };
    if (this.#outgoing?.timer) clearTimeout(this.#outgoing.timer);
    this.#outgoing = o;
    this.#transmit(o);
  }

  #transmit(o: Outgoing): void {
    if (o.timer) clearTimeout(o.timer);
    if (o.sends > MAX_RESENDS || this.activeFaults.silence) {
      if (this.#outgoing === o) this.#outgoing = undefined;
      return;
    }
    o.sends++;
    if (!o.lost) void this.send(this.#noisy(o.bytes));
    o.timer = setTimeout(() => this.#transmit(o), this.#ackTimeoutMs);
    o.timer.unref?.();
  }

  // ------------------------------------------------------------------ the pad

  #header(category: Header['category'], of: Header): Header {
    return { category, serviceId: of.serviceId, saleId: of.saleId, poiId: this.poiId };
  }

  #handle(request: PadRequest): void {
    const sid = request.header.serviceId;
    if (request.category === 'Payment' || request.category === 'Reversal') {
      const known = this.#answers.get(sid);
      if (known !== undefined) {
        this.counters.duplicates++;
        if (known !== 'in-progress') this.#respond({ ...known.body, header: known.header });
        return;
      }
    }
    this.counters.requests++;
    switch (request.category) {
      case 'Payment':
        return this.#payment(request);
      case 'Reversal':
        return this.#reversal(request);
      case 'TransactionStatus':
        return this.#status(request);
      case 'Abort':
        return this.#abort(request);
    }
  }

  #payment(request: Extract<PadRequest, { category: 'Payment' }>): void {
    const header = this.#header('Payment', request.header);
    if (this.#inFlight || this.activeFaults.busy) {
      this.#respond({ category: 'Payment', header, result: 'Failure', errorCondition: 'Busy', saleTransaction: { transactionId: request.saleTransactionId, timeStamp: request.timeStamp } });
      return;
    }
    this.#answers.set(request.header.serviceId, 'in-progress');
    this.#lastServiceId = request.header.serviceId;
    const timer = setTimeout(() => this.#complete(request), this.#processingMs);
    this.#inFlight = { request, timer };
  }

  #complete(request: Extract<PadRequest, { category: 'Payment' }>, aborted = false): void {
    this.#inFlight = undefined;
    const f = this.activeFaults;
    const header = this.#header('Payment', request.header);
    const sale = { transactionId: request.saleTransactionId, timeStamp: request.timeStamp };
    let body: PaymentResponse;
    if (aborted) body = { category: 'Payment', result: 'Failure', errorCondition: 'Aborted', saleTransaction: sale };
    else if (f.unplugMidTransaction === 'before-debit') {
      this.#answers.delete(request.header.serviceId); // it never happened
      this.patchFaultsQuietly({ unplugMidTransaction: false });
      this.#pullCable();
      return;
    } else if (f.cardRemoved) body = { category: 'Payment', result: 'Failure', errorCondition: 'Cancel', additionalResponse: 'card removed', saleTransaction: sale };
    else if (f.decline) body = { category: 'Payment', result: 'Failure', errorCondition: 'Refusal', additionalResponse: 'declined by issuer', saleTransaction: sale };
    else {
      const poiTransaction = { transactionId: `${this.poiId}-${String(++this.#seq).padStart(6, '0')}`, timeStamp: new Date().toISOString() };
      this.#ledger.set(poiTransaction.transactionId, { poiTransaction, saleTransactionId: request.saleTransactionId, serviceId: request.header.serviceId, amountFen: request.amountFen, state: 'approved' });
      body = { category: 'Payment', result: 'Success', saleTransaction: sale, poiTransaction, authorizedFen: request.amountFen };
    }
    this.#answers.set(request.header.serviceId, { header, body });
    this.#changed();
    if (!aborted && f.unplugMidTransaction === 'after-debit') {
      this.patchFaultsQuietly({ unplugMidTransaction: false });
      this.#pullCable();
      return;
    }
    if (!aborted && body.result === 'Success' && f.timeoutAfterDebit) return;
    // A real pad sends card data too; the kiosk must drop it (proved by the journal privacy test).
    const card = body.result === 'Success' ? { PaymentInstrumentData: { CardData: { MaskedPan: '622202******1234', PaymentBrand: 'UnionPay' } } } : undefined;
    this.#respond({ ...body, header }, card);
  }

  #pullCable(): void {
    if (this.#unplug) this.#unplug();
    else void this.transport?.close();
  }

  #abort(request: Extract<PadRequest, { category: 'Abort' }>): void {
    this.counters.aborts++;
    const f = this.#inFlight;
    if (!f || f.request.header.serviceId !== request.reference.serviceId) return; // nothing to abort: nexo sends no answer
    clearTimeout(f.timer);
    this.#complete(f.request, true);
  }

  #reversal(request: Extract<PadRequest, { category: 'Reversal' }>): void {
    const header = this.#header('Reversal', request.header);
    const entry = this.#ledger.get(request.original.transactionId);
    let body: ReversalResponse;
    if (this.activeFaults.busy) body = { category: 'Reversal', result: 'Failure', errorCondition: 'Busy' };
    else if (!entry) body = { category: 'Reversal', result: 'Failure', errorCondition: 'NotFound' };
    else if (entry.state === 'reversed') body = { category: 'Reversal', result: 'Failure', errorCondition: 'NotAllowed', additionalResponse: 'already reversed' };
    else {
      entry.state = 'reversed';
      body = { category: 'Reversal', result: 'Success', poiTransaction: entry.poiTransaction, reversedFen: entry.amountFen };
    }
    if (!this.activeFaults.busy) {
      this.#answers.set(request.header.serviceId, { header, body });
      this.#lastServiceId = request.header.serviceId;
      this.#changed();
    }
    this.#respond({ ...body, header });
  }

  #status(request: Extract<PadRequest, { category: 'TransactionStatus' }>): void {
    const header = this.#header('TransactionStatus', request.header);
    const sid = request.reference?.serviceId ?? this.#lastServiceId;
    const known = sid !== undefined ? this.#answers.get(sid) : undefined;
    if (known === undefined) this.#respond({ category: 'TransactionStatus', header, result: 'Failure', errorCondition: 'NotFound' });
    else if (known === 'in-progress') this.#respond({ category: 'TransactionStatus', header, result: 'Failure', errorCondition: 'InProgress' });
    else this.#respond({ category: 'TransactionStatus', header, result: 'Success', repeated: { header: known.header, response: known.body } });
  }

  #stopTimers(): void {
    if (this.#outgoing?.timer) clearTimeout(this.#outgoing.timer);
    this.#outgoing = undefined;
    if (this.#inFlight) clearTimeout(this.#inFlight.timer);
    this.#inFlight = undefined;
  }
}
