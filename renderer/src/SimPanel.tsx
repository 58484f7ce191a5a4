import { useCallback, useEffect, useState } from 'react';
import { SimState } from '../../main/contract/index.js';
import { takeToken } from './bridge.js';

type Reply = { ok: true; value: unknown } | { ok: false; error: { code: string; message: string } };

async function call(path: string, token: string, body?: unknown): Promise<Reply> {
  const res = await fetch(path, {
    method: body === undefined ? 'GET' : 'POST',
    headers: { authorization: `Bearer ${token}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  return (await res.json()) as Reply;
}

/** The simulator control panel (web mode): place and take away sample ID cards, unplug the reader. */
export function SimPanel() {
  const [token] = useState(() => takeToken() ?? '');
  const [state, setState] = useState<SimState | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);

  const apply = useCallback((r: Reply) => {
    if (!r.ok) {
      setError(r.error.message);
      return;
    }
    const parsed = SimState.safeParse(r.value);
    if (parsed.success) {
      setState(parsed.data);
      setError(null);
    } else setError('unexpected reply from the simulator');
  }, []);

  const run = useCallback(
    async (path: string, body?: unknown) => {
      setBusy(true);
      try {
        apply(await call(path, token, body));
      } catch (e) {
        setError(e instanceof Error ? e.message : String(e));
      } finally {
        setBusy(false);
      }
    },
    [apply, token],
  );

  useEffect(() => {
    document.documentElement.lang = 'zh-CN';
    document.title = '设备模拟器 Device simulator';
    let live = true;
    call('/sim/api/state', token)
      .then((r) => live && apply(r))
      .catch((e: unknown) => live && setError(e instanceof Error ? e.message : String(e)));
    return () => {
      live = false;
    };
  }, [apply, token]);

  return (
    <main className="sim" aria-busy={busy}>
      <h1>设备模拟器 · Device simulator</h1>
      <p className="small">仅用于培训与测试，示例证件均为虚构数据。 For training and tests; all sample identities are fictional.</p>
      {error && (
        <p role="alert" className="error">
          {error}
        </p>
      )}
      <section aria-labelledby="sim-idcard">
        <h2 id="sim-idcard">身份证读卡器 · ID card reader</h2>
        <p role="status">
          {state
            ? `${state.idCard.connected ? '已连接 connected' : '未连接 disconnected'} · ${
                state.idCard.placed ? `已放置 placed: ${state.samples.find((s) => s.key === state.idCard.placed)?.label ?? state.idCard.placed}` : '无证件 no card'
              }`
            : '…'}
        </p>
        <ul className="sim-cards">
          {state?.samples.map((s) => (
            <li key={s.key}>
              <button type="button" className="tool" disabled={busy} onClick={() => void run('/sim/api/id-card/place', { key: s.key })}>
                放置 Place: {s.label}
              </button>
            </li>
          ))}
        </ul>
        <div className="actions">
          <button type="button" className="tool" disabled={busy || !state?.idCard.placed} onClick={() => void run('/sim/api/id-card/remove', {})}>
            取走身份证 Remove card
          </button>
          <button
            type="button"
            className="tool"
            disabled={busy || !state}
            aria-pressed={state ? !state.idCard.connected : false}
            onClick={() => void run('/sim/api/id-card/connected', { connected: !(state?.idCard.connected ?? true) })}
          >
            拔出读卡器 Unplug reader
          </button>
        </div>
      </section>
    </main>
  );
}
