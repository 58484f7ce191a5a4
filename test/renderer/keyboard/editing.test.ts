import { fc, test as prop } from '@fast-check/vitest';
import { describe, expect, it } from 'vitest';
import {
  CANDIDATES_PER_PAGE,
  KEY,
  candidatePage,
  chooseCandidate,
  formatDateDigits,
  initialEdit,
  pressKey,
  turnPage,
  type EditState,
  type KeyboardKind,
} from '../../../renderer/src/keyboard/editing.js';
import { candidatesOf, isSyllablePrefix } from '../../../renderer/src/keyboard/pinyin.js';

const type = (kind: KeyboardKind, keys: string[], start = '', max?: number): EditState =>
  keys.reduce((s, k) => pressKey(kind, s, k, max), initialEdit(start, kind));

const anyKey = fc.oneof(
  fc.constantFrom(...Object.values(KEY)),
  fc.constantFrom(...'0123456789-.abcxyzABC'.split('')),
  fc.string({ maxLength: 3 }),
);

describe('digit, phone and date pads', () => {
  it('digits take digits only and respect the maximum length', () => {
    expect(type('digits', ['1', 'a', '2', '-', '3'], '', 2).value).toBe('12');
    expect(type('digits', ['1', '2', KEY.backspace]).value).toBe('1');
    expect(type('digits', ['1', '2', KEY.clear]).value).toBe('');
  });

  it('a phone number takes digits and the dash of a landline', () => {
    expect(type('phone', '0951-1234567'.split('')).value).toBe('0951-1234567');
    expect(type('phone', ['1', 'x', ' ', '3']).value).toBe('13');
  });

  it('a date gets its dashes as the citizen types year, month and day', () => {
    expect(type('date', '19900101'.split('')).value).toBe('1990-01-01');
    expect(type('date', '199001019'.split('')).value).toBe('1990-01-01');
    expect(type('date', [...'199001'.split(''), KEY.backspace]).value).toBe('1990-0');
    expect(type('date', [...'19901'.split(''), KEY.backspace]).value).toBe('1990');
    expect(formatDateDigits('2024')).toBe('2024');
  });

  prop.prop([fc.constantFrom<KeyboardKind>('digits', 'phone', 'date'), fc.array(anyKey, { maxLength: 40 }), fc.integer({ min: 1, max: 30 })])(
    'pads only ever hold what their kind allows, within the length',
    (kind, keys, max) => {
      const v = type(kind, keys, '', max).value;
      if (kind === 'digits') expect(v).toMatch(/^[0-9]*$/);
      if (kind === 'phone') expect(v).toMatch(/^[0-9-]*$/);
      if (kind === 'date') expect(v).toMatch(/^(\d{0,4}|\d{4}-\d{1,2}|\d{4}-\d{2}-\d{1,2})$/);
      expect(v.length).toBeLessThanOrEqual(kind === 'date' ? 10 : max);
    },
  );
});

describe('pinyin keyboard', () => {
  it('letters compose pinyin outside the field; a candidate commits the character', () => {
    let s = type('chinese', ['z', 'h', 'a', 'n', 'g']);
    expect(s.value).toBe('');
    expect(s.composing).toBe('zhang');
    expect(candidatePage(s).items).toContain('张');
    s = chooseCandidate(s, '张');
    expect(s).toMatchObject({ value: '张', composing: '' });
    s = ['x', 'i', 'a', 'o'].reduce((a, k) => pressKey('chinese', a, k), s);
    s = chooseCandidate(s, '晓');
    expect(s.value).toBe('张晓');
  });

  it('space commits the first candidate, backspace edits the pinyin before the field', () => {
    let s = type('chinese', ['n', 'i', 'n', 'g']);
    s = pressKey('chinese', s, KEY.backspace);
    expect(s).toMatchObject({ composing: 'nin', value: '' });
    s = pressKey('chinese', s, 'g');
    s = pressKey('chinese', s, KEY.space);
    expect(s.value).toBe(candidatesOf('ning')[0]);
    s = pressKey('chinese', s, KEY.backspace);
    expect(s.value).toBe('');
  });

  it('digits go straight into the field (house numbers), and ABC mode types letters', () => {
    let s = type('chinese', ['1', '0', '2']);
    expect(s.value).toBe('102');
    s = pressKey('chinese', s, KEY.mode);
    expect(s.mode).toBe('abc');
    s = ['A', 'b'].reduce((a, k) => pressKey('chinese', a, k), s);
    s = pressKey('chinese', s, KEY.shift);
    s = pressKey('chinese', s, 'c');
    expect(s.value).toBe('102AbC');
  });

  it('switching to ABC keeps the pinyin typed so far as letters', () => {
    const s = pressKey('chinese', type('chinese', ['m', 'a']), KEY.mode);
    expect(s).toMatchObject({ value: 'ma', composing: '', mode: 'abc' });
  });

  it('a rare character is deleted with one key press', () => {
    expect(pressKey('chinese', initialEdit('刘䶮', 'chinese'), KEY.backspace).value).toBe('刘');
    expect(pressKey('text', initialEdit('a𠮷', 'text'), KEY.backspace).value).toBe('a');
  });

  it('a candidate that would pass the maximum length keeps the pinyin', () => {
    const s = type('chinese', ['l', 'i'], '王', 1);
    expect(chooseCandidate(s, '李', 1)).toMatchObject({ value: '王', composing: 'li' });
  });

  it('candidates come in pages', () => {
    const s = type('chinese', ['y', 'i']);
    const first = candidatePage(s);
    expect(first.items).toHaveLength(CANDIDATES_PER_PAGE);
    expect(first.pages).toBeGreaterThan(1);
    const second = candidatePage(turnPage(s, 1));
    expect(second.page).toBe(1);
    expect(second.items[0]).toBe(candidatesOf('yi')[CANDIDATES_PER_PAGE]);
    expect(candidatePage(turnPage(s, -1)).page).toBe(0);
  });

  it('the layout covers the syllables of common Ningxia names', () => {
    for (const [py, ch] of [['zhang', '张'], ['xiao', '晓'], ['ning', '宁'], ['ma', '马'], ['xiu', '秀'], ['lan', '兰'], ['lv', '吕']] as const) {
      expect(candidatesOf(py)).toContain(ch);
    }
    expect(isSyllablePrefix('zhu')).toBe(true);
    expect(isSyllablePrefix('qx')).toBe(false);
  });

  prop.prop([fc.array(anyKey, { maxLength: 60 }), fc.integer({ min: 1, max: 20 })])('the field never holds more than its maximum, nor pinyin longer than a syllable', (keys, max) => {
    const s = type('chinese', keys, '', max);
    expect([...s.value].length).toBeLessThanOrEqual(max);
    expect(s.composing).toMatch(/^[a-z]{0,6}$/);
  });
});
