/**
 * Masks an ID number for a screen or a receipt: at most the first 6 and the last 4
 * characters stay visible, and never more than about 60 % of the characters.
 *   110105194912310021 → 110105********0021
 */
export function maskIdNumber(id: string): string {
  const clean = id.trim();
  if (clean.length === 0) return '*';
  const head = Math.min(6, Math.floor(clean.length * 0.35));
  const tail = Math.min(4, Math.floor(clean.length * 0.25));
  const hidden = Math.max(1, clean.length - head - tail);
  return clean.slice(0, head) + '*'.repeat(hidden) + (tail > 0 ? clean.slice(clean.length - tail) : '');
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
