import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fc, test as ftest } from '@fast-check/vitest';
import { describe, expect, it } from 'vitest';
import { CaseQueryPhase, Locale, Screen, StepView, type SessionView } from '../../../../main/contract/index.js';
import { Redactor } from '../../../../main/core/logging.js';
import { cueOf } from '../../../../main/core/voice/cues.js';
import { SpeechGuard } from '../../../../main/core/voice/guard.js';
import { PHRASES, amountWords, dateWords, zhNumber } from '../../../../main/core/voice/phrases.js';
import { WavRecorder } from '../../../../main/core/voice/recorder.js';
import { isAudible } from '../../../../main/core/voice/wav.js';
import { CITIZEN, EXAMPLE_CASE, WELCOME, baseView, queryView, stepIn, viewOfStep } from './views.js';

/** Every step kind and its phases, read from the contract's zod union (a new kind or phase appears here by itself). */
const STEP_PHASES: { kind: StepView['kind']; phases: (string | undefined)[] }[] = StepView.options.map((o) => {
  const shape = o.shape as { kind: { value: StepView['kind'] }; phase?: { options: string[] } };
  return { kind: shape.kind.value, phases: shape.phase ? shape.phase.options : [undefined] };
});

/** One view per screen, and per step kind and phase on the matter screen. */
function everyView(): { name: string; view: SessionView }[] {
  const out: { name: string; view: SessionView }[] = [];
  for (const screen of Screen.options) {
    if (screen === 'matter') {
      for (const { kind, phases } of STEP_PHASES) for (const phase of phases) out.push({ name: `matter/${kind}${phase ? `/${phase}` : ''}`, view: viewOfStep(stepIn(kind, phase)) });
    } else if (screen === 'welcome') out.push({ name: 'welcome', view: WELCOME() });
    else if (screen === 'query') for (const phase of CaseQueryPhase.options) out.push({ name: `query/${phase}`, view: queryView(phase) });
    else out.push({ name: screen, view: baseView({ screen, citizen: screen === 'finished' ? CITIZEN : null }) });
  }
  return out;
}

const cue = (v: SessionView) => cueOf(v, { reminderSeconds: 10 });
const textOf = (v: SessionView): string => {
  const c = cue(v);
  return [...c.intro, ...c.prompt].map((l) => l.text).join(' ');
};

describe('the phrase table', () => {
  it('has words for every screen and every step kind and phase of the contract, in both languages', () => {
    const screens = PHRASES.screens as Record<string, unknown>;
    for (const s of Screen.options) expect(screens[s], `screen ${s}`).toBeDefined();
    const steps = PHRASES.steps as Record<string, unknown>;
    for (const { kind, phases } of STEP_PHASES) {
      expect(steps[kind], `step ${kind}`).toBeDefined();
      for (const p of phases) if (p !== undefined) expect((steps[kind] as Record<string, unknown>)[p], `step ${kind} phase ${p}`).toBeDefined();
    }
    const views = everyView();
    expect(views.length).toBe(Screen.options.length - 2 + STEP_PHASES.reduce((n, s) => n + s.phases.length, 0) + CaseQueryPhase.options.length);
    for (const { name, view } of views) {
      const [zh, en] = Locale.options.map((locale) => textOf({ ...view, locale }));
      expect(zh, name).toMatch(/\p{Script=Han}/u);
      // The Mandarin voice reads Latin letters as pinyin: none in Chinese speech.
      expect(zh, name).not.toMatch(/[A-Za-z]/);
      expect(en, name).toMatch(/[A-Za-z]{3}/);
      expect(en, name).not.toMatch(/\p{Script=Han}/u);
    }
  });

  it('the case query never says the case aloud: not its numbers, its matter, its state or the corrections', () => {
    for (const phase of CaseQueryPhase.options) {
      for (const locale of Locale.options) {
        const v = queryView(phase);
        const text = textOf({ ...v, locale });
        for (const secret of [EXAMPLE_CASE.acceptanceNumber ?? '', EXAMPLE_CASE.caseNumber ?? '', EXAMPLE_CASE.matter[locale], EXAMPLE_CASE.stateWords[locale], ...EXAMPLE_CASE.corrections]) {
          expect(text, `${phase} ${locale}`).not.toContain(secret);
        }
        if (v.query?.cases.length) expect(cue(v).secrets).toContain(EXAMPLE_CASE.acceptanceNumber);
      }
    }
    // The phases of the query do not share words either, and offline is said with what is shown.
    const texts = CaseQueryPhase.options.map((p) => textOf(queryView(p)));
    expect(new Set(texts).size).toBe(CaseQueryPhase.options.length);
    expect(textOf(queryView('case'))).toContain('本终端知道的情况');
  });

  it('a new phase gets its own prompt (phases of a step never share words)', () => {
    for (const { kind, phases } of STEP_PHASES) {
      if (phases.length < 2) continue;
      const texts = phases.map((p) => cue(viewOfStep(stepIn(kind, p))).prompt.map((l) => l.text).join(''));
      expect(new Set(texts).size, kind).toBe(phases.length);
    }
  });

  it('no phrase of any screen is refused by the speech guard (the citizen of the examples registered)', () => {
    const r = new Redactor();
    r.addSecrets([CITIZEN.name, '11010519491231002X', '宁夏回族自治区银川市兴庆区解放西街1号']);
    const guard = new SpeechGuard(r);
    for (const { name, view } of everyView()) {
      for (const locale of Locale.options) {
        const c = cue({ ...view, locale, idleWarning: { secondsLeft: 20 }, cardOnReader: true });
        for (const l of [...c.intro, ...c.prompt, ...c.items.flatMap((i) => i.lines)]) {
          expect(guard.check({ text: l.text, ...(l.allow ? { allow: l.allow } : {}), secrets: c.secrets }), `${name} ${locale}: ${l.text}`).toEqual({ ok: true });
        }
      }
    }
  });

  it('every phrase, synthesized by espeak-ng in both languages, is speech and not silence', async () => {
    const rec = new WavRecorder({ dir: mkdtempSync(join(tmpdir(), 'voice-phrases-')) });
    const said: string[] = [];
    for (const { view } of everyView()) {
      for (const locale of Locale.options) {
        const text = textOf({ ...view, locale });
        if (said.includes(text)) continue;
        said.push(text);
        expect(await rec.speak(text, { locale, volume: 70, rate: 1 })).toBe('spoken');
      }
    }
    expect(rec.utterances.length).toBe(said.length);
    for (const u of rec.utterances) {
      const l = WavRecorder.levels(u.file ?? '');
      expect(isAudible(l), u.text).toBe(true);
      // Long enough to be the words, not a blip: at least ~4 characters a second of Chinese or ~12 of English.
      expect(l.durationSeconds, u.text).toBeGreaterThan([...u.text].length / (u.locale === 'zh-CN' ? 12 : 30));
    }
  });
});

/** Reads Chinese numerals back (the inverse of zhNumber), for the round-trip property. */
function readZh(s: string): number {
  const digit: Record<string, number> = { 零: 0, 一: 1, 二: 2, 三: 3, 四: 4, 五: 5, 六: 6, 七: 7, 八: 8, 九: 9 };
  const unit: Record<string, number> = { 十: 10, 百: 100, 千: 1000 };
  let total = 0;
  let section = 0;
  let d = 0;
  for (const c of s) {
    if (c in digit) d = digit[c] ?? 0;
    else if (c in unit) {
      section += (d === 0 ? 1 : d) * (unit[c] ?? 0);
      d = 0;
    } else if (c === '万') {
      total = (section + d) * 10_000;
      section = 0;
      d = 0;
    } else throw new Error(`not a numeral: ${c}`);
  }
  return total + section + d;
}

describe('numbers for the ear', () => {
  ftest.prop([fc.integer({ min: 0, max: 99_999_999 })], { numRuns: 2000 })('zhNumber reads back to the number', (n) => {
    const words = zhNumber(n);
    expect(readZh(words)).toBe(n);
    if (n > 0) expect(words).not.toMatch(/零零|零$/);
    if (n >= 10 && n < 20) expect(words.startsWith('十')).toBe(true);
  });

  it('amounts and dates', () => {
    expect(zhNumber(1001)).toBe('一千零一');
    expect(zhNumber(20_500)).toBe('二万零五百');
    expect(zhNumber(100_010)).toBe('十万零一十');
    expect(amountWords(1550)).toEqual({ 'zh-CN': '十五元五角', en: '15.50 yuan' });
    expect(amountWords(2000)).toEqual({ 'zh-CN': '二十元', en: '20 yuan' });
    expect(amountWords(1005)).toEqual({ 'zh-CN': '十元零五分', en: '10.05 yuan' });
    expect(amountWords(5)).toEqual({ 'zh-CN': '五分', en: '0.05 yuan' });
    expect(dateWords('2025-01-09')).toEqual({ 'zh-CN': '二〇二五年一月九日', en: '9 January 2025' });
    expect(dateWords('2025-13-01')).toBeNull();
  });
});
