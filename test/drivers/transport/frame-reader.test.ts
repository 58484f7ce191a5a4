import { describe, expect, it } from 'vitest';
import { fc, test } from '@fast-check/vitest';
import { DeviceError } from '../../../drivers/device.js';
import { FrameOverflowError, FrameReader, type ParseStep } from '../../../drivers/transport/frame-reader.js';

/**
 * A toy protocol: 0x7E, LEN, LEN bytes. Anything before a 0x7E is garbage (one error per run).
 * The frame is a view into the buffer, as real parsers give.
 */
function toyParse(buf: Uint8Array): ParseStep<Uint8Array> {
  if (buf.length === 0) return { consumed: 0 };
  if (buf[0] !== 0x7e) {
    const next = buf.indexOf(0x7e);
    const n = next < 0 ? buf.length : next;
    return { consumed: n, error: new DeviceError('transport', 'protocol', `skipped ${n}`, 'retry', 'garbage') };
  }
  if (buf.length < 2) return { consumed: 0 };
  const len = buf[1] as number;
  if (buf.length < 2 + len) return { consumed: 0 };
  return { consumed: 2 + len, frame: buf.subarray(2, 2 + len) };
}

function encode(payload: Uint8Array): Uint8Array {
  return Uint8Array.of(0x7e, payload.length, ...payload);
}

function collect(maxBuffered = 1024) {
  const frames: number[][] = [];
  const errors: DeviceError[] = [];
  const overflows: FrameOverflowError[] = [];
  const reader = new FrameReader<Uint8Array>({
    parse: toyParse,
    maxBuffered,
    device: 'qr-reader',
    onFrame: (f) => frames.push([...f]),
    onError: (e) => errors.push(e),
    onOverflow: (e) => overflows.push(e),
  });
  return { reader, frames, errors, overflows };
}

/** Cuts `bytes` at the given (sorted, deduplicated) offsets. */
function split(bytes: Uint8Array, cuts: number[]): Uint8Array[] {
  const at = [...new Set(cuts.map((c) => c % (bytes.length + 1)))].sort((a, b) => a - b);
  const out: Uint8Array[] = [];
  let prev = 0;
  for (const c of [...at, bytes.length]) {
    out.push(bytes.subarray(prev, c));
    prev = c;
  }
  return out;
}

const payload = fc.uint8Array({ maxLength: 40 }).map((p) => p.filter((b) => b !== 0x7e));

describe('FrameReader', () => {
  test.prop([fc.array(payload, { maxLength: 12 }), fc.array(fc.nat(), { maxLength: 20 })])(
    'any chunking of a stream gives the same frames, in order, and keeps no tail',
    (payloads, cuts) => {
      const stream = Uint8Array.from(payloads.flatMap((p) => [...encode(p)]));
      const { reader, frames, errors } = collect();
      for (const chunk of split(stream, cuts)) reader.push(chunk);
      expect(frames).toEqual(payloads.map((p) => [...p]));
      expect(errors).toEqual([]);
      expect(reader.buffered).toBe(0);
    },
  );

  test.prop([fc.array(fc.oneof(payload.map((p) => ({ frame: p })), fc.uint8Array({ minLength: 1, maxLength: 8 }).map((g) => ({ garbage: g.filter((b) => b !== 0x7e) }))), { maxLength: 10 }), fc.array(fc.nat(), { maxLength: 20 })])(
    'garbage between frames is reported as typed errors and never costs a frame',
    (parts, cuts) => {
      const bytes: number[] = [];
      for (const p of parts) bytes.push(...('frame' in p ? encode(p.frame) : p.garbage));
      const { reader, frames, errors } = collect();
      for (const chunk of split(Uint8Array.from(bytes), cuts)) reader.push(chunk);
      const expected = parts.flatMap((p) => ('frame' in p ? [[...p.frame]] : []));
      // garbage at the very end waits for a 0x7E that never comes: it is consumed as garbage at once
      expect(frames).toEqual(expected);
      for (const e of errors) expect(e).toBeInstanceOf(DeviceError);
      if (parts.some((p) => 'garbage' in p && p.garbage.length > 0)) expect(errors.length).toBeGreaterThan(0);
    },
  );

  it('a tail that grows past maxBuffered is dropped with a typed overflow error; the reader recovers', () => {
    const { reader, frames, overflows } = collect(16);
    reader.push(Uint8Array.of(0x7e, 200, 1, 2, 3)); // a frame that claims 200 bytes
    expect(reader.buffered).toBe(5);
    reader.push(new Uint8Array(20)); // 25 bytes waiting: over the limit
    expect(overflows).toHaveLength(1);
    expect(overflows[0]).toBeInstanceOf(FrameOverflowError);
    expect(overflows[0]).toMatchObject({ device: 'qr-reader', code: 'protocol', fault: 'buffer-overflow', action: 'reset', dropped: 25, limit: 16 });
    expect(reader.buffered).toBe(0);
    reader.push(encode(Uint8Array.of(9, 9)));
    expect(frames).toEqual([[9, 9]]);
    expect(reader.stats).toMatchObject({ overflows: 1, droppedBytes: 25, frames: 1 });
  });

  it('a single large chunk full of frames is not an overflow (only the unparsed tail counts)', () => {
    const { reader, frames, overflows } = collect(8);
    const many = Array.from({ length: 50 }, (_, i) => [...encode(Uint8Array.of(i, i))]).flat();
    reader.push(Uint8Array.from(many));
    expect(frames).toHaveLength(50);
    expect(overflows).toEqual([]);
  });

  it('clear() inside a handler drops the rest of the buffer', () => {
    const frames: number[][] = [];
    const reader: FrameReader<Uint8Array> = new FrameReader<Uint8Array>({
      parse: toyParse,
      maxBuffered: 100,
      onFrame: (f) => {
        frames.push([...f]);
        reader.clear();
      },
    });
    reader.push(Uint8Array.from([...encode(Uint8Array.of(1)), ...encode(Uint8Array.of(2)), 0x7e]));
    expect(frames).toEqual([[1]]);
    expect(reader.buffered).toBe(0);
  });

  it('without a parser bytes are held (bounded) and parsed once one is set; a handler may switch parsers', () => {
    const seen: string[] = [];
    const twoByte = (b: Uint8Array): ParseStep<Uint8Array> => (b.length >= 2 ? { consumed: 2, frame: b.subarray(0, 2) } : { consumed: 0 });
    const reader: FrameReader<Uint8Array> = new FrameReader<Uint8Array>({
      maxBuffered: 64,
      onFrame: (f) => {
        seen.push([...f].join(','));
        if (f[0] === 0x7e) reader.parser = twoByte; // after the first toy frame, the peer speaks in pairs
      },
    });
    reader.push(Uint8Array.from([...encode(Uint8Array.of(0x7e)), 5, 6, 7]));
    expect(seen).toEqual([]);
    expect(reader.buffered).toBe(6);
    reader.parser = toyParse;
    expect(seen).toEqual(['126', '5,6']);
    expect(reader.buffered).toBe(1);
  });
});
