import { spawn } from 'node:child_process';
import { join } from 'node:path';
import type { Page } from '@playwright/test';
import { SAMPLE_IDENTITIES } from '../../drivers/id-card/samples.js';
import { expect, screenshot, test, type Kiosk } from './kiosk-fixture.js';

/** scrypt (N=1024, test cost) of the PIN 246813. */
const PIN = '246813';
const PIN_HASH = 'scrypt$1024$8$1$kT2kkLBC7C+1j4he+xU5aA==$6MVY0IwF5OmVqbOn8CgRedf+ehAhm6A5OKrAQu470Nw=';

test.use({
  kioskProfile: {
    idle: { timeoutSeconds: 300, warningSeconds: 20, goodbyeSeconds: 30 },
    technician: { pins: [{ slot: 'e2e-site', hash: PIN_HASH }], lockout: { attempts: 5, baseSeconds: 60, maxSeconds: 3600 } },
  },
});

/** The sample card the simulator places ('resident-zhang'): what must never show on the technician screen. */
const CITIZEN = SAMPLE_IDENTITIES['resident-zhang'] ?? { name: '?', idNumber: '?', address: '?' };

function hexUtf16(s: string): string {
  return [...Buffer.from(s, 'utf16le')].map((b) => b.toString(16).padStart(2, '0')).join(' ');
}

async function simPost(kiosk: Kiosk, path: string, body: unknown): Promise<void> {
  const res = await fetch(`${kiosk.origin}/sim/api/${path}`, { method: 'POST', headers: { authorization: `Bearer ${kiosk.token}`, 'content-type': 'application/json' }, body: JSON.stringify(body) });
  expect(res.status).toBe(200);
}

async function simState(kiosk: Kiosk): Promise<{ printer: { receipts: number } | null }> {
  const res = await fetch(`${kiosk.origin}/sim/api/state`, { headers: { authorization: `Bearer ${kiosk.token}` } });
  return ((await res.json()) as { value: { printer: { receipts: number } | null } }).value;
}

async function typePin(page: Page, pin: string): Promise<void> {
  const pad = page.getByRole('group', { name: '数字键盘 Keypad' });
  for (const digit of pin) await pad.getByRole('button', { name: digit, exact: true }).click();
  await pad.getByRole('button', { name: '登录 Log in' }).click();
}

function kioskctl(args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const p = spawn(process.execPath, [join(process.cwd(), 'bin', 'kioskctl.mjs'), ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    p.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    p.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    p.on('exit', (code) => resolve({ code, stdout, stderr }));
  });
}

test('technician: enter with the PIN, health check, test receipt, test card read and the reader’s frames, out of service and back', async ({ kiosk, page, context }, testInfo) => {
  await page.goto(kiosk.url);
  await expect(page.getByRole('heading', { name: '请放置身份证' })).toBeVisible();
  // The way in: five taps on the top-left corner of the attract screen (nothing visible marks it).
  for (let i = 0; i < 5; i++) await page.mouse.click(20, 20);
  await page.waitForURL(/\/tech\.html$/);
  await expect(page.getByRole('heading', { name: '技术员登录 Technician login' })).toBeVisible();
  await screenshot(page, 'technician-pin-pad', testInfo);
  await typePin(page, PIN);
  await expect(page.getByRole('heading', { name: '技术员维护 Technician' })).toBeVisible();
  await expect(page.getByText('已登录 e2e-site Logged in: e2e-site')).toBeVisible();

  const reader = page.getByRole('region', { name: '身份证阅读器 ID card reader' });
  const printer = page.getByRole('region', { name: '回执打印机 Receipt printer' });
  await expect(reader.getByRole('status', { name: '身份证阅读器 ID card reader 状态 status' })).toContainText('在线 Online');
  await expect(printer.getByRole('status', { name: '回执打印机 Receipt printer 状态 status' })).toContainText('在线 Online');

  // kioskctl devices list --json says what this screen shows.
  const cli = await kioskctl(['devices', 'list', '--data-dir', kiosk.dataDir, '--json']);
  expect(cli.code, cli.stderr).toBe(0);
  const listed = (JSON.parse(cli.stdout) as { id: string; state: string; nextAction: string | null }[]).map((d) => ({ id: d.id, state: d.state, nextAction: d.nextAction ?? '' }));
  const shown = await page.locator('section[data-device-id]').evaluateAll((els) =>
    els.map((el) => ({ id: el.getAttribute('data-device-id'), state: el.getAttribute('data-state'), nextAction: el.getAttribute('data-next-action') })),
  );
  expect(shown).toEqual(listed);

  // A health check.
  await reader.getByRole('button', { name: '健康检查 Health check' }).click();
  await expect(reader.getByRole('status', { name: '身份证阅读器 ID card reader 检查结果 Check result' })).toContainText('正常 OK (internal): SAM status OK');

  // A test receipt, printed by the kiosk's own printer.
  await printer.getByRole('button', { name: '打印测试页 Print test receipt' }).click();
  await expect(printer.getByText('测试页已打印 Test receipt printed')).toBeVisible();
  expect((await simState(kiosk)).printer?.receipts).toBe(1);
  await expect(printer.getByLabel('回执打印机 Receipt printer 今日计数 Today')).toContainText('切纸 Cuts');

  // A test card read: the card goes to the technician (masked), never to a citizen session.
  await reader.getByRole('button', { name: '测试读卡 Test card read' }).click();
  await expect(reader.getByRole('status', { name: '请放置身份证 Place a card' })).toBeVisible();
  await simPost(kiosk, 'id-card/place', { key: 'resident-zhang' });
  await expect(reader.getByText(/读卡成功 Card read: \d{6}\*+\d{4}/)).toBeVisible();

  // The reader's last frames: the read reply by its status and length, and nothing of the card.
  await reader.getByRole('button', { name: '协议记录 Protocol trace' }).click();
  const trace = reader.getByRole('table', { name: '身份证阅读器 ID card reader 协议记录 Protocol trace' });
  await expect(trace).toContainText(/read card reply 90 \(operation OK\), \d+ data bytes/);
  await expect(trace).toContainText('aa aa aa 96 69');
  const traceText = (await trace.textContent()) ?? '';
  for (const secret of [CITIZEN.name, CITIZEN.idNumber, CITIZEN.address, hexUtf16(CITIZEN.name)]) expect(traceText).not.toContain(secret);
  await screenshot(page, 'technician-devices', testInfo);
  await reader.getByRole('button', { name: '协议记录 Protocol trace' }).click();

  // Out of service: the citizen screen says so with the reason; back in service after the checks.
  const citizen = await context.newPage();
  await citizen.goto(kiosk.url);
  await expect(citizen.getByRole('heading', { name: '请放置身份证' })).toBeVisible();
  const service = page.getByRole('status', { name: '服务状态 Service state' });
  await expect(service).toContainText('服务中 In service');
  await page.getByRole('group', { name: '暂停原因 Reason' }).getByRole('button', { name: '设备维护 Device maintenance' }).click();
  await page.getByRole('button', { name: '暂停服务 Take out of service' }).click();
  await expect(service).toContainText('暂停服务 Out of service · 设备维护 Device maintenance');
  await expect(citizen.getByRole('heading', { name: '暂停服务' })).toBeVisible();
  await expect(citizen.getByText('设备维护 Device maintenance')).toBeVisible();
  await screenshot(citizen, 'citizen-out-of-service', testInfo);
  await page.getByRole('button', { name: '恢复服务 Back in service' }).click();
  await expect(page.getByRole('status').filter({ hasText: '检查通过，已恢复服务 Checks passed: back in service' })).toBeVisible();
  await expect(service).toContainText('服务中 In service');
  await expect(citizen.getByRole('heading', { name: '请放置身份证' })).toBeVisible();

  // Logging out gives the screen back to citizens.
  await page.getByRole('button', { name: '退出 Log out' }).click();
  await expect(page.getByRole('heading', { name: '请放置身份证' })).toBeVisible();
  expect(kiosk.logs()).not.toContain('张');
});

test('technician: back in service is refused naming the failing device', async ({ kiosk, page }) => {
  await page.goto(kiosk.url);
  await page.goto(`${kiosk.origin}/tech.html`);
  await typePin(page, PIN);
  const service = page.getByRole('status', { name: '服务状态 Service state' });
  await page.getByRole('button', { name: '更换纸卷 Paper change' }).click();
  await page.getByRole('button', { name: '暂停服务 Take out of service' }).click();
  await expect(service).toContainText('暂停服务 Out of service');
  await simPost(kiosk, 'printer/fault', { fault: 'paperOut', on: true });
  const printer = page.getByRole('region', { name: '回执打印机 Receipt printer' });
  await expect(printer.getByRole('status', { name: '回执打印机 Receipt printer 状态 status' })).toContainText('工作人员可处理');
  await page.getByRole('button', { name: '恢复服务 Back in service' }).click();
  const alert = page.getByRole('alert').filter({ hasText: '无法恢复服务 Cannot go back in service' });
  await expect(alert).toContainText('receipt-printer');
  await expect(alert).toContainText(/paper/i);
  await expect(service).toContainText('暂停服务 Out of service');
  await simPost(kiosk, 'printer/fault', { fault: 'paperOut', on: false });
  await expect(printer.getByRole('status', { name: '回执打印机 Receipt printer 状态 status' })).toContainText('在线 Online');
  await page.getByRole('button', { name: '恢复服务 Back in service' }).click();
  await expect(service).toContainText('服务中 In service');
});

test('technician: five wrong PINs lock the PIN pad', async ({ kiosk, page }, testInfo) => {
  await page.goto(kiosk.url);
  await page.goto(`${kiosk.origin}/tech.html`);
  await expect(page.getByRole('heading', { name: '技术员登录 Technician login' })).toBeVisible();
  for (let i = 1; i <= 4; i++) {
    await typePin(page, '135790');
    await expect(page.getByRole('alert')).toHaveText(`密码错误，还可尝试 ${5 - i} 次 Wrong PIN: ${5 - i} attempt(s) left`);
  }
  await typePin(page, '135790');
  await expect(page.getByRole('alert')).toContainText(/已锁定，请 (60|59) 秒后再试 Locked: try again in (60|59) s/);
  const pad = page.getByRole('group', { name: '数字键盘 Keypad' });
  await expect(pad.getByRole('button', { name: '2', exact: true })).toBeDisabled();
  await expect(page.getByLabel('技术员密码 Technician PIN')).toBeDisabled();
  await screenshot(page, 'technician-locked', testInfo);
  // A reload does not unlock it: the core keeps the lock.
  await page.reload();
  await page.getByLabel('技术员密码 Technician PIN').fill(PIN);
  await page.getByRole('button', { name: '登录 Log in' }).click();
  await expect(page.getByRole('alert')).toContainText('已锁定');
  await expect(page.getByRole('heading', { name: '技术员维护 Technician' })).toHaveCount(0);
});
