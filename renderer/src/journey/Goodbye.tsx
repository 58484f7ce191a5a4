import type { Locale, SessionView } from '../../../main/contract/index.js';
import type { Dict } from '../i18n.js';
import { send } from './send.js';
import { lt } from './text.js';

/**
 * Goodbye: what was done (the matter and its acceptance number), and the card reminder, large, for as
 * long as the card sits on the reader.
 */
export function Goodbye({ view, locale, t }: { view: SessionView; locale: Locale; t: Dict }) {
  const g = t.goodbye;
  const o = view.outcome;
  return (
    <main className="screen finished">
      <h1 className="title">{o ? g.title : t.finishedTitle}</h1>
      {o && (
        <p className="outcome">
          {lt(o.name, locale)} · {t.print.acceptanceNumber} <span className="mono">{o.acceptanceNumber}</span>
        </p>
      )}
      {view.cardOnReader ? (
        <div className="card-reminder" role="alert">
          <div className="card-slot small-slot" aria-hidden="true">
            <div className="card-illustration" />
          </div>
          <p className="reminder">{t.takeCard}</p>
        </div>
      ) : (
        <p className="hint">{o ? g.takeReceipt : t.cardTaken}</p>
      )}
      <div className="actions">
        <button type="button" className="primary big" onClick={() => void send('session.dismiss', {})}>
          {t.backToStart}
        </button>
      </div>
    </main>
  );
}
