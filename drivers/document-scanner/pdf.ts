/**
 * One PDF per material: every scanned page as one PDF page of its physical size (pixels ÷ dpi).
 *
 * The PNG's compressed image data goes into the PDF as it is: PNG IDAT is a zlib stream with per-row
 * PNG predictors, which PDF's FlateDecode reads with `/DecodeParms << /Predictor 15 … >>`. Nothing is
 * decoded or recompressed on the event loop (pdf-lib's own embedPng would inflate to RGBA in JavaScript).
 * No dates or producer are written, so the same pages give the same bytes (content-addressed storage).
 *
 * pdf-lib (with pako, about 1 MB of JavaScript, half the kiosk's bundled dependencies) loads on the first PDF,
 * not at start-up: every start of the kiosk and of kioskctl would otherwise parse it (issue 10, start-up).
 */
import type { PDFName } from 'pdf-lib';
import { SaneProtocolError } from './protocol/wire.js';

const PNG_SIGNATURE = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a];

export interface PngInfo {
  width: number;
  height: number;
  bitDepth: number;
  /** 0 gray, 2 RGB (the only ones the scanner writes). */
  colorType: number;
  /** The concatenated IDAT chunk data (a zlib stream). */
  idat: Uint8Array;
}

/** Reads IHDR and IDAT of a non-interlaced gray or RGB PNG. Typed error on anything else. */
export function readPng(png: Uint8Array): PngInfo {
  const bad = (why: string): SaneProtocolError => new SaneProtocolError('value', `not a page PNG: ${why}`);
  if (png.length < 8 || PNG_SIGNATURE.some((b, i) => png[i] !== b)) throw bad('signature');
  const view = new DataView(png.buffer, png.byteOffset, png.byteLength);
  let o = 8;
  let info: Omit<PngInfo, 'idat'> | undefined;
  const idat: Uint8Array[] = [];
  while (o + 8 <= png.length) {
    const len = view.getUint32(o);
    const type = String.fromCharCode(...png.subarray(o + 4, o + 8));
    const data = png.subarray(o + 8, o + 8 + len);
    if (data.length !== len) throw bad(`truncated ${type} chunk`);
    if (type === 'IHDR') {
      const interlace = data[12];
      info = { width: view.getUint32(o + 8), height: view.getUint32(o + 12), bitDepth: data[8] as number, colorType: data[9] as number };
      if (interlace !== 0) throw bad('interlaced');
      if (info.colorType !== 0 && info.colorType !== 2) throw bad(`colour type ${info.colorType}`);
    } else if (type === 'IDAT') idat.push(data);
    else if (type === 'IEND') break;
    o += 12 + len;
  }
  if (!info || idat.length === 0) throw bad('no image data');
  const total = idat.reduce((n, c) => n + c.length, 0);
  const joined = new Uint8Array(total);
  let p = 0;
  for (const c of idat) {
    joined.set(c, p);
    p += c.length;
  }
  return { ...info, idat: joined };
}

export interface PdfPageInput {
  png: Uint8Array;
  /** Dots per inch; null = 300 (the page then prints at an assumed size). */
  resolution: number | null;
}

/** All pages, in order, as one PDF. */
export async function pagesToPdf(pages: readonly PdfPageInput[], meta: { title?: string } = {}): Promise<Uint8Array> {
  const { PDFDocument, concatTransformationMatrix, drawObject, popGraphicsState, pushGraphicsState } = await import('pdf-lib');
  const doc = await PDFDocument.create({ updateMetadata: false });
  if (meta.title !== undefined) doc.setTitle(meta.title);
  for (const page of pages) {
    const png = readPng(page.png);
    const dpi = page.resolution !== null && page.resolution > 0 ? page.resolution : 300;
    const w = (png.width / dpi) * 72;
    const h = (png.height / dpi) * 72;
    const colors = png.colorType === 2 ? 3 : 1;
    const image = doc.context.stream(png.idat, {
      Type: 'XObject',
      Subtype: 'Image',
      Width: png.width,
      Height: png.height,
      BitsPerComponent: png.bitDepth,
      ColorSpace: colors === 3 ? 'DeviceRGB' : 'DeviceGray',
      Filter: 'FlateDecode',
      DecodeParms: { Predictor: 15, Colors: colors, BitsPerComponent: png.bitDepth, Columns: png.width },
    });
    const ref = doc.context.register(image);
    const p = doc.addPage([w, h]);
    const name: PDFName = p.node.newXObject('Scan', ref);
    p.pushOperators(pushGraphicsState(), concatTransformationMatrix(w, 0, 0, h, 0, 0), drawObject(name), popGraphicsState());
  }
  return doc.save({ useObjectStreams: false });
}
