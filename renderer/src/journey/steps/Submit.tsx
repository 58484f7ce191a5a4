import type { AcceptanceView, Locale, MatterView, StepViewOf } from '../../../../main/contract/index.js';
import type { Dict } from '../../i18n.js';
import { Busy } from '../Busy.js';
import { StepFrame } from '../StepFrame.js';
import { send } from '../send.js';
import { lt, yuan } from '../text.js';

/** Check and submit: a summary, "提交", progress while it is written to the outbox, then the acceptance number. */
export function SubmitStep({ matter, step, locale, t }: { matter: MatterView; step: StepViewOf<'submit'>; locale: Locale; t: Dict }) {
  const s = t.submit;
  const provided = (p: 'e-certificate' | 'scan' | 'commitment' | 'none') =>
    p === 'e-certificate' ? t.materials.usingEcert : p === 'scan' ? t.materials.received : p === 'commitment' ? t.materials.committed : t.materials.pending;
  const busy = step.phase === 'submitting';
  const primary =
    step.phase === 'confirm' || step.phase === 'failed'
      ? { label: t.step.submit, onPress: () => void send('matter.submit', {}) }
      : step.phase === 'accepted'
        ? { label: t.step.next, onPress: () => void send('matter.next', {}) }
        : null;
  return (
    <StepFrame matter={matter} locale={locale} t={t} title={t.step.titles.submit ?? ''} busy={busy} primary={primary}>
      {step.phase === 'accepted' && step.accepted ? (
        <Accepted a={step.accepted} t={t} />
      ) : (
        <>
          <p className="lead">{s.intro}</p>
          <dl className="summary">
            {step.summary.fields.map((f, i) => (
              <div key={i} className="fact">
                <dt>{lt(f.label, locale)}</dt>
                <dd>{lt(f.value, locale) || t.form.empty}</dd>
              </div>
            ))}
            {step.summary.materials.map((m, i) => (
              <div key={`m${i}`} className="fact">
                <dt>{lt(m.name, locale)}</dt>
                <dd>{provided(m.provided)}</dd>
              </div>
            ))}
            {step.summary.fee && (
              <div className="fact">
                <dt>{s.fee}</dt>
                <dd>
                  {t.fee.amount(yuan(step.summary.fee.amountFen))}
                  {step.summary.fee.paid ? ` · ${s.paid}` : ''}
                </dd>
              </div>
            )}
          </dl>
          {step.willQueue && <p className="notice">{s.offline}</p>}
          {busy && <Busy label={s.submitting} />}
          {step.phase === 'failed' && (
            <p className="notice" role="alert">
              {step.error ? lt(step.error, locale) : s.failed}
            </p>
          )}
        </>
      )}
    </StepFrame>
  );
}

function Accepted({ a, t }: { a: AcceptanceView; t: Dict }) {
  return (
    <div className="accepted" role="status">
      <p className="accepted-title">{t.print.acceptedTitle}</p>
      <p className="accepted-label">{t.print.acceptanceNumber}</p>
      <p className="acceptance-number" data-testid="acceptance-number">
        {a.acceptanceNumber}
      </p>
      {a.caseNumber && (
        <p>
          {t.print.caseNumber} <span className="mono">{a.caseNumber}</span>
        </p>
      )}
      {a.promisedDate && <p>{t.print.promised(a.promisedDate)}</p>}
      {a.offline && <p className="muted">{t.print.offline}</p>}
    </div>
  );
}
