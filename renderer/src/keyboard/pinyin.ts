/**
 * Pinyin syllables and their candidate characters, from simple-keyboard-layouts' Chinese layout
 * (data from sxei/pinyinjs, ordered by frequency). The package types the layout as keys only, so
 * the shape we use is checked once at load rather than assumed.
 */
import chinese from 'simple-keyboard-layouts/build/layouts/chinese.js';
import { z } from 'zod';

const ChineseLayout = z.object({
  layout: z.object({ default: z.array(z.string()).min(1), shift: z.array(z.string()).min(1) }),
  layoutCandidates: z.record(z.string().regex(/^[a-z]{1,6}$/), z.string().min(1)),
});

const parsed = ChineseLayout.parse(chinese);

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
