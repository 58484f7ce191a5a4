import { useState } from 'react';
import type { CaseQueryView, CaseView, Locale } from '../../../main/contract/index.js';
import { RATING_LEVELS } from '../../../main/contract/levels.js';
import type { Dict } from '../i18n.js';
import { Busy } from './Busy.js';
import { send } from './send.js';
import { lt } from './text.js';

/**
 * 查询办件 / My cases (SessionView.query; the phases are main/contract/cases.ts). The core owns the query: this
 * screen renders the phase and sends cases.* requests. The acceptance number is typed on the kiosk's own digit
 * pad (the prefix, the terminal id, is printed before it); the state is always in words, with the dates and
 * what to do next; reprint and the five rating levels when the core says they are possible.
 */
export function CaseQueryScreen({ query, locale, t, cardOnReader }: { query: CaseQueryView; locale: Locale; t: Dict; cardOnReader: boolean }) {
  const q = t.query;
  const shown = query.cases.find((c) => c.id === query.selected) ?? null;
  const busy = query.phase === 'looking-up' || query.phase === 'printing' || query.phase === 'sending';
  return (
    // Focusable: it scrolls, and while the query is busy every button in it is disabled (keyboard and switch users).
    <main className="screen query" tabIndex={0} aria-labelledby="query-title">
      <div className="query-head">
        <h1 className="title" id="query-title">
          {q.title}
        </h1>
        <button type="button" className="secondary big-ish" disabled={busy} onClick={() => void send('cases.close', {})}>
          {q.close}
        </button>
      </div>
      {query.basis && (
        <p className="notice" role="status">
          {lt(query.basis, locale)}
        </p>
      )}
      {query.phase === 'choose' && <Choose query={query} t={t} cardOnReader={cardOnReader} />}
      {query.phase === 'looking-up' && <Busy label={q.lookingUp} />}
      {query.phase === 'not-found' && <NotFound query={query} locale={locale} t={t} />}
      {query.phase === 'list' && <CaseList query={query} locale={locale} t={t} />}
      {(query.phase === 'case' || query.phase === 'printing' || query.phase === 'sending') && shown && <CaseDetail query={query} c={shown} locale={locale} t={t} />}
      {query.phase === 'reasons' && shown && <Reasons query={query} locale={locale} t={t} />}
    </main>
  );
}

const PAD = ['1', '2', '3', '4', '5', '6', '7', '8', '9', 'clear', '0', 'back'] as const;

/** The three ways in: the ID card, the acceptance number on the digit pad, the receipt's QR code. */
function Choose({ query, t, cardOnReader }: { query: CaseQueryView; t: Dict; cardOnReader: boolean }) {
  const q = t.query;
  const [digits, setDigits] = useState('');
  const max = query.numberDigits;
  const press = (k: (typeof PAD)[number]) => {
    if (k === 'clear') setDigits('');
    else if (k === 'back') setDigits((d) => d.slice(0, -1));
    else setDigits((d) => (d.length < max ? d + k : d));
  };
  // Shown as on the receipt: the prefix, then the date (8 digits), a dash, the sequence.
  const formatted = digits.length > 8 ? `${digits.slice(0, 8)}-${digits.slice(8)}` : digits;
  return (
    <div className="query-ways">
      <section className="query-way" aria-labelledby="way-card">
        <h2 id="way-card" className="section-title">
          {q.byCard}
        </h2>
        <div className="card-slot small-slot" aria-hidden="true">
          <div className="card-illustration" />
        </div>
        <p className="hint">{cardOnReader ? q.readingCard : q.byCardHint}</p>
      </section>
      <section className="query-way" aria-labelledby="way-number">
        <h2 id="way-number" className="section-title">
          {q.byNumber}
        </h2>
        <label htmlFor="acceptance-digits" className="field-label">
          {q.numberLabel}
        </label>
        <output id="acceptance-digits" className="number-display mono" aria-live="polite" data-testid="typed-number">
          <span className="muted">{query.numberPrefix}</span>
          {formatted || <span className="muted">{q.numberPlaceholder}</span>}
        </output>
        <p className="small">{q.numberHint(max)}</p>
        <div className="digit-pad" role="group" aria-label={q.pad}>
          {PAD.map((k) => (
            <button key={k} type="button" className="pad-key" aria-label={k === 'clear' ? q.clear : k === 'back' ? q.backspace : k} onClick={() => press(k)}>
              {k === 'clear' ? q.clear : k === 'back' ? '⌫' : k}
            </button>
          ))}
        </div>
        <button type="button" className="primary big" disabled={digits.length === 0} onClick={() => void send('cases.byNumber', { digits })}>
          {q.search}
        </button>
      </section>
      {query.qrReader && (
        <section className="query-way" aria-labelledby="way-qr">
          <h2 id="way-qr" className="section-title">
            {q.byQr}
          </h2>
          <p className="hint">{q.byQrHint}</p>
        </section>
      )}
    </div>
  );
}

function NotFound({ query, locale, t }: { query: CaseQueryView; locale: Locale; t: Dict }) {
  return (
    <div className="query-body">
      <p className="notice" role="alert">
        {query.message ? lt(query.message, locale) : t.query.notFound}
      </p>
      <button type="button" className="primary big" onClick={() => void send('cases.back', {})}>
        {t.query.again}
      </button>
    </div>
  );
}

function CaseList({ query, locale, t }: { query: CaseQueryView; locale: Locale; t: Dict }) {
  const q = t.query;
  return (
    <div className="query-body">
      {query.holderName && <p className="lead">{q.casesOf(query.holderName, query.cases.length)}</p>}
      <ul className="case-list">
        {query.cases.map((c) => (
          <li key={c.id}>
            <button type="button" className="case-button" onClick={() => void send('cases.select', { id: c.id })}>
              <span className="matter-name">{lt(c.matter, locale)}</span>
              <span className={`case-state state-${c.state}`}>{lt(c.stateWords, locale)}</span>
              <span className="matter-facts">
                {c.acceptanceNumber ?? c.caseNumber} · {q.submitted} {c.submittedAt ?? '—'}
              </span>
            </button>
          </li>
        ))}
      </ul>
      <button type="button" className="secondary big-ish" onClick={() => void send('cases.back', {})}>
        {q.back}
      </button>
    </div>
  );
}

function CaseDetail({ query, c, locale, t }: { query: CaseQueryView; c: CaseView; locale: Locale; t: Dict }) {
  const q = t.query;
  const busy = query.phase !== 'case';
  return (
    <div className="query-body case-detail">
      <h2 className="section-title">{lt(c.matter, locale)}</h2>
      <p className="case-state-big" data-testid="case-state">
        <span className="visually-hidden">{q.state}：</span>
        {lt(c.stateWords, locale)}
      </p>
      <p className="small">{c.source === 'platform' ? q.fromPlatform : q.fromKiosk}</p>
      <dl className="facts">
        {c.acceptanceNumber && <Fact label={q.acceptanceNumber} value={c.acceptanceNumber} mono />}
        {c.caseNumber && <Fact label={q.caseNumber} value={c.caseNumber} mono />}
        {c.submittedAt && <Fact label={q.submitted} value={c.submittedAt} />}
        {c.updatedAt && <Fact label={q.updated} value={c.updatedAt} />}
        {c.promisedDate && <Fact label={q.promised} value={c.promisedDate} />}
      </dl>
      <p className="lead next-step">
        <strong>{q.next}：</strong>
        {lt(c.next, locale)}
      </p>
      {c.reason && (
        <p className="notice" lang="zh-CN">
          {q.reason}：{c.reason}
        </p>
      )}
      {c.corrections.length > 0 && (
        <section aria-labelledby="corrections">
          <h3 id="corrections">{q.corrections}</h3>
          <ol className="material-notes" lang="zh-CN">
            {c.corrections.map((x) => (
              <li key={x}>{x}</li>
            ))}
          </ol>
        </section>
      )}
      {c.history.length > 1 && (
        <section aria-labelledby="history">
          <h3 id="history">{q.history}</h3>
          <ol className="history">
            {c.history.map((h) => (
              <li key={`${h.state}-${h.at}`}>
                {h.at} {lt(h.words, locale)}
              </li>
            ))}
          </ol>
        </section>
      )}
      {query.phase === 'printing' && <Busy label={q.printing} />}
      {query.phase === 'sending' && <Busy label={t.rating.submitting} />}
      {query.message && (
        <p className="ok-text" role="status">
          {lt(query.message, locale)}
        </p>
      )}
      {c.canRate && (
        <section aria-labelledby="rate-question" className="case-rating">
          <p className="lead rating-question" id="rate-question">
            {q.rateTitle}
          </p>
          <div className="rating-levels" role="group" aria-labelledby="rate-question">
            {RATING_LEVELS.map((l) => (
              <button key={l.level} type="button" className="rating-level" disabled={busy} onClick={() => void send('cases.rate', { level: l.level })}>
                {lt(l.label, locale)}
              </button>
            ))}
          </div>
        </section>
      )}
      {c.rated === true && <p className="small">{q.rated}</p>}
      <div className="actions">
        <button type="button" className="secondary big-ish" disabled={busy} onClick={() => void send('cases.back', {})}>
          {q.back}
        </button>
        {c.canReprint ? (
          <button type="button" className="primary big" disabled={busy} onClick={() => void send('cases.reprint', {})}>
            {q.reprint}
          </button>
        ) : (
          c.reprintNote && <p className="small">{lt(c.reprintNote, locale)}</p>
        )}
      </div>
    </div>
  );
}

function Fact({ label, value, mono }: { label: string; value: string; mono?: boolean }) {
  return (
    <div className="fact">
      <dt>{label}</dt>
      <dd className={mono ? 'mono' : undefined}>{value}</dd>
    </div>
  );
}

function Reasons({ query, locale, t }: { query: CaseQueryView; locale: Locale; t: Dict }) {
  const r = t.rating;
  const [chosen, setChosen] = useState<string[]>([]);
  const [missing, setMissing] = useState(false);
  const level = RATING_LEVELS.find((l) => l.level === query.rating.selected);
  const submit = () => {
    if (chosen.length === 0) setMissing(true);
    else void send('cases.rateReasons', { reasons: chosen, text: '' });
  };
  return (
    <div className="query-body">
      {level && (
        <p className="lead">
          {r.levelsLabel}：<strong>{lt(level.label, locale)}</strong>
        </p>
      )}
      <fieldset className="reasons">
        <legend>{r.reasonsTitle}</legend>
        {query.rating.reasons.map((x) => (
          <label key={x.key} className={`reason${chosen.includes(x.key) ? ' reason-on' : ''}`}>
            <input
              type="checkbox"
              checked={chosen.includes(x.key)}
              onChange={() => {
                setMissing(false);
                setChosen((c) => (c.includes(x.key) ? c.filter((k) => k !== x.key) : [...c, x.key]));
              }}
            />
            <span>{lt(x.label, locale)}</span>
          </label>
        ))}
      </fieldset>
      {(missing || query.message) && (
        <p className="field-error" role="alert">
          {missing ? r.reasonsRequired : query.message ? lt(query.message, locale) : ''}
        </p>
      )}
      <div className="actions">
        <button type="button" className="secondary big-ish" onClick={() => void send('cases.back', {})}>
          {t.query.back}
        </button>
        <button type="button" className="primary big" onClick={submit}>
          {r.submit}
        </button>
      </div>
    </div>
  );
}
