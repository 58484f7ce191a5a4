import { describe, expect, it } from 'vitest';
import { fc, test } from '@fast-check/vitest';
import { ACK, ETX, NAK, PadFrameError, STX, encodeFrame, lrc, parseFrame, type PadFrame } from '../../../../drivers/payment-pad/protocol/frame.js';
import { FrameReader } from '../../../../drivers/transport/frame-reader.js';

const text = (s: string): Uint8Array => new TextEncoder().encode(s);

function readAll(chunks: Uint8Array[]): { frames: PadFrame[]; errors: PadFrameError[] } {
  const frames: PadFrame[] = [];
  const errors: PadFrameError[] = [];
  const r = new FrameReader<PadFrame, PadFrameError>({ parse: parseFrame, maxBuffered: 10_000, onFrame: (f) => frames.push(f), onError: (e) => errors.push(e) });
  for (const c of chunks) r.push(c);
  return { frames, errors };
}

/** A payload without STX/ETX (JSON never has them). */
const payload = fc.uint8Array({ minLength: 1, maxLength: 300 }).map((p) => p.map((b) => (b === STX || b === ETX ? 0x41 : b)));

describe('STX/ETX/LRC framing', () => {
  it('LRC is the XOR of everything after STX up to and including ETX (worked example)', () => {
    const f = encodeFrame(text('AB'));
    expect([...f]).toEqual([STX, 0x41, 0x42, ETX, 0x41 ^ 0x42 ^ ETX]);
    expect(lrc(f, 1, 4)).toBe(f[4]);
  });

  it('ACK and NAK are one byte each', () => {
    expect(parseFrame(Uint8Array.of(ACK, NAK))).toEqual({ consumed: 1, frame: { kind: 'ack' } });
    expect(parseFrame(Uint8Array.of(NAK))).toEqual({ consumed: 1, frame: { kind: 'nak' } });
  });

  test.prop([payload])('round trip', (p) => {
    const r = parseFrame(encodeFrame(p));
    expect(r.frame).toEqual({ kind: 'message', payload: p });
    expect(r.consumed).toBe(p.length + 3);
  });

  test.prop([fc.array(payload, { minLength: 1, maxLength: 5 }), fc.array(fc.nat(), { maxLength: 10 })])('split at any offsets, the same frames come out', (ps, cuts) => {
    const stream = Uint8Array.from(ps.flatMap((p) => [...encodeFrame(p), ACK]));
    const at = [...new Set(cuts.map((c) => c % (stream.length + 1)))].sort((a, b) => a - b);
    const chunks: Uint8Array[] = [];
    let prev = 0;
    for (const c of [...at, stream.length]) {
      chunks.push(stream.subarray(prev, c));
      prev = c;
    }
    const { frames, errors } = readAll(chunks);
    expect(errors).toEqual([]);
    expect(frames).toEqual(ps.flatMap((p) => [{ kind: 'message', payload: p }, { kind: 'ack' }]));
  });

  test.prop([fc.uint8Array({ maxLength: 400 })])('any bytes: frames, need-more or typed errors, never more than given', (bytes) => {
    let off = 0;
    while (off < bytes.length) {
      const r = parseFrame(bytes.subarray(off));
      expect(r.consumed).toBeLessThanOrEqual(bytes.length - off);
      if (r.consumed === 0) break;
      if (r.error) expect(r.error).toBeInstanceOf(PadFrameError);
      off += r.consumed;
    }
  });

  it('a bad LRC is a typed checksum error covering the whole frame; the next frame still reads', () => {
    const bad = encodeFrame(text('{"a":1}'));
    bad[bad.length - 1] = (bad[bad.length - 1] as number) ^ 0xff;
    const { frames, errors } = readAll([Uint8Array.from([...bad, ...encodeFrame(text('ok'))])]);
    expect(errors.map((e) => [e.kind, e.code, e.device])).toEqual([['checksum', 'checksum', 'payment']]);
    expect(frames).toEqual([{ kind: 'message', payload: text('ok') }]);
  });

  it('garbage before a frame and a frame cut by a new STX are typed garbage errors', () => {
    const { frames, errors } = readAll([Uint8Array.from([0x30, 0x31, STX, 0x41, 0x42, ...encodeFrame(text('x'))])]);
    expect(errors.map((e) => e.kind)).toEqual(['garbage', 'garbage']);
    expect(frames).toEqual([{ kind: 'message', payload: text('x') }]);
  });

  it('an endless frame is cut at the payload limit (typed length error), not buffered for ever', () => {
    const long = new Uint8Array(9000).fill(0x41);
    long[0] = STX;
    const r = parseFrame(long);
    expect(r.error?.kind).toBe('length');
    expect(r.consumed).toBeGreaterThan(8192);
  });

  it('refuses to frame a payload with STX or ETX in it', () => {
    expect(() => encodeFrame(Uint8Array.of(0x41, ETX))).toThrow(PadFrameError);
  });
});
