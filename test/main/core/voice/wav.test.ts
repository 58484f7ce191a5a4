import { fc, test as ftest } from '@fast-check/vitest';
import { describe, expect, it } from 'vitest';
import { WavError, encodeWav16, isAudible, levelsOf, parseWav } from '../../../../main/core/voice/wav.js';

/** A WAV file assembled from raw chunks (id + body), with the RIFF size the caller wants. */
function riff(chunks: { id: string; body: Uint8Array; size?: number }[]): Uint8Array {
  const parts: number[] = [...Buffer.from('RIFF'), 0, 0, 0, 0, ...Buffer.from('WAVE')];
  for (const c of chunks) {
    const size = c.size ?? c.body.length;
    parts.push(...Buffer.from(c.id), size & 0xff, (size >> 8) & 0xff, (size >> 16) & 0xff, (size >>> 24) & 0xff, ...c.body);
    if (c.body.length % 2 === 1 && c.size === undefined) parts.push(0);
  }
  const out = Uint8Array.from(parts);
  new DataView(out.buffer).setUint32(4, out.length - 8, true);
  return out;
}

function fmt(code: number, channels: number, rate: number, bits: number): Uint8Array {
  const b = new Uint8Array(16);
  const v = new DataView(b.buffer);
  v.setUint16(0, code, true);
  v.setUint16(2, channels, true);
  v.setUint32(4, rate, true);
  v.setUint32(8, (rate * channels * bits) / 8, true);
  v.setUint16(12, (channels * bits) / 8, true);
  v.setUint16(14, bits, true);
  return b;
}

describe('WAV reading', () => {
  ftest.prop([fc.array(fc.integer({ min: -32767, max: 32767 }), { maxLength: 2000 }), fc.integer({ min: 1, max: 192_000 }), fc.integer({ min: 1, max: 4 })], { numRuns: 200 })(
    '16-bit PCM round-trips sample for sample',
    (ints, rate, channels) => {
      const frames = Math.floor(ints.length / channels);
      const wav = parseWav(encodeWav16(ints.map((i) => i / 32767), rate, channels));
      expect(wav.format).toEqual({ encoding: 'pcm', channels, sampleRate: rate, bitsPerSample: 16 });
      expect(wav.frames).toBe(frames);
      expect(wav.truncated).toBe(false);
      expect(Array.from(wav.samples, (s) => Math.round(s * 32768))).toEqual(ints.slice(0, frames * channels));
    },
  );

  ftest.prop([fc.uint8Array({ maxLength: 300 })], { numRuns: 500 })('any bytes: a WAV or a typed WavError, never another throw', (bytes) => {
    try {
      const w = parseWav(bytes);
      expect(w.samples.length).toBe(w.frames * w.format.channels);
    } catch (e) {
      expect(e).toBeInstanceOf(WavError);
    }
  });

  ftest.prop(
    [fc.array(fc.record({ id: fc.constantFrom('fmt ', 'data', 'LIST', 'fact', 'junk'), body: fc.uint8Array({ maxLength: 64 }) }), { maxLength: 6 })],
    { numRuns: 500 },
  )('any chunk soup after a RIFF/WAVE header: a WAV or a typed WavError', (chunks) => {
    try {
      const w = parseWav(riff(chunks));
      for (const s of w.samples) expect(Math.abs(s)).toBeLessThanOrEqual(1);
    } catch (e) {
      expect(e).toBeInstanceOf(WavError);
    }
  });

  it('skips unknown and odd-sized chunks, reads 8-, 24-bit and float samples', () => {
    const info = { id: 'LIST', body: Uint8Array.from([1, 2, 3]) }; // odd: padded
    const eight = parseWav(riff([info, { id: 'fmt ', body: fmt(1, 1, 8000, 8) }, { id: 'data', body: Uint8Array.from([128, 255, 0]) }]));
    expect(Array.from(eight.samples)).toEqual([0, 127 / 128, -1]);
    const b24 = Uint8Array.from([0x00, 0x00, 0x40, 0x00, 0x00, 0xc0]); // +0.5, -0.5
    expect(Array.from(parseWav(riff([{ id: 'fmt ', body: fmt(1, 1, 8000, 24) }, { id: 'data', body: b24 }])).samples)).toEqual([0.5, -0.5]);
    const f32 = new Uint8Array(new Float32Array([0.25, -0.75]).buffer);
    expect(Array.from(parseWav(riff([{ id: 'fmt ', body: fmt(3, 1, 8000, 32) }, { id: 'data', body: f32 }])).samples)).toEqual([0.25, -0.75]);
  });

  it('WAVE_FORMAT_EXTENSIBLE resolves to its sub-format', () => {
    const body = new Uint8Array(40);
    body.set(fmt(0xfffe, 2, 16000, 16));
    const v = new DataView(body.buffer);
    v.setUint16(16, 22, true);
    v.setUint16(18, 16, true);
    v.setUint16(24, 1, true); // KSDATAFORMAT_SUBTYPE_PCM
    const w = parseWav(riff([{ id: 'fmt ', body }, { id: 'data', body: Uint8Array.from([0, 0x40, 0, 0xc0]) }]));
    expect(w.format).toEqual({ encoding: 'pcm', channels: 2, sampleRate: 16000, bitsPerSample: 16 });
    expect(Array.from(w.samples)).toEqual([0.5, -0.5]);
  });

  it('a data chunk declaring more than the file holds (a stream) is read to the last whole frame', () => {
    const w = parseWav(riff([{ id: 'fmt ', body: fmt(1, 2, 8000, 16) }, { id: 'data', body: Uint8Array.from([0, 0x40, 0, 0x40, 0, 0x40]), size: 0xffffffff }]));
    expect(w.truncated).toBe(true);
    expect(w.frames).toBe(1);
  });

  it('typed errors name what is wrong', () => {
    const code = (b: Uint8Array): string => {
      try {
        parseWav(b);
        return 'parsed';
      } catch (e) {
        return e instanceof WavError ? e.code : 'other';
      }
    };
    expect(code(new Uint8Array(4))).toBe('short');
    expect(code(Uint8Array.from(Buffer.from('RIFX\0\0\0\0WAVE')))).toBe('not-riff');
    expect(code(Uint8Array.from(Buffer.from('RIFF\0\0\0\0AVI ')))).toBe('not-wave');
    expect(code(riff([{ id: 'data', body: new Uint8Array(4) }]))).toBe('no-format');
    expect(code(riff([{ id: 'fmt ', body: fmt(1, 1, 8000, 16) }]))).toBe('no-data');
    expect(code(riff([{ id: 'fmt ', body: fmt(2, 1, 8000, 4) }, { id: 'data', body: new Uint8Array(4) }]))).toBe('unsupported-format');
    expect(code(riff([{ id: 'fmt ', body: fmt(1, 0, 8000, 16) }, { id: 'data', body: new Uint8Array(4) }]))).toBe('bad-format');
  });
});

describe('levels', () => {
  it('silence is not audible; a tone is, and its RMS and peak are those of a sine', () => {
    const silence = levelsOf(new Float32Array(22050));
    expect(silence).toEqual({ rms: 0, peak: 0, clipped: 0 });
    expect(isAudible(silence)).toBe(false);
    const tone = Float32Array.from({ length: 22050 }, (_, i) => 0.5 * Math.sin((2 * Math.PI * 440 * i) / 22050));
    const l = levelsOf(tone);
    expect(l.peak).toBeCloseTo(0.5, 3);
    expect(l.rms).toBeCloseTo(0.5 / Math.SQRT2, 3);
    expect(isAudible(l)).toBe(true);
    // A faint hiss stays below the speech floor.
    expect(isAudible(levelsOf(Float32Array.from({ length: 1000 }, (_, i) => (i % 2 ? 0.002 : -0.002))))).toBe(false);
  });

  ftest.prop([fc.array(fc.float({ min: -1, max: 1, noNaN: true }), { minLength: 1, maxLength: 500 })])('RMS never exceeds the peak; both within [0, 1]', (xs) => {
    const l = levelsOf(Float32Array.from(xs));
    expect(l.rms).toBeLessThanOrEqual(l.peak + 1e-6);
    expect(l.peak).toBeLessThanOrEqual(1);
    expect(l.rms).toBeGreaterThanOrEqual(0);
  });
});
