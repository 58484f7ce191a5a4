import type { z } from 'zod';
import { mergeCommitments, mergeFields, mergeMaterials, type AppField, type AppMaterial, type MemberForm, type MergeConflict } from './merge.js';
import {
  CatalogDocument,
  STEP_KINDS,
  type Bundle,
  type Category,
  type Commitment,
  type Contact,
  type DeviceNeed,
  type Fee,
  type LocalText,
  type Matter,
  type MatterType,
  type Name,
  type Processing,
  type RatingContent,
  type StepKind,
} from './schema.js';

/**
 * Loading a catalog: the schema, then the rules that span fields, then the derived applications
 * (a matter, or a bundle with its merged form). Pure. Every problem comes with the path of the
 * offending value, e.g. `matters.3.steps: a fee step needs "payment" in devices`.
 */

export type CatalogPath = (string | number)[];

export interface CatalogIssue {
  path: CatalogPath;
  message: string;
}

/** A bad catalog: where it came from and what is wrong, with paths (never the values). */
export class CatalogError extends Error {
  override readonly name = 'CatalogError';
  constructor(
    /** A file name, 'platform', 'cache' or 'bundled'. */
    readonly source: string,
    readonly issues: readonly CatalogIssue[],
  ) {
    const first = issues[0];
    const more = issues.length > 1 ? ` (and ${issues.length - 1} more problem(s))` : '';
    super(`${source}: ${first ? `${formatPath(first.path)}: ${first.message}` : 'invalid catalog'}${more}`);
  }

  /** The path of the first problem, dotted (e.g. `matters.3.fields.1.kind`). */
  get field(): string {
    return formatPath(this.issues[0]?.path ?? []);
  }
}

export function formatPath(path: CatalogPath): string {
  return path.length === 0 ? '(root)' : path.map(String).join('.');
}

/** One thing a citizen can apply for: a matter, or a bundle (一件事) with everything derived from its members. */
export interface Application {
  kind: 'matter' | 'bundle';
  /** 实施编码: the identity in this catalog, in the matter list and in the submission's matterCode. */
  code: string;
  /** 基本编码, or null. */
  basicCode: string | null;
  sample: boolean;
  name: Name;
  category: string;
  /** 事项类型; null for a bundle (its members have theirs). */
  type: MatterType | null;
  legalBasis: LocalText;
  body: Name;
  /** A bundle: the longest member time limit (immediate only when every member is). */
  processing: Processing;
  /** A bundle: the members' fees added up. */
  fee: Fee;
  /** A bundle: only when every member may be accepted offline. */
  offline: boolean;
  devices: DeviceNeed[];
  steps: StepKind[];
  notice: LocalText | null;
  fields: AppField[];
  materials: AppMaterial[];
  commitment: Commitment | null;
  outputs: Name[];
  contact: Contact;
  /** A bundle's member matters (empty for a matter). */
  members: { code: string; name: Name; body: Name }[];
}

export interface LoadedCatalog {
  version: string;
  sample: boolean;
  categories: Category[];
  /** By 实施编码, in catalog order (matters, then bundles). */
  applications: ReadonlyMap<string, Application>;
  rating: RatingContent;
  /** The validated document (what is cached and what a site file holds). */
  document: CatalogDocument;
}

export type ParseResult = { ok: true; catalog: LoadedCatalog } | { ok: false; issues: CatalogIssue[] };

const MAX_ISSUES = 10;

function zodIssues(error: z.ZodError): CatalogIssue[] {
  return error.issues.slice(0, MAX_ISSUES).map((i) => {
    const path: CatalogPath = i.path.map((p) => (typeof p === 'symbol' ? String(p) : p));
    if (i.code === 'unrecognized_keys') path.push(i.keys.join(', '));
    return { path, message: i.message };
  });
}

const PRE_SUBMIT: ReadonlySet<StepKind> = new Set(['notice', 'form', 'commitment', 'materials', 'fee']);
const POST_SUBMIT: ReadonlySet<StepKind> = new Set(['print', 'review']);

/** Whether a required material can only come through the scanner (neither an e-certificate nor the commitment). */
function needsScanner(m: Matter['materials'][number]): boolean {
  return m.required && m.accepts.scan !== undefined && m.accepts.commitment !== true && m.accepts.eCertificate === undefined;
}

/** The rules a single matter's fields must keep together. */
function checkMatter(m: Matter, at: CatalogPath, issues: CatalogIssue[]): void {
  const add = (sub: CatalogPath, message: string): void => void issues.push({ path: [...at, ...sub], message });
  const steps = m.steps;
  const seen = new Set<StepKind>();
  steps.forEach((s, i) => {
    if (seen.has(s)) add(['steps', i], `step "${s}" appears twice`);
    seen.add(s);
  });
  const submitAt = steps.indexOf('submit');
  if (submitAt < 0) add(['steps'], 'a matter needs a "submit" step');
  if (steps.at(-1) !== 'review') add(['steps'], 'the last step must be "review" (好差评: the kiosk asks for a rating after every matter)');
  steps.forEach((s, i) => {
    if (submitAt >= 0 && i < submitAt && !PRE_SUBMIT.has(s)) add(['steps', i], `"${s}" cannot come before "submit"`);
    if (submitAt >= 0 && i > submitAt && !POST_SUBMIT.has(s)) add(['steps', i], `"${s}" cannot come after "submit"`);
  });
  if (seen.has('notice') && steps[0] !== 'notice') add(['steps'], '"notice" must be the first step');
  const pair = (step: StepKind, present: boolean, what: string, path: string): void => {
    if (seen.has(step) && !present) add([path], `the "${step}" step needs ${what}`);
    if (!seen.has(step) && present) add(['steps'], `${path} is given but there is no "${step}" step`);
  };
  pair('form', m.fields.length > 0, 'at least one field', 'fields');
  pair('materials', m.materials.length > 0, 'at least one material', 'materials');
  pair('commitment', m.commitment !== undefined, 'a commitment text', 'commitment');
  pair('fee', m.fee.kind !== 'none', 'a fee', 'fee');
  const usesCommitment = m.materials.findIndex((x) => x.accepts.commitment === true);
  if (usesCommitment >= 0) {
    if (m.commitment === undefined) add(['materials', usesCommitment, 'accepts', 'commitment'], 'the material accepts the commitment but the matter has no commitment text');
    else if (seen.has('materials') && steps.indexOf('commitment') > steps.indexOf('materials')) add(['steps'], '"commitment" must come before "materials" when a material accepts the commitment');
  }
  const keys = new Set<string>();
  m.fields.forEach((f, i) => {
    if (keys.has(f.key)) add(['fields', i, 'key'], `field "${f.key}" appears twice`);
    keys.add(f.key);
  });
  const matKeys = new Set<string>();
  m.materials.forEach((x, i) => {
    if (matKeys.has(x.key)) add(['materials', i, 'key'], `material "${x.key}" appears twice`);
    matKeys.add(x.key);
  });
  // Devices: what the steps need must be listed; what nothing uses must not be.
  const listed = new Set(m.devices);
  if (listed.size !== m.devices.length) add(['devices'], 'a device is listed twice');
  const usable: Record<DeviceNeed, boolean> = { payment: seen.has('fee'), 'receipt-printer': seen.has('print'), scanner: m.materials.some((x) => x.accepts.scan !== undefined) };
  const needed: Record<DeviceNeed, boolean> = { payment: seen.has('fee'), 'receipt-printer': seen.has('print'), scanner: m.materials.some(needsScanner) };
  for (const d of ['payment', 'receipt-printer', 'scanner'] as const) {
    if (needed[d] && !listed.has(d)) add(['devices'], `"${d}" must be listed: ${d === 'payment' ? 'the matter has a fee step' : d === 'scanner' ? 'a required material can only be scanned' : 'the matter has a print step'}`);
    if (listed.has(d) && !usable[d]) add(['devices'], `"${d}" is listed but no step uses it`);
  }
}

function matterApplication(m: Matter): Application {
  return {
    kind: 'matter',
    code: m.codes.implementation,
    basicCode: m.codes.basic,
    sample: m.sample,
    name: m.name,
    category: m.category,
    type: m.type,
    legalBasis: m.legalBasis,
    body: m.body,
    processing: m.processing,
    fee: m.fee,
    offline: m.offline,
    devices: [...m.devices],
    steps: [...m.steps],
    notice: m.notice ?? null,
    fields: m.fields.map((f) => ({ ...f, members: [m.codes.implementation] })),
    materials: m.materials.map((x) => ({ ...x, members: [m.codes.implementation] })),
    commitment: m.commitment ?? null,
    outputs: m.outputs,
    contact: m.contact,
    members: [],
  };
}

function sumFees(members: readonly Matter[]): Fee {
  const paid = members.filter((m): m is Matter & { fee: Extract<Fee, { kind: 'fixed' }> } => m.fee.kind === 'fixed');
  if (paid.length === 0) return { kind: 'none' };
  return {
    kind: 'fixed',
    amountFen: paid.reduce((n, m) => n + m.fee.amountFen, 0),
    item: { 'zh-CN': paid.map((m) => m.fee.item['zh-CN']).join('、').slice(0, 100), en: paid.map((m) => m.fee.item.en).join(', ').slice(0, 200) },
  };
}

function longest(members: readonly Matter[]): Processing {
  const days = members.map((m) => (m.processing.kind === 'promised' ? m.processing.workingDays : 0));
  const max = Math.max(...days);
  return max === 0 ? { kind: 'immediate' } : { kind: 'promised', workingDays: max };
}

function describeConflict(c: MergeConflict, members: readonly Matter[], memberAt: (i: number) => number, bundlePath: CatalogPath): CatalogIssue {
  const a = members[c.first.member] as Matter;
  const b = members[c.second.member] as Matter;
  const list = c.what === 'field' ? 'fields' : 'materials';
  return {
    path: ['matters', memberAt(c.second.member), list, c.second.index, c.aspect === 'length' ? 'maxLength' : c.aspect],
    message:
      `${c.what} "${c.key}" has a different ${c.aspect} in ${b.codes.implementation} than in ${a.codes.implementation} ` +
      `(matters.${memberAt(c.first.member)}.${list}.${c.first.index}); both are members of bundle ${formatPath(bundlePath)}, whose merged form needs one definition per key`,
  };
}

function bundleApplication(b: Bundle, members: readonly Matter[], memberAt: (i: number) => number, at: CatalogPath, issues: CatalogIssue[]): Application | null {
  const forms: MemberForm[] = members.map((m) => ({ code: m.codes.implementation, name: m.name, fields: m.fields, materials: m.materials, commitment: m.commitment }));
  const fields = mergeFields(forms);
  if (!fields.ok) {
    issues.push(describeConflict(fields.conflict, members, memberAt, at));
    return null;
  }
  const materials = mergeMaterials(forms);
  if (!materials.ok) {
    issues.push(describeConflict(materials.conflict, members, memberAt, at));
    return null;
  }
  const union = new Set(members.flatMap((m) => m.steps));
  const devices = new Set(members.flatMap((m) => m.devices));
  const outputs: Name[] = [];
  for (const o of members.flatMap((m) => m.outputs)) if (!outputs.some((x) => x['zh-CN'] === o['zh-CN'])) outputs.push(o);
  return {
    kind: 'bundle',
    code: b.codes.implementation,
    basicCode: b.codes.basic,
    sample: b.sample,
    name: b.name,
    category: b.category,
    type: null,
    legalBasis: b.legalBasis,
    body: b.body,
    processing: longest(members),
    fee: sumFees(members),
    offline: members.every((m) => m.offline),
    devices: (['receipt-printer', 'scanner', 'payment'] as const).filter((d) => devices.has(d)),
    steps: STEP_KINDS.filter((s) => union.has(s)),
    notice: b.notice ?? null,
    fields: fields.value,
    materials: materials.value,
    commitment: mergeCommitments(forms),
    outputs: outputs.slice(0, 10),
    contact: b.contact,
    members: members.map((m) => ({ code: m.codes.implementation, name: m.name, body: m.body })),
  };
}

/** Validates a catalog document and derives its applications. Never throws for bad input. */
export function parseCatalog(raw: unknown): ParseResult {
  // Parsed once per load: zod's JIT (a generated parser per object schema, compiled on first use) would cost more
  // than it saves — about half of the first parse, on the path to serving (docs/performance.md).
  const parsed = CatalogDocument.safeParse(raw, { jitless: true });
  if (!parsed.success) return { ok: false, issues: zodIssues(parsed.error) };
  const doc = parsed.data;
  const issues: CatalogIssue[] = [];
  const categories = new Set<string>();
  doc.categories.forEach((c, i) => {
    if (categories.has(c.id)) issues.push({ path: ['categories', i, 'id'], message: `category "${c.id}" appears twice` });
    categories.add(c.id);
  });
  const codes = new Map<string, CatalogPath>();
  const claim = (code: string, path: CatalogPath): void => {
    const before = codes.get(code);
    if (before) issues.push({ path, message: `code "${code}" is already used by ${formatPath(before)}` });
    else codes.set(code, path);
  };
  const matterIndex = new Map<string, number>();
  doc.matters.forEach((m, i) => {
    claim(m.codes.implementation, ['matters', i, 'codes', 'implementation']);
    matterIndex.set(m.codes.implementation, i);
    if (!categories.has(m.category)) issues.push({ path: ['matters', i, 'category'], message: `no category "${m.category}"` });
    checkMatter(m, ['matters', i], issues);
  });
  const bundleMembers: { b: Bundle; at: CatalogPath; idx: number[] }[] = [];
  doc.bundles.forEach((b, i) => {
    const at: CatalogPath = ['bundles', i];
    claim(b.codes.implementation, [...at, 'codes', 'implementation']);
    if (!categories.has(b.category)) issues.push({ path: [...at, 'category'], message: `no category "${b.category}"` });
    const idx: number[] = [];
    const seen = new Set<string>();
    b.members.forEach((code, j) => {
      if (seen.has(code)) issues.push({ path: [...at, 'members', j], message: `member "${code}" appears twice` });
      seen.add(code);
      const k = matterIndex.get(code);
      if (k === undefined) issues.push({ path: [...at, 'members', j], message: `no matter with 实施编码 "${code}" (a bundle's members are matters of this catalog)` });
      else idx.push(k);
    });
    bundleMembers.push({ b, at, idx });
  });
  if (issues.length > 0) return { ok: false, issues: issues.slice(0, MAX_ISSUES) };
  const applications = new Map<string, Application>();
  for (const m of doc.matters) applications.set(m.codes.implementation, matterApplication(m));
  for (const { b, at, idx } of bundleMembers) {
    const members = idx.map((k) => doc.matters[k] as Matter);
    const app = bundleApplication(b, members, (i) => idx[i] as number, at, issues);
    if (app) applications.set(app.code, app);
  }
  if (issues.length > 0) return { ok: false, issues: issues.slice(0, MAX_ISSUES) };
  return { ok: true, catalog: { version: doc.version, sample: doc.sample, categories: doc.categories, applications, rating: doc.rating, document: doc } };
}

/** parseCatalog, throwing a CatalogError that names the source and the first bad path. */
export function loadCatalog(raw: unknown, source: string): LoadedCatalog {
  const r = parseCatalog(raw);
  if (!r.ok) throw new CatalogError(source, r.issues);
  return r.catalog;
}

/**
 * Limits a catalog to what a site offers (profile `catalog.include`): an application stays when its
 * 实施编码, its 基本编码 or its category is listed. Returns the entries that matched nothing too (a
 * typo, or a matter the platform no longer has), for the log.
 */
export function filterCatalog(catalog: LoadedCatalog, include: readonly string[] | undefined): { catalog: LoadedCatalog; unmatched: string[] } {
  if (include === undefined) return { catalog, unmatched: [] };
  const wanted = new Set(include);
  const used = new Set<string>();
  const applications = new Map<string, Application>();
  for (const [code, app] of catalog.applications) {
    const hits = [app.code, app.basicCode, app.category].filter((x): x is string => x !== null && wanted.has(x));
    if (hits.length === 0) continue;
    hits.forEach((h) => used.add(h));
    applications.set(code, app);
  }
  const categories = catalog.categories.filter((c) => [...applications.values()].some((a) => a.category === c.id));
  return { catalog: { ...catalog, categories, applications }, unmatched: include.filter((x) => !used.has(x)) };
}
