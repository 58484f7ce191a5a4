import type { Device } from '../device.js';
import type { PoiTransaction, ReversalReason } from './protocol/messages.js';

export type { PoiTransaction, ReversalReason } from './protocol/messages.js';

export interface PaymentInput {
  /** Whole fen, 1 … 100,000,000. */
  amountFen: number;
  /** The kiosk's transaction id (the payment's idempotency key); the pad echoes it. */
  saleTransactionId: string;
  /** This request's nexo ServiceID (1–10 characters, unique); keep it to ask for the status later. */
  serviceId: string;
}

/** Why a payment was not made. */
export type DeclineReason =
  /** The card or the bank refused it. */
  | 'refused'
  /** The citizen cancelled or took the card out before it was done. */
  | 'canceled'
  /** The kiosk aborted it (the citizen left, the session ended). */
  | 'aborted'
  /** The pad was busy with something else. */
  | 'busy'
  /** Nothing reached the pad: the link was down. */
  | 'not-sent';

/** Why the kiosk does not know whether the citizen was charged. Always resolved by a status inquiry. */
export type UnknownReason =
  /** The pad acknowledged the request and never answered. */
  | 'no-response'
  /** The pad never acknowledged the request (it may still have it). */
  | 'no-ack'
  /** The link dropped after the request went out. */
  | 'link-lost'
  /** The pad kept refusing the frame (NAK). */
  | 'refused-by-link'
  /** The answer could not be read. */
  | 'bad-response'
  /** The kiosk aborted and the pad did not confirm how it ended. */
  | 'aborted-no-answer';

export type PaymentOutcome =
  | { outcome: 'approved'; poiTransaction: PoiTransaction; authorizedFen: number }
  | { outcome: 'declined'; reason: DeclineReason; errorCondition?: string; message: string }
  | { outcome: 'unknown'; reason: UnknownReason; message: string };

export type ReversalOutcome =
  | { outcome: 'reversed'; reversedFen?: number }
  /** The pad refused: NotFound (no such transaction), NotAllowed (already reversed, or too late), … */
  | { outcome: 'refused'; errorCondition?: string; message: string }
  | { outcome: 'unknown'; reason: UnknownReason; message: string };

/** What a status inquiry learned about one earlier request. */
export type StatusOutcome =
  /** The pad has the original answer. */
  | { status: 'found'; payment: Extract<PaymentOutcome, { outcome: 'approved' | 'declined' }> }
  | { status: 'found'; reversal: Extract<ReversalOutcome, { outcome: 'reversed' | 'refused' }> }
  /** Still running: ask again later. */
  | { status: 'in-progress' }
  /** The pad never received it: nothing happened (retry with a new ServiceID). */
  | { status: 'not-found' };

export interface ReversalInput {
  original: PoiTransaction;
  serviceId: string;
  reason?: ReversalReason;
}

/**
 * The payment-pad interface the core and the workflows depend on; the nexo pad and (through it) the
 * simulator implement it. No method ever returns or logs card data.
 *
 * pay() and reverse() never throw for a failed exchange: they say what is known (approved, declined,
 * reversed, refused) or that the outcome is unknown; the caller journals it and resolves an unknown
 * outcome with transactionStatus() before doing anything else. transactionStatus() throws a typed
 * DeviceError when it cannot get an answer.
 */
export interface PaymentPad extends Device {
  readonly kind: 'payment';
  /** The pad's identity as it reports it (POIID), once known. */
  readonly poiId: string | undefined;
  /** Asks for `amountFen`. The signal aborts: an Abort goes to the pad and the outcome is what the pad then says. */
  pay(input: PaymentInput, signal?: AbortSignal): Promise<PaymentOutcome>;
  /** The outcome of an earlier payment or reversal, by its ServiceID. */
  transactionStatus(ref: { category: 'Payment' | 'Reversal'; serviceId: string }, signal?: AbortSignal): Promise<StatusOutcome>;
  /** Reverses an approved payment (冲正). */
  reverse(input: ReversalInput, signal?: AbortSignal): Promise<ReversalOutcome>;
}
