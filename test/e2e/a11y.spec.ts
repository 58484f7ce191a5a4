/**
 * Accessibility on every screen (issue 12 item 6): each screen of the citizen's journey, rendered from
 * example views behind a fake core, at 1080×1920 portrait and 1920×1080 landscape, in the normal mode, in
 * elder mode (长辈模式) and in high contrast — axe without serious or critical findings, and the floor
 * measured from computed styles (a11y-checks.ts): text size, contrast against the effective background,
 * 60 px targets, no words wrapping in a button, no page scrolling. Every state is photographed to
 * test-results/screens/<screen>-<orientation>[-elder|-contrast|-elder-en].png. The screens include what
 * the citizen meets of a technician's hand-over (service.status): closing after the session, closing now
 * with its countdown, and the out-of-service screen with the technician's reason.
 */
import type { Page } from '@playwright/test';
import { CaseQueryPhase, type DeviceStatus, type MatterList, type MatterSummary, type MatterView, type ServiceStatus, type SessionView, type StepView, type SystemStatus } from '../../main/contract/index.js';
import { EXAMPLE_MATTER_LIST, EXAMPLE_STEPS, exampleMatterView } from '../fixtures/matters/views.js';
import { ELDER_FLOOR, NORMAL_FLOOR, measureFloor } from './a11y-checks.js';
import { FakeCore, baseView } from './fake-core.js';
import { queryView } from './query-views.js';
import { seriousViolations } from './journey-helpers.js';
import { expect, screenshot, test } from './kiosk-fixture.js';

const t = (zh: string, en: string) => ({ 'zh-CN': zh, en });
type Step<K extends StepView['kind']> = Extract<StepView, { kind: K }>;
const step = <K extends StepView['kind']>(kind: K, patch: Partial<Step<K>> = {}): StepView => ({ ...(EXAMPLE_STEPS[kind] as Step<K>), ...patch });
const matter = (s: StepView, patch: Partial<MatterView> = {}): MatterView => ({ ...exampleMatterView(s), ...patch });
const acceptance = { acceptanceNumber: 'NX-DEV-0001-20250102-000001', caseNumber: null, offline: true, qr: '', promisedDate: '2025-01-09' };

/** A longer list than the example (seven matters in three categories), so elder mode has pages to turn. */
function longList(): MatterList {
  const base = EXAMPLE_MATTER_LIST.categories[0]!.matters[1]!;
  const more = (code: string, zh: string, en: string, patch: Partial<MatterSummary> = {}): MatterSummary => ({ ...base, code, name: t(zh, en), ...patch });
  return {
    sample: true,
    categories: [
      ...EXAMPLE_MATTER_LIST.categories,
      {
        id: 'household',
        name: t('户籍与居住', 'Household and residence'),
        matters: [
          more('SAMPLE-GA-0002', '居住证签注', 'Residence permit endorsement', { fee: null, processing: { kind: 'promised', workingDays: 3 } }),
          more('SAMPLE-GA-0003', '户口迁移证明打印', 'Household transfer certificate', { fee: null, processing: { kind: 'immediate' } }),
          more('SAMPLE-MZ-0001', '高龄津贴申领', 'Old-age allowance', { fee: null, processing: { kind: 'promised', workingDays: 10 } }),
          more('SAMPLE-YB-0001', '医保参保信息查询', 'Medical insurance record', { fee: null, processing: { kind: 'immediate' }, offline: false }),
        ],
      },
    ],
  };
}

const DEVICES: DeviceStatus[] = [
  { id: 'id-card', kind: 'id-card', state: 'online', info: { kind: 'id-card', transport: 'sim' }, counters: {}, warnings: [], since: 0 },
  { id: 'receipt-printer', kind: 'receipt-printer', state: 'online', info: { kind: 'receipt-printer', transport: 'sim' }, counters: {}, warnings: [], since: 0 },
];
const SYSTEM: SystemStatus = { platform: 'online', platformProblem: null, queueDepth: 0, host: 'web' };
const ENTRY = { gesture: { corner: 'top-left', taps: 5, withinMs: 3000 }, key: null } as const;
const IN_SERVICE: ServiceStatus = { state: 'in-service', reason: null, closing: null, technicianEntry: ENTRY };
/** The technician's hand-over as the citizen meets it (main/contract/service.ts). */
const CLOSING_AFTER: ServiceStatus = { ...IN_SERVICE, state: 'closing', closing: { mode: 'after-session', secondsLeft: null } };
const CLOSING_NOW: ServiceStatus = { ...IN_SERVICE, state: 'closing', closing: { mode: 'now', secondsLeft: 45 } };
const MAINTENANCE: ServiceStatus = { ...IN_SERVICE, state: 'out-of-service', reason: '设备维护中，预计 30 分钟后恢复 Maintenance, back in about 30 minutes' };

interface Screen {
  name: string;
  view: Partial<SessionView>;
  /** What 'service.status' says on this screen (the technician's hand-over); in service when left out. */
  service?: ServiceStatus;
  /** A notice that asks nothing of the citizen has no control to measure (closing now: a countdown only). */
  noControls?: true;
  /** Brings the screen to the state photographed (opens the keyboard…); the view is already shown. */
  act?: (page: Page) => Promise<void>;
}

const inMatter = (name: string, s: StepView, patch: Partial<MatterView> = {}, act?: Screen['act'], service?: ServiceStatus): Screen => ({
  name,
  // Its own code per screen, so each screen mounts afresh (the renderer keys a step by matter and kind).
  view: { screen: 'matter', matters: null, outcome: null, matter: matter(s, { code: `SAMPLE-${name}`, ...patch }) },
  ...(act ? { act } : {}),
  ...(service ? { service } : {}),
});

/** Every screen a citizen can meet on the journey, in the order they meet them. */
const SCREENS: Screen[] = [
  { name: 'attract', view: { screen: 'attract', citizen: null, cardOnReader: false, matters: null, matter: null } },
  { name: 'welcome', view: { screen: 'welcome', matters: longList(), matter: null } },
  { name: 'welcome-card-notices', view: { screen: 'welcome', matters: EXAMPLE_MATTER_LIST, matter: null, citizen: { name: '张晓宁', maskedId: '640104********0012', cardType: 'resident', notices: ['expired', 'id-check-failed'] } } },
  { name: 'idle-warning', view: { screen: 'welcome', matters: longList(), matter: null, idleWarning: { secondsLeft: 18 } } },
  inMatter('notice', EXAMPLE_STEPS.notice, { progress: [{ kind: 'notice', state: 'current' }, { kind: 'form', state: 'todo' }, { kind: 'submit', state: 'todo' }, { kind: 'print', state: 'todo' }, { kind: 'review', state: 'todo' }], canBack: false }),
  inMatter('form', EXAMPLE_STEPS.form),
  inMatter('form-pinyin', step('form', { errorCount: 0, fields: [{ key: 'childName', label: t('新生儿姓名', "Baby's name"), kind: 'chinese', required: true, value: '', source: null, help: null, error: null, options: null, maxLength: 20, members: [] }] }), {}, async (page) => {
    const keyboard = page.getByRole('group', { name: /^(拼音键盘|Pinyin keyboard)$/ });
    for (const k of 'zhang') await keyboard.getByRole('button', { name: k, exact: true }).click();
    await expect(page.getByRole('group', { name: /^(候选字|Candidates)$/ }).getByRole('button', { name: '张', exact: true })).toBeVisible();
  }),
  inMatter('form-date', step('form', { errorCount: 0, fields: [{ key: 'childBirthDate', label: t('出生日期', 'Date of birth'), kind: 'date', required: true, value: '', source: null, help: null, error: null, options: null, maxLength: null, members: [] }] })),
  inMatter('commitment', EXAMPLE_STEPS.commitment),
  inMatter('materials', EXAMPLE_STEPS.materials),
  inMatter('materials-scanning', step('materials', { phase: 'scanning', scanning: { material: 'residenceProof', pagesDone: 1, pageProgress: 0.4 } })),
  inMatter('fee', step('fee', { phase: 'ready', message: null })),
  inMatter('fee-paying', EXAMPLE_STEPS.fee),
  inMatter('fee-declined', step('fee', { phase: 'declined', message: t('银行卡余额不足，未扣款', 'Declined: insufficient funds; nothing was charged') })),
  inMatter('submit', EXAMPLE_STEPS.submit),
  inMatter('submit-sending', step('submit', { phase: 'submitting' })),
  inMatter('submit-accepted', step('submit', { phase: 'accepted', accepted: acceptance }), { canBack: false, canCancel: false }),
  inMatter('print-printing', step('print', { phase: 'printing', message: null }), { canBack: false, canCancel: false }),
  inMatter('print-printed', step('print', { phase: 'printed', message: null }), { canBack: false, canCancel: false }),
  inMatter('print-failed', EXAMPLE_STEPS.print, { canBack: false, canCancel: false }),
  inMatter('review', step('review', { phase: 'choosing', selected: null }), { canBack: false, canCancel: false }),
  inMatter('review-reasons', EXAMPLE_STEPS.review, { canBack: true, canCancel: false }),
  inMatter('cancel-confirm', EXAMPLE_STEPS.notice, { confirmCancel: true }),
  { name: 'goodbye', view: { screen: 'finished', matters: null, matter: null, cardOnReader: true, outcome: { name: t('居住证签注', 'Residence permit endorsement'), acceptanceNumber: acceptance.acceptanceNumber, rated: true } } },
  { name: 'goodbye-card-taken', view: { screen: 'finished', matters: null, matter: null, cardOnReader: false, outcome: null } },
  { name: 'out-of-service', view: { screen: 'out-of-service', citizen: null, matters: null, matter: null, outOfServiceReason: 'database check failed' } },
  // The technician's hand-over (issue 11), as the citizen sees it: told while finishing, told and counted
  // down when it ends now, then the out-of-service screen with the technician's reason.
  inMatter('closing-after-session', EXAMPLE_STEPS.form, {}, undefined, CLOSING_AFTER),
  { name: 'closing-now', view: { screen: 'welcome', matters: longList(), matter: null }, service: CLOSING_NOW, noControls: true },
  { name: 'maintenance', view: { screen: 'out-of-service', citizen: null, matters: null, matter: null, outOfServiceReason: null }, service: MAINTENANCE },
  // 查询办件 (issue 12 item 3), from the attract screen: every phase of the query.
  ...CaseQueryPhase.options.map((phase): Screen => ({ name: `query-${phase}`, view: { screen: 'query', citizen: null, cardOnReader: false, matters: null, matter: null, outcome: null, query: queryView(phase) } })),
];

const ORIENTATIONS = { portrait: { width: 1080, height: 1920 }, landscape: { width: 1920, height: 1080 } } as const;
/** English is longer than Chinese: elder mode in English is where words are likeliest to wrap. */
const MODES = {
  normal: { suffix: '', locale: 'zh-CN', display: { largeText: false, highContrast: false }, floor: NORMAL_FLOOR },
  elder: { suffix: '-elder', locale: 'zh-CN', display: { largeText: true, highContrast: false }, floor: ELDER_FLOOR },
  contrast: { suffix: '-contrast', locale: 'zh-CN', display: { largeText: false, highContrast: true }, floor: NORMAL_FLOOR },
  'elder English': { suffix: '-elder-en', locale: 'en', display: { largeText: true, highContrast: false }, floor: ELDER_FLOOR },
} as const;

for (const [orientation, viewport] of Object.entries(ORIENTATIONS)) {
  test.describe(`every screen, ${orientation} ${viewport.width}×${viewport.height}`, () => {
    test.use({ viewport });
    for (const [mode, m] of Object.entries(MODES)) {
      test(`${mode}: axe, text size and contrast, 60 px targets, no wrapping`, async ({ page, kiosk }, testInfo) => {
        test.setTimeout(240_000);
        const core = await FakeCore.attach(page, baseView({ display: m.display, locale: m.locale, ...SCREENS[0]!.view }));
        await page.goto(kiosk.url);
        await core.waitFor('session.get');
        core.push('devices.status', DEVICES);
        core.push('system.status', SYSTEM);
        // While working on a few screens: A11Y_SCREENS=attract,form photographs and checks only those.
        const only = process.env.A11Y_SCREENS?.split(',');
        for (const screen of SCREENS.filter((x) => !only || only.includes(x.name))) {
          await test.step(screen.name, async () => {
            core.push('service.status', screen.service ?? IN_SERVICE);
            core.show({ idleWarning: null, citizen: baseView().citizen, outOfServiceReason: null, display: m.display, locale: m.locale, ...screen.view });
            await expect(page.locator('html')).toHaveClass(m.display.largeText ? /(^| )large-text( |$)/ : /^(?!.*large-text)/);
            await expect(page.locator('main, [role="alertdialog"]').first()).toBeVisible();
            if (screen.service?.closing?.mode === 'after-session') await expect(page.locator('.closing-banner')).toBeVisible();
            if (screen.service?.closing?.mode === 'now') await expect(page.getByRole('alertdialog')).toContainText('45');
            if (screen.service?.state === 'out-of-service') await expect(page.getByText(screen.service.reason ?? '')).toBeVisible();
            await page.waitForFunction(() => document.fonts.status === 'loaded');
            if (screen.act) await screen.act(page);
            const name = `${screen.name}-${orientation}${m.suffix}`;
            await screenshot(page, name, testInfo);
            const floor = await measureFloor(page, m.floor);
            expect(floor.texts, `${name}: text measured`).toBeGreaterThan(0);
            if (screen.noControls) expect(floor.controls, `${name}: no controls`).toBe(0);
            else expect(floor.controls, `${name}: controls measured`).toBeGreaterThan(0);
            expect.soft(floor.problems, `${name}: the floor`).toEqual([]);
            expect.soft(await seriousViolations(page), `${name}: axe`).toEqual([]);
          });
        }
      });
    }
  });
}
