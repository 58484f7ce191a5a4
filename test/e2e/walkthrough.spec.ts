/**
 * The renderer's defects of the first walk-through (issue 12 item 5), each with the screen as it was reported
 * (1080×1920 portrait), against the real web-mode host with a fake core behind the WebSocket where a device
 * state or a view is needed. Run against the renderer as merged from main before the fixes (bd43bdf), four of these
 * failed; the toolbar one passed there, since main's stylesheet already keeps every button on one line
 * (`button { white-space: nowrap }`): it stays as the guard of that defect.
 */
import type { Page } from '@playwright/test';
import type { DeviceStatus } from '../../main/contract/index.js';
import { FakeCore, baseView } from './fake-core.js';
import { checkButtons } from './journey-helpers.js';
import { expect, screenshot, test } from './kiosk-fixture.js';

test.use({ viewport: { width: 1080, height: 1920 } });

const reader = (state: DeviceStatus['state']): DeviceStatus => ({ id: 'id-card', kind: 'id-card', state, info: { kind: 'id-card', transport: 'serial' }, counters: {}, warnings: [], since: 0 });

async function open(page: Page, url: string, view = baseView()): Promise<FakeCore> {
  const core = await FakeCore.attach(page, view);
  await page.goto(url);
  return core;
}

test('the footer link to the simulator panel keeps the token: the panel opens, not "missing or wrong token"', async ({ page, kiosk }) => {
  await page.goto(kiosk.url);
  const link = page.getByRole('link', { name: '设备模拟器' });
  await expect(link).toHaveAttribute('href', `/sim?t=${kiosk.token}`);
  const [panel] = await Promise.all([page.context().waitForEvent('page'), link.click()]);
  await expect(panel.getByRole('heading', { name: /设备模拟器/ })).toBeVisible();
  await expect(panel.getByText('missing or wrong token')).toHaveCount(0);
  await expect(panel.getByRole('button', { name: /^放置 Place:/ }).first()).toBeEnabled();
});

test('with the reader unplugged the heading says the reader is unavailable and what the citizen can do instead', async ({ page, kiosk }, testInfo) => {
  const core = await open(page, kiosk.url, baseView({ screen: 'attract', citizen: null, cardOnReader: false }));
  await core.waitFor('session.get');
  core.push('devices.status', [reader('no-device')]);
  await expect(page.getByRole('heading', { level: 1, name: '读卡器暂不可用' })).toBeVisible();
  await expect(page.getByRole('heading', { level: 1, name: '请放置身份证' })).toHaveCount(0);
  await expect(page.getByRole('alert')).toContainText('输入受理编号');
  await screenshot(page, 'walkthrough-reader-unplugged', testInfo);
  core.push('devices.status', [reader('online')]);
  await expect(page.getByRole('heading', { level: 1, name: '请放置身份证' })).toBeVisible();
});

test('"身份已核验" is never shown under the expired-card or bad-check-digit warnings', async ({ page, kiosk }) => {
  const core = await open(page, kiosk.url, baseView({ citizen: { ...baseView().citizen!, notices: ['expired'] } }));
  await expect(page.getByRole('alert').first()).toBeVisible();
  await expect(page.getByText(/身份已核验/)).toHaveCount(0);
  core.show({ citizen: { ...baseView().citizen!, notices: ['id-check-failed'] } });
  await expect(page.getByText(/校验/).first()).toBeVisible();
  await expect(page.getByText(/身份已核验/)).toHaveCount(0);
  core.show({ citizen: { ...baseView().citizen!, notices: [] } });
  await expect(page.getByText(/身份已核验/)).toBeVisible();
});

test('in English large-text mode the toolbar buttons do not wrap', async ({ page, kiosk }, testInfo) => {
  await open(page, kiosk.url, baseView({ screen: 'attract', citizen: null, cardOnReader: false, locale: 'en', display: { largeText: true, highContrast: true } }));
  await expect(page.getByRole('heading', { level: 1, name: 'Please place your ID card' })).toBeVisible();
  const tools = page.getByRole('navigation').getByRole('button');
  for (const b of await tools.all()) {
    expect(await b.evaluate((el) => getComputedStyle(el).whiteSpace), (await b.textContent()) ?? '').toBe('nowrap');
  }
  await checkButtons(page);
  await screenshot(page, 'walkthrough-toolbar-en-large', testInfo);
});

test('the kiosk URL without its token says what is wrong instead of "正在连接终端服务…" forever', async ({ page, kiosk }) => {
  await page.goto(kiosk.origin + '/');
  await expect(page.getByRole('alert')).toContainText('缺少访问令牌');
  await expect(page.getByText('access token')).toBeVisible();
  await expect(page.getByText('正在连接终端服务…')).toHaveCount(0);
});

test.describe('storage below its floor', () => {
  test.use({ kioskProfile: { storage: { minFreeBytes: 1e15 }, idle: { timeoutSeconds: 60, warningSeconds: 10, goodbyeSeconds: 30 } } });
  test('the screen says which services are unavailable (new applications) and that queued ones are kept', async ({ page, kiosk }, testInfo) => {
    await page.goto(kiosk.url);
    await expect(page.getByRole('heading', { level: 1, name: '暂停服务' })).toBeVisible({ timeout: 20_000 });
    await expect(page.getByText(/存储空间不足，暂停受理新业务/)).toBeVisible();
    await expect(page.getByText(/已排队的提交照常发送/)).toBeVisible();
    await screenshot(page, 'walkthrough-storage-below-floor', testInfo);
  });
});
