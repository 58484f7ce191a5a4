/**
 * EscPosPrinter: an ESC/POS receipt printer over any Transport (serial in production).
 *
 * - LinkKeeper keeps the link open; every fresh link is handshaken (ASB enabled, DLE EOT 1–4 read).
 * - print(): status first (paper out / cover open / cutter error → typed 'clear' error, nothing sent),
 *   then the job in chunks cut at ESC/POS command boundaries, each write awaited; status re-read at
 *   a boundary when ASB reported a problem (or every few chunks without ASB) and once at the end.
 * - A status poll notices paper and cover changes while idle.
 * Status queries are never sent inside another command's parameter bytes.
 */
import {
  Counters,
  DeviceError,
  Emitter,
  isDeviceError,
  withSignal,
  type Device,
  type DeviceErrorSummary,
  type DeviceInfo,
  type DeviceState,
  type DeviceStatusSnapshot,
  type HealthLevel,
  type HealthReport,
  type NextAction,
  type Unsubscribe,
  deadline,
} from '../device.js';
import { LinkKeeper, type LinkKeeperOptions } from '../transport/keeper.js';
import type { Transport, TransportOpener } from '../transport/transport.js';
import { parseCommand } from './protocol/decoder.js';
import { EscPosEncoder } from './protocol/encoder.js';
import { PRINTER_PROFILES, type PrinterProfile, type ProfileName } from './protocol/profiles.js';
import {
  asbEnableRequest,
  faultOf,
  infoRequest,
  mergeRealtime,
  parseStatusBytes,
  realtimeStatusRequest,
  type PrinterStatus,
  type RealtimeN,
  type RealtimePart,
} from './protocol/status.js';
import { testReceipt } from './templates.js';

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

/** A print job failed; `sentBytes` of `totalBytes` reached the printer. */
export class PrintJobError extends DeviceError {
  constructor(
    code: DeviceError['code'],
    message: string,
    action: NextAction,
    fault: string | undefined,
    readonly sentBytes: number,
    readonly totalBytes: number,
    options?: { cause?: unknown },
  ) {
    super('receipt-printer', code, message, action, fault, options);
  }

  static from(e: unknown, sent: number, total: number): PrintJobError {
    if (e instanceof PrintJobError) return e;
    if (isDeviceError(e)) return new PrintJobError(e.code, e.message, e.action, e.fault, sent, total, { cause: e });
    return new PrintJobError('protocol', e instanceof Error ? e.message : 'print failed', 'reset', undefined, sent, total, { cause: e });
  }
}

interface PendingReply {
  n: RealtimeN;
  resolve: (p: RealtimePart) => void;
  reject: (e: DeviceError) => void;
}

interface Chunk {
  bytes: Uint8Array;
  /** The chunk ends at a command boundary: a status query may follow it. */
  boundary: boolean;
}

/** Splits a job into chunks of about `size` bytes, cut only at command boundaries (oversized commands are split, marked non-boundary). */
export function chunkAtCommands(bytes: Uint8Array, size: number): Chunk[] {
  const out: Chunk[] = [];
  let start = 0;
  let off = 0;
  while (off < bytes.length) {
    const r = parseCommand(bytes.subarray(off));
    const len = r.consumed === 0 ? bytes.length - off : r.consumed;
    if (off + len - start > size && off > start) {
      out.push({ bytes: bytes.subarray(start, off), boundary: true });
      start = off;
    }
    off += len;
    if (off - start > size) {
      // one command larger than a chunk: pieces, only the last one ends at a boundary
      for (let p = start; p < off; p += size) {
        const end = Math.min(off, p + size);
        out.push({ bytes: bytes.subarray(p, end), boundary: end === off });
      }
      start = off;
    }
  }
  if (start < bytes.length) out.push({ bytes: bytes.subarray(start), boundary: true });
  return out;
}

/** Printed lines (LF and ESC d) and cuts in a byte string. */
export function countJob(bytes: Uint8Array): { lines: number; cuts: number } {
  let lines = 0;
  let cuts = 0;
  let off = 0;
  while (off < bytes.length) {
    const r = parseCommand(bytes.subarray(off));
    if (r.consumed === 0) break;
    off += r.consumed;
    if (r.command?.op === 'lf') lines++;
    else if (r.command?.op === 'cut') cuts++;
  }
  return { lines, cuts };
}

type CounterName = 'linesPrinted' | 'cuts' | 'paperOutEvents' | 'bytesSent';

export class EscPosPrinter implements Device {
  readonly kind = 'receipt-printer' as const;
  readonly profile: PrinterProfile;
  readonly #opener: TransportOpener;
  readonly #keeper: LinkKeeper;
  readonly #opts: Required<Omit<EscPosPrinterOptions, 'keeper' | 'profile'>>;
  readonly #counters = new Counters<CounterName>(['linesPrinted', 'cuts', 'paperOutEvents', 'bytesSent']);
  readonly #events = new Emitter<DeviceStatusSnapshot>();
  readonly #asbEvents = new Emitter<PrinterStatus>();

  #transport: Transport | undefined;
  #unsub: Unsubscribe[] = [];
  #rx: Uint8Array = new Uint8Array(0);
  #pending: PendingReply[] = [];
  #infoWaiter: ((text: string) => void) | undefined;
  #model: string | undefined;
  #firmware: string | undefined;
  #infoAsked = false;
  #queryChain: Promise<unknown> = Promise.resolve();
  #jobChain: Promise<unknown> = Promise.resolve();
  /** Serialises writes: a command written in pieces holds it, so no query lands inside its parameters. */
  #writeChain: Promise<unknown> = Promise.resolve();

  #linkUp = false;
  #busy = false;
  #started = false;
  #state: DeviceState = 'offline';
  #since = Date.now();
  #lastError: DeviceErrorSummary | undefined;
  #fault: DeviceError | undefined;
  #silent = false;
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
        await this.#handshake(t, signal);
        if (extra) await extra(t, signal);
      },
    });
    this.#keeper.on((e) => {
      if (e.type === 'up') {
        this.#linkUp = true;
        this.#silent = false;
        if (!this.#infoAsked && this.#opts.queryInfo) void this.#readInfo();
      } else {
        this.#linkUp = false;
        this.#lastError = summary(e.error);
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

  /** Every Automatic Status Back block the printer sends (decoded). */
  onAsb(listener: (s: PrinterStatus) => void): Unsubscribe {
    return this.#asbEvents.on(listener);
  }

  /** The last status read (DLE EOT or ASB), if any. */
  get lastPrinterStatus(): PrinterStatus | undefined {
    return this.#last;
  }

  start(): void {
    if (this.#started) return;
    this.#started = true;
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
    this.#detach(new DeviceError('receipt-printer', 'disconnected', 'printer closed', 'reset'));
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
        const asb = await this.#requestAsb(signal);
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
    const t = await this.#link(signal);
    try {
      const s = await this.#readStatus(t, signal);
      return s;
    } catch (e) {
      if (isDeviceError(e) && e.code === 'timeout') {
        this.#silent = true;
        this.#lastError = summary(e);
        this.#update();
      }
      throw e;
    }
  }

  /** Prints ESC/POS bytes (or an encoder's output). Jobs run one at a time, in call order. */
  print(job: Uint8Array | EscPosEncoder, opts: { signal?: AbortSignal } = {}): Promise<void> {
    let bytes: Uint8Array;
    try {
      bytes = job instanceof EscPosEncoder ? job.encode() : job;
      if (!(bytes instanceof Uint8Array)) throw new DeviceError('receipt-printer', 'invalid-data', 'print job must be bytes or an EscPosEncoder', 'retry');
    } catch (e) {
      this.#counters.add('errors');
      return Promise.reject(PrintJobError.from(e, 0, 0));
    }
    const run = this.#jobChain.then(
      () => this.#printNow(bytes, opts.signal),
      () => this.#printNow(bytes, opts.signal),
    );
    this.#jobChain = run.catch(() => undefined);
    return run;
  }

  async #printNow(bytes: Uint8Array, signal: AbortSignal | undefined): Promise<void> {
    this.#counters.add('operations');
    const total = bytes.length;
    let sent = 0;
    try {
      if (signal?.aborted) throw new DeviceError('receipt-printer', 'canceled', 'print canceled before it started', 'retry');
      const t = await this.#link(signal);
      const before = await this.#readStatus(t, signal);
      const pre = faultOf(before);
      if (pre.error) throw pre.error;
      this.#busy = true;
      this.#asbProblem = false;
      this.#update();
      const chunks = chunkAtCommands(bytes, this.#opts.chunkSize);
      let sinceCheck = 0;
      let i = 0;
      while (i < chunks.length) {
        if (signal?.aborted) {
          await this.#afterCancel(t, sent);
          throw new DeviceError('receipt-printer', 'canceled', `print canceled after ${sent} of ${total} bytes`, 'retry', undefined, { cause: signal.reason });
        }
        // One command may span several chunks: once its first piece is out, the rest follows
        // without the signal, so the printer is never left waiting inside a command's parameters.
        let canceledAtStart = false;
        await this.#exclusiveWrite(async () => {
          let first = true;
          do {
            const c = chunks[i];
            if (!c) break;
            try {
              await t.write(c.bytes, first ? signal : undefined);
            } catch (e) {
              canceledAtStart = first && signal?.aborted === true;
              throw e;
            }
            i++;
            first = false;
            sent += c.bytes.length;
            this.#counters.add('bytesSent', c.bytes.length);
            if (c.boundary) break;
          } while (i < chunks.length);
        }).catch(async (e: unknown) => {
          if (canceledAtStart) await this.#afterCancel(t, sent);
          throw e;
        });
        sinceCheck++;
        const periodic = !this.#opts.enableAsb && sinceCheck >= this.#opts.statusEveryChunks;
        if ((this.#asbProblem || periodic) && i < chunks.length) {
          sinceCheck = 0;
          const mid = faultOf(await this.#readStatus(t, signal));
          if (mid.error) throw mid.error;
          this.#asbProblem = false;
        }
      }
      const after = faultOf(await this.#readStatus(t, signal));
      if (after.error) throw after.error;
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

  async #afterCancel(t: Transport, sent: number): Promise<void> {
    if (!this.#opts.cutOnCancel || sent === 0 || !t.isOpen) return;
    const trailer = new EscPosEncoder(this.profile).raw([0x1c, 0x2e]).newline().cut('partial').encode();
    try {
      await this.#exclusiveWrite(() => t.write(trailer));
      this.#counters.add('bytesSent', trailer.length);
      this.#counters.add('cuts');
    } catch {
      // link lost: nothing more to separate
    }
  }

  // ------------------------------------------------------------ link and status

  async #handshake(t: Transport, signal: AbortSignal): Promise<void> {
    this.#attach(t);
    if (this.#opts.enableAsb) await withSignal(this.#exclusiveWrite(() => t.write(asbEnableRequest(0x0f), signal)), signal, 'receipt-printer');
    await this.#readStatus(t, signal);
  }

  #exclusiveWrite<T>(fn: () => Promise<T>): Promise<T> {
    const p = this.#writeChain.then(fn, fn);
    this.#writeChain = p.catch(() => undefined);
    return p;
  }

  async #link(signal: AbortSignal | undefined): Promise<Transport> {
    const t = this.#transport;
    if (t?.isOpen && this.#linkUp) return t;
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
    const ready = this.#transport;
    if (!ready?.isOpen) throw new DeviceError('receipt-printer', 'disconnected', 'printer is not connected', 'wait');
    return ready;
  }

  #attach(t: Transport): void {
    this.#detach(new DeviceError('receipt-printer', 'disconnected', 'link replaced', 'retry'));
    this.#transport = t;
    this.#rx = new Uint8Array(0);
    this.#unsub = [
      t.onData((chunk) => this.#onData(chunk)),
      t.onClose((err) => {
        if (this.#transport !== t) return;
        this.#detach(err ?? new DeviceError('receipt-printer', 'disconnected', 'printer link closed', 'wait'));
      }),
    ];
  }

  #detach(reason: DeviceError): void {
    for (const u of this.#unsub) u();
    this.#unsub = [];
    this.#transport = undefined;
    const pending = this.#pending;
    this.#pending = [];
    for (const p of pending) p.reject(new DeviceError('receipt-printer', reason.code, reason.message, reason.action, reason.fault, { cause: reason }));
  }

  #onData(chunk: Uint8Array): void {
    const buf = new Uint8Array(this.#rx.length + chunk.length);
    buf.set(this.#rx);
    buf.set(chunk, this.#rx.length);
    let off = 0;
    while (off < buf.length) {
      const r = parseStatusBytes(buf.subarray(off), this.#pending[0]?.n);
      if (r.consumed === 0) break;
      off += r.consumed;
      const ev = r.event;
      if (ev?.kind === 'realtime') this.#pending.shift()?.resolve(ev.status);
      else if (ev?.kind === 'asb') this.#onAsb(ev.status);
      else if (ev?.kind === 'info') {
        const w = this.#infoWaiter;
        this.#infoWaiter = undefined;
        w?.(ev.text);
      }
      // r.error: a stray byte (noise, a reply we gave up on) is dropped
    }
    this.#rx = buf.slice(off);
  }

  #onAsb(s: PrinterStatus): void {
    this.#lastAsb = s;
    this.#asbEvents.emit(s);
    if (faultOf(s).error && this.#busy) this.#asbProblem = true;
    this.#apply(s);
  }

  /** Sends DLE EOT 1–4 (queries are serialised) and merges the replies. */
  #readStatus(t: Transport, signal: AbortSignal | undefined): Promise<PrinterStatus> {
    const run = async (): Promise<PrinterStatus> => {
      const ns: RealtimeN[] = [1, 2, 3, 4];
      const replies = ns.map(
        (n) =>
          new Promise<RealtimePart>((resolve, reject) => {
            this.#pending.push({ n, resolve, reject });
          }),
      );
      const req = new Uint8Array(12);
      ns.forEach((n, i) => req.set(realtimeStatusRequest(n), i * 3));
      let timer: ReturnType<typeof setTimeout> | undefined;
      const timeout = new Promise<never>((_, reject) => {
        timer = setTimeout(
          () => reject(new DeviceError('receipt-printer', 'timeout', `no status reply within ${this.#opts.statusTimeoutMs} ms`, 'reset', 'no-reply')),
          this.#opts.statusTimeoutMs,
        );
      });
      try {
        await withSignal(this.#exclusiveWrite(() => t.write(req, signal)), signal, 'receipt-printer');
        const parts = await withSignal(Promise.race([Promise.all(replies), timeout]), signal, 'receipt-printer');
        const s = mergeRealtime(parts);
        this.#silent = false;
        this.#apply(s);
        return s;
      } catch (e) {
        // forget our outstanding replies so late bytes are not taken for the next query's
        const mine = new Set(this.#pending.filter((p) => ns.includes(p.n)));
        this.#pending = this.#pending.filter((p) => !mine.has(p));
        for (const r of replies) r.catch(() => undefined);
        throw e;
      } finally {
        clearTimeout(timer);
      }
    };
    const p = this.#queryChain.then(run, run);
    this.#queryChain = p.catch(() => undefined);
    return p;
  }

  /** GS I model name and firmware version, once, best effort: printers that do not answer leave them undefined. */
  async #readInfo(): Promise<void> {
    this.#infoAsked = true;
    const ask = (n: 0x41 | 0x43): Promise<string | undefined> => {
      const run = async (): Promise<string | undefined> => {
        const t = this.#transport;
        if (!t?.isOpen || this.#busy) return undefined;
        let timer: ReturnType<typeof setTimeout> | undefined;
        const reply = new Promise<string | undefined>((resolve) => {
          this.#infoWaiter = resolve;
          timer = setTimeout(() => resolve(undefined), Math.min(500, this.#opts.statusTimeoutMs));
        });
        try {
          await this.#exclusiveWrite(() => t.write(infoRequest(n)));
          return await reply;
        } catch {
          return undefined;
        } finally {
          clearTimeout(timer);
          this.#infoWaiter = undefined;
        }
      };
      // replies carry their own 0x5F header, so this need not wait for status queries
      return run();
    };
    const model = await ask(0x43);
    const firmware = model === undefined ? undefined : await ask(0x41);
    if (model === undefined) this.#infoAsked = false; // try again on the next link
    this.#model = model?.trim() || undefined;
    this.#firmware = firmware?.trim() || undefined;
    this.#lastKey = '';
    this.#update();
  }

  async #requestAsb(signal: AbortSignal | undefined): Promise<PrinterStatus> {
    const t = await this.#link(signal);
    const got = new Promise<PrinterStatus>((resolve, reject) => {
      const timer = setTimeout(() => {
        off();
        reject(new DeviceError('receipt-printer', 'timeout', 'no Automatic Status Back block after GS a', 'reset', 'no-asb'));
      }, this.#opts.statusTimeoutMs);
      const off = this.#asbEvents.on((s) => {
        clearTimeout(timer);
        off();
        resolve(s);
      });
    });
    await withSignal(this.#exclusiveWrite(() => t.write(asbEnableRequest(0x0f), signal)), signal, 'receipt-printer');
    return withSignal(got, signal, 'receipt-printer');
  }

  async #pollOnce(): Promise<void> {
    if (this.#polling || this.#busy || !this.#linkUp || !this.#transport) return;
    this.#polling = true;
    try {
      await this.printerStatus();
    } catch {
      // recorded in lastError / state by printerStatus
    } finally {
      this.#polling = false;
    }
  }

  #apply(s: PrinterStatus): void {
    if (s.paper === 'out' && this.#last?.paper !== 'out') this.#counters.add('paperOutEvents');
    this.#last = s;
    const { error, warnings } = faultOf(s);
    this.#warnings = warnings;
    this.#fault = error;
    if (error) this.#lastError = summary(error);
    this.#update();
  }

  #update(): void {
    let state: DeviceState;
    if (!this.#linkUp) state = 'offline';
    else if (this.#busy) state = 'busy';
    else if (this.#silent || this.#fault) state = 'error';
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

  /** For diagnostics: the last ASB status, if ASB is on and the printer sent any. */
  get lastAsbStatus(): PrinterStatus | undefined {
    return this.#lastAsb;
  }
}

function summary(e: DeviceError): DeviceErrorSummary {
  return { code: e.code, action: e.action, ...(e.fault !== undefined ? { fault: e.fault } : {}), message: e.message, at: Date.now() };
}

function label(level: HealthLevel): string {
  return level === 'internal' ? 'Internal HCheck' : level === 'external' ? 'External HCheck' : 'Interactive HCheck';
}
