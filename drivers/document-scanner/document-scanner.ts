/**
 * SanedScanner: the document scanner over the SANE network protocol, talking to saned (or the simulator).
 *
 * - The control connection is kept open by a LinkKeeper; every fresh connection must answer INIT, and
 *   the configured device must be listed by GET_DEVICES for the scanner to count as online.
 * - A scan is one job on the link: OPEN → options by name (source, mode, resolution, area) → per frame
 *   GET_PARAMETERS → START → data connection → GET_PARAMETERS → records until the end marker → … → CANCEL → CLOSE.
 *   (The data connection is opened before the next RPC: saned reads no request until it has accepted it.)
 * - ADF: START again for every page until NO_DOCS (NO_DOCS on the first START = nothing to scan).
 * - The AbortSignal cancels at the scanner: CANCEL on the control connection, the data connection closed.
 * - Progress events while data arrives; pages become PNG, optionally one PDF of all pages.
 * - SANE statuses become typed DeviceErrors with their next action (protocol/status.ts).
 *
 * No citizen data passes through here except the page images, which go only to the caller.
 */
import {
  Counters,
  DeviceError,
  Emitter,
  canceledError,
  isDeviceError,
  type DeviceErrorSummary,
  type DeviceInfo,
  type DeviceState,
  type DeviceStatusSnapshot,
  type HealthLevel,
  type HealthReport,
  type Unsubscribe,
} from '../device.js';
import { FrameReader } from '../transport/frame-reader.js';
import { LinkKeeper, type LinkEvent, type LinkKeeperOptions } from '../transport/keeper.js';
import { TcpTransport } from '../transport/tcp.js';
import type { Transport } from '../transport/transport.js';
import type { SaneConnector } from './connector.js';
import { FrameAssembler, composePage, encodePng, type RawFrame } from './image.js';
import { SaneLink, type SaneCredentials } from './link.js';
import { pagesToPdf } from './pdf.js';
import { ACTION, INFO, OPTION_NAME, STATUS } from './protocol/constants.js';
import { MAX_RECORD_BYTES, parseDataRecord, type DataFrame } from './protocol/data.js';
import type { ScanParameters } from './protocol/messages.js';
import type { OptionDescriptor, OptionValue } from './protocol/options.js';
import { saneStatusError } from './protocol/status.js';
import { SaneProtocolError } from './protocol/wire.js';
import {
  canonicalMode,
  canonicalSource,
  chooseWord,
  describeCapabilities,
  findOption,
  geometryFor,
  nearestAllowed,
  resolutionOptions,
  settable,
  stringList,
  wordToNumber,
  type IndexedOption,
} from './settings.js';
import type {
  DocumentScanner,
  SaneDeviceEntry,
  ScanMode,
  ScanOptions,
  ScanProgress,
  ScanRequest,
  ScanResult,
  ScanSettings,
  ScanSource,
  ScannedPage,
  ScannerCapabilities,
} from './types.js';

export interface SanedScannerTimeouts {
  /** Ordinary RPCs (options, parameters, cancel, close). Default 10 s. */
  rpcMs?: number;
  /** GET_DEVICES and OPEN, which make backends probe USB. Default 30 s. */
  probeMs?: number;
  /** START: lamp warm-up and paper pick. Default 60 s. */
  startMs?: number;
  /** The data connection may stay silent this long. Default 30 s. */
  dataIdleMs?: number;
  /** CANCEL / CLOSE after an abort. Default 5 s. */
  cancelMs?: number;
}

export interface SanedScannerOptions {
  /** SANE device name as saned lists it (`scanimage -L` without the `net:host:` prefix), e.g. 'test:0'. '' = the first device. */
  device: string;
  /** Applied where a ScanRequest is silent. */
  defaults?: Omit<ScanRequest, 'pdf'>;
  /** INIT's user name. Default 'kiosk'. */
  username?: string;
  /** For saned.users (AUTHORIZE). */
  credentials?: SaneCredentials;
  timeouts?: SanedScannerTimeouts;
  keeper?: LinkKeeperOptions;
  /** How long an operation waits for the control connection to come up. Default 5 s; 0 = fail at the first failed connect. */
  linkWaitMs?: number;
}

const COUNTER_NAMES = [
  'scans',
  'pagesScanned',
  'framesScanned',
  'bytesReceived',
  'cancels',
  'jams',
  'noDocuments',
  'coverOpen',
  'busy',
  'protocolErrors',
  'timeouts',
  'authorizations',
  'linkUps',
  'linkDrops',
  'openFailures',
] as const;
type CounterName = (typeof COUNTER_NAMES)[number];

const DEFAULT_MAX_PAGES = 50;

function summary(e: DeviceError): DeviceErrorSummary {
  return { code: e.code, action: e.action, ...(e.fault !== undefined ? { fault: e.fault } : {}), message: e.message, at: Date.now() };
}

/**
 * Any failure as a scanner DeviceError. Transport errors keep their code; a lost connection is 'wait'
 * whatever the transport said, because the LinkKeeper reopens it by itself.
 */
function asScannerError(e: unknown, what: string): DeviceError {
  if (isDeviceError(e)) {
    const action = e.code === 'disconnected' ? 'wait' : e.action;
    if (e.device === 'scanner' && action === e.action) return e;
    return new DeviceError('scanner', e.code, e.device === 'scanner' ? e.message : `${what}: ${e.message}`, action, e.fault, { cause: e });
  }
  return new DeviceError('scanner', 'protocol', `${what}: unexpected failure (${e instanceof Error ? e.message : String(e)})`, 'reset', undefined, { cause: e });
}

/** Device faults that leave the scanner in 'error' until the next success. */
const FAULT_STATE = new Set(['paper-jam', 'cover-open', 'io-error', 'out-of-memory', 'access-denied']);

interface Job {
  link: SaneLink;
  handle: number;
  signal: AbortSignal | undefined;
}

export class SanedScanner implements DocumentScanner {
  readonly kind = 'scanner' as const;
  readonly #keeper: LinkKeeper;
  readonly #connector: SaneConnector;
  readonly #o: SanedScannerOptions;
  readonly #t: Required<SanedScannerTimeouts>;
  readonly #counters = new Counters<CounterName>(COUNTER_NAMES);
  readonly #statusEvents = new Emitter<DeviceStatusSnapshot>();
  readonly #progressEvents = new Emitter<ScanProgress>();
  readonly #info: DeviceInfo;
  #state: DeviceState = 'offline';
  #since = Date.now();
  #lastError: DeviceErrorSummary | undefined;
  #lastLinkError: DeviceError | undefined;
  #link: SaneLink | undefined;
  #handshaken: SaneLink | undefined;
  #started = false;
  #scanning = false;
  /** Whether GET_DEVICES listed the configured device (false: 'no-device' instead of 'online'). */
  #listed = true;
  #unsubKeeper: Unsubscribe | undefined;

  constructor(
    readonly id: string,
    connector: SaneConnector,
    opts: SanedScannerOptions,
  ) {
    this.#connector = connector;
    this.#o = opts;
    const t = opts.timeouts ?? {};
    this.#t = { rpcMs: t.rpcMs ?? 10_000, probeMs: t.probeMs ?? 30_000, startMs: t.startMs ?? 60_000, dataIdleMs: t.dataIdleMs ?? 30_000, cancelMs: t.cancelMs ?? 5000 };
    this.#info = { kind: 'scanner', transport: 'network', path: `${connector.address}/${opts.device}` };
    const userHandshake = opts.keeper?.handshake;
    this.#keeper = new LinkKeeper(connector.control, {
      ...opts.keeper,
      handshake: async (tr, signal) => {
        if (userHandshake) await userHandshake(tr, signal);
        await this.#handshake(tr, signal);
      },
    });
  }

  // ------------------------------------------------------------------ Device

  status(): DeviceStatusSnapshot {
    return {
      id: this.id,
      kind: this.kind,
      state: this.#state,
      info: { ...this.#info },
      counters: this.#counters.toJSON(),
      ...(this.#lastError ? { lastError: { ...this.#lastError } } : {}),
      warnings: [],
      since: this.#since,
    };
  }

  onStatus(listener: (s: DeviceStatusSnapshot) => void): Unsubscribe {
    return this.#statusEvents.on(listener);
  }

  onProgress(listener: (p: ScanProgress) => void): Unsubscribe {
    return this.#progressEvents.on(listener);
  }

  start(): void {
    if (this.#started) return;
    this.#started = true;
    this.#unsubKeeper = this.#keeper.on((e) => this.#onLink(e));
    this.#keeper.start();
  }

  async close(): Promise<void> {
    this.#started = false;
    this.#unsubKeeper?.();
    this.#unsubKeeper = undefined;
    const link = this.#link;
    this.#link = undefined;
    await link?.exit(); // a polite EXIT; the keeper then closes the connection and stops reopening it
    await this.#keeper.stop();
    this.#setState('offline');
  }

  async checkHealth(level: HealthLevel, signal?: AbortSignal): Promise<HealthReport> {
    const at = (ok: boolean, text: string): HealthReport => ({ level, ok, text, checkedAt: Date.now() });
    try {
      const link = await this.#ready(signal);
      const v = link.serverVersion;
      const server = `${this.#connector.address} answers (SANE ${v ? `${v.major}.${v.minor}, net protocol ${v.protocol}` : '?'})`;
      if (level === 'internal') return at(true, server);
      const caps = await this.capabilities(signal);
      const ext = `${server}; ${caps.device} opens with ${caps.optionCount} options (modes ${caps.modes.map((m) => m.name).join('/') || '—'}, sources ${caps.sources.map((s) => s.name).join('/') || '—'})`;
      if (level === 'external') return at(true, ext);
      const source = caps.sources.some((s) => s.source === 'flatbed') ? 'flatbed' : undefined;
      const res = caps.resolutions === null ? undefined : 'list' in caps.resolutions ? Math.min(...caps.resolutions.list) : Math.max(caps.resolutions.min, 50);
      const r = await this.scan({ mode: 'gray', ...(res !== undefined ? { resolution: res } : {}), ...(source ? { source } : {}), maxPages: 1 }, signal ? { signal } : {});
      const p = r.pages[0];
      return at(true, `${ext}; test page scanned: ${p ? `${p.width} × ${p.height} px at ${p.resolution ?? '?'} dpi` : 'none'}`);
    } catch (e) {
      const err = asScannerError(e, 'health check');
      return at(false, `${this.#connector.address}: ${err.message}`);
    }
  }

  // ------------------------------------------------------------------ link

  async #handshake(t: Transport, signal: AbortSignal): Promise<void> {
    const link = new SaneLink(t, {
      ...(this.#o.username !== undefined ? { username: this.#o.username } : {}),
      ...(this.#o.credentials ? { credentials: this.#o.credentials } : {}),
      hooks: {
        protocolError: () => this.#counters.add('protocolErrors'),
        authorized: () => this.#counters.add('authorizations'),
      },
    });
    try {
      const v = await link.init({ signal, timeoutMs: this.#t.rpcMs, op: 'INIT' });
      this.#info.firmware = `SANE ${v.major}.${v.minor} (net protocol ${v.protocol})`;
    } catch (e) {
      link.dispose();
      throw e;
    }
    this.#handshaken = link;
  }

  #onLink(e: LinkEvent): void {
    if (e.type === 'up') {
      const link = this.#handshaken;
      this.#handshaken = undefined;
      if (!link || link.transport !== e.transport) return;
      this.#link = link;
      this.#lastLinkError = undefined;
      this.#counters.add('linkUps');
      void this.#probeDevice(link);
      return;
    }
    this.#link?.dispose();
    this.#link = undefined;
    const err = asScannerError(e.error, 'cannot reach saned');
    this.#lastLinkError = err;
    if (e.attempt === 0 && this.#state !== 'offline') this.#counters.add('linkDrops');
    else this.#counters.add('openFailures');
    this.#lastError = summary(err);
    this.#setState('offline');
  }

  /** After a fresh link: is the configured device listed? */
  async #probeDevice(link: SaneLink): Promise<void> {
    try {
      const devices = await link.exclusive(() => this.#getDevices(link, undefined));
      const want = this.#o.device;
      const found = want === '' ? devices[0] : devices.find((d) => d.name === want);
      this.#listed = found !== undefined;
      if (found) {
        this.#info.model = `${found.vendor} ${found.model}`.trim();
        if (!this.#scanning) this.#setState(this.#state === 'error' ? 'error' : 'online');
      } else {
        this.#lastError = summary(
          new DeviceError('scanner', 'not-found', `saned does not list device "${want}" (it lists ${devices.map((d) => d.name).join(', ') || 'none'})`, 'maintenance', 'device-not-listed'),
        );
        this.#setState('no-device');
      }
    } catch (e) {
      if (link === this.#link) this.#lastError = summary(asScannerError(e, 'GET_DEVICES'));
    }
  }

  /** The control link, waiting up to `linkWaitMs` for it to come up (0: until the first failed connect). */
  async #ready(signal: AbortSignal | undefined): Promise<SaneLink> {
    if (signal?.aborted) throw canceledError('scanner', signal.reason);
    const now = this.#link;
    if (now && !now.closed) return now;
    if (!this.#started) throw new DeviceError('scanner', 'not-found', 'the scanner is not started', 'reset', 'not-started');
    const waitMs = this.#o.linkWaitMs ?? 5000;
    const began = Date.now();
    const ac = new AbortController();
    const giveUp = (): void => ac.abort();
    const timer = waitMs > 0 ? setTimeout(giveUp, waitMs) : undefined;
    signal?.addEventListener('abort', giveUp, { once: true });
    // #onLink (subscribed first) has recorded the error by the time this listener runs.
    const unsub = this.#keeper.on((e) => {
      if (e.type === 'down' && Date.now() - began + e.retryInMs >= waitMs) giveUp();
    });
    try {
      await this.#keeper.ready(ac.signal);
    } catch {
      if (signal?.aborted) throw canceledError('scanner', signal.reason);
      throw this.#lastLinkError ?? new DeviceError('scanner', 'timeout', `${this.#connector.address}: no connection within ${waitMs} ms`, 'wait', 'no-connection');
    } finally {
      if (timer !== undefined) clearTimeout(timer);
      signal?.removeEventListener('abort', giveUp);
      unsub();
    }
    const link = this.#link;
    if (!link) throw this.#lastLinkError ?? new DeviceError('scanner', 'disconnected', `${this.#connector.address}: connection lost`, 'wait');
    return link;
  }

  #setState(s: DeviceState): void {
    if (s === this.#state) return;
    this.#state = s;
    this.#since = Date.now();
    this.#statusEvents.emit(this.status());
  }

  #recordError(e: DeviceError): void {
    this.#counters.add('errors');
    if (e.fault === 'paper-jam') this.#counters.add('jams');
    else if (e.fault === 'no-document') this.#counters.add('noDocuments');
    else if (e.fault === 'cover-open') this.#counters.add('coverOpen');
    else if (e.code === 'busy') this.#counters.add('busy');
    else if (e.code === 'timeout') this.#counters.add('timeouts');
    else if (e instanceof SaneProtocolError) this.#counters.add('protocolErrors');
    if (e.code === 'canceled') this.#counters.add('cancels');
    this.#lastError = summary(e);
  }

  // ------------------------------------------------------------------ RPC helpers

  async #getDevices(link: SaneLink, signal: AbortSignal | undefined): Promise<SaneDeviceEntry[]> {
    const r = await link.call({ rpc: 'GET_DEVICES' }, { signal, timeoutMs: this.#t.probeMs });
    if (r.status !== STATUS.GOOD) throw saneStatusError(r.status, 'GET_DEVICES');
    return r.devices;
  }

  async #open(link: SaneLink, signal: AbortSignal | undefined): Promise<number> {
    const r = await link.call({ rpc: 'OPEN', deviceName: this.#o.device }, { signal, timeoutMs: this.#t.probeMs, op: `OPEN ${this.#o.device}` });
    if (r.status === STATUS.INVAL) {
      throw new DeviceError('scanner', 'not-found', `OPEN ${this.#o.device}: saned has no such device (see kioskctl scanner list)`, 'maintenance', 'device-not-listed');
    }
    if (r.status !== STATUS.GOOD) throw saneStatusError(r.status, `OPEN ${this.#o.device}`);
    return r.handle;
  }

  async #options(job: Job): Promise<OptionDescriptor[]> {
    const r = await job.link.call({ rpc: 'GET_OPTION_DESCRIPTORS', handle: job.handle }, { signal: job.signal, timeoutMs: this.#t.rpcMs });
    return r.options;
  }

  /** Sets an option; returns the value the backend settled on and whether the descriptors must be reloaded. */
  async #set(job: Job, o: IndexedOption, value: OptionValue): Promise<{ value: OptionValue; reload: boolean }> {
    const r = await job.link.call(
      { rpc: 'CONTROL_OPTION', handle: job.handle, option: o.index, action: ACTION.SET_VALUE, type: o.d.type, size: o.d.size, value },
      { signal: job.signal, timeoutMs: this.#t.rpcMs, op: `set ${o.d.name}` },
    );
    if (r.status !== STATUS.GOOD) throw saneStatusError(r.status, `set ${o.d.name}`);
    return { value: r.value, reload: (r.info & INFO.RELOAD_OPTIONS) !== 0 };
  }

  async #get(job: Job, o: IndexedOption): Promise<OptionValue> {
    const empty: OptionValue = o.d.type === 'string' ? '' : o.d.type === 'button' || o.d.type === 'group' ? null : new Array<number>(Math.max(1, o.d.size / 4)).fill(0);
    const r = await job.link.call(
      { rpc: 'CONTROL_OPTION', handle: job.handle, option: o.index, action: ACTION.GET_VALUE, type: o.d.type, size: o.d.size, value: empty },
      { signal: job.signal, timeoutMs: this.#t.rpcMs, op: `get ${o.d.name}` },
    );
    if (r.status !== STATUS.GOOD) throw saneStatusError(r.status, `get ${o.d.name}`);
    return r.value;
  }

  // ------------------------------------------------------------------ operations

  async listDevices(signal?: AbortSignal): Promise<SaneDeviceEntry[]> {
    return this.#operation('GET_DEVICES', signal, (link) => this.#getDevices(link, signal));
  }

  async capabilities(signal?: AbortSignal): Promise<ScannerCapabilities> {
    return this.#operation('capabilities', signal, (link) =>
      this.#withDevice(link, signal, async (job) => describeCapabilities(this.#o.device, await this.#options(job))),
    );
  }

  async scan(request: ScanRequest, options: ScanOptions = {}): Promise<ScanResult> {
    const signal = options.signal;
    const req: ScanRequest = { ...this.#o.defaults, ...request };
    return this.#operation('scan', signal, async (link) => {
      this.#counters.add('scans');
      this.#scanning = true;
      this.#setState('busy');
      const emit = (p: ScanProgress): void => {
        this.#progressEvents.emit(p);
        try {
          options.onProgress?.(p);
        } catch {
          // a faulty listener must not stop the scan
        }
      };
      try {
        const result = await this.#withDevice(link, signal, (job) => this.#scanJob(job, req, emit));
        this.#listed = true;
        this.#setState('online');
        return result;
      } finally {
        this.#scanning = false;
      }
    });
  }

  /** Runs `fn` as one exclusive job on the link; failures are typed, counted and reflected in the state. */
  async #operation<T>(what: string, signal: AbortSignal | undefined, fn: (link: SaneLink) => Promise<T>): Promise<T> {
    this.#counters.add('operations');
    try {
      const link = await this.#ready(signal);
      return await link.exclusive(() => {
        if (link.closed) throw this.#lastLinkError ?? new DeviceError('scanner', 'disconnected', `${this.#connector.address}: connection lost`, 'wait');
        return fn(link);
      });
    } catch (e) {
      const err = signal?.aborted ? canceledError('scanner', signal.reason) : asScannerError(e, what);
      this.#recordError(err);
      if (err.fault === 'device-not-listed') this.#listed = false;
      if (err.fault !== undefined && FAULT_STATE.has(err.fault)) this.#setState('error');
      else if (!this.#link || this.#link.closed) this.#setState('offline');
      else if (this.#state === 'busy' || !this.#listed) this.#setState(this.#listed ? 'online' : 'no-device');
      throw err;
    }
  }

  /** OPEN the device, run `fn`, and CLOSE it whatever happened (CANCEL first when a scan may be running). */
  async #withDevice<T>(link: SaneLink, signal: AbortSignal | undefined, fn: (job: Job) => Promise<T>): Promise<T> {
    const handle = await this.#open(link, signal);
    const job: Job = { link, handle, signal };
    let ok = false;
    try {
      const r = await fn(job);
      ok = true;
      return r;
    } finally {
      const quiet = { timeoutMs: this.#t.cancelMs };
      if (!link.closed) {
        try {
          if (!ok) await link.call({ rpc: 'CANCEL', handle }, { ...quiet, op: 'CANCEL' });
          await link.call({ rpc: 'CLOSE', handle }, { ...quiet, op: 'CLOSE' });
        } catch {
          // the link closes itself when a reply does not come; saned then closes the handle
        }
      }
    }
  }

  // ------------------------------------------------------------------ the scan

  async #applySettings(job: Job, req: ScanRequest): Promise<{ options: OptionDescriptor[]; settings: ScanSettings }> {
    let options = await this.#options(job);
    const reloadIf = async (reload: boolean): Promise<void> => {
      if (reload) options = await this.#options(job);
    };
    const unsupported = (what: string, fault: string): DeviceError => new DeviceError('scanner', 'unsupported', `${this.#o.device}: ${what}`, 'maintenance', fault);

    let sourceName: string | null = null;
    const sourceOpt = findOption(options, OPTION_NAME.source);
    if (req.source) {
      const words = sourceOpt ? stringList(sourceOpt.d) : [];
      const word = chooseWord(words, req.source, canonicalSource);
      if (!word || !settable(sourceOpt)) {
        if (req.source !== 'flatbed' || sourceOpt) throw unsupported(`source "${req.source}" not offered (sources: ${words.join(', ') || 'none'})`, 'source-unavailable');
      } else {
        const r = await this.#set(job, sourceOpt, word);
        sourceName = typeof r.value === 'string' ? r.value : word;
        await reloadIf(r.reload);
      }
    }

    let modeName: string | null = null;
    let lineartByDepth = false;
    if (req.mode) {
      const modeOpt = findOption(options, OPTION_NAME.mode);
      const words = modeOpt ? stringList(modeOpt.d) : [];
      let word = chooseWord(words, req.mode, canonicalMode);
      // No lineart mode but 1-bit gray (the test backend, some sheet-fed scanners): gray at depth 1 is lineart.
      if (!word && req.mode === 'lineart') {
        const depth = findOption(options, OPTION_NAME.depth);
        if (depth?.d.constraint.type === 'word-list' && depth.d.constraint.words.includes(1)) {
          word = chooseWord(words, 'gray', canonicalMode);
          lineartByDepth = word !== null;
        }
      }
      if (!word || !settable(modeOpt)) throw unsupported(`mode "${req.mode}" not offered (modes: ${words.join(', ') || 'none'})`, 'mode-unavailable');
      const r = await this.#set(job, modeOpt, word);
      modeName = typeof r.value === 'string' ? r.value : word;
      await reloadIf(r.reload);
      const depth = findOption(options, OPTION_NAME.depth);
      const wantDepth = lineartByDepth ? 1 : req.mode === 'lineart' ? null : 8;
      if (wantDepth !== null && settable(depth) && depth.d.constraint.type === 'word-list' && depth.d.constraint.words.includes(wantDepth)) {
        await reloadIf((await this.#set(job, depth, [wantDepth])).reload);
      }
    }

    let resolution: number | null = null;
    const resOpts = resolutionOptions(options);
    for (const o of resOpts) {
      if (!settable(o)) continue;
      if (req.resolution === undefined) break;
      const r = await this.#set(job, o, [nearestAllowed(o.d, req.resolution)]);
      if (Array.isArray(r.value) && r.value.length > 0) resolution ??= wordToNumber(o.d, r.value[0] as number);
      await reloadIf(r.reload);
    }
    if (resolution === null) {
      const o = resolutionOptions(options)[0];
      if (o) {
        const v = await this.#get(job, o);
        if (Array.isArray(v) && v.length > 0) resolution = wordToNumber(o.d, v[0] as number);
      }
    }

    let area: ScanSettings['area'] = null;
    if (req.pageSize) {
      const plan = geometryFor(options, req.pageSize, resolution);
      for (const v of plan.values) {
        const o = findOption(options, v.name);
        if (settable(o)) await reloadIf((await this.#set(job, o, [v.word])).reload);
      }
      area = plan.area;
    }

    // Read back what the scan will actually use.
    const finalSource = findOption(options, OPTION_NAME.source);
    if (sourceName === null && finalSource) {
      const v = await this.#get(job, finalSource);
      sourceName = typeof v === 'string' ? v : null;
    }
    const finalMode = findOption(options, OPTION_NAME.mode);
    if (modeName === null && finalMode) {
      const v = await this.#get(job, finalMode);
      modeName = typeof v === 'string' ? v : null;
    }
    const mode: ScanMode | null = lineartByDepth ? 'lineart' : modeName !== null ? canonicalMode(modeName) : null;
    const source: ScanSource | null = sourceName !== null ? canonicalSource(sourceName) : null;
    return { options, settings: { device: this.#o.device, mode, modeName, resolution, source, sourceName, area } };
  }

  async #scanJob(job: Job, req: ScanRequest, emit: (p: ScanProgress) => void): Promise<ScanResult> {
    const { settings } = await this.#applySettings(job, req);
    const feeder = settings.source === 'adf' || settings.source === 'adf-duplex' || (settings.source === null && req.source !== undefined && req.source !== 'flatbed');
    const maxPages = Math.max(1, req.maxPages ?? DEFAULT_MAX_PAGES);
    const pages: ScannedPage[] = [];
    let endedBy: ScanResult['endedBy'] = 'single-page';
    for (;;) {
      const index = pages.length + 1;
      const frames: RawFrame[] = [];
      let byteOrder = 0x1234;
      let pageBytes = 0;
      for (;;) {
        // Which frame comes next (format, last_frame), asked before START: saned may read a small frame to its end
        // before it answers a GET_PARAMETERS sent after START, and backends move on to the next pass at that end.
        const before = await job.link.call({ rpc: 'GET_PARAMETERS', handle: job.handle }, { signal: job.signal, timeoutMs: this.#t.rpcMs });
        const next = before.status === STATUS.GOOD ? { format: before.params.format, lastFrame: before.params.lastFrame } : undefined;
        const st = await job.link.call({ rpc: 'START', handle: job.handle }, { signal: job.signal, timeoutMs: this.#t.startMs, op: `START page ${index}` });
        if (st.status === STATUS.NO_DOCS && feeder && pages.length > 0 && frames.length === 0) {
          endedBy = 'feeder-empty';
          break;
        }
        if (st.status !== STATUS.GOOD) throw saneStatusError(st.status, `START page ${index}`);
        byteOrder = st.byteOrder;
        const frame = await this.#readFrame(job, st.port, next, index, frames.length + 1, pageBytes, emit);
        frames.push(frame);
        pageBytes += frame.data.length;
        this.#counters.add('framesScanned');
        if (frame.params.lastFrame) break;
      }
      if (frames.length === 0) break; // the feeder ran empty
      const raster = composePage(frames, byteOrder);
      const png = await encodePng(raster);
      pages.push({
        index,
        width: raster.width,
        height: raster.height,
        resolution: settings.resolution,
        channels: raster.channels,
        bitDepth: raster.bitDepth,
        sourceDepth: raster.sourceDepth,
        png,
      });
      this.#counters.add('pagesScanned');
      emit({ page: index, phase: 'page-done', bytes: pageBytes, expectedBytes: pageBytes, lines: raster.height, expectedLines: raster.height, frame: frames.length });
      if (!feeder) break;
      if (pages.length >= maxPages) {
        endedBy = 'max-pages';
        break;
      }
    }
    // End of the batch, as frontends do after the last page.
    await job.link.call({ rpc: 'CANCEL', handle: job.handle }, { signal: job.signal, timeoutMs: this.#t.rpcMs });
    const result: ScanResult = { pages, settings, endedBy };
    if (req.pdf) result.pdf = await pagesToPdf(pages.map((p) => ({ png: p.png, resolution: p.resolution })));
    return result;
  }

  /**
   * One frame: the data connection (opened before the next RPC, as saned requires), GET_PARAMETERS,
   * then records until the end marker and its status byte.
   */
  async #readFrame(
    job: Job,
    port: number,
    next: Pick<ScanParameters, 'format' | 'lastFrame'> | undefined,
    page: number,
    frameNo: number,
    pageBytesBefore: number,
    emit: (p: ScanProgress) => void,
  ): Promise<RawFrame> {
    const { link, signal } = job;
    const data = await this.#connector.openData(port, link.transport, signal);
    if (data instanceof TcpTransport) data.endWrite(); // as the net backend does: the client only reads
    const early: Uint8Array[] = [];
    let assembler: FrameAssembler | undefined;
    let lastPercent = -1;
    let lastReport = 0;
    let settle: { resolve: (status: number) => void; reject: (e: DeviceError) => void } | undefined;
    const ended = new Promise<number>((resolve, reject) => (settle = { resolve, reject }));
    ended.catch(() => undefined);
    let finished = false;
    const finish = (f: () => void): void => {
      if (finished) return;
      finished = true;
      f();
    };
    const report = (): void => {
      if (!assembler) return;
      const expected = assembler.expectedBytes;
      const bytes = assembler.bytes;
      if (expected !== null && expected > 0) {
        const pct = Math.floor((bytes * 100) / expected);
        if (pct === lastPercent) return;
        lastPercent = pct;
      } else if (bytes - lastReport < 256 * 1024) return;
      lastReport = bytes;
      emit({
        page,
        phase: 'data',
        bytes: pageBytesBefore + bytes,
        expectedBytes: expected === null ? null : pageBytesBefore + expected,
        lines: assembler.lines,
        expectedLines: assembler.expectedLines,
        frame: frameNo,
      });
    };
    let idle: ReturnType<typeof setTimeout> | undefined;
    const armIdle = (): void => {
      if (idle !== undefined) clearTimeout(idle);
      idle = setTimeout(
        () => finish(() => settle?.reject(new DeviceError('scanner', 'timeout', `page ${page}: no image data for ${this.#t.dataIdleMs} ms`, 'reset', 'data-timeout'))),
        this.#t.dataIdleMs,
      );
    };
    const reader = new FrameReader<DataFrame, SaneProtocolError>({
      parse: (b) => (finished ? { consumed: b.length } : parseDataRecord(b)),
      maxBuffered: MAX_RECORD_BYTES + 8,
      device: 'scanner',
      onFrame: (f) => {
        if (finished) return;
        if (f.kind === 'end') {
          finish(() => settle?.resolve(f.status));
          return;
        }
        this.#counters.add('bytesReceived', f.bytes.length);
        if (assembler) {
          assembler.push(f.bytes);
          report();
        } else early.push(f.bytes.slice());
      },
      onError: (e) => finish(() => settle?.reject(e)),
      onOverflow: (e) => finish(() => settle?.reject(e)),
    });
    const unsubs = [
      data.onData((c) => {
        armIdle();
        reader.push(c);
      }),
      data.onClose((e) =>
        finish(() =>
          settle?.reject(
            new DeviceError('scanner', 'disconnected', `page ${page}: the data connection closed before the end of the page${e ? ` (${e.message})` : ''}`, 'wait', 'data-lost', e ? { cause: e } : undefined),
          ),
        ),
      ),
    ];
    const onAbort = (): void => finish(() => settle?.reject(canceledError('scanner', signal?.reason)));
    signal?.addEventListener('abort', onAbort, { once: true });
    armIdle();
    try {
      const gp = await link.call({ rpc: 'GET_PARAMETERS', handle: job.handle }, { signal, timeoutMs: this.#t.rpcMs });
      if (gp.status !== STATUS.GOOD) throw saneStatusError(gp.status, `GET_PARAMETERS page ${page}`);
      // Sizes from after START (exact); the frame's kind from before it (see #scanJob).
      const params: ScanParameters = next ? { ...gp.params, ...next } : gp.params;
      assembler = new FrameAssembler(params);
      if (frameNo === 1) {
        emit({ page, phase: 'page-start', bytes: pageBytesBefore, expectedBytes: assembler.expectedBytes, lines: 0, expectedLines: assembler.expectedLines, frame: frameNo });
      }
      for (const b of early) assembler.push(b);
      early.length = 0;
      report();
      const status = await ended;
      if (status !== STATUS.EOF) throw saneStatusError(status, `page ${page}`);
      return assembler.finish();
    } catch (e) {
      finish(() => undefined);
      if (signal?.aborted) throw canceledError('scanner', signal.reason);
      throw e;
    } finally {
      finished = true;
      if (idle !== undefined) clearTimeout(idle);
      signal?.removeEventListener('abort', onAbort);
      for (const u of unsubs) u();
      await data.close().catch(() => undefined);
    }
  }
}
