import { z } from 'zod';
import { RATING_LEVEL_KEYS } from './levels.js';
import { DeviceKind } from './devices.js';

/*
 * Matters at the screen: the matter list, the running matter's step, and the requests that move it.
 *
 * The core owns all state; the renderer renders `SessionView` (session.ts) and sends requests
 * (messages.ts, all `matter.*`, each answered `null` or a typed error). The flow:
 *
 *   screen 'welcome'  view.matters = MatterList (categories → matters; a matter that cannot run now
 *                     has `unavailable` with the reason in words). `matter.choose {code}` starts it
 *                     (not-allowed, with the reason, when it is unavailable).
 *   screen 'matter'   view.matter = MatterView: name, progress (one entry per step), canBack,
 *                     canCancel, confirmCancel, and `step`, one member per step kind:
 *
 *   step.kind     what it shows                                 requests it takes
 *   ──────────    ────────────────────────────────────────      ─────────────────────────────────────────
 *   notice        requirements, materials, fee, time limit,     matter.next ("我已阅读，下一步")
 *                 legal basis, body, contacts (一次性告知)
 *   form          fields with value, source ('card' = taken      matter.input {key, value} (every change);
 *                 from the ID card), error in words once the     matter.next ("下一步": errors appear on every
 *                 field was touched or Next was pressed          field; moves on only when all are valid)
 *   commitment    the 告知承诺 text; whether it can be declined   matter.commit ("我承诺": records the text's
 *                                                                version and the time, moves on);
 *                                                                matter.declineCommitment (when !required)
 *   materials     one item per material: an e-certificate        matter.useCertificate {material} (consent),
 *                 offer (title, issuer) while undecided, what    matter.declineCertificate {material},
 *                 was provided, scan progress                    matter.scan {material} (adds pages),
 *                                                                matter.removePages {material},
 *                                                                matter.useCommitment {material},
 *                                                                matter.next (all required provided)
 *   fee           amount and item; paying / approved /           matter.pay (again after a decline);
 *                 declined with words                            moves on by itself once approved
 *   submit        a summary; phase confirm → submitting →        matter.submit ("提交"; again after a failure);
 *                 accepted (acceptance number, QR, offline)      matter.next on 'accepted' when no print follows
 *   print         printing → printed, or failed: the number     matter.reprint; matter.next → review
 *                 and the QR large on screen, with the reason
 *   review        好差评: five equal levels, none preselected;   matter.rate {level} (a good level is sent at
 *                 for 不满意/非常不满意 the reasons to pick        once); matter.rateReasons {reasons, text};
 *                                                                matter.back (from reasons to the levels)
 *
 *   matter.back goes to the previous step where canBack (never past a submission). matter.cancel opens
 *   the confirmation (view.matter.confirmCancel); matter.cancelConfirm discards everything of the
 *   matter and returns to the list; matter.cancelDismiss closes the confirmation. session.finish
 *   during a matter before its submission asks the same confirmation; after it, it ends the session
 *   (no rating is recorded). After the rating the session goes to 'finished' with view.outcome.
 *   Busy phases (scanning, paying, submitting, printing, sending a rating) refuse other requests
 *   with 'not-allowed'. Idle wipe at any point stops the matter and forgets all of it.
 *
 * Privacy: the view never carries the full ID number; a field's value (an address taken from the
 * card included) is shown only in the field that shows it to its owner.
 */

/** A text in both languages: Chinese first, English. */
export const LocalText = z.object({ 'zh-CN': z.string(), en: z.string() });
export type LocalText = z.infer<typeof LocalText>;

export const StepKind = z.enum(['notice', 'form', 'commitment', 'materials', 'fee', 'submit', 'print', 'review']);
export type StepKind = z.infer<typeof StepKind>;

export const MatterCode = z.string().min(1).max(128);
/** Field and material keys (the catalog's lower camelCase identifiers). */
export const ItemKey = z.string().regex(/^[a-z][A-Za-z0-9]{0,39}$/);

export const Processing = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('immediate') }),
  z.object({ kind: z.literal('promised'), workingDays: z.number().int().positive() }),
]);
export type Processing = z.infer<typeof Processing>;

export const FeeView = z.object({ amountFen: z.number().int().positive(), item: LocalText });
export type FeeView = z.infer<typeof FeeView>;

// ---- the matter list ----

export const UnavailableReason = z.enum([
  'device-offline', // a device the matter needs is offline or in error (device names it)
  'platform-unreachable', // an online-only matter while the platform cannot be reached
  'storage-full', // new submissions are refused (free space below the floor)
]);
export type UnavailableReason = z.infer<typeof UnavailableReason>;

export const MatterSummary = z.object({
  /** 实施编码: what matter.choose sends back. */
  code: MatterCode,
  kind: z.enum(['matter', 'bundle']),
  name: LocalText,
  /** A bundle's member matters (empty for a matter). */
  members: z.array(LocalText),
  fee: FeeView.nullable(),
  processing: Processing,
  /** Accepted while the platform is unreachable (queued and delivered later). */
  offline: z.boolean(),
  /** Sample data (codes not real): staff see it marked. */
  sample: z.boolean(),
  /** null: it can run now. Otherwise why not, in words, shown next to the disabled button. */
  unavailable: z
    .object({
      reason: UnavailableReason,
      /** The device, for 'device-offline'. */
      device: DeviceKind.nullable(),
      message: LocalText,
    })
    .nullable(),
});
export type MatterSummary = z.infer<typeof MatterSummary>;

export const MatterCategoryView = z.object({ id: z.string(), name: LocalText, matters: z.array(MatterSummary) });
export type MatterCategoryView = z.infer<typeof MatterCategoryView>;

export const MatterList = z.object({
  categories: z.array(MatterCategoryView),
  /** The catalog in use is sample data. */
  sample: z.boolean(),
});
export type MatterList = z.infer<typeof MatterList>;

// ---- the steps ----

export const MaterialWay = z.enum(['e-certificate', 'scan', 'commitment']);
export type MaterialWay = z.infer<typeof MaterialWay>;

export const NoticeStep = z.object({
  kind: z.literal('notice'),
  /** 事项类型 in words; null for a bundle. */
  type: LocalText.nullable(),
  /** 实施机构 (a bundle: the lead office). */
  body: LocalText,
  legalBasis: LocalText,
  processing: Processing,
  fee: FeeView.nullable(),
  /** Conditions and requirements besides the materials. */
  requirements: LocalText.nullable(),
  materials: z.array(z.object({ key: ItemKey, name: LocalText, required: z.boolean(), ways: z.array(MaterialWay) })),
  /** The matter can be done under a signed commitment (告知承诺) instead of some proofs. */
  commitment: z.boolean(),
  outputs: z.array(LocalText),
  /** A bundle's member matters and their bodies. */
  members: z.array(z.object({ name: LocalText, body: LocalText })),
  contact: z.object({ consultation: z.string(), complaint: z.string() }),
  /** Accepted while the platform is unreachable. */
  offline: z.boolean(),
});

export const FieldKind = z.enum(['text', 'chinese', 'digits', 'phone', 'date', 'choice', 'yesno']);
export type FieldKind = z.infer<typeof FieldKind>;

export const FieldView = z.object({
  key: ItemKey,
  label: LocalText,
  kind: FieldKind,
  required: z.boolean(),
  /** What the field holds now ('' when empty). date: YYYY-MM-DD; yesno: 'yes' | 'no'; choice: an option value. */
  value: z.string(),
  /** Pre-filled: 'card' = taken from the ID card (shown as such), 'platform' = from the platform profile. */
  source: z.enum(['card', 'platform']).nullable(),
  help: LocalText.nullable(),
  /** In words, once the field was touched or Next was pressed. */
  error: LocalText.nullable(),
  options: z.array(z.object({ value: z.string(), label: LocalText })).nullable(),
  maxLength: z.number().int().positive().nullable(),
  /** Bundle: the member matters that need this field (empty for a single matter). */
  members: z.array(LocalText),
});
export type FieldView = z.infer<typeof FieldView>;

export const FormStep = z.object({
  kind: z.literal('form'),
  fields: z.array(FieldView),
  /** Fields with an error shown now. */
  errorCount: z.number().int().nonnegative(),
});

export const CommitmentStep = z.object({
  kind: z.literal('commitment'),
  text: LocalText,
  /** true: only 我承诺 (or cancel); false: it may be declined (then the proofs are needed). */
  required: z.boolean(),
  /** What the citizen decided when they were here before (back). */
  decision: z.enum(['committed', 'declined']).nullable(),
});

export const CertificateView = z.object({
  title: z.string(),
  issuer: z.string(),
  /** YYYY-MM-DD (China time). */
  issuedOn: z.string(),
  expiresOn: z.string().nullable(),
});
export type CertificateView = z.infer<typeof CertificateView>;

export const MaterialView = z.object({
  key: ItemKey,
  name: LocalText,
  required: z.boolean(),
  note: LocalText.nullable(),
  ways: z.array(MaterialWay),
  /** How it was provided; null while not yet. */
  provided: z
    .discriminatedUnion('by', [
      z.object({ by: z.literal('e-certificate'), certificate: CertificateView }),
      z.object({ by: z.literal('scan'), pages: z.number().int().positive() }),
      z.object({ by: z.literal('commitment') }),
    ])
    .nullable(),
  /** An e-certificate the platform holds for this citizen, offered until accepted or declined. */
  offer: CertificateView.nullable(),
  canScan: z.boolean(),
  maxPages: z.number().int().nonnegative(),
  /** The commitment was signed and this material accepts it. */
  canUseCommitment: z.boolean(),
});
export type MaterialView = z.infer<typeof MaterialView>;

export const MaterialsStep = z.object({
  kind: z.literal('materials'),
  /** looking-up: asking the platform for e-certificates (shown as progress); scanning: see `scanning`. */
  phase: z.enum(['looking-up', 'ready', 'scanning']),
  items: z.array(MaterialView),
  scanning: z.object({ material: ItemKey, pagesDone: z.number().int().nonnegative(), pageProgress: z.number().min(0).max(1).nullable() }).nullable(),
  /** E-certificates could not be looked up (platform unreachable): scan or commit instead. */
  certificatesUnavailable: z.boolean(),
  /** The last problem in words (a failed scan; what is still missing after Next). */
  message: LocalText.nullable(),
});

export const FeeStep = z.object({
  kind: z.literal('fee'),
  amountFen: z.number().int().positive(),
  item: LocalText,
  phase: z.enum(['ready', 'paying', 'approved', 'declined', 'failed']),
  /** While paying: what the pad asks of the citizen; after a decline or failure: why, in words. */
  message: LocalText.nullable(),
});

export const AcceptanceView = z.object({
  /** The kiosk's acceptance number (printed, and the QR payload). */
  acceptanceNumber: z.string(),
  /** The platform's case number when already known. */
  caseNumber: z.string().nullable(),
  /** Accepted offline: delivered automatically when the platform is reachable. */
  offline: z.boolean(),
  /** The QR code (payload: the acceptance number) as an image data URL, to show large on screen. */
  qr: z.string(),
  /** 承诺件: the promised completion date, YYYY-MM-DD (working days from today); null for 即办件. */
  promisedDate: z.string().nullable(),
});
export type AcceptanceView = z.infer<typeof AcceptanceView>;

export const SubmitStep = z.object({
  kind: z.literal('submit'),
  phase: z.enum(['confirm', 'submitting', 'accepted', 'failed']),
  summary: z.object({
    fields: z.array(z.object({ label: LocalText, value: LocalText })),
    materials: z.array(z.object({ name: LocalText, provided: z.enum(['e-certificate', 'scan', 'commitment', 'none']) })),
    fee: z.object({ amountFen: z.number().int().positive(), paid: z.boolean() }).nullable(),
    committed: z.boolean(),
  }),
  /** The platform is unreachable now: this will be accepted offline (only matters that allow it get here). */
  willQueue: z.boolean(),
  accepted: AcceptanceView.nullable(),
  error: LocalText.nullable(),
});

export const PrintStep = z.object({
  kind: z.literal('print'),
  phase: z.enum(['printing', 'printed', 'failed']),
  receipt: AcceptanceView,
  /** failed: why, and that the number and QR on screen serve instead. */
  message: LocalText.nullable(),
  canReprint: z.boolean(),
});

export const RatingLevel = z.enum(RATING_LEVEL_KEYS);
export type RatingLevel = z.infer<typeof RatingLevel>;

/** The five levels in the order shown, with their exact names and scores (a zod-free module the citizen page imports). */
export { RATING_LEVELS } from './levels.js';

export const ReviewStep = z.object({
  kind: z.literal('review'),
  /** choosing: the five levels, none selected; reasons: a 差评 asks why; sending: being recorded. */
  phase: z.enum(['choosing', 'reasons', 'sending', 'failed']),
  selected: RatingLevel.nullable(),
  /** The versioned reasons (asked for 不满意 and 非常不满意). */
  reasons: z.array(z.object({ key: z.string(), label: LocalText })),
  contentVersion: z.string(),
  message: LocalText.nullable(),
});

export const StepView = z.discriminatedUnion('kind', [NoticeStep, FormStep, CommitmentStep, MaterialsStep, FeeStep, SubmitStep, PrintStep, ReviewStep]);
export type StepView = z.infer<typeof StepView>;
export type StepViewOf<K extends StepKind> = Extract<StepView, { kind: K }>;

export const MatterView = z.object({
  code: MatterCode,
  kind: z.enum(['matter', 'bundle']),
  name: LocalText,
  members: z.array(LocalText),
  /** One entry per step, for the step indicator. */
  progress: z.array(z.object({ kind: StepKind, state: z.enum(['done', 'current', 'todo']) })),
  canBack: z.boolean(),
  /** Before the submission: cancel (asks once). */
  canCancel: z.boolean(),
  /** The cancel confirmation is open. */
  confirmCancel: z.boolean(),
  step: StepView,
});
export type MatterView = z.infer<typeof MatterView>;

/** What the goodbye screen says about the matter just finished. */
export const MatterOutcome = z.object({
  name: LocalText,
  acceptanceNumber: z.string(),
  rated: z.boolean(),
});
export type MatterOutcome = z.infer<typeof MatterOutcome>;

// ---- requests (params; every result is null) ----

const Empty = z.object({}).strict();
const ByMaterial = z.object({ material: ItemKey }).strict();

export const matterRequests = {
  'matter.choose': z.object({ code: MatterCode }).strict(),
  'matter.input': z.object({ key: ItemKey, value: z.string().max(500) }).strict(),
  'matter.next': Empty,
  'matter.back': Empty,
  'matter.cancel': Empty,
  'matter.cancelConfirm': Empty,
  'matter.cancelDismiss': Empty,
  'matter.commit': Empty,
  'matter.declineCommitment': Empty,
  'matter.useCertificate': ByMaterial,
  'matter.declineCertificate': ByMaterial,
  'matter.scan': ByMaterial,
  'matter.removePages': ByMaterial,
  'matter.useCommitment': ByMaterial,
  'matter.pay': Empty,
  'matter.submit': Empty,
  'matter.reprint': Empty,
  'matter.rate': z.object({ level: RatingLevel }).strict(),
  'matter.rateReasons': z
    .object({
      reasons: z.array(z.string().min(1).max(40)).min(1).max(20).refine((r) => new Set(r).size === r.length, { message: 'a reason is listed twice' }),
      text: z.string().max(200),
    })
    .strict(),
} as const;
export type MatterRequestName = keyof typeof matterRequests;
