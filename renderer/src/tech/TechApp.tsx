import { useCallback, useEffect, useState } from 'react';
import type {
  CardTestRead,
  DeadLetterSummary,
  DeviceDayCounters,
  HealthResult,
  PlatformCheck,
  ServiceInResult,
  TechDevice,
  TechPushPayload,
  TechState,
  TraceEntry,
  UsageCounterName,
} from '../../../main/contract/index.js';
import { getTechBridge } from './bridge.js';
import { useActivityReporter } from '../activity.js';
import { ACTION, COUNTER, KIND, REASONS, SERVICE, STATE, WARNING, mib, seconds } from './words.js';

type Session = TechPushPayload<'tech.session'>;

/** Without a touch for this long, the PIN pad gives the screen back to citizens (the core enforces it once logged in). */
const LOCKED_IDLE_MS = 120_000;

/** Back to the citizen screen (same origin: '/' in web mode, app://kiosk/ in Electron). */
function leave(): void {
  window.location.assign('/');
}

function useIdle(ms: number, onIdle: () => void, active: boolean): void {
  useEffect(() => {
    if (!active) return;
    let timer = window.setTimeout(onIdle, ms);
    const reset = (): void => {
      window.clearTimeout(timer);
      timer = window.setTimeout(onIdle, ms);
    };
    window.addEventListener('pointerdown', reset, { capture: true });
    window.addEventListener('keydown', reset, { capture: true });
    return () => {
      window.clearTimeout(timer);
      window.removeEventListener('pointerdown', reset, { capture: true });
      window.removeEventListener('keydown', reset, { capture: true });
    };
  }, [ms, onIdle, active]);
}

/** Touches and keys keep the technician session alive (the core ends it after the idle time). */
const reportActivity = (): void => void getTechBridge().invoke('tech.activity', {});

export function TechApp() {
  const [session, setSession] = useState<Session | null>(null);
  const [state, setState] = useState<TechState | null>(null);

  useEffect(() => {
    document.documentElement.lang = 'zh-CN';
    document.title = '技术员维护 Technician';
    const bridge = getTechBridge();
    const offs = [
      bridge.on('tech.session', (s) => {
        setSession(s);
        // Logged out, idle or replaced by another login: the screen goes back to citizens.
        if (s.state === 'locked' && s.reason !== null) leave();
        if (s.state === 'unlocked') {
          void bridge.invoke('tech.state', {}).then((r) => {
            if (r.ok) setState(r.value);
          });
        }
      }),
      bridge.on('tech.state', setState),
    ];
    return () => offs.forEach((off) => off());
  }, []);

  const unlocked = session?.state === 'unlocked';
  useIdle(LOCKED_IDLE_MS, leave, !unlocked);
  useActivityReporter(unlocked, reportActivity, 5000);

  if (!session) {
    return (
      <main className="screen center" aria-busy="true">
        <div className="spinner" role="progressbar" aria-label="正在连接 Connecting" />
      </main>
    );
  }
  if (!unlocked) return <PinPad />;
  if (!state) {
    return (
      <main className="screen center" aria-busy="true">
        <div className="spinner" role="progressbar" aria-label="正在读取 Loading" />
      </main>
    );
  }
  return <Console state={state} slot={session.slot ?? ''} />;
}

// ------------------------------------------------------------------ PIN pad

function PinPad() {
  const [pin, setPin] = useState('');
  const [message, setMessage] = useState<string | null>(null);
  const [lockedFor, setLockedFor] = useState(0);
  const [busy, setBusy] = useState(false);

  useEffect(() => {
    if (lockedFor <= 0) return;
    const t = window.setTimeout(() => setLockedFor((n) => Math.max(0, n - 1)), 1000);
    return () => window.clearTimeout(t);
  }, [lockedFor]);

  const submit = useCallback(async () => {
    if (pin.length < 4 || busy) return;
    setBusy(true);
    const r = await getTechBridge().invoke('tech.login', { pin });
    setPin('');
    setBusy(false);
    if (!r.ok) return setMessage(r.error.message);
    const v = r.value;
    if (v.ok) return setMessage(null);
    if (v.reason === 'wrong-pin') setMessage(`密码错误，还可尝试 ${v.attemptsLeft ?? 0} 次 Wrong PIN: ${v.attemptsLeft ?? 0} attempt(s) left`);
    else if (v.reason === 'locked') {
      setLockedFor(v.retryInSeconds ?? 0);
      setMessage(null);
    } else setMessage('本终端未设置技术员密码 No technician PIN is set on this terminal (kioskctl tech pin-hash)');
  }, [pin, busy]);

  const locked = lockedFor > 0;
  const press = (digit: string): void => setPin((p) => (p.length < 12 ? p + digit : p));
  return (
    <main className="tech tech-login">
      <h1>技术员登录 Technician login</h1>
      <form
        className="pin-form"
        onSubmit={(e) => {
          e.preventDefault();
          void submit();
        }}
      >
        <label htmlFor="tech-pin">技术员密码 Technician PIN</label>
        <input
          id="tech-pin"
          className="pin-input"
          type="password"
          inputMode="numeric"
          autoComplete="off"
          maxLength={12}
          value={pin}
          disabled={locked}
          onChange={(e) => setPin(e.target.value.replace(/\D/g, '').slice(0, 12))}
        />
        <div className="keypad" role="group" aria-label="数字键盘 Keypad">
          {['1', '2', '3', '4', '5', '6', '7', '8', '9'].map((d) => (
            <button key={d} type="button" className="key" disabled={locked} onClick={() => press(d)}>
              {d}
            </button>
          ))}
          <button type="button" className="key" disabled={locked} onClick={() => setPin((p) => p.slice(0, -1))}>
            删除 Delete
          </button>
          <button type="button" className="key" disabled={locked} onClick={() => press('0')}>
            0
          </button>
          <button type="submit" className="key primary" disabled={locked || busy || pin.length < 4}>
            登录 Log in
          </button>
        </div>
      </form>
      {locked && (
        <p className="tech-alert" role="alert">
          {`已锁定，请 ${lockedFor} 秒后再试 Locked: try again in ${lockedFor} s`}
        </p>
      )}
      {message && !locked && (
        <p className="tech-alert" role="alert">
          {message}
        </p>
      )}
      <button type="button" className="tool" onClick={leave}>
        返回 Back
      </button>
    </main>
  );
}

// ------------------------------------------------------------------ console

type Section = 'devices' | 'queue' | 'platform';

function Console({ state, slot }: { state: TechState; slot: string }) {
  const [section, setSection] = useState<Section>('devices');
  const logout = useCallback(() => {
    void getTechBridge()
      .invoke('tech.logout', {})
      .finally(leave);
  }, []);
  return (
    <div className="tech">
      <header className="tech-top">
        <h1>技术员维护 Technician</h1>
        <span>
          {state.terminal.id} · {state.terminal.siteName} · 已登录 {slot} Logged in: {slot}
        </span>
        <button type="button" className="tool" onClick={logout}>
          退出 Log out
        </button>
      </header>
      <ServicePanel state={state} />
      <nav className="tech-nav" aria-label="维护项目 Sections">
        {(
          [
            ['devices', '设备 Devices'],
            ['queue', '离线队列 Offline queue'],
            ['platform', '平台 Platform'],
          ] as const
        ).map(([id, label]) => (
          <button key={id} type="button" className="tool" aria-pressed={section === id} onClick={() => setSection(id)}>
            {label}
          </button>
        ))}
      </nav>
      {section === 'devices' && <Devices devices={state.devices} held={state.heldForTest} />}
      {section === 'queue' && <Queue state={state} />}
      {section === 'platform' && <Platform state={state} />}
    </div>
  );
}

function ServicePanel({ state }: { state: TechState }) {
  const s = state.service;
  const [reason, setReason] = useState<string | null>(null);
  const [now, setNow] = useState(false);
  const [result, setResult] = useState<ServiceInResult | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const bridge = getTechBridge();

  const out = async (): Promise<void> => {
    if (!reason) return;
    setBusy(true);
    const r = await bridge.invoke('tech.service.out', { reason, now });
    setBusy(false);
    setResult(null);
    setError(r.ok ? null : r.error.message);
  };
  const back = async (force: boolean): Promise<void> => {
    setBusy(true);
    const r = await bridge.invoke('tech.service.in', { force }, 60_000);
    setBusy(false);
    if (!r.ok) return setError(r.error.message);
    setError(null);
    setResult(r.value);
  };

  return (
    <section className="tech-panel service" aria-label="服务状态 Service">
      <p className={`service-state ${s.state}`} role="status" aria-label="服务状态 Service state">
        {SERVICE[s.state]}
        {s.holds.map((h) => ` · ${h.reason}`).join('')}
        {s.closing ? (s.closing.mode === 'now' ? ' · 正在提示市民并结束办理 telling the citizen, then ending the session' : ' · 等待市民办完 waiting for the citizen to finish') : ''}
      </p>
      {s.state === 'in-service' ? (
        <div className="service-controls">
          <div role="group" aria-label="暂停原因 Reason" className="chips">
            {REASONS.map((r) => (
              <button key={r} type="button" className="tool" aria-pressed={reason === r} onClick={() => setReason(r)}>
                {r}
              </button>
            ))}
          </div>
          <label className="check">
            <input type="checkbox" checked={now} onChange={(e) => setNow(e.target.checked)} />
            立即结束当前办理 End the current session now
          </label>
          <button type="button" className="primary big" disabled={!reason || busy} onClick={() => void out()}>
            暂停服务 Take out of service
          </button>
        </div>
      ) : (
        <div className="service-controls">
          <button type="button" className="primary big" disabled={busy} onClick={() => void back(false)}>
            恢复服务 Back in service
          </button>
          {result && !result.ok && !result.failing.some((f) => f.device === 'storage' || f.device === 'system') && (
            <button type="button" className="tool" disabled={busy} onClick={() => void back(true)}>
              仍然恢复 Back in service anyway
            </button>
          )}
        </div>
      )}
      {busy && <div className="spinner small" role="progressbar" aria-label="正在处理 Working" />}
      {result && !result.ok && (
        <div className="tech-alert" role="alert">
          <p>无法恢复服务 Cannot go back in service:</p>
          <ul>
            {result.failing.map((f) => (
              <li key={f.device}>
                {f.device}: {f.text}
              </li>
            ))}
          </ul>
        </div>
      )}
      {result?.ok && <p role="status">{result.forced ? '已强制恢复服务 Forced back in service' : '检查通过，已恢复服务 Checks passed: back in service'}</p>}
      {error && (
        <p className="tech-alert" role="alert">
          {error}
        </p>
      )}
    </section>
  );
}

// ------------------------------------------------------------------ devices

function Devices({ devices, held }: { devices: TechDevice[]; held: string[] }) {
  const [counters, setCounters] = useState<DeviceDayCounters[]>([]);
  useEffect(() => {
    let live = true;
    const load = (): void => {
      void getTechBridge()
        .invoke('tech.devices.counters', { days: 1 })
        .then((r) => live && r.ok && setCounters(r.value));
    };
    load();
    const t = window.setInterval(load, 5000);
    return () => {
      live = false;
      window.clearInterval(t);
    };
  }, [devices]);
  if (devices.length === 0) return <p className="hint">本终端未配置设备 No devices configured</p>;
  return (
    <div className="tech-devices">
      {devices.map((d) => (
        <DeviceCard key={d.id} device={d} held={held.includes(d.id)} today={counters.find((c) => c.device === d.id)?.counters ?? {}} />
      ))}
    </div>
  );
}

function DeviceCard({ device: d, today, held }: { device: TechDevice; today: DeviceDayCounters['counters']; held: boolean }) {
  const [check, setCheck] = useState<HealthResult | null>(null);
  const [note, setNote] = useState<{ ok: boolean; text: string } | null>(null);
  const [busy, setBusy] = useState<string | null>(null);
  const [trace, setTrace] = useState<TraceEntry[] | null>(null);
  const bridge = getTechBridge();

  const health = async (level: 'internal' | 'external'): Promise<void> => {
    setBusy('health');
    const r = await bridge.invoke('tech.devices.health', { level, device: d.id }, 30_000);
    setBusy(null);
    if (r.ok && r.value[0]) setCheck(r.value[0]);
    else if (!r.ok) setNote({ ok: false, text: r.error.message });
  };
  const printTest = async (): Promise<void> => {
    setBusy('print');
    const r = await bridge.invoke('tech.printer.test', {}, 40_000);
    setBusy(null);
    setNote(r.ok ? { ok: true, text: `测试页已打印 Test receipt printed${r.value.warnings.length ? ` (${r.value.warnings.map((w) => WARNING[w] ?? w).join(', ')})` : ''}` } : { ok: false, text: r.error.message });
  };
  const readTest = async (): Promise<void> => {
    setBusy('read');
    setNote(null);
    const r = await bridge.invoke('tech.idCard.read', { timeoutSeconds: 30 }, 45_000);
    setBusy(null);
    if (!r.ok) return setNote({ ok: false, text: r.error.message });
    const c: CardTestRead = r.value;
    setNote({ ok: true, text: `读卡成功 Card read: ${c.maskedId} · ${c.idNumberValid ? '校验正确 check digit OK' : '校验错误 check digit WRONG'} · ${c.expired ? '已过期 expired' : '有效 valid'} · ${c.ms} ms` });
  };

  const traceOpen = trace !== null;
  useEffect(() => {
    if (!traceOpen) return;
    let live = true;
    const load = (): void => {
      void bridge.invoke('tech.devices.trace', { device: d.id, limit: 30 }).then((r) => {
        if (!live) return;
        if (r.ok) setTrace(r.value);
        else setNote({ ok: false, text: r.error.message });
      });
    };
    load();
    const t = window.setInterval(load, 2000);
    return () => {
      live = false;
      window.clearInterval(t);
    };
  }, [traceOpen, bridge, d.id]);

  const counterNames = Object.keys(today) as UsageCounterName[];
  return (
    <section className="tech-panel device" aria-label={KIND[d.kind]} data-device-id={d.id} data-state={d.state} data-next-action={d.nextAction ?? ''}>
      <h2>{KIND[d.kind]}</h2>
      <p className={`device-state ${d.state}`} role="status" aria-label={`${KIND[d.kind]} 状态 status`}>
        {STATE[d.state]}
        {d.nextAction ? ` · ${ACTION[d.nextAction]}` : ''}
        {d.nextAction && d.lastError ? ` · ${d.lastError.message}` : ''}
        {d.warnings.map((w) => ` · ${WARNING[w] ?? w}`).join('')}
      </p>
      <dl className="tech-facts">
        <div>
          <dt>连接 Link</dt>
          <dd>
            {d.info.transport} {d.info.path ?? ''}
          </dd>
        </div>
        {d.info.model && (
          <div>
            <dt>型号 Model</dt>
            <dd>{d.info.model}</dd>
          </div>
        )}
        {d.info.serial && (
          <div>
            <dt>序列号 Serial</dt>
            <dd className="mono">{d.info.serial}</dd>
          </div>
        )}
      </dl>
      <dl className="tech-facts counters" aria-label={`${KIND[d.kind]} 今日计数 Today`}>
        {counterNames.length === 0 ? (
          <div>
            <dt>今日 Today</dt>
            <dd>—</dd>
          </div>
        ) : (
          counterNames.map((n) => (
            <div key={n}>
              <dt>{COUNTER[n]}</dt>
              <dd>{today[n]}</dd>
            </div>
          ))
        )}
      </dl>
      <div className="actions-row">
        <button type="button" className="tool" disabled={busy !== null} onClick={() => void health('internal')}>
          健康检查 Health check
        </button>
        <button type="button" className="tool" disabled={busy !== null} onClick={() => void health('external')}>
          外部检查 External check
        </button>
        {d.kind === 'receipt-printer' && (
          <button type="button" className="tool" disabled={busy !== null} onClick={() => void printTest()}>
            打印测试页 Print test receipt
          </button>
        )}
        {d.kind === 'id-card' && (
          <button type="button" className="tool" disabled={busy !== null} onClick={() => void readTest()}>
            测试读卡 Test card read
          </button>
        )}
        <button type="button" className="tool" aria-pressed={traceOpen} onClick={() => setTrace(traceOpen ? null : [])}>
          协议记录 Protocol trace
        </button>
      </div>
      {busy !== null && <div className="spinner small" role="progressbar" aria-label="正在处理 Working" />}
      {/* Shown once the core really holds the reader for the test: a card placed now reaches only the technician. */}
      {held && (
        <p className="tech-ok" role="status" aria-label="请放置身份证 Place a card">
          请放置身份证（已在读卡区的请拿起后重放） Place a card on the reader now (lift and replace one already there)
        </p>
      )}
      {check && (
        <p className={check.ok ? 'tech-ok' : 'tech-alert'} role="status" aria-label={`${KIND[d.kind]} 检查结果 Check result`}>
          {check.ok ? '正常 OK' : '异常 Failed'} ({check.level}): {check.text}
        </p>
      )}
      {note && (
        <p className={note.ok ? 'tech-ok' : 'tech-alert'} role={note.ok ? 'status' : 'alert'}>
          {note.text}
        </p>
      )}
      {trace && (
        <table className="trace" aria-label={`${KIND[d.kind]} 协议记录 Protocol trace`}>
          <thead>
            <tr>
              <th scope="col">时间 Time</th>
              <th scope="col">方向 Dir</th>
              <th scope="col">命令/状态 Command / status</th>
              <th scope="col">长度 Length</th>
              <th scope="col">帧头 Header</th>
            </tr>
          </thead>
          <tbody>
            {trace.length === 0 ? (
              <tr>
                <td colSpan={5}>暂无记录 No frames yet</td>
              </tr>
            ) : (
              [...trace].reverse().map((e, i) => (
                <tr key={`${e.at}-${i}`}>
                  <td>{new Date(e.at).toLocaleTimeString('zh-CN', { hour12: false })}</td>
                  <td>{e.dir === 'tx' ? '发 →' : '收 ←'}</td>
                  <td>
                    {e.name}
                    {e.repeat > 1 ? ` ×${e.repeat}` : ''}
                  </td>
                  <td>{e.length}</td>
                  <td className="mono">{e.header}</td>
                </tr>
              ))
            )}
          </tbody>
        </table>
      )}
    </section>
  );
}

// ------------------------------------------------------------------ queue

function Queue({ state }: { state: TechState }) {
  const q = state.queue;
  const [dead, setDead] = useState<DeadLetterSummary[]>([]);
  const [note, setNote] = useState<{ ok: boolean; text: string } | null>(null);
  const [busy, setBusy] = useState(false);
  const bridge = getTechBridge();
  const deadCount = q?.dead ?? 0;
  useEffect(() => {
    let live = true;
    void bridge.invoke('tech.queue.dead', { limit: 50 }).then((r) => live && r.ok && setDead(r.value));
    return () => {
      live = false;
    };
  }, [bridge, deadCount]);
  if (!q) return <p className="tech-alert" role="alert">存储不可用 Storage unavailable: the queue cannot be read</p>;

  const act = async <T,>(run: () => Promise<{ ok: true; value: T } | { ok: false; error: { message: string } }>, ok: (v: T) => string): Promise<void> => {
    setBusy(true);
    const r = await run();
    setBusy(false);
    setNote(r.ok ? { ok: true, text: ok(r.value) } : { ok: false, text: r.error.message });
  };
  return (
    <section className="tech-panel" aria-label="离线队列 Offline queue">
      <dl className="tech-facts" aria-label="队列统计 Queue statistics">
        <div>
          <dt>待上传 Pending</dt>
          <dd>{q.pending}</dd>
        </div>
        <div>
          <dt>上传中 In flight</dt>
          <dd>{q.inFlight}</dd>
        </div>
        <div>
          <dt>死信 Dead letters</dt>
          <dd>{q.dead}</dd>
        </div>
        <div>
          <dt>已送达 Delivered</dt>
          <dd>{q.acked}</dd>
        </div>
        <div>
          <dt>最早待传 Oldest waiting</dt>
          <dd>{seconds(q.oldestPendingAgeMs)}</dd>
        </div>
        <div>
          <dt>剩余空间 Free space</dt>
          <dd>
            {mib(q.freeSpace.freeBytes)}
            {q.freeSpace.ok ? '' : ' · 低于下限，暂停受理 below the floor: new submissions refused'}
          </dd>
        </div>
      </dl>
      <div className="actions-row">
        <button type="button" className="tool" disabled={busy || q.dead === 0} onClick={() => void act(() => bridge.invoke('tech.queue.retry', { all: true }), (v) => `已重新排队 ${v.moved} 件 ${v.moved} dead letter(s) back in the queue`)}>
          全部重试 Retry all dead letters
        </button>
        <button type="button" className="tool" disabled={busy} onClick={() => void act(() => bridge.invoke('tech.queue.drainNow', { timeoutSeconds: 30 }, 45_000), (v) => (v.drained ? '已全部上传 Everything delivered' : `仍有 ${v.stats.pending + v.stats.inFlight} 件未上传 ${v.stats.pending + v.stats.inFlight} still waiting`))}>
          立即上传 Deliver now
        </button>
        <button type="button" className="tool" disabled={busy || q.dead === 0} onClick={() => void act(() => bridge.invoke('tech.queue.exportDead', {}, 60_000), (v) => `已导出（加密）${v.count} 件 ${v.count} exported, still sealed: ${v.file}`)}>
          导出（加密） Export sealed
        </button>
      </div>
      {busy && <div className="spinner small" role="progressbar" aria-label="正在处理 Working" />}
      {note && (
        <p className={note.ok ? 'tech-ok' : 'tech-alert'} role={note.ok ? 'status' : 'alert'}>
          {note.text}
        </p>
      )}
      {dead.length > 0 && (
        <table className="trace" aria-label="死信 Dead letters">
          <thead>
            <tr>
              <th scope="col">受理号 Acceptance no.</th>
              <th scope="col">原因 Reason</th>
              <th scope="col">尝试 Attempts</th>
            </tr>
          </thead>
          <tbody>
            {dead.map((x) => (
              <tr key={x.id}>
                <td className="mono">{x.acceptanceNumber}</td>
                <td>{x.reason ?? '—'}</td>
                <td>{x.attempts}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </section>
  );
}

// ------------------------------------------------------------------ platform

function Platform({ state }: { state: TechState }) {
  const [check, setCheck] = useState<PlatformCheck | null>(null);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const run = async (): Promise<void> => {
    setBusy(true);
    const r = await getTechBridge().invoke('tech.platform.check', {}, 30_000);
    setBusy(false);
    if (r.ok) {
      setCheck(r.value);
      setError(null);
    } else setError(r.error.message);
  };
  const reach = { online: '在线 Online', offline: '离线 Offline', unknown: '未知 Unknown' }[state.platform.state];
  return (
    <section className="tech-panel" aria-label="平台 Platform">
      <p role="status" aria-label="平台连接 Platform link">
        {reach} · {state.platform.url ?? '未配置 not configured'}
        {state.platform.problem ? ` · ${state.platform.problem}` : ''}
      </p>
      <button type="button" className="tool" disabled={busy} onClick={() => void run()}>
        检测平台 Check platform
      </button>
      {busy && <div className="spinner small" role="progressbar" aria-label="正在处理 Working" />}
      {check && (
        <dl className="tech-facts" aria-label="检测结果 Check result">
          <div>
            <dt>可达 Reachable</dt>
            <dd>{check.reachable ? '是 yes' : `否 no (${check.problem ?? ''})`}</dd>
          </div>
          <div>
            <dt>往返 Round trip</dt>
            <dd>{check.ms === null ? '—' : `${check.ms} ms`}</dd>
          </div>
          <div>
            <dt>时钟偏差 Clock offset</dt>
            <dd>{check.clockOffsetMs === null ? '—' : `${check.clockOffsetMs >= 0 ? '+' : ''}${check.clockOffsetMs} ms${Math.abs(check.clockOffsetMs) > 60_000 ? ' · 请校准时钟 fix the clock' : ''}`}</dd>
          </div>
          <div>
            <dt>事项目录版本 Catalog version</dt>
            <dd>{check.catalogVersion ?? '—'}</dd>
          </div>
        </dl>
      )}
      {error && (
        <p className="tech-alert" role="alert">
          {error}
        </p>
      )}
    </section>
  );
}
