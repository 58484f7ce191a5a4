import { expect, screenshot, test } from './kiosk-fixture.js';

test('simulator panel: print a test receipt through the kiosk printer and see its preview', async ({ kiosk }, testInfo) => {
  const panel = await kiosk.openPanel();
  const printer = panel.getByRole('region', { name: /回执打印机 · Receipt printer/ });
  const status = printer.getByRole('status', { name: '打印机状态 Printer status' });
  await expect(status).toContainText('就绪 online');
  await expect(printer.getByText('尚无回执 No receipt yet')).toBeVisible();

  await printer.getByRole('button', { name: '打印测试页 Print test receipt' }).click();
  const preview = printer.getByRole('img', { name: '最近一张回执预览 Last receipt preview' });
  await expect(preview).toBeVisible();
  await expect(status).toContainText('已打印 receipts: 1');
  await expect(printer.getByText(/上次打印成功 Last print OK/)).toBeVisible();
  // The preview is an SVG data: URL (CSP img-src 'self' data:) of the receipt the simulator cut.
  const src = await preview.getAttribute('src');
  expect(src).toMatch(/^data:image\/svg\+xml/);
  expect(decodeURIComponent(src ?? '')).toContain('打印测试');
  expect(await preview.evaluate((img: HTMLImageElement) => img.naturalWidth)).toBeGreaterThan(100);
  await screenshot(panel, 'printer-test-receipt', testInfo);
});

test('simulator panel: pulling the paper reaches the printer status; printing then fails and prints nothing', async ({ kiosk, page }, testInfo) => {
  await page.goto(kiosk.url);
  const kioskStatus = page.getByRole('status').filter({ hasText: '读卡器就绪' });
  await expect(kioskStatus).toBeVisible();
  await expect(kioskStatus).not.toContainText('暂时无法打印回执');
  const panel = await kiosk.openPanel();
  const printer = panel.getByRole('region', { name: /回执打印机 · Receipt printer/ });
  const status = printer.getByRole('status', { name: '打印机状态 Printer status' });
  await expect(status).toContainText('就绪 online');

  await printer.getByRole('button', { name: '纸将尽 Paper near end' }).click();
  await expect(printer.getByRole('button', { name: '纸将尽 Paper near end' })).toHaveAttribute('aria-pressed', 'true');
  await expect(status).toContainText('纸将尽 paper near end');

  await printer.getByRole('button', { name: '抽出纸卷 Pull paper' }).click();
  await expect(printer.getByRole('button', { name: '抽出纸卷 Pull paper' })).toHaveAttribute('aria-pressed', 'true');
  await expect(status).toContainText('故障 error');
  await expect(status).toContainText('out of paper');
  await screenshot(panel, 'printer-paper-out', testInfo);
  // The citizen's attract screen says, before anyone starts, that receipts cannot be printed.
  await expect(kioskStatus).toContainText('暂时无法打印回执');
  await screenshot(page, 'attract-printer-out', testInfo);

  await printer.getByRole('button', { name: '打印测试页 Print test receipt' }).click();
  await expect(panel.getByRole('alert')).toContainText('out of paper');
  await expect(status).toContainText('已打印 receipts: 0');

  await printer.getByRole('button', { name: '抽出纸卷 Pull paper' }).click();
  await expect(status).toContainText('就绪 online');
  await expect(kioskStatus).not.toContainText('暂时无法打印回执');
  await printer.getByRole('button', { name: '打开纸仓盖 Open cover' }).click();
  await expect(status).toContainText('cover is open');
});
