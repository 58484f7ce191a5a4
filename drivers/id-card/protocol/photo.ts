/**
 * The card photo is a 1024-byte WLT blob in a proprietary compression. Decoding it needs the
 * vendor library (WltRS.dll / libwlt2bmp.so / `unpack`, some with a licence file), which is not
 * part of this repository: wrap it natively or out of process behind this interface.
 * Output: 102×126 pixels, 24-bit BGR, rows top-down without padding (38,556 bytes).
 */
import { DeviceError } from '../../device.js';

export const PHOTO_WIDTH = 102;
export const PHOTO_HEIGHT = 126;
export const PHOTO_BGR_BYTES = PHOTO_WIDTH * PHOTO_HEIGHT * 3; // 38556

export interface DecodedPhoto {
  width: typeof PHOTO_WIDTH;
  height: typeof PHOTO_HEIGHT;
  format: 'bgr24';
  pixels: Uint8Array;
}

export interface PhotoDecoder {
  /** Rejects with a typed DeviceError ('unsupported' without a decoder, 'invalid-data' for a bad blob, 'canceled'). */
  decode(wlt: Uint8Array, signal?: AbortSignal): Promise<DecodedPhoto>;
}

/** The default: no vendor decoder installed. */
export class NoPhotoDecoder implements PhotoDecoder {
  async decode(_wlt: Uint8Array, _signal?: AbortSignal): Promise<DecodedPhoto> {
    throw new DeviceError('id-card', 'unsupported', 'no WLT photo decoder installed (vendor library not included)', 'maintenance', 'wlt-decoder-missing');
  }
}
