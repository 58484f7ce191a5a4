import { describe, expect } from 'vitest';
import { fc, test } from '@fast-check/vitest';
import { Field } from '../../../main/catalog/index.js';
import { fieldSchema, isCalendarDate, normaliseValue, validateField, validateForm } from '../../../main/workflows/form-validation.js';

const field = (f: Record<string, unknown>): Field => Field.parse({ key: 'x', label: { 'zh-CN': '姓名', en: 'Name' }, kind: 'text', ...f });
const code = (f: Field, v: string) => validateField(f, v)?.code ?? null;

describe('form validation derived from the field definitions', () => {
  test('required fields say so in both languages; optional empty fields are fine', () => {
    expect(validateField(field({}), '')).toEqual({ code: 'required', message: { 'zh-CN': '请填写姓名', en: 'Please fill in: Name' } });
    expect(validateField(field({}), '   ')?.code).toBe('required');
    expect(validateField(field({ required: false }), '')).toBeNull();
    const choice = field({ kind: 'choice', options: [{ value: 'a', label: { 'zh-CN': '甲', en: 'A' } }, { value: 'b', label: { 'zh-CN': '乙', en: 'B' } }] });
    expect(validateField(choice, '')?.message['zh-CN']).toBe('请选择姓名');
  });

  test('each kind', () => {
    expect(code(field({ kind: 'chinese' }), '马秀兰')).toBeNull();
    expect(code(field({ kind: 'chinese' }), '阿依古丽·买买提')).toBeNull();
    expect(code(field({ kind: 'chinese' }), '刘䶮')).toBeNull();
    expect(code(field({ kind: 'chinese' }), '幸福巷十八号三单元二〇一室')).toBeNull();
    expect(code(field({ kind: 'chinese' }), 'Zhang San')).toBe('chinese');
    expect(code(field({ kind: 'chinese' }), '123')).toBe('chinese');
    expect(code(field({ kind: 'digits' }), '0123')).toBeNull();
    expect(code(field({ kind: 'digits' }), '12a')).toBe('digits');
    expect(code(field({ kind: 'phone' }), '13900000000')).toBeNull();
    expect(code(field({ kind: 'phone' }), '0951-6012345')).toBeNull();
    expect(code(field({ kind: 'phone' }), '12900000000')).toBe('phone');
    expect(code(field({ kind: 'phone' }), '1390000000')).toBe('phone');
    expect(code(field({ kind: 'date' }), '2024-02-29')).toBeNull();
    expect(code(field({ kind: 'date' }), '2023-02-29')).toBe('date');
    expect(code(field({ kind: 'date' }), '2024-2-9')).toBe('date');
    expect(code(field({ kind: 'yesno' }), 'yes')).toBeNull();
    expect(code(field({ kind: 'yesno' }), 'maybe')).toBe('yesno');
    const choice = field({ kind: 'choice', options: [{ value: 'a', label: { 'zh-CN': '甲', en: 'A' } }, { value: 'b', label: { 'zh-CN': '乙', en: 'B' } }] });
    expect(code(choice, 'b')).toBeNull();
    expect(code(choice, 'c')).toBe('choice');
    expect(code(field({}), 'a\u200bb')).toBe('text');
    expect(code(field({}), 'line\nbreak')).toBe('text');
  });

  test('lengths count characters, not UTF-16 units; the pattern must match the whole value and says its own hint', () => {
    const f = field({ kind: 'chinese', maxLength: 2 });
    expect(code(f, '𠀀𠀀')).toBeNull(); // two characters outside the BMP
    expect(validateField(f, '张晓宁')).toEqual({ code: 'too-long', message: { 'zh-CN': '姓名最多2个字', en: 'Name: at most 2 characters' } });
    expect(code(field({ kind: 'digits', minLength: 12 }), '123')).toBe('too-short');
    const year = field({ kind: 'digits', pattern: '20[0-9]{2}', patternHint: { 'zh-CN': '四位年份', en: 'Four digits' } });
    expect(code(year, '2024')).toBeNull();
    expect(validateField(year, '12024')?.message).toEqual({ 'zh-CN': '四位年份', en: 'Four digits' });
    // Alternation in a pattern is anchored as a whole.
    expect(code(field({ pattern: 'a|b' }), 'ab')).toBe('pattern');
  });

  test('full-width digits and dashes from a Chinese keyboard are folded for numeric kinds', () => {
    expect(normaliseValue(field({ kind: 'phone' }), '０９５１－６０１２３４５')).toBe('0951-6012345');
    expect(code(field({ kind: 'phone' }), '１３９ ００００ ００００')).toBeNull();
    expect(normaliseValue(field({ kind: 'chinese' }), ' 张三 ')).toBe('张三');
  });

  test('one schema per field definition, built once; another definition of the same key is its own', () => {
    const short = field({ maxLength: 3 });
    expect(fieldSchema(short)).toBe(fieldSchema(short));
    expect(code(short, 'abcd')).toBe('too-long');
    expect(code(short, 'abcd')).toBe('too-long');
    const long = field({ maxLength: 10 });
    expect(fieldSchema(long)).not.toBe(fieldSchema(short));
    expect(code(long, 'abcd')).toBeNull();
    expect(code(short, 'abc')).toBeNull();
  });

  test('validateForm reports every field by key', () => {
    const fields = [field({ key: 'a' }), field({ key: 'b', kind: 'digits' })];
    const r = validateForm(fields, { a: 'ok', b: 'x' });
    expect(r.a).toBeNull();
    expect(r.b?.code).toBe('digits');
  });

  test.prop([fc.string({ maxLength: 60 }), fc.constantFrom('text', 'chinese', 'digits', 'phone', 'date', 'yesno')])(
    'any input gives either valid or one known error with words in both languages, never a throw',
    (value, kind) => {
      const r = validateField(field({ kind }), value);
      if (r !== null) {
        expect(['required', 'too-short', 'too-long', 'pattern', 'chinese', 'digits', 'phone', 'date', 'choice', 'yesno', 'text']).toContain(r.code);
        expect(r.message['zh-CN'].length).toBeGreaterThan(0);
        expect(r.message.en.length).toBeGreaterThan(0);
      }
    },
  );

  test.prop([fc.date({ min: new Date('1900-01-01T00:00:00Z'), max: new Date('2100-12-31T00:00:00Z'), noInvalidDate: true })])('every real calendar date is a date', (d) => {
    expect(isCalendarDate(d.toISOString().slice(0, 10))).toBe(true);
  });
});
