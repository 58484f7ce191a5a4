/**
 * Options by name: how a ScanRequest (mode, resolution, source, page size) becomes option values for
 * whatever backend sits behind saned. Pure.
 *
 * Backends agree on option names (saneopts.h: resolution, mode, source, tl-x …) but not on the words in
 * their string lists: "Color" / "Colour" / "24bit Color", "Gray" / "True Gray", "Lineart" / "Binary",
 * "Flatbed" / "Normal", "ADF" / "Automatic Document Feeder" / "ADF Front" / "ADF Duplex". The tables
 * below recognise the common words; a device whose words are not recognised reports them in
 * `capabilities()` and the scan uses its current value.
 */
import { OPTION_NAME } from './protocol/constants.js';
import { isActive, isSettable, type OptionDescriptor } from './protocol/options.js';
import { fromFixed, toFixed } from './protocol/wire.js';
import { PAGE_SIZES_MM, type PageSize, type ScanMode, type ScanSource, type ScannerCapabilities } from './types.js';

const MODE_PATTERNS: readonly [ScanMode, RegExp][] = [
  ['color', /colou?r|^rgb|24 ?bit/i],
  ['gray', /gr[ae]y|grayscale|^8 ?bit/i],
  ['lineart', /line ?art|binary|black ?(&|and) ?white|^bw$|mono|halftone|dither/i],
];

const SOURCE_PATTERNS: readonly [ScanSource, RegExp][] = [
  ['adf-duplex', /duplex/i],
  ['adf', /adf|feeder|automatic document|\bfront\b|simplex/i],
  ['flatbed', /flatbed|normal|platen|glass|document table/i],
];

/** The canonical mode a backend's word stands for, or null. */
export function canonicalMode(word: string): ScanMode | null {
  for (const [mode, re] of MODE_PATTERNS) if (re.test(word)) return mode;
  return null;
}

export function canonicalSource(word: string): ScanSource | null {
  for (const [source, re] of SOURCE_PATTERNS) if (re.test(word)) return source;
  return null;
}

/** Among the device's words, the best one for `wanted` (exact SANE standard words first). */
export function chooseWord<T extends string>(words: readonly string[], wanted: T, canonical: (w: string) => T | null): string | null {
  const matching = words.filter((w) => canonical(w) === wanted);
  if (matching.length === 0) return null;
  // Prefer plain words ("Lineart" over "Halftone", "ADF" / "ADF Front" over "ADF Back").
  const rank = (w: string): number => (/halftone|dither|back|rear/i.test(w) ? 1 : 0);
  return [...matching].sort((a, b) => rank(a) - rank(b))[0] ?? null;
}

export interface IndexedOption {
  index: number;
  d: OptionDescriptor;
}

/** The first active option of that name (option 0, the option count, has no name). */
export function findOption(options: readonly OptionDescriptor[], name: string): IndexedOption | undefined {
  for (let i = 1; i < options.length; i++) {
    const d = options[i];
    if (d && d.name === name && isActive(d)) return { index: i, d };
  }
  return undefined;
}

export function settable(o: IndexedOption | undefined): o is IndexedOption {
  return o !== undefined && isSettable(o.d) && isActive(o.d);
}

/** A raw option word as a number in the option's unit (FIXED → fractional). */
export function wordToNumber(d: OptionDescriptor, w: number): number {
  return d.type === 'fixed' ? fromFixed(w) : w;
}
export function numberToWord(d: OptionDescriptor, v: number): number {
  return d.type === 'fixed' ? toFixed(v) : Math.round(v);
}

/** The value nearest `v` that the constraint allows, as a raw word. */
export function nearestAllowed(d: OptionDescriptor, v: number): number {
  const c = d.constraint;
  if (c.type === 'word-list' && c.words.length > 0) {
    let best = c.words[0] as number;
    let bestDist = Infinity;
    for (const w of c.words) {
      const dist = Math.abs(wordToNumber(d, w) - v);
      if (dist < bestDist || (dist === bestDist && w > best)) {
        best = w;
        bestDist = dist;
      }
    }
    return best;
  }
  if (c.type === 'range') {
    const min = wordToNumber(d, c.min);
    const max = wordToNumber(d, c.max);
    const quant = wordToNumber(d, c.quant);
    let x = Math.min(max, Math.max(min, v));
    if (quant > 0) x = Math.min(max, min + Math.round((x - min) / quant) * quant);
    return numberToWord(d, x);
  }
  return numberToWord(d, v);
}

/** The range of a numeric option in its unit, or null. */
export function numericRange(d: OptionDescriptor): { min: number; max: number } | null {
  const c = d.constraint;
  if (c.type === 'range') return { min: wordToNumber(d, c.min), max: wordToNumber(d, c.max) };
  if (c.type === 'word-list' && c.words.length > 0) {
    const vals = c.words.map((w) => wordToNumber(d, w));
    return { min: Math.min(...vals), max: Math.max(...vals) };
  }
  return null;
}

export function stringList(d: OptionDescriptor): string[] {
  return d.constraint.type === 'string-list' ? d.constraint.strings : [];
}

/** The resolution option: `resolution`, else `x-resolution` (y follows it or is set alike). */
export function resolutionOptions(options: readonly OptionDescriptor[]): IndexedOption[] {
  const main = findOption(options, OPTION_NAME.resolution);
  if (main) return [main];
  return [findOption(options, OPTION_NAME.xResolution), findOption(options, OPTION_NAME.yResolution)].filter((o): o is IndexedOption => o !== undefined);
}

export interface GeometryPlan {
  /** Option values to set, in order (tl before br, as backends check tl < br). */
  values: { index: number; name: string; word: number }[];
  area: { widthMm: number; heightMm: number } | null;
}

/**
 * Geometry for a page size: tl = (0, 0), br = (width, height) clipped to the scanner's range.
 * Options in millimetres (FIXED or INT) are used directly; options in pixels are converted at `dpi`.
 */
export function geometryFor(options: readonly OptionDescriptor[], page: PageSize, dpi: number | null): GeometryPlan {
  const tlx = findOption(options, OPTION_NAME.tlX);
  const tly = findOption(options, OPTION_NAME.tlY);
  const brx = findOption(options, OPTION_NAME.brX);
  const bry = findOption(options, OPTION_NAME.brY);
  if (!settable(brx) || !settable(bry)) return { values: [], area: null };
  const toUnit = (d: OptionDescriptor, mm: number): number | null => {
    if (d.unit === 'mm') return mm;
    if (d.unit === 'pixel' && dpi !== null && dpi > 0) return (mm / 25.4) * dpi;
    return null;
  };
  const fromUnit = (d: OptionDescriptor, v: number): number | null => {
    if (d.unit === 'mm') return v;
    if (d.unit === 'pixel' && dpi !== null && dpi > 0) return (v / dpi) * 25.4;
    return null;
  };
  const rx = numericRange(brx.d);
  const ry = numericRange(bry.d);
  const values: GeometryPlan['values'] = [];
  for (const tl of [tlx, tly]) {
    if (settable(tl)) {
      const r = numericRange(tl.d);
      values.push({ index: tl.index, name: tl.d.name, word: nearestAllowed(tl.d, r ? r.min : 0) });
    }
  }
  let wUnit: number | null;
  let hUnit: number | null;
  if (page === 'max') {
    wUnit = rx ? rx.max : null;
    hUnit = ry ? ry.max : null;
  } else {
    wUnit = toUnit(brx.d, PAGE_SIZES_MM[page].width);
    hUnit = toUnit(bry.d, PAGE_SIZES_MM[page].height);
  }
  if (wUnit === null || hUnit === null) return { values: [], area: null };
  const wWord = nearestAllowed(brx.d, wUnit);
  const hWord = nearestAllowed(bry.d, hUnit);
  values.push({ index: brx.index, name: brx.d.name, word: wWord }, { index: bry.index, name: bry.d.name, word: hWord });
  const wMm = fromUnit(brx.d, wordToNumber(brx.d, wWord));
  const hMm = fromUnit(bry.d, wordToNumber(bry.d, hWord));
  return { values, area: wMm !== null && hMm !== null ? { widthMm: wMm, heightMm: hMm } : null };
}

/** What the device offers, for technicians and for choosing defaults. */
export function describeCapabilities(device: string, options: readonly OptionDescriptor[]): ScannerCapabilities {
  const mode = findOption(options, OPTION_NAME.mode);
  const source = findOption(options, OPTION_NAME.source);
  const [res] = resolutionOptions(options);
  let resolutions: ScannerCapabilities['resolutions'] = null;
  if (res) {
    const c = res.d.constraint;
    if (c.type === 'word-list') resolutions = { list: c.words.map((w) => wordToNumber(res.d, w)) };
    else if (c.type === 'range') resolutions = { min: wordToNumber(res.d, c.min), max: wordToNumber(res.d, c.max), step: wordToNumber(res.d, c.quant) };
  }
  const brx = findOption(options, OPTION_NAME.brX);
  const bry = findOption(options, OPTION_NAME.brY);
  const rx = brx && brx.d.unit === 'mm' ? numericRange(brx.d) : null;
  const ry = bry && bry.d.unit === 'mm' ? numericRange(bry.d) : null;
  return {
    device,
    modes: mode ? stringList(mode.d).map((name) => ({ mode: canonicalMode(name), name })) : [],
    sources: source ? stringList(source.d).map((name) => ({ source: canonicalSource(name), name })) : [],
    resolutions,
    maxArea: rx && ry ? { widthMm: rx.max, heightMm: ry.max } : null,
    optionCount: Math.max(0, options.length - 1),
  };
}
