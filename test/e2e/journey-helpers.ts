/**
 * What the journeys (matters.spec.ts) do as a citizen and check as an auditor: place a card, choose a
 * matter, move through its steps by the vocabulary (下一步, 提交, 我承诺, the five levels), type on the
 * kiosk's own keyboard; then read what the printer received (ESC/POS bytes, decoded independently) and
 * what the platform simulator holds.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { AxeBuilder } from '@axe-core/playwright';
import type { Locator, Page, TestInfo } from '@playwright/test';
import { SimPlatformDeliveries, SimPrinterReceipts, SimState } from '../../main/contract/index.js';
import { SAMPLE_IDENTITIES } from '../../drivers/id-card/samples.js';
import { decodeEscPos, type VirtualReceipt } from '../../drivers/receipt-printer/index.js';
import { expect, screenshot, type Kiosk } from './kiosk-fixture.js';

export const RESIDENT_KEY = Object.keys(SAMPLE_IDENTITIES).find((k) => SAMPLE_IDENTITIES[k]?.cardType === 'resident' && SAMPLE_IDENTITIES[k]?.idNumberValid)!;
export const RESIDENT = SAMPLE_IDENTITIES[RESIDENT_KEY]!;
/** The masked form of the resident's number, as screens and receipts show it. */
export const RESIDENT_MASKED = `${RESIDENT.idNumber.slice(0, 6)}********${RESIDENT.idNumber.slice(-4)}`;

// ---- the simulator panel's HTTP routes (token-guarded) ----

async function simGet(kiosk: Kiosk, path: string): Promise<unknown> {
  const res = await fetch(`${kiosk.origin}${path}`, { headers: { authorization: `Bearer ${kiosk.token}` } });
  const body = (await res.json()) as { ok: boolean; value?: unknown; error?: { message: string } };
  if (!body.ok) throw new Error(`${path}: ${body.error?.message ?? res.status}`);
  return body.value;
}

export async function simPost(kiosk: Kiosk, path: string, body: unknown): Promise<SimState> {
  const res = await fetch(`${kiosk.origin}${path}`, {
    method: 'POST',
    headers: { authorization: `Bearer ${kiosk.token}`, 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  const reply = (await res.json()) as { ok: boolean; value?: unknown; error?: { message: string } };
  if (!reply.ok) throw new Error(`${path}: ${reply.error?.message ?? res.status}`);
  return SimState.parse(reply.value);
}

export async function simState(kiosk: Kiosk): Promise<SimState> {
  return SimState.parse(await simGet(kiosk, '/sim/api/state'));
}

/** Every receipt the simulated printer cut, decoded from the bytes it accepted (not from the preview). */
export async function printedReceipts(kiosk: Kiosk): Promise<VirtualReceipt[]> {
  const { receipts } = SimPrinterReceipts.parse(await simGet(kiosk, '/sim/api/printer/receipts'));
  return receipts.flatMap((r) => decodeEscPos(Buffer.from(r.bytes, 'base64')).filter((v) => v.cut !== undefined));
}

export function qrPayloads(r: VirtualReceipt): string[] {
  return r.items.flatMap((i) => (i.type === 'qr' ? [i.data] : []));
}

// ---- the embedded platform simulator's inspection routes ----

export async function platformUrl(kiosk: Kiosk): Promise<string> {
  const p = (await simState(kiosk)).platform;
  if (!p) throw new Error('this kiosk has no embedded platform');
  return p.url;
}

export async function platformGet<T = unknown>(kiosk: Kiosk, path: string): Promise<T> {
  const res = await fetch(`${await platformUrl(kiosk)}${path}`);
  if (!res.ok) throw new Error(`platform ${path}: ${res.status} ${await res.text()}`);
  return (await res.json()) as T;
}

// ---- the citizen ----

export async function placeCard(panel: Page, key = RESIDENT_KEY): Promise<void> {
  const label = SAMPLE_IDENTITIES[key]!.label;
  await panel.getByRole('button', { name: `放置 Place: ${label}` }).click();
  await expect(panel.getByRole('status').first()).toContainText('已放置');
}

/** From the attract screen: the card, the greeting, the matter list. */
export async function identify(page: Page, kiosk: Kiosk): Promise<Page> {
  await page.goto(kiosk.url);
  await expect(page.getByRole('heading', { level: 1, name: '请放置身份证' })).toBeVisible();
  const panel = await kiosk.openPanel();
  await placeCard(panel);
  await expect(page.getByRole('heading', { level: 1, name: `您好，${RESIDENT.name}` })).toBeVisible();
  await expect(page.getByRole('heading', { name: '请选择要办理的事项' })).toBeVisible();
  return panel;
}

export function stepHeading(page: Page, name: string | RegExp): Locator {
  return page.getByRole('heading', { level: 1, name });
}

/** axe's serious and critical findings on the page as it is now. */
export async function seriousViolations(page: Page): Promise<string[]> {
  const results = await new AxeBuilder({ page }).analyze();
  return results.violations.filter((v) => v.impact === 'serious' || v.impact === 'critical').map((v) => `${v.id}: ${v.help} (${v.nodes.map((n) => n.target.join(' ')).join(', ')})`);
}

/** Every visible button: at least 60 px each way, and its words fit inside it on one line. */
export async function checkButtons(page: Page) {
  const problems = await page.evaluate(() => {
    const out: string[] = [];
    for (const b of Array.from(document.querySelectorAll('button'))) {
      const r = b.getBoundingClientRect();
      if (r.width === 0 || r.height === 0 || getComputedStyle(b).visibility === 'hidden') continue;
      const name = (b.getAttribute('aria-label') ?? b.textContent ?? '').trim();
      if (r.height < 60 || r.width < 60) out.push(`${name}: ${Math.round(r.width)}×${Math.round(r.height)} px`);
      if (b.scrollWidth > b.clientWidth + 1) out.push(`${name}: text overflows (${b.scrollWidth} > ${b.clientWidth})`);
      if (!b.classList.contains('matter-button') && getComputedStyle(b).whiteSpace !== 'nowrap') out.push(`${name}: may wrap`);
    }
    return out;
  });
  expect(problems).toEqual([]);
}


/**
 * Screenshots of a journey, numbered in order: test-results/screens/<journey>-<nn>-<what>.png; with
 * `axe`, every screen photographed is also checked for serious accessibility problems and its buttons
 * for size (≥ 60 px) and words that fit on one line.
 */
export class Album {
  #n = 0;
  constructor(
    private readonly page: Page,
    private readonly journey: string,
    private readonly testInfo: TestInfo,
    private readonly opts: { axe?: boolean } = {},
  ) {}
  async shot(what: string): Promise<void> {
    this.#n++;
    const name = `${this.journey}-${String(this.#n).padStart(2, '0')}-${what}`;
    await screenshot(this.page, name, this.testInfo);
    if (this.opts.axe) {
      expect(await seriousViolations(this.page), name).toEqual([]);
      await checkButtons(this.page);
    }
  }
}

export async function next(page: Page): Promise<void> {
  await page.getByRole('button', { name: '下一步', exact: true }).click();
}

/** Types `keys` on the kiosk's pad for the field labelled `label` (a date pad adds its dashes: pass `shown`). */
export async function typeOnPad(page: Page, label: string, keys: string, shown = keys): Promise<void> {
  const field = page.getByLabel(label, { exact: true });
  await field.click();
  const pad = page.getByRole('group', { name: /键盘/ });
  await expect(pad).toBeVisible();
  const clear = pad.getByRole('button', { name: '清空', exact: true });
  if (await clear.count()) await clear.click();
  else while (((await field.inputValue()) ?? '').length > 0) await pad.getByRole('button', { name: '删除', exact: true }).click();
  for (const ch of keys) await pad.getByRole('button', { name: ch, exact: true }).click();
  await expect(field).toHaveValue(shown);
}

/**
 * Types Chinese on the pinyin keyboard: each [pinyin, character] is typed as letters, then the character
 * is chosen among the candidates (turning pages if it is not on the first).
 */
export async function typePinyin(page: Page, label: string, syllables: readonly (readonly [string, string])[]): Promise<void> {
  const field = page.getByLabel(label, { exact: true });
  await field.click();
  const keyboard = page.getByRole('group', { name: '拼音键盘' });
  await expect(keyboard).toBeVisible();
  const start = await field.inputValue();
  let expected = start;
  for (const [pinyin, ch] of syllables) {
    for (const k of pinyin) await keyboard.getByRole('button', { name: k, exact: true }).click();
    const candidates = page.getByRole('group', { name: '候选字' });
    for (let turn = 0; turn < 20 && (await candidates.getByRole('button', { name: ch, exact: true }).count()) === 0; turn++) {
      await candidates.getByRole('button', { name: '下一页' }).click();
    }
    await candidates.getByRole('button', { name: ch, exact: true }).click();
    expected += ch;
    await expect(field).toHaveValue(expected);
  }
}

/** Decodes the QR code in a PNG with zbarimg (zbar-tools), an independent reader. */
export function decodeQrPng(png: Buffer): string {
  const dir = mkdtempSync(join(tmpdir(), 'qr-'));
  try {
    const file = join(dir, 'qr.png');
    writeFileSync(file, png);
    return execFileSync('zbarimg', ['--quiet', '--raw', '-Sdisable', '-Sqrcode.enable', file], { encoding: 'utf8' }).trim();
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

// ---- what the platform simulator holds, and what the kiosk delivered to it ----

export interface CaseSubmissionBody {
  kind: string;
  matterCode: string;
  applicantToken: string;
  form: Record<string, unknown>;
  attachments: string[];
  localAcceptanceNumber?: string;
}
export interface HeldCase {
  caseNumber: string;
  idempotencyKey: string;
  /** How many times the kiosk sent it (the platform keeps it once whatever the number). */
  requestCount: number;
  /** The submission the platform accepted for this case (its first 2xx exchange). */
  body: CaseSubmissionBody;
}
export interface DeliveredRating {
  caseNumber: string;
  status: number;
  body: { score: number; comment?: string; reasons?: string[]; contentVersion?: string };
}

/**
 * The cases the embedded platform holds (its /_sim/cases list: one entry per case, however often it was
 * sent), each with the submission it accepted, and the ratings it accepted (from the tap the kiosk reaches
 * it through, main/sim/platform-tap.ts), plus its own count of ratings.
 */
export async function platformHolds(kiosk: Kiosk): Promise<{ cases: HeldCase[]; ratings: DeliveredRating[]; ratingCount: number }> {
  const listed = await platformGet<{ caseNumber: string; idempotencyKey: string; requestCount: number }[]>(kiosk, '/_sim/cases');
  const { deliveries } = SimPlatformDeliveries.parse(await simGet(kiosk, '/sim/api/platform/deliveries'));
  const ok = deliveries.filter((d) => d.status >= 200 && d.status < 300);
  const cases = listed.map((c) => {
    const d = ok.find((x) => x.kind === 'case' && x.caseNumber === c.caseNumber);
    if (!d) throw new Error(`case ${c.caseNumber} is held but no accepted submission of it went through the tap`);
    return { caseNumber: c.caseNumber, idempotencyKey: c.idempotencyKey, requestCount: c.requestCount, body: d.body as CaseSubmissionBody };
  });
  const ratings = ok.filter((d) => d.kind === 'rating').map((d) => ({ caseNumber: d.caseNumber ?? '', status: d.status, body: d.body as DeliveredRating['body'] }));
  const ratingCount = (await simState(kiosk)).platform?.ratings ?? 0;
  return { cases, ratings, ratingCount };
}

/** Every exchange of case submissions and ratings between the kiosk and the platform, in order. */
export async function platformDeliveries(kiosk: Kiosk) {
  return SimPlatformDeliveries.parse(await simGet(kiosk, '/sim/api/platform/deliveries')).deliveries;
}

/**
 * Records, from now on, the name of every progress bar that appears (even for a moment): the journeys check
 * that paying, scanning, submitting and printing showed visible progress without racing a quick simulator.
 */
export async function watchProgress(page: Page): Promise<() => Promise<string[]>> {
  await page.evaluate(() => {
    const w = window as unknown as { __progress?: string[] };
    w.__progress = [];
    const seen = (): void => {
      for (const el of Array.from(document.querySelectorAll('[role="progressbar"]'))) {
        const name = el.getAttribute('aria-label') ?? '';
        if (!w.__progress?.includes(name)) w.__progress?.push(name);
      }
    };
    new MutationObserver(seen).observe(document.body, { subtree: true, childList: true, attributes: true });
    seen();
  });
  return () => page.evaluate(() => (window as unknown as { __progress?: string[] }).__progress ?? []);
}

export const PRINTED = '受理回执已打印，请从出纸口取走回执';

/** "提交", then the receipt printed (a photograph of each). */
export async function submitAndPrint(page: Page, shots: Album): Promise<void> {
  await shots.shot('submit');
  await page.getByRole('button', { name: '提交', exact: true }).click();
  await expect(page.getByText(PRINTED)).toBeVisible({ timeout: 20_000 });
  await shots.shot('printed');
}

/** From the step after the receipt: the rating screen, one of the five levels, the goodbye screen. */
export async function rate(page: Page, shots: Album, level: '非常满意' | '满意' | '基本满意' | '不满意' | '非常不满意'): Promise<void> {
  await next(page);
  await shots.shot('review');
  await page.getByRole('group', { name: '请对本次服务作出评价' }).getByRole('button', { name: level, exact: true }).click();
  await expect(page.getByRole('heading', { level: 1, name: '办理完成，感谢使用' })).toBeVisible();
  await shots.shot('goodbye');
}
