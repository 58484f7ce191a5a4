/** Public surface of the payment pad driver. */
export type { PaymentPad, PaymentInput, PaymentOutcome, ReversalInput, ReversalOutcome, StatusOutcome, DeclineReason, UnknownReason, PoiTransaction, ReversalReason } from './types.js';
export { NexoPaymentPad, newServiceId, type NexoPaymentPadOptions } from './pad.js';
export { PadLink, type PadLinkOptions } from './link.js';
export { PadSimulator, NO_PAD_FAULTS, type PadFaults, type PadSimulatorOptions, type LedgerEntry } from './simulator.js';
export { encodeFrame, parseFrame, lrc, PadFrameError, STX, ETX, ACK, NAK, type PadFrame } from './protocol/frame.js';
export { encodeRequest, decodeRequest, encodeResponse, decodeResponse, checkAmountFen, fenToYuan, yuanToFen, PadMessageError, MAX_AMOUNT_FEN, type PadRequest, type PadResponse } from './protocol/messages.js';
