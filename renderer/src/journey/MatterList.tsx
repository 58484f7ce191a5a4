import { useState } from 'react';
import type { LocalText, Locale, MatterList as MatterListView, MatterSummary } from '../../../main/contract/index.js';
import { useElderMode } from '../display.js';
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
  const elder = useElderMode();
  const categories = list.categories.filter((c) => c.matters.length > 0);
  if (categories.length === 0) return <p className="notice">{t.matters.none}</p>;
  const choose = (code: string) => {
    setPending(code);
    void send('matter.choose', { code }).finally(() => setPending(null));
  };
  if (elder) return <PagedMatters list={list} locale={locale} t={t} busy={pending !== null} onChoose={choose} />;
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

/** Elder mode shows this many matters a page: fewer, larger tiles, one column in portrait, two in landscape. */
export const ELDER_PAGE_SIZE = 4;

/**
 * Elder mode (one thing per screen): the matters in pages of ELDER_PAGE_SIZE large tiles, each with its
 * category, turned with 上一页 / 下一页 ("第 1 页，共 2 页") instead of a list that scrolls.
 */
function PagedMatters({ list, locale, t, busy, onChoose }: { list: MatterListView; locale: Locale; t: Dict; busy: boolean; onChoose(code: string): void }) {
  const all = list.categories.flatMap((c) => c.matters.map((m) => ({ m, category: c.name })));
  const pages = Math.max(1, Math.ceil(all.length / ELDER_PAGE_SIZE));
  const [wanted, setPage] = useState(0);
  // The list can shrink under the citizen (a matter becomes unavailable): stay on a page that exists.
  const page = Math.min(wanted, pages - 1);
  const shown = all.slice(page * ELDER_PAGE_SIZE, (page + 1) * ELDER_PAGE_SIZE);
  return (
    <section className="matter-list matter-pages" aria-labelledby="matters-title">
      <div className="matter-list-head">
        <h2 id="matters-title" className="section-title">
          {t.matters.title}
        </h2>
        {pages > 1 && (
          <p className="page-count" id="matters-page" aria-live="polite">
            {t.pageOf(page + 1, pages)}
          </p>
        )}
      </div>
      <ul className="matter-grid matter-page" aria-describedby={pages > 1 ? 'matters-page' : undefined}>
        {shown.map(({ m, category }) => (
          <li key={m.code}>
            <MatterButton m={m} locale={locale} t={t} busy={busy} onChoose={onChoose} category={category} />
          </li>
        ))}
      </ul>
      {pages > 1 && (
        <nav className="pager" aria-label={t.matters.title}>
          <button type="button" className="secondary big" disabled={page === 0} onClick={() => setPage(page - 1)}>
            {t.prevPage}
          </button>
          <button type="button" className="primary big" disabled={page >= pages - 1} onClick={() => setPage(page + 1)}>
            {t.nextPage}
          </button>
        </nav>
      )}
    </section>
  );
}

function MatterButton({
  m,
  locale,
  t,
  busy,
  onChoose,
  category,
}: {
  m: MatterSummary;
  locale: Locale;
  t: Dict;
  busy: boolean;
  onChoose(code: string): void;
  /** Shown on the tile where the list is not grouped by category (elder mode's pages). */
  category?: LocalText;
}) {
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
        {category && <span className="matter-category-tag">{lt(category, locale)}</span>}
        <span className="matter-name">{name}</span>
        {/* Each fact stays in one piece; a row of them may continue on the next line between facts. */}
        <span className="matter-facts" id={`${id}-facts`}>
          {facts.map((f, i) => (
            <span key={f} className="matter-fact">
              {i > 0 ? `· ${f}` : f}
            </span>
          ))}
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
