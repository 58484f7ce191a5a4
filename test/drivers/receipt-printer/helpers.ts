import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

export function hex(s: string): Uint8Array {
  const t = s.replace(/\s+/g, '');
  const out = new Uint8Array(t.length / 2);
  for (let i = 0; i < out.length; i++) out[i] = parseInt(t.slice(2 * i, 2 * i + 2), 16);
  return out;
}

export function toHex(b: Uint8Array): string {
  return [...b].map((x) => x.toString(16).padStart(2, '0')).join(' ');
}

export interface CommandFixture {
  name: string;
  call: string;
  hex: string;
}
export interface EscPosFixtures {
  commands: CommandFixture[];
  qrAbcStore: string;
  rasterHeader384x100: string;
  status: {
    outOfPaper: { n1: string; n2: string; n4: string };
    ready: { n1: string; n2: string; n3: string; n4: string };
    asbOutOfPaper: string;
    asbCoverOpen: string;
    asbReady: string;
  };
}

export const fixtures: EscPosFixtures = JSON.parse(
  readFileSync(fileURLToPath(new URL('../../fixtures/receipt-printer/escpos-commands.json', import.meta.url)), 'utf8'),
) as EscPosFixtures;

/** Index of `needle` in `hay`, or -1. */
export function indexOfBytes(hay: Uint8Array, needle: Uint8Array): number {
  outer: for (let i = 0; i + needle.length <= hay.length; i++) {
    for (let j = 0; j < needle.length; j++) if (hay[i + j] !== needle[j]) continue outer;
    return i;
  }
  return -1;
}

/** Rare characters (生僻字) seen in names, several only in GB18030's four-byte space. */
export const RARE = ['䶮', '𠀾', '𪚥', '𠮷', '㐀', '䲜', '龘', '鿏', '𬌗', '𫚉', '𡈽', '堃', '喆', '赟', '昇', '垚', '祎', '玥', '珺', '镕'];
