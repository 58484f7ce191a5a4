/**
 * Replies to 30 01 (text + photo) and 30 10 (text + photo + fingerprint).
 *
 *   30 01: SW 00 00 90 | TXT_LEN(2, BE)=0100 | PHOTO_LEN(2, BE)=0400 | text(256) | photo(1024)   → 1295-byte frame
 *   30 10: SW 00 00 90 | TXT_LEN | PHOTO_LEN | FP_LEN (2 each) | text | photo | fingerprint      → 1297/1809/2321
 */
import type { IdentityRecord } from '../types.js';
import type { ResponseFrame } from './frame.js';
import { statusError } from './status.js';
import { CardDataError, PHOTO_LENGTH, TEXT_BLOCK_LENGTH, decodeTextBlock, encodeTextBlock } from './text.js';
import type { DeviceError } from '../../device.js';

export const READ_REPLY_DATA_LENGTH = 4 + TEXT_BLOCK_LENGTH + PHOTO_LENGTH; // 1284
export const READ_REPLY_FRAME_LENGTH = 7 + 3 + READ_REPLY_DATA_LENGTH + 1; // 1295

export type ReadReplyResult = { record: IdentityRecord; error?: undefined } | { record?: undefined; error: DeviceError };
export type ReadFpReplyResult =
  | { record: IdentityRecord; fingerprint: Uint8Array | null; error?: undefined }
  | { record?: undefined; fingerprint?: undefined; error: DeviceError };

const u16 = (b: Uint8Array, o: number): number => (((b[o] as number) << 8) | (b[o + 1] as number)) >>> 0;

function decodeBody(frame: ResponseFrame, header: number, op: string): { text: Uint8Array; photo: Uint8Array | null; fp: Uint8Array | null } | DeviceError {
  if (frame.sw3 !== 0x90) return statusError(frame.sw3, frame.sw1, frame.sw2, op);
  const d = frame.data;
  if (d.length < header) return new CardDataError('length', `${op}: reply too short for its length header`);
  const txtLen = u16(d, 0);
  const photoLen = u16(d, 2);
  const fpLen = header === 6 ? u16(d, 4) : 0;
  if (txtLen !== TEXT_BLOCK_LENGTH) return new CardDataError('length', `${op}: text length ${txtLen}, expected ${TEXT_BLOCK_LENGTH}`);
  if (photoLen !== 0 && photoLen !== PHOTO_LENGTH) return new CardDataError('length', `${op}: photo length ${photoLen}, expected ${PHOTO_LENGTH}`);
  if (d.length !== header + txtLen + photoLen + fpLen) {
    return new CardDataError('length', `${op}: reply is ${d.length} bytes, headers announce ${header + txtLen + photoLen + fpLen}`);
  }
  const pStart = header + txtLen;
  return {
    text: d.subarray(header, pStart),
    photo: photoLen === 0 ? null : d.subarray(pStart, pStart + photoLen),
    fp: fpLen === 0 ? null : d.subarray(pStart + photoLen, pStart + photoLen + fpLen),
  };
}

/** Decodes a 30 01 reply frame. Never throws. */
export function decodeReadReply(frame: ResponseFrame): ReadReplyResult {
  const body = decodeBody(frame, 4, 'read card');
  if (!('text' in body)) return { error: body };
  return decodeTextBlock(body.text, body.photo);
}

/**
 * Decodes a 30 10 reply frame. The fingerprint is biometric data in a vendor format: it is
 * copied out so the caller can hand it to a matcher, and must never be stored or logged.
 */
export function decodeReadReplyWithFingerprint(frame: ResponseFrame): ReadFpReplyResult {
  const body = decodeBody(frame, 6, 'read card with fingerprint');
  if (!('text' in body)) return { error: body };
  const r = decodeTextBlock(body.text, body.photo);
  if (r.error) return { error: r.error };
  return { record: r.record, fingerprint: body.fp ? body.fp.slice() : null };
}

function photoBytes(r: IdentityRecord): Uint8Array {
  if (r.photo === null) return new Uint8Array(0);
  if (r.photo.bytes.length !== PHOTO_LENGTH) throw new CardDataError('photo', `photo must be ${PHOTO_LENGTH} bytes`);
  return r.photo.bytes;
}

/** DATA of a 30 01 reply (simulator side): 1284 bytes with a photo. */
export function encodeReadReplyData(r: IdentityRecord): Uint8Array {
  const photo = photoBytes(r);
  const out = new Uint8Array(4 + TEXT_BLOCK_LENGTH + photo.length);
  out[0] = TEXT_BLOCK_LENGTH >> 8;
  out[1] = TEXT_BLOCK_LENGTH & 0xff;
  out[2] = photo.length >> 8;
  out[3] = photo.length & 0xff;
  out.set(encodeTextBlock(r), 4);
  out.set(photo, 4 + TEXT_BLOCK_LENGTH);
  return out;
}

/** DATA of a 30 10 reply (simulator side). */
export function encodeReadReplyWithFingerprintData(r: IdentityRecord, fingerprint: Uint8Array | null = null): Uint8Array {
  const photo = photoBytes(r);
  const fp = fingerprint ?? new Uint8Array(0);
  const out = new Uint8Array(6 + TEXT_BLOCK_LENGTH + photo.length + fp.length);
  out[0] = TEXT_BLOCK_LENGTH >> 8;
  out[1] = TEXT_BLOCK_LENGTH & 0xff;
  out[2] = photo.length >> 8;
  out[3] = photo.length & 0xff;
  out[4] = fp.length >> 8;
  out[5] = fp.length & 0xff;
  out.set(encodeTextBlock(r), 6);
  out.set(photo, 6 + TEXT_BLOCK_LENGTH);
  out.set(fp, 6 + TEXT_BLOCK_LENGTH + photo.length);
  return out;
}
