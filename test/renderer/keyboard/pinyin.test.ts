import chinese from 'simple-keyboard-layouts/build/layouts/chinese.js';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { candidatesOf, chineseRows, isSyllablePrefix } from '../../../renderer/src/keyboard/pinyin.js';

/** The shape pinyin.ts checks by hand at load (the citizen page carries no zod), as a schema. */
const ChineseLayout = z.object({
  layout: z.object({ default: z.array(z.string()).min(1), shift: z.array(z.string()).min(1) }),
  layoutCandidates: z.record(z.string().regex(/^[a-z]{1,6}$/), z.string().min(1)),
});

describe('pinyin table', () => {
  it('the installed layout has the shape the hand check accepts', () => {
    const parsed = ChineseLayout.parse(chinese);
    expect(chineseRows).toEqual(parsed.layout);
    const [syllable, list] = Object.entries(parsed.layoutCandidates)[0] ?? ['', ''];
    expect(candidatesOf(syllable)).toEqual(list.split(/\s+/).filter((ch) => ch.length > 0));
  });

  it('knows syllables and their prefixes', () => {
    expect(candidatesOf('ning')).toContain('宁');
    expect(isSyllablePrefix('zhu')).toBe(true);
    expect(isSyllablePrefix('qx')).toBe(false);
    expect(candidatesOf('qx')).toEqual([]);
  });
});
