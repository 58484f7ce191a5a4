import type { Commitment, Field, LocalText, Material, Name } from './schema.js';

/**
 * The merged form and materials of a bundle (一件事): one field per key, one material per key.
 * Pure. A field that several members share is asked once; it is required when any member requires
 * it. Two members that define the same key differently (kind, label, options, pattern, pre-fill
 * source, or lengths that cannot both hold) are a catalog error: the bundle cannot be one form.
 */

export interface MemberForm {
  /** The member's 实施编码. */
  code: string;
  name: Name;
  fields: readonly Field[];
  materials: readonly Material[];
  commitment?: Commitment | undefined;
}

/** A field of an application, with the member matters that ask for it (a single matter: itself). */
export type AppField = Field & { members: string[] };
export type AppMaterial = Material & { members: string[] };

export type FieldAspect = 'kind' | 'label' | 'options' | 'pattern' | 'prefill' | 'length';
export type MaterialAspect = 'name' | 'accepts';

export interface MergeConflict {
  what: 'field' | 'material';
  key: string;
  aspect: FieldAspect | MaterialAspect;
  /** Where the key was first defined and where it conflicts: member index and index in its fields/materials. */
  first: { member: number; index: number };
  second: { member: number; index: number };
}

export type MergeResult<T> = { ok: true; value: T } | { ok: false; conflict: MergeConflict };

const sameText = (a: LocalText | undefined, b: LocalText | undefined): boolean =>
  a === b || (a !== undefined && b !== undefined && a['zh-CN'] === b['zh-CN'] && a.en === b.en);

function sameOptions(a: Field['options'], b: Field['options']): boolean {
  if (a === undefined || b === undefined) return a === b;
  if (a.length !== b.length) return false;
  const byValue = new Map(a.map((o) => [o.value, o.label]));
  return b.every((o) => {
    const label = byValue.get(o.value);
    return label !== undefined && sameText(label, o.label);
  });
}

function fieldConflict(a: Field, b: Field): FieldAspect | null {
  if (a.kind !== b.kind) return 'kind';
  if (!sameText(a.label, b.label)) return 'label';
  if (!sameOptions(a.options, b.options)) return 'options';
  if (a.pattern !== b.pattern) return 'pattern';
  if (a.prefill !== b.prefill) return 'prefill';
  const min = Math.max(a.minLength ?? 0, b.minLength ?? 0);
  const max = Math.min(a.maxLength ?? Infinity, b.maxLength ?? Infinity);
  if (min > max) return 'length';
  return null;
}

/** Both constraints hold: the larger minimum, the smaller maximum; required if either requires. */
function narrow(a: AppField, b: Field, member: string): AppField {
  const minLength = a.minLength === undefined ? b.minLength : b.minLength === undefined ? a.minLength : Math.max(a.minLength, b.minLength);
  const maxLength = a.maxLength === undefined ? b.maxLength : b.maxLength === undefined ? a.maxLength : Math.min(a.maxLength, b.maxLength);
  const out: AppField = { ...a, required: a.required || b.required, members: [...a.members, member] };
  if (minLength !== undefined) out.minLength = minLength;
  if (maxLength !== undefined) out.maxLength = maxLength;
  if (out.help === undefined && b.help !== undefined) out.help = b.help;
  if (out.patternHint === undefined && b.patternHint !== undefined) out.patternHint = b.patternHint;
  return out;
}

/** One field per key, in the order first asked (members in bundle order). */
export function mergeFields(members: readonly MemberForm[]): MergeResult<AppField[]> {
  const out: AppField[] = [];
  const at = new Map<string, { pos: number; member: number; index: number }>();
  for (let m = 0; m < members.length; m++) {
    const member = members[m] as MemberForm;
    for (let i = 0; i < member.fields.length; i++) {
      const f = member.fields[i] as Field;
      const seen = at.get(f.key);
      if (seen === undefined) {
        at.set(f.key, { pos: out.length, member: m, index: i });
        out.push({ ...f, members: [member.code] });
        continue;
      }
      const merged = out[seen.pos] as AppField;
      const aspect = fieldConflict(merged, f);
      if (aspect !== null) {
        return { ok: false, conflict: { what: 'field', key: f.key, aspect, first: { member: seen.member, index: seen.index }, second: { member: m, index: i } } };
      }
      out[seen.pos] = narrow(merged, f, member.code);
    }
  }
  return { ok: true, value: out };
}

function sameAccepts(a: Material['accepts'], b: Material['accepts']): boolean {
  return (
    a.eCertificate?.type === b.eCertificate?.type &&
    (a.scan === undefined) === (b.scan === undefined) &&
    (a.scan?.maxPages ?? 0) === (b.scan?.maxPages ?? 0) &&
    (a.commitment ?? false) === (b.commitment ?? false)
  );
}

/** One material per key (the same proof serves every member that needs it). */
export function mergeMaterials(members: readonly MemberForm[]): MergeResult<AppMaterial[]> {
  const out: AppMaterial[] = [];
  const at = new Map<string, { pos: number; member: number; index: number }>();
  for (let m = 0; m < members.length; m++) {
    const member = members[m] as MemberForm;
    for (let i = 0; i < member.materials.length; i++) {
      const mat = member.materials[i] as Material;
      const seen = at.get(mat.key);
      if (seen === undefined) {
        at.set(mat.key, { pos: out.length, member: m, index: i });
        out.push({ ...mat, members: [member.code] });
        continue;
      }
      const merged = out[seen.pos] as AppMaterial;
      const aspect: MaterialAspect | null = !sameText(merged.name, mat.name) ? 'name' : !sameAccepts(merged.accepts, mat.accepts) ? 'accepts' : null;
      if (aspect !== null) {
        return { ok: false, conflict: { what: 'material', key: mat.key, aspect, first: { member: seen.member, index: seen.index }, second: { member: m, index: i } } };
      }
      const next: AppMaterial = { ...merged, required: merged.required || mat.required, members: [...merged.members, member.code] };
      if (next.note === undefined && mat.note !== undefined) next.note = mat.note;
      out[seen.pos] = next;
    }
  }
  return { ok: true, value: out };
}

/** The members' commitments as one text (each under its matter's name); required when any member requires it. */
export function mergeCommitments(members: readonly MemberForm[]): Commitment | null {
  const withText = members.filter((m): m is MemberForm & { commitment: Commitment } => m.commitment !== undefined);
  if (withText.length === 0) return null;
  const first = withText[0] as MemberForm & { commitment: Commitment };
  if (withText.length === 1) return { ...first.commitment };
  const join = (lang: 'zh-CN' | 'en'): string => withText.map((m) => `${lang === 'zh-CN' ? '【' : '['}${m.name[lang]}${lang === 'zh-CN' ? '】' : ']'}\n${m.commitment.text[lang]}`).join('\n\n');
  return { text: { 'zh-CN': join('zh-CN'), en: join('en') }, required: withText.some((m) => m.commitment.required) };
}
