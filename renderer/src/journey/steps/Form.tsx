import { useCallback, useEffect, useRef, useState } from 'react';
import type { FieldKind, FieldView, Locale, MatterView, StepViewOf } from '../../../../main/contract/index.js';
import { useElderMode } from '../../display.js';
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

/** Whether a field gets the keyboard by itself when it is shown: it types and still needs typing. */
function opensKeyboard(f: FieldView): boolean {
  return keyboardOf(f.kind) !== null && f.value === '' && f.source === null;
}

/**
 * The one short form: fields labelled by their catalog label, pre-filled ones marked as taken from the
 * card, the kiosk's keyboard for the field being typed, errors in words next to their field. Every change
 * goes to the core (matter.input); the core validates and says what is wrong.
 *
 * Elder mode (one thing per screen): one field at a time, "第 2 项，共 3 项". 下一步 goes to the next field
 * (not while the field shows an error) and from the last one asks the core to move on; 上一步 goes to
 * the field before. When the core finds errors, the first field in error is shown.
 */
export function FormStep({ matter, step, locale, t }: { matter: MatterView; step: StepViewOf<'form'>; locale: Locale; t: Dict }) {
  const elder = useElderMode();
  const [index, setIndex] = useState(0);
  const [active, setActive] = useState<string | null>(() => {
    if (!elder) return firstToType(step.fields);
    const f = step.fields[0];
    return f && opensKeyboard(f) ? f.key : null;
  });
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

  // Elder mode: the field shown is the one being typed (its keyboard opens by itself when it still needs typing).
  const show = useCallback(
    (i: number, announce = true) => {
      const f = step.fields[i];
      if (!f) return;
      setIndex(i);
      // The core does not know which field is shown: voice guidance is told, so the citizen hears which one it
      // is (not after a refusal: the errors being spoken name the field already, and are not cut off).
      if (announce) void send('ui.focusField', { key: f.key });
      const kb = opensKeyboard(f) ? keyboardOf(f.kind) : null;
      setActive(kb ? f.key : null);
      setEdit(kb ? initialEdit(f.value, kb) : null);
    },
    [step.fields],
  );

  // After Next with errors: the first field in error is where the citizen goes on.
  const firstError = step.fields.find((f) => f.error !== null);
  const errorKey = firstError?.key ?? null;
  const errorTick = step.errorCount;
  useEffect(() => {
    if (!errorKey || elder) return;
    document.getElementById(domId(errorKey))?.scrollIntoView({ block: 'center' });
  }, [errorKey, errorTick, elder]);
  // Elder mode: once the core refused Next, the first field in error is shown (once per refusal, not
  // again while the citizen types into another field).
  const [jumpToError, setJumpToError] = useState(false);
  if (elder && jumpToError && errorKey) {
    setJumpToError(false);
    const i = step.fields.findIndex((f) => f.key === errorKey);
    if (i >= 0 && i !== index) show(i, false);
  }

  useEffect(() => {
    // The whole field (label, input, its notes) in view above the keyboard, not only the input box.
    if (active) document.getElementById(domId(active))?.closest('.field')?.scrollIntoView({ block: 'nearest' });
  }, [active]);

  const update = useCallback((fn: (prev: EditState) => EditState) => setEdit((prev) => (prev ? fn(prev) : prev)), []);

  const activeField = step.fields.find((f) => f.key === active) ?? null;
  const activeKb = activeField ? keyboardOf(activeField.kind) : null;
  const current = step.fields[Math.min(index, step.fields.length - 1)];
  const next = () => {
    if (elder && current && index < step.fields.length - 1) {
      if (current.error) return;
      show(index + 1);
      return;
    }
    if (elder) setJumpToError(true);
    void send('matter.next', {});
  };
  const shown = elder && current ? [current] : step.fields;
  return (
    <StepFrame
      matter={matter}
      locale={locale}
      t={t}
      title={t.step.titles.form ?? ''}
      fill
      primary={{ label: t.step.next, onPress: next }}
      back={elder && index > 0 ? () => show(index - 1) : null}
    >
      <div className={`form-layout${elder ? ' form-one' : ''}`}>
        <div className="form-fields" role="region" aria-label={t.step.titles.form} tabIndex={0}>
          {(!elder || index === 0) && <p className="lead">{t.form.intro}</p>}
          {elder && step.fields.length > 1 && (
            <p className="item-count" aria-live="polite">
              {t.form.itemOf(index + 1, step.fields.length)}
            </p>
          )}
          {shown.map((f) => (
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
