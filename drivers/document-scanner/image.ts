/**
 * From SANE frames to page images (sane.tex "Image Data Format"):
 *
 * - rows top to bottom, each `bytes_per_line` long (it may carry padding past the last pixel);
 * - GRAY = one channel, RGB = interleaved R G B, or RED/GREEN/BLUE as three separate frames (three-pass);
 * - depth 1: 8 samples per byte, leftmost in the MSB, and for GRAY 1 = black; depth 1 RGB is
 *   byte-interleaved (one byte of 8 red samples, then green, then blue);
 * - depth 16: two bytes per sample in the server's byte order (START's byte_order);
 * - `lines = -1`: unknown height, the frame ends with the data.
 *
 * Pages become PNG (pngjs, deflate off the event loop): depth 1 → 8-bit gray 0/255, 8 → 8, 16 → 16.
 */
import type * as PngModule from 'pngjs';
import { lazyRequire } from '../lazy-require.js';
import { BYTE_ORDER } from './protocol/constants.js';
import type { ScanParameters } from './protocol/messages.js';
import { SaneProtocolError } from './protocol/wire.js';

const pngjs = lazyRequire<typeof PngModule>('pngjs');

/**
 * The bytes of one frame as they arrive. Records are views into the data connection's FrameReader buffer
 * (the one receive buffer), so each is copied here once; `finish()` joins them.
 */
export class FrameAssembler {
  readonly #chunks: Uint8Array[] = [];
  #len = 0;
  readonly expectedBytes: number | null;

  constructor(readonly params: ScanParameters) {
    validateParameters(params);
    this.expectedBytes = params.lines >= 0 ? params.lines * params.bytesPerLine : null;
  }

  push(bytes: Uint8Array): void {
    if (bytes.length === 0) return;
    this.#chunks.push(bytes.slice());
    this.#len += bytes.length;
  }

  get bytes(): number {
    return this.#len;
  }

  /** Complete lines received so far. */
  get lines(): number {
    return this.params.bytesPerLine > 0 ? Math.floor(this.#len / this.params.bytesPerLine) : 0;
  }

  get expectedLines(): number | null {
    return this.params.lines >= 0 ? this.params.lines : null;
  }

  /** The frame: whole lines only, at most the announced number of lines. */
  finish(): RawFrame {
    const lines = this.expectedLines === null ? this.lines : Math.min(this.lines, this.expectedLines);
    const size = lines * this.params.bytesPerLine;
    const data = new Uint8Array(size);
    let o = 0;
    for (const c of this.#chunks) {
      if (o >= size) break;
      const n = Math.min(c.length, size - o);
      data.set(n === c.length ? c : c.subarray(0, n), o);
      o += n;
    }
    return { params: this.params, lines, data };
  }
}

export interface RawFrame {
  params: ScanParameters;
  /** Lines actually received (what the image height becomes). */
  lines: number;
  data: Uint8Array;
}

/** A page ready for PNG: tightly packed samples; 16-bit samples in the host's native byte order. */
export interface RasterPage {
  width: number;
  height: number;
  channels: 1 | 3;
  bitDepth: 8 | 16;
  /** width × height × channels samples (1 or 2 bytes each). */
  data: Uint8Array;
  /** The SANE depth the scanner delivered (1, 8 or 16). */
  sourceDepth: number;
}

function validateParameters(p: ScanParameters): void {
  if (p.depth !== 1 && p.depth !== 8 && p.depth !== 16) throw new SaneProtocolError('value', `unsupported sample depth ${p.depth}`);
  if (p.pixelsPerLine <= 0 || p.bytesPerLine <= 0) throw new SaneProtocolError('value', `empty scan line (${p.pixelsPerLine} pixels, ${p.bytesPerLine} bytes)`);
  const channels = p.format === 'rgb' ? 3 : 1;
  const minBytes = p.depth === 1 ? channels * Math.ceil(p.pixelsPerLine / 8) : (p.pixelsPerLine * channels * p.depth) / 8;
  if (p.bytesPerLine < minBytes) throw new SaneProtocolError('value', `bytes_per_line ${p.bytesPerLine} too short for ${p.pixelsPerLine} pixels of ${p.format}/${p.depth}`);
  if (p.lines < -1) throw new SaneProtocolError('value', `lines ${p.lines}`);
}

/** Reads sample `s` (channel-interleaved index) of row `row` as a value of the output depth. */
function sampleReader(f: RawFrame, serverLittleEndian: boolean, frameChannels: 1 | 3): (row: number, x: number, c: number) => number {
  const { bytesPerLine, depth, format } = f.params;
  const d = f.data;
  if (depth === 8) return (row, x, c) => d[row * bytesPerLine + x * frameChannels + c] as number;
  if (depth === 16) {
    return (row, x, c) => {
      const o = row * bytesPerLine + (x * frameChannels + c) * 2;
      const a = d[o] as number;
      const b = d[o + 1] as number;
      return serverLittleEndian ? a | (b << 8) : (a << 8) | b;
    };
  }
  // depth 1
  const gray = format === 'gray';
  return (row, x, c) => {
    const byte = frameChannels === 1 ? row * bytesPerLine + (x >> 3) : row * bytesPerLine + (x >> 3) * 3 + c;
    const bit = ((d[byte] as number) >> (7 - (x & 7))) & 1;
    return gray ? (bit ? 0 : 255) : bit ? 255 : 0;
  };
}

/**
 * One page from its frames: a single GRAY or RGB frame, or RED + GREEN + BLUE frames in any order.
 * The height is the number of whole lines every frame delivered.
 */
export function composePage(frames: readonly RawFrame[], byteOrder: number): RasterPage {
  const first = frames[0];
  if (!first) throw new SaneProtocolError('value', 'a page without frames');
  const serverLE = byteOrder === BYTE_ORDER.LITTLE_ENDIAN;
  const width = first.params.pixelsPerLine;
  const depth = first.params.depth;
  const bitDepth: 8 | 16 = depth === 16 ? 16 : 8;
  const height = Math.min(...frames.map((f) => f.lines));
  for (const f of frames) {
    if (f.params.pixelsPerLine !== width || f.params.depth !== depth) throw new SaneProtocolError('value', 'frames of one page differ in width or depth');
  }
  let channels: 1 | 3;
  let plan: { frame: RawFrame; frameChannels: 1 | 3; from: number; to: number }[];
  if (frames.length === 1 && (first.params.format === 'gray' || first.params.format === 'rgb')) {
    channels = first.params.format === 'rgb' ? 3 : 1;
    plan = [{ frame: first, frameChannels: channels, from: 0, to: 0 }];
  } else {
    channels = 3;
    plan = [];
    for (const [name, to] of [['red', 0], ['green', 1], ['blue', 2]] as const) {
      const f = frames.find((x) => x.params.format === name);
      if (!f) throw new SaneProtocolError('value', `three-pass page lacks its ${name} frame`);
      plan.push({ frame: f, frameChannels: 1, from: 0, to });
    }
  }
  const samples = width * height * channels;
  if (depth === 8 && plan.length === 1) {
    // The common case, without a per-sample loop: rows as they are, padding after the last pixel cut off.
    const rowBytes = width * channels;
    const bpl = first.params.bytesPerLine;
    if (bpl === rowBytes) return { width, height, channels, bitDepth, data: first.data.subarray(0, samples), sourceDepth: depth };
    const out8 = new Uint8Array(samples);
    for (let row = 0; row < height; row++) out8.set(first.data.subarray(row * bpl, row * bpl + rowBytes), row * rowBytes);
    return { width, height, channels, bitDepth, data: out8, sourceDepth: depth };
  }
  const out = bitDepth === 16 ? new Uint16Array(samples) : new Uint8Array(samples);
  for (const p of plan) {
    const read = sampleReader(p.frame, serverLE, p.frameChannels);
    const single = plan.length === 1;
    for (let row = 0; row < height; row++) {
      let o = row * width * channels + (single ? 0 : p.to);
      for (let x = 0; x < width; x++) {
        if (single) {
          for (let c = 0; c < channels; c++) out[o++] = read(row, x, c);
        } else {
          out[o] = read(row, x, 0);
          o += 3;
        }
      }
    }
  }
  // 16-bit samples stay in host order: pngjs reads them through a Uint16Array and writes PNG's big-endian.
  return { width, height, channels, bitDepth, data: new Uint8Array(out.buffer), sourceDepth: depth };
}

/** Encodes a page as PNG (deflate runs in libuv's thread pool, not on the event loop). */
export function encodePng(page: RasterPage): Promise<Uint8Array> {
  if (page.width === 0 || page.height === 0) return Promise.reject(new SaneProtocolError('value', 'cannot encode an empty page'));
  const colorType = page.channels === 3 ? 2 : 0;
  // One filter for every row ("Up"): adaptive filtering costs 5–10× the time on the event loop for larger files
  // on scans (measured on a noisy A4 at 300 dpi: Up 71/279 ms gray/colour and the smallest or nearly smallest file).
  const png = new (pngjs().PNG)({ colorType, inputColorType: colorType, bitDepth: page.bitDepth, inputHasAlpha: false, filterType: 2 });
  png.width = page.width;
  png.height = page.height;
  // pngjs reads 16-bit input through a Uint16Array over data.buffer: hand it a buffer of its own.
  png.data = Buffer.from(page.data.buffer, page.data.byteOffset, page.data.byteLength);
  return new Promise<Uint8Array>((resolve, reject) => {
    const chunks: Buffer[] = [];
    png.on('data', (c: Buffer) => chunks.push(c));
    png.on('end', () => resolve(new Uint8Array(Buffer.concat(chunks))));
    png.on('error', (e: unknown) => reject(e instanceof Error ? e : new Error(String(e))));
    png.pack();
  });
}
