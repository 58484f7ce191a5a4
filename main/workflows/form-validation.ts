import { z } from 'zod';
import type { Field } from '../catalog/index.js';
import type { LocalText } from '../contract/index.js';

/**
 * Form validation derived from the catalog's field definitions: one zod schema per field, built
 * from its kind, required flag, lengths, options and pattern. The schema's issues carry a code;
 * the code turns into words in both languages next to the field. Pure.
 */

export type FieldErrorCode = 'required' | 'too-short' | 'too-long' | 'pattern' | 'chinese' | 'digits' | 'phone' | 'date' | 'choice' | 'yesno' | 'text';

export interface FieldError {
  code: FieldErrorCode;
  message: LocalText;
}

/** The longest value a field of each kind takes when the catalog gives no maxLength. */
export const DEFAULT_MAX_LENGTH: Record<Field['kind'], number> = { text: 200, chinese: 100, digits: 40, phone: 20, date: 10, choice: 40, yesno: 3 };

const HAN = /\p{Script=Han}/u;
/** Chinese text: Han characters, 〇, the middle dot of minority names, digits, spaces and common Chinese punctuation. */
const CHINESE = /^[\p{Script=Han}\u3007·•\s0-9（）()\-—、，,。.#号]+$/u;
const DIGITS = /^[0-9]+$/;
/** A mainland mobile number, or a landline with its area code (0951-1234567). */
const PHONE = /^(1[3-9][0-9]{9}|0[0-9]{2,3}-?[0-9]{7,8})$/;
const DATE = /^([0-9]{4})-([0-9]{2})-([0-9]{2})$/;
/** No control or invisible format characters (zero-width joiners and the like). */
const PLAIN = /^[^\p{Cc}\p{Cf}]*$/u;

export function isCalendarDate(v: string): boolean {
  const m = DATE.exec(v);
  if (!m) return false;
  const [y, mo, d] = [Number(m[1]), Number(m[2]), Number(m[3])];
  if (y < 1900 || y > 2100 || mo < 1 || mo > 12 || d < 1) return false;
  const days = new Date(Date.UTC(y, mo, 0)).getUTCDate();
  return d <= days;
}

const chars = (s: string): number => [...s].length;

const schemas = new WeakMap<Field, z.ZodType<string>>();

/**
 * The zod schema of one field's value (already trimmed). Issue messages are FieldErrorCodes. Built once per
 * field object, since the form's view validates every shown field at every push (catalog fields are parsed
 * once and never mutated; a reloaded catalog brings new objects).
 */
export function fieldSchema(field: Field): z.ZodType<string> {
  let schema = schemas.get(field);
  if (schema === undefined) {
    schema = buildFieldSchema(field);
    schemas.set(field, schema);
  }
  return schema;
}

function buildFieldSchema(field: Field): z.ZodType<string> {
  const max = field.maxLength ?? DEFAULT_MAX_LENGTH[field.kind];
  const pattern = field.pattern === undefined ? null : new RegExp(`^(?:${field.pattern})$`, 'u');
  const options = field.options?.map((o) => o.value) ?? [];
  const value = z.string().superRefine((v, ctx) => {
    const fail = (code: FieldErrorCode): void => ctx.addIssue({ code: 'custom', message: code });
    switch (field.kind) {
      case 'text':
        if (!PLAIN.test(v)) return fail('text');
        break;
      case 'chinese':
        if (!CHINESE.test(v) || !HAN.test(v)) return fail('chinese');
        break;
      case 'digits':
        if (!DIGITS.test(v)) return fail('digits');
        break;
      case 'phone':
        if (!PHONE.test(v)) return fail('phone');
        break;
      case 'date':
        if (!isCalendarDate(v)) return fail('date');
        break;
      case 'choice':
        if (!options.includes(v)) return fail('choice');
        break;
      case 'yesno':
        if (v !== 'yes' && v !== 'no') return fail('yesno');
        break;
    }
    if (field.minLength !== undefined && chars(v) < field.minLength) return fail('too-short');
    if (chars(v) > max) return fail('too-long');
    if (pattern !== null && !pattern.test(v)) return fail('pattern');
  });
  if (field.required) return z.string().min(1, { message: 'required' }).pipe(value);
  return z.union([z.literal(''), value]);
}

function messageOf(code: FieldErrorCode, field: Field): LocalText {
  const label = field.label;
  switch (code) {
    case 'required':
      return { 'zh-CN': field.kind === 'choice' || field.kind === 'yesno' ? `请选择${label['zh-CN']}` : `请填写${label['zh-CN']}`, en: `Please fill in: ${label.en}` };
    case 'too-short':
      return { 'zh-CN': `${label['zh-CN']}至少${field.minLength ?? 1}位`, en: `${label.en}: at least ${field.minLength ?? 1} characters` };
    case 'too-long': {
      const max = field.maxLength ?? DEFAULT_MAX_LENGTH[field.kind];
      return { 'zh-CN': `${label['zh-CN']}最多${max}个字`, en: `${label.en}: at most ${max} characters` };
    }
    case 'pattern':
      return field.patternHint ?? { 'zh-CN': `${label['zh-CN']}的格式不正确`, en: `${label.en}: the format is not right` };
    case 'chinese':
      return { 'zh-CN': '请用汉字填写', en: 'Please write it in Chinese characters' };
    case 'digits':
      return { 'zh-CN': '只能填写数字', en: 'Digits only' };
    case 'phone':
      return { 'zh-CN': '请输入11位手机号码，或带区号的固定电话', en: 'Enter an 11-digit mobile number, or a landline with its area code' };
    case 'date':
      return { 'zh-CN': '请输入有效日期，例如 2025-01-31', en: 'Enter a real date, e.g. 2025-01-31' };
    case 'choice':
      return { 'zh-CN': '请从选项中选择一项', en: 'Please choose one of the options' };
    case 'yesno':
      return { 'zh-CN': '请选择"是"或"否"', en: 'Please choose yes or no' };
    case 'text':
      return { 'zh-CN': '含有不能使用的字符', en: 'It contains characters that cannot be used' };
  }
}

/** Normalises what the screen sent: trimmed, full-width digits and dashes folded for numeric kinds. */
export function normaliseValue(field: Field, raw: string): string {
  const v = raw.trim();
  if (field.kind === 'digits' || field.kind === 'phone' || field.kind === 'date') {
    return v.replace(/[０-９]/g, (c) => String.fromCharCode(c.charCodeAt(0) - 0xfee0)).replace(/[－—–]/g, '-').replace(/\s+/g, '');
  }
  return v;
}

/** The first problem of a value, in words; null when it is valid. */
export function validateField(field: Field, value: string): FieldError | null {
  const r = fieldSchema(field).safeParse(normaliseValue(field, value));
  if (r.success) return null;
  const code = (r.error.issues[0]?.message ?? 'text') as FieldErrorCode;
  return { code, message: messageOf(code, field) };
}

/** Every field's problem (null = valid), by key. */
export function validateForm(fields: readonly Field[], values: Readonly<Record<string, string>>): Record<string, FieldError | null> {
  const out: Record<string, FieldError | null> = {};
  for (const f of fields) out[f.key] = validateField(f, values[f.key] ?? '');
  return out;
}

export function formIsValid(fields: readonly Field[], values: Readonly<Record<string, string>>): boolean {
  return fields.every((f) => validateField(f, values[f.key] ?? '') === null);
}
