/**
 * Option descriptors and option values on the wire (sanei_w_option_descriptor, w_option_value). Pure.
 *
 * Descriptor: name, title, desc (strings); type, unit, size, cap, constraint_type (words); then the
 * constraint: RANGE = pointer to {min, max, quant}; WORD_LIST = word array whose element 0 is the count;
 * STRING_LIST = string array ending with a NULL string. Numbers stay raw words here (FIXED = ×65536);
 * `settings.ts` turns them into resolutions and millimetres.
 */
import { CAP, CONSTRAINT, UNIT_NAMES, VALUE_TYPE, VALUE_TYPE_NAMES, type UnitName, type ValueTypeName } from './constants.js';
import { MAX_STRING_BYTES, SaneProtocolError, latin1Bytes, type WireReader, type WireWriter } from './wire.js';

export type Constraint =
  | { type: 'none' }
  | { type: 'range'; min: number; max: number; quant: number }
  | { type: 'word-list'; words: number[] }
  | { type: 'string-list'; strings: string[] };

export interface OptionDescriptor {
  name: string;
  title: string;
  desc: string;
  type: ValueTypeName;
  unit: UnitName;
  /** Bytes of the value: 4 per word for BOOL/INT/FIXED, the buffer size (with NUL) for STRING. */
  size: number;
  cap: number;
  constraint: Constraint;
}

/** The value of an option as it travels: raw words (BOOL/INT/FIXED), a string, or nothing (BUTTON/GROUP). */
export type OptionValue = number[] | string | null;

export function isActive(d: OptionDescriptor): boolean {
  return (d.cap & CAP.INACTIVE) === 0;
}
export function isSettable(d: OptionDescriptor): boolean {
  return (d.cap & CAP.SOFT_SELECT) !== 0;
}

const CONSTRAINT_COUNT = 4;

export function readDescriptor(r: WireReader): OptionDescriptor {
  const name = r.string('option name') ?? '';
  const title = r.string('option title') ?? '';
  const desc = r.string('option description') ?? '';
  const type = VALUE_TYPE_NAMES[r.enumWord('option type', VALUE_TYPE_NAMES.length)] as ValueTypeName;
  const unit = UNIT_NAMES[r.enumWord('option unit', UNIT_NAMES.length)] as UnitName;
  const size = r.word();
  if (size < 0 || size > MAX_STRING_BYTES * 4) throw new SaneProtocolError('length', `option "${name}": size ${size} out of range`);
  const cap = r.word();
  const ct = r.enumWord(`option "${name}" constraint type`, CONSTRAINT_COUNT);
  let constraint: Constraint;
  switch (ct) {
    case CONSTRAINT.RANGE: {
      const range = r.pointer('range', () => ({ min: r.word(), max: r.word(), quant: r.word() }));
      constraint = range === null ? { type: 'none' } : { type: 'range', ...range };
      break;
    }
    case CONSTRAINT.WORD_LIST: {
      const words = r.array('word list', () => r.word());
      if (words.length === 0) {
        constraint = { type: 'word-list', words: [] };
        break;
      }
      const count = words[0] as number;
      if (count !== words.length - 1) throw new SaneProtocolError('value', `option "${name}": word list says ${count} entries but carries ${words.length - 1}`);
      constraint = { type: 'word-list', words: words.slice(1) };
      break;
    }
    case CONSTRAINT.STRING_LIST: {
      const all = r.array('string list', () => r.string('string list entry'));
      const end = all.indexOf(null);
      constraint = { type: 'string-list', strings: (end < 0 ? all : all.slice(0, end)) as string[] };
      break;
    }
    default:
      constraint = { type: 'none' };
  }
  return { name, title, desc, type, unit, size, cap, constraint };
}

export function writeDescriptor(w: WireWriter, d: OptionDescriptor): void {
  w.string(d.name, 'option name').string(d.title, 'option title').string(d.desc, 'option description');
  w.word(VALUE_TYPE_NAMES.indexOf(d.type)).word(UNIT_NAMES.indexOf(d.unit)).word(d.size).word(d.cap);
  const c = d.constraint;
  switch (c.type) {
    case 'none':
      w.word(CONSTRAINT.NONE);
      break;
    case 'range':
      w.word(CONSTRAINT.RANGE).pointer(c, (v) => w.word(v.min).word(v.max).word(v.quant));
      break;
    case 'word-list':
      w.word(CONSTRAINT.WORD_LIST).array([c.words.length, ...c.words], (v) => w.word(v));
      break;
    case 'string-list':
      w.word(CONSTRAINT.STRING_LIST).array([...c.strings, null], (v) => w.string(v, 'string list entry'));
      break;
  }
}

/** Value type number → name, or a typed error. */
export function valueTypeName(code: number, what: string): ValueTypeName {
  const n = VALUE_TYPE_NAMES[code];
  if (n === undefined) throw new SaneProtocolError('value', `${what}: undefined value type ${code}`);
  return n;
}

/** Reads an option value of `type` (the array says how long it is). */
export function readValue(r: WireReader, type: ValueTypeName): OptionValue {
  switch (type) {
    case 'bool':
    case 'int':
    case 'fixed':
      return r.array('option value', () => r.word());
    case 'string': {
      const n = r.length('string value', MAX_STRING_BYTES);
      const raw = r.bytes(n);
      const nul = raw.indexOf(0);
      return latin1.decode(nul < 0 ? raw : raw.subarray(0, nul));
    }
    case 'button':
    case 'group':
      r.length('void value'); // elements of a void array occupy no bytes
      return null;
  }
}

const latin1 = new TextDecoder('latin1');

/** Writes `value` as an option value of `type` and `size` bytes (a string is NUL-padded to `size`). */
export function writeValue(w: WireWriter, type: ValueTypeName, size: number, value: OptionValue): void {
  switch (type) {
    case 'bool':
    case 'int':
    case 'fixed': {
      if (!Array.isArray(value)) throw new SaneProtocolError('encode', `a ${type} option needs a word array`);
      w.array(value, (v) => w.word(v));
      return;
    }
    case 'string': {
      if (typeof value !== 'string') throw new SaneProtocolError('encode', 'a string option needs a string');
      const bytes = latin1Bytes(value, 'string value');
      if (bytes.length + 1 > size) throw new SaneProtocolError('encode', `string value of ${bytes.length} bytes does not fit the option's ${size}`);
      w.word(size).bytes(bytes);
      for (let i = bytes.length; i < size; i++) w.byte(0);
      return;
    }
    case 'button':
    case 'group':
      w.word(0);
      return;
  }
}

/** The value_size word for `value` when the descriptor's size is not known (words: 4 each). */
export function valueSizeOf(type: ValueTypeName, value: OptionValue, descriptorSize: number): number {
  if (type === 'string') return descriptorSize;
  if (Array.isArray(value)) return value.length * 4;
  return 0;
}

export const VALUE_TYPE_CODE: Readonly<Record<ValueTypeName, number>> = {
  bool: VALUE_TYPE.BOOL,
  int: VALUE_TYPE.INT,
  fixed: VALUE_TYPE.FIXED,
  string: VALUE_TYPE.STRING,
  button: VALUE_TYPE.BUTTON,
  group: VALUE_TYPE.GROUP,
};
