import { useCallback, useEffect, useRef, useState } from 'react';
import type { FieldKind, FieldView, Locale, MatterView, StepViewOf } from '../../../../main/contract/index.js';
import type { Dict } from '../../i18n.js';
import { initialEdit, type EditState, type KeyboardKind } from '../../keyboard/editing.js';
import { OnScreenKeyboard } from '../../keyboard/OnScreenKeyboard.js';
import { StepFrame } from '../StepFrame.js';
import { send } from '../send.js';
import { lt } from '../text.js';

/** Which of the kiosk's keyboards a field kind gets; choice and yes/no are buttons, no keyboard. */
function keyboardOf(kind: FieldKind): KeyboardKind | null {
  switch (kind) {
    case 'text':
    case 'chinese':
      return 'chinese';
    case 'digits':
    case 'phone':
    case 'date':
      return kind;
    case 'choice':
    case 'yesno':
      return null;
  }
}

/** The field the keyboard opens on: the first one still to be filled in that types. */
function firstToType(fields: readonly FieldView[]): string | null {
  return fields.find((f) => keyboardOf(f.kind) !== null && f.value === '' && f.source === null)?.key ?? null;
}

const domId = (key: string) => `field-${key}`;

/**
 * The one short form: fields labelled by their catalog label, pre-filled ones marked as taken from the
 * card, the kiosk's keyboard for the field being typed, errors in words next to their field. Every change
 * goes to the core (matter.input); the core validates and says what is wrong.
 */
export function FormStep({ matter, step, locale, t }: { matter: MatterView; step: StepViewOf<'form'>; locale: Locale; t: Dict }) {
  const [active, setActive] = useState<string | null>(() => firstToType(step.fields));
  const [edit, setEdit] = useState<EditState | null>(() => {
    const f = step.fields.find((x) => x.key === active);
    const kb = f ? keyboardOf(f.kind) : null;
    return f && kb ? initialEdit(f.value, kb) : null;
  });
  const sent = useRef<Map<string, string>>(new Map());

  const activate = useCallback(
    (f: FieldView) => {
      const kb = keyboardOf(f.kind);
      if (active === f.key) return;
      setActive(kb ? f.key : null);
      setEdit(kb ? initialEdit(f.value, kb) : null);
    },
    [active],
  );

  // What the citizen types reaches the core as it is typed (the core owns the draft and validates it).
  useEffect(() => {
    if (!active || !edit) return;
    if ((sent.current.get(active) ?? step.fields.find((f) => f.key === active)?.value) === edit.value) return;
    sent.current.set(active, edit.value);
    void send('matter.input', { key: active, value: edit.value });
  }, [active, edit, step.fields]);

  // After Next with errors: the first field in error is where the citizen goes on.
  const firstError = step.fields.find((f) => f.error !== null);
  const errorKey = firstError?.key ?? null;
  const errorTick = step.errorCount;
  useEffect(() => {
    if (!errorKey) return;
    document.getElementById(domId(errorKey))?.scrollIntoView({ block: 'center' });
  }, [errorKey, errorTick]);

  useEffect(() => {
    // The whole field (label, input, its notes) in view above the keyboard, not only the input box.
    if (active) document.getElementById(domId(active))?.closest('.field')?.scrollIntoView({ block: 'nearest' });
  }, [active]);

  const update = useCallback((fn: (prev: EditState) => EditState) => setEdit((prev) => (prev ? fn(prev) : prev)), []);

  const activeField = step.fields.find((f) => f.key === active) ?? null;
  const activeKb = activeField ? keyboardOf(activeField.kind) : null;
  return (
    <StepFrame matter={matter} locale={locale} t={t} title={t.step.titles.form ?? ''} fill primary={{ label: t.step.next, onPress: () => void send('matter.next', {}) }}>
      <div className="form-layout">
        <div className="form-fields" role="region" aria-label={t.step.titles.form} tabIndex={0}>
          <p className="lead">{t.form.intro}</p>
          {step.fields.map((f) => (
            <Field
              key={f.key}
              f={f}
              value={f.key === active && edit ? edit.value : f.value}
              active={f.key === active}
              locale={locale}
              t={t}
              onActivate={() => activate(f)}
              onTyped={(value) => setEdit((prev) => (prev ? { ...prev, value, composing: '' } : prev))}
            />
          ))}
        </div>
        {activeField && activeKb && edit && (
          <div className="form-keyboard">
            <OnScreenKeyboard kind={activeKb} state={edit} update={update} maxLength={activeField.maxLength ?? undefined} t={t} fieldId={domId(activeField.key)} fieldLabel={lt(activeField.label, locale)} />
          </div>
        )}
      </div>
    </StepFrame>
  );
}

function Field({
  f,
  value,
  active,
  locale,
  t,
  onActivate,
  onTyped,
}: {
  f: FieldView;
  value: string;
  active: boolean;
  locale: Locale;
  t: Dict;
  onActivate(): void;
  onTyped(value: string): void;
}) {
  const id = domId(f.key);
  const label = lt(f.label, locale);
  const describedBy =
    [f.error ? `${id}-error` : null, f.help ? `${id}-help` : null, f.source ? `${id}-source` : null, f.members.length > 0 ? `${id}-members` : null].filter(Boolean).join(' ') || undefined;
  const head = (
    <div className="field-head">
      <span className="field-label" id={`${id}-label`}>
        {f.kind === 'choice' || f.kind === 'yesno' ? label : <label htmlFor={id}>{label}</label>}
      </span>
      <span className={f.required ? 'tag tag-required' : 'tag'}>{f.required ? t.form.required : t.form.optional}</span>
      {f.source && (
        <span className="tag tag-source" id={`${id}-source`}>
          {f.source === 'card' ? t.form.fromCard : t.form.fromPlatform}
        </span>
      )}
    </div>
  );
  const foot = (
    <>
      {f.members.length > 0 && (
        <p className="field-members muted" id={`${id}-members`}>
          {t.form.usedBy(f.members.map((m) => lt(m, locale)).join('、'))}
        </p>
      )}
      {f.help && (
        <p className="field-help" id={`${id}-help`}>
          {lt(f.help, locale)}
        </p>
      )}
      {f.error && (
        <p className="field-error" id={`${id}-error`} role="alert">
          {lt(f.error, locale)}
        </p>
      )}
    </>
  );
  const wide = (f.maxLength ?? 0) > 40 || f.kind === 'choice';
  const cls = `field${wide ? ' field-wide' : ''}${f.error ? ' field-invalid' : ''}${active ? ' field-active' : ''}`;

  if (f.kind === 'choice' || f.kind === 'yesno') {
    const options =
      f.kind === 'yesno'
        ? [
            { value: 'yes', label: t.form.yes },
            { value: 'no', label: t.form.no },
          ]
        : (f.options ?? []).map((o) => ({ value: o.value, label: lt(o.label, locale) }));
    return (
      <div className={cls}>
        {head}
        <div
          className="choices"
          role="radiogroup"
          id={id}
          aria-labelledby={`${id}-label`}
          aria-describedby={describedBy}
          aria-invalid={f.error ? true : undefined}
          aria-required={f.required}
        >
          {options.map((o) => (
            <button
              key={o.value}
              type="button"
              role="radio"
              aria-checked={value === o.value}
              className="choice"
              onClick={() => {
                onActivate();
                void send('matter.input', { key: f.key, value: o.value });
              }}
            >
              {o.label}
            </button>
          ))}
        </div>
        {foot}
      </div>
    );
  }

  return (
    <div className={cls}>
      {head}
      <input
        id={id}
        className="field-input"
        value={value}
        // The kiosk's own keyboard types here; no system keyboard opens on a touch screen.
        inputMode="none"
        autoComplete="off"
        spellCheck={false}
        maxLength={f.maxLength ?? undefined}
        aria-invalid={f.error ? true : undefined}
        aria-required={f.required}
        aria-describedby={describedBy}
        lang={f.kind === 'chinese' ? 'zh-CN' : undefined}
        onFocus={onActivate}
        onClick={onActivate}
        onChange={(e) => onTyped(e.target.value)}
      />
      {foot}
    </div>
  );
}
