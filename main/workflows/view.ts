import type { AnyActorRef, AnyMachineSnapshot } from 'xstate';
import { MATTER_TYPE_EN, type AppField, type Application } from '../catalog/index.js';
import type { AcceptanceView, CertificateView, FieldView, LocalText, MaterialView, MatterView, StepView } from '../contract/index.js';
import { validateField } from './form-validation.js';
import type { Acceptance, CertificateInfo, MatterEvent } from './matter-types.js';
import type { MatterContext, MatterSnapshot } from './compile.js';
import type { FeeContext } from './steps/fee.js';
import type { FormContext } from './steps/form.js';
import { committed, offerOf, type MaterialsContext } from './steps/materials.js';
import type { PrintContext } from './steps/print.js';
import type { ReviewContext } from './steps/review.js';
import type { SubmitContext } from './steps/submit.js';

/**
 * From a running matter's snapshots to the contract's MatterView: what the screen shows and nothing
 * more (never the full ID number; a field's value only in that field). Pure.
 */

export interface ViewEnv {
  /** The platform answers now (the submit step says whether the application will be queued). */
  platformOnline: boolean;
  /** The scanner is ready (materials offer a scan). */
  scannerReady: boolean;
}

const same = (s: string): LocalText => ({ 'zh-CN': s, en: s });

const names = (app: Application, codes: readonly string[]): LocalText[] =>
  app.kind === 'bundle' ? app.members.filter((m) => codes.includes(m.code)).map((m) => m.name) : [];

function certView(c: CertificateInfo): CertificateView {
  return { title: c.title, issuer: c.issuer, issuedOn: c.issuedOn, expiresOn: c.expiresOn };
}

export function acceptanceView(a: Acceptance): AcceptanceView {
  return { acceptanceNumber: a.acceptanceNumber, caseNumber: a.caseNumber, offline: a.offline, qr: a.qr, promisedDate: a.promisedDate };
}

/** A field's value in words for the summary: a choice by its label, yes/no as 是/否. */
export function displayValue(f: AppField, value: string): LocalText {
  if (value === '') return { 'zh-CN': '（未填）', en: '(empty)' };
  if (f.kind === 'choice') return f.options?.find((o) => o.value === value)?.label ?? same(value);
  if (f.kind === 'yesno') return value === 'yes' ? { 'zh-CN': '是', en: 'Yes' } : { 'zh-CN': '否', en: 'No' };
  return same(value);
}

function ways(m: Application['materials'][number]): MaterialView['ways'] {
  const out: MaterialView['ways'] = [];
  if (m.accepts.eCertificate) out.push('e-certificate');
  if (m.accepts.scan) out.push('scan');
  if (m.accepts.commitment) out.push('commitment');
  return out;
}

function stepOf(kind: Application['steps'][number], m: MatterContext, s: AnyMachineSnapshot, env: ViewEnv): StepView {
  const app = m.app;
  switch (kind) {
    case 'notice':
      return {
        kind: 'notice',
        type: app.type === null ? null : { 'zh-CN': app.type, en: MATTER_TYPE_EN[app.type] },
        body: app.body,
        legalBasis: app.legalBasis,
        processing: app.processing,
        fee: app.fee.kind === 'fixed' ? { amountFen: app.fee.amountFen, item: app.fee.item } : null,
        requirements: app.notice,
        materials: app.materials.map((x) => ({ key: x.key, name: x.name, required: x.required, ways: ways(x) })),
        commitment: app.commitment !== null,
        outputs: app.outputs,
        members: app.members.map((x) => ({ name: x.name, body: x.body })),
        contact: app.contact,
        offline: app.offline,
      };
    case 'form': {
      const c = s.context as FormContext;
      const fields: FieldView[] = app.fields.map((f) => {
        const value = c.values[f.key] ?? '';
        const pre = m.prefill[f.key];
        const shown = c.attempted || c.touched.includes(f.key);
        return {
          key: f.key,
          label: f.label,
          kind: f.kind,
          required: f.required,
          value,
          source: pre !== undefined && pre.value !== '' && pre.value === value ? pre.source : null,
          help: f.help ?? null,
          error: shown ? (validateField(f, value)?.message ?? null) : null,
          options: f.options?.map((o) => ({ value: o.value, label: o.label })) ?? null,
          maxLength: f.maxLength ?? null,
          members: names(app, f.members),
        };
      });
      return { kind: 'form', fields, errorCount: fields.filter((f) => f.error !== null).length };
    }
    case 'commitment':
      return {
        kind: 'commitment',
        text: app.commitment?.text ?? same(''),
        required: app.commitment?.required ?? true,
        decision: m.data.commitment?.decision ?? null,
      };
    case 'materials': {
      const c = s.context as MaterialsContext;
      const signed = committed(c.input.data);
      const items: MaterialView[] = app.materials.map((x) => {
        const p = c.materials[x.key];
        const offer = offerOf(c, x.key);
        const pages = p?.by === 'scan' ? p.pages : 0;
        return {
          key: x.key,
          name: x.name,
          required: x.required,
          note: x.note ?? null,
          ways: ways(x),
          provided:
            p === undefined
              ? null
              : p.by === 'e-certificate'
                ? { by: 'e-certificate', certificate: certView(p.certificate) }
                : p.by === 'scan'
                  ? { by: 'scan', pages: p.pages }
                  : { by: 'commitment' },
          offer: offer === null ? null : certView(offer),
          canScan: env.scannerReady && x.accepts.scan !== undefined && (p === undefined || (p.by === 'scan' && pages < x.accepts.scan.maxPages)),
          maxPages: x.accepts.scan?.maxPages ?? 0,
          canUseCommitment: signed && x.accepts.commitment === true && p?.by !== 'commitment',
        };
      });
      return {
        kind: 'materials',
        phase: s.matches('lookingUp') || s.matches('start') ? 'looking-up' : s.matches('scanning') ? 'scanning' : 'ready',
        items,
        scanning: c.scanning,
        certificatesUnavailable: c.certificatesUnavailable,
        message: c.message,
      };
    }
    case 'fee': {
      const c = s.context as FeeContext;
      const phase = s.matches('paying') ? 'paying' : s.matches('declined') ? 'declined' : s.matches('failed') ? 'failed' : s.matches('approved') || c.payment ? 'approved' : 'ready';
      return {
        kind: 'fee',
        amountFen: app.fee.kind === 'fixed' ? app.fee.amountFen : 1,
        item: app.fee.kind === 'fixed' ? app.fee.item : same(''),
        phase,
        message: c.message,
      };
    }
    case 'submit': {
      const c = s.context as SubmitContext;
      const phase = s.matches('submitting') ? 'submitting' : s.matches('accepted') ? 'accepted' : s.matches('failed') ? 'failed' : 'confirm';
      const data = c.input.data;
      return {
        kind: 'submit',
        phase,
        summary: {
          fields: app.fields.map((f) => ({ label: f.label, value: displayValue(f, data.values[f.key] ?? '') })),
          materials: app.materials.map((x) => ({ name: x.name, provided: data.materials[x.key]?.by ?? 'none' })),
          fee: app.fee.kind === 'fixed' ? { amountFen: app.fee.amountFen, paid: data.payment !== null } : null,
          committed: committed(data),
        },
        willQueue: !env.platformOnline,
        accepted: c.accepted ? acceptanceView(c.accepted) : null,
        error: c.error,
      };
    }
    case 'print': {
      const c = s.context as PrintContext;
      const printing = s.matches('printing') || s.matches('start');
      const sub = m.data.submission;
      return {
        kind: 'print',
        phase: printing ? 'printing' : s.matches('failed') ? 'failed' : 'printed',
        receipt: sub ? acceptanceView(sub) : { acceptanceNumber: '', caseNumber: null, offline: false, qr: '', promisedDate: null },
        message: c.message,
        canReprint: !printing && c.prints < c.input.config.maxPrints,
      };
    }
    case 'review': {
      const c = s.context as ReviewContext;
      const phase = s.matches('reasons') ? 'reasons' : s.matches('sending') ? 'sending' : s.matches('failed') ? 'failed' : 'choosing';
      return {
        kind: 'review',
        phase,
        selected: phase === 'choosing' ? null : c.selected,
        reasons: m.rating.reasons.map((r) => ({ key: r.key, label: r.label })),
        contentVersion: m.rating.version,
        message: c.message,
      };
    }
  }
}

/** The step machine running under a matter (null between steps or after the last). */
export function stepActorOf(matter: { getSnapshot(): MatterSnapshot }): AnyActorRef | null {
  const children = matter.getSnapshot().children as Record<string, AnyActorRef | undefined>;
  return children.step ?? null;
}

/** Whether the current step takes this event now (the core answers 'not-allowed' otherwise). */
export function stepAccepts(matter: { getSnapshot(): MatterSnapshot }, event: MatterEvent): boolean {
  const step = stepActorOf(matter);
  if (step === null) return false;
  const s = step.getSnapshot() as AnyMachineSnapshot;
  return s.status === 'active' && s.can(event);
}

/** Whether the matter was submitted (cancel then ends the session instead of discarding). */
export function isSubmitted(matter: { getSnapshot(): MatterSnapshot }): boolean {
  return matter.getSnapshot().context.data.submission !== null;
}

/** The MatterView of a running matter; null when it has no current step (completed). */
export function matterViewOf(matter: { getSnapshot(): MatterSnapshot }, env: ViewEnv, confirmCancel: boolean): MatterView | null {
  const snap = matter.getSnapshot();
  const step = stepActorOf(matter);
  if (step === null || snap.status !== 'active') return null;
  const s = step.getSnapshot() as AnyMachineSnapshot;
  const m = snap.context;
  const kind = m.app.steps[m.stepIndex];
  if (kind === undefined) return null;
  const busy = s.hasTag('busy');
  return {
    code: m.app.code,
    kind: m.app.kind,
    name: m.app.name,
    members: m.app.members.map((x) => x.name),
    progress: m.app.steps.map((k, i) => ({ kind: k, state: i < m.stepIndex ? 'done' : i === m.stepIndex ? 'current' : 'todo' })),
    canBack: !busy && s.status === 'active' && s.can({ type: 'BACK' }),
    canCancel: m.data.submission === null && !busy,
    confirmCancel,
    step: stepOf(kind, m, s, env),
  };
}
