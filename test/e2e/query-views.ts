/** Example views of the case query (查询办件) for the screens behind a fake core: query-screens.spec.ts and a11y.spec.ts. */
import type { CaseQueryView, CaseView } from '../../main/contract/index.js';

const t = (zh: string, en: string) => ({ 'zh-CN': zh, en });

export const CASE: CaseView = {
  id: 'local:NX-DEV-0001-20261201-000007',
  acceptanceNumber: 'NX-DEV-0001-20261201-000007',
  caseNumber: 'NX-20261201-0000007',
  matter: t('社会保障卡补换', 'Social security card replacement'),
  state: 'correction-required',
  stateWords: t('待补正', 'Corrections required'),
  source: 'platform',
  next: t('请按下列要求补正材料，可到窗口办理或重新申请。', 'Please correct what is listed below, at a service window or with a new application.'),
  submittedAt: '2026-12-01 09:30',
  updatedAt: '2026-12-02 10:00',
  promisedDate: '2026-12-08',
  history: [
    { state: 'received', words: t('已提交（待受理）', 'Submitted, awaiting acceptance'), at: '2026-12-01 09:30' },
    { state: 'correction-required', words: t('待补正', 'Corrections required'), at: '2026-12-02 10:00' },
  ],
  reason: null,
  corrections: ['照片不清晰，请重新提交近期免冠照片'],
  decision: null,
  rated: false,
  canRate: true,
  canReprint: true,
  reprintNote: null,
  local: true,
};
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
