/**
 * Every phase of the case query (查询办件) rendered from example views with a fake core behind the WebSocket:
 * roles and names, the requests each control sends, touch targets ≥ 60 px and words that fit on one line, axe, at
 * 1080×1920 portrait and 1920×1080 landscape, in both languages and in large text. Screenshots into
 * test-results/screens/query-<orientation>-<display>-<phase>.png. The journey against the real core is citizen.spec.ts.
 */
import { CaseQueryPhase, RATING_LEVELS, type CaseQueryView, type SessionView } from '../../main/contract/index.js';
import { FakeCore, baseView } from './fake-core.js';
import { CASE, queryView } from './query-views.js';
import { checkButtons, seriousViolations } from './journey-helpers.js';
import { expect, screenshot, test } from './kiosk-fixture.js';

const view = (phase: CaseQueryView['phase'], patch: Partial<SessionView> = {}) => baseView({ screen: 'query', citizen: null, cardOnReader: false, query: queryView(phase), ...patch });

for (const [orientation, viewport] of [
  ['portrait', { width: 1080, height: 1920 }],
  ['landscape', { width: 1920, height: 1080 }],
] as const) {
  test.describe(`case query screens, ${orientation}`, () => {
    test.use({ viewport });
    for (const [display, patch] of [
      ['normal', {}],
      ['large', { display: { largeText: true, highContrast: true } }],
      ['english', { locale: 'en' as const }],
    ] as const) {
      test(`every phase (${display}): controls ≥ 60 px on one line, no serious axe finding`, async ({ page, kiosk }, testInfo) => {
        const core = await FakeCore.attach(page, view('choose', patch));
        await page.goto(kiosk.url);
        for (const phase of CaseQueryPhase.options) {
          core.show({ query: queryView(phase), ...patch });
          await expect(page.locator('main.query')).toBeVisible();
          if (phase === 'looking-up' || phase === 'printing' || phase === 'sending') await expect(page.getByRole('progressbar')).toBeVisible();
          await checkButtons(page);
          expect(await seriousViolations(page), phase).toEqual([]);
          await screenshot(page, `query-${orientation}-${display}-${phase}`, testInfo);
        }
      });
    }
  });
}

test.describe('case query controls', () => {
  test.use({ viewport: { width: 1080, height: 1920 } });
  test('the digit pad types the number after the prefix and sends cases.byNumber; a case offers reprint and the five levels by name', async ({ page, kiosk }) => {
    const core = await FakeCore.attach(page, view('choose'));
    await page.goto(kiosk.url);
    const pad = page.getByRole('group', { name: '数字键盘' });
    for (const d of '202612010000071') await pad.getByRole('button', { name: d, exact: true }).click();
    // 14 digits at most; the last press is refused; 删除 takes one back.
    await expect(page.getByTestId('typed-number')).toHaveText('NX-DEV-0001-20261201-000007');
    await pad.getByRole('button', { name: '删除', exact: true }).click();
    await pad.getByRole('button', { name: '7', exact: true }).click();
    await page.getByRole('button', { name: '查询', exact: true }).click();
    expect(await core.waitFor('cases.byNumber')).toEqual([{ digits: '20261201000007' }]);

    core.show({ query: queryView('list') });
    await page.getByRole('button', { name: /社会保障卡补换.*待补正/ }).click();
    expect(await core.waitFor('cases.select')).toEqual([{ id: CASE.id }]);
    core.show({ query: queryView('case') });
    await expect(page.getByTestId('case-state')).toContainText('待补正');
    await expect(page.getByText('照片不清晰，请重新提交近期免冠照片')).toBeVisible();
    const levels = page.getByRole('group', { name: '请对这件申请的办理服务作出评价' });
    await expect(levels.getByRole('button')).toHaveText(RATING_LEVELS.map((l) => l.label['zh-CN']));
    await levels.getByRole('button', { name: '不满意', exact: true }).click();
    expect(await core.waitFor('cases.rate')).toEqual([{ level: 'dissatisfied' }]);
    await page.getByRole('button', { name: '补打回执', exact: true }).click();
    expect(await core.waitFor('cases.reprint')).toEqual([{}]);
    core.show({ query: queryView('reasons') });
    await page.getByRole('button', { name: '提交评价', exact: true }).click();
    await expect(page.getByRole('alert')).toContainText('请至少选择一项原因');
    await page.getByRole('checkbox', { name: '办理时间长' }).check();
    await page.getByRole('button', { name: '提交评价', exact: true }).click();
    expect(await core.waitFor('cases.rateReasons')).toEqual([{ reasons: ['too-slow'], text: '' }]);
    await page.getByRole('button', { name: '返回首页', exact: true }).click();
    expect(await core.waitFor('cases.close')).toEqual([{}]);
  });
});
