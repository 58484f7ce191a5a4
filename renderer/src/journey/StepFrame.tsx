import { useEffect, useRef, type ReactNode } from 'react';
import type { Locale, MatterView } from '../../../main/contract/index.js';
import type { Dict } from '../i18n.js';
import { lt } from './text.js';
import { send } from './send.js';

export interface PrimaryAction {
  /** The accessible name and the words on the button: 下一步, 提交, 我承诺… */
  label: string;
  onPress(): void;
  disabled?: boolean;
}

/**
 * The frame of every step of a matter: the matter's name, the step's title and "第 2 步，共 5 步",
 * the steps as a list (done / current / to do), the step's content (which scrolls, the frame does not),
 * and one action bar: back, cancel (asks once, the core keeps the confirmation open), the primary.
 */
export function StepFrame({
  matter,
  locale,
  t,
  title,
  children,
  primary,
  secondary,
  busy,
  fill,
}: {
  matter: MatterView;
  locale: Locale;
  t: Dict;
  title: string;
  children: ReactNode;
  primary?: PrimaryAction | null | undefined;
  /** More controls for the action bar, before the primary (reprint, decline…). */
  secondary?: ReactNode;
  /** A busy phase: back and cancel wait (the core refuses them anyway). */
  busy?: boolean;
  /** The content scrolls itself (the form: fields scroll, the keyboard stays put below them). */
  fill?: boolean;
}) {
  const current = Math.max(0, matter.progress.findIndex((p) => p.state === 'current'));
  const heading = useRef<HTMLHeadingElement>(null);
  // A new step: move the focus to its heading, so a screen reader starts reading there.
  const stepKey = `${matter.code}:${matter.step.kind}`;
  useEffect(() => heading.current?.focus(), [stepKey]);
  return (
    <main className="journey" aria-busy={busy ?? false}>
      <header className="step-header">
        <div className="step-heading">
          <p className="step-matter">{lt(matter.name, locale)}</p>
          <h1 className="step-title" ref={heading} tabIndex={-1}>
            {title}
          </h1>
        </div>
        <p className="step-count">{t.step.progress(current + 1, matter.progress.length)}</p>
      </header>
      <ol className="step-track" aria-label={t.step.progressLabel}>
        {matter.progress.map((p, i) => (
          <li key={`${p.kind}-${i}`} className={`track-${p.state}`} aria-current={p.state === 'current' ? 'step' : undefined}>
            <span className="track-dot" aria-hidden="true">
              {p.state === 'done' ? '✓' : i + 1}
            </span>
            <span className="track-name">{t.step.titles[p.kind] ?? p.kind}</span>
          </li>
        ))}
      </ol>
      {/* Focusable so the content can be scrolled from a keyboard too (axe: scrollable-region-focusable). */}
      {fill ? (
        <div className="step-body step-body-fill">{children}</div>
      ) : (
        <div className="step-body" role="region" aria-label={title} tabIndex={0}>
          {children}
        </div>
      )}
      <nav className="step-actions" aria-label={t.step.progressLabel}>
        <div className="step-actions-left">
          {matter.canBack && (
            <button type="button" className="secondary big-ish" disabled={busy} onClick={() => send('matter.back', {})}>
              {t.step.back}
            </button>
          )}
          {matter.canCancel && (
            <button type="button" className="secondary big-ish" disabled={busy} onClick={() => send('matter.cancel', {})}>
              {t.step.cancel}
            </button>
          )}
        </div>
        <div className="step-actions-right">
          {secondary}
          {primary && (
            <button type="button" className="primary big" disabled={primary.disabled ?? false} onClick={primary.onPress}>
              {primary.label}
            </button>
          )}
        </div>
      </nav>
      {matter.confirmCancel && <CancelDialog t={t} />}
    </main>
  );
}

function CancelDialog({ t }: { t: Dict }) {
  const keep = useRef<HTMLButtonElement>(null);
  // The safe choice has the focus: an accidental second tap keeps the citizen's work.
  useEffect(() => keep.current?.focus(), []);
  return (
    <div className="overlay">
      <div className="dialog" role="alertdialog" aria-modal="true" aria-labelledby="cancel-title" aria-describedby="cancel-body">
        <h2 id="cancel-title">{t.step.cancelTitle}</h2>
        <p id="cancel-body">{t.step.cancelBody}</p>
        <div className="actions">
          <button ref={keep} type="button" className="primary big" onClick={() => send('matter.cancelDismiss', {})}>
            {t.step.cancelKeep}
          </button>
          <button type="button" className="secondary big" onClick={() => send('matter.cancelConfirm', {})}>
            {t.step.cancelConfirm}
          </button>
        </div>
      </div>
    </div>
  );
}
