/**
 * Pinyin syllables and their candidate characters, from simple-keyboard-layouts' Chinese layout
 * (data from sxei/pinyinjs, ordered by frequency). The package types the layout as keys only, so
 * the shape we use is checked once at load rather than assumed.
 */
import chinese from 'simple-keyboard-layouts/build/layouts/chinese.js';

/*
 * The shape is checked by hand, not with zod: this runs on the citizen page, whose JavaScript carries no schema
 * library (issue 10). The same shape as a zod schema is checked in test/renderer/keyboard/pinyin.test.ts.
 */
const SYLLABLE = /^[a-z]{1,6}$/;

function rows(v: unknown, what: string): string[] {
  if (!Array.isArray(v) || v.length === 0 || !v.every((r): r is string => typeof r === 'string')) {
    throw new TypeError(`simple-keyboard-layouts' Chinese layout: ${what} is not a non-empty list of rows`);
  }
  return v;
}

function checkLayout(v: unknown): { layout: { default: string[]; shift: string[] }; layoutCandidates: Record<string, string> } {
  const o = (typeof v === 'object' && v !== null ? v : {}) as { layout?: unknown; layoutCandidates?: unknown };
  const l = (typeof o.layout === 'object' && o.layout !== null ? o.layout : {}) as { default?: unknown; shift?: unknown };
  const layout = { default: rows(l.default, 'layout.default'), shift: rows(l.shift, 'layout.shift') };
  const c = o.layoutCandidates;
  if (typeof c !== 'object' || c === null || Array.isArray(c)) throw new TypeError("simple-keyboard-layouts' Chinese layout: layoutCandidates is not a table");
  for (const [k, list] of Object.entries(c)) {
    if (!SYLLABLE.test(k) || typeof list !== 'string' || list.length === 0) {
      throw new TypeError(`simple-keyboard-layouts' Chinese layout: candidate entry ${JSON.stringify(k).slice(0, 20)} is not a syllable with characters`);
    }
  }
  return { layout, layoutCandidates: c as Record<string, string> };
}

const parsed = checkLayout(chinese);

const table = new Map<string, string[]>(
  Object.entries(parsed.layoutCandidates).map(([syllable, list]) => [syllable, list.split(/\s+/).filter((c) => c.length > 0)]),
);

/** Candidates for a whole syllable, most frequent first; [] when `pinyin` is not a syllable (yet). */
export function candidatesOf(pinyin: string): string[] {
  return table.get(pinyin.toLowerCase()) ?? [];
}

/** Whether some syllable starts with `prefix` (the citizen is on the way to a valid syllable). */
export function isSyllablePrefix(prefix: string): boolean {
  const p = prefix.toLowerCase();
  for (const k of table.keys()) if (k.startsWith(p)) return true;
  return false;
}

/** The layout's own rows (default and shift), for the letter keyboard. */
export const chineseRows = parsed.layout;
