import type { FieldView, Locale, MatterView, SessionView, StepKind, StepView } from '../../contract/index.js';
import { PHRASES, type StepWords, type Words } from './phrases.js';

/**
 * From a session view to what voice guidance says about it: a pure function, so every screen can be
 * checked without an engine. A cue has
 *   screen  — a key that changes with the screen, the step, its phase and the language: a new key cuts
 *             off whatever is being said and the prompt is spoken;
 *   stage   — the screen and step without the step's phase; `intro` (the matter's name, the step
 *             number) is said only when it changes, not again for each phase of one step;
 *   prompt  — what the screen (the step, in its phase) says when it appears;
 *   items   — what appears on a screen (an error, a warning, a dialog, a reminder), each spoken when it
 *             first appears and again only after it went away; `repeatSeconds` repeats it while it stays;
 *   secrets — the view's own citizen data (field values, the masked ID, acceptance numbers) that the
 *             speech guard refuses in any utterance.
 */

export interface Line {
  text: string;
  /** Secrets this line may say (the citizen's name, in the greeting only). */
  allow?: readonly string[];
}

export interface CueItem {
  id: string;
  lines: Line[];
  /** Errors that appear together are introduced by how many there are. */
  kind: 'error' | 'notice' | 'dialog' | 'reminder';
  repeatSeconds?: number;
}

export interface Cue {
  screen: string;
  /** Coarser than `screen`: the step without its phase. `intro` is said only when this changes. */
  stage: string;
  locale: Locale;
  /** Said before the prompt when the stage changes: the matter chosen, the step number. */
  intro: Line[];
  prompt: Line[];
  items: CueItem[];
  secrets: string[];
}

export interface CueOptions {
  /** How often the card reminder repeats while the card stays on the reader (seconds). */
  reminderSeconds: number;
}

const HAN = /\p{Script=Han}/u;
const LATIN_NAME = /^[\p{Script=Latin}\s.'·-]+$/u;

/** The name as the locale's voice can say it: a Chinese name in Mandarin, a Latin-script name in English. */
function speakableName(name: string, locale: Locale): string | null {
  if (locale === 'zh-CN') return HAN.test(name) && !/[A-Za-z]/.test(name) ? name : null;
  return LATIN_NAME.test(name) ? name : null;
}

const line = (w: Words, locale: Locale, allow?: readonly string[]): Line => (allow ? { text: w[locale], allow } : { text: w[locale] });

function stepWords<K extends StepKind>(words: StepWords<K>, step: Extract<StepView, { kind: K }>, next: StepKind | null): Words {
  return typeof words === 'function' ? words(step, next) : words;
}

/** The phrase of a step in its current phase. */
export function stepPhrase(step: StepView, next: StepKind | null): Words {
  const s = PHRASES.steps;
  switch (step.kind) {
    case 'notice':
      return stepWords(s.notice, step, next);
    case 'form':
      return stepWords(s.form, step, next);
    case 'commitment':
      return stepWords(s.commitment, step, next);
    case 'materials':
      return stepWords(s.materials[step.phase], step, next);
    case 'fee':
      return stepWords(s.fee[step.phase], step, next);
    case 'submit':
      return stepWords(s.submit[step.phase], step, next);
    case 'print':
      return stepWords(s.print[step.phase], step, next);
    case 'review':
      return stepWords(s.review[step.phase], step, next);
  }
}

function phaseOf(step: StepView): string {
  return 'phase' in step ? step.phase : '-';
}

/**
 * What a field holds that is the citizen's own, never to be spoken: its value (a short number is not
 * identifying and would silence amounts and counts), and for a choice the chosen option's words.
 * yes/no values are the words "yes" and "no" themselves.
 */
function fieldSecrets(f: FieldView): string[] {
  if (f.kind === 'yesno') return [];
  const v = f.value.trim();
  const out = /\p{L}/u.test(v) || v.replace(/\D/g, '').length >= 4 ? [v] : [];
  if (f.kind === 'choice') {
    const chosen = f.options?.find((o) => o.value === f.value);
    if (chosen) out.push(chosen.label['zh-CN'], chosen.label.en);
  }
  return out.filter((s) => [...s].length >= (f.kind === 'choice' ? 3 : 2) || /\p{Script=Han}{2}/u.test(s));
}

/** Everything in the view that belongs to the citizen, for the guard. */
export function viewSecrets(v: SessionView): string[] {
  const out: string[] = [];
  if (v.citizen) out.push(v.citizen.maskedId);
  const step = v.matter?.step;
  if (step?.kind === 'form') for (const f of step.fields) out.push(...fieldSecrets(f));
  if (step?.kind === 'submit') {
    for (const f of step.summary.fields) out.push(f.value['zh-CN'], f.value.en);
    if (step.accepted) out.push(step.accepted.acceptanceNumber, ...(step.accepted.caseNumber ? [step.accepted.caseNumber] : []));
  }
  if (step?.kind === 'print') out.push(step.receipt.acceptanceNumber, ...(step.receipt.caseNumber ? [step.receipt.caseNumber] : []));
  if (step?.kind === 'materials') for (const m of step.items) for (const c of [m.offer, m.provided?.by === 'e-certificate' ? m.provided.certificate : null]) if (c) out.push(c.title);
  if (v.outcome) out.push(v.outcome.acceptanceNumber);
  if (v.query) {
    if (v.query.holderName) out.push(v.query.holderName);
    for (const c of v.query.cases) out.push(...(c.acceptanceNumber ? [c.acceptanceNumber] : []), ...(c.caseNumber ? [c.caseNumber] : []), ...c.corrections, ...(c.reason ? [c.reason] : []));
  }
  return out.filter((s) => s.trim().length >= 2);
}

function matterCue(m: MatterView, locale: Locale, items: CueItem[]): { screen: string; stage: string; intro: Line[]; prompt: Line[] } {
  const step = m.step;
  const index = m.progress.findIndex((p) => p.state === 'current');
  const next = index >= 0 ? (m.progress[index + 1]?.kind ?? null) : null;
  const intro: Line[] = [];
  if (index === 0) intro.push(line(PHRASES.screens.matter.chosen(m.name), locale));
  if (index >= 0 && m.progress.length > 1) intro.push(line(PHRASES.screens.matter.progress(index + 1, m.progress.length), locale));
  const prompt = [line(stepPhrase(step, next), locale)];

  const I = PHRASES.items;
  const message = (id: string, w: Words | null): void => {
    if (w && w[locale].trim()) items.push({ id: `${id}:${w['zh-CN']}`, kind: 'error', lines: [line(w, locale)] });
  };
  switch (step.kind) {
    case 'form':
      for (const f of step.fields) if (f.error) items.push({ id: `field:${f.key}:${f.error['zh-CN']}`, kind: 'error', lines: [line(I.fieldError(f.label, f.error), locale)] });
      break;
    case 'materials':
      if (step.items.some((i) => i.offer !== null)) items.push({ id: 'certificate-offer', kind: 'notice', lines: [line(I.certificateOffer, locale)] });
      if (step.certificatesUnavailable) items.push({ id: 'certificates-unavailable', kind: 'notice', lines: [line(I.certificatesUnavailable, locale)] });
      message('materials', step.message);
      break;
    case 'fee':
      // While paying, the pad's prompts; after a decline or failure, why.
      message(`fee-${step.phase}`, step.message);
      break;
    case 'submit':
      if (step.phase === 'confirm' && step.willQueue) items.push({ id: 'will-queue', kind: 'notice', lines: [line(I.willQueue, locale)] });
      message('submit', step.error);
      break;
    case 'print':
      message('print', step.message);
      break;
    case 'review':
      message('review', step.message);
      break;
    case 'notice':
    case 'commitment':
      break;
  }
  if (m.confirmCancel) items.push({ id: 'cancel-confirm', kind: 'dialog', lines: [line(I.cancelConfirm, locale)] });
  const stage = `matter:${m.code}:${index}:${step.kind}`;
  return { screen: `${stage}:${phaseOf(step)}`, stage, intro, prompt };
}

export function cueOf(v: SessionView, opts: CueOptions): Cue {
  const locale = v.locale;
  const S = PHRASES.screens;
  const I = PHRASES.items;
  const items: CueItem[] = [];
  let screen: string = v.screen;
  let stage: string = v.screen;
  let intro: Line[] = [];
  let prompt: Line[] = [];
  switch (v.screen) {
    case 'attract':
      prompt = [line(S.attract, locale)];
      if (v.resumable) items.push({ id: 'resume-offer', kind: 'notice', lines: [line(I.resumeOffer, locale)] });
      break;
    case 'welcome': {
      const name = v.citizen ? speakableName(v.citizen.name, locale) : null;
      prompt = [line(S.welcome.greeting(name), locale, name && v.citizen ? [v.citizen.name] : undefined)];
      const notices = v.citizen?.notices ?? [];
      // "Verified" is not said over a warning about the card.
      if (notices.length === 0) prompt.push(line(S.welcome.verified, locale));
      for (const n of notices) items.push({ id: `notice:${n}`, kind: 'notice', lines: [line(I.notices[n], locale)] });
      const list = v.matters;
      const any = list === null || list.categories.some((c) => c.matters.some((m) => m.unavailable === null));
      prompt.push(line(any ? S.welcome.choose : S.welcome.none, locale));
      break;
    }
    case 'matter': {
      if (v.matter === null) {
        prompt = [];
        break;
      }
      ({ screen, stage, intro, prompt } = matterCue(v.matter, locale, items));
      break;
    }
    case 'finished':
      prompt = [line(v.outcome ? S.finished.accepted : S.finished.ended, locale)];
      if (!v.cardOnReader) prompt.push(line(S.finished.belongings, locale));
      break;
    case 'out-of-service':
      prompt = [line(S['out-of-service'], locale)];
      break;
    case 'query': {
      const q = v.query ?? null;
      const phase = q?.phase ?? 'choose';
      screen = `query:${phase}`;
      stage = 'query';
      prompt = [line(S.query[phase], locale)];
      if (q !== null && q.platform === 'offline' && (phase === 'list' || phase === 'case')) prompt.push(line(S.query.offline, locale));
      const shown = q?.cases.find((c) => c.id === q.selected);
      if (phase === 'case' && shown?.canRate === true) prompt.push(line(S.query.rate, locale));
      // What just happened (printed, rated, failed…): the query's own words, which never hold citizen data.
      if (q?.message && phase !== 'not-found') items.push({ id: `query-message:${q.message.en}`, kind: 'notice', lines: [line(q.message, locale)] });
      break;
    }
  }
  if (v.idleWarning) items.push({ id: 'idle-warning', kind: 'dialog', lines: [line(I.idleWarning(v.idleWarning.secondsLeft), locale)] });
  // The card left on the reader: reminded on the goodbye and the attract screen, again and again while it stays.
  if (v.cardOnReader && (v.screen === 'finished' || v.screen === 'attract')) {
    items.push({ id: 'take-card', kind: 'reminder', lines: [line(I.takeCard, locale)], repeatSeconds: opts.reminderSeconds });
  }
  return { screen: `${locale}:${screen}`, stage: `${locale}:${stage}`, locale, intro, prompt, items, secrets: viewSecrets(v) };
}
