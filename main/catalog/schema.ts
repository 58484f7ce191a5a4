import { z } from 'zod';

/**
 * The matter catalog format (事项目录), as zod schemas. Pure: zod only.
 *
 * A catalog is JSON: categories, matters (事项), bundles (一件事 / 高效办成一件事) and the versioned
 * 好差评 content. Codes are opaque strings (基本编码, 实施编码): the kiosk checks only their charset and
 * length and never derives one from another. The structural rules that span fields (steps against
 * fees, devices and materials; bundle members; merged forms) are checked by `parseCatalog` in
 * load.ts, which reports the first problems with their paths.
 * See README.md in this folder for the format in words.
 */

export const CATALOG_FORMAT = 1;

const str = (max: number) => z.string().trim().min(1).max(max);

/** A text in both languages the kiosk speaks: Chinese first, English. */
export const LocalText = z.strictObject({ 'zh-CN': str(4000), en: str(4000) });
export type LocalText = z.infer<typeof LocalText>;

/** A short name or label (a button, a field label, a receipt line). */
export const Name = z.strictObject({ 'zh-CN': str(100), en: str(200) });
export type Name = z.infer<typeof Name>;

/** An opaque code (基本编码, 实施编码): charset and length only (the platform's matterCode allows 128). */
export const Code = z.string().regex(/^[A-Za-z0-9][A-Za-z0-9._/-]{0,127}$/, 'a code is 1-128 letters, digits, dot, dash, underscore or slash');
export type Code = z.infer<typeof Code>;

/** 事项类型: the 依申请 types that 好差评 covers (fact sheet §1.1). */
export const MatterType = z.enum(['行政许可', '行政给付', '行政确认', '行政裁决', '行政奖励', '其他行政权力', '公共服务']);
export type MatterType = z.infer<typeof MatterType>;

/** English names of the matter types (for the notice screen). */
export const MATTER_TYPE_EN: Readonly<Record<MatterType, string>> = {
  行政许可: 'Administrative licence',
  行政给付: 'Administrative benefit',
  行政确认: 'Administrative confirmation',
  行政裁决: 'Administrative ruling',
  行政奖励: 'Administrative award',
  其他行政权力: 'Other administrative power',
  公共服务: 'Public service',
};

/** The fixed set of steps a matter is made of, in the only order bundles use. */
export const STEP_KINDS = ['notice', 'form', 'commitment', 'materials', 'fee', 'submit', 'print', 'review'] as const;
export const StepKind = z.enum(STEP_KINDS);
export type StepKind = z.infer<typeof StepKind>;

/** Devices a matter may need besides the ID card reader (which every session uses). */
export const DeviceNeed = z.enum(['receipt-printer', 'scanner', 'payment']);
export type DeviceNeed = z.infer<typeof DeviceNeed>;

export const CategoryId = z.string().regex(/^[a-z][a-z0-9-]{0,31}$/, 'a category id is lower-case letters, digits and dashes');
export const Category = z.strictObject({ id: CategoryId, name: Name });
export type Category = z.infer<typeof Category>;

export const Phone = z.string().regex(/^[0-9][0-9-]{2,19}$/, 'a phone number is digits and dashes, e.g. 12345 or 0951-1234567');

export const FieldKind = z.enum(['text', 'chinese', 'digits', 'phone', 'date', 'choice', 'yesno']);
export type FieldKind = z.infer<typeof FieldKind>;

/** Where a field's value comes from before the citizen sees it. The card sources come from the ID card just read. */
export const CARD_PREFILL = ['card.name', 'card.gender', 'card.birthDate', 'card.address', 'card.nation'] as const;
export const Prefill = z.union([
  z.enum(CARD_PREFILL),
  /** A field of the citizen's platform profile (e.g. platform.profile.phone), where the platform provides one. */
  z.string().regex(/^platform\.profile\.[a-zA-Z][a-zA-Z0-9]{0,31}$/, 'a prefill source is card.name, card.gender, card.birthDate, card.address, card.nation or platform.profile.<field>'),
]);
export type Prefill = z.infer<typeof Prefill>;

export const FieldKey = z.string().regex(/^[a-z][A-Za-z0-9]{0,39}$/, 'a field key is a lower camelCase identifier of at most 40 characters');
export const OptionValue = z.string().regex(/^[A-Za-z0-9_-]{1,40}$/);

export const ChoiceOption = z.strictObject({ value: OptionValue, label: Name });
export type ChoiceOption = z.infer<typeof ChoiceOption>;

function compiles(pattern: string): boolean {
  try {
    new RegExp(pattern, 'u');
    return true;
  } catch {
    return false;
  }
}

export const Field = z
  .strictObject({
    key: FieldKey,
    label: Name,
    kind: FieldKind,
    required: z.boolean().default(true),
    /** A regular expression (JavaScript, 'u' flag) the whole value must match. */
    pattern: z.string().min(1).max(500).refine(compiles, { message: 'pattern is not a valid regular expression' }).optional(),
    /** What to tell the citizen when the pattern does not match. */
    patternHint: LocalText.optional(),
    minLength: z.number().int().min(1).max(500).optional(),
    maxLength: z.number().int().min(1).max(500).optional(),
    options: z.array(ChoiceOption).min(2).max(30).optional(),
    prefill: Prefill.optional(),
    help: LocalText.optional(),
  })
  .superRefine((f, ctx) => {
    if (f.kind === 'choice' && f.options === undefined) ctx.addIssue({ code: 'custom', path: ['options'], message: 'a choice field needs options' });
    if (f.kind !== 'choice' && f.options !== undefined) ctx.addIssue({ code: 'custom', path: ['options'], message: `a ${f.kind} field has no options` });
    if (f.options) {
      const seen = new Set<string>();
      f.options.forEach((o, i) => {
        if (seen.has(o.value)) ctx.addIssue({ code: 'custom', path: ['options', i, 'value'], message: `option "${o.value}" appears twice` });
        seen.add(o.value);
      });
    }
    if (f.minLength !== undefined && f.maxLength !== undefined && f.minLength > f.maxLength) {
      ctx.addIssue({ code: 'custom', path: ['minLength'], message: 'minLength is greater than maxLength' });
    }
    if (f.patternHint !== undefined && f.pattern === undefined) ctx.addIssue({ code: 'custom', path: ['patternHint'], message: 'patternHint without a pattern' });
    const p = f.prefill;
    if (p === 'card.birthDate' && f.kind !== 'date') ctx.addIssue({ code: 'custom', path: ['prefill'], message: 'card.birthDate fills a date field' });
    if (p === 'card.gender') {
      const values = new Set(f.options?.map((o) => o.value));
      if (f.kind !== 'choice' || !values.has('male') || !values.has('female')) {
        ctx.addIssue({ code: 'custom', path: ['prefill'], message: 'card.gender fills a choice field with the options "male" and "female"' });
      }
    }
    if ((p === 'card.name' || p === 'card.address' || p === 'card.nation') && f.kind !== 'text' && f.kind !== 'chinese') {
      ctx.addIssue({ code: 'custom', path: ['prefill'], message: `${p} fills a text or chinese field` });
    }
  });
export type Field = z.infer<typeof Field>;

/** An e-certificate type as the platform names it (the look-up's `type`). */
export const CertificateType = z.string().regex(/^[A-Za-z0-9_.-]{1,64}$/, 'a certificate type is 1-64 letters, digits, dot, dash or underscore');

export const Material = z
  .strictObject({
    key: FieldKey,
    name: Name,
    required: z.boolean().default(true),
    /** How the kiosk can receive it: an e-certificate of a named type (offered first), a scan, or the commitment. */
    accepts: z.strictObject({
      eCertificate: z.strictObject({ type: CertificateType }).optional(),
      scan: z.strictObject({ maxPages: z.number().int().min(1).max(20).default(4) }).optional(),
      /** 告知承诺: the signed commitment replaces this material. */
      commitment: z.literal(true).optional(),
    }),
    note: LocalText.optional(),
  })
  .superRefine((m, ctx) => {
    const a = m.accepts;
    if (!a.eCertificate && !a.scan && !a.commitment) {
      ctx.addIssue({ code: 'custom', path: ['accepts'], message: 'a material must accept an e-certificate, a scan or the commitment' });
    }
  });
export type Material = z.infer<typeof Material>;

/** 即办件 (handled on the spot) or 承诺件 with the promised time limit in working days. */
export const Processing = z.discriminatedUnion('kind', [
  z.strictObject({ kind: z.literal('immediate') }),
  z.strictObject({ kind: z.literal('promised'), workingDays: z.number().int().min(1).max(365) }),
]);
export type Processing = z.infer<typeof Processing>;

export const Fee = z.discriminatedUnion('kind', [
  z.strictObject({ kind: z.literal('none') }),
  /** An amount in fen (分) for a named item (收费项目). */
  z.strictObject({ kind: z.literal('fixed'), amountFen: z.number().int().min(1).max(100_000_000), item: Name }),
]);
export type Fee = z.infer<typeof Fee>;

export const Commitment = z.strictObject({
  /** The 告知承诺书 text the citizen confirms (its SHA-256 travels with the submission). */
  text: LocalText,
  /** true: the matter is handled only under the commitment (no way to decline it). */
  required: z.boolean().default(false),
});
export type Commitment = z.infer<typeof Commitment>;

export const Contact = z.strictObject({ consultation: Phone, complaint: Phone });
export type Contact = z.infer<typeof Contact>;

export const Codes = z.strictObject({
  /** 基本编码 (catalog level); null where unknown. */
  basic: Code.nullable(),
  /** 实施编码 (per implementing body): the matter's identity in this catalog and in submissions. */
  implementation: Code,
});
export type Codes = z.infer<typeof Codes>;

export const Matter = z.strictObject({
  codes: Codes,
  /** The codes (and possibly other facts) are sample data, not the platform's. */
  sample: z.boolean().default(false),
  name: Name,
  category: CategoryId,
  type: MatterType,
  /** 设定依据 */
  legalBasis: LocalText,
  /** 实施机构 */
  body: Name,
  processing: Processing,
  fee: Fee,
  /** May be accepted while the platform is unreachable (queued, delivered later). */
  offline: z.boolean(),
  devices: z.array(DeviceNeed).max(3).default([]),
  steps: z.array(StepKind).min(2).max(8),
  /** Conditions and requirements for the one-time notice (一次性告知), besides the materials. */
  notice: LocalText.optional(),
  fields: z.array(Field).max(60).default([]),
  materials: z.array(Material).max(30).default([]),
  commitment: Commitment.optional(),
  /** What the citizen gets (办理结果). */
  outputs: z.array(Name).min(1).max(10),
  contact: Contact,
});
export type Matter = z.infer<typeof Matter>;

export const Bundle = z.strictObject({
  codes: Codes,
  sample: z.boolean().default(false),
  name: Name,
  category: CategoryId,
  /** The policy the bundle is run under (e.g. 国发〔2024〕3号) and what it joins. */
  legalBasis: LocalText,
  /** The body that accepts the joint application (牵头部门). */
  body: Name,
  /** 实施编码 of the member matters, in the order their fields are asked. */
  members: z.array(Code).min(2).max(12),
  notice: LocalText.optional(),
  contact: Contact,
});
export type Bundle = z.infer<typeof Bundle>;

export const RatingReason = z.strictObject({ key: z.string().regex(/^[a-z][a-z0-9-]{0,39}$/), label: Name });

/** The 好差评 content: its version travels with every rating; the reasons are asked for 不满意 and 非常不满意. */
export const RatingContent = z.strictObject({
  version: str(64),
  reasons: z.array(RatingReason).min(1).max(20),
});
export type RatingContent = z.infer<typeof RatingContent>;

export const CatalogDocument = z.strictObject({
  format: z.literal(CATALOG_FORMAT),
  version: str(200),
  /** The whole catalog is sample data (the bundled one): shown as such to staff. */
  sample: z.boolean().default(false),
  categories: z.array(Category).min(1).max(50),
  matters: z.array(Matter).max(500),
  bundles: z.array(Bundle).max(100).default([]),
  rating: RatingContent,
});
export type CatalogDocument = z.infer<typeof CatalogDocument>;
export type CatalogDocumentInput = z.input<typeof CatalogDocument>;
