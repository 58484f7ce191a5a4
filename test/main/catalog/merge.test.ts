import { describe, expect } from 'vitest';
import { fc, test } from '@fast-check/vitest';
import { Field, mergeFields, mergeMaterials, mergeCommitments, type MemberForm } from '../../../main/catalog/index.js';

const KEYS = ['name', 'phone', 'birthDate', 'address', 'bank', 'relation'] as const;
const KINDS = ['text', 'chinese', 'digits', 'phone', 'date'] as const;

/** A definition of a key: the variant number decides kind and label, so equal variants are equal fields. */
const fieldOf = (key: string, variant: number, required: boolean): Field =>
  Field.parse({
    key,
    label: { 'zh-CN': `标签${key}${variant % 2}`, en: `Label ${key} ${variant % 2}` },
    kind: KINDS[Math.floor(variant / 2) % KINDS.length],
    required,
  });

/** Members as lists of (key, variant, required) without duplicate keys inside one member. */
const membersArb = fc.array(
  fc.uniqueArray(fc.record({ key: fc.constantFrom(...KEYS), variant: fc.integer({ min: 0, max: 3 }), required: fc.boolean() }), { selector: (f) => f.key, maxLength: KEYS.length }),
  { minLength: 2, maxLength: 5 },
);

function build(spec: { key: string; variant: number; required: boolean }[][]): MemberForm[] {
  return spec.map((fields, i) => ({
    code: `M-${i}`,
    name: { 'zh-CN': `事项${i}`, en: `Matter ${i}` },
    fields: fields.map((f) => fieldOf(f.key, f.variant, f.required)),
    materials: [],
  }));
}

describe('merged form of a bundle (property)', () => {
  test.prop([membersArb])('every member field appears exactly once, or the first conflict is reported', (spec) => {
    const members = build(spec);
    const r = mergeFields(members);
    // Oracle: the definitions a key gets across members (kind and label come from the variant).
    const variants = new Map<string, Set<number>>();
    for (const m of spec) for (const f of m) variants.set(f.key, (variants.get(f.key) ?? new Set()).add(f.variant));
    const conflicting = [...variants].filter(([, v]) => v.size > 1).map(([k]) => k);
    if (conflicting.length === 0) {
      expect(r.ok).toBe(true);
      if (!r.ok) return;
      const keys = r.value.map((f) => f.key);
      expect(new Set(keys).size).toBe(keys.length);
      expect(new Set(keys)).toEqual(new Set(variants.keys()));
      for (const f of r.value) {
        const users = spec.map((m, i) => ({ i, f: m.find((x) => x.key === f.key) })).filter((x) => x.f !== undefined);
        expect(f.members).toEqual(users.map((u) => `M-${u.i}`));
        expect(f.required).toBe(users.some((u) => u.f?.required));
      }
      // Order: a key sits where it was first asked.
      const firstSeen: string[] = [];
      for (const m of spec) for (const f of m) if (!firstSeen.includes(f.key)) firstSeen.push(f.key);
      expect(keys).toEqual(firstSeen);
    } else {
      expect(r.ok).toBe(false);
      if (r.ok) return;
      const c = r.conflict;
      expect(conflicting).toContain(c.key);
      expect(['kind', 'label']).toContain(c.aspect);
      const a = members[c.first.member]?.fields[c.first.index];
      const b = members[c.second.member]?.fields[c.second.index];
      expect(a?.key).toBe(c.key);
      expect(b?.key).toBe(c.key);
      expect(c.first.member).toBeLessThan(c.second.member);
      if (c.aspect === 'kind') expect(a?.kind).not.toBe(b?.kind);
      else expect(a?.label).not.toEqual(b?.label);
    }
  });

  test.prop([membersArb])('merging is stable: merging the merged form again as one member changes nothing', (spec) => {
    const r = mergeFields(build(spec));
    fc.pre(r.ok);
    if (!r.ok) return;
    const again = mergeFields([{ code: 'X', name: { 'zh-CN': 'x', en: 'x' }, fields: r.value, materials: [] }]);
    expect(again.ok && again.value.map(({ members: _m, ...f }) => f)).toEqual(r.value.map(({ members: _m, ...f }) => f));
  });
});

describe('merged form: the other rules', () => {
  const base = (fields: Field[]): MemberForm => ({ code: 'A', name: { 'zh-CN': '甲', en: 'A' }, fields, materials: [] });

  test('lengths narrow to what both members allow; lengths that cannot both hold conflict', () => {
    const a = Field.parse({ key: 'acct', label: { 'zh-CN': '账号', en: 'Account' }, kind: 'digits', minLength: 10, maxLength: 19 });
    const b = Field.parse({ key: 'acct', label: { 'zh-CN': '账号', en: 'Account' }, kind: 'digits', minLength: 12 });
    const r = mergeFields([base([a]), { ...base([b]), code: 'B' }]);
    expect(r.ok && r.value[0]).toMatchObject({ minLength: 12, maxLength: 19, members: ['A', 'B'] });
    const c = Field.parse({ key: 'acct', label: { 'zh-CN': '账号', en: 'Account' }, kind: 'digits', minLength: 20 });
    const bad = mergeFields([base([a]), { ...base([c]), code: 'C' }]);
    expect(!bad.ok && bad.conflict.aspect).toBe('length');
  });

  test('choice options must agree', () => {
    const opt = (v: string[]) => Field.parse({ key: 'sex', label: { 'zh-CN': '性别', en: 'Sex' }, kind: 'choice', options: v.map((x) => ({ value: x, label: { 'zh-CN': x, en: x } })) });
    expect(mergeFields([base([opt(['m', 'f'])]), base([opt(['f', 'm'])])]).ok).toBe(true);
    const r = mergeFields([base([opt(['m', 'f'])]), base([opt(['m', 'f', 'x'])])]);
    expect(!r.ok && r.conflict.aspect).toBe('options');
  });

  test('materials merge by key; a different way to accept it is a conflict', () => {
    const mat = (scan: boolean) => ({ key: 'cert', name: { 'zh-CN': '证明', en: 'Proof' }, required: true, accepts: { eCertificate: { type: 'x' }, ...(scan ? { scan: { maxPages: 2 } } : {}) } });
    const ok = mergeMaterials([{ ...base([]), materials: [mat(true)] }, { ...base([]), code: 'B', materials: [mat(true)] }]);
    expect(ok.ok && ok.value).toHaveLength(1);
    const bad = mergeMaterials([{ ...base([]), materials: [mat(true)] }, { ...base([]), code: 'B', materials: [mat(false)] }]);
    expect(!bad.ok && bad.conflict).toMatchObject({ what: 'material', key: 'cert', aspect: 'accepts' });
  });

  test('commitments join under their matters’ names', () => {
    const c = (zh: string, required: boolean) => ({ text: { 'zh-CN': zh, en: zh }, required });
    const merged = mergeCommitments([
      { ...base([]), commitment: c('承诺一', false) },
      { ...base([]), code: 'B', name: { 'zh-CN': '乙', en: 'B' }, commitment: c('承诺二', true) },
      { ...base([]), code: 'C' },
    ]);
    expect(merged?.text['zh-CN']).toBe('【甲】\n承诺一\n\n【乙】\n承诺二');
    expect(merged?.required).toBe(true);
    expect(mergeCommitments([base([])])).toBeNull();
  });
});
