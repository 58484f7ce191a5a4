import { DeviceError } from '../../device.js';

/** Why the encoder refused its input. */
export type EncodeErrorReason =
  | 'invalid-text'
  | 'invalid-argument'
  | 'qr-data-too-long'
  | 'qr-too-wide'
  | 'barcode-invalid'
  | 'image-invalid'
  | 'image-too-wide'
  | 'unmasked-id';

/** Bad input to the ESC/POS encoder or a template: nothing was queued, nothing is printed. */
export class EscPosEncodeError extends DeviceError {
  constructor(
    readonly reason: EncodeErrorReason,
    message: string,
    options?: { cause?: unknown },
  ) {
    super('receipt-printer', reason === 'image-too-wide' || reason === 'qr-too-wide' ? 'unsupported' : 'invalid-data', message, 'retry', reason, options);
  }
}

/** Why a byte stream could not be read (status replies or ESC/POS commands). */
export type ParseErrorReason = 'unknown-byte' | 'bad-asb' | 'unexpected-realtime' | 'unknown-command' | 'bad-parameter' | 'truncated';

/** A typed parse outcome: returned (never thrown) by the incremental parsers. */
export class EscPosParseError extends DeviceError {
  constructor(
    readonly reason: ParseErrorReason,
    message: string,
    /** Offending byte, when there is a single one. */
    readonly byte?: number,
  ) {
    super('receipt-printer', 'protocol', message, 'retry', reason);
  }
}
