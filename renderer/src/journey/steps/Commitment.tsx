import type { Locale, MatterView, StepViewOf } from '../../../../main/contract/index.js';
import type { Dict } from '../../i18n.js';
import { StepFrame } from '../StepFrame.js';
import { send } from '../send.js';
import { lt } from '../text.js';

/** 告知承诺: the matter's commitment text and one explicit confirmation, "我承诺". */
export function CommitmentStep({ matter, step, locale, t }: { matter: MatterView; step: StepViewOf<'commitment'>; locale: Locale; t: Dict }) {
  return (
    <StepFrame
      matter={matter}
      locale={locale}
      t={t}
      title={t.step.titles.commitment ?? ''}
      primary={{ label: t.step.commit, onPress: () => void send('matter.commit', {}) }}
      secondary={
        !step.required && (
          <button type="button" className="secondary big-ish" onClick={() => void send('matter.declineCommitment', {})} aria-pressed={step.decision === 'declined'}>
            {t.commitment.declined}
          </button>
        )
      }
    >
      <p className="lead">{t.commitment.intro}</p>
      <article className="commitment-text" aria-label={t.step.titles.commitment} tabIndex={0}>
        {lt(step.text, locale)
          .split(/\n+/)
          .map((para, i) => (
            <p key={i}>{para}</p>
          ))}
      </article>
      <p className="muted">{t.commitment.confirmHint}</p>
    </StepFrame>
  );
}
