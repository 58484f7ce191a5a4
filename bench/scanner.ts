/**
 * Scanned pages: the work between the last data record and the PNG, for an A4 page at 300 dpi
 * (2480 × 3508 px, gray and colour, the simulator's sample form with scanner-like noise), as ratios:
 * - the longest event-loop stall while a page is composed and encoded, as a share of the whole
 *   (deflate runs in libuv's pool; what stays on the loop is copying the frame and pngjs' row filtering,
 *   one synchronous pass over the page — a row-batched writer or a worker would cut it further).
 * - the PNG against the raw samples (compression on a document).
 * - encoding time with PNG's one-filter "Up" against pngjs' adaptive filtering (the default we replaced).
 */
import { PNG } from 'pngjs';
import { FrameAssembler, composePage, encodePng } from '../drivers/document-scanner/image.js';
import { SAMPLE_DOCUMENT, render } from '../drivers/document-scanner/simulator.js';
import type { ScanParameters } from '../drivers/document-scanner/protocol/messages.js';
import type { BenchRow, BenchSection } from './run.js';

const W = 2480;
const H = 3508;

function page(channels: 1 | 3): { params: ScanParameters; samples: Uint8Array } {
  const params: ScanParameters = { format: channels === 3 ? 'rgb' : 'gray', lastFrame: true, bytesPerLine: W * channels, pixelsPerLine: W, lines: H, depth: 8 };
  const samples = render(SAMPLE_DOCUMENT, params, { dpi: 300, x0: 0, y0: 0 });
  for (let i = 0; i < samples.length; i++) samples[i] = Math.max(0, Math.min(255, (samples[i] as number) + ((i * 2654435761) >>> 28) - 8));
  return { params, samples };
}

/** Runs `fn` and reports its duration and the longest gap a 1 ms timer saw meanwhile. */
async function withStalls<T>(fn: () => Promise<T>): Promise<{ ms: number; stallMs: number; value: T }> {
  let stall = 0;
  let last = performance.now();
  const timer = setInterval(() => {
    const now = performance.now();
    stall = Math.max(stall, now - last);
    last = now;
  }, 1);
  const t0 = performance.now();
  const value = await fn();
  const ms = performance.now() - t0;
  clearInterval(timer);
  stall = Math.max(stall, performance.now() - last);
  return { ms, stallMs: stall, value };
}

async function adaptive(data: Uint8Array, channels: 1 | 3): Promise<void> {
  const colorType = channels === 3 ? 2 : 0;
  const png = new PNG({ colorType, inputColorType: colorType, bitDepth: 8, inputHasAlpha: false });
  png.width = W;
  png.height = H;
  png.data = Buffer.from(data.buffer, data.byteOffset, data.byteLength);
  await new Promise<void>((resolve, reject) => {
    png.on('data', () => undefined);
    png.on('end', () => resolve());
    png.on('error', (e: unknown) => reject(e instanceof Error ? e : new Error(String(e))));
    png.pack();
  });
}

export const scannerSection: BenchSection = {
  id: 'scanner',
  name: 'document scanner pages (A4, 300 dpi)',
  async run(): Promise<BenchRow[]> {
    const rows: BenchRow[] = [];
    for (const channels of [1, 3] as const) {
      const { params, samples } = page(channels);
      const kind = channels === 3 ? 'colour' : 'gray';
      const r = await withStalls(async () => {
        const a = new FrameAssembler(params);
        for (let o = 0; o < samples.length; o += 8188) a.push(samples.subarray(o, o + 8188));
        return encodePng(composePage([a.finish()], 0x1234));
      });
      rows.push({
        name: `${kind}: longest event-loop stall from the last record to the PNG, wall time`,
        value: r.stallMs,
        unit: 'ms',
        anchor: 'the whole page pipeline',
        anchorValue: r.ms,
        ratio: (r.stallMs / r.ms) * 100,
        ratioUnit: '%',
      });
      rows.push({ name: `${kind}: PNG size`, value: r.value.length / 1024, unit: 'KiB', anchor: 'the raw samples', anchorValue: samples.length / 1024, anchorUnit: 'KiB', ratio: (r.value.length / samples.length) * 100, ratioUnit: '%' });
      const a = await withStalls(() => adaptive(samples, channels));
      rows.push({ name: `${kind}: encode time, PNG "Up" filter, wall time`, value: r.ms, unit: 'ms', anchor: "pngjs' adaptive filtering (the default it replaced)", anchorValue: a.ms, ratio: (r.ms / a.ms) * 100, ratioUnit: '%', note: `adaptive filtering stalls the loop up to ${a.stallMs.toFixed(0)} ms` });
    }
    return rows;
  },
};
