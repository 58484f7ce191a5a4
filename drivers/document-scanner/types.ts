/**
 * The document scanner interface the core and the workflows depend on; the saned client and the
 * simulator (through the same client) both implement it.
 */
import type { Device, Unsubscribe } from '../device.js';

export type ScanMode = 'color' | 'gray' | 'lineart';
export const SCAN_MODES: readonly ScanMode[] = ['color', 'gray', 'lineart'];

/** Flatbed glass, or the automatic document feeder (one side or both). */
export type ScanSource = 'flatbed' | 'adf' | 'adf-duplex';
export const SCAN_SOURCES: readonly ScanSource[] = ['flatbed', 'adf', 'adf-duplex'];

/** Paper sizes in millimetres (portrait); 'max' = the scanner's whole area. */
export const PAGE_SIZES_MM = {
  A4: { width: 210, height: 297 },
  A5: { width: 148, height: 210 },
  A6: { width: 105, height: 148 },
  B5: { width: 176, height: 250 },
  letter: { width: 215.9, height: 279.4 },
  legal: { width: 215.9, height: 355.6 },
  /** ISO/IEC 7810 ID-1: identity cards, bank cards. */
  'id-card': { width: 85.6, height: 54 },
} as const;
export type PageSize = keyof typeof PAGE_SIZES_MM | 'max';
export const PAGE_SIZES: readonly PageSize[] = [...(Object.keys(PAGE_SIZES_MM) as (keyof typeof PAGE_SIZES_MM)[]), 'max'];

export interface ScanRequest {
  /** Default: the scanner's current mode. */
  mode?: ScanMode;
  /** Dots per inch; the nearest the scanner offers is used (reported in `settings`). */
  resolution?: number;
  /** Default: the scanner's current source. */
  source?: ScanSource;
  /** Default: the scanner's current area. */
  pageSize?: PageSize;
  /** ADF: stop after this many pages even if more are in the feeder. Default 50. */
  maxPages?: number;
  /** Also assemble all pages into one PDF (one PDF per material). */
  pdf?: boolean;
}

/** What the scan actually used, as the scanner reported it back. */
export interface ScanSettings {
  device: string;
  mode: ScanMode | null;
  /** The scanner's own word for the mode ('Color', 'Gray', 'Binary' …). */
  modeName: string | null;
  resolution: number | null;
  source: ScanSource | null;
  sourceName: string | null;
  /** The scan area in millimetres, when the scanner has tl/br options in mm. */
  area: { widthMm: number; heightMm: number } | null;
}

export interface ScanProgress {
  /** 1-based page number. */
  page: number;
  phase: 'page-start' | 'data' | 'page-done';
  /** Bytes of the page (all frames of it) received so far. */
  bytes: number;
  /** Bytes the scanner announced for the page; null when the length is unknown (lines = -1). */
  expectedBytes: number | null;
  /** Complete lines of the current frame. */
  lines: number;
  expectedLines: number | null;
  /** Frame within the page: 1, or 1..3 for three-pass colour. */
  frame: number;
}

export interface ScannedPage {
  /** 1-based. */
  index: number;
  /** Pixels, as the scanner reported them (pixels_per_line × lines). */
  width: number;
  height: number;
  /** Dots per inch the page was scanned at (null if the scanner has no resolution option). */
  resolution: number | null;
  channels: 1 | 3;
  /** Bits per sample in the PNG (8 or 16; lineart becomes 8-bit black and white). */
  bitDepth: 8 | 16;
  /** Depth the scanner delivered (1, 8 or 16). */
  sourceDepth: number;
  png: Uint8Array;
}

export interface ScanResult {
  pages: ScannedPage[];
  /** All pages as one PDF, when asked for. */
  pdf?: Uint8Array;
  settings: ScanSettings;
  /** Why the scan stopped: one flatbed page, the feeder ran empty, or `maxPages`. */
  endedBy: 'single-page' | 'feeder-empty' | 'max-pages';
}

export interface ScanOptions {
  signal?: AbortSignal;
  /** Called as data arrives (as well as the device's onProgress listeners). */
  onProgress?: (p: ScanProgress) => void;
}

export interface SaneDeviceEntry {
  name: string;
  vendor: string;
  model: string;
  type: string;
}

/** What a device offers, from its option descriptors. */
export interface ScannerCapabilities {
  device: string;
  modes: { mode: ScanMode | null; name: string }[];
  sources: { source: ScanSource | null; name: string }[];
  /** Discrete resolutions, or a range. */
  resolutions: { list: number[] } | { min: number; max: number; step: number } | null;
  /** Largest scan area in millimetres. */
  maxArea: { widthMm: number; heightMm: number } | null;
  optionCount: number;
}

export interface DocumentScanner extends Device {
  readonly kind: 'scanner';
  /**
   * Scans one flatbed page, or every page in the feeder until it is empty (NO_DOCS after the first page),
   * as PNG. Rejects with a typed DeviceError: 'not-found'/fault 'no-document' when there is nothing to
   * scan (the citizen places the document, then retry), 'device-fault' 'paper-jam' or 'cover-open'
   * (staff: clear), 'busy' (wait), 'canceled' when the signal fired (the scan is cancelled at the scanner).
   */
  scan(request: ScanRequest, options?: ScanOptions): Promise<ScanResult>;
  onProgress(listener: (p: ScanProgress) => void): Unsubscribe;
  listDevices(signal?: AbortSignal): Promise<SaneDeviceEntry[]>;
  capabilities(signal?: AbortSignal): Promise<ScannerCapabilities>;
}
