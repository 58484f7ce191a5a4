import { describe, expect, it } from 'vitest';
import { fc, test } from '@fast-check/vitest';
import { encodeResponse, parseResponse } from '../../../../drivers/id-card/protocol/frame.js';
import {
  READ_REPLY_FRAME_LENGTH,
  decodeReadReply,
  decodeReadReplyWithFingerprint,
  encodeReadReplyData,
  encodeReadReplyWithFingerprintData,
} from '../../../../drivers/id-card/protocol/read-reply.js';
import { CardDataError } from '../../../../drivers/id-card/protocol/text.js';
import { NoPhotoDecoder } from '../../../../drivers/id-card/protocol/photo.js';
import { DeviceError } from '../../../../drivers/device.js';
import { sampleRecord } from '../../../../drivers/id-card/samples.js';
import type { IdentityRecord } from '../../../../drivers/id-card/types.js';

const zhang = sampleRecord('resident-zhang') as IdentityRecord;

describe('30 01 read reply', () => {
  const frame = encodeResponse(0, 0, 0x90, encodeReadReplyData(zhang));

  it('is a 1295-byte frame with LEN 0508, TXT_LEN 0100, PHOTO_LEN 0400', () => {
    expect(frame.length).toBe(1295);
    expect(READ_REPLY_FRAME_LENGTH).toBe(1295);
    expect([frame[5], frame[6]]).toEqual([0x05, 0x08]);
    expect([frame[10], frame[11], frame[12], frame[13]]).toEqual([0x01, 0x00, 0x04, 0x00]);
  });

  it('decodes to the record with its photo', () => {
    const r = parseResponse(frame);
    expect(r.frame).toBeDefined();
    const out = decodeReadReply(r.frame as NonNullable<typeof r.frame>);
    expect(out.error).toBeUndefined();
    expect(out.record).toEqual(zhang);
  });

  it('copies the photo out of the receive buffer', () => {
    const buf = frame.slice();
    const out = decodeReadReply(parseResponse(buf).frame as NonNullable<ReturnType<typeof parseResponse>['frame']>);
    buf.fill(0);
    expect(out.record?.photo?.bytes).toEqual(zhang.photo?.bytes);
  });

  it('reassembles and decodes the frame split at every offset', () => {
    for (let split = 1; split < frame.length; split++) {
      const first = parseResponse(frame.subarray(0, split));
      expect(first.consumed).toBe(0);
      const joined = new Uint8Array(frame.length);
      joined.set(frame.subarray(0, split));
      joined.set(frame.subarray(split), split);
      const r = parseResponse(joined);
      expect(r.consumed).toBe(1295);
    }
    const out = decodeReadReply(parseResponse(frame).frame as NonNullable<ReturnType<typeof parseResponse>['frame']>);
    expect(out.record?.idNumber).toBe(zhang.idNumber);
  });

  it('turns a failure status into a typed error', () => {
    const out = decodeReadReply({ sw1: 0, sw2: 0, sw3: 0x41, data: new Uint8Array(0) });
    expect(out.error).toBeInstanceOf(DeviceError);
    expect(out.error?.fault).toBe('card-read-failed');
  });

  it('rejects inconsistent length headers', () => {
    const data = encodeReadReplyData(zhang);
    const wrongTxt = data.slice();
    wrongTxt[1] = 0x01;
    expect(decodeReadReply({ sw1: 0, sw2: 0, sw3: 0x90, data: wrongTxt }).error).toBeInstanceOf(CardDataError);
    expect(decodeReadReply({ sw1: 0, sw2: 0, sw3: 0x90, data: data.subarray(0, 1000) }).error).toBeInstanceOf(CardDataError);
    expect(decodeReadReply({ sw1: 0, sw2: 0, sw3: 0x90, data: data.subarray(0, 3) }).error).toBeInstanceOf(CardDataError);
  });

  it('accepts a reply without a photo (PHOTO_LEN 0)', () => {
    const noPhoto = { ...zhang, photo: null };
    const out = decodeReadReply({ sw1: 0, sw2: 0, sw3: 0x90, data: encodeReadReplyData(noPhoto) });
    expect(out.record?.photo).toBeNull();
  });
});

describe('30 10 read reply with fingerprint', () => {
  for (const [fpLen, frameLen] of [
    [0, 1297],
    [512, 1809],
    [1024, 2321],
  ] as const) {
    it(`FP_LEN ${fpLen} gives a ${frameLen}-byte frame and decodes`, () => {
      const fp = fpLen === 0 ? null : new Uint8Array(fpLen).fill(7);
      const frame = encodeResponse(0, 0, 0x90, encodeReadReplyWithFingerprintData(zhang, fp));
      expect(frame.length).toBe(frameLen);
      const out = decodeReadReplyWithFingerprint(parseResponse(frame).frame as NonNullable<ReturnType<typeof parseResponse>['frame']>);
      expect(out.record).toEqual(zhang);
      expect(out.fingerprint?.length ?? 0).toBe(fpLen);
    });
  }
});

describe('photo decoder', () => {
  it('NoPhotoDecoder rejects with a typed unsupported error', async () => {
    await expect(new NoPhotoDecoder().decode(new Uint8Array(1024))).rejects.toMatchObject({ code: 'unsupported', fault: 'wlt-decoder-missing' });
  });
});

describe('read reply properties', () => {
  const data = encodeReadReplyData(zhang);

  test.prop([fc.integer({ min: 0, max: 255 }), fc.uint8Array({ maxLength: 1400 })])('arbitrary replies give a record or a typed DeviceError, never a throw', (sw3, bytes) => {
    const out = decodeReadReply({ sw1: 0, sw2: 0, sw3, data: bytes });
    if (out.error) expect(out.error).toBeInstanceOf(DeviceError);
    else expect(sw3).toBe(0x90);
  });

  test.prop([fc.nat({ max: data.length - 1 }), fc.integer({ min: 1, max: 255 })])('a corrupted byte gives a record or a typed error', (pos, flip) => {
    const bad = data.slice();
    bad[pos] = (bad[pos] as number) ^ flip;
    const out = decodeReadReply({ sw1: 0, sw2: 0, sw3: 0x90, data: bad });
    expect(out.record !== undefined || out.error instanceof DeviceError).toBe(true);
  });
});
