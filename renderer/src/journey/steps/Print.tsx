import type { Locale, MatterView, StepViewOf } from '../../../../main/contract/index.js';
import type { Dict } from '../../i18n.js';
import { Busy } from '../Busy.js';
import { Qr } from '../Qr.js';
import { StepFrame } from '../StepFrame.js';
import { send } from '../send.js';
import { lt } from '../text.js';

/**
 * The acceptance receipt: printing, then "take your receipt"; when the printer cannot print, the number
 * and the QR code (payload: the acceptance number, as on the paper receipt) large on screen instead.
 */
export function PrintStep({ matter, step, locale, t }: { matter: MatterView; step: StepViewOf<'print'>; locale: Locale; t: Dict }) {
  const p = t.print;
  const r = step.receipt;
  const printing = step.phase === 'printing';
  return (
    <StepFrame
      matter={matter}
      locale={locale}
      t={t}
      title={step.phase === 'failed' ? p.failedTitle : (t.step.titles.print ?? '')}
      busy={printing}
      primary={printing ? null : { label: t.step.next, onPress: () => void send('matter.next', {}) }}
      secondary={
        step.phase === 'failed' &&
        step.canReprint && (
          <button type="button" className="secondary big-ish" onClick={() => void send('matter.reprint', {})}>
            {p.reprint}
          </button>
        )
      }
    >
      {printing && <Busy label={p.printing} />}
      {step.phase === 'printed' && (
        <div className="printed" role="status">
          <div className="receipt-illustration" aria-hidden="true" />
          <p className="accepted-title">{p.printed}</p>
          <p className="muted">
            {p.acceptanceNumber} <span className="mono">{r.acceptanceNumber}</span>
          </p>
        </div>
      )}
      {step.phase === 'failed' && (
        <div className="receipt-fallback">
          <p className="accepted-title">{p.acceptedTitle}</p>
          {/* The core says why and what to do; the kiosk's own words when it says nothing. */}
          <p className="notice" role="alert">
            {step.message ? lt(step.message, locale) : p.failedBody}
          </p>
          <div className="fallback-body">
            <div className="fallback-number">
              <p className="accepted-label">{p.acceptanceNumber}</p>
              <p className="acceptance-number big-number" data-testid="acceptance-number">
                {r.acceptanceNumber}
              </p>
              {r.caseNumber && (
                <p>
                  {p.caseNumber} <span className="mono">{r.caseNumber}</span>
                </p>
              )}
              {r.promisedDate && <p>{p.promised(r.promisedDate)}</p>}
              {r.offline && <p className="muted">{p.offline}</p>}
            </div>
            <figure className="fallback-qr">
              <Qr payload={r.acceptanceNumber} label={p.qrAlt(r.acceptanceNumber)} />
              <figcaption>{p.qr}</figcaption>
            </figure>
          </div>
        </div>
      )}
    </StepFrame>
  );
}
