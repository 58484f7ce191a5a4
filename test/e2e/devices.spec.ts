/**
 * The second device generation end to end (issue 9 Acceptance), in Chromium against web mode: the real
 * core with the production drivers (the SANE client, the nexo pad, the serial QR reader) on the drivers'
 * own simulators (main/sim), driven from the simulator panel as a trainer would, and checked in what the
 * citizen sees, what the panel's payment journal and simulated bank show, what the embedded platform
 * holds and what the tamper-evident journal recorded.
 *
 * The receipt's QR at the attract screen opens the case query (查询办件) on its case: the core recognises the
 * acceptance number, pushes it (`qr.scanned`) and looks the case up; a code that is not a receipt is pushed as
 * `code` without its payload and changes nothing on screen.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Page } from '@playwright/test';
import { scanJournal } from '../../offline-cache/index.js';
import { Album, identify, next, platformHolds, printedReceipts, qrPayloads, rate, simState, stepHeading, submitAndPrint, typeOnPad, typePinyin, watchProgress } from './journey-helpers.js';
import { expect, test, type Kiosk } from './kiosk-fixture.js';

test.use({ viewport: { width: 1920, height: 1080 } });
test.setTimeout(120_000);

/** The payment-step records of the tamper-evident journal: "<step> <amount>" per record, oldest first. */
function paymentSteps(kiosk: Kiosk): string[] {
  const journal = scanJournal(readFileSync(join(kiosk.dataDir, 'kiosk.journal')));
  return journal.records.filter((r) => r.type === 'payment-step').map((r) => String(r.fields.step));
}

/** Every push the core sends the citizen's page, from now on (its WebSocket frames, parsed). */
function pushes(page: Page): { name: string; payload: unknown }[] {
  const seen: { name: string; payload: unknown }[] = [];
  page.on('websocket', (ws) =>
    ws.on('framereceived', (f) => {
      if (typeof f.payload !== 'string') return;
      try {
        const m = JSON.parse(f.payload) as { type?: string; name?: string; payload?: unknown };
        if (m.type === 'event' && typeof m.name === 'string') seen.push({ name: m.name, payload: m.payload });
      } catch {
        // not a message of ours
      }
    }),
  );
  return seen;
}

/** From the matter list to the fee step of 社会保障卡补换 (its form filled). */
async function toTheFee(page: Page): Promise<void> {
  await page.getByRole('button', { name: '社会保障卡补换', exact: true }).click();
  await next(page);
  await page.getByRole('radiogroup', { name: '补换原因' }).getByRole('radio', { name: '遗失' }).click();
  await typeOnPad(page, '联系电话', '13912345678');
  await next(page);
  await expect(stepHeading(page, '缴纳费用')).toBeVisible();
  await expect(page.getByText('20.00 元', { exact: true })).toBeVisible();
}

test.describe('scanner, payment pad and QR reader (issue 9)', () => {
  test('a fee matter paid on the simulated pad: one charge in the journal and at the bank, the case carries its reference; the receipt’s QR at the attract screen opens its case in 查询办件', async ({ page, kiosk }, testInfo) => {
    const shots = new Album(page, 'devices-fee', testInfo);
    const pushed = pushes(page);
    const panel = await identify(page, kiosk);
    const pad = panel.getByRole('region', { name: '缴费设备（模拟） · Payment pad (simulated)' });
    await expect(pad.getByRole('button', { name: '正常批准 Approve' })).toHaveAttribute('aria-pressed', 'true');
    await toTheFee(page);
    const progress = await watchProgress(page);
    await page.getByRole('button', { name: '开始缴费' }).click();
    await expect(stepHeading(page, '核对并提交')).toBeVisible({ timeout: 30_000 });
    expect(await progress()).toContainEqual(expect.stringContaining('支付'));
    await expect(page.getByText(/20\.00 元 · 已缴费/)).toBeVisible();

    // The panel: the kiosk's payment journal and the simulated bank, one approved charge under one reference.
    const journal = pad.getByRole('list', { name: '支付日志 Payment journal' });
    await expect(journal.getByRole('listitem')).toHaveCount(1);
    await expect(journal.getByRole('listitem')).toContainText(/已扣款 approved ¥20\.00 · SIM-PAD-/);
    await expect(pad.getByRole('list', { name: '银行流水 Bank ledger' }).getByRole('listitem')).toContainText(/¥20\.00 已扣款 charged/);
    const payment = (await simState(kiosk)).payment;
    expect(payment?.ledger).toEqual([{ reference: expect.stringMatching(/^SIM-PAD-/), amountFen: 2000, state: 'approved' }]);
    expect(payment?.sales).toEqual([expect.objectContaining({ state: 'approved', outcome: 'approved', amountFen: 2000, reference: payment?.ledger[0]?.reference })]);
    await shots.shot('paid');

    await submitAndPrint(page, shots);
    await rate(page, shots, '满意');
    await expect.poll(async () => (await platformHolds(kiosk)).cases.length, { timeout: 30_000 }).toBe(1);
    const held = (await platformHolds(kiosk)).cases[0];
    expect(held?.body.form).toMatchObject({ payment: { amountFen: 2000, transactionId: payment?.ledger[0]?.reference } });
    expect(paymentSteps(kiosk)).toEqual(['requested', 'approved']);

    // Back at the attract screen, the receipt is shown to the QR reader.
    await page.getByRole('button', { name: '返回首页' }).click();
    await expect(page.getByRole('heading', { level: 1, name: '请放置身份证' })).toBeVisible();
    const receipt = (await printedReceipts(kiosk)).at(-1);
    const number = receipt ? qrPayloads(receipt)[0] : undefined;
    expect(number).toMatch(/^NX-DEV-0001-\d{8}-\d{6}$/);
    const qr = panel.getByRole('region', { name: '扫码器（模拟） · QR reader (simulated)' });
    await qr.getByRole('button', { name: `扫描最近回执 Scan the last receipt（${number}）` }).click();
    await expect.poll(() => pushed.filter((p) => p.name === 'qr.scanned').map((p) => p.payload)).toEqual([expect.objectContaining({ kind: 'acceptance-number', acceptanceNumber: number })]);
    await expect(qr.getByRole('status')).toContainText('已扫描 scans: 1');
    // The case query opens on that case, its state in words.
    await expect(page.getByRole('heading', { level: 1, name: '查询办件' })).toBeVisible();
    await expect(page.getByTestId('case-state')).toBeVisible({ timeout: 20_000 });
    await expect(page.getByText(number ?? '', { exact: true }).first()).toBeVisible();
    await shots.shot('query-by-qr');
    await page.getByRole('button', { name: '返回首页', exact: true }).click();
    await expect(page.getByRole('heading', { level: 1, name: '请放置身份证' })).toBeVisible();
    // An e-certificate shown here is a code for the platform: pushed without its payload, and never logged.
    const sample = qr.getByRole('button', { name: /^扫描 Scan: 电子证照码/ }).first();
    const samplePayload = (await simState(kiosk)).qr?.samples[0]?.payload ?? '';
    expect(samplePayload.length).toBeGreaterThan(20);
    await sample.click();
    await expect.poll(() => pushed.filter((p) => p.name === 'qr.scanned').length).toBe(2);
    const code = pushed.filter((p) => p.name === 'qr.scanned')[1]?.payload;
    expect(code).toEqual({ kind: 'code', at: expect.any(Number) });
    // The citizen's screen stays the attract screen, without an error.
    await expect(page.getByRole('heading', { level: 1, name: '请放置身份证' })).toBeVisible();
    await expect(page.getByRole('alert')).toHaveCount(0);
    expect(kiosk.logs()).not.toContain(samplePayload);
    await shots.shot('attract-after-qr');
  });

  test('a matter with a two-page scan: the feeder holds two sheets, both pages travel as two distinct attachments', async ({ page, kiosk }, testInfo) => {
    const shots = new Album(page, 'devices-scan', testInfo);
    const panel = await identify(page, kiosk);
    const scanner = panel.getByRole('region', { name: '扫描仪（模拟） · Scanner (simulated)' });
    await scanner.getByRole('button', { name: '放上 Place: 户口簿页 Household register page' }).click();
    await expect(scanner.getByRole('button', { name: '放上 Place: 户口簿页 Household register page' })).toHaveAttribute('aria-pressed', 'true');
    await scanner.getByLabel('每次放入页数 Sheets per scan').selectOption('2');
    await expect(scanner.getByRole('status')).toContainText('sheets per scan: 2');

    // 居住证签注: the residence permit from the e-certificate, the proof of residence (up to 6 pages) scanned.
    await page.getByRole('button', { name: '居住证签注', exact: true }).click();
    await next(page);
    await typePinyin(page, '现居住地址', [
      ['jin', '金'],
      ['feng', '凤'],
      ['qu', '区'],
    ]);
    await typeOnPad(page, '联系电话', '13912345678');
    await next(page);
    await expect(stepHeading(page, '告知承诺')).toBeVisible();
    await page.getByRole('button', { name: '我承诺', exact: true }).click();
    await expect(stepHeading(page, '提交材料')).toBeVisible();
    const permit = page.getByRole('listitem', { name: '居住证' });
    await permit.getByRole('button', { name: '使用电子证照：居住证', exact: true }).click();
    await expect(permit.getByText('已使用电子证照')).toBeVisible();
    const proof = page.getByRole('listitem', { name: /^居住证明/ });
    const progress = await watchProgress(page);
    await proof.getByRole('button', { name: '扫描纸质材料：居住证明（租赁合同或房屋产权证明）', exact: true }).click();
    await expect(proof.getByText('已扫描 2 页').first()).toBeVisible({ timeout: 30_000 });
    expect(await progress()).toContainEqual(expect.stringContaining('正在扫描'));
    await expect(scanner.getByRole('status')).toContainText('已扫描 pages: 2');
    await shots.shot('scanned-two');
    await next(page);
    await submitAndPrint(page, shots);
    await rate(page, shots, '非常满意');

    await expect.poll(async () => (await platformHolds(kiosk)).cases.length, { timeout: 30_000 }).toBe(1);
    const body = (await platformHolds(kiosk)).cases[0]?.body;
    expect(body?.attachments).toHaveLength(2);
    expect(new Set(body?.attachments).size).toBe(2);
    for (const sha of body?.attachments ?? []) expect(sha).toMatch(/^[0-9a-f]{64}$/);
    expect(body?.form).toMatchObject({ materials: expect.arrayContaining([expect.objectContaining({ key: 'residenceProof', by: 'scan', pages: 2, attachments: [0, 1] })]) });
  });

  test('a pad timeout after the debit: the kiosk asks the pad, finds the one charge and goes on; the matter then cancelled, the charge is reversed — all in the journal', async ({ page, kiosk }, testInfo) => {
    const shots = new Album(page, 'devices-timeout', testInfo);
    const panel = await identify(page, kiosk);
    const pad = panel.getByRole('region', { name: '缴费设备（模拟） · Payment pad (simulated)' });
    await toTheFee(page);
    await pad.getByRole('button', { name: '扣款后超时 Timeout after debit' }).click();
    await expect(pad.getByRole('button', { name: '扣款后超时 Timeout after debit' })).toHaveAttribute('aria-pressed', 'true');
    await page.getByRole('button', { name: '开始缴费' }).click();
    // The pad debits and never answers: while the kiosk waits, then asks, the citizen sees the payment in progress.
    await expect(page.getByRole('progressbar').first()).toBeVisible();
    await expect(stepHeading(page, '核对并提交')).toBeVisible({ timeout: 45_000 });
    await expect(page.getByText(/20\.00 元 · 已缴费/)).toBeVisible();
    const journal = pad.getByRole('list', { name: '支付日志 Payment journal' });
    const ledger = pad.getByRole('list', { name: '银行流水 Bank ledger' });
    await expect(journal.getByRole('listitem')).toHaveCount(1);
    await expect(journal.getByRole('listitem')).toContainText(/已扣款 approved ¥20\.00 · SIM-PAD-/);
    await expect(ledger.getByRole('listitem')).toHaveCount(1);
    await expect(ledger.getByRole('listitem')).toContainText('已扣款 charged');
    // Found by the status inquiry, not by paying again.
    expect(paymentSteps(kiosk)).toEqual(['requested', 'unknown', 'inquiry', 'approved']);
    await shots.shot('found-by-inquiry');

    // The citizen changes their mind before submitting: the one charge is reversed.
    await pad.getByRole('button', { name: '正常批准 Approve' }).click();
    await page.getByRole('button', { name: '取消办理' }).click();
    await page.getByRole('alertdialog', { name: '确定要取消办理吗？' }).getByRole('button', { name: '确定取消' }).click();
    // Back at the matter list (the card is still in the reader).
    await expect(page.getByRole('heading', { name: '请选择要办理的事项' })).toBeVisible();
    await expect(journal.getByRole('listitem')).toContainText(/已冲正 reversed ¥20\.00/, { timeout: 30_000 });
    await expect(ledger.getByRole('listitem')).toHaveCount(1);
    await expect(ledger.getByRole('listitem')).toContainText('已冲正 reversed');
    const payment = (await simState(kiosk)).payment;
    expect(payment?.ledger).toEqual([{ reference: expect.stringMatching(/^SIM-PAD-/), amountFen: 2000, state: 'reversed' }]);
    expect(payment?.sales).toEqual([expect.objectContaining({ state: 'reversed', outcome: 'approved', reversed: true })]);
    expect(paymentSteps(kiosk)).toEqual(['requested', 'unknown', 'inquiry', 'approved', 'reversal-requested', 'reversed']);
    // Nothing was submitted.
    expect((await platformHolds(kiosk)).cases).toHaveLength(0);
    await shots.shot('reversed');
  });
});
