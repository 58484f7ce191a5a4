import { useCallback, useEffect, useState } from 'react';
import { SimState, type PaymentSimFaultName, type PrinterSimFaultName, type PrinterSimState, type ScannerSimFaultName } from '../../main/contract/index.js';
import { takeToken } from './bridge.js';

type Reply = { ok: true; value: unknown } | { ok: false; error: { code: string; message: string }; value?: unknown };

const PRINTER_FAULTS: { fault: PrinterSimFaultName; label: string }[] = [
  { fault: 'paperNearEnd', label: '纸将尽 Paper near end' },
  { fault: 'paperOut', label: '抽出纸卷 Pull paper' },
  { fault: 'coverOpen', label: '打开纸仓盖 Open cover' },
  { fault: 'cutterError', label: '切刀故障 Cutter error' },
  { fault: 'silence', label: '不应答 Silence' },
];

const SCANNER_FAULTS: { fault: ScannerSimFaultName; label: string }[] = [
  { fault: 'jam', label: '卡纸 Paper jam' },
  { fault: 'empty', label: '无纸 Nothing on the glass' },
];

const PAYMENT_FAULTS: { fault: PaymentSimFaultName; label: string }[] = [
  { fault: 'decline', label: '拒绝交易 Decline' },
  { fault: 'lostAfterDebit', label: '扣款后无应答 Lost after debit' },
];

const DEVICE_STATE: Record<PrinterSimState['device']['state'], string> = {
  online: '就绪 online',
  offline: '离线 offline',
  busy: '打印中 busy',
  error: '故障 error',
  'no-device': '无设备 no device',
};

function printerStatusText(p: PrinterSimState): string {
  const parts = [`打印机 Printer: ${DEVICE_STATE[p.device.state]}`];
  if (p.device.state === 'error' && p.device.lastError) parts.push(p.device.lastError.message);
  if (p.device.warnings.includes('paper-near-end')) parts.push('纸将尽 paper near end');
  parts.push(`已打印 receipts: ${p.receipts}`);
  return parts.join(' · ');
}

async function call(path: string, token: string, body?: unknown): Promise<Reply> {
  const res = await fetch(path, {
    method: body === undefined ? 'GET' : 'POST',
    headers: { authorization: `Bearer ${token}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  return (await res.json()) as Reply;
}

/** The simulator control panel (web mode): sample ID cards, the reader and the printer (faults, unplug), the embedded platform (down / up). */
export function SimPanel() {
  const [token] = useState(() => takeToken() ?? '');
  const [state, setState] = useState<SimState | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);

  const apply = useCallback((r: Reply) => {
    if (!r.ok) {
      setError(r.error.message);
      const withState = SimState.safeParse(r.value);
      if (withState.success) setState(withState.data);
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
    // Device status changes on its own (ASB, polls): refresh the panel every second.
    const timer = setInterval(() => {
      call('/sim/api/state', token)
        .then((r) => {
          if (!live || !r.ok) return;
          const parsed = SimState.safeParse(r.value);
          if (parsed.success) setState(parsed.data);
        })
        .catch(() => undefined);
    }, 1000);
    return () => {
      live = false;
      clearInterval(timer);
    };
  }, [apply, token]);

  const printer = state?.printer ?? null;
  const platform = state?.platform ?? null;
  const scanner = state?.scanner ?? null;
  const payment = state?.payment ?? null;
  const preview = printer?.lastReceiptSvg ? `data:image/svg+xml;charset=utf-8,${encodeURIComponent(printer.lastReceiptSvg)}` : null;

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
      {platform && (
        <section aria-labelledby="sim-platform">
          <h2 id="sim-platform">政务服务平台（模拟） · Government platform (simulated)</h2>
          <p role="status" aria-label="平台状态 Platform status">
            {`${platform.outage ? '已断开 down' : '在线 up'} · 办件 cases: ${platform.cases} · 评价 ratings: ${platform.ratings}`}
          </p>
          <div className="actions">
            <button
              type="button"
              className="tool"
              disabled={busy}
              aria-pressed={platform.outage}
              onClick={() => void run('/sim/api/platform/outage', { on: !platform.outage })}
            >
              断开平台 Platform down
            </button>
          </div>
        </section>
      )}
      {scanner && (
        <section aria-labelledby="sim-scanner">
          <h2 id="sim-scanner">扫描仪（模拟） · Scanner (simulated)</h2>
          <p role="status" aria-label="扫描仪状态 Scanner status">
            {`${scanner.connected ? '已连接 connected' : '未连接 disconnected'} · 已扫描 scans: ${scanner.scans} · 每次 pages per scan: ${scanner.pagesPerScan}${scanner.fault ? ` · 故障 fault: ${scanner.fault}` : ''}`}
          </p>
          <div className="actions">
            {SCANNER_FAULTS.map(({ fault, label }) => (
              <button
                key={fault}
                type="button"
                className="tool"
                disabled={busy}
                aria-pressed={scanner.fault === fault}
                onClick={() => void run('/sim/api/scanner/fault', { fault: scanner.fault === fault ? null : fault })}
              >
                {label}
              </button>
            ))}
            <button type="button" className="tool" disabled={busy} aria-pressed={!scanner.connected} onClick={() => void run('/sim/api/scanner/connected', { connected: !scanner.connected })}>
              拔出扫描仪 Unplug scanner
            </button>
          </div>
        </section>
      )}
      {payment && (
        <section aria-labelledby="sim-payment">
          <h2 id="sim-payment">缴费设备（模拟） · Payment pad (simulated)</h2>
          <p role="status" aria-label="缴费设备状态 Payment pad status">
            {`${payment.connected ? '已连接 connected' : '未连接 disconnected'} · 交易 sales: ${payment.sales.length}${payment.fault ? ` · 故障 fault: ${payment.fault}` : ''}`}
          </p>
          <div className="actions">
            {PAYMENT_FAULTS.map(({ fault, label }) => (
              <button
                key={fault}
                type="button"
                className="tool"
                disabled={busy}
                aria-pressed={payment.fault === fault}
                onClick={() => void run('/sim/api/payment/fault', { fault: payment.fault === fault ? null : fault })}
              >
                {label}
              </button>
            ))}
            <button type="button" className="tool" disabled={busy} aria-pressed={!payment.connected} onClick={() => void run('/sim/api/payment/connected', { connected: !payment.connected })}>
              拔出缴费设备 Unplug pad
            </button>
          </div>
          {payment.sales.length > 0 && (
            <ul className="small">
              {payment.sales.map((sale) => (
                <li key={sale.key}>{`${sale.outcome === 'approved' ? '成功 approved' : '拒绝 declined'}${sale.amountFen !== null ? ` ¥${(sale.amountFen / 100).toFixed(2)}` : ''}${sale.reversed ? ' · 已冲正 reversed' : ''}`}</li>
              ))}
            </ul>
          )}
        </section>
      )}
      {printer && (
        <section aria-labelledby="sim-printer">
          <h2 id="sim-printer">回执打印机 · Receipt printer ({printer.paper})</h2>
          <p role="status" aria-label="打印机状态 Printer status">
            {printerStatusText(printer)}
          </p>
          <div className="actions">
            {PRINTER_FAULTS.map(({ fault, label }) => (
              <button
                key={fault}
                type="button"
                className="tool"
                disabled={busy}
                aria-pressed={printer.faults[fault]}
                onClick={() => void run('/sim/api/printer/fault', { fault, on: !printer.faults[fault] })}
              >
                {label}
              </button>
            ))}
            <button
              type="button"
              className="tool"
              disabled={busy}
              aria-pressed={!printer.connected}
              onClick={() => void run('/sim/api/printer/connected', { connected: !printer.connected })}
            >
              拔出打印机 Unplug printer
            </button>
            <button type="button" className="tool" disabled={busy} onClick={() => void run('/sim/api/printer/test', {})}>
              打印测试页 Print test receipt
            </button>
          </div>
          {printer.lastPrint && <p className="small">{`${printer.lastPrint.ok ? '上次打印成功 Last print OK' : '上次打印失败 Last print failed'}: ${printer.lastPrint.message}`}</p>}
          <figure className="sim-receipt">
            {preview ? <img src={preview} alt="最近一张回执预览 Last receipt preview" /> : <p className="small">尚无回执 No receipt yet</p>}
            <figcaption>最近一张回执 Last receipt</figcaption>
          </figure>
        </section>
      )}
    </main>
  );
}
