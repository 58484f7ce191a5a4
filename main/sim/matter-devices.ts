/**
 * A simulated document scanner and payment pad behind the matter service's small interfaces
 * (main/core/matter-devices.ts), until the drivers of issue 9 provide the real ones. The scanner
 * yields generated PNG pages with progress; the pad prompts, then approves or declines, and keeps
 * every sale by its idempotency key (the same key never charges twice; reversal is idempotent).
 * Fault switches for the panel and tests: scanner jam / empty feeder / unplugged; pad decline /
 * outcome lost after the debit / unplugged. SAMPLE behaviour only: no real money, no real scans.
 */
import { randomBytes } from 'node:crypto';
import { appendFileSync, existsSync, mkdirSync, readFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { PNG } from 'pngjs';
import { Emitter } from '../../drivers/device.js';
import type { LocalText } from '../contract/index.js';
import { defaultSleep as pause } from '../core/delivery.js';
import { MatterDeviceError, type MatterDeviceState, type PageSource, type PaymentTerminal, type SaleOutcome } from '../core/matter-devices.js';

/** A grey page with a header bar, lines of "text" and a page mark: distinct bytes per page and scan. */
export function samplePage(n: number, seed: number, width = 248, height = 350): Uint8Array {
  const png = new PNG({ width, height });
  const px = png.data; // RGBA
  px.fill(0xf4);
  const set = (x: number, y: number, v: number): void => {
    if (x < 0 || y < 0 || x >= width || y >= height) return;
    const i = (y * width + x) * 4;
    px[i] = px[i + 1] = px[i + 2] = v;
  };
  for (let y = 12; y < 30; y++) for (let x = 16; x < width - 16; x++) set(x, y, 0x40);
  let r = (seed * 2654435761 + n * 40503) >>> 0 || 1;
  for (let line = 0; line < 22; line++) {
    r ^= r << 13;
    r >>>= 0;
    r ^= r >>> 17;
    r ^= r << 5;
    r >>>= 0;
    const len = 60 + (r % (width - 100));
    const y = 44 + line * 13;
    for (let x = 16; x < 16 + len; x++) for (let dy = 0; dy < 4; dy++) set(x, y + dy, (x + line) % 9 === 0 ? 0xf4 : 0x70);
  }
  for (let i = 0; i < n; i++) for (let y = height - 24; y < height - 14; y++) for (let x = width - 20 - i * 12; x < width - 12 - i * 12; x++) set(x, y, 0x20);
  // Written as 8-bit greyscale, as a document scanner's grey mode gives.
  return new Uint8Array(PNG.sync.write(png, { colorType: 0 }));
}

export type ScannerSimFault = 'jam' | 'empty';

export class SimulatedPageSource implements PageSource {
  readonly id = 'simulated:scanner';
  #state: MatterDeviceState = 'ready';
  #fault: ScannerSimFault | null = null;
  /** Pages the feeder holds per scan (a flatbed: 1). */
  pagesPerScan = 1;
  scans = 0;
  readonly #changes = new Emitter<MatterDeviceState>();

  constructor(private readonly stepMs = 120) {}

  state(): MatterDeviceState {
    return this.#state;
  }
  onState(listener: (s: MatterDeviceState) => void): () => void {
    return this.#changes.on(listener);
  }
  get fault(): ScannerSimFault | null {
    return this.#fault;
  }
  setFault(fault: ScannerSimFault | null): void {
    this.#fault = fault;
  }
  setConnected(connected: boolean): void {
    this.#set(connected ? 'ready' : 'offline');
  }

  #set(s: MatterDeviceState): void {
    if (s === this.#state) return;
    this.#state = s;
    this.#changes.emit(s);
  }

  async scan(opts: { maxPages: number; signal: AbortSignal; onProgress(p: { pagesDone: number; pageProgress: number | null }): void }): Promise<Uint8Array[]> {
    if (this.#state === 'offline') throw new MatterDeviceError({ 'zh-CN': '扫描仪未连接，请联系工作人员。', en: 'The scanner is not connected. Please ask staff.' }, 'simulated scanner unplugged');
    if (this.#fault === 'empty') throw new MatterDeviceError({ 'zh-CN': '扫描仪上没有材料，请把材料放好后重试。', en: 'Nothing is on the scanner. Place the document and try again.' }, 'no paper');
    this.#set('busy');
    try {
      const pages: Uint8Array[] = [];
      const want = Math.max(0, Math.min(opts.maxPages, this.pagesPerScan));
      this.scans += 1;
      for (let n = 1; n <= want; n++) {
        for (const f of [0.25, 0.5, 0.75]) {
          await pause(this.stepMs, opts.signal);
          opts.onProgress({ pagesDone: n - 1, pageProgress: f });
        }
        if (this.#fault === 'jam') throw new MatterDeviceError({ 'zh-CN': '扫描仪卡纸，请工作人员处理后重试。', en: 'The scanner jammed. Ask staff to clear it, then try again.' }, 'paper jam');
        pages.push(samplePage(n, this.scans));
        opts.onProgress({ pagesDone: n, pageProgress: null });
      }
      return pages;
    } finally {
      if (this.#state === 'busy') this.#set('ready');
    }
  }
}

export type PadSimFault = 'decline' | 'lostAfterDebit';

interface Sale {
  outcome: SaleOutcome;
  reversed: boolean;
}

export class SimulatedPaymentTerminal implements PaymentTerminal {
  readonly id = 'simulated:payment';
  #state: MatterDeviceState = 'ready';
  #fault: PadSimFault | null = null;
  readonly #sales = new Map<string, Sale>();
  readonly #changes = new Emitter<MatterDeviceState>();

  /**
   * `storeFile`: a real pad is a device of its own that outlives a crash of the kiosk's core, so the simulator can
   * keep its sales in a JSON-lines file (web mode: <dataDir>/payment-sim.jsonl), read back when it starts again. A
   * line is appended (one write) at every sale and reversal, before the answer; a torn last line is ignored.
   */
  constructor(
    private readonly stepMs = 200,
    private readonly storeFile: string | null = null,
  ) {
    if (storeFile === null || !existsSync(storeFile)) return;
    for (const l of readFileSync(storeFile, 'utf8').split('\n')) {
      if (l.trim() === '') continue;
      try {
        const r = JSON.parse(l) as { key?: unknown; outcome?: SaleOutcome; reversed?: unknown };
        if (typeof r.key === 'string' && r.outcome && typeof r.outcome === 'object') this.#sales.set(r.key, { outcome: r.outcome, reversed: r.reversed === true });
      } catch {
        // a torn last line (killed mid-write): that sale never answered
      }
    }
  }

  #record(key: string, sale: Sale): void {
    this.#sales.set(key, sale);
    if (this.storeFile === null) return;
    mkdirSync(dirname(this.storeFile), { recursive: true });
    appendFileSync(this.storeFile, `${JSON.stringify({ key, outcome: sale.outcome, reversed: sale.reversed })}\n`);
  }

  state(): MatterDeviceState {
    return this.#state;
  }
  onState(listener: (s: MatterDeviceState) => void): () => void {
    return this.#changes.on(listener);
  }
  get fault(): PadSimFault | null {
    return this.#fault;
  }
  setFault(fault: PadSimFault | null): void {
    this.#fault = fault;
  }
  setConnected(connected: boolean): void {
    this.#set(connected ? 'ready' : 'offline');
  }
  /** Every sale made, by key (tests and the panel). */
  sales(): { key: string; outcome: SaleOutcome['outcome']; amountFen: number | null; reversed: boolean }[] {
    return [...this.#sales].map(([key, s]) => ({ key, outcome: s.outcome.outcome, amountFen: s.outcome.outcome === 'approved' ? s.outcome.amountFen : null, reversed: s.reversed }));
  }

  #set(s: MatterDeviceState): void {
    if (s === this.#state) return;
    this.#state = s;
    this.#changes.emit(s);
  }

  #offline(): MatterDeviceError {
    return new MatterDeviceError({ 'zh-CN': '支付终端未连接，请联系工作人员。', en: 'The payment pad is not connected. Please ask staff.' }, 'simulated pad unplugged');
  }

  async sale(req: { key: string; amountFen: number; description: string; signal: AbortSignal; onPrompt(message: LocalText): void }): Promise<SaleOutcome> {
    const known = this.#sales.get(req.key);
    if (known) return known.outcome;
    if (this.#state === 'offline') throw this.#offline();
    this.#set('busy');
    try {
      req.onPrompt({ 'zh-CN': `请在支付终端上刷卡、插卡或扫码支付 ${(req.amountFen / 100).toFixed(2)} 元`, en: `Tap, insert or scan on the payment pad to pay ¥${(req.amountFen / 100).toFixed(2)}` });
      await pause(this.stepMs, req.signal);
      req.onPrompt({ 'zh-CN': '正在处理，请稍候…', en: 'Processing, please wait…' });
      await pause(this.stepMs, req.signal);
      const fault = this.#fault;
      if (fault === 'decline') {
        const outcome: SaleOutcome = { outcome: 'declined', words: { 'zh-CN': '支付未成功：银行卡余额不足。可换一张卡重试。', en: 'Payment declined: insufficient funds. You may try another card.' }, reason: 'sim decline 51' };
        this.#record(req.key, { outcome, reversed: false });
        return outcome;
      }
      const outcome: SaleOutcome = { outcome: 'approved', transactionId: `SIM-${randomBytes(6).toString('hex')}`, amountFen: req.amountFen, approvedAt: Date.now() };
      this.#record(req.key, { outcome, reversed: false });
      if (fault === 'lostAfterDebit') {
        this.#fault = null; // once: the next status query finds the approval
        throw new MatterDeviceError({ 'zh-CN': '支付结果未能确认，请再按一次"支付"查询。', en: 'The payment could not be confirmed. Press Pay again to check.' }, 'reply lost after the debit');
      }
      return outcome;
    } finally {
      if (this.#state === 'busy') this.#set('ready');
    }
  }

  async status(key: string, signal: AbortSignal): Promise<SaleOutcome | { outcome: 'unknown' }> {
    signal.throwIfAborted();
    if (this.#state === 'offline') throw this.#offline();
    const s = this.#sales.get(key);
    if (!s) return { outcome: 'unknown' };
    if (s.reversed) return { outcome: 'declined', words: { 'zh-CN': '该笔支付已撤销。', en: 'This payment was reversed.' }, reason: 'reversed' };
    return s.outcome;
  }

  async reverse(key: string, signal: AbortSignal): Promise<void> {
    signal.throwIfAborted();
    const s = this.#sales.get(key);
    if (s && s.outcome.outcome === 'approved' && !s.reversed) this.#record(key, { ...s, reversed: true });
  }
}
