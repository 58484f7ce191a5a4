/** Example views of the case query (查询办件) for the screens behind a fake core: query-screens.spec.ts and a11y.spec.ts. */
import type { CaseQueryView, CaseView } from '../../main/contract/index.js';
import { EXAMPLE_CASE } from '../fixtures/matters/views.js';

const t = (zh: string, en: string) => ({ 'zh-CN': zh, en });

export const CASE: CaseView = EXAMPLE_CASE;
export const QUEUED: CaseView = { ...CASE, id: 'local:NX-DEV-0001-20261201-000008', acceptanceNumber: 'NX-DEV-0001-20261201-000008', caseNumber: null, state: 'queued', stateWords: t('已在本终端受理，待提交到平台', 'Accepted here, waiting to go to the platform'), source: 'kiosk', history: [], corrections: [], canReprint: false, reprintNote: t('补打回执需要申请人本人刷身份证。', "Reprinting needs the applicant's own ID card.") };

export function queryView(phase: CaseQueryView['phase']): CaseQueryView {
  const cases = phase === 'choose' || phase === 'looking-up' || phase === 'not-found' ? [] : [CASE, QUEUED];
  return {
    phase,
    how: cases.length ? 'card' : null,
    numberPrefix: 'NX-DEV-0001-',
    numberDigits: 14,
    qrReader: true,
    platform: 'online',
    cases,
    selected: phase === 'list' || cases.length === 0 ? null : CASE.id,
    message: phase === 'not-found' ? t('本终端没有这个受理编号。', 'This terminal has no such acceptance number.') : null,
    basis: null,
    rating: { selected: phase === 'reasons' ? 'dissatisfied' : null, reasons: [{ key: 'too-slow', label: t('办理时间长', 'Took too long') }], contentVersion: 'v1' },
    holderName: cases.length ? '张*宁' : null,
  };
}
