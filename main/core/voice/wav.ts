/**
 * RIFF/WAVE reading, enough to check what the speech engine wrote: PCM 8/16/24/32-bit integer and
 * 32/64-bit float, plain or WAVE_FORMAT_EXTENSIBLE, any chunk order (unknown chunks skipped, odd
 * chunks padded). A data chunk whose declared size runs past the end (a stream written to a pipe
 * declares 0x7fffffff or 0xffffffff) is read up to the last whole frame and flagged `truncated`.
 * Pure: bytes in, samples or a typed WavError out.
 */

export type WavErrorCode = 'not-riff' | 'not-wave' | 'no-format' | 'bad-format' | 'unsupported-format' | 'no-data' | 'short';

export class WavError extends Error {
  override readonly name = 'WavError';
  constructor(
    readonly code: WavErrorCode,
    message: string,
  ) {
    super(message);
  }
}

export interface WavFormat {
  /** 1 = integer PCM, 3 = IEEE float (after resolving WAVE_FORMAT_EXTENSIBLE). */
  encoding: 'pcm' | 'float';
  channels: number;
  sampleRate: number;
  bitsPerSample: number;
}

export interface Wav {
  format: WavFormat;
  /** Interleaved samples scaled to [-1, 1]. */
  samples: Float32Array;
  /** Frames (one sample per channel). */
  frames: number;
  durationSeconds: number;
  /** The data chunk declared more bytes than the file holds. */
  truncated: boolean;
}

const FORMAT_PCM = 1;
const FORMAT_FLOAT = 3;
const FORMAT_EXTENSIBLE = 0xfffe;

function tag(b: Uint8Array, at: number): string {
  return String.fromCharCode(b[at] ?? 0, b[at + 1] ?? 0, b[at + 2] ?? 0, b[at + 3] ?? 0);
}

export function parseWav(bytes: Uint8Array): Wav {
  if (bytes.length < 12) throw new WavError('short', `${bytes.length} bytes: too short for a RIFF header`);
  if (tag(bytes, 0) !== 'RIFF') throw new WavError('not-riff', 'the file does not start with RIFF');
  if (tag(bytes, 8) !== 'WAVE') throw new WavError('not-wave', 'a RIFF file, but not WAVE');
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  let format: WavFormat | null = null;
  let at = 12;
  while (at + 8 <= bytes.length) {
    const id = tag(bytes, at);
    const size = view.getUint32(at + 4, true);
    const body = at + 8;
    if (id === 'fmt ') {
      if (size < 16 || body + 16 > bytes.length) throw new WavError('bad-format', `fmt chunk of ${size} bytes`);
      format = readFormat(view, body, size);
    } else if (id === 'data') {
      if (format === null) throw new WavError('no-format', 'the data chunk comes before any fmt chunk');
      const available = bytes.length - body;
      const truncated = size > available;
      const frameBytes = (format.bitsPerSample / 8) * format.channels;
      const usable = Math.min(size, available);
      const frames = Math.floor(usable / frameBytes);
      const samples = decode(view, body, frames * format.channels, format);
      return { format, samples, frames, durationSeconds: frames / format.sampleRate, truncated };
    }
    // Chunks are padded to an even length.
    at = body + size + (size % 2);
  }
  throw new WavError(format === null ? 'no-format' : 'no-data', format === null ? 'no fmt chunk' : 'no data chunk');
}

function readFormat(view: DataView, at: number, size: number): WavFormat {
  let code = view.getUint16(at, true);
  const channels = view.getUint16(at + 2, true);
  const sampleRate = view.getUint32(at + 4, true);
  const blockAlign = view.getUint16(at + 12, true);
  const bitsPerSample = view.getUint16(at + 14, true);
  if (code === FORMAT_EXTENSIBLE) {
    // cbSize(2) validBits(2) channelMask(4) then the sub-format GUID whose first two bytes are the format code.
    if (size < 40 || at + 26 > view.byteLength) throw new WavError('bad-format', 'WAVE_FORMAT_EXTENSIBLE without its sub-format');
    code = view.getUint16(at + 24, true);
  }
  if (channels < 1) throw new WavError('bad-format', 'no channels');
  if (sampleRate < 1) throw new WavError('bad-format', 'sample rate 0');
  const encoding = code === FORMAT_PCM ? 'pcm' : code === FORMAT_FLOAT ? 'float' : null;
  if (encoding === null) throw new WavError('unsupported-format', `format code ${code} (only PCM and IEEE float)`);
  const ok = encoding === 'pcm' ? [8, 16, 24, 32].includes(bitsPerSample) : [32, 64].includes(bitsPerSample);
  if (!ok) throw new WavError('unsupported-format', `${bitsPerSample}-bit ${encoding}`);
  if (blockAlign !== (bitsPerSample / 8) * channels) throw new WavError('bad-format', `block align ${blockAlign} for ${channels} × ${bitsPerSample} bits`);
  return { encoding, channels, sampleRate, bitsPerSample };
}

function decode(view: DataView, at: number, count: number, f: WavFormat): Float32Array {
  const out = new Float32Array(count);
  const step = f.bitsPerSample / 8;
  for (let i = 0, p = at; i < count; i++, p += step) {
    let v: number;
    if (f.encoding === 'float') v = f.bitsPerSample === 32 ? view.getFloat32(p, true) : view.getFloat64(p, true);
    else if (f.bitsPerSample === 8) v = (view.getUint8(p) - 128) / 128;
    else if (f.bitsPerSample === 16) v = view.getInt16(p, true) / 32768;
    else if (f.bitsPerSample === 24) {
      const raw = view.getUint8(p) | (view.getUint8(p + 1) << 8) | (view.getInt8(p + 2) << 16);
      v = raw / 8388608;
    } else v = view.getInt32(p, true) / 2147483648;
    out[i] = Number.isFinite(v) ? Math.max(-1, Math.min(1, v)) : 0;
  }
  return out;
}

export interface Levels {
  /** Root mean square over all samples, 0…1 of full scale. */
  rms: number;
  /** Largest absolute sample, 0…1. */
  peak: number;
  /** Share of samples at full scale (clipping), 0…1. */
  clipped: number;
}

export function levelsOf(samples: Float32Array): Levels {
  if (samples.length === 0) return { rms: 0, peak: 0, clipped: 0 };
  let sum = 0;
  let peak = 0;
  let clipped = 0;
  for (const s of samples) {
    const a = Math.abs(s);
    sum += s * s;
    if (a > peak) peak = a;
    if (a >= 0.9999) clipped++;
  }
  return { rms: Math.sqrt(sum / samples.length), peak, clipped: clipped / samples.length };
}

/** Speech, not silence: an RMS and a peak well above the noise floor of 16-bit audio. */
export function isAudible(l: Levels, floor = { rms: 0.01, peak: 0.05 }): boolean {
  return l.rms >= floor.rms && l.peak >= floor.peak;
}

/** Writes 16-bit PCM WAV (mono or interleaved), for tests and for engines that hand back samples. */
export function encodeWav16(samples: ArrayLike<number>, sampleRate: number, channels = 1): Uint8Array {
  const frames = Math.floor(samples.length / channels);
  const dataBytes = frames * channels * 2;
  const out = new Uint8Array(44 + dataBytes);
  const v = new DataView(out.buffer);
  const ascii = (at: number, s: string): void => {
    for (let i = 0; i < 4; i++) out[at + i] = s.charCodeAt(i);
  };
  ascii(0, 'RIFF');
  v.setUint32(4, 36 + dataBytes, true);
  ascii(8, 'WAVE');
  ascii(12, 'fmt ');
  v.setUint32(16, 16, true);
  v.setUint16(20, FORMAT_PCM, true);
  v.setUint16(22, channels, true);
  v.setUint32(24, sampleRate, true);
  v.setUint32(28, sampleRate * channels * 2, true);
  v.setUint16(32, channels * 2, true);
  v.setUint16(34, 16, true);
  ascii(36, 'data');
  v.setUint32(40, dataBytes, true);
  for (let i = 0; i < frames * channels; i++) {
    const s = Math.max(-1, Math.min(1, Number(samples[i] ?? 0)));
    v.setInt16(44 + i * 2, Math.round(s * 32767), true);
  }
  return out;
}
