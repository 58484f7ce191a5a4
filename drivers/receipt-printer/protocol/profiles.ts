/**
 * Capability profiles as data (in the spirit of ReceiptPrinterEncoder's data/printers/*.json).
 * Dots: 203 dpi heads, 48 mm printable on 58 mm paper = 384 dots, 72 mm on 80 mm paper = 576 dots
 * (reference/device-protocols.md §2). Columns: font A 12×24, font B 9×17, Chinese 24×24 (two font-A columns).
 */
export interface PrinterProfile {
  readonly name: '58mm' | '80mm';
  /** Printable dots per line. */
  readonly dots: number;
  /** Characters per line in font A (12 dots wide). */
  readonly columnsA: number;
  /** Characters per line in font B (9 dots wide). */
  readonly columnsB: number;
  readonly fontA: { readonly width: number; readonly height: number };
  readonly fontB: { readonly width: number; readonly height: number };
  /** Default line height in dots (ESC 2). */
  readonly lineHeight: number;
  /** QR module size range accepted by the encoder (1–16 is common; UNVERIFIED per model). */
  readonly qrModule: { readonly min: number; readonly max: number };
  /** QR module size used by the templates. */
  readonly qrDefaultModule: number;
  /** Raster band height used when slicing images (hard limits per model are UNVERIFIED). */
  readonly rasterBandRows: number;
  /** Lines fed before a cut so the last printed line clears the cutter. */
  readonly cutFeedLines: number;
  /** Largest CODE128 data length (GS k form B n is one byte, including the {B prefix). */
  readonly barcodeMaxBytes: number;
}

export const PRINTER_PROFILES = {
  '58mm': {
    name: '58mm',
    dots: 384,
    columnsA: 32,
    columnsB: 42,
    fontA: { width: 12, height: 24 },
    fontB: { width: 9, height: 17 },
    lineHeight: 30,
    qrModule: { min: 1, max: 16 },
    qrDefaultModule: 5,
    rasterBandRows: 256,
    cutFeedLines: 4,
    barcodeMaxBytes: 253,
  },
  '80mm': {
    name: '80mm',
    dots: 576,
    columnsA: 48,
    columnsB: 64,
    fontA: { width: 12, height: 24 },
    fontB: { width: 9, height: 17 },
    lineHeight: 30,
    qrModule: { min: 1, max: 16 },
    qrDefaultModule: 6,
    rasterBandRows: 256,
    cutFeedLines: 4,
    barcodeMaxBytes: 253,
  },
} as const satisfies Record<'58mm' | '80mm', PrinterProfile>;

export type ProfileName = keyof typeof PRINTER_PROFILES;

export function profileOf(p: ProfileName | PrinterProfile): PrinterProfile {
  return typeof p === 'string' ? PRINTER_PROFILES[p] : p;
}
