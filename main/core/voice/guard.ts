import { foldForMatch as fold } from '../logging.js';
import type { SpeakOptions, SpeakOutcome, TextToSpeech } from './tts.js';

/**
 * The speech guard: every utterance passes it before any engine hears it. A kiosk speaks in a public
 * hall, so nothing that identifies the citizen is ever said aloud beyond the greeting by name:
 *
 *  1. nothing shaped like an ID number, a permit, a phone or an acceptance number — 8 or more digits
 *     in a row (spaces, dashes, dots, commas, slashes between them ignored; full-width digits, Chinese
 *     numerals 〇零一…九 / 壹…玖 / 幺 and the masking '*' count as digits), letters followed by 6 or more
 *     digits (H12345678, ABC123456789012) — English digit words ("one one zero…", "double five") count too;
 *  2. none of the current session's secrets (name, ID number, address, pass number: the logging
 *     redactor holds them for the session) — the name only where the utterance says it is allowed
 *     (the greeting);
 *  3. none of the strings the caller names as secret for the moment (the view's field values, the
 *     masked ID, the acceptance number).
 *
 * A refused utterance is not spoken; the caller logs the reason, never the text.
 */

export interface SecretSource {
  revealsSecret(text: string, except?: readonly string[]): boolean;
}

export interface Utterance {
  text: string;
  /** Secrets this utterance may say: the citizen's name, in the greeting only. */
  allow?: readonly string[];
  /** More secrets of the moment (field values, masked ID, acceptance number), never to be said. */
  secrets?: readonly string[];
}

export type GuardReason = 'id-number-shape' | 'secret';
export type GuardVerdict = { ok: true } | { ok: false; reason: GuardReason };

const CHINESE_DIGITS: Record<string, string> = {
  '〇': '0', 零: '0', 一: '1', 壹: '1', 幺: '1', 二: '2', 贰: '2', 三: '3', 叁: '3', 四: '4', 肆: '4',
  五: '5', 伍: '5', 六: '6', 陆: '6', 七: '7', 柒: '7', 八: '8', 捌: '8', 九: '9', 玖: '9',
};
const CHINESE_DIGIT = new RegExp(`[${Object.keys(CHINESE_DIGITS).join('')}]`, 'g');
/** Between two digit-like characters these do not break a number (how numbers are spaced or grouped). */
const GROUPING = /(?<=[0-9*xX])[\s\-‐‑‒–—―_.·・•,，、/／\\:：;；'"“”‘’()（）[\]【】]+(?=[0-9*xX])/g;
const ID_SHAPES: readonly RegExp[] = [
  /[0-9*]{8,}/, // 18- and 15-digit ID numbers, residence permits, the 2023 foreign card, phones, masked numbers
  /[A-Za-z]{1,3}[0-9*]{6,}/, // HK/Macao/Taiwan passes (H12345678), the old foreign card (ABC123456789012)
];
const EN_DIGIT_WORDS: Record<string, string> = { zero: '0', oh: '0', one: '1', two: '2', three: '3', four: '4', five: '5', six: '6', seven: '7', eight: '8', nine: '9' };
const EN_WORD = '(zero|oh|one|two|three|four|five|six|seven|eight|nine)';
const EN_REPEATED = new RegExp(`(?<![a-z])(double|triple)[\\s-]+${EN_WORD}(?![a-z])`, 'gi');
const EN_DIGIT = new RegExp(`(?<![a-z])${EN_WORD}`, 'gi');

/**
 * The text with digits made plain: NFKC (full-width → ASCII), Chinese numerals and English digit words
 * ("double five" included) → 0-9, grouping between digits removed.
 */
export function digitsOf(text: string): string {
  return text
    .normalize('NFKC')
    .replace(CHINESE_DIGIT, (c) => CHINESE_DIGITS[c] ?? c)
    .replace(EN_REPEATED, (_m, times: string, w: string) => (EN_DIGIT_WORDS[w.toLowerCase()] ?? '').repeat(times.toLowerCase() === 'double' ? 2 : 3))
    .replace(EN_DIGIT, (w: string) => EN_DIGIT_WORDS[w.toLowerCase()] ?? w)
    .replace(GROUPING, '');
}

/** Rule 1: does the text carry something shaped like an identifying number? */
export function hasIdNumberShape(text: string): boolean {
  const plain = digitsOf(text);
  return ID_SHAPES.some((re) => re.test(plain));
}

export class SpeechGuard {
  constructor(private readonly secrets: SecretSource) {}

  check(u: Utterance): GuardVerdict {
    if (hasIdNumberShape(u.text)) return { ok: false, reason: 'id-number-shape' };
    const allow = u.allow ?? [];
    // The text as written and with its digits made plain (a number read out in Chinese numerals).
    const forms = [u.text, digitsOf(u.text)];
    if (forms.some((t) => this.secrets.revealsSecret(t, allow))) return { ok: false, reason: 'secret' };
    const extra = (u.secrets ?? []).map(fold).filter((s) => s.length >= 2);
    if (extra.length > 0) {
      const allowed = new Set(allow.map(fold));
      const folded = forms.map(fold);
      if (extra.some((s) => !allowed.has(s) && folded.some((t) => t.includes(s)))) return { ok: false, reason: 'secret' };
    }
    return { ok: true };
  }
}

export type GuardedOutcome = SpeakOutcome | 'refused';

/**
 * The only way the voice guide reaches an engine: each utterance is checked first, and a refused one
 * never reaches the engine.
 */
export class GuardedSpeech {
  constructor(
    readonly engine: TextToSpeech,
    readonly guard: SpeechGuard,
    private readonly onRefused: (reason: GuardReason) => void = () => undefined,
  ) {}

  async speak(u: Utterance, opts: SpeakOptions, signal?: AbortSignal): Promise<GuardedOutcome> {
    const verdict = this.guard.check(u);
    if (!verdict.ok) {
      this.onRefused(verdict.reason);
      return 'refused';
    }
    return this.engine.speak(u.text, opts, signal);
  }
}
