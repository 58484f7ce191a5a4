import { useState } from 'react';
import type { Locale, MatterList as MatterListView, MatterSummary } from '../../../main/contract/index.js';
import type { Dict } from '../i18n.js';
import { send } from './send.js';
import { lt, yuan } from './text.js';

/**
 * The matters of this terminal, grouped by category, as large buttons. A button's accessible name is
 * exactly the matter's catalog name (the details are its description); a matter that cannot run now is
 * disabled with the reason in words beside it. The category bar jumps to a category's section.
 */
export function MatterList({ list, locale, t }: { list: MatterListView; locale: Locale; t: Dict }) {
  const [pending, setPending] = useState<string | null>(null);
  const categories = list.categories.filter((c) => c.matters.length > 0);
  if (categories.length === 0) return <p className="notice">{t.matters.none}</p>;
  const choose = (code: string) => {
    setPending(code);
    void send('matter.choose', { code }).finally(() => setPending(null));
  };
  return (
    <section className="matter-list" aria-labelledby="matters-title">
      <div className="matter-list-head">
        <h2 id="matters-title" className="section-title">
          {t.matters.title}
        </h2>
        {categories.length > 1 && (
          <nav className="category-bar" aria-label={t.matters.categoriesNav}>
            {categories.map((c) => (
              <a key={c.id} className="category-chip" href={`#cat-${c.id}`}>
                {lt(c.name, locale)}
              </a>
            ))}
          </nav>
        )}
      </div>
      <div className="matter-scroll">
        {categories.map((c) => (
          <section key={c.id} id={`cat-${c.id}`} className="matter-category" aria-labelledby={`cat-title-${c.id}`}>
            <h3 id={`cat-title-${c.id}`} className="category-title">
              {lt(c.name, locale)}
            </h3>
            <ul className="matter-grid">
              {c.matters.map((m) => (
                <li key={m.code}>
                  <MatterButton m={m} locale={locale} t={t} busy={pending !== null} onChoose={choose} />
                </li>
              ))}
            </ul>
          </section>
        ))}
      </div>
    </section>
  );
}

function MatterButton({ m, locale, t, busy, onChoose }: { m: MatterSummary; locale: Locale; t: Dict; busy: boolean; onChoose(code: string): void }) {
  const id = `matter-${m.code.replace(/[^A-Za-z0-9_-]/g, '_')}`;
  const name = lt(m.name, locale);
  const facts = [
    m.kind === 'bundle' ? t.matters.bundle(m.members.length) : null,
    m.fee ? t.matters.fee(yuan(m.fee.amountFen)) : t.matters.free,
    m.processing.kind === 'immediate' ? t.matters.immediate : t.matters.promised(m.processing.workingDays),
    m.offline ? t.matters.offlineOk : null,
  ].filter((f): f is string => f !== null);
  const disabled = m.unavailable !== null;
  return (
    <div className={`matter${disabled ? ' matter-disabled' : ''}`}>
      <button
        type="button"
        className="matter-button"
        aria-label={name}
        aria-describedby={`${id}-facts${disabled ? ` ${id}-why` : ''}`}
        disabled={disabled || busy}
        onClick={() => onChoose(m.code)}
      >
        <span className="matter-name">{name}</span>
        <span className="matter-facts" id={`${id}-facts`}>
          {facts.join(' · ')}
        </span>
      </button>
      {m.unavailable && (
        <p className="matter-why" id={`${id}-why`}>
          <span className="matter-why-tag">{t.matters.unavailable}</span> {lt(m.unavailable.message, locale)}
        </p>
      )}
    </div>
  );
}
