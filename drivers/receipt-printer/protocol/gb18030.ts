/**
 * GB18030 encoding without iconv-lite: the reverse of Node's (full ICU) `TextDecoder('gb18030')`.
 *
 * - 2-byte space (lead 0x81–0xFE, trail 0x40–0x7E / 0x80–0xFE) and the BMP part of the 4-byte
 *   space (0x81308130–0x8439FE39) are decoded once, lazily, into a reverse table indexed by
 *   UTF-16 code unit. 2-byte forms win over 4-byte forms; the first 2-byte form wins over later ones.
 * - Supplementary planes (U+10000–U+10FFFF) are computed: 0x90308130 + linear offset.
 *
 * Pure: no I/O, no timers. The table costs a few milliseconds once and then ~256 KiB.
 */

import { EscPosEncodeError } from './errors.js';

/** table[codeUnit] = encoded bytes packed big-endian; 0 = not yet known/unmappable. 2-byte values are < 0x10000. */
let table: Uint32Array | undefined;

let decoderInstance: InstanceType<typeof TextDecoder> | undefined;

/** Node's full-ICU GB18030 decoder; a small-icu build has none, which is a typed error, not a crash at import. */
function gbDecoder(): InstanceType<typeof TextDecoder> {
  if (!decoderInstance) {
    try {
      decoderInstance = new TextDecoder('gb18030');
    } catch (e) {
      throw new EscPosEncodeError('invalid-text', 'this Node build has no GB18030 TextDecoder (full ICU is required)', { cause: e });
    }
  }
  return decoderInstance;
}

function buildTable(): Uint32Array {
  const decoder = gbDecoder();
  const t = new Uint32Array(0x10000);
  // 2-byte space, every sequence in one decode call (no per-sequence allocation)
  const two = new Uint8Array(126 * 190 * 2);
  let n = 0;
  for (let lead = 0x81; lead <= 0xfe; lead++) {
    for (let trail = 0x40; trail <= 0xfe; trail++) {
      if (trail === 0x7f) continue;
      two[n++] = lead;
      two[n++] = trail;
    }
  }
  const twoText = decoder.decode(two.subarray(0, n));
  if (twoText.length === n / 2) {
    for (let i = 0; i < twoText.length; i++) {
      const cu = twoText.charCodeAt(i);
      if (cu === 0xfffd || t[cu] !== 0) continue;
      t[cu] = ((two[2 * i] ?? 0) << 8) | (two[2 * i + 1] ?? 0);
    }
  } else {
    // The decoder did not map one sequence to one code unit: fall back to one call per sequence.
    for (let i = 0; i < n; i += 2) {
      const s = decoder.decode(two.subarray(i, i + 2));
      if (s.length !== 1) continue;
      const cu = s.charCodeAt(0);
      if (cu === 0xfffd || t[cu] !== 0) continue;
      t[cu] = ((two[i] ?? 0) << 8) | (two[i + 1] ?? 0);
    }
  }
  // 4-byte BMP space: linear index 0 … 39419, written in place
  const COUNT = 39420;
  const four = new Uint8Array(COUNT * 4);
  for (let i = 0; i < COUNT; i++) writeFourBytes(four, i * 4, i);
  const fourText = decoder.decode(four);
  const place = (i: number, cu: number): void => {
    if (cu === 0xfffd || (cu >= 0xd800 && cu <= 0xdfff) || t[cu] !== 0) return;
    const o = i * 4;
    t[cu] = (((four[o] ?? 0) << 24) | ((four[o + 1] ?? 0) << 16) | ((four[o + 2] ?? 0) << 8) | (four[o + 3] ?? 0)) >>> 0;
  };
  if (fourText.length === COUNT) {
    for (let i = 0; i < COUNT; i++) place(i, fourText.charCodeAt(i));
  } else {
    for (let i = 0; i < COUNT; i++) {
      const s = decoder.decode(four.subarray(i * 4, i * 4 + 4));
      if (s.length === 1) place(i, s.charCodeAt(0));
    }
  }
  return t;
}

function writeFourBytes(out: Uint8Array, at: number, linear: number): void {
  out[at] = 0x81 + Math.floor(linear / 12600);
  out[at + 1] = 0x30 + (Math.floor(linear / 1260) % 10);
  out[at + 2] = 0x81 + (Math.floor(linear / 10) % 126);
  out[at + 3] = 0x30 + (linear % 10);
}

function getTable(): Uint32Array {
  table ??= buildTable();
  return table;
}

/** Forces the lazy table to be built now (e.g. at start-up, outside a print job). */
export function warmUpGb18030(): void {
  getTable();
}

/**
 * The GB18030 bytes of one non-ASCII code point packed big-endian into one number (2-byte forms are below
 * 0x10000, 4-byte forms above), or 0 when it has none (lone surrogates, a BMP code point ICU does not map).
 * What the encoder writes: no array per character.
 */
export function gb18030Packed(cp: number): number {
  if (cp < 0x80) return cp;
  if (cp >= 0x10000) {
    if (cp > 0x10ffff) return 0;
    const linear = cp - 0x10000;
    return (
      ((0x90 + Math.floor(linear / 12600)) * 0x1000000 +
        ((0x30 + (Math.floor(linear / 1260) % 10)) << 16) +
        ((0x81 + (Math.floor(linear / 10) % 126)) << 8) +
        (0x30 + (linear % 10))) >>>
      0
    );
  }
  return getTable()[cp] ?? 0;
}

/**
 * Encoded GB18030 bytes of one code point, or undefined when it has none
 * (lone surrogates, or a BMP code point ICU does not map).
 */
export function gb18030CodePoint(cp: number): number[] | undefined {
  if (cp < 0x80) return [cp];
  const v = gb18030Packed(cp);
  if (v === 0) return undefined;
  if (v < 0x10000) return [v >>> 8, v & 0xff];
  return [v >>> 24, (v >>> 16) & 0xff, (v >>> 8) & 0xff, v & 0xff];
}

/** Encodes a whole string; returns the index of the first unencodable character instead when there is one. */
export function encodeGb18030(text: string): { bytes: Uint8Array } | { badIndex: number } {
  const out: number[] = [];
  let i = 0;
  for (const ch of text) {
    const cp = ch.codePointAt(0) ?? 0;
    const b = gb18030CodePoint(cp);
    if (!b) return { badIndex: i };
    for (const x of b) out.push(x);
    i += ch.length;
  }
  return { bytes: Uint8Array.from(out) };
}

/** Decodes GB18030 bytes (non-fatal: invalid sequences become U+FFFD). */
export function decodeGb18030(bytes: Uint8Array): string {
  return gbDecoder().decode(bytes);
}

/**
 * Length of the GB18030 sequence starting at `bytes[i]` (1, 2 or 4), or 0 when more bytes are needed.
 * Bytes that cannot start a sequence count as 1 (the decoder turns them into U+FFFD).
 */
export function gb18030SequenceLength(bytes: Uint8Array, i: number): number {
  const b1 = bytes[i];
  if (b1 === undefined) return 0;
  if (b1 < 0x81 || b1 > 0xfe) return 1;
  const b2 = bytes[i + 1];
  if (b2 === undefined) return 0;
  if (b2 >= 0x30 && b2 <= 0x39) return i + 3 < bytes.length ? 4 : 0;
  return 2;
}
