import type { CaseQueryPhase, MatterView, SessionView, StepView } from '../../../../main/contract/index.js';
import { EXAMPLE_CASE, EXAMPLE_MATTER_LIST, EXAMPLE_STEPS, exampleMatterView } from '../../../fixtures/matters/views.js';

/** Session views for voice tests: every screen, every step in every phase, from the contract's examples. */

export const CITIZEN = { name: '马晓燕', maskedId: '110105********002X', cardType: 'resident' as const, notices: [] };

export function baseView(over: Partial<SessionView> = {}): SessionView {
  return {
    seq: 1,
    screen: 'attract',
    locale: 'zh-CN',
    display: { largeText: false, highContrast: false },
    voice: { on: true, volume: 70 },
    citizen: null,
    idleWarning: null,
    cardOnReader: false,
    terminal: { id: 'NX-TEST-0001', siteName: '测试大厅', siteType: 'service-hall' },
    outOfServiceReason: null,
    matters: null,
    matter: null,
    outcome: null,
    ...over,
  };
}

/** The step of `kind` in `phase` (example data). */
export function stepIn(kind: StepView['kind'], phase?: string): StepView {
  const step = structuredClone(EXAMPLE_STEPS[kind]);
  if (phase !== undefined && 'phase' in step) (step as { phase: string }).phase = phase;
  if (step.kind === 'submit' && step.phase === 'accepted') {
    step.accepted = { acceptanceNumber: 'NX-TEST-0001-20250102-000001', caseNumber: null, offline: true, qr: 'data:,', promisedDate: '2025-01-09' };
  }
  return step;
}

export function matterView(step: StepView, over: Partial<MatterView> = {}): MatterView {
  const m = exampleMatterView(step);
  // The step shown is the current one of the indicator.
  const kinds = m.progress.map((p) => p.kind);
  if (!kinds.includes(step.kind)) m.progress.splice(1, 0, { kind: step.kind, state: 'todo' });
  const at = m.progress.findIndex((p) => p.kind === step.kind);
  m.progress = m.progress.map((p, i) => ({ kind: p.kind, state: i < at ? 'done' : i === at ? 'current' : 'todo' }));
  return { ...m, ...over };
}

export function viewOfStep(step: StepView, over: Partial<SessionView> = {}): SessionView {
  return baseView({ screen: 'matter', citizen: CITIZEN, matter: matterView(step), ...over });
}

export const WELCOME = (): SessionView => baseView({ screen: 'welcome', citizen: CITIZEN, matters: EXAMPLE_MATTER_LIST });

/** A case of the query (its number, matter and state are the citizen's and must not be spoken). */
export { EXAMPLE_CASE };

/** The case query screen in `phase` (offline, so the honesty line is said too). */
export function queryView(phase: CaseQueryPhase): SessionView {
  const withCase = phase !== 'choose' && phase !== 'looking-up' && phase !== 'not-found';
  return baseView({
    screen: 'query',
    query: {
      phase,
      how: withCase ? 'number' : null,
      numberPrefix: 'NX-TEST-0001-',
      numberDigits: 14,
      qrReader: false,
      platform: 'offline',
      cases: withCase ? [EXAMPLE_CASE] : [],
      selected: withCase && phase !== 'list' ? EXAMPLE_CASE.id : null,
      message: null,
      basis: null,
      rating: { selected: null, reasons: [], contentVersion: 'v1' },
      holderName: null,
    },
  });
}
