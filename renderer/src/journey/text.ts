import type { LocalText, Locale } from '../../../main/contract/index.js';

/** A catalog or core text in the screen's language (every LocalText carries both). */
export function lt(text: LocalText, locale: Locale): string {
  return text[locale];
}

/** An amount in fen as yuan with two decimals: 2000 → "20.00". */
export function yuan(fen: number): string {
  return (fen / 100).toFixed(2);
}
