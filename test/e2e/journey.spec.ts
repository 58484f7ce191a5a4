import { AxeBuilder } from '@axe-core/playwright';
import type { Page } from '@playwright/test';
import { SAMPLE_IDENTITIES } from '../../drivers/id-card/samples.js';
import { expect, screenshot, test } from './kiosk-fixture.js';

const residentKey = Object.keys(SAMPLE_IDENTITIES).find((k) => SAMPLE_IDENTITIES[k]?.cardType === 'resident' && SAMPLE_IDENTITIES[k]?.idNumberValid)!;
const resident = SAMPLE_IDENTITIES[residentKey]!;

async function placeCard(panel: Page, key: string) {
  const label = SAMPLE_IDENTITIES[key]!.label;
  await panel.getByRole('button', { name: `放置 Place: ${label}` }).click();
  await expect(panel.getByRole('status').first()).toContainText('已放置');
}

async function seriousViolations(page: Page) {
  const results = await new AxeBuilder({ page }).analyze();
  return results.violations.filter((v) => v.impact === 'serious' || v.impact === 'critical').map((v) => `${v.id}: ${v.help} (${v.nodes.length})`);
}

test('attract → card placed → welcome with name and masked ID → finish → attract', async ({ page, kiosk }, testInfo) => {
  await page.goto(kiosk.url);
  await expect(page.getByRole('heading', { level: 1, name: '请放置身份证' })).toBeVisible();
  // The token leaves the address bar once read.
  expect(page.url()).not.toContain('t=');
  await expect(page.getByRole('status').filter({ hasText: '读卡器就绪' })).toBeVisible();
  await screenshot(page, 'attract', testInfo);
  expect(await seriousViolations(page)).toEqual([]);

  const panel = await kiosk.openPanel();
  await screenshot(panel, 'simulator-panel', testInfo);
  await placeCard(panel, residentKey);

  await expect(page.getByRole('heading', { level: 1, name: `您好，${resident.name}` })).toBeVisible();
  const masked = await page.getByTestId('masked-id').textContent();
  expect(masked).toBe(`${resident.idNumber.slice(0, 6)}********${resident.idNumber.slice(-4)}`);
  const html = await page.content();
  expect(html).not.toContain(resident.idNumber);
  expect(html).not.toContain(resident.address);
  await screenshot(page, 'welcome', testInfo);
  expect(await seriousViolations(page)).toEqual([]);

  await page.getByRole('button', { name: '结束办理' }).click();
  await expect(page.getByRole('heading', { level: 1, name: '办理结束，感谢使用' })).toBeVisible();
  await expect(page.getByRole('alert')).toHaveText('请取走您的身份证');
  await screenshot(page, 'finished-card-on-reader', testInfo);
  await panel.getByRole('button', { name: '取走身份证 Remove card' }).click();
  await expect(page.getByText('请带好您的身份证和随身物品')).toBeVisible();
  await page.getByRole('button', { name: '返回首页' }).click();
  await expect(page.getByRole('heading', { level: 1, name: '请放置身份证' })).toBeVisible();
  expect(await page.content()).not.toContain(resident.name);
});

test('every sample card type is read and shown masked', async ({ page, kiosk }) => {
  await page.goto(kiosk.url);
  const panel = await kiosk.openPanel();
  for (const [key, sample] of Object.entries(SAMPLE_IDENTITIES)) {
    await placeCard(panel, key);
    await expect(page.getByRole('heading', { level: 1, name: `您好，${sample.name}` })).toBeVisible();
    const masked = (await page.getByTestId('masked-id').textContent()) ?? '';
    expect(masked.replace(/\*/g, '').length).toBeLessThanOrEqual(10);
    expect(masked).not.toBe(sample.idNumber);
    // Expired cards and numbers that fail the GB 11643 check are told, never silently accepted.
    const today = new Date(Date.now() + 8 * 3600_000).toISOString().slice(0, 10);
    const notices = page.locator('.notice');
    if (!sample.idNumberValid) await expect(notices.filter({ hasText: '证件号码校验未通过' })).toBeVisible();
    if (sample.validTo !== 'long-term' && sample.validTo < today) await expect(notices.filter({ hasText: '您的证件已过期' })).toBeVisible();
    if (sample.idNumberValid && (sample.validTo === 'long-term' || sample.validTo >= today)) await expect(notices).toHaveCount(0);
    await page.getByRole('button', { name: '结束办理' }).click();
    await expect(page.getByRole('alert')).toHaveText('请取走您的身份证');
    await panel.getByRole('button', { name: '取走身份证 Remove card' }).click();
    // The reader noticed the card leaving before the next one is placed.
    await expect(page.getByText('请带好您的身份证和随身物品')).toBeVisible();
    await page.getByRole('button', { name: '返回首页' }).click();
    await expect(page.getByRole('heading', { level: 1, name: '请放置身份证' })).toBeVisible();
  }
});

test('language switches between 中文 and English on every screen', async ({ page, kiosk }, testInfo) => {
  await page.goto(kiosk.url);
  await page.getByRole('button', { name: /Switch to English/ }).click();
  await expect(page.getByRole('heading', { level: 1, name: 'Please place your ID card' })).toBeVisible();
  await expect(page.locator('html')).toHaveAttribute('lang', 'en');
  await screenshot(page, 'attract-en', testInfo);
  const panel = await kiosk.openPanel();
  await placeCard(panel, residentKey);
  await expect(page.getByRole('heading', { level: 1, name: `Welcome, ${resident.name}` })).toBeVisible();
  await expect(page.getByRole('button', { name: 'Finish' })).toBeVisible();
  await screenshot(page, 'welcome-en', testInfo);
  await page.getByRole('button', { name: /Switch to Chinese/ }).click();
  await expect(page.getByRole('heading', { level: 1, name: `您好，${resident.name}` })).toBeVisible();
  await expect(page.locator('html')).toHaveAttribute('lang', 'zh-CN');
});

test('elder mode (长辈模式) and high contrast are two switches, on the attract screen and in the toolbar of every screen', async ({ page, kiosk }, testInfo) => {
  await page.goto(kiosk.url);
  const toolbar = page.getByRole('navigation', { name: '显示设置' });
  const elder = toolbar.getByRole('button', { name: '长辈模式', exact: true });
  const contrast = toolbar.getByRole('button', { name: '高对比', exact: true });
  const entry = page.getByRole('main').getByRole('button', { name: '长辈模式', exact: true });
  await expect(elder).toHaveAttribute('aria-pressed', 'false');
  await expect(entry).toHaveAttribute('aria-pressed', 'false');
  await expect(entry).toHaveAccessibleDescription('字更大，时间更宽裕，语音播报');
  const size = () => page.getByRole('heading', { level: 1 }).evaluate((h) => parseFloat(getComputedStyle(h).fontSize));
  const before = await size();
  // The attract screen's entry turns elder mode on: large text, no high contrast.
  await entry.click();
  await expect(elder).toHaveAttribute('aria-pressed', 'true');
  await expect(entry).toHaveAttribute('aria-pressed', 'true');
  await expect(page.locator('html')).toHaveClass(/large-text/);
  await expect(page.locator('html')).not.toHaveClass(/high-contrast/);
  expect(await size()).toBeGreaterThan(before * 1.3);
  // High contrast on its own switch, elder mode kept.
  await contrast.click();
  await expect(contrast).toHaveAttribute('aria-pressed', 'true');
  await expect(page.locator('html')).toHaveClass(/high-contrast/);
  await expect(page.locator('html')).toHaveClass(/large-text/);
  await screenshot(page, 'attract-elder-contrast', testInfo);
  expect(await seriousViolations(page)).toEqual([]);
  const panel = await kiosk.openPanel();
  await placeCard(panel, residentKey);
  await expect(page.getByRole('heading', { level: 1, name: `您好，${resident.name}` })).toBeVisible();
  await expect(page.locator('html')).toHaveClass(/large-text/);
  await screenshot(page, 'welcome-elder-contrast', testInfo);
  expect(await seriousViolations(page)).toEqual([]);
  // Switched off in the toolbar of the welcome screen; high contrast stays.
  await elder.click();
  await expect(page.locator('html')).not.toHaveClass(/large-text/);
  await expect(page.locator('html')).toHaveClass(/high-contrast/);
  // The next citizen starts normal.
  await page.getByRole('button', { name: '结束办理' }).click();
  await page.getByRole('button', { name: '返回首页' }).click();
  await expect(page.getByRole('heading', { level: 1, name: '请放置身份证' })).toBeVisible();
  await expect(page.locator('html')).not.toHaveClass(/high-contrast/);
  await expect(contrast).toHaveAttribute('aria-pressed', 'false');
});

test.describe('idle wipe', () => {
  test.use({ kioskProfile: { idle: { timeoutSeconds: 7, warningSeconds: 4, goodbyeSeconds: 5 } } });

  test('a countdown warns, then the session is wiped and nothing of the citizen stays in the DOM', async ({ page, kiosk }, testInfo) => {
    await page.goto(kiosk.url);
    const panel = await kiosk.openPanel();
    await placeCard(panel, residentKey);
    await expect(page.getByRole('heading', { level: 1, name: `您好，${resident.name}` })).toBeVisible();
    const dialog = page.getByRole('alertdialog', { name: '您还在吗？' });
    await expect(dialog).toBeVisible({ timeout: 10_000 });
    await expect(dialog).toContainText('秒后将自动退出');
    await screenshot(page, 'idle-warning', testInfo);
    // "Continue" keeps the session.
    await dialog.getByRole('button', { name: '继续办理' }).click();
    await expect(dialog).toBeHidden();
    await expect(page.getByRole('heading', { level: 1, name: `您好，${resident.name}` })).toBeVisible();
    // Then nobody touches anything.
    await expect(dialog).toBeVisible({ timeout: 10_000 });
    await expect(page.getByRole('heading', { level: 1, name: '请放置身份证' })).toBeVisible({ timeout: 10_000 });
    const dom = await page.evaluate(() => document.documentElement.outerHTML);
    expect(dom).not.toContain(resident.name);
    expect(dom).not.toContain(resident.idNumber);
    expect(dom).not.toContain(resident.idNumber.slice(-4) + '<');
    expect(dom).not.toContain('********');
    await screenshot(page, 'after-wipe', testInfo);
  });
});

test('no log line holds the citizen\'s ID number or name after a session', async ({ page, kiosk }) => {
  await page.goto(kiosk.url);
  const panel = await kiosk.openPanel();
  await placeCard(panel, residentKey);
  await expect(page.getByRole('heading', { level: 1, name: `您好，${resident.name}` })).toBeVisible();
  await page.getByRole('button', { name: '结束办理' }).click();
  await page.getByRole('button', { name: '返回首页' }).click();
  await expect(page.getByRole('heading', { level: 1, name: '请放置身份证' })).toBeVisible();
  const logs = kiosk.logs();
  expect(logs).toContain('session started');
  expect(logs).toContain('card read');
  expect(logs).not.toContain(resident.idNumber);
  expect(logs).not.toContain(resident.name);
  expect(logs).not.toContain(resident.address);
});
