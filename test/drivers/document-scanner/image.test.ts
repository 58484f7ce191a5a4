import { PNG } from 'pngjs';
import { describe, expect, it } from 'vitest';
import { fc, test } from '@fast-check/vitest';
import { FrameAssembler, composePage, encodePng, type RawFrame } from '../../../drivers/document-scanner/image.js';
import { pagesToPdf, readPng } from '../../../drivers/document-scanner/pdf.js';
import type { ScanParameters } from '../../../drivers/document-scanner/protocol/messages.js';
import { SaneProtocolError } from '../../../drivers/document-scanner/protocol/wire.js';
import { PDFDocument } from 'pdf-lib';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { inflateSync } from 'node:zlib';
import { parsePnm } from '../../helpers/saned.js';

const LE = 0x1234;
const BE = 0x4321;

function frame(p: Partial<ScanParameters> & Pick<ScanParameters, 'pixelsPerLine' | 'bytesPerLine'>, bytes: number[]): RawFrame {
  const params: ScanParameters = { format: 'gray', lastFrame: true, lines: -1, depth: 8, ...p };
  const a = new FrameAssembler(params);
  a.push(Uint8Array.from(bytes));
  return a.finish();
}

function decode(png: Uint8Array, opts: { skipRescale?: boolean } = {}): PNG {
  return PNG.sync.read(Buffer.from(png), opts);
}

describe('frames to pages', () => {
  it('gray 8-bit with padding after the last pixel of each line', () => {
    const f = frame({ pixelsPerLine: 2, bytesPerLine: 3, lines: 2 }, [10, 20, 99, 30, 40, 99]);
    const page = composePage([f], LE);
    expect(page).toMatchObject({ width: 2, height: 2, channels: 1, bitDepth: 8 });
    expect(Array.from(page.data)).toEqual([10, 20, 30, 40]);
  });

  it('lineart: MSB first, 1 = black', () => {
    const f = frame({ pixelsPerLine: 10, bytesPerLine: 2, lines: 1, depth: 1 }, [0b1010_0000, 0b0100_0000]);
    expect(Array.from(composePage([f], LE).data)).toEqual([0, 255, 0, 255, 255, 255, 255, 255, 255, 0]);
  });

  it('RGB depth 1 is byte-interleaved and 1 = full intensity', () => {
    // 2 pixels: R byte, G byte, B byte — pixel 0 is red, pixel 1 is blue
    const f = frame({ format: 'rgb', pixelsPerLine: 2, bytesPerLine: 3, lines: 1, depth: 1 }, [0b1000_0000, 0, 0b0100_0000]);
    expect(Array.from(composePage([f], LE).data)).toEqual([255, 0, 0, 0, 0, 255]);
  });

  it('16-bit samples in either server byte order give the same values', () => {
    const le = frame({ pixelsPerLine: 2, bytesPerLine: 4, lines: 1, depth: 16 }, [0x34, 0x12, 0xff, 0x00]);
    const be = frame({ pixelsPerLine: 2, bytesPerLine: 4, lines: 1, depth: 16 }, [0x12, 0x34, 0x00, 0xff]);
    const a = composePage([le], LE);
    const b = composePage([be], BE);
    expect(a.bitDepth).toBe(16);
    expect(Array.from(new Uint16Array(a.data.buffer))).toEqual([0x1234, 0x00ff]);
    expect(Array.from(b.data)).toEqual(Array.from(a.data));
  });

  it('16-bit pages survive PNG (big-endian inside) exactly', async () => {
    const f = frame({ format: 'rgb', pixelsPerLine: 1, bytesPerLine: 6, lines: 1, depth: 16 }, [1, 2, 3, 4, 5, 6]);
    const png = decode(await encodePng(composePage([f], BE)), { skipRescale: true });
    expect(Array.from(png.data as unknown as Uint16Array).slice(0, 3)).toEqual([0x0102, 0x0304, 0x0506]);
  });

  it('three-pass: RED, GREEN, BLUE frames in any order', () => {
    const g = frame({ format: 'green', lastFrame: false, pixelsPerLine: 2, bytesPerLine: 2, lines: 1 }, [3, 4]);
    const b = frame({ format: 'blue', lastFrame: true, pixelsPerLine: 2, bytesPerLine: 2, lines: 1 }, [5, 6]);
    const r = frame({ format: 'red', lastFrame: false, pixelsPerLine: 2, bytesPerLine: 2, lines: 1 }, [1, 2]);
    expect(Array.from(composePage([g, b, r], LE).data)).toEqual([1, 3, 5, 2, 4, 6]);
  });

  it('unknown height (lines = -1): as many whole lines as arrived; a cut last line is dropped', () => {
    const f = frame({ pixelsPerLine: 2, bytesPerLine: 2 }, [1, 2, 3, 4, 5]);
    expect(f.lines).toBe(2);
    expect(composePage([f], LE).height).toBe(2);
  });

  it('more data than announced is cut at the announced lines', () => {
    const f = frame({ pixelsPerLine: 1, bytesPerLine: 1, lines: 2 }, [1, 2, 3]);
    expect(f.lines).toBe(2);
  });

  it('nonsense parameters are typed errors', () => {
    expect(() => new FrameAssembler({ format: 'gray', lastFrame: true, bytesPerLine: 1, pixelsPerLine: 4, lines: 1, depth: 8 })).toThrow(SaneProtocolError);
    expect(() => new FrameAssembler({ format: 'gray', lastFrame: true, bytesPerLine: 1, pixelsPerLine: 1, lines: 1, depth: 4 })).toThrow(/depth 4/);
    expect(() => composePage([frame({ format: 'red', pixelsPerLine: 1, bytesPerLine: 1, lines: 1 }, [1])], LE)).toThrow(/green/);
  });

  test.prop([fc.integer({ min: 1, max: 40 }), fc.integer({ min: 1, max: 30 }), fc.boolean(), fc.integer({ min: 0, max: 3 }), fc.infiniteStream(fc.integer({ min: 0, max: 255 }))])(
    'any 8-bit gray or RGB page decodes from PNG to exactly its samples',
    async (w, h, rgb, pad, values) => {
      const ch = rgb ? 3 : 1;
      const bpl = w * ch + pad;
      const it = values[Symbol.iterator]();
      const bytes = Array.from({ length: bpl * h }, () => it.next().value as number);
      const f = frame({ format: rgb ? 'rgb' : 'gray', pixelsPerLine: w, bytesPerLine: bpl, lines: h }, bytes);
      const page = composePage([f], LE);
      const png = decode(await encodePng(page));
      expect([png.width, png.height]).toEqual([w, h]);
      for (let y = 0; y < h; y++) {
        for (let x = 0; x < w; x++) {
          for (let c = 0; c < ch; c++) expect(png.data[(y * w + x) * 4 + c]).toBe(bytes[y * bpl + x * ch + c]);
        }
      }
    },
  );
});

describe('one PDF per material', () => {
  it('embeds each PNG without re-encoding, one page per scan, at its physical size', async () => {
    const a = await encodePng(composePage([frame({ pixelsPerLine: 300, bytesPerLine: 300, lines: 150 }, new Array<number>(300 * 150).fill(200))], LE));
    const b = await encodePng(composePage([frame({ format: 'rgb', pixelsPerLine: 150, bytesPerLine: 450, lines: 150 }, new Array<number>(450 * 150).fill(9))], LE));
    const bytes = await pagesToPdf([
      { png: a, resolution: 150 },
      { png: b, resolution: 300 },
    ]);
    const doc = await PDFDocument.load(bytes);
    expect(doc.getPageCount()).toBe(2);
    expect(doc.getPage(0).getSize()).toEqual({ width: 144, height: 72 });
    expect(doc.getPage(1).getSize()).toEqual({ width: 36, height: 36 });
    // the image stream is the PNG's own IDAT data
    expect(Buffer.from(bytes).includes(Buffer.from(readPng(a).idat))).toBe(true);
    // and it inflates to PNG-filtered rows: (1 filter byte + 300 samples) × 150
    expect(inflateSync(readPng(a).idat).length).toBe(301 * 150);
  });

  it('the same pages give the same bytes (content-addressed attachments)', async () => {
    const png = await encodePng(composePage([frame({ pixelsPerLine: 4, bytesPerLine: 4, lines: 4 }, new Array<number>(16).fill(1))], LE));
    const x = await pagesToPdf([{ png, resolution: 300 }]);
    const y = await pagesToPdf([{ png, resolution: 300 }]);
    expect(Buffer.compare(Buffer.from(x), Buffer.from(y))).toBe(0);
  });

  it('an independent renderer (poppler pdftoppm) shows exactly the scanned pixels', async () => {
    const w = 37;
    const h = 23;
    const gray = Array.from({ length: w * h }, (_, i) => (i * 37 + (i >> 3)) & 0xff);
    const rgb = Array.from({ length: w * h * 3 }, (_, i) => (i * 11) & 0xff);
    const pages = [
      { png: await encodePng(composePage([frame({ pixelsPerLine: w, bytesPerLine: w, lines: h }, gray)], LE)), resolution: 72 },
      { png: await encodePng(composePage([frame({ format: 'rgb', pixelsPerLine: w, bytesPerLine: w * 3, lines: h }, rgb)], LE)), resolution: 72 },
    ];
    const dir = mkdtempSync(join(tmpdir(), 'kiosk-pdf-'));
    try {
      writeFileSync(join(dir, 'scan.pdf'), await pagesToPdf(pages));
      // rendered at 8× the scan's resolution: the centre of each 8 × 8 block is one scanned pixel
      const k = 8;
      execFileSync('pdftoppm', ['-r', String(72 * k), '-f', '1', '-l', '1', '-singlefile', '-gray', join(dir, 'scan.pdf'), join(dir, 'p1')]);
      execFileSync('pdftoppm', ['-r', String(72 * k), '-f', '2', '-l', '2', '-singlefile', join(dir, 'scan.pdf'), join(dir, 'p2')]);
      const p1 = parsePnm(new Uint8Array(readFileSync(join(dir, 'p1.pgm'))));
      const p2 = parsePnm(new Uint8Array(readFileSync(join(dir, 'p2.ppm'))));
      expect([p1.width, p1.height, p2.width, p2.height]).toEqual([w * k, h * k, w * k, h * k]);
      const centre = (p: typeof p1, ch: number): number[] => {
        const out: number[] = [];
        for (let y = 0; y < h; y++) for (let x = 0; x < w; x++) for (let c = 0; c < ch; c++) out.push(p.data[((y * k + k / 2) * w * k + x * k + k / 2) * ch + c] as number);
        return out;
      };
      expect(centre(p1, 1)).toEqual(gray);
      expect(centre(p2, 3)).toEqual(rgb);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('a non-PNG is a typed error', () => {
    expect(() => readPng(Uint8Array.of(1, 2, 3))).toThrow(SaneProtocolError);
  });
});
