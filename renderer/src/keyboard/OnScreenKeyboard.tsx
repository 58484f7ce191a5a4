import { useCallback, useMemo, type MouseEvent as ReactMouseEvent } from 'react';
import { KeyboardReact, type KeyboardButtonAttributes } from 'react-simple-keyboard';
import type { Dict } from '../i18n.js';
import { KEY, candidatePage, chooseCandidate, pressKey, turnPage, type EditState, type KeyboardKind } from './editing.js';
import { chineseRows } from './pinyin.js';

/**
 * The kiosk's own keyboard (no system keyboard ever opens: fields use inputMode="none"). Keys are
 * rendered by simple-keyboard as real <button>s, so a touch, a mouse, a screen reader or a test
 * presses them the same way; what a key does is editing.ts. Chinese is typed as pinyin with a
 * candidate bar of buttons.
 */

const PAD_ROWS: Record<'digits' | 'phone' | 'date', string[]> = {
  digits: ['1 2 3', '4 5 6', '7 8 9', `${KEY.clear} 0 ${KEY.backspace}`],
  phone: ['1 2 3', '4 5 6', '7 8 9', `- 0 ${KEY.backspace}`],
  date: ['1 2 3', '4 5 6', '7 8 9', `${KEY.clear} 0 ${KEY.backspace}`],
};

/**
 * The text keyboard from the package's Chinese layout: its digit row and its three letter rows as they are,
 * without the keys a kiosk has no use for (tab, caps lock, enter, ".com", brackets, quotes). Shift and "."
 * only in ABC mode (pinyin is lower case); a bottom row with the kiosk's mode key and the space bar.
 */
function textRows(rows: readonly string[], kind: 'chinese' | 'text', mode: EditState['mode']): string[] {
  const abc = mode === 'abc';
  const keep = (k: string, i: number) =>
    i === 0 ? /^([0-9]|-|\{bksp\})$/.test(k) : /^[a-zA-Z]$/.test(k) || (abc && (k === KEY.shift || k === '.'));
  const out = rows
    .slice(0, 4)
    .map((r, i) => r.split(' ').filter((k) => keep(k, i)).join(' '))
    .filter((r) => r.length > 0);
  out.push(kind === 'chinese' ? `${KEY.mode} ${KEY.space}` : KEY.space);
  return out;
}

export interface OnScreenKeyboardProps {
  kind: KeyboardKind;
  state: EditState;
  /** Called with an updater (React's setState form), so quick presses never read a stale state. */
  update(fn: (prev: EditState) => EditState): void;
  maxLength?: number | undefined;
  t: Dict;
  /** The id of the field being typed into (the keyboard controls it). */
  fieldId?: string | undefined;
  /** Shown above the keys ("正在填写：…"), so the citizen sees where the keys go. */
  fieldLabel?: string | undefined;
}

export function OnScreenKeyboard({ kind, state, update, maxLength, t, fieldId, fieldLabel }: OnScreenKeyboardProps) {
  const kb = t.kb;
  const press = useCallback((key: string) => update((prev) => pressKey(kind, prev, key, maxLength)), [update, kind, maxLength]);

  const layout = useMemo((): Record<string, string[]> => {
    if (kind === 'chinese' || kind === 'text') return { default: textRows(chineseRows.default, kind, state.mode), shift: textRows(chineseRows.shift, kind, state.mode) };
    return { default: PAD_ROWS[kind] };
  }, [kind, state.mode]);

  const display = useMemo(
    () => ({
      [KEY.backspace]: kb.backspace,
      [KEY.clear]: kb.clear,
      [KEY.space]: kb.space,
      [KEY.shift]: kb.shift,
      [KEY.mode]: state.mode === 'pinyin' ? `${kb.modePinyin} / ${kb.modeAbc}` : `${kb.modeAbc} / ${kb.modePinyin}`,
    }),
    [kb, state.mode],
  );

  const attributes = useMemo<KeyboardButtonAttributes[]>(
    () => [
      { attribute: 'type', value: 'button' },
      { attribute: 'aria-label', value: kb.modeLabel, buttons: KEY.mode },
      { attribute: 'aria-pressed', value: String(state.shift), buttons: KEY.shift },
    ],
    [kb.modeLabel, state.shift],
  );

  // Keyboard and screen-reader activation of a key arrives as a click without a pointer press
  // (detail 0); simple-keyboard itself listens to pointer events only.
  const onClick = useCallback(
    (e: ReactMouseEvent<HTMLDivElement>) => {
      if (e.detail !== 0) return;
      const key = (e.target as HTMLElement).closest('[data-skbtn]')?.getAttribute('data-skbtn');
      if (key) press(key);
    },
    [press],
  );

  const pad = kind === 'digits' || kind === 'phone' || kind === 'date';
  // Named by its kind only: the field's catalog label names the field alone (tests and people find it by that).
  return (
    <div className={`osk ${pad ? 'osk-pad' : 'osk-text'}`} role="group" aria-label={kb[kind]} aria-controls={fieldId}>
      {/* One row above the keys: where the keys go, then the pinyin and its candidates (or the date's hint). */}
      <div className="osk-head">
        {fieldLabel && (
          <p className="osk-target" aria-hidden="true">
            {kb.typingInto(fieldLabel)}
          </p>
        )}
        {kind === 'chinese' && state.mode === 'pinyin' && <CandidateBar state={state} update={update} maxLength={maxLength} t={t} />}
        {kind === 'date' && <p className="osk-hint">{kb.dateHint}</p>}
      </div>
      <div onClick={onClick}>
        <KeyboardReact
          layout={layout}
          layoutName={state.shift && state.mode === 'abc' ? 'shift' : 'default'}
          display={display}
          buttonAttributes={attributes}
          theme={`hg-theme-default kiosk-keys kiosk-keys-${kind}`}
          useButtonTag
          disableButtonHold
          disableCaretPositioning
          preventMouseDownDefault
          onKeyPress={press}
        />
      </div>
    </div>
  );
}

function CandidateBar({ state, update, maxLength, t }: { state: EditState; update(fn: (prev: EditState) => EditState): void; maxLength?: number | undefined; t: Dict }) {
  const { items, page, pages } = candidatePage(state);
  return (
    <div className="osk-candidates" role="group" aria-label={t.kb.candidates}>
      <output className="osk-composing" aria-label={t.kb.composing}>
        {state.composing || '\u00a0'}
      </output>
      {state.composing && items.length === 0 && <span className="osk-hint">{t.kb.noCandidate}</span>}
      {pages > 1 && (
        <button type="button" className="osk-page" disabled={page === 0} onClick={() => update((prev) => turnPage(prev, -1))}>
          {t.kb.prevPage}
        </button>
      )}
      <div className="osk-candidate-list">
        {items.map((c) => (
          <button key={c} type="button" className="osk-candidate" lang="zh-CN" onClick={() => update((prev) => chooseCandidate(prev, c, maxLength))}>
            {c}
          </button>
        ))}
      </div>
      {pages > 1 && (
        <button type="button" className="osk-page" disabled={page >= pages - 1} onClick={() => update((prev) => turnPage(prev, 1))}>
          {t.kb.nextPage}
        </button>
      )}
    </div>
  );
}
