/**
 * NexoPaymentPad: a payment pad speaking nexo Sale-to-POI over a serial link (STX/ETX/LRC, ACK/NAK),
 * on any Transport.
 *
 * - LinkKeeper keeps the link open; every exchange is one at a time (PadLink.exclusive).
 * - pay(), reverse(): what is known, or 'unknown' (never a guess, never a retry of a payment);
 *   transactionStatus(): the pad's record of an earlier request, by ServiceID.
 * - An AbortSignal on pay() sends an Abort to the pad and waits a little for the pad's final answer
 *   (an abort can lose the race against an approval: then the payment is approved, and says so).
 * - Late answers (after a timeout) are counted and handed to onLateResponse listeners.
 *
 * Nothing here logs or keeps card data; the message codec drops it on arrival.
 */
import { randomBytes } from 'node:crypto';
import {
  Counters,
  DeviceError,
  Emitter,
  errorSummary,
  deadline,
  isDeviceError,
  type DeviceErrorSummary,
  type DeviceInfo,
  type DeviceState,
  type DeviceStatusSnapshot,
  type HealthLevel,
  type HealthReport,
  type Unsubscribe,
} from '../device.js';
import { LinkKeeper, type LinkKeeperOptions } from '../transport/keeper.js';
import type { TransportOpener } from '../transport/transport.js';
import { PadLink } from './link.js';
import { checkAmountFen, type Header, type PadRequest, type PadResponse, type PaymentResponse, type ReversalResponse } from './protocol/messages.js';
import type { DeclineReason, PaymentInput, PaymentOutcome, PaymentPad, ReversalInput, ReversalOutcome, StatusOutcome, UnknownReason } from './types.js';

export interface NexoPaymentPadOptions {
  /** The kiosk's SaleID (its terminal id). */
  saleId: string;
  /** POIID to address until the pad has told its own (default '*': any). */
  poiId?: string;
  /** ACK/NAK wait per frame (default 3000 ms). */
  ackTimeoutMs?: number;
  /** Frames sent again after NAK / no ACK (default 3). */
  maxRetransmits?: number;
  /** How long a payment may take once acknowledged (default 120 s, nexo practice). */
  paymentTimeoutMs?: number;
  /** Status inquiries and reversals (default 15 s). */
  serviceTimeoutMs?: number;
  /** After an abort, how long to wait for the pad's final answer (default 10 s). */
  abortWaitMs?: number;
  keeper?: LinkKeeperOptions;
}

const COUNTER_NAMES = ['payments', 'approved', 'declined', 'unknown', 'reversals', 'inquiries', 'aborts', 'naksReceived', 'naksSent', 'retransmits', 'garbageBytes', 'lateResponses', 'timeouts'] as const;
type CounterName = (typeof COUNTER_NAMES)[number];

const ID_ALPHABET = '0123456789abcdefghijklmnopqrstuvwxyz';

/** A fresh nexo ServiceID: 10 random base-36 characters (unique per POI for far longer than 48 h). */
export function newServiceId(): string {
  const bytes = randomBytes(10);
  let s = '';
  for (const b of bytes) s += ID_ALPHABET[b % 36];
  return s;
}


function declineReason(errorCondition: string | undefined): DeclineReason {
  switch (errorCondition) {
    case 'Cancel':
      return 'canceled';
    case 'Aborted':
      return 'aborted';
    case 'Busy':
      return 'busy';
    default:
      return 'refused';
  }
}

/** What a link failure after the request went out means. */
function unknownReason(e: unknown): UnknownReason {
  if (!isDeviceError(e)) return 'bad-response';
  if (e.fault === 'no-response') return 'no-response';
  if (e.fault === 'no-ack') return 'no-ack';
  if (e.fault === 'nak-limit') return 'refused-by-link';
  if (e.fault === 'bad-message') return 'bad-response';
  if (e.code === 'canceled') return 'aborted-no-answer';
  return 'link-lost';
}

/** `requestedFen`: what was asked, for a pad that approves without repeating the amount. */
function paymentOutcome(r: PaymentResponse, requestedFen: number): Extract<PaymentOutcome, { outcome: 'approved' | 'declined' }> {
  if ((r.result === 'Success' || r.result === 'Partial') && r.poiTransaction) {
    return { outcome: 'approved', poiTransaction: r.poiTransaction, authorizedFen: r.authorizedFen ?? requestedFen };
  }
  const reason = declineReason(r.errorCondition);
  return { outcome: 'declined', reason, ...(r.errorCondition !== undefined ? { errorCondition: r.errorCondition } : {}), message: `the pad answered ${r.result}${r.errorCondition ? ` (${r.errorCondition})` : ''}` };
}

function reversalOutcome(r: ReversalResponse): Extract<ReversalOutcome, { outcome: 'reversed' | 'refused' }> {
  if (r.result === 'Success') return { outcome: 'reversed', ...(r.reversedFen !== undefined ? { reversedFen: r.reversedFen } : {}) };
  return { outcome: 'refused', ...(r.errorCondition !== undefined ? { errorCondition: r.errorCondition } : {}), message: `the pad refused the reversal${r.errorCondition ? ` (${r.errorCondition})` : ''}` };
}

export class NexoPaymentPad implements PaymentPad {
  readonly kind = 'payment' as const;
  readonly #keeper: LinkKeeper;
  readonly #o: Required<Omit<NexoPaymentPadOptions, 'keeper' | 'poiId'>>;
  readonly #counters = new Counters<CounterName>(COUNTER_NAMES);
  readonly #events = new Emitter<DeviceStatusSnapshot>();
  readonly #late = new Emitter<PadResponse>();
  readonly #info: DeviceInfo;
  #poiId: string | undefined;
  #link: PadLink | undefined;
  #state: DeviceState = 'offline';
  #since = Date.now();
  #lastError: DeviceErrorSummary | undefined;
  #started = false;
  #everUp = false;

  constructor(
    readonly id: string,
    opener: TransportOpener,
    opts: NexoPaymentPadOptions,
  ) {
    this.#o = {
      saleId: opts.saleId,
      ackTimeoutMs: opts.ackTimeoutMs ?? 3000,
      maxRetransmits: opts.maxRetransmits ?? 3,
      paymentTimeoutMs: opts.paymentTimeoutMs ?? 120_000,
      serviceTimeoutMs: opts.serviceTimeoutMs ?? 15_000,
      abortWaitMs: opts.abortWaitMs ?? 10_000,
    };
    this.#poiId = opts.poiId;
    this.#info = { kind: 'payment', transport: opener.kind, path: opener.path, model: 'nexo Sale-to-POI (serial, STX/ETX/LRC)' };
    this.#keeper = new LinkKeeper(opener, opts.keeper ?? {});
    this.#keeper.on((e) => {
      if (e.type === 'up') {
        this.#link?.dispose();
        this.#link = new PadLink(e.transport, {
          ackTimeoutMs: this.#o.ackTimeoutMs,
          maxRetransmits: this.#o.maxRetransmits,
          onLateResponse: (r) => {
            this.#counters.add('lateResponses');
            this.#late.emit(r);
          },
          onFrameError: (err, n) => {
            if (err.kind === 'garbage') this.#counters.add('garbageBytes', n);
          },
        });
        this.#everUp = true;
        this.#info.transport = e.transport.kind;
        this.#info.path = e.transport.path;
        this.#setState('online');
      } else {
        this.#link?.dispose();
        this.#link = undefined;
        this.#lastError = errorSummary(e.error);
        this.#setState(!this.#everUp && e.error.code === 'not-found' ? 'no-device' : 'offline', true);
      }
    });
  }

  get poiId(): string | undefined {
    return this.#poiId;
  }

  status(): DeviceStatusSnapshot {
    const link = this.#link;
    const counters = this.#counters.toJSON();
    if (link) {
      counters.retransmits = (counters.retransmits ?? 0) + link.counters.resends;
      counters.naksReceived = (counters.naksReceived ?? 0) + link.stats.naksReceived;
      counters.naksSent = (counters.naksSent ?? 0) + link.stats.naksSent;
    }
    return {
      id: this.id,
      kind: this.kind,
      state: this.#state,
      info: { ...this.#info, ...(this.#poiId && this.#poiId !== '*' ? { serial: this.#poiId } : {}) },
      counters,
      ...(this.#lastError ? { lastError: { ...this.#lastError } } : {}),
      warnings: [],
      since: this.#since,
    };
  }

  onStatus(listener: (s: DeviceStatusSnapshot) => void): Unsubscribe {
    return this.#events.on(listener);
  }

  /** Answers that arrived after their request gave up (a late approval is evidence for the journal). */
  onLateResponse(listener: (r: PadResponse) => void): Unsubscribe {
    return this.#late.on(listener);
  }

  start(): void {
    if (this.#started) return;
    this.#started = true;
    this.#keeper.start();
  }

  async close(): Promise<void> {
    this.#started = false;
    await this.#keeper.stop();
    this.#link?.dispose();
    this.#link = undefined;
    this.#setState('offline');
  }

  async checkHealth(level: HealthLevel, signal?: AbortSignal): Promise<HealthReport> {
    const report = (ok: boolean, text: string): HealthReport => ({ level, ok, text, checkedAt: Date.now() });
    if (!this.#link || this.#link.closed) return report(false, `payment pad ${this.#state}: no link`);
    if (level === 'internal') return report(true, `payment pad link up (${this.#info.path ?? '?'})`);
    try {
      const s = await this.#statusOf(undefined, signal);
      const tail = level === 'interactive' ? '; a test payment needs a card and moves money: use kioskctl pay sale on a simulator' : '';
      return report(true, `payment pad answers (POI ${this.#poiId ?? '?'}; last transaction ${s.status})${tail}`);
    } catch (e) {
      return report(false, `${level} check failed: ${isDeviceError(e) ? e.message : 'no answer'}`);
    }
  }

  // ------------------------------------------------------------------ operations

  async pay(input: PaymentInput, signal?: AbortSignal): Promise<PaymentOutcome> {
    checkAmountFen(input.amountFen);
    this.#counters.add('operations');
    this.#counters.add('payments');
    const link = this.#link;
    if (!link || link.closed) return this.#count({ outcome: 'declined', reason: 'not-sent', message: 'the payment pad is not connected; nothing was sent' });
    if (signal?.aborted) return this.#count({ outcome: 'declined', reason: 'not-sent', message: 'canceled before anything was sent' });
    const request: PadRequest = { category: 'Payment', header: this.#header('Payment', input.serviceId), saleTransactionId: input.saleTransactionId, timeStamp: new Date().toISOString(), amountFen: input.amountFen };
    return link.exclusive(async () => {
      this.#setBusy(true);
      // The exchange is stopped only by our own deadline after an abort, never by the caller's signal directly.
      const stop = new AbortController();
      let abortWait: { dispose(): void } | undefined;
      const onAbort = (): void => {
        this.#counters.add('aborts');
        link.sendNow({ category: 'Abort', header: this.#header('Abort', newServiceId()), reference: { category: 'Payment', serviceId: input.serviceId }, reason: 'kiosk canceled' }).catch(() => undefined);
        const d = deadline(this.#o.abortWaitMs);
        abortWait = d;
        d.signal.addEventListener('abort', () => stop.abort(new Error('no final answer after the abort')), { once: true });
      };
      signal?.addEventListener('abort', onAbort, { once: true });
      try {
        const r = (await link.exchange(request, { responseTimeoutMs: this.#o.paymentTimeoutMs, signal: stop.signal })) as PaymentResponse & { header: Header };
        this.#learn(r);
        if (r.saleTransaction && r.saleTransaction.transactionId !== input.saleTransactionId) {
          return this.#count({ outcome: 'unknown', reason: 'bad-response', message: 'the pad answered for another sale transaction' });
        }
        return this.#count(paymentOutcome(r, input.amountFen));
      } catch (e) {
        this.#noteError(e);
        return this.#count({ outcome: 'unknown', reason: unknownReason(e), message: isDeviceError(e) ? e.message : 'payment failed' });
      } finally {
        signal?.removeEventListener('abort', onAbort);
        abortWait?.dispose();
        this.#setBusy(false);
      }
    });
  }

  async transactionStatus(ref: { category: 'Payment' | 'Reversal'; serviceId: string }, signal?: AbortSignal): Promise<StatusOutcome> {
    return this.#statusOf(ref, signal);
  }

  /** The pad's last transaction (a harmless request: it also tells the pad's POIID). */
  lastTransactionStatus(signal?: AbortSignal): Promise<StatusOutcome> {
    return this.#statusOf(undefined, signal);
  }

  async reverse(input: ReversalInput, signal?: AbortSignal): Promise<ReversalOutcome> {
    this.#counters.add('operations');
    this.#counters.add('reversals');
    const link = this.#link;
    if (!link || link.closed) return { outcome: 'unknown', reason: 'link-lost', message: 'the payment pad is not connected; nothing was sent' };
    const request: PadRequest = { category: 'Reversal', header: this.#header('Reversal', input.serviceId), original: input.original, reason: input.reason ?? 'MerchantCancel' };
    return link.exclusive(async () => {
      try {
        const r = await link.exchange(request, { responseTimeoutMs: this.#o.serviceTimeoutMs, signal });
        this.#learn(r);
        return reversalOutcome(r as ReversalResponse);
      } catch (e) {
        this.#noteError(e);
        return { outcome: 'unknown', reason: unknownReason(e), message: isDeviceError(e) ? e.message : 'reversal failed' };
      }
    });
  }

  // ------------------------------------------------------------------ internals

  async #statusOf(ref: { category: 'Payment' | 'Reversal'; serviceId: string } | undefined, signal?: AbortSignal): Promise<StatusOutcome> {
    this.#counters.add('operations');
    this.#counters.add('inquiries');
    const link = this.#link;
    if (!link || link.closed) throw new DeviceError('payment', 'disconnected', 'the payment pad is not connected', 'wait');
    const request: PadRequest = { category: 'TransactionStatus', header: this.#header('TransactionStatus', newServiceId()), ...(ref ? { reference: ref } : {}) };
    return link.exclusive(async () => {
      let r: PadResponse | undefined;
      try {
        r = await link.exchange(request, { responseTimeoutMs: this.#o.serviceTimeoutMs, signal });
      } catch (e) {
        this.#noteError(e);
        throw e;
      }
      this.#learn(r);
      if (r?.category !== 'TransactionStatus') throw new DeviceError('payment', 'protocol', 'status inquiry: unexpected answer', 'retry', 'bad-message');
      if (r.result === 'Success' && r.repeated) {
        const inner = r.repeated.response;
        return inner.category === 'Payment' ? { status: 'found', payment: paymentOutcome(inner, inner.authorizedFen ?? 0) } : { status: 'found', reversal: reversalOutcome(inner) };
      }
      if (r.errorCondition === 'InProgress') return { status: 'in-progress' };
      if (r.errorCondition === 'NotFound') return { status: 'not-found' };
      throw new DeviceError('payment', r.errorCondition === 'Busy' ? 'busy' : 'protocol', `status inquiry refused (${r.errorCondition ?? r.result})`, 'wait', 'inquiry-refused');
    });
  }

  #header(category: Header['category'], serviceId: string): Header {
    return { category, serviceId, saleId: this.#o.saleId, poiId: this.#poiId ?? '*' };
  }

  #learn(r: PadResponse | undefined): void {
    if (r && r.header.poiId !== '*' && r.header.poiId !== this.#poiId) this.#poiId = r.header.poiId;
    if (this.#state === 'error') this.#setState('online');
  }

  #count<T extends PaymentOutcome>(o: T): T {
    this.#counters.add(o.outcome);
    if (o.outcome === 'unknown') this.#counters.add('errors');
    return o;
  }

  #noteError(e: unknown): void {
    if (!isDeviceError(e)) return;
    if (e.code === 'timeout') this.#counters.add('timeouts');
    this.#lastError = errorSummary(e);
    this.#setState(this.#link && !this.#link.closed ? 'error' : 'offline', true);
  }

  #setBusy(busy: boolean): void {
    if (this.#link && !this.#link.closed && this.#state !== 'error') this.#setState(busy ? 'busy' : 'online');
  }

  #setState(state: DeviceState, force = false): void {
    if (state === this.#state && !force) return;
    if (state !== this.#state) this.#since = Date.now();
    this.#state = state;
    this.#events.emit(this.status());
  }
}
