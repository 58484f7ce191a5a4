import type { Locale, MatterView, StepViewOf } from '../../../../main/contract/index.js';
import type { Dict } from '../../i18n.js';
import { Busy } from '../Busy.js';
import { StepFrame } from '../StepFrame.js';
import { send } from '../send.js';
import { lt, yuan } from '../text.js';

/** The fee: the amount, then the payment pad; the step moves on by itself once the payment is approved. */
export function FeeStep({ matter, step, locale, t }: { matter: MatterView; step: StepViewOf<'fee'>; locale: Locale; t: Dict }) {
  const f = t.fee;
  const canPay = step.phase === 'ready' || step.phase === 'declined' || step.phase === 'failed';
  const busy = step.phase === 'paying';
  return (
    <StepFrame
      matter={matter}
      locale={locale}
      t={t}
      title={t.step.titles.fee ?? ''}
      busy={busy}
      primary={canPay ? { label: step.phase === 'ready' ? f.pay : f.retry, onPress: () => void send('matter.pay', {}) } : null}
    >
      <p className="lead">{f.intro}</p>
      <p className="fee-amount">
        <span className="fee-item">{lt(step.item, locale)}</span>
        <span className="fee-value">{f.amount(yuan(step.amountFen))}</span>
      </p>
      {busy && <Busy label={step.message ? lt(step.message, locale) : f.paying} />}
      {step.phase === 'approved' && (
        <p className="ok-text" role="status">
          {f.paid}
        </p>
      )}
      {(step.phase === 'declined' || step.phase === 'failed') && (
        <p className="notice" role="alert">
          {step.message ? lt(step.message, locale) : f.failed}
        </p>
      )}
    </StepFrame>
  );
}
