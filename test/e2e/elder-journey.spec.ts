/**
 * The elder-mode journey with voice guidance (issue 12, Acceptance): on a kiosk (1080×1920 portrait and
 * 1920×1080 landscape) whose profile has voice guidance off by default, the citizen turns on 长辈模式 on the attract screen — which turns
 * voice guidance on — and does a whole matter (居住证签注: notice, one field at a time with an error,
 * commitment, materials with an e-certificate, submit, receipt, rating, goodbye) against the real core
 * in web mode. Web mode records what it says to WAV files (KIOSK_VOICE_RECORD_DIR, utterances.jsonl):
 * every screen's words are waited for as spoken, each file is checked to be speech and not silence,
 * nothing the citizen entered or the ID number is ever said. Every screen is photographed to
 * test-results/screens/elder-voice-<portrait|landscape>-<nn>-<screen>.png and checked (axe, and the
 * elder-mode floor from computed styles: text ≥ 30 px, contrast, 60 px targets not covered, nothing
 * wrapped in a button).
 */
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Page, TestInfo } from '@playwright/test';
import { PHRASES } from '../../main/core/voice/phrases.js';
import type { RecordedUtterance } from '../../main/core/voice/recorder.js';
import { WavRecorder } from '../../main/core/voice/recorder.js';
import { isAudible } from '../../main/core/voice/wav.js';
import { ELDER_FLOOR, measureFloor } from './a11y-checks.js';
import { RESIDENT, next, placeCard, seriousViolations, stepHeading, typeOnPad, typePinyin } from './journey-helpers.js';
import { expect, screenshot, test } from './kiosk-fixture.js';

const PHONE = '13912345678';
const ORIENTATIONS = { portrait: { width: 1080, height: 1920 }, landscape: { width: 1920, height: 1080 } } as const;

test.use({ kioskProfile: { idle: { timeoutSeconds: 120, warningSeconds: 10, goodbyeSeconds: 30 }, voice: { defaultOn: false, volume: 70 } } });

/** What web mode recorded so far in `dir` (utterances.jsonl: one JSON line per utterance, spoken, canceled or failed). */
function recordedIn(dir: string): RecordedUtterance[] {
  const index = join(dir, 'utterances.jsonl');
  if (!existsSync(index)) return [];
  return readFileSync(index, 'utf8')
    .split('\n')
    .filter((l) => l.trim() !== '')
    .map((l) => JSON.parse(l) as RecordedUtterance);
}

/** One screen of the journey: what it showed, what was heard while it was shown. */
interface Heard {
  screen: string;
  texts: string[];
}

class ElderJourney {
  #n = 0;
  /** The last utterance already attributed to a screen. */
  #mark = 0;
  readonly heard: Heard[] = [];
  constructor(
    private readonly page: Page,
    private readonly testInfo: TestInfo,
    private readonly orientation: string,
    private readonly recorded: () => RecordedUtterance[],
  ) {}

  /**
   * Waits until every phrase `expected` (exact text, or a test of it) has been spoken to the end since
   * the last screen, then photographs and checks the screen.
   */
  async screen(name: string, expected: (string | RegExp)[]): Promise<void> {
    const since = this.#mark;
    const matches = (u: RecordedUtterance, e: string | RegExp) => (typeof e === 'string' ? u.text === e : e.test(u.text));
    await expect
      .poll(
        () => {
          const spoken = this.recorded().filter((u) => u.seq > since && u.outcome === 'spoken');
          return expected.filter((e) => !spoken.some((u) => matches(u, e))).map(String);
        },
        { message: `${name}: every phrase spoken`, timeout: 30_000 },
      )
      .toEqual([]);
    const spoken = this.recorded().filter((u) => u.seq > since && u.outcome === 'spoken');
    this.#mark = Math.max(since, ...spoken.map((u) => u.seq));
    this.heard.push({ screen: name, texts: spoken.map((u) => u.text) });
    for (const u of spoken) {
      expect(u.locale, u.text).toBe('zh-CN');
      expect(u.file, u.text).not.toBeNull();
      expect(isAudible(WavRecorder.levels(u.file ?? '')), `${name}: "${u.text}" is speech, not silence`).toBe(true);
    }
    await expect(this.page.locator('html')).toHaveClass(/(^| )large-text( |$)/);
    this.#n++;
    const shot = `elder-voice-${this.orientation}-${String(this.#n).padStart(2, '0')}-${name}`;
    await this.page.waitForFunction(() => document.fonts.status === 'loaded');
    await screenshot(this.page, shot, this.testInfo);
    const floor = await measureFloor(this.page, ELDER_FLOOR);
    expect(floor.texts, `${shot}: text measured`).toBeGreaterThan(0);
    expect.soft(floor.problems, `${shot}: the elder-mode floor`).toEqual([]);
    expect.soft(await seriousViolations(this.page), `${shot}: axe`).toEqual([]);
  }
}

for (const [orientation, viewport] of Object.entries(ORIENTATIONS)) {
  test.describe(`${orientation} ${viewport.width}×${viewport.height}`, () => {
    const voiceDir = mkdtempSync(join(tmpdir(), 'elder-voice-'));
    test.use({ viewport, kioskEnv: { KIOSK_VOICE_RECORD_DIR: voiceDir } });
    test.afterAll(() => rmSync(voiceDir, { recursive: true, force: true }));
    test('elder mode with voice guidance: 长辈模式 turns the voice on, every screen of a whole matter is spoken, checked and photographed', async ({ page, kiosk }, testInfo) => {
      test.setTimeout(240_000);
      await elderJourney(page, kiosk.url, () => kiosk.openPanel(), new ElderJourney(page, testInfo, orientation, () => recordedIn(voiceDir)), () => recordedIn(voiceDir), testInfo);
    });
  });
}

async function elderJourney(page: Page, url: string, openPanel: () => Promise<Page>, journey: ElderJourney, recorded: () => RecordedUtterance[], testInfo: TestInfo): Promise<void> {
  await page.goto(url);
  await expect(page.getByRole('heading', { level: 1, name: '请放置身份证' })).toBeVisible();
  const toolbar = page.getByRole('navigation', { name: '显示设置' });
  const voice = toolbar.getByRole('button', { name: '语音', exact: true });
  await expect(voice).toHaveAttribute('aria-pressed', 'false');
  // Voice off by the profile: the attract screen says nothing.
  await expect(page.getByRole('status').filter({ hasText: '读卡器就绪' })).toBeVisible();
  expect(recorded().filter((u) => u.outcome === 'spoken')).toEqual([]);

  // 长辈模式 from the attract screen: large text, and voice guidance on, said and then the screen.
  await page.getByRole('main').getByRole('button', { name: '长辈模式', exact: true }).click();
  await expect(voice).toHaveAttribute('aria-pressed', 'true');
  await journey.screen('attract', [PHRASES.items.voiceOn['zh-CN'], PHRASES.screens.attract['zh-CN']]);
  const first = recorded().filter((u) => u.outcome === 'spoken');
  expect(first.map((u) => u.text).slice(0, 2)).toEqual([PHRASES.items.voiceOn['zh-CN'], PHRASES.screens.attract['zh-CN']]);
  // Elder mode speaks slower than the normal rate.
  expect(first.every((u) => u.rate < 1)).toBe(true);

  const panel = await openPanel();
  await placeCard(panel);
  await expect(page.getByRole('heading', { level: 1, name: `您好，${RESIDENT.name}` })).toBeVisible();
  await expect(page.getByRole('heading', { name: '请选择要办理的事项' })).toBeVisible();
  await journey.screen('welcome', [`${RESIDENT.name}，您好。`, PHRASES.screens.welcome.choose['zh-CN']]);

  // One thing per screen: the matters in pages of large tiles.
  const matter = page.getByRole('button', { name: '居住证签注', exact: true });
  for (let turn = 0; turn < 10 && (await matter.count()) === 0; turn++) await page.getByRole('button', { name: '下一页', exact: true }).click();
  await matter.click();
  await expect(stepHeading(page, '一次性告知')).toBeVisible();
  await expect(page.getByText('第 1 步，共 7 步')).toBeVisible();
  await journey.screen('notice', ['您选择了：居住证签注。', /^请阅读办理须知/]);

  // The cancel dialog is spoken too; keeping on says nothing more about it.
  await page.getByRole('button', { name: '取消办理', exact: true }).click();
  await expect(page.getByRole('alertdialog')).toBeVisible();
  await journey.screen('cancel-confirm', [PHRASES.items.cancelConfirm['zh-CN']]);
  await page.getByRole('alertdialog').getByRole('button', { name: '继续办理', exact: true }).click();
  await expect(page.getByRole('alertdialog')).toBeHidden();
  await next(page);

  // The form, one field at a time (第 1 项，共 4 项): the prompt once, the errors when Next is refused.
  await expect(stepHeading(page, '填写申请信息')).toBeVisible();
  await expect(page.getByText('第 1 项，共 4 项')).toBeVisible();
  await expect(page.getByLabel('申请人姓名', { exact: true })).toHaveValue(RESIDENT.name);
  await journey.screen('form', [PHRASES.steps.form['zh-CN']]);
  await next(page);
  await expect(page.getByText('第 2 项，共 4 项')).toBeVisible();
  // Each field shown by itself is said: which one, its label, how to fill it in (never its value).
  await journey.screen('form-field', [/^第二项，共四项：[^。]+。/]);
  await next(page);
  await expect(page.getByText('第 3 项，共 4 项')).toBeVisible();
  await next(page); // 现居住地址 left empty
  await expect(page.getByText('第 4 项，共 4 项')).toBeVisible();
  await next(page); // 联系电话 empty too: the core refuses, the first field in error is shown and the errors are spoken
  await expect(page.getByText('第 3 项，共 4 项')).toBeVisible();
  await expect(page.getByLabel('现居住地址', { exact: true })).toHaveAttribute('aria-invalid', 'true');
  await journey.screen('form-errors', [PHRASES.items.errorsIntro(2)['zh-CN'], /现居住地址/, /联系电话/]);
  await typePinyin(page, '现居住地址', [
    ['jin', '金'],
    ['feng', '凤'],
    ['qu', '区'],
  ]);
  await expect(page.getByLabel('现居住地址', { exact: true })).not.toHaveAttribute('aria-invalid', 'true');
  await next(page);
  await expect(page.getByText('第 4 项，共 4 项')).toBeVisible();
  await typeOnPad(page, '联系电话', PHONE);
  await expect(page.getByLabel('联系电话', { exact: true })).not.toHaveAttribute('aria-invalid', 'true');
  await next(page);

  await expect(stepHeading(page, '告知承诺')).toBeVisible();
  await journey.screen('commitment', [/^请阅读告知承诺书/]);
  await page.getByRole('button', { name: '我承诺', exact: true }).click();

  await expect(stepHeading(page, '提交材料')).toBeVisible();
  const permit = page.getByRole('listitem', { name: '居住证' });
  await expect(permit.getByRole('button', { name: '使用电子证照：居住证', exact: true })).toBeVisible({ timeout: 20_000 });
  await journey.screen('materials', [PHRASES.steps.materials.ready['zh-CN']]);
  await permit.getByRole('button', { name: '使用电子证照：居住证', exact: true }).click();
  await expect(permit.getByText('已使用电子证照')).toBeVisible();
  const proof = page.getByRole('listitem', { name: /^居住证明/ });
  await proof.getByRole('button', { name: /^以承诺代替/ }).click();
  await expect(proof.getByText('已承诺代替')).toBeVisible();
  await next(page);

  await expect(stepHeading(page, '核对并提交')).toBeVisible();
  await journey.screen('submit', [PHRASES.steps.submit.confirm['zh-CN']]);
  await page.getByRole('button', { name: '提交', exact: true }).click();
  await expect(page.getByText('受理回执已打印，请从出纸口取走回执')).toBeVisible({ timeout: 20_000 });
  await journey.screen('printed', [/^受理回执已打印/]);
  await next(page);

  await expect(stepHeading(page, '服务评价')).toBeVisible();
  await journey.screen('review', [PHRASES.steps.review.choosing['zh-CN']]);
  await page.getByRole('group', { name: '请对本次服务作出评价' }).getByRole('button', { name: '非常满意', exact: true }).click();

  await expect(page.getByRole('heading', { level: 1, name: '办理完成，感谢使用' })).toBeVisible();
  await expect(page.getByRole('alert')).toHaveText('请取走您的身份证');
  await journey.screen('goodbye', [PHRASES.screens.finished.accepted['zh-CN'], PHRASES.items.takeCard['zh-CN']]);
  await panel.getByRole('button', { name: '取走身份证 Remove card' }).click();
  await page.getByRole('button', { name: '返回首页' }).click();

  // The next citizen starts normal: no elder mode, the terminal's voice default (off), nothing said.
  await expect(page.getByRole('heading', { level: 1, name: '请放置身份证' })).toBeVisible();
  await expect(page.locator('html')).not.toHaveClass(/large-text/);
  await expect(voice).toHaveAttribute('aria-pressed', 'false');

  // Every screen had its words; none of them the citizen's data.
  expect(journey.heard.map((h) => h.screen)).toEqual(['attract', 'welcome', 'notice', 'cancel-confirm', 'form', 'form-field', 'form-errors', 'commitment', 'materials', 'submit', 'printed', 'review', 'goodbye']);
  for (const h of journey.heard) expect(h.texts.length, h.screen).toBeGreaterThan(0);
  const all = recorded();
  for (const u of all) {
    expect(u.text).not.toContain(RESIDENT.idNumber);
    expect(u.text).not.toContain(RESIDENT.idNumber.slice(-4));
    expect(u.text).not.toContain(RESIDENT.address.slice(0, 6));
    expect(u.text).not.toContain(PHONE);
    expect(u.text).not.toContain('金凤区');
  }
  // The name only in the greeting.
  expect(all.filter((u) => u.text.includes(RESIDENT.name)).map((u) => u.text)).toEqual([`${RESIDENT.name}，您好。`]);
  await testInfo.attach('spoken.json', { body: Buffer.from(JSON.stringify(journey.heard, null, 2)), contentType: 'application/json' });
}
