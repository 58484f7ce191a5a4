import { describe, expect, it } from 'vitest';
import { CatalogError, SAMPLE_CATALOG, filterCatalog, formatPath, loadCatalog, parseCatalog, type CatalogDocumentInput } from '../../../main/catalog/index.js';

const clone = (): CatalogDocumentInput => structuredClone(SAMPLE_CATALOG);
type Doc = { matters: Record<string, unknown>[]; bundles: Record<string, unknown>[]; [k: string]: unknown };
const mutable = (c: CatalogDocumentInput): Doc => c as unknown as Doc;

function firstIssue(raw: unknown): { path: string; message: string } {
  const r = parseCatalog(raw);
  if (r.ok) throw new Error('expected the catalog to be rejected');
  const i = r.issues[0];
  if (!i) throw new Error('rejected without an issue');
  return { path: formatPath(i.path), message: i.message };
}

const indexOf = (code: string): number => SAMPLE_CATALOG.matters.findIndex((m) => m.codes.implementation === code);

describe('the bundled sample catalog', () => {
  const loaded = loadCatalog(SAMPLE_CATALOG, 'bundled');
  const apps = [...loaded.applications.values()];

  it('has at least 12 matters and 2 bundles, all marked as sample data', () => {
    expect(apps.filter((a) => a.kind === 'matter').length).toBeGreaterThanOrEqual(12);
    expect(apps.filter((a) => a.kind === 'bundle').length).toBeGreaterThanOrEqual(2);
    expect(loaded.sample).toBe(true);
    expect(apps.every((a) => a.sample && a.code.startsWith('SAMPLE-'))).toBe(true);
  });

  it('covers what the issue asks: fee and none, commitment, materials, offline and online-only, with and without print', () => {
    expect(apps.some((a) => a.fee.kind === 'fixed')).toBe(true);
    expect(apps.some((a) => a.fee.kind === 'none')).toBe(true);
    expect(apps.some((a) => a.commitment !== null && a.kind === 'matter')).toBe(true);
    expect(apps.some((a) => a.materials.some((m) => m.accepts.eCertificate))).toBe(true);
    expect(apps.some((a) => a.materials.some((m) => m.accepts.scan && !m.accepts.eCertificate && !m.accepts.commitment))).toBe(true);
    expect(apps.some((a) => a.materials.some((m) => m.accepts.commitment))).toBe(true);
    expect(apps.some((a) => a.offline)).toBe(true);
    expect(apps.some((a) => !a.offline)).toBe(true);
    expect(apps.some((a) => !a.steps.includes('print'))).toBe(true);
    expect(apps.some((a) => a.processing.kind === 'promised')).toBe(true);
    expect(apps.some((a) => a.processing.kind === 'immediate')).toBe(true);
  });

  it('every matter and bundle ends with the rating and has its category', () => {
    const categories = new Set(loaded.categories.map((c) => c.id));
    for (const a of apps) {
      expect(a.steps.at(-1)).toBe('review');
      expect(categories.has(a.category)).toBe(true);
    }
  });

  it('merges the 新生儿出生一件事 form: shared fields asked once, each listing the members that need it', () => {
    const b = loaded.applications.get('SAMPLE-YJS-0001');
    expect(b?.kind).toBe('bundle');
    const keys = b?.fields.map((f) => f.key) ?? [];
    expect(new Set(keys).size).toBe(keys.length);
    expect(b?.fields.find((f) => f.key === 'childName')?.members).toEqual(['SAMPLE-GA-0004', 'SAMPLE-YB-0002', 'SAMPLE-SB-0005']);
    expect(b?.fields.find((f) => f.key === 'householdHead')?.members).toEqual(['SAMPLE-GA-0004']);
    expect(b?.materials.filter((m) => m.key === 'birthMedicalCert')).toHaveLength(1);
    expect(b?.members.map((m) => m.code)).toEqual(['SAMPLE-GA-0004', 'SAMPLE-YB-0002', 'SAMPLE-SB-0005']);
    expect(b?.processing).toEqual({ kind: 'promised', workingDays: 10 });
  });

  it('derives a bundle: steps in the fixed order, commitment from the member that has one, offline only if all members are', () => {
    const b = loaded.applications.get('SAMPLE-YJS-0002');
    expect(b?.steps).toEqual(['notice', 'form', 'commitment', 'materials', 'submit', 'print', 'review']);
    expect(b?.commitment?.text['zh-CN']).toContain('本人承诺');
    expect(b?.offline).toBe(true);
  });
});

describe('bad catalogs are rejected with the path to the bad value', () => {
  it('a wrong field kind', () => {
    const c = clone();
    const m = mutable(c).matters[indexOf('SAMPLE-SB-0003')] as { fields: Record<string, unknown>[] };
    (m.fields[1] as Record<string, unknown>).kind = 'dropdown';
    const i = firstIssue(c);
    expect(i.path).toBe(`matters.${indexOf('SAMPLE-SB-0003')}.fields.1.kind`);
  });

  it('an unknown key, named in the path', () => {
    const c = clone();
    (mutable(c).matters[0] as Record<string, unknown>).colour = 'red';
    expect(firstIssue(c).path).toBe('matters.0.colour');
  });

  it('a choice field without options', () => {
    const c = clone();
    const f = (mutable(c).matters[0] as { fields: Record<string, unknown>[] }).fields[0] as Record<string, unknown>;
    delete f.options;
    expect(firstIssue(c)).toEqual({ path: 'matters.0.fields.0.options', message: 'a choice field needs options' });
  });

  it('a pattern that is not a regular expression', () => {
    const c = clone();
    const f = (mutable(c).matters[1] as { fields: Record<string, unknown>[] }).fields[0] as Record<string, unknown>;
    f.pattern = '^(20';
    expect(firstIssue(c).path).toBe('matters.1.fields.0.pattern');
  });

  it('a fee step without the payment pad among the devices', () => {
    const c = clone();
    const k = indexOf('SAMPLE-SB-0003');
    (mutable(c).matters[k] as Record<string, unknown>).devices = ['receipt-printer'];
    const i = firstIssue(c);
    expect(i.path).toBe(`matters.${k}.devices`);
    expect(i.message).toContain('payment');
  });

  it('a matter without the rating at the end', () => {
    const c = clone();
    (mutable(c).matters[0] as Record<string, unknown>).steps = ['notice', 'form', 'submit', 'print'];
    expect(firstIssue(c)).toMatchObject({ path: 'matters.0.steps' });
  });

  it('a print step before the submission', () => {
    const c = clone();
    (mutable(c).matters[0] as Record<string, unknown>).steps = ['notice', 'form', 'print', 'submit', 'review'];
    expect(firstIssue(c).path).toBe('matters.0.steps.2');
  });

  it('a material replaced by the commitment in a matter without a commitment text', () => {
    const c = clone();
    const k = indexOf('SAMPLE-GA-0002');
    const m = mutable(c).matters[k] as Record<string, unknown>;
    delete m.commitment;
    m.steps = ['notice', 'form', 'materials', 'submit', 'print', 'review'];
    expect(firstIssue(c).path).toBe(`matters.${k}.materials.1.accepts.commitment`);
  });

  it('two matters with the same 实施编码', () => {
    const c = clone();
    const d = mutable(c);
    (d.matters[1] as { codes: { implementation: string } }).codes.implementation = SAMPLE_CATALOG.matters[0]?.codes.implementation ?? '';
    const i = firstIssue(c);
    expect(i.path).toBe('matters.1.codes.implementation');
    expect(i.message).toContain('matters.0.codes.implementation');
  });

  it('a bundle member that is not a matter of the catalog', () => {
    const c = clone();
    (mutable(c).bundles[0] as { members: string[] }).members[1] = 'NOT-THERE';
    expect(firstIssue(c).path).toBe('bundles.0.members.1');
  });

  it('a bundle whose members define a shared field differently: caught at load, with the path of the conflicting field', () => {
    const c = clone();
    const k = indexOf('SAMPLE-YB-0002');
    const fields = (mutable(c).matters[k] as { fields: Record<string, unknown>[] }).fields;
    const at = fields.findIndex((f) => f.key === 'childName');
    fields[at] = { ...fields[at], label: { 'zh-CN': '婴儿姓名', en: "Infant's name" } };
    const i = firstIssue(c);
    expect(i.path).toBe(`matters.${k}.fields.${at}.label`);
    expect(i.message).toContain('childName');
    expect(i.message).toContain('bundles.0');
    // The same matter alone is fine: the conflict is the bundle's.
    const alone = mutable(clone());
    alone.bundles = [];
    (alone.matters[k] as { fields: Record<string, unknown>[] }).fields[at] = fields[at] as Record<string, unknown>;
    expect(parseCatalog(alone).ok).toBe(true);
  });

  it('a shared field of another kind in a bundle member', () => {
    const c = clone();
    const k = indexOf('SAMPLE-SB-0004');
    const fields = (mutable(c).matters[k] as { fields: Record<string, unknown>[] }).fields;
    const at = fields.findIndex((f) => f.key === 'deathDate');
    fields[at] = { ...fields[at], kind: 'text' };
    expect(firstIssue(c).path).toBe(`matters.${k}.fields.${at}.kind`);
  });

  it('not an object at all, or another format', () => {
    expect(firstIssue('catalog').path).toBe('(root)');
    expect(firstIssue({ ...clone(), format: 2 }).path).toBe('format');
  });

  it('loadCatalog throws a CatalogError naming the source and the field', () => {
    const c = clone();
    (mutable(c).matters[0] as Record<string, unknown>).offline = 'yes';
    try {
      loadCatalog(c, 'site-catalog.json');
      expect.unreachable();
    } catch (e) {
      expect(e).toBeInstanceOf(CatalogError);
      expect((e as CatalogError).field).toBe('matters.0.offline');
      expect((e as CatalogError).message).toMatch(/^site-catalog\.json: matters\.0\.offline: /);
    }
  });
});

describe('include: a site shows its subset', () => {
  const loaded = loadCatalog(SAMPLE_CATALOG, 'bundled');

  it('by 实施编码, by 基本编码 and by category; empty categories disappear; unmatched entries are reported', () => {
    const { catalog, unmatched } = filterCatalog(loaded, ['SAMPLE-SB-0003', 'SAMPLE-GG-00401', 'one-thing', 'NO-SUCH']);
    expect([...catalog.applications.keys()]).toEqual(['SAMPLE-SB-0003', 'SAMPLE-GJJ-0001', 'SAMPLE-YJS-0001', 'SAMPLE-YJS-0002']);
    expect(catalog.categories.map((c) => c.id)).toEqual(['social-insurance', 'housing-fund', 'one-thing']);
    expect(unmatched).toEqual(['NO-SUCH']);
  });

  it('no include keeps everything', () => {
    expect(filterCatalog(loaded, undefined).catalog.applications.size).toBe(loaded.applications.size);
  });
});
