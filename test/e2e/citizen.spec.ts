/**
 * Issue 12, end to end in Chromium against web mode (the real core, simulated devices, the embedded platform):
 * the case query (查询办件) by acceptance number and by ID card, reprinted and rated; crash resume after a
 * SIGKILL of the web-mode process in the middle of a form. Screenshots into test-results/screens/citizen-*.png.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Page, TestInfo } from '@playwright/test';
import WebSocket from 'ws';
import { Album, RESIDENT, identify, next, placeCard, platformGet, platformHolds, printedReceipts, simState, stepHeading, typeOnPad } from './journey-helpers.js';
import { expect, screenshot, test, type Kiosk } from './kiosk-fixture.js';

test.use({ viewport: { width: 1080, height: 1920 } });
test.setTimeout(150_000);

/** 社会保障卡补换 up to the rating: notice, form, fee paid on the simulated pad, submitted and printed. Its acceptance number. */
async function applyForCard(page: Page, kiosk: Kiosk): Promise<string> {
  await page.getByRole('button', { name: '社会保障卡补换', exact: true }).click();
  await next(page);
  await page.getByRole('radiogroup', { name: '补换原因' }).getByRole('radio', { name: '遗失' }).click();
  await typeOnPad(page, '联系电话', '13912345678');
  await next(page);
  await expect(stepHeading(page, '缴纳费用')).toBeVisible();
  await page.getByRole('button', { name: '开始缴费' }).click();
  await expect(stepHeading(page, '核对并提交')).toBeVisible({ timeout: 20_000 });
  await page.getByRole('button', { name: '提交', exact: true }).click();
  await expect(page.getByText('受理回执已打印，请从出纸口取走回执')).toBeVisible({ timeout: 20_000 });
  const receipts = await printedReceipts(kiosk);
  const number = /NX-DEV-0001-\d{8}-\d{6}/.exec(receipts.at(-1)?.text ?? '')?.[0];
  if (!number) throw new Error('no acceptance number on the receipt');
  return number;
}

test.describe('the case query (查询办件, issue 12 item 3)', () => {
  test('a case queried by acceptance number on the digit pad and by ID card: the state in words, moved on by the platform; the receipt reprinted (补打) and the case rated once', async ({ page, kiosk }, testInfo) => {
    const shots = new Album(page, 'citizen-query', testInfo, { axe: true });
    const panel = await identify(page, kiosk);
    const number = await applyForCard(page, kiosk);
    // She leaves without rating, and takes her card.
    await next(page);
    await page.getByRole('button', { name: '不评价', exact: true }).click();
    await panel.getByRole('button', { name: '取走身份证 Remove card' }).click();
    await page.getByRole('button', { name: '返回首页', exact: true }).click();
    await expect(page.getByRole('button', { name: /查询办件/ })).toBeVisible();
    await expect.poll(async () => (await platformHolds(kiosk)).cases.length, { timeout: 30_000 }).toBe(1);
    const caseNumber = (await platformHolds(kiosk)).cases[0]?.caseNumber ?? '';

    // By number, on the digit pad.
    await page.getByRole('button', { name: /查询办件/ }).click();
    await expect(page.getByRole('heading', { level: 1, name: '查询办件' })).toBeVisible();
    await shots.shot('choose');
    const pad = page.getByRole('group', { name: '数字键盘' });
    for (const d of number.slice('NX-DEV-0001-'.length).replace(/-/g, '')) await pad.getByRole('button', { name: d, exact: true }).click();
    await expect(page.getByTestId('typed-number')).toHaveText(number);
    await page.getByRole('button', { name: '查询', exact: true }).click();
    await expect(page.getByTestId('case-state')).toContainText('已提交（待受理）');
    await expect(page.getByText('社会保障卡补换').first()).toBeVisible();
    await expect(page.getByText('补打回执需要申请人本人刷身份证')).toBeVisible();
    await shots.shot('by-number');

    // The office accepts it: asked again, the query says so.
    const res = await fetch(`${(await platformUrlOf(kiosk))}/_sim/cases/${caseNumber}/state`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ state: 'accepted' }) });
    expect(res.status).toBe(200);
    await page.getByRole('button', { name: '返回', exact: true }).click();
    for (const d of number.slice('NX-DEV-0001-'.length).replace(/-/g, '')) await pad.getByRole('button', { name: d, exact: true }).click();
    await page.getByRole('button', { name: '查询', exact: true }).click();
    await expect(page.getByTestId('case-state')).toContainText('已受理');
    await expect(page.getByText('办理经过')).toBeVisible();

    // By ID card: her case, reprint and rate.
    const before = (await printedReceipts(kiosk)).length;
    await placeCard(panel);
    await expect(page.getByRole('button', { name: '补打回执', exact: true })).toBeVisible({ timeout: 20_000 });
    await shots.shot('by-card');
    await page.getByRole('button', { name: '补打回执', exact: true }).click();
    await expect(page.getByText('回执已补打，请从出纸口取走。')).toBeVisible({ timeout: 20_000 });
    const receipts = await printedReceipts(kiosk);
    expect(receipts).toHaveLength(before + 1);
    expect(receipts.at(-1)?.text).toContain('补打');
    expect(receipts.at(-1)?.text).toContain(number);
    expect(receipts.at(-1)?.text).not.toContain(RESIDENT.idNumber);
    const levels = page.getByRole('group', { name: '请对这件申请的办理服务作出评价' });
    for (const name of ['非常满意', '满意', '基本满意', '不满意', '非常不满意']) await expect(levels.getByRole('button', { name, exact: true })).toBeVisible();
    await levels.getByRole('button', { name: '满意', exact: true }).click();
    await expect(page.getByText('感谢您的评价。')).toBeVisible({ timeout: 20_000 });
    await expect(levels).toHaveCount(0);
    await expect(page.getByText('这件申请已评价')).toBeVisible();
    await shots.shot('rated');
    await expect.poll(async () => (await platformHolds(kiosk)).ratingCount, { timeout: 30_000 }).toBe(1);
    expect(JSON.stringify(await page.content())).not.toContain(RESIDENT.idNumber);

    await page.getByRole('button', { name: '返回首页', exact: true }).click();
    await expect(page.getByRole('button', { name: /查询办件/ })).toBeVisible();
  });
});

async function platformUrlOf(kiosk: Kiosk): Promise<string> {
  const state = await fetch(`${kiosk.origin}/sim/api/state`, { headers: { authorization: `Bearer ${kiosk.token}` } });
  const body = (await state.json()) as { value?: { platform?: { url: string } } };
  const url = body.value?.platform?.url;
  if (!url) throw new Error('no embedded platform');
  return url;
}

// ---- crash resume: a web-mode process we can SIGKILL and start again on the same data directory ----

interface Running {
  child: ChildProcess;
  kiosk: Kiosk;
}

async function startOn(dir: string): Promise<Running> {
  const dataDir = join(dir, 'data');
  const profileFile = join(dir, 'kiosk.json');
  writeFileSync(profileFile, JSON.stringify({ dataDir, idle: { timeoutSeconds: 120, warningSeconds: 10, goodbyeSeconds: 30 } }, null, 2));
  const child = spawn(process.execPath, ['--import', 'tsx', 'main/web/main.ts', '--profile', profileFile, '--port', '0'], { cwd: process.cwd(), stdio: ['ignore', 'pipe', 'pipe'] });
  let stderr = '';
  child.stderr?.on('data', (d: Buffer) => (stderr += d.toString()));
  const url = await new Promise<string>((resolve, reject) => {
    let out = '';
    const timer = setTimeout(() => reject(new Error(`kiosk did not print its URL\n${out}\n${stderr}`)), 30_000);
    child.stdout?.on('data', (d: Buffer) => {
      out += d.toString();
      const m = /(http:\/\/127\.0\.0\.1:\d+\/\?t=[A-Za-z0-9_-]+)/.exec(out);
      if (m?.[1]) {
        clearTimeout(timer);
        resolve(m[1]);
      }
    });
    child.on('exit', (code) => reject(new Error(`kiosk exited (${code})\n${out}\n${stderr}`)));
  });
  const parsed = new URL(url);
  const kiosk: Kiosk = { url, origin: parsed.origin, token: parsed.searchParams.get('t') ?? '', dataDir, logs: () => '', openPanel: async () => Promise.reject(new Error('use panelOf')) };
  return { child, kiosk };
}

async function panelOf(page: Page, kiosk: Kiosk): Promise<Page> {
  const panel = await page.context().newPage();
  await panel.goto(`${kiosk.origin}/sim?t=${kiosk.token}`);
  await expect(panel.getByRole('heading', { name: /设备模拟器/ })).toBeVisible();
  return panel;
}

function killed(child: ChildProcess): Promise<void> {
  return new Promise((r) => {
    if (child.exitCode !== null || child.signalCode !== null) return r();
    child.once('exit', () => r());
    child.kill('SIGKILL');
  });
}

test.describe('crash resume (issue 12 item 4)', () => {
  test('a SIGKILL of the web-mode process in the middle of a form: after the restart the same card puts the citizen back on that step with their entries; one case at the platform', async ({ page }, testInfo) => {
    const dir = mkdtempSync(join(tmpdir(), 'kiosk-e2e-resume-'));
    const running: ChildProcess[] = [];
    try {
      const a = await startOn(dir);
      running.push(a.child);
      await page.goto(a.kiosk.url);
      let panel = await panelOf(page, a.kiosk);
      await placeCard(panel);
      await expect(page.getByRole('heading', { level: 1, name: `您好，${RESIDENT.name}` })).toBeVisible();
      await page.getByRole('button', { name: '社会保障卡补换', exact: true }).click();
      await next(page);
      await page.getByRole('radiogroup', { name: '补换原因' }).getByRole('radio', { name: '遗失' }).click();
      await typeOnPad(page, '联系电话', '13912345678');
      await screenshotAs(page, testInfo, 'citizen-resume-01-before-kill');
      // The draft is sealed at every change: wait for the core to have seen the last key, then kill it.
      await expect.poll(async () => (await viewOf(a.kiosk))?.matter?.step?.fields?.find((f) => f.key === 'phone')?.value, { timeout: 10_000 }).toBe('13912345678');
      await killed(a.child);
      await panel.close();

      const b = await startOn(dir);
      running.push(b.child);
      await page.goto(b.kiosk.url);
      await expect(page.getByText(/社会保障卡补换/).first()).toBeVisible({ timeout: 20_000 });
      panel = await panelOf(page, b.kiosk);
      await placeCard(panel);
      await expect(stepHeading(page, '填写申请信息')).toBeVisible({ timeout: 20_000 });
      await expect(page.getByLabel('联系电话', { exact: true })).toHaveValue('13912345678');
      await expect(page.getByRole('radiogroup', { name: '补换原因' }).getByRole('radio', { name: '遗失' })).toBeChecked();
      await screenshotAs(page, testInfo, 'citizen-resume-02-back-on-the-form');
      await next(page);
      await page.getByRole('button', { name: '开始缴费' }).click();
      await expect(stepHeading(page, '核对并提交')).toBeVisible({ timeout: 20_000 });
      await page.getByRole('button', { name: '提交', exact: true }).click();
      await expect(page.getByText('受理回执已打印，请从出纸口取走回执')).toBeVisible({ timeout: 20_000 });
      await expect.poll(async () => (await platformGet<unknown[]>(b.kiosk, '/_sim/cases')).length, { timeout: 30_000 }).toBe(1);
      await panel.close();
    } finally {
      for (const c of running) await killed(c);
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

test.describe('a SIGKILL between payment and submission (issue 12 item 4)', () => {
  /** Up to the summary after the fee was paid; then the core is killed. The paid sale's key. */
  async function paidThenKilled(page: Page, a: Running): Promise<string> {
    await page.goto(a.kiosk.url);
    const panel = await panelOf(page, a.kiosk);
    await placeCard(panel);
    await expect(page.getByRole('heading', { level: 1, name: `您好，${RESIDENT.name}` })).toBeVisible();
    await page.getByRole('button', { name: '社会保障卡补换', exact: true }).click();
    await next(page);
    await page.getByRole('radiogroup', { name: '补换原因' }).getByRole('radio', { name: '遗失' }).click();
    await typeOnPad(page, '联系电话', '13912345678');
    await next(page);
    await page.getByRole('button', { name: '开始缴费' }).click();
    await expect(stepHeading(page, '核对并提交')).toBeVisible({ timeout: 20_000 });
    const sales = (await simState(a.kiosk)).payment?.sales ?? [];
    expect(sales.filter((x) => x.outcome === 'approved')).toHaveLength(1);
    await killed(a.child);
    await panel.close();
    return sales[0]?.key ?? '';
  }

  test('the same citizen comes back: the paid application is submitted once, with its one charge (never charged twice)', async ({ page }) => {
    const dir = mkdtempSync(join(tmpdir(), 'kiosk-e2e-pay-'));
    const running: ChildProcess[] = [];
    try {
      const a = await startOn(dir);
      running.push(a.child);
      const key = await paidThenKilled(page, a);
      const b = await startOn(dir);
      running.push(b.child);
      await page.goto(b.kiosk.url);
      await expect(page.getByTestId('resume-offer')).toBeVisible({ timeout: 20_000 });
      const panel = await panelOf(page, b.kiosk);
      await placeCard(panel);
      await expect(stepHeading(page, '核对并提交')).toBeVisible({ timeout: 20_000 });
      await expect(page.getByText(/已缴费/)).toBeVisible();
      await page.getByRole('button', { name: '提交', exact: true }).click();
      await expect(page.getByText('受理回执已打印，请从出纸口取走回执')).toBeVisible({ timeout: 20_000 });
      await expect.poll(async () => (await platformGet<unknown[]>(b.kiosk, '/_sim/cases')).length, { timeout: 30_000 }).toBe(1);
      const sales = (await simState(b.kiosk)).payment?.sales ?? [];
      expect(sales).toEqual([expect.objectContaining({ key, outcome: 'approved', reversed: false })]);
      await panel.close();
    } finally {
      for (const c of running) await killed(c);
      rmSync(dir, { recursive: true, force: true });
    }
  });

  test('someone else comes next: the unsubmitted payment is reversed and no case reaches the platform', async ({ page }) => {
    const dir = mkdtempSync(join(tmpdir(), 'kiosk-e2e-pay-'));
    const running: ChildProcess[] = [];
    try {
      const a = await startOn(dir);
      running.push(a.child);
      const key = await paidThenKilled(page, a);
      const b = await startOn(dir);
      running.push(b.child);
      await page.goto(b.kiosk.url);
      await expect(page.getByTestId('resume-offer')).toBeVisible({ timeout: 20_000 });
      const panel = await panelOf(page, b.kiosk);
      await placeCard(panel, 'resident-longterm');
      await expect(page.getByRole('heading', { name: '请选择要办理的事项' })).toBeVisible({ timeout: 20_000 });
      await expect.poll(async () => (await simState(b.kiosk)).payment?.sales ?? [], { timeout: 20_000 }).toEqual([expect.objectContaining({ key, outcome: 'approved', reversed: true })]);
      expect(await platformGet<unknown[]>(b.kiosk, '/_sim/cases')).toHaveLength(0);
      await panel.close();
    } finally {
      for (const c of running) await killed(c);
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

interface LooseView {
  matter?: { step?: { fields?: { key: string; value: string }[] } } | null;
}
/** The session view as the core has it (session.get over the citizen socket). */
async function viewOf(kiosk: Kiosk): Promise<LooseView | null> {
  const ws = new WebSocket(`${kiosk.origin.replace('http', 'ws')}/ws?t=${kiosk.token}`);
  return new Promise((resolve) => {
    const done = (v: LooseView | null) => {
      clearTimeout(timer);
      ws.close();
      resolve(v);
    };
    const timer = setTimeout(() => done(null), 5000);
    ws.on('open', () => ws.send(JSON.stringify({ type: 'request', id: 1, method: 'session.get', params: {} })));
    ws.on('message', (data) => {
      const m = JSON.parse(String(data)) as { type: string; id?: number; reply?: { ok: boolean; value?: LooseView } };
      if (m.type === 'reply' && m.id === 1) done(m.reply?.ok ? (m.reply.value ?? null) : null);
    });
    ws.on('error', () => done(null));
  });
}

async function screenshotAs(page: Page, testInfo: TestInfo, name: string): Promise<void> {
  await screenshot(page, name, testInfo);
}
