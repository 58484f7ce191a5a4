import type { Locale, MatterView, StepViewOf } from '../../../../main/contract/index.js';
import type { Dict } from '../../i18n.js';
import { StepFrame } from '../StepFrame.js';
import { send } from '../send.js';
import { lt, yuan } from '../text.js';

/** 一次性告知: everything the matter needs, told once, before anything is asked. */
export function NoticeStep({ matter, step, locale, t }: { matter: MatterView; step: StepViewOf<'notice'>; locale: Locale; t: Dict }) {
  const n = t.notice;
  const ways = (w: 'e-certificate' | 'scan' | 'commitment') => (w === 'e-certificate' ? n.materialWays.eCertificate : w === 'scan' ? n.materialWays.scan : n.materialWays.commitment);
  return (
    <StepFrame matter={matter} locale={locale} t={t} title={t.step.titles.notice ?? ''} primary={{ label: t.step.next, onPress: () => void send('matter.next', {}) }}>
      <p className="lead">{n.intro}</p>
      <dl className="facts">
        {step.type && <Fact term={n.type} value={lt(step.type, locale)} />}
        <Fact term={n.body} value={lt(step.body, locale)} />
        <Fact term={n.processing} value={step.processing.kind === 'immediate' ? n.immediate : n.promised(step.processing.workingDays)} />
        <Fact term={n.fee} value={step.fee ? n.feeAmount(yuan(step.fee.amountFen), lt(step.fee.item, locale)) : n.free} />
        <Fact term={n.legalBasis} value={lt(step.legalBasis, locale)} />
      </dl>
      {step.requirements && <p className="requirements">{lt(step.requirements, locale)}</p>}
      {step.members.length > 0 && (
        <ul className="members">
          {step.members.map((m, i) => (
            <li key={i}>
              {lt(m.name, locale)} <span className="muted">· {lt(m.body, locale)}</span>
            </li>
          ))}
        </ul>
      )}
      <h2 className="section-title">{n.materials}</h2>
      {step.materials.length === 0 ? (
        <p>{n.noMaterials}</p>
      ) : (
        <ul className="material-notes">
          {step.materials.map((m) => (
            <li key={m.key}>
              <span className="material-name">{lt(m.name, locale)}</span>
              <span className="muted">{` ${m.required ? t.form.required : t.form.optional} · ${m.ways.map(ways).join('，')}`}</span>
            </li>
          ))}
        </ul>
      )}
      {step.commitment && <p>{n.commitment}</p>}
      {step.outputs.length > 0 && (
        <p>
          <span className="muted">{n.outputs}：</span>
          {step.outputs.map((o) => lt(o, locale)).join('；')}
        </p>
      )}
      <p className={step.offline ? 'muted' : 'notice-inline'}>{step.offline ? n.offline : n.onlineOnly}</p>
      <p className="muted">
        {n.contact} {step.contact.consultation} · {n.complaint} {step.contact.complaint}
      </p>
    </StepFrame>
  );
}

function Fact({ term, value }: { term: string; value: string }) {
  return (
    <div className="fact">
      <dt>{term}</dt>
      <dd>{value}</dd>
    </div>
  );
}
