import { assign, fromCallback, fromPromise, setup } from 'xstate';
import type { AppMaterial } from '../../catalog/index.js';
import type { LocalText } from '../../contract/index.js';
import {
  StepError,
  wordsOf,
  type CertificateInfo,
  type LookupCertificatesInput,
  type LookupCertificatesOutput,
  type MatterData,
  type MatterEvent,
  type ScanEvent,
  type ScanPagesInput,
  type StepOutput,
} from '../matter-types.js';
import { back, next, type StepInput } from './common.js';

export interface MaterialsContext {
  input: StepInput;
  materials: MatterData['materials'];
  offers: MatterData['offers'];
  declinedOffers: string[];
  certificatesUnavailable: boolean;
  scanning: { material: string; pagesDone: number; pageProgress: number | null } | null;
  message: LocalText | null;
  out: StepOutput | null;
}

const NOT_PROVIDED = 'materials: not provided by the core';

function byKey(c: MaterialsContext, key: string): AppMaterial | undefined {
  return c.input.app.materials.find((m) => m.key === key);
}

export function pagesOf(c: Pick<MaterialsContext, 'materials'>, key: string): number {
  const p = c.materials[key];
  return p?.by === 'scan' ? p.pages : 0;
}

export function committed(data: Pick<MatterData, 'commitment'>): boolean {
  return data.commitment?.decision === 'committed';
}

/** The e-certificate still offered for a material (found, not declined, not yet used). */
export function offerOf(c: Pick<MaterialsContext, 'offers' | 'declinedOffers' | 'materials'>, key: string): CertificateInfo | null {
  if (c.declinedOffers.includes(key) || c.materials[key] !== undefined) return null;
  return c.offers?.[key] ?? null;
}

export function missingMaterials(c: Pick<MaterialsContext, 'materials' | 'input'>): AppMaterial[] {
  return c.input.app.materials.filter((m) => m.required && c.materials[m.key] === undefined);
}

function listNames(ms: readonly AppMaterial[]): LocalText {
  return { 'zh-CN': `还缺少：${ms.map((m) => m.name['zh-CN']).join('、')}`, en: `Still missing: ${ms.map((m) => m.name.en).join(', ')}` };
}

/**
 * materials: per material, an e-certificate first when the platform has one for this citizen
 * (looked up once when the step is first entered; consent by USE_CERTIFICATE), else a scan through
 * the scanPages actor (pages stay in the core; the machine keeps refs), else the commitment where
 * the material allows it and the commitment was signed. Next needs every required material.
 */
export const materialsStep = setup({
  types: {
    input: {} as StepInput,
    context: {} as MaterialsContext,
    events: {} as MatterEvent | ScanEvent,
    output: {} as StepOutput,
  },
  actors: {
    lookupCertificates: fromPromise<LookupCertificatesOutput, LookupCertificatesInput>(() => Promise.reject(new StepError({ 'zh-CN': NOT_PROVIDED, en: NOT_PROVIDED }))),
    scanPages: fromCallback<MatterEvent, ScanPagesInput>(({ sendBack }) => {
      sendBack({ type: 'SCAN_FAILED', words: { 'zh-CN': NOT_PROVIDED, en: NOT_PROVIDED } });
    }),
  },
  guards: {
    canBack: ({ context }) => context.input.canBack,
    needsLookup: ({ context }) => context.offers === null && context.input.app.materials.some((m) => m.accepts.eCertificate !== undefined),
    hasOffer: ({ context, event }) => 'material' in event && offerOf(context, event.material) !== null,
    hasOfferToDecline: ({ context, event }) => 'material' in event && offerOf(context, event.material) !== null,
    canScan: ({ context, event }) => {
      if (event.type !== 'SCAN') return false;
      const m = byKey(context, event.material);
      if (!m?.accepts.scan) return false;
      const p = context.materials[event.material];
      return p === undefined || (p.by === 'scan' && p.pages < m.accepts.scan.maxPages);
    },
    hasPages: ({ context, event }) => event.type === 'REMOVE_PAGES' && context.materials[event.material]?.by === 'scan',
    canUseCommitment: ({ context, event }) => event.type === 'USE_COMMITMENT' && committed(context.input.data) && byKey(context, event.material)?.accepts.commitment === true,
    complete: ({ context }) => missingMaterials(context).length === 0,
  },
  actions: {
    takeOffers: assign(({ context, event }) => {
      const found = (event as unknown as { output: LookupCertificatesOutput }).output;
      const offers: Record<string, CertificateInfo | null> = {};
      for (const m of context.input.app.materials) {
        const type = m.accepts.eCertificate?.type;
        offers[m.key] = type === undefined ? null : (found[type]?.[0] ?? null);
      }
      return { offers, certificatesUnavailable: false };
    }),
    lookupFailed: assign({ offers: () => ({}), certificatesUnavailable: true }),
    useCertificate: assign(({ context, event }) => {
      if (event.type !== 'USE_CERTIFICATE') return {};
      const cert = offerOf(context, event.material);
      if (cert === null) return {};
      return { materials: { ...context.materials, [event.material]: { by: 'e-certificate' as const, certificate: cert } }, message: null };
    }),
    declineCertificate: assign(({ context, event }) => (event.type === 'DECLINE_CERTIFICATE' ? { declinedOffers: [...context.declinedOffers, event.material], message: null } : {})),
    startScan: assign(({ event }) => (event.type === 'SCAN' ? { scanning: { material: event.material, pagesDone: 0, pageProgress: null }, message: null } : {})),
    scanProgress: assign(({ context, event }) =>
      event.type === 'SCAN_PROGRESS' && context.scanning ? { scanning: { ...context.scanning, pagesDone: event.pagesDone, pageProgress: event.pageProgress } } : {},
    ),
    scanDone: assign(({ context, event }) => {
      if (event.type !== 'SCAN_DONE' || context.scanning === null) return {};
      const key = context.scanning.material;
      const before = context.materials[key];
      const refs = before?.by === 'scan' ? before.refs : [];
      const pages = (before?.by === 'scan' ? before.pages : 0) + event.pages;
      if (event.pages === 0) {
        return { scanning: null, message: { 'zh-CN': '没有扫描到页面，请把材料放好后重试。', en: 'No page was scanned. Place the document and try again.' } };
      }
      return { scanning: null, materials: { ...context.materials, [key]: { by: 'scan' as const, pages, refs: [...refs, event.ref] } } };
    }),
    scanFailed: assign(({ event }) => ({ scanning: null, message: event.type === 'SCAN_FAILED' ? event.words : wordsOf(undefined) })),
    removePages: assign(({ context, event }) => {
      if (event.type !== 'REMOVE_PAGES') return {};
      const { [event.material]: _gone, ...rest } = context.materials;
      return { materials: rest, message: null };
    }),
    useCommitment: assign(({ context, event }) =>
      event.type === 'USE_COMMITMENT' ? { materials: { ...context.materials, [event.material]: { by: 'commitment' as const } }, message: null } : {},
    ),
    sayMissing: assign(({ context }) => ({ message: listNames(missingMaterials(context)) })),
    finishNext: assign({ out: ({ context }) => next(dataOf(context)) }),
    finishBack: assign({ out: ({ context }) => back(dataOf(context)) }),
  },
}).createMachine({
  id: 'materials',
  context: ({ input }) => {
    // A commitment declined since: the materials it stood for are not provided.
    const materials: MatterData['materials'] = {};
    for (const [k, p] of Object.entries(input.data.materials)) if (p.by !== 'commitment' || committed(input.data)) materials[k] = p;
    return {
      input,
      materials,
      offers: input.data.offers,
      declinedOffers: input.data.declinedOffers,
      certificatesUnavailable: input.data.certificatesUnavailable,
      scanning: null,
      message: null,
      out: null,
    };
  },
  initial: 'start',
  output: ({ context }) => context.out ?? next(dataOf(context)),
  states: {
    start: {
      always: [{ guard: 'needsLookup', target: 'lookingUp' }, { target: 'ready' }],
    },
    lookingUp: {
      tags: ['busy'],
      invoke: {
        src: 'lookupCertificates',
        input: ({ context }) => ({ types: [...new Set(context.input.app.materials.flatMap((m) => (m.accepts.eCertificate ? [m.accepts.eCertificate.type] : [])))] }),
        onDone: { target: 'ready', actions: 'takeOffers' },
        onError: { target: 'ready', actions: 'lookupFailed' },
      },
    },
    ready: {
      tags: ['idle'],
      on: {
        USE_CERTIFICATE: { guard: 'hasOffer', actions: 'useCertificate' },
        DECLINE_CERTIFICATE: { guard: 'hasOfferToDecline', actions: 'declineCertificate' },
        SCAN: { guard: 'canScan', target: 'scanning', actions: 'startScan' },
        REMOVE_PAGES: { guard: 'hasPages', actions: 'removePages' },
        USE_COMMITMENT: { guard: 'canUseCommitment', actions: 'useCommitment' },
        NEXT: [{ guard: 'complete', target: 'done', actions: 'finishNext' }, { actions: 'sayMissing' }],
        BACK: { guard: 'canBack', target: 'done', actions: 'finishBack' },
      },
    },
    scanning: {
      tags: ['busy', 'scanning'],
      invoke: {
        src: 'scanPages',
        input: ({ context }) => {
          const key = context.scanning?.material ?? '';
          const max = byKey(context, key)?.accepts.scan?.maxPages ?? 0;
          return { material: key, maxPages: Math.max(0, max - pagesOf(context, key)) };
        },
      },
      on: {
        SCAN_PROGRESS: { actions: 'scanProgress' },
        SCAN_DONE: { target: 'ready', actions: 'scanDone' },
        SCAN_FAILED: { target: 'ready', actions: 'scanFailed' },
      },
    },
    done: { type: 'final' },
  },
});

function dataOf(c: MaterialsContext): Partial<MatterData> {
  return { materials: c.materials, offers: c.offers, declinedOffers: c.declinedOffers, certificatesUnavailable: c.certificatesUnavailable };
}
