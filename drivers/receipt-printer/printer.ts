/**
 * EscPosPrinter: an ESC/POS receipt printer over any Transport (serial in production).
 *
 * - LinkKeeper keeps the link open; every fresh link is handshaken (ASB enabled, DLE EOT 1–4 read)
 *   and spoken to through a PrinterLink (link.ts), which owns the line.
 * - print(): status first (paper out / cover open / cutter error → typed 'clear' error, nothing sent),
 *   then the job in chunks cut at ESC/POS command boundaries, each write awaited; status re-read at
 *   a boundary when ASB reported a problem (or every few chunks without ASB) and once at the end.
 *   Jobs run one at a time, in call order.
 * - A status poll notices paper and cover changes while idle.
 * - The GB18030 table is built by start(), so the first receipt costs what every later one costs.
 */
import {
  Counters,
  DeviceError,
  Emitter,
  errorSummary,
  deadline,
  isDeviceError,
  type DeviceErrorSummary,
  type DeviceInfo,
  type DeviceState,
  type DeviceStatusSnapshot,
  type HealthLevel,
  type HealthReport,
  type Unsubscribe,
} from '../device.js';
import { LinkKeeper, type LinkKeeperOptions } from '../transport/keeper.js';
import { Lock } from '../transport/request-link.js';
import type { TransportOpener } from '../transport/transport.js';
import { PrinterLink } from './link.js';
import { EscPosEncoder } from './protocol/encoder.js';
import { chunkAtCommands, commandGroups, countJob } from './protocol/job.js';
import { PRINTER_PROFILES, type PrinterProfile, type ProfileName } from './protocol/profiles.js';
import { faultOf, printerWarnings, type PrinterStatus } from './protocol/status.js';
import { testReceipt, warmUpReceipt, WARM_UP_RECEIPTS } from './templates.js';
import { PrintJobError, type ReceiptPrinter } from './types.js';

export { PrintJobError } from './types.js';
export { chunkAtCommands, countJob } from './protocol/job.js';

export interface EscPosPrinterOptions {
  profile?: ProfileName;
  /** How long to wait for DLE EOT replies (default 1000 ms). */
  statusTimeoutMs?: number;
  /** Bytes per write (default 256). A single command larger than this is written in pieces without status queries between them. */
  chunkSize?: number;
  /** Enable Automatic Status Back (GS a 0x0F) on every link (default true). */
  enableAsb?: boolean;
  /** Ask the model and firmware (GS I) once the link is up (default true). */
  queryInfo?: boolean;
  /** Idle status poll interval in ms (default 2000; 0 = off). */
  pollIntervalMs?: number;
  /** Without ASB, re-read status every this many chunks (default 8). */
  statusEveryChunks?: number;
  /** After a cancel, feed and cut so the partial receipt is separated (default true). */
  cutOnCancel?: boolean;
  /** Backoff settings; a handshake given here runs after the printer's own (ASB on, status read). */
  keeper?: LinkKeeperOptions;
}

/** When the receipt encoder is warmed up after start(): after the kiosk's start, long before any citizen's receipt. */
const WARM_UP_AFTER_MS = 1500;

type CounterName = 'receiptsPrinted' | 'linesPrinted' | 'cuts' | 'paperOutEvents' | 'linkDrops' | 'bytesSent' | 'garbageBytes';

export class EscPosPrinter implements ReceiptPrinter {
  readonly kind = 'receipt-printer' as const;
  readonly profile: PrinterProfile;
  readonly #opener: TransportOpener;
  readonly #keeper: LinkKeeper;
  readonly #opts: Required<Omit<EscPosPrinterOptions, 'keeper' | 'profile'>>;
  readonly #counters = new Counters<CounterName>(['receiptsPrinted', 'linesPrinted', 'cuts', 'paperOutEvents', 'linkDrops', 'bytesSent', 'garbageBytes']);
  readonly #events = new Emitter<DeviceStatusSnapshot>();
  readonly #asbEvents = new Emitter<PrinterStatus>();
  readonly #jobs = new Lock();

  #link: PrinterLink | undefined;
  #model: string | undefined;
  #firmware: string | undefined;
  #infoAsked = false;
  #linkUp = false;
  #busy = false;
  #started = false;
  #state: DeviceState = 'offline';
  #since = Date.now();
  #lastError: DeviceErrorSummary | undefined;
  /** What the printer's own status says stops printing. */
  #fault: DeviceError | undefined;
  /** What makes the line itself untrustworthy: silence, garbage. */
  #lineFault: DeviceError | undefined;
  #warnings: string[] = [];
  #last: PrinterStatus | undefined;
  #lastAsb: PrinterStatus | undefined;
  #asbProblem = false;
  #lastKey = '';
  #poll: ReturnType<typeof setInterval> | undefined;
  #polling = false;

  constructor(
    readonly id: string,
    opener: TransportOpener,
    opts: EscPosPrinterOptions = {},
  ) {
    this.#opener = opener;
    this.profile = PRINTER_PROFILES[opts.profile ?? '80mm'];
    this.#opts = {
      statusTimeoutMs: opts.statusTimeoutMs ?? 1000,
      chunkSize: opts.chunkSize ?? 256,
      enableAsb: opts.enableAsb ?? true,
      queryInfo: opts.queryInfo ?? true,
      pollIntervalMs: opts.pollIntervalMs ?? 2000,
      statusEveryChunks: opts.statusEveryChunks ?? 8,
      cutOnCancel: opts.cutOnCancel ?? true,
    };
    const extra = opts.keeper?.handshake;
    this.#keeper = new LinkKeeper(opener, {
      ...opts.keeper,
      handshake: async (t, signal) => {
        const link = this.#useLink(new PrinterLink(t, { statusTimeoutMs: this.#opts.statusTimeoutMs, onAsb: (s) => this.#onAsb(s), onGarbage: (n) => this.#counters.add('garbageBytes', n) }));
        if (this.#opts.enableAsb) await link.enableAsb(0x0f, signal);
        await this.#readStatus(link, signal);
        if (extra) await extra(t, signal);
      },
    });
    this.#keeper.on((e) => {
      if (e.type === 'up') {
        this.#linkUp = true;
        this.#lineFault = undefined;
        if (!this.#infoAsked && this.#opts.queryInfo) void this.#readInfo();
      } else {
        // A link that was up and went away (not a failed open): UnifiedPOS statistics count it.
        if (this.#linkUp) this.#counters.add('linkDrops');
        this.#linkUp = false;
        this.#useLink(undefined);
        this.#lastError = errorSummary(e.error);
      }
      this.#update();
    });
  }

  // ------------------------------------------------------------ Device

  status(): DeviceStatusSnapshot {
    const info: DeviceInfo = {
      kind: 'receipt-printer',
      transport: this.#opener.kind,
      path: this.#opener.path,
      ...(this.#model !== undefined ? { model: this.#model } : {}),
      ...(this.#firmware !== undefined ? { firmware: this.#firmware } : {}),
    };
    return {
      id: this.id,
      kind: this.kind,
      state: this.#state,
      info,
      counters: this.#counters.toJSON(),
      ...(this.#lastError ? { lastError: this.#lastError } : {}),
      warnings: [...this.#warnings],
      since: this.#since,
    };
  }

  onStatus(listener: (s: DeviceStatusSnapshot) => void): Unsubscribe {
    return this.#events.on(listener);
  }

  onAsb(listener: (s: PrinterStatus) => void): Unsubscribe {
    return this.#asbEvents.on(listener);
  }

  get lastPrinterStatus(): PrinterStatus | undefined {
    return this.#last;
  }

  /** For diagnostics: the last ASB status, if ASB is on and the printer sent any. */
  get lastAsbStatus(): PrinterStatus | undefined {
    return this.#lastAsb;
  }

  start(): void {
    if (this.#started) return;
    this.#started = true;
    // Build the GB18030 table and run the encoder on samples shortly after start-up (once the kiosk serves:
    // not in the way of its start), not on the event loop while the first citizen waits: the first receipt
    // then costs what every later one costs (bench: the first receipt of a process). One sample per event-loop
    // turn (setImmediate: I/O and the citizen's touches go between them), so the warm-up never holds the loop
    // for more than one receipt. A receipt asked for sooner builds what it needs itself.
    let sample = 0;
    const step = (): void => {
      if (!this.#started || sample >= WARM_UP_RECEIPTS) return;
      warmUpReceipt(sample++, this.profile.name);
      setImmediate(step);
    };
    const warm = setTimeout(step, WARM_UP_AFTER_MS);
    warm.unref?.();
    this.#keeper.start();
    if (this.#opts.pollIntervalMs > 0) {
      this.#poll = setInterval(() => void this.#pollOnce(), this.#opts.pollIntervalMs);
      this.#poll.unref?.();
    }
  }

  async close(): Promise<void> {
    this.#started = false;
    if (this.#poll) clearInterval(this.#poll);
    this.#poll = undefined;
    await this.#keeper.stop();
    this.#useLink(undefined);
    this.#linkUp = false;
    this.#update();
  }

  async checkHealth(level: HealthLevel, signal?: AbortSignal): Promise<HealthReport> {
    const at = (): number => Date.now();
    try {
      const s = await this.printerStatus(signal);
      const { error, warnings } = faultOf(s);
      const base = `paper ${s.paper}, cover ${s.coverOpen ? 'open' : 'closed'}, ${s.online ? 'online' : 'offline'}${warnings.length ? `, warnings: ${warnings.join(',')}` : ''}`;
      if (error) return { level, ok: false, text: `${label(level)}: ${error.message} (${base})`, checkedAt: at() };
      if (level === 'external') {
        if (!this.#opts.enableAsb) return { level, ok: true, text: `${label(level)}: ${base}; ASB disabled, real-time status only`, checkedAt: at() };
        const asb = await (await this.#ready(signal)).requestAsb(signal);
        const agree = asb.paper === s.paper && asb.coverOpen === s.coverOpen && asb.online === s.online && asb.cutterError === s.cutterError;
        return { level, ok: agree, text: `${label(level)}: ${base}; ASB ${agree ? 'agrees' : `disagrees (paper ${asb.paper}, cover ${asb.coverOpen ? 'open' : 'closed'})`}`, checkedAt: at() };
      }
      if (level === 'interactive') {
        await this.print(testReceipt({ date: new Date(), profile: this.profile.name }), signal ? { signal } : {});
        return { level, ok: true, text: `${label(level)}: test receipt printed; ${base}`, checkedAt: at() };
      }
      return { level, ok: true, text: `${label(level)}: ${base}`, checkedAt: at() };
    } catch (e) {
      const msg = isDeviceError(e) ? `${e.code}: ${e.message}` : 'health check failed';
      return { level, ok: false, text: `${label(level)}: ${msg}`, checkedAt: at() };
    }
  }

  // ------------------------------------------------------------ operations

  /** Reads DLE EOT 1–4 and merges them; updates state and warnings. */
  async printerStatus(signal?: AbortSignal): Promise<PrinterStatus> {
    return this.#readStatus(await this.#ready(signal), signal);
  }

  print(job: Uint8Array | EscPosEncoder, opts: { signal?: AbortSignal } = {}): Promise<void> {
    let bytes: Uint8Array;
    try {
      bytes = job instanceof EscPosEncoder ? job.encode() : job;
      if (!(bytes instanceof Uint8Array)) throw new DeviceError('receipt-printer', 'invalid-data', 'print job must be bytes or an EscPosEncoder', 'retry');
    } catch (e) {
      this.#counters.add('errors');
      return Promise.reject(PrintJobError.from(e, 0, 0));
    }
    return this.#jobs.run(() => this.#printNow(bytes, opts.signal));
  }

  async #printNow(bytes: Uint8Array, signal: AbortSignal | undefined): Promise<void> {
    this.#counters.add('operations');
    const total = bytes.length;
    let sent = 0;
    const onSent = (n: number): void => {
      sent += n;
      this.#counters.add('bytesSent', n);
    };
    try {
      if (signal?.aborted) throw new DeviceError('receipt-printer', 'canceled', 'print canceled before it started', 'retry');
      const link = await this.#ready(signal);
      const pre = faultOf(await this.#readStatus(link, signal));
      if (pre.error) throw pre.error;
      this.#busy = true;
      this.#asbProblem = false;
      this.#update();
      const groups = commandGroups(chunkAtCommands(bytes, this.#opts.chunkSize));
      let sinceCheck = 0;
      for (let g = 0; g < groups.length; g++) {
        const group = groups[g] as Uint8Array[];
        const before = sent;
        try {
          if (signal?.aborted) throw new DeviceError('receipt-printer', 'canceled', `print canceled after ${sent} of ${total} bytes`, 'retry', undefined, { cause: signal.reason });
          await link.writeCommand(group, signal, onSent);
        } catch (e) {
          // Canceled between commands: separate the partial receipt from the next one.
          if (signal?.aborted && sent === before) {
            await this.#afterCancel(link, sent);
            throw new DeviceError('receipt-printer', 'canceled', `print canceled after ${sent} of ${total} bytes`, 'retry', undefined, { cause: signal.reason });
          }
          throw e;
        }
        sinceCheck++;
        const periodic = !this.#opts.enableAsb && sinceCheck >= this.#opts.statusEveryChunks;
        if ((this.#asbProblem || periodic) && g < groups.length - 1) {
          sinceCheck = 0;
          const mid = faultOf(await this.#readStatus(link, signal));
          if (mid.error) throw mid.error;
          this.#asbProblem = false;
        }
      }
      const after = faultOf(await this.#readStatus(link, signal));
      if (after.error) throw after.error;
      // A job the printer took whole (UnifiedPOS statistics: receipts).
      this.#counters.add('receiptsPrinted');
    } catch (e) {
      this.#counters.add('errors');
      const err = PrintJobError.from(e, sent, total);
      if (sent > 0 && err.code === 'device-fault') {
        throw new PrintJobError(err.code, `${err.message} (during the job: ${sent} of ${total} bytes sent)`, err.action, err.fault, sent, total, { cause: e });
      }
      throw err;
    } finally {
      const done = countJob(bytes.subarray(0, sent));
      this.#counters.add('linesPrinted', done.lines);
      this.#counters.add('cuts', done.cuts);
      this.#busy = false;
      this.#update();
    }
  }

  async #afterCancel(link: PrinterLink, sent: number): Promise<void> {
    if (!this.#opts.cutOnCancel || sent === 0 || link.closed) return;
    const trailer = new EscPosEncoder(this.profile).raw([0x1c, 0x2e]).newline().cut('partial').encode();
    try {
      await link.writeCommand([trailer], undefined, (n) => this.#counters.add('bytesSent', n));
      this.#counters.add('cuts');
    } catch {
      // link lost: nothing more to separate
    }
  }

  // ------------------------------------------------------------ link and status

  /** Makes `link` the one in use (disposing the previous one). */
  #useLink<L extends PrinterLink | undefined>(link: L): L {
    if (this.#link !== link) this.#link?.dispose();
    this.#link = link;
    return link;
  }

  async #ready(signal: AbortSignal | undefined): Promise<PrinterLink> {
    const l = this.#link;
    if (l && !l.closed && this.#linkUp) return l;
    if (!this.#started) throw new DeviceError('receipt-printer', 'disconnected', 'printer not started', 'reset');
    const wait = deadline(this.#opts.statusTimeoutMs, signal);
    try {
      await this.#keeper.ready(wait.signal);
    } catch (e) {
      if (signal?.aborted) throw new DeviceError('receipt-printer', 'canceled', 'canceled while waiting for the printer link', 'retry', undefined, { cause: e });
      throw new DeviceError('receipt-printer', 'disconnected', 'printer is not connected', 'wait', undefined, { cause: e });
    } finally {
      wait.dispose();
    }
    const ready = this.#link;
    if (!ready || ready.closed) throw new DeviceError('receipt-printer', 'disconnected', 'printer is not connected', 'wait');
    return ready;
  }

  /** One status read through the link; its outcome becomes the device state. */
  async #readStatus(link: PrinterLink, signal: AbortSignal | undefined): Promise<PrinterStatus> {
    try {
      const s = await link.status(signal);
      this.#lineFault = undefined;
      this.#apply(s);
      return s;
    } catch (e) {
      if (isDeviceError(e) && (e.code === 'timeout' || e.fault === 'line-garbage')) {
        this.#lineFault = e;
        this.#lastError = errorSummary(e);
        this.#update();
      }
      throw e;
    }
  }

  /** GS I model name and firmware version, once, best effort: printers that do not answer leave them undefined. */
  async #readInfo(): Promise<void> {
    this.#infoAsked = true;
    const ask = async (n: 0x41 | 0x43): Promise<string | undefined> => {
      const link = this.#link;
      if (!link || link.closed || this.#busy) return undefined;
      return link.info(n);
    };
    const model = await ask(0x43);
    const firmware = model === undefined ? undefined : await ask(0x41);
    if (model === undefined) this.#infoAsked = false; // try again on the next link
    this.#model = model?.trim() || undefined;
    this.#firmware = firmware?.trim() || undefined;
    this.#lastKey = '';
    this.#update();
  }

  #onAsb(s: PrinterStatus): void {
    this.#lastAsb = s;
    this.#asbEvents.emit(s);
    if (faultOf(s).error && this.#busy) this.#asbProblem = true;
    this.#apply(s);
  }

  async #pollOnce(): Promise<void> {
    if (this.#polling || this.#busy || !this.#linkUp || !this.#link) return;
    this.#polling = true;
    try {
      await this.printerStatus();
    } catch {
      // recorded in lastError / state by #readStatus
    } finally {
      this.#polling = false;
    }
  }

  #apply(s: PrinterStatus): void {
    if (s.paper === 'out' && this.#last?.paper !== 'out') this.#counters.add('paperOutEvents');
    this.#last = s;
    const { error } = faultOf(s);
    this.#warnings = printerWarnings(s);
    this.#fault = error;
    if (error) this.#lastError = errorSummary(error);
    this.#update();
  }

  #update(): void {
    let state: DeviceState;
    if (!this.#linkUp) state = 'offline';
    else if (this.#busy) state = 'busy';
    else if (this.#lineFault || this.#fault) state = 'error';
    else state = 'online';
    if (state !== this.#state) {
      this.#state = state;
      this.#since = Date.now();
    }
    const key = JSON.stringify([this.#state, this.#warnings, this.#lastError?.fault, this.#lastError?.code, this.#lastError?.at]);
    if (key !== this.#lastKey) {
      this.#lastKey = key;
      this.#events.emit(this.status());
    }
  }
}


function label(level: HealthLevel): string {
  return level === 'internal' ? 'Internal HCheck' : level === 'external' ? 'External HCheck' : 'Interactive HCheck';
}
