import type { CardType } from '../contract/index.js';

/**
 * Masks an ID number for a screen or a receipt. The rule, per card type (README "How ID numbers are masked"):
 * the birth date inside a number is never visible; what stays lets the holder recognise their own card.
 *
 *   18 characters — resident ID, HK/Macau/Taiwan residence permit, 2023 foreign permanent resident card
 *     (6 region/issuer, 8 birth date, 3 sequence, 1 check): the first 6 and the last 4.
 *       110105194912310021 → 110105********0021
 *   15 characters, old foreign permanent resident card (3 letters nationality, 4 acceptance office,
 *     6 birth date YYMMDD, 2 sequence): the 3 letters and the last 2.
 *       GBR640085061501 → GBR**********01
 *   15 digits, first-generation resident number (6 region, 6 birth date YYMMDD, 3 sequence): the first 6 and the last 3.
 *       110105491231002 → 110105******002
 *   anything else (never from a card): at most a third in front and a fifth at the end, the rest '*'.
 */
export function maskIdNumber(id: string, cardType?: CardType): string {
  const clean = id.trim();
  if (clean.length === 0) return '*';
  const [head, tail] = visible(clean, cardType);
  return clean.slice(0, head) + '*'.repeat(Math.max(1, clean.length - head - tail)) + (tail > 0 ? clean.slice(clean.length - tail) : '');
}

/** How many characters stay visible in front and at the end. */
function visible(id: string, cardType: CardType | undefined): [number, number] {
  if (id.length === 18) return [6, 4];
  if (id.length === 15 && /^[A-Za-z]{3}[0-9]{12}$/.test(id) && (cardType === undefined || cardType === 'foreign-permanent')) return [3, 2];
  if (id.length === 15 && /^[0-9]{15}$/.test(id) && (cardType === undefined || cardType === 'resident')) return [6, 3];
  return [Math.min(6, Math.floor(id.length / 3)), Math.min(4, Math.floor(id.length / 5))];
}

/** Masks a name for a printed receipt: the family name stays, the rest is '*' (张三丰 → 张**). */
export function maskName(name: string): string {
  const chars = [...name.trim()];
  if (chars.length <= 1) return chars.join('') || '*';
  if (/^[\p{Script=Latin}\s.'-]+$/u.test(name)) {
    return name
      .trim()
      .split(/\s+/)
      .map((w, i) => (i === 0 ? w : `${w[0] ?? ''}.`))
      .join(' ');
  }
  return chars[0] + '*'.repeat(chars.length - 1);
}
