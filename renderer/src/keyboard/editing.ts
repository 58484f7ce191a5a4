/**
 * What a key press on the kiosk's own keyboard does to a field's value: pure functions over a small
 * state, so the on-screen keyboard (OnScreenKeyboard.tsx) only renders keys and candidates, and the
 * rules (digits only, the date's dashes, pinyin composition, the maximum length) live in one place.
 *
 * Chinese text is typed as pinyin into a composition buffer (shown above the keys, never in the field)
 * and committed by choosing a candidate, as an input method does; the syllables and their candidates
 * come from simple-keyboard-layouts' Chinese layout (pinyin.ts).
 */
import { candidatesOf } from './pinyin.js';

/** Which keyboard a field gets (from the catalog field's kind). */
export type KeyboardKind = 'digits' | 'phone' | 'date' | 'chinese' | 'text';

export interface EditState {
  value: string;
  /** Pinyin typed but not yet committed (chinese only). */
  composing: string;
  /** chinese: letters go to the pinyin buffer ('pinyin') or straight into the field ('abc'). */
  mode: 'pinyin' | 'abc';
  /** Letters upper case (abc mode). */
  shift: boolean;
  /** Candidate page shown (0-based). */
  page: number;
}

/** Named keys of the kiosk keyboards (simple-keyboard's `{name}` convention). */
export const KEY = {
  backspace: '{bksp}',
  clear: '{clear}',
  space: '{space}',
  shift: '{shift}',
  mode: '{mode}',
} as const;

/** Candidates per page of the candidate bar. */
export const CANDIDATES_PER_PAGE = 8;
/** Longest pinyin syllable in the layout is 6 letters (zhuang, chuang, shuang). */
const MAX_COMPOSING = 6;
const DEFAULT_MAX = 200;

export function initialEdit(value: string, kind: KeyboardKind): EditState {
  return { value, composing: '', mode: kind === 'chinese' ? 'pinyin' : 'abc', shift: false, page: 0 };
}

const DIGIT = /^[0-9]$/;
const LETTER = /^[A-Za-z]$/;

/** The date as the citizen types it: digits only, dashes inserted after the year and the month (YYYY-MM-DD). */
export function formatDateDigits(digits: string): string {
  const d = digits.replace(/\D/g, '').slice(0, 8);
  if (d.length <= 4) return d;
  if (d.length <= 6) return `${d.slice(0, 4)}-${d.slice(4)}`;
  return `${d.slice(0, 4)}-${d.slice(4, 6)}-${d.slice(6)}`;
}

/** Removes the last character (a whole code point: rare characters such as 䶮 or 𠮷 are one key press). */
function dropLast(s: string): string {
  const chars = [...s];
  chars.pop();
  return chars.join('');
}

function append(state: EditState, text: string, max: number): EditState {
  if ([...state.value].length + [...text].length > max) return state;
  return { ...state, value: state.value + text };
}

/** Applies one key of the keyboard for `kind` to `state`. Unknown keys change nothing. */
export function pressKey(kind: KeyboardKind, state: EditState, key: string, maxLength = DEFAULT_MAX): EditState {
  const max = kind === 'date' ? 10 : maxLength;
  if (key === KEY.clear) return { ...state, value: '', composing: '', page: 0 };
  if (key === KEY.backspace) {
    if (state.composing) return { ...state, composing: state.composing.slice(0, -1), page: 0 };
    if (kind === 'date') return { ...state, value: formatDateDigits(state.value.replace(/\D/g, '').slice(0, -1)) };
    return { ...state, value: dropLast(state.value) };
  }
  switch (kind) {
    case 'digits':
      return DIGIT.test(key) ? append(state, key, max) : state;
    case 'phone':
      return DIGIT.test(key) || key === '-' ? append(state, key, max) : state;
    case 'date': {
      if (!DIGIT.test(key)) return state;
      const digits = state.value.replace(/\D/g, '');
      return digits.length >= 8 ? state : { ...state, value: formatDateDigits(digits + key) };
    }
    case 'chinese':
    case 'text':
      return pressTextKey(kind, state, key, max);
  }
}

function pressTextKey(kind: 'chinese' | 'text', state: EditState, key: string, max: number): EditState {
  if (key === KEY.mode) {
    if (kind !== 'chinese') return state;
    // Switching to ABC keeps what was typed as letters rather than losing it.
    const flushed = state.composing ? append({ ...state, composing: '' }, state.composing, max) : state;
    return { ...flushed, mode: state.mode === 'pinyin' ? 'abc' : 'pinyin', shift: false, page: 0 };
  }
  if (key === KEY.shift) return state.mode === 'abc' ? { ...state, shift: !state.shift } : state;
  const pinyin = kind === 'chinese' && state.mode === 'pinyin';
  if (key === KEY.space) {
    if (pinyin && state.composing) {
      const first = candidatesOf(state.composing)[0];
      return first ? chooseCandidate(state, first, max) : state;
    }
    return state.value === '' || state.value.endsWith(' ') ? state : append(state, ' ', max);
  }
  if (LETTER.test(key)) {
    if (pinyin) {
      if (state.composing.length >= MAX_COMPOSING) return state;
      return { ...state, composing: state.composing + key.toLowerCase(), page: 0 };
    }
    return append(state, state.shift ? key.toUpperCase() : key, max);
  }
  // Digits and punctuation go straight into the field (an address has numbers; pinyin waits in the buffer).
  if ([...key].length === 1) return append(state, key, max);
  return state;
}

/** Commits a candidate character (or word) for the pinyin being composed. */
export function chooseCandidate(state: EditState, candidate: string, maxLength = DEFAULT_MAX): EditState {
  const next = append({ ...state, composing: '', page: 0 }, candidate, maxLength);
  // Too long: keep the composition so nothing the citizen typed silently vanishes.
  return next.value === state.value ? state : next;
}

/** The candidates of the current composition, one page of them, and whether there are more pages. */
export function candidatePage(state: EditState): { items: string[]; page: number; pages: number } {
  const all = state.composing ? candidatesOf(state.composing) : [];
  const pages = Math.max(1, Math.ceil(all.length / CANDIDATES_PER_PAGE));
  const page = Math.min(Math.max(0, state.page), pages - 1);
  return { items: all.slice(page * CANDIDATES_PER_PAGE, (page + 1) * CANDIDATES_PER_PAGE), page, pages };
}

export function turnPage(state: EditState, delta: 1 | -1): EditState {
  const { page, pages } = candidatePage(state);
  return { ...state, page: Math.min(Math.max(0, page + delta), pages - 1) };
}
