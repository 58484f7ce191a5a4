import { describe, expect, it } from 'vitest';
import { fc, test } from '@fast-check/vitest';
import { DeviceError } from '../../../../drivers/device.js';
import {
  PadMessageError,
  checkAmountFen,
  decodeRequest,
  decodeResponse,
  encodeRequest,
  encodeResponse,
  type Header,
  type PadRequest,
  type PadResponse,
} from '../../../../drivers/payment-pad/protocol/messages.js';

const header = (category: Header['category'], serviceId = 'abc123'): Header => ({ category, serviceId, saleId: 'NX-YC-0001', poiId: 'P400-1' });
const text = (v: unknown): Uint8Array => new TextEncoder().encode(JSON.stringify(v));

describe('nexo messages', () => {
  it('a payment request carries nexo names and the amount in yuan', () => {
    const bytes = encodeRequest({ category: 'Payment', header: header('Payment'), saleTransactionId: 'M1/fee/1', timeStamp: '2026-03-01T08:00:00Z', amountFen: 1250 });
    const wire = JSON.parse(new TextDecoder().decode(bytes)) as { SaleToPOIRequest: { MessageHeader: Record<string, string>; PaymentRequest: { PaymentTransaction: { AmountsReq: unknown } } } };
    expect(wire.SaleToPOIRequest.MessageHeader).toEqual({ ProtocolVersion: '3.0', MessageClass: 'Service', MessageCategory: 'Payment', MessageType: 'Request', ServiceID: 'abc123', SaleID: 'NX-YC-0001', POIID: 'P400-1' });
    expect(wire.SaleToPOIRequest.PaymentRequest.PaymentTransaction.AmountsReq).toEqual({ Currency: 'CNY', RequestedAmount: 12.5 });
  });

  const requests: PadRequest[] = [
    { category: 'Payment', header: header('Payment'), saleTransactionId: 'M1/fee/1', timeStamp: 't', amountFen: 1 },
    { category: 'Reversal', header: header('Reversal'), original: { transactionId: 'P-1', timeStamp: 't' }, reason: 'MerchantCancel' },
    { category: 'TransactionStatus', header: header('TransactionStatus'), reference: { category: 'Payment', serviceId: 'x1' } },
    { category: 'TransactionStatus', header: header('TransactionStatus') },
    { category: 'Abort', header: header('Abort'), reference: { category: 'Payment', serviceId: 'x1' }, reason: 'kiosk canceled' },
  ];
  it.each(requests.map((r) => [r.category, r] as const))('%s request round trip', (_c, r) => {
    expect(decodeRequest(encodeRequest(r))).toEqual(r);
  });

  test.prop([fc.integer({ min: 1, max: 100_000_000 })])('amounts survive fen → yuan → fen exactly', (fen) => {
    const r = decodeRequest(encodeRequest({ category: 'Payment', header: header('Payment'), saleTransactionId: 's', timeStamp: 't', amountFen: fen }));
    expect(r.category === 'Payment' && r.amountFen).toBe(fen);
  });

  const responses: PadResponse[] = [
    { category: 'Payment', header: header('Payment'), result: 'Success', saleTransaction: { transactionId: 'M1/fee/1', timeStamp: 't' }, poiTransaction: { transactionId: 'P-1', timeStamp: 't2' }, authorizedFen: 1250 },
    { category: 'Payment', header: header('Payment'), result: 'Failure', errorCondition: 'Refusal', additionalResponse: 'declined' },
    { category: 'Reversal', header: header('Reversal'), result: 'Success', poiTransaction: { transactionId: 'P-1', timeStamp: 't2' }, reversedFen: 1250 },
    { category: 'TransactionStatus', header: header('TransactionStatus'), result: 'Failure', errorCondition: 'InProgress' },
    {
      category: 'TransactionStatus',
      header: header('TransactionStatus'),
      result: 'Success',
      repeated: { header: header('Payment', 'x1'), response: { category: 'Payment', result: 'Success', poiTransaction: { transactionId: 'P-9', timeStamp: 't' }, authorizedFen: 3 } },
    },
  ];
  it.each(responses.map((r) => [`${r.category} ${r.result}`, r] as const))('%s response round trip', (_c, r) => {
    expect(decodeResponse(encodeResponse(r))).toEqual(r);
  });

  it('card data a pad sends is dropped on arrival', () => {
    const r = responses[0] as PadResponse;
    const bytes = encodeResponse(r, { PaymentInstrumentData: { CardData: { MaskedPan: '622202******1234', PaymentBrand: 'UnionPay' } } });
    expect(new TextDecoder().decode(bytes)).toContain('622202');
    const decoded = decodeResponse(bytes);
    expect(decoded).toEqual(r);
    expect(JSON.stringify(decoded)).not.toContain('622202');
  });

  it.each([
    ['not UTF-8', Uint8Array.of(0xff, 0xfe)],
    ['not JSON', new TextEncoder().encode('{')],
    ['not a response', text({ SaleToPOIRequest: {} })],
    ['a request header in a response', text({ SaleToPOIResponse: { MessageHeader: { ProtocolVersion: '3.0', MessageClass: 'Service', MessageCategory: 'Payment', MessageType: 'Request', ServiceID: 'a', SaleID: 'b', POIID: 'c' }, PaymentResponse: { Response: { Result: 'Success' } } } })],
    ['a payment answer without its body', text({ SaleToPOIResponse: { MessageHeader: { ProtocolVersion: '3.0', MessageClass: 'Service', MessageCategory: 'Payment', MessageType: 'Response', ServiceID: 'a', SaleID: 'b', POIID: 'c' } } })],
  ])('%s is a typed invalid-data error', (_name, bytes) => {
    const e = (() => {
      try {
        decodeResponse(bytes);
      } catch (x) {
        return x;
      }
      return undefined;
    })();
    expect(e).toBeInstanceOf(PadMessageError);
    expect(e).toMatchObject({ device: 'payment', code: 'invalid-data', fault: 'bad-message' });
  });

  test.prop([fc.jsonValue()])('any JSON: a response or a typed error, nothing else', (v) => {
    try {
      decodeResponse(text(v));
    } catch (e) {
      expect(e).toBeInstanceOf(PadMessageError);
    }
  });

  it('refuses amounts that are not whole fen from 1 to 100,000,000', () => {
    for (const bad of [0, -1, 1.5, 100_000_001, Number.NaN]) expect(() => checkAmountFen(bad)).toThrow(DeviceError);
    expect(checkAmountFen(100_000_000)).toBe(100_000_000);
  });
});
