/**
 * Every screen of the matter journey rendered from the contract's example views (test/fixtures/matters)
 * with a fake core behind the WebSocket: names, roles, the requests each control sends, touch-target
 * sizes, text that does not wrap or overflow inside buttons, axe, both languages and large text.
 * The journeys against the real core are in matters.spec.ts.
 */
import type { Page } from '@playwright/test';
import { RATING_LEVELS, type FieldView, type MatterView, type StepView } from '../../main/contract/index.js';
import { EXAMPLE_MATTER_LIST, EXAMPLE_STEPS, exampleMatterView } from '../fixtures/matters/views.js';
import { FakeCore, baseView } from './fake-core.js';
import { checkButtons, decodeQrPng, seriousViolations } from './journey-helpers.js';
import { expect, screenshot, test } from './kiosk-fixture.js';

const t = (zh: string, en: string) => ({ 'zh-CN': zh, en });

function matterWith(step: StepView, patch: Partial<MatterView> = {}): MatterView {
  return { ...exampleMatterView(step), ...patch };
}

async function open(page: Page, url: string, view = baseView()): Promise<FakeCore> {
  const core = await FakeCore.attach(page, view);
  await page.goto(url);
  return core;
}

async function checkScreen(page: Page, name: string, testInfo: Parameters<typeof screenshot>[2]) {
  await checkButtons(page);
  expect(await seriousViolations(page)).toEqual([]);
  await screenshot(page, name, testInfo);
}

test.describe('matter screens (fake core, example views)', () => {
  // A landscape kiosk screen (the portrait and elder-mode layouts are issue 12's).
  test.use({ viewport: { width: 1920, height: 1080 } });

  test('matter list: large buttons named by the catalog name, grouped by category; a matter that cannot run is disabled with the reason', async ({ page, kiosk }, testInfo) => {
    const core = await open(page, kiosk.url, baseView({ matters: EXAMPLE_MATTER_LIST }));
    await expect(page.getByRole('heading', { level: 1, name: '您好，张晓宁' })).toBeVisible();
    await expect(page.getByRole('heading', { name: '社保' })).toBeVisible();
    await expect(page.getByRole('heading', { name: '一件事一次办' })).toBeVisible();
    const unavailable = page.getByRole('button', { name: '社会保险个人参保证明查询打印', exact: true });
    await expect(unavailable).toBeDisabled();
    await expect(unavailable).toHaveAccessibleDescription(/暂时无法连接政务服务平台，此事项需联网办理/);
    await expect(page.getByText('暂时无法连接政务服务平台，此事项需联网办理')).toBeVisible();
    await expect(page.getByRole('button', { name: '新生儿出生一件事', exact: true })).toBeDisabled();
    const fee = page.getByRole('button', { name: '社会保障卡补换', exact: true });
    await expect(fee).toBeEnabled();
    await expect(fee).toHaveAccessibleDescription(/收费 20\.00 元/);
    await checkScreen(page, 'screen-matter-list', testInfo);
    await fee.click();
    expect(await core.waitFor('matter.choose')).toEqual([{ code: 'SAMPLE-SB-0003' }]);
  });

  test('notice: requirements, materials, fee, time limit, legal basis; "下一步" reads on', async ({ page, kiosk }, testInfo) => {
    const core = await open(page, kiosk.url, baseView({ screen: 'matter', matter: matterWith(EXAMPLE_STEPS.notice, { progress: [{ kind: 'notice', state: 'current' }, { kind: 'form', state: 'todo' }, { kind: 'submit', state: 'todo' }, { kind: 'print', state: 'todo' }, { kind: 'review', state: 'todo' }], canBack: false }) }));
    await expect(page.getByRole('heading', { level: 1, name: '一次性告知' })).toBeVisible();
    await expect(page.getByText('第 1 步，共 5 步')).toBeVisible();
    await expect(page.getByText('《居住证暂行条例》')).toBeVisible();
    await expect(page.getByText('承诺件，3 个工作日内办结')).toBeVisible();
    await expect(page.getByRole('button', { name: '上一步' })).toHaveCount(0);
    await checkScreen(page, 'screen-notice', testInfo);
    await page.getByRole('button', { name: '下一步', exact: true }).click();
    await core.waitFor('matter.next');
  });

  test('form: labelled fields, pre-filled from the card, errors in words next to the field, the kiosk keyboard types', async ({ page, kiosk }, testInfo) => {
    const childName: FieldView = { key: 'childName', label: t('新生儿姓名', "Baby's name"), kind: 'chinese', required: true, value: '', source: null, help: null, error: null, options: null, maxLength: 20, members: [] };
    const form = EXAMPLE_STEPS.form as Extract<StepView, { kind: 'form' }>;
    const step: StepView = { ...form, fields: [childName, ...form.fields] };
    const core = await open(page, kiosk.url, baseView({ screen: 'matter', matter: matterWith(step) }));
    await expect(page.getByText('第 2 步，共 5 步')).toBeVisible();
    const name = page.getByLabel('申请人姓名');
    await expect(name).toHaveValue('张晓宁');
    await expect(name).toHaveAccessibleDescription(/已从身份证读取/);
    const phone = page.getByLabel('联系电话');
    await expect(phone).toHaveAttribute('aria-invalid', 'true');
    await expect(phone).toHaveAccessibleDescription(/请输入11位手机号码或带区号的固定电话/);
    await expect(page.getByRole('radiogroup', { name: '新生儿性别' })).toBeVisible();
    await expect(phone).toHaveAttribute('inputmode', 'none');

    // The keyboard opens on the first field still to fill: the pinyin keyboard for a Chinese name.
    const keyboard = page.getByRole('group', { name: '拼音键盘' });
    await expect(keyboard).toBeVisible();
    for (const k of 'zhang') await keyboard.getByRole('button', { name: k, exact: true }).click();
    await expect(page.getByRole('status', { name: '正在输入拼音' }).or(page.getByLabel('正在输入拼音'))).toHaveText('zhang');
    await expect(page.getByLabel('新生儿姓名')).toHaveValue('');
    await screenshot(page, 'screen-form-pinyin', testInfo);
    await page.getByRole('group', { name: '候选字' }).getByRole('button', { name: '张', exact: true }).click();
    await expect(page.getByLabel('新生儿姓名')).toHaveValue('张');
    await expect.poll(() => core.calls('matter.input')).toContainEqual({ key: 'childName', value: '张' });

    // The phone number on the phone pad.
    await phone.click();
    const pad = page.getByRole('group', { name: '电话号码键盘' });
    await expect(pad).toBeVisible();
    await pad.getByRole('button', { name: '0', exact: true }).click();
    await expect(phone).toHaveValue('13900');
    await expect.poll(() => core.calls('matter.input')).toContainEqual({ key: 'phone', value: '13900' });
    await checkScreen(page, 'screen-form', testInfo);

    await page.getByRole('radio', { name: '女' }).click();
    await expect.poll(() => core.calls('matter.input')).toContainEqual({ key: 'childGender', value: 'female' });
    await page.getByRole('button', { name: '下一步', exact: true }).click();
    await core.waitFor('matter.next');
  });

  test('date fields get the digit pad with the dashes put in', async ({ page, kiosk }) => {
    const date: FieldView = { key: 'childBirthDate', label: t('出生日期', 'Date of birth'), kind: 'date', required: true, value: '', source: null, help: null, error: null, options: null, maxLength: null, members: [] };
    const core = await open(page, kiosk.url, baseView({ screen: 'matter', matter: matterWith({ kind: 'form', fields: [date], errorCount: 0 }) }));
    const pad = page.getByRole('group', { name: /^日期键盘/ });
    for (const k of '20250102') await pad.getByRole('button', { name: k, exact: true }).first().click();
    await expect(page.getByLabel('出生日期')).toHaveValue('2025-01-02');
    await expect.poll(() => core.calls('matter.input').at(-1)).toEqual({ key: 'childBirthDate', value: '2025-01-02' });
  });

  test('commitment: the text and one explicit "我承诺"', async ({ page, kiosk }, testInfo) => {
    const core = await open(page, kiosk.url, baseView({ screen: 'matter', matter: matterWith(EXAMPLE_STEPS.commitment) }));
    await expect(page.getByRole('heading', { level: 1, name: '告知承诺' })).toBeVisible();
    await expect(page.getByText('本人承诺：所填居住地址真实……')).toBeVisible();
    await checkScreen(page, 'screen-commitment', testInfo);
    await page.getByRole('button', { name: '我承诺', exact: true }).click();
    await core.waitFor('matter.commit');
  });

  test('materials: an e-certificate offered first with its issuer; a scan; the commitment', async ({ page, kiosk }, testInfo) => {
    const core = await open(page, kiosk.url, baseView({ screen: 'matter', matter: matterWith(EXAMPLE_STEPS.materials) }));
    const permit = page.getByRole('listitem', { name: '居住证' });
    await expect(permit.getByText('宁夏回族自治区居住证')).toBeVisible();
    await expect(permit.getByText('银川市公安局')).toBeVisible();
    await expect(page.getByRole('listitem', { name: '居住证明' }).getByText('已承诺代替')).toBeVisible();
    await checkScreen(page, 'screen-materials', testInfo);
    await permit.getByRole('button', { name: '使用电子证照：居住证', exact: true }).click();
    expect(await core.waitFor('matter.useCertificate')).toEqual([{ material: 'residencePermit' }]);
    // Scanning shows progress; back and cancel wait.
    const materials = EXAMPLE_STEPS.materials as Extract<StepView, { kind: 'materials' }>;
    core.show({ matter: matterWith({ ...materials, phase: 'scanning', scanning: { material: 'residenceProof', pagesDone: 1, pageProgress: 0.4 } }) });
    await expect(page.getByRole('progressbar', { name: /正在扫描/ })).toHaveAttribute('aria-valuenow', '40');
    await expect(page.getByRole('button', { name: '上一步' })).toBeDisabled();
    await screenshot(page, 'screen-materials-scanning', testInfo);
  });

  test('fee: the amount, then progress while the pad takes the payment', async ({ page, kiosk }, testInfo) => {
    const fee = EXAMPLE_STEPS.fee as Extract<StepView, { kind: 'fee' }>;
    const core = await open(page, kiosk.url, baseView({ screen: 'matter', matter: matterWith({ ...fee, phase: 'ready', message: null }) }));
    await expect(page.getByText('20.00 元')).toBeVisible();
    await checkScreen(page, 'screen-fee', testInfo);
    await page.getByRole('button', { name: '开始缴费' }).click();
    await core.waitFor('matter.pay');
    core.show({ matter: matterWith(fee) });
    await expect(page.getByRole('progressbar', { name: '请在支付终端上刷卡或扫码' })).toBeVisible();
    await screenshot(page, 'screen-fee-paying', testInfo);
  });

  test('submit: a summary, "提交", progress, the acceptance number', async ({ page, kiosk }, testInfo) => {
    const submit = EXAMPLE_STEPS.submit as Extract<StepView, { kind: 'submit' }>;
    const core = await open(page, kiosk.url, baseView({ screen: 'matter', matter: matterWith(submit) }));
    await expect(page.getByText('13900000000')).toBeVisible();
    await expect(page.getByText(/本次申请将离线受理/)).toBeVisible();
    await checkScreen(page, 'screen-submit', testInfo);
    await page.getByRole('button', { name: '提交', exact: true }).click();
    await core.waitFor('matter.submit');
    core.show({ matter: matterWith({ ...submit, phase: 'submitting' }) });
    await expect(page.getByRole('progressbar', { name: '正在提交申请，请稍候…' })).toBeVisible();
    await expect(page.getByRole('button', { name: '提交', exact: true })).toHaveCount(0);
    core.show({ matter: matterWith({ ...submit, phase: 'accepted', accepted: { acceptanceNumber: 'NX-DEV-0001-20250102-000001', caseNumber: null, offline: true, qr: '', promisedDate: null } }) });
    await expect(page.getByTestId('acceptance-number')).toHaveText('NX-DEV-0001-20250102-000001');
  });

  test('print failed: the number and a QR code of it large on screen, and the citizen is told', async ({ page, kiosk }, testInfo) => {
    const core = await open(page, kiosk.url, baseView({ screen: 'matter', matter: matterWith(EXAMPLE_STEPS.print, { canBack: false, canCancel: false }) }));
    await expect(page.getByRole('heading', { level: 1, name: '回执暂时无法打印' })).toBeVisible();
    await expect(page.getByRole('alert')).toContainText('打印机缺纸');
    await expect(page.getByTestId('acceptance-number')).toHaveText('NX-DEV-0001-20250102-000001');
    const qr = page.getByRole('img', { name: /查询办理进度的二维码/ });
    expect((await qr.boundingBox())?.width ?? 0).toBeGreaterThanOrEqual(240);
    await checkScreen(page, 'screen-print-failed', testInfo);
    expect(decodeQrPng(await qr.screenshot())).toBe('NX-DEV-0001-20250102-000001');
    await page.getByRole('button', { name: '重新打印' }).click();
    await core.waitFor('matter.reprint');
    await page.getByRole('button', { name: '下一步', exact: true }).click();
    await core.waitFor('matter.next');
  });

  test('review: five equal buttons named exactly by the levels, none preselected, no colour or size between them', async ({ page, kiosk }, testInfo) => {
    const review = EXAMPLE_STEPS.review as Extract<StepView, { kind: 'review' }>;
    const core = await open(page, kiosk.url, baseView({ screen: 'matter', matter: matterWith({ ...review, phase: 'choosing', selected: null }, { canBack: false, canCancel: false }) }));
    const group = page.getByRole('group', { name: '请对本次服务作出评价' });
    const buttons = group.getByRole('button');
    await expect(buttons).toHaveText(['非常满意', '满意', '基本满意', '不满意', '非常不满意']);
    for (const l of RATING_LEVELS) await expect(group.getByRole('button', { name: l.label['zh-CN'], exact: true })).not.toHaveAttribute('aria-pressed', /.*/);
    const looks = await buttons.evaluateAll((els) =>
      els.map((e) => {
        const s = getComputedStyle(e);
        const r = e.getBoundingClientRect();
        return { w: Math.round(r.width), h: Math.round(r.height), bg: s.backgroundColor, fg: s.color, border: s.borderColor, font: s.fontSize, weight: s.fontWeight };
      }),
    );
    expect(new Set(looks.map((l) => JSON.stringify(l))).size).toBe(1);
    // Nothing has the focus that could make one level the default.
    expect(await page.evaluate(() => document.activeElement?.closest('.rating-levels') === null)).toBe(true);
    await checkScreen(page, 'screen-review', testInfo);
    await group.getByRole('button', { name: '非常满意', exact: true }).click();
    expect(await core.waitFor('matter.rate')).toEqual([{ level: 'very-satisfied' }]);
  });

  test('review: 不满意 asks for reasons (at least one) and optional words', async ({ page, kiosk }, testInfo) => {
    const core = await open(page, kiosk.url, baseView({ screen: 'matter', matter: matterWith(EXAMPLE_STEPS.review, { canBack: true, canCancel: false }) }));
    await expect(page.getByText('不满意', { exact: true })).toBeVisible();
    await page.getByRole('button', { name: '提交评价' }).click();
    await expect(page.getByRole('alert')).toHaveText('请至少选择一项原因');
    expect(core.calls('matter.rateReasons')).toEqual([]);
    await page.getByRole('checkbox', { name: '等待时间过长' }).check();
    await checkScreen(page, 'screen-review-reasons', testInfo);
    await page.getByRole('button', { name: '提交评价' }).click();
    expect(await core.waitFor('matter.rateReasons')).toEqual([{ reasons: ['too-slow'], text: '' }]);
  });

  test('cancel asks once; the safe choice has the focus', async ({ page, kiosk }, testInfo) => {
    const core = await open(page, kiosk.url, baseView({ screen: 'matter', matter: matterWith(EXAMPLE_STEPS.notice) }));
    await page.getByRole('button', { name: '取消办理' }).click();
    await core.waitFor('matter.cancel');
    core.show({ matter: matterWith(EXAMPLE_STEPS.notice, { confirmCancel: true }) });
    const dialog = page.getByRole('alertdialog', { name: '确定要取消办理吗？' });
    await expect(dialog).toBeVisible();
    await expect(dialog.getByRole('button', { name: '继续办理' })).toBeFocused();
    await checkScreen(page, 'screen-cancel-confirm', testInfo);
    await dialog.getByRole('button', { name: '确定取消' }).click();
    await core.waitFor('matter.cancelConfirm');
  });

  test('goodbye: the matter done and the card reminder while the card is on the reader', async ({ page, kiosk }, testInfo) => {
    const core = await open(page, kiosk.url, baseView({ screen: 'finished', outcome: { name: t('居住证签注', 'Residence permit endorsement'), acceptanceNumber: 'NX-DEV-0001-20250102-000001', rated: true } }));
    await expect(page.getByRole('heading', { level: 1, name: '办理完成，感谢使用' })).toBeVisible();
    await expect(page.getByRole('alert')).toHaveText('请取走您的身份证');
    await checkScreen(page, 'screen-goodbye', testInfo);
    core.show({ cardOnReader: false });
    await expect(page.getByText('请带好回执和随身物品')).toBeVisible();
  });

  test('English: the same controls named Next, Submit, I commit', async ({ page, kiosk }, testInfo) => {
    const core = await open(page, kiosk.url, baseView({ locale: 'en', screen: 'matter', matter: matterWith(EXAMPLE_STEPS.notice) }));
    await expect(page.getByText('Step 2 of 5')).toBeVisible();
    await expect(page.getByRole('button', { name: 'Next', exact: true })).toBeVisible();
    await checkScreen(page, 'screen-notice-en', testInfo);
    core.show({ matter: matterWith(EXAMPLE_STEPS.commitment) });
    await expect(page.getByRole('button', { name: 'I commit', exact: true })).toBeVisible();
    core.show({ matter: matterWith(EXAMPLE_STEPS.submit) });
    await expect(page.getByRole('button', { name: 'Submit', exact: true })).toBeVisible();
    await checkScreen(page, 'screen-submit-en', testInfo);
    core.show({ matter: matterWith({ ...(EXAMPLE_STEPS.review as Extract<StepView, { kind: 'review' }>), phase: 'choosing', selected: null }) });
    await expect(page.getByRole('group', { name: 'Please rate this service' }).getByRole('button')).toHaveText(RATING_LEVELS.map((l) => l.label.en));
    core.show({ matters: EXAMPLE_MATTER_LIST, screen: 'welcome', matter: null });
    await expect(page.getByRole('button', { name: 'Replace a social security card', exact: true })).toBeEnabled();
    await checkScreen(page, 'screen-matter-list-en', testInfo);
  });

  test('large text: every step still fits its controls, nothing wraps inside a button', async ({ page, kiosk }, testInfo) => {
    const large = { display: { largeText: true, highContrast: true } };
    const core = await open(page, kiosk.url, baseView({ ...large, matters: EXAMPLE_MATTER_LIST }));
    await expect(page.locator('html')).toHaveClass(/large-text/);
    await checkScreen(page, 'screen-matter-list-large', testInfo);
    for (const [kind, step] of Object.entries(EXAMPLE_STEPS)) {
      core.show({ screen: 'matter', matters: null, matter: matterWith(step) });
      await expect(page.locator('.step-title')).toBeVisible();
      await checkButtons(page);
      await screenshot(page, `screen-${kind}-large`, testInfo);
    }
  });
});

test.describe('portrait (1080×1920)', () => {
  test.use({ viewport: { width: 1080, height: 1920 } });

  test('a step fills the height: the action bar at the bottom, the form above the keyboard, nothing clipped or wrapped', async ({ page, kiosk }, testInfo) => {
    const form = EXAMPLE_STEPS.form as Extract<StepView, { kind: 'form' }>;
    const childName: FieldView = { key: 'childName', label: t('新生儿姓名', "Baby's name"), kind: 'chinese', required: true, value: '', source: null, help: null, error: null, options: null, maxLength: 20, members: [] };
    await open(page, kiosk.url, baseView({ screen: 'matter', matter: matterWith({ ...form, fields: [childName, ...form.fields] }) }));
    await expect(page.getByRole('group', { name: '拼音键盘' })).toBeVisible();
    const box = async (selector: string) => (await page.locator(selector).boundingBox()) ?? { x: 0, y: 0, width: 0, height: 0 };
    const actions = await box('.step-actions');
    const footer = await box('.footer');
    // The action bar sits right above the footer at the bottom of the screen, not in a band in the middle.
    expect(Math.abs(actions.y + actions.height - footer.y)).toBeLessThan(2);
    expect(footer.y + footer.height).toBeGreaterThan(1920 - 2);
    const fields = await box('.form-fields');
    const keys = await box('.form-keyboard');
    expect(fields.y + fields.height).toBeLessThanOrEqual(keys.y + 1);
    expect(fields.height).toBeGreaterThan(400);
    await checkButtons(page);
    await screenshot(page, 'screen-form-portrait', testInfo);
  });
});

test.describe('touch', () => {
  test.use({ viewport: { width: 1920, height: 1080 }, hasTouch: true });

  test('the kiosk keyboard and the candidates answer taps on a touch screen', async ({ page, kiosk }) => {
    const childName: FieldView = { key: 'childName', label: t('新生儿姓名', "Baby's name"), kind: 'chinese', required: true, value: '', source: null, help: null, error: null, options: null, maxLength: 20, members: [] };
    const core = await open(page, kiosk.url, baseView({ screen: 'matter', matter: matterWith({ kind: 'form', fields: [childName], errorCount: 0 }) }));
    const keyboard = page.getByRole('group', { name: '拼音键盘' });
    for (const k of 'ma') await keyboard.getByRole('button', { name: k, exact: true }).tap();
    await page.getByRole('group', { name: '候选字' }).getByRole('button', { name: '马', exact: true }).tap();
    await expect(page.getByLabel('新生儿姓名')).toHaveValue('马');
    await keyboard.getByRole('button', { name: '删除', exact: true }).tap();
    await expect(page.getByLabel('新生儿姓名')).toHaveValue('');
    await expect.poll(() => core.calls('matter.input')).toEqual([
      { key: 'childName', value: '马' },
      { key: 'childName', value: '' },
    ]);
  });

  test('a key activated without a pointer (keyboard, switch access, screen reader) types too', async ({ page, kiosk }) => {
    const date: FieldView = { key: 'appointmentDate', label: t('预约日期', 'Appointment date'), kind: 'date', required: true, value: '', source: null, help: null, error: null, options: null, maxLength: null, members: [] };
    await open(page, kiosk.url, baseView({ screen: 'matter', matter: matterWith({ kind: 'form', fields: [date], errorCount: 0 }) }));
    const pad = page.getByRole('group', { name: /^日期键盘/ });
    for (const k of '2025') {
      await pad.getByRole('button', { name: k, exact: true }).focus();
      await page.keyboard.press('Enter');
    }
    await expect(page.getByLabel('预约日期')).toHaveValue('2025');
  });
});
