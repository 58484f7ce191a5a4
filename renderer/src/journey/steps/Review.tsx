import { useCallback, useState } from 'react';
import { RATING_LEVELS, type Locale, type MatterView, type StepViewOf } from '../../../../main/contract/index.js';
import type { Dict } from '../../i18n.js';
import { initialEdit, type EditState } from '../../keyboard/editing.js';
import { OnScreenKeyboard } from '../../keyboard/OnScreenKeyboard.js';
import { Busy } from '../Busy.js';
import { StepFrame } from '../StepFrame.js';
import { send } from '../send.js';
import { lt } from '../text.js';

const TEXT_MAX = 200;

/**
 * 好差评, shown by itself after the matter: five equal buttons named exactly by the five levels, in the
 * standard order, none preselected, no colour or size between them and no hint. 不满意 and 非常不满意 ask
 * for reasons (the versioned list) and optional words. Leaving without rating ("不评价") records nothing.
 */
export function ReviewStep({ matter, step, locale, t }: { matter: MatterView; step: StepViewOf<'review'>; locale: Locale; t: Dict }) {
  const r = t.rating;
  const skip = (
    <button type="button" className="secondary big-ish" onClick={() => void send('session.finish', {})} disabled={step.phase === 'sending'}>
      {r.skip}
    </button>
  );
  if (step.phase === 'reasons') return <Reasons matter={matter} step={step} locale={locale} t={t} />;
  return (
    <StepFrame matter={matter} locale={locale} t={t} title={t.step.titles.review ?? ''} busy={step.phase === 'sending'} secondary={skip}>
      <p className="lead rating-question" id="rating-question">
        {r.title}
      </p>
      <div className="rating-levels" role="group" aria-labelledby="rating-question">
        {RATING_LEVELS.map((l) => (
          <button key={l.level} type="button" className="rating-level" disabled={step.phase === 'sending'} onClick={() => void send('matter.rate', { level: l.level })}>
            {lt(l.label, locale)}
          </button>
        ))}
      </div>
      {step.phase === 'sending' && <Busy label={r.submitting} />}
      {step.phase === 'failed' && step.message && (
        <p className="notice" role="alert">
          {lt(step.message, locale)}
        </p>
      )}
    </StepFrame>
  );
}

function Reasons({ matter, step, locale, t }: { matter: MatterView; step: StepViewOf<'review'>; locale: Locale; t: Dict }) {
  const r = t.rating;
  const [chosen, setChosen] = useState<string[]>([]);
  const [missing, setMissing] = useState(false);
  const [typing, setTyping] = useState(false);
  const [edit, setEdit] = useState<EditState>(() => initialEdit('', 'chinese'));
  const update = useCallback((fn: (prev: EditState) => EditState) => setEdit((prev) => fn(prev)), []);
  const level = RATING_LEVELS.find((l) => l.level === step.selected);
  const toggle = (key: string) => {
    setMissing(false);
    setChosen((c) => (c.includes(key) ? c.filter((k) => k !== key) : [...c, key]));
  };
  const submit = () => {
    if (chosen.length === 0) {
      setMissing(true);
      return;
    }
    void send('matter.rateReasons', { reasons: chosen, text: edit.value.trim().slice(0, TEXT_MAX) });
  };
  return (
    <StepFrame
      matter={matter}
      locale={locale}
      t={t}
      title={t.step.titles.review ?? ''}
      primary={{ label: r.submit, onPress: submit }}
      secondary={
        <button type="button" className="secondary big-ish" onClick={() => void send('session.finish', {})}>
          {r.skip}
        </button>
      }
    >
      {level && (
        <p className="lead">
          {r.levelsLabel}：<strong>{lt(level.label, locale)}</strong>
        </p>
      )}
      <fieldset className="reasons" aria-describedby={missing ? 'reasons-missing' : undefined}>
        <legend>{r.reasonsTitle}</legend>
        {step.reasons.map((x) => (
          <label key={x.key} className={`reason${chosen.includes(x.key) ? ' reason-on' : ''}`}>
            <input type="checkbox" checked={chosen.includes(x.key)} onChange={() => toggle(x.key)} />
            <span>{lt(x.label, locale)}</span>
          </label>
        ))}
      </fieldset>
      {missing && (
        <p className="field-error" id="reasons-missing" role="alert">
          {r.reasonsRequired}
        </p>
      )}
      <div className="field">
        <div className="field-head">
          <label htmlFor="rating-text" className="field-label">
            {r.text}
          </label>
        </div>
        <textarea
          id="rating-text"
          className="field-input"
          rows={2}
          inputMode="none"
          maxLength={TEXT_MAX}
          value={edit.value}
          onFocus={() => setTyping(true)}
          onChange={(e) => setEdit((prev) => ({ ...prev, value: e.target.value, composing: '' }))}
        />
      </div>
      {typing && <OnScreenKeyboard kind="chinese" state={edit} update={update} maxLength={TEXT_MAX} t={t} fieldId="rating-text" />}
    </StepFrame>
  );
}
