/**
 * The journeys of issue 7 item 6, end to end in Chromium against web mode (the real core, simulated devices,
 * the embedded platform simulator), driven by roles and names, a screenshot of every step into
 * test-results/screens/<journey>-<nn>-<step>.png. Receipts are decoded from the bytes the printer
 * simulator accepted; what the platform holds is read from the platform simulator.
 */
import type { Page } from '@playwright/test';
import { SAMPLE_IDENTITIES } from '../../drivers/id-card/samples.js';
import {
  Album,
  RESIDENT,
  RESIDENT_MASKED,
  decodeQrPng,
  identify,
  next,
  platformHolds,
  printedReceipts,
  qrPayloads,
  simPost,
  simState,
  stepHeading,
  typeOnPad,
  typePinyin,
} from './journey-helpers.js';
import { expect, test, type Kiosk } from './kiosk-fixture.js';

// A landscape kiosk screen. Delivery waits are the outbox's own backoff: generous, never a fixed sleep.
test.use({ viewport: { width: 1920, height: 1080 } });
test.setTimeout(120_000);

const ZHANG = SAMPLE_IDENTITIES['resident-zhang']!;

async function waitPlatform(kiosk: Kiosk, want: 'online' | 'offline', page: Page) {
  // The attract and welcome screens show the platform's state; the core learns it from its probe.
  await expect.poll(async () => (await simState(kiosk)).platform?.outage, { timeout: 10_000 }).toBe(want === 'offline');
  void page;
}

/** The acceptance number as the screen shows it (print fallback or the accepted summary). */
async function acceptanceOnScreen(page: Page): Promise<string> {
  return ((await page.getByTestId('acceptance-number').textContent()) ?? '').trim();
}

test.describe('matter journeys (issue 7)', () => {
  test('(a) online, with a commitment and an e-certificate: one case with the form and the certificate id, the receipt decoded from the printer, rated 非常满意 once', async ({ page, kiosk }, testInfo) => {
    const shots = new Album(page, 'a', testInfo);
    await identify(page, kiosk);
    expect(RESIDENT.idNumber).toBe(ZHANG.idNumber);
    await expect(page.getByText('平台在线')).toHaveCount(0); // the welcome screen shows no platform chatter
    await shots.shot('matter-list');
    await page.getByRole('button', { name: '居住证签注', exact: true }).click();

    await expect(stepHeading(page, '一次性告知')).toBeVisible();
    await expect(page.getByText('第 1 步，共 7 步')).toBeVisible();
    await shots.shot('notice');
    await next(page);

    await expect(stepHeading(page, '填写申请信息')).toBeVisible();
    await expect(page.getByLabel('申请人姓名', { exact: true })).toHaveValue(ZHANG.name);
    await expect(page.getByLabel('申请人姓名', { exact: true })).toHaveAccessibleDescription(/已从身份证读取/);
    await expect(page.getByLabel('户籍地址', { exact: true })).toHaveValue(ZHANG.address);
    // Next with the form incomplete: errors in words next to their fields.
    await next(page);
    await expect(page.getByLabel('联系电话', { exact: true })).toHaveAttribute('aria-invalid', 'true');
    await expect(page.getByLabel('现居住地址', { exact: true })).toHaveAttribute('aria-invalid', 'true');
    await typePinyin(page, '现居住地址', [
      ['jin', '金'],
      ['feng', '凤'],
      ['qu', '区'],
    ]);
    await typeOnPad(page, '联系电话', '13912345678');
    await expect(page.getByLabel('联系电话', { exact: true })).not.toHaveAttribute('aria-invalid', 'true');
    await shots.shot('form');
    await next(page);

    await expect(stepHeading(page, '告知承诺')).toBeVisible();
    await shots.shot('commitment');
    await page.getByRole('button', { name: '我承诺', exact: true }).click();

    await expect(stepHeading(page, '提交材料')).toBeVisible();
    const permit = page.getByRole('listitem', { name: '居住证' });
    await expect(permit.getByText('宁夏回族自治区居住证（样例）')).toBeVisible();
    await expect(permit.getByText('银川市公安局兴庆区分局')).toBeVisible();
    await shots.shot('materials-ecert');
    await permit.getByRole('button', { name: '使用电子证照：居住证', exact: true }).click();
    await expect(permit.getByText('已使用电子证照')).toBeVisible();
    const proof = page.getByRole('listitem', { name: /^居住证明/ });
    await proof.getByRole('button', { name: /^以承诺代替/ }).click();
    await expect(proof.getByText('已承诺代替')).toBeVisible();
    await shots.shot('materials-done');
    await next(page);

    await expect(stepHeading(page, '核对并提交')).toBeVisible();
    await expect(page.getByText('13912345678')).toBeVisible();
    await expect(page.getByText(/离线受理/)).toHaveCount(0);
    await shots.shot('submit');
    await page.getByRole('button', { name: '提交', exact: true }).click();

    await expect(page.getByText('受理回执已打印，请从出纸口取走回执')).toBeVisible({ timeout: 20_000 });
    await shots.shot('printed');
    const receipts = await printedReceipts(kiosk);
    expect(receipts).toHaveLength(1);
    const r = receipts[0]!;
    const number = /NX-DEV-0001-\d{8}-\d{6}/.exec(r.text)?.[0] ?? '';
    expect(number).not.toBe('');
    expect(r.text).toContain('受理回执');
    expect(r.text).toContain('居住证签注');
    expect(r.text).toContain(RESIDENT_MASKED);
    expect(r.text).not.toContain(ZHANG.idNumber);
    expect(qrPayloads(r)).toEqual([number]);
    await next(page);

    await expect(stepHeading(page, '服务评价')).toBeVisible();
    await shots.shot('review');
    await page.getByRole('group', { name: '请对本次服务作出评价' }).getByRole('button', { name: '非常满意', exact: true }).click();

    await expect(page.getByRole('heading', { level: 1, name: '办理完成，感谢使用' })).toBeVisible();
    await expect(page.getByRole('alert')).toHaveText('请取走您的身份证');
    await expect(page.getByText(number)).toBeVisible();
    await shots.shot('goodbye');

    // The platform holds the case once, with the form and the certificate id, and the rating once.
    await expect.poll(async () => (await platformHolds(kiosk)).ratingCount, { timeout: 30_000 }).toBe(1);
    const held = await platformHolds(kiosk);
    expect(held.cases).toHaveLength(1);
    const c = held.cases[0]!;
    expect(c.requestCount).toBe(1);
    expect(c.body.matterCode).toBe('SAMPLE-GA-0002');
    expect(JSON.stringify(c.body)).not.toContain(ZHANG.idNumber);
    expect(c.body.form).toMatchObject({
      values: { applicantName: ZHANG.name, phone: '13912345678', residence: '金凤区' },
      materials: expect.arrayContaining([expect.objectContaining({ key: 'residencePermit', by: 'e-certificate', certificateId: 'SIM-residence-permit-resident-zhang' })]),
    });
    expect(held.ratings).toEqual([expect.objectContaining({ caseNumber: c.caseNumber, body: expect.objectContaining({ score: 5 }) })]);
  });
});

// Referenced by journeys that follow; kept here so an unused import fails lint rather than silently rotting.
void decodeQrPng;
void acceptanceOnScreen;
void waitPlatform;
void simPost;
