import type { Locale, MaterialView, MatterView, StepViewOf } from '../../../../main/contract/index.js';
import type { Dict } from '../../i18n.js';
import { Busy } from '../Busy.js';
import { StepFrame } from '../StepFrame.js';
import { send } from '../send.js';
import { lt } from '../text.js';

/**
 * Materials, one at a time down the list: an e-certificate the platform holds is offered first (title and
 * issuer, with consent), else a scan, else the commitment where the material allows it.
 */
export function MaterialsStep({ matter, step, locale, t }: { matter: MatterView; step: StepViewOf<'materials'>; locale: Locale; t: Dict }) {
  const m = t.materials;
  const busy = step.phase !== 'ready';
  return (
    <StepFrame matter={matter} locale={locale} t={t} title={t.step.titles.materials ?? ''} busy={busy} primary={{ label: t.step.next, onPress: () => void send('matter.next', {}), disabled: busy }}>
      <p className="lead">{m.intro}</p>
      {step.phase === 'looking-up' && <Busy label={m.lookingUp} />}
      {step.message && (
        <p className="notice" role="alert">
          {lt(step.message, locale)}
        </p>
      )}
      <ul className="materials">
        {step.items.map((item) => (
          <Material key={item.key} item={item} step={step} locale={locale} t={t} />
        ))}
      </ul>
    </StepFrame>
  );
}

function Material({ item, step, locale, t }: { item: MaterialView; step: StepViewOf<'materials'>; locale: Locale; t: Dict }) {
  const m = t.materials;
  const name = lt(item.name, locale);
  const ready = step.phase === 'ready';
  const scanningThis = step.phase === 'scanning' && step.scanning?.material === item.key;
  const p = item.provided;
  const state = p === null ? m.pending : p.by === 'e-certificate' ? m.usingEcert : p.by === 'scan' ? m.scanned(p.pages) : m.committed;
  const headingId = `material-${item.key}`;
  return (
    <li className={`material${p ? ' material-done' : ''}`} aria-labelledby={headingId}>
      <div className="material-head">
        <h2 className="material-name" id={headingId}>
          {name}
        </h2>
        <span className={item.required ? 'tag tag-required' : 'tag'}>{item.required ? t.form.required : t.form.optional}</span>
        <span className={`tag ${p ? 'tag-ok' : 'tag-pending'}`} role="status">
          {state}
        </span>
      </div>
      {item.note && <p className="muted">{lt(item.note, locale)}</p>}
      {p?.by === 'e-certificate' && <Certificate c={p.certificate} t={t} />}
      {item.offer && p === null && (
        <div className="ecert-offer">
          <p>{m.ecertFound}</p>
          <Certificate c={item.offer} t={t} />
          <p className="muted">{m.ecertConsent}</p>
        </div>
      )}
      {scanningThis && step.scanning && (
        <Busy label={`${m.scanning} ${step.scanning.pagesDone > 0 ? m.scanned(step.scanning.pagesDone) : ''}`.trim()} fraction={step.scanning.pageProgress} />
      )}
      <div className="material-actions">
        {item.offer && p === null && (
          <>
            <button type="button" className="primary big-ish" aria-label={`${m.useEcert}：${name}`} disabled={!ready} onClick={() => void send('matter.useCertificate', { material: item.key })}>
              {m.useEcert}
            </button>
            <button type="button" className="secondary big-ish" aria-label={`${m.declineEcert}：${name}`} disabled={!ready} onClick={() => void send('matter.declineCertificate', { material: item.key })}>
              {m.declineEcert}
            </button>
          </>
        )}
        {!item.offer && item.canScan && p?.by !== 'e-certificate' && p?.by !== 'commitment' && (
          <button
            type="button"
            className={p ? 'secondary big-ish' : 'primary big-ish'}
            aria-label={`${p ? m.rescan : m.scan}：${name}`}
            disabled={!ready || (p?.by === 'scan' && p.pages >= item.maxPages)}
            onClick={() => void send('matter.scan', { material: item.key })}
          >
            {p ? m.rescan : m.scan}
          </button>
        )}
        {p?.by === 'scan' && (
          <button type="button" className="secondary big-ish" aria-label={`${m.removePages}：${name}`} disabled={!ready} onClick={() => void send('matter.removePages', { material: item.key })}>
            {m.removePages}
          </button>
        )}
        {item.canUseCommitment && p === null && (
          <button type="button" className="secondary big-ish" aria-label={`${m.useCommitment}：${name}`} disabled={!ready} onClick={() => void send('matter.useCommitment', { material: item.key })}>
            {m.useCommitment}
          </button>
        )}
      </div>
      {!item.offer && p === null && item.canScan && ready && <p className="muted">{m.scanPrompt}</p>}
    </li>
  );
}

function Certificate({ c, t }: { c: { title: string; issuer: string; issuedOn: string; expiresOn: string | null }; t: Dict }) {
  return (
    <dl className="ecert">
      <div>
        <dt className="visually-hidden">{t.step.titles.materials}</dt>
        <dd className="ecert-title">{c.title}</dd>
      </div>
      <div>
        <dt>{t.materials.ecertIssuer}</dt>
        <dd>{c.issuer}</dd>
      </div>
      <div>
        <dt className="visually-hidden">{t.materials.ecertIssuer}</dt>
        <dd className="muted">
          {c.issuedOn}
          {c.expiresOn ? ` – ${c.expiresOn}` : ''}
        </dd>
      </div>
    </dl>
  );
}
