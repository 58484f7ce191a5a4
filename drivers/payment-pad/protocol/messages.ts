/**
 * nexo Retailer Sale-to-POI messages (device-protocols.md §4), the subset a kiosk needs — Payment,
 * TransactionStatus, Reversal, Abort — as UTF-8 JSON in nexo's element names, both directions, pure.
 *
 * Every message read from the wire is validated with zod; what the schema does not name is dropped
 * (a pad may send card data such as a masked PAN: it never gets past this file). Amounts are integer
 * fen inside the kiosk and decimal yuan (two places) on the wire, as nexo carries them.
 */
import { z } from 'zod';
import { DeviceError } from '../../device.js';

export const PROTOCOL_VERSION = '3.0';
/** Largest amount the kiosk asks for: 1,000,000 yuan. */
export const MAX_AMOUNT_FEN = 100_000_000;

export type Category = 'Payment' | 'Reversal' | 'TransactionStatus' | 'Abort';

export interface Header {
  category: Category;
  /** 1–10 characters, unique per request (nexo: per POI, for 48 h). */
  serviceId: string;
  /** The kiosk (terminal id). */
  saleId: string;
  /** The pad. */
  poiId: string;
}

/** A transaction reference: the pad's (POITransactionID) or the kiosk's (SaleTransactionID). */
export interface PoiTransaction {
  transactionId: string;
  timeStamp: string;
}

export type ReversalReason = 'MerchantCancel' | 'CustomerCancel' | 'Malfunction' | 'Unable2Compl';

export type PadRequest =
  | { category: 'Payment'; header: Header; saleTransactionId: string; timeStamp: string; amountFen: number }
  | { category: 'Reversal'; header: Header; original: PoiTransaction; reason: ReversalReason }
  /** No reference = the pad's last transaction. */
  | { category: 'TransactionStatus'; header: Header; reference?: { category: 'Payment' | 'Reversal'; serviceId: string } }
  | { category: 'Abort'; header: Header; reference: { category: 'Payment'; serviceId: string }; reason: string };

export type Result = 'Success' | 'Failure' | 'Partial';

export interface Outcome {
  result: Result;
  /** nexo ErrorCondition: Refusal, Cancel, Aborted, InProgress, NotFound, Busy, NotAllowed, … */
  errorCondition?: string;
  /** Free text from the pad (never shown to a citizen as is). */
  additionalResponse?: string;
}

export interface PaymentResponse extends Outcome {
  category: 'Payment';
  /** The kiosk's transaction the payment answers (its idempotency key). */
  saleTransaction?: PoiTransaction;
  poiTransaction?: PoiTransaction;
  authorizedFen?: number;
}

export interface ReversalResponse extends Outcome {
  category: 'Reversal';
  poiTransaction?: PoiTransaction;
  reversedFen?: number;
}

export interface TransactionStatusResponse extends Outcome {
  category: 'TransactionStatus';
  /** The original response of the referenced transaction, when the pad has it. */
  repeated?: { header: Header; response: PaymentResponse | ReversalResponse };
}

export type PadResponseBody = PaymentResponse | ReversalResponse | TransactionStatusResponse;
export type PadResponse = PadResponseBody & { header: Header };

/** A payload that is not a valid message of this exchange. */
export class PadMessageError extends DeviceError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('payment', 'invalid-data', message, 'retry', 'bad-message', options);
  }
}

// ------------------------------------------------------------------ wire schemas

const Id = z.string().min(1).max(64);
const ServiceId = z.string().min(1).max(10);
const Yuan = z.number().nonnegative().max(MAX_AMOUNT_FEN / 100);
const WireCategory = z.enum(['Payment', 'Reversal', 'TransactionStatus', 'Abort']);

const WireHeader = z.object({
  ProtocolVersion: z.literal(PROTOCOL_VERSION),
  MessageClass: z.literal('Service'),
  MessageCategory: WireCategory,
  MessageType: z.enum(['Request', 'Response']),
  ServiceID: ServiceId,
  SaleID: Id,
  POIID: Id,
});
const TxId = z.object({ TransactionID: Id, TimeStamp: z.string().min(1).max(40) });
const WireResponse = z.object({
  Result: z.enum(['Success', 'Failure', 'Partial']),
  ErrorCondition: z.string().max(40).optional(),
  AdditionalResponse: z.string().max(512).optional(),
});
const WirePaymentResponse = z.object({
  Response: WireResponse,
  SaleData: z.object({ SaleTransactionID: TxId }).optional(),
  POIData: z.object({ POITransactionID: TxId }).optional(),
  PaymentResult: z.object({ AmountsResp: z.object({ Currency: z.literal('CNY'), AuthorizedAmount: Yuan }).optional() }).optional(),
});
const WireReversalResponse = z.object({
  Response: WireResponse,
  POIData: z.object({ POITransactionID: TxId }).optional(),
  ReversedAmount: Yuan.optional(),
});
const WireTransactionStatusResponse = z.object({
  Response: WireResponse,
  RepeatedMessageResponse: z
    .object({
      MessageHeader: WireHeader,
      RepeatedResponseMessageBody: z.union([z.object({ PaymentResponse: WirePaymentResponse }), z.object({ ReversalResponse: WireReversalResponse })]),
    })
    .optional(),
});
const WireResponseEnvelope = z.object({
  SaleToPOIResponse: z.object({
    MessageHeader: WireHeader,
    PaymentResponse: WirePaymentResponse.optional(),
    ReversalResponse: WireReversalResponse.optional(),
    TransactionStatusResponse: WireTransactionStatusResponse.optional(),
  }),
});
const MessageReference = z.object({ MessageCategory: z.enum(['Payment', 'Reversal']), ServiceID: ServiceId, SaleID: Id.optional(), POIID: Id.optional() });
const WireRequestEnvelope = z.object({
  SaleToPOIRequest: z.object({
    MessageHeader: WireHeader,
    PaymentRequest: z
      .object({
        SaleData: z.object({ SaleTransactionID: TxId }),
        PaymentTransaction: z.object({ AmountsReq: z.object({ Currency: z.literal('CNY'), RequestedAmount: Yuan }) }),
      })
      .optional(),
    ReversalRequest: z.object({ OriginalPOITransaction: z.object({ POITransactionID: TxId }), ReversalReason: z.enum(['MerchantCancel', 'CustomerCancel', 'Malfunction', 'Unable2Compl']) }).optional(),
    TransactionStatusRequest: z.object({ MessageReference: MessageReference.optional() }).optional(),
    AbortRequest: z.object({ MessageReference: MessageReference, AbortReason: z.string().min(1).max(64) }).optional(),
  }),
});

type WireHeaderT = z.infer<typeof WireHeader>;

// ------------------------------------------------------------------ helpers

export function fenToYuan(fen: number): number {
  return Math.round(fen) / 100;
}

export function yuanToFen(yuan: number): number {
  return Math.round(yuan * 100);
}

/** A valid amount to ask for: whole fen, more than 0, at most MAX_AMOUNT_FEN. */
export function checkAmountFen(fen: number): number {
  if (!Number.isInteger(fen) || fen <= 0 || fen > MAX_AMOUNT_FEN) throw new DeviceError('payment', 'invalid-data', `amount must be whole fen from 1 to ${MAX_AMOUNT_FEN}, got ${String(fen)}`, 'retry', 'bad-amount');
  return fen;
}

function toWireHeader(h: Header, type: 'Request' | 'Response'): WireHeaderT {
  return { ProtocolVersion: PROTOCOL_VERSION, MessageClass: 'Service', MessageCategory: h.category, MessageType: type, ServiceID: h.serviceId, SaleID: h.saleId, POIID: h.poiId };
}

function fromWireHeader(h: WireHeaderT): Header {
  return { category: h.MessageCategory, serviceId: h.ServiceID, saleId: h.SaleID, poiId: h.POIID };
}

const utf8 = new TextEncoder();
const utf8Strict = new TextDecoder('utf-8', { fatal: true });

function toBytes(value: unknown): Uint8Array {
  return utf8.encode(JSON.stringify(value));
}

function parseJson(payload: Uint8Array): unknown {
  let text: string;
  try {
    text = utf8Strict.decode(payload);
  } catch (e) {
    throw new PadMessageError('message is not UTF-8', { cause: e });
  }
  try {
    return JSON.parse(text);
  } catch (e) {
    throw new PadMessageError('message is not JSON', { cause: e });
  }
}

function issue(e: z.ZodError): string {
  const i = e.issues[0];
  return i ? `${i.path.join('.') || '(top level)'}: ${i.message}` : 'invalid';
}

function outcomeOf(r: z.infer<typeof WireResponse>): Outcome {
  return {
    result: r.Result,
    ...(r.ErrorCondition !== undefined ? { errorCondition: r.ErrorCondition } : {}),
    ...(r.AdditionalResponse !== undefined ? { additionalResponse: r.AdditionalResponse } : {}),
  };
}

function wireOutcome(o: Outcome): z.infer<typeof WireResponse> {
  return {
    Result: o.result,
    ...(o.errorCondition !== undefined ? { ErrorCondition: o.errorCondition } : {}),
    ...(o.additionalResponse !== undefined ? { AdditionalResponse: o.additionalResponse } : {}),
  };
}

const tx = (t: z.infer<typeof TxId>): PoiTransaction => ({ transactionId: t.TransactionID, timeStamp: t.TimeStamp });
const wireTx = (t: PoiTransaction): z.infer<typeof TxId> => ({ TransactionID: t.transactionId, TimeStamp: t.timeStamp });

function paymentFromWire(p: z.infer<typeof WirePaymentResponse>): PaymentResponse {
  const amount = p.PaymentResult?.AmountsResp?.AuthorizedAmount;
  return {
    category: 'Payment',
    ...outcomeOf(p.Response),
    ...(p.SaleData ? { saleTransaction: tx(p.SaleData.SaleTransactionID) } : {}),
    ...(p.POIData ? { poiTransaction: tx(p.POIData.POITransactionID) } : {}),
    ...(amount !== undefined ? { authorizedFen: yuanToFen(amount) } : {}),
  };
}

function reversalFromWire(r: z.infer<typeof WireReversalResponse>): ReversalResponse {
  return {
    category: 'Reversal',
    ...outcomeOf(r.Response),
    ...(r.POIData ? { poiTransaction: tx(r.POIData.POITransactionID) } : {}),
    ...(r.ReversedAmount !== undefined ? { reversedFen: yuanToFen(r.ReversedAmount) } : {}),
  };
}

function paymentToWire(p: PaymentResponse): z.infer<typeof WirePaymentResponse> {
  return {
    Response: wireOutcome(p),
    ...(p.saleTransaction ? { SaleData: { SaleTransactionID: wireTx(p.saleTransaction) } } : {}),
    ...(p.poiTransaction ? { POIData: { POITransactionID: wireTx(p.poiTransaction) } } : {}),
    ...(p.authorizedFen !== undefined ? { PaymentResult: { AmountsResp: { Currency: 'CNY' as const, AuthorizedAmount: fenToYuan(p.authorizedFen) } } } : {}),
  };
}

function reversalToWire(r: ReversalResponse): z.infer<typeof WireReversalResponse> {
  return {
    Response: wireOutcome(r),
    ...(r.poiTransaction ? { POIData: { POITransactionID: wireTx(r.poiTransaction) } } : {}),
    ...(r.reversedFen !== undefined ? { ReversedAmount: fenToYuan(r.reversedFen) } : {}),
  };
}

// ------------------------------------------------------------------ host side

/** Host → pad. */
export function encodeRequest(r: PadRequest): Uint8Array {
  const MessageHeader = toWireHeader(r.header, 'Request');
  switch (r.category) {
    case 'Payment':
      checkAmountFen(r.amountFen);
      return toBytes({
        SaleToPOIRequest: {
          MessageHeader,
          PaymentRequest: {
            SaleData: { SaleTransactionID: { TransactionID: r.saleTransactionId, TimeStamp: r.timeStamp } },
            PaymentTransaction: { AmountsReq: { Currency: 'CNY', RequestedAmount: fenToYuan(r.amountFen) } },
          },
        },
      });
    case 'Reversal':
      return toBytes({ SaleToPOIRequest: { MessageHeader, ReversalRequest: { OriginalPOITransaction: { POITransactionID: wireTx(r.original) }, ReversalReason: r.reason } } });
    case 'TransactionStatus':
      return toBytes({
        SaleToPOIRequest: {
          MessageHeader,
          TransactionStatusRequest: r.reference ? { MessageReference: { MessageCategory: r.reference.category, ServiceID: r.reference.serviceId, SaleID: r.header.saleId } } : {},
        },
      });
    case 'Abort':
      return toBytes({
        SaleToPOIRequest: { MessageHeader, AbortRequest: { MessageReference: { MessageCategory: r.reference.category, ServiceID: r.reference.serviceId, SaleID: r.header.saleId }, AbortReason: r.reason } },
      });
  }
}

/** Pad → host: a validated response (anything the schema does not name, such as card data, is dropped). */
export function decodeResponse(payload: Uint8Array): PadResponse {
  const parsed = WireResponseEnvelope.safeParse(parseJson(payload));
  if (!parsed.success) throw new PadMessageError(`not a SaleToPOIResponse of this exchange: ${issue(parsed.error)}`);
  const m = parsed.data.SaleToPOIResponse;
  if (m.MessageHeader.MessageType !== 'Response') throw new PadMessageError('a SaleToPOIResponse must have MessageType Response');
  const header = fromWireHeader(m.MessageHeader);
  switch (header.category) {
    case 'Payment':
      if (!m.PaymentResponse) throw new PadMessageError('Payment response without PaymentResponse');
      return { ...paymentFromWire(m.PaymentResponse), header };
    case 'Reversal':
      if (!m.ReversalResponse) throw new PadMessageError('Reversal response without ReversalResponse');
      return { ...reversalFromWire(m.ReversalResponse), header };
    case 'TransactionStatus': {
      const t = m.TransactionStatusResponse;
      if (!t) throw new PadMessageError('TransactionStatus response without TransactionStatusResponse');
      const rep = t.RepeatedMessageResponse;
      let repeated: TransactionStatusResponse['repeated'];
      if (rep) {
        const body = rep.RepeatedResponseMessageBody;
        repeated = { header: fromWireHeader(rep.MessageHeader), response: 'PaymentResponse' in body ? paymentFromWire(body.PaymentResponse) : reversalFromWire(body.ReversalResponse) };
      }
      return { category: 'TransactionStatus', ...outcomeOf(t.Response), ...(repeated ? { repeated } : {}), header };
    }
    case 'Abort':
      throw new PadMessageError('an Abort has no response message');
  }
}

// ------------------------------------------------------------------ pad side (simulator)

/** Host → pad, read by the simulator. */
export function decodeRequest(payload: Uint8Array): PadRequest {
  const parsed = WireRequestEnvelope.safeParse(parseJson(payload));
  if (!parsed.success) throw new PadMessageError(`not a SaleToPOIRequest of this exchange: ${issue(parsed.error)}`);
  const m = parsed.data.SaleToPOIRequest;
  const header = fromWireHeader(m.MessageHeader);
  switch (header.category) {
    case 'Payment': {
      const p = m.PaymentRequest;
      if (!p) throw new PadMessageError('Payment request without PaymentRequest');
      const amountFen = yuanToFen(p.PaymentTransaction.AmountsReq.RequestedAmount);
      if (amountFen <= 0) throw new PadMessageError('payment of nothing');
      return { category: 'Payment', header, saleTransactionId: p.SaleData.SaleTransactionID.TransactionID, timeStamp: p.SaleData.SaleTransactionID.TimeStamp, amountFen };
    }
    case 'Reversal': {
      const r = m.ReversalRequest;
      if (!r) throw new PadMessageError('Reversal request without ReversalRequest');
      return { category: 'Reversal', header, original: tx(r.OriginalPOITransaction.POITransactionID), reason: r.ReversalReason };
    }
    case 'TransactionStatus': {
      const ref = m.TransactionStatusRequest?.MessageReference;
      return { category: 'TransactionStatus', header, ...(ref ? { reference: { category: ref.MessageCategory, serviceId: ref.ServiceID } } : {}) };
    }
    case 'Abort': {
      const a = m.AbortRequest;
      if (!a || a.MessageReference.MessageCategory !== 'Payment') throw new PadMessageError('Abort request without a payment reference');
      return { category: 'Abort', header, reference: { category: 'Payment', serviceId: a.MessageReference.ServiceID }, reason: a.AbortReason };
    }
  }
}

/**
 * Pad → host. `extra` adds fields a real pad sends and the kiosk must ignore (e.g. card data), so the
 * simulator can prove they are dropped.
 */
export function encodeResponse(r: PadResponse, extra: Record<string, unknown> = {}): Uint8Array {
  const MessageHeader = toWireHeader(r.header, 'Response');
  switch (r.category) {
    case 'Payment':
      return toBytes({ SaleToPOIResponse: { MessageHeader, PaymentResponse: { ...paymentToWire(r), ...extra } } });
    case 'Reversal':
      return toBytes({ SaleToPOIResponse: { MessageHeader, ReversalResponse: reversalToWire(r) } });
    case 'TransactionStatus': {
      const rep = r.repeated;
      return toBytes({
        SaleToPOIResponse: {
          MessageHeader,
          TransactionStatusResponse: {
            Response: wireOutcome(r),
            ...(rep
              ? {
                  RepeatedMessageResponse: {
                    MessageHeader: toWireHeader(rep.header, 'Response'),
                    RepeatedResponseMessageBody: rep.response.category === 'Payment' ? { PaymentResponse: paymentToWire(rep.response) } : { ReversalResponse: reversalToWire(rep.response) },
                  },
                }
              : {}),
          },
        },
      });
    }
  }
}
