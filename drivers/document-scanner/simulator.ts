/**
 * SaneSimulator: a SANE network server (the saned side of the protocol) with one simulated document
 * scanner behind it, using the same codec (device side). Faithful where the client depends on it:
 *
 * - every RPC the client uses, with saned's reply layouts and statuses; AUTHORIZE with an MD5 salt when
 *   credentials are configured (as saned.users does);
 * - after START, control requests wait until the client has opened the data connection (saned accepts
 *   the data connection before it reads the next request), and give up after 4 s as saned does;
 * - data as records of at most 8188 bytes, the end marker and the status byte;
 * - an ADF that runs empty (NO_DOCS at START after the last sheet), a flatbed that always has a page.
 *
 * The simulator API every device has (drivers/simulator.ts): `attach(transport)`, `setFaults(patch)`,
 * `clearFaults()`, `dispose()`. Being a network server, `attach` adds a control connection to the ones it
 * serves (saned forks one process per connection) instead of leaving the previous one: the kiosk's kept
 * connection and a technician's `kioskctl` can both be attached. Reach it over TCP (`serveSaneSimulator`)
 * or in memory (`MemorySaneNetwork`, which is also the client's SaneConnector).
 */
import { DeviceError, type Unsubscribe } from '../device.js';
import { randomBytes, seededRandom, type DeviceSimulator } from '../simulator.js';
import { FrameReader } from '../transport/frame-reader.js';
import { MemoryTransport } from '../transport/memory.js';
import { listenTcp } from '../transport/tcp.js';
import type { Transport, TransportOpener } from '../transport/transport.js';
import type { SaneConnector } from './connector.js';
import { MD5_MARKER, authorizePassword } from './protocol/auth.js';
import { ACTION, BYTE_ORDER, CAP, INFO, STATUS, versionCode } from './protocol/constants.js';
import { encodeDataEnd, encodeDataRecord } from './protocol/data.js';
import { encodeReply, parseRequest, type SaneDevice, type SaneReply, type SaneRequest, type ScanParameters } from './protocol/messages.js';
import type { OptionDescriptor, OptionValue } from './protocol/options.js';
import { fromFixed, toFixed, type SaneProtocolError } from './protocol/wire.js';

export interface SaneSimulatorFaults {
  /** START answers JAMMED ('start'), or the page stops halfway with JAMMED in the status byte ('mid-page'). */
  jam?: 'start' | 'mid-page' | false;
  /** No document on the glass or in the feeder: START answers NO_DOCS. */
  noPaper?: boolean;
  /** START answers COVER_OPEN. */
  coverOpen?: boolean;
  /** OPEN and START answer DEVICE_BUSY. */
  busy?: boolean;
  /** Control requests get no reply. */
  silence?: boolean;
  /** 1–16 bytes of garbage before every control reply. */
  garbage?: boolean;
  /** The control connection is closed on the next request ('control'), or the data connection halfway through a page ('data'). */
  drop?: 'control' | 'data' | false;
  /** The data stream stops after its first record (a scanner that hangs): only CANCEL ends the page. */
  stall?: boolean;
}

/** A page image: colour of the point (x, y) in millimetres from the top left. */
export interface SimDocument {
  widthMm: number;
  heightMm: number;
  pixel(xMm: number, yMm: number): readonly [number, number, number];
}

export interface SaneSimulatorOptions {
  device?: SaneDevice;
  /** saned.users: AUTHORIZE is asked for on OPEN, with an MD5 salt. */
  credentials?: { username: string; password: string };
  /** Where data connections are listened for. Default: TCP on 127.0.0.1, any free port. */
  dataPorts?: DataPorts;
  /** Sheets in the feeder at the start. Default 3. */
  feederSheets?: number;
  /** Bytes per data record. Default 8188 (saned's). */
  recordBytes?: number;
  /** How long START waits for the data connection. Default 4000 ms (saned's data_connect_timeout). */
  dataConnectTimeoutMs?: number;
  /** Seed for garbage bytes and salts. */
  seed?: number;
}

export interface DataPortListener {
  readonly port: number;
  accept(timeoutMs: number): Promise<Transport>;
  close(): void;
}
export interface DataPorts {
  listen(): Promise<DataPortListener>;
}

export interface SaneSimulatorCounters {
  connections: number;
  requests: number;
  byRpc: Record<string, number>;
  badRequests: number;
  scans: number;
  pagesSent: number;
  bytesSent: number;
  cancels: number;
  authorizations: number;
  faultsInjected: number;
}

export const SIM_DEVICE: SaneDevice = { name: 'sim:0', vendor: 'Ningxia Kiosk', model: 'Simulated document scanner', type: 'flatbed scanner' };
const SIM_VERSION = versionCode(1, 1, 3);
const RESOLUTIONS = [75, 100, 150, 200, 300, 600];
const MODES = ['Color', 'Gray', 'Lineart'];
const SOURCES = ['Flatbed', 'ADF Front', 'ADF Duplex'];
const AREA_MM = { width: 215.9, height: 297 };

function descriptors(): OptionDescriptor[] {
  const soft = CAP.SOFT_SELECT | CAP.SOFT_DETECT;
  const mm = (name: string, max: number): OptionDescriptor => ({
    name,
    title: name,
    desc: `${name} of the scan area`,
    type: 'fixed',
    unit: 'mm',
    size: 4,
    cap: soft,
    constraint: { type: 'range', min: 0, max: toFixed(max), quant: 0 },
  });
  return [
    { name: '', title: 'Number of options', desc: '', type: 'int', unit: 'none', size: 4, cap: CAP.SOFT_DETECT, constraint: { type: 'none' } },
    { name: '', title: 'Scan Mode', desc: '', type: 'group', unit: 'none', size: 0, cap: 0, constraint: { type: 'none' } },
    { name: 'mode', title: 'Scan mode', desc: 'Selects the scan mode', type: 'string', unit: 'none', size: 8, cap: soft, constraint: { type: 'string-list', strings: MODES } },
    { name: 'resolution', title: 'Scan resolution', desc: 'Sets the resolution', type: 'int', unit: 'dpi', size: 4, cap: soft, constraint: { type: 'word-list', words: RESOLUTIONS } },
    { name: 'source', title: 'Scan source', desc: 'Selects the scan source', type: 'string', unit: 'none', size: 12, cap: soft, constraint: { type: 'string-list', strings: SOURCES } },
    { name: '', title: 'Geometry', desc: '', type: 'group', unit: 'none', size: 0, cap: 0, constraint: { type: 'none' } },
    mm('tl-x', AREA_MM.width),
    mm('tl-y', AREA_MM.height),
    mm('br-x', AREA_MM.width),
    mm('br-y', AREA_MM.height),
  ];
}

/** The default page: a form with a title band, text lines, a red seal and a frame. */
export const SAMPLE_DOCUMENT: SimDocument = {
  widthMm: 210,
  heightMm: 297,
  pixel(x, y) {
    if (x < 8 || y < 8 || x > 202 || y > 289) return [255, 255, 255];
    if (x < 9 || y < 9 || x > 201 || y > 288) return [0, 0, 0];
    if (y > 20 && y < 34 && x > 40 && x < 170) return [40, 40, 40];
    const dx = x - 160;
    const dy = y - 250;
    const r = Math.sqrt(dx * dx + dy * dy);
    if (r > 17 && r < 20) return [200, 20, 30];
    if (y > 50 && y < 230 && (y - 50) % 9 < 2.5 && x > 20 && x < 190 - ((y * 7) % 40)) return [70, 70, 70];
    return [250, 250, 248];
  },
};

interface SimHandle {
  values: OptionValue[];
  scanning: boolean;
  /** Resolves when the current frame's data is done (or cancelled). */
  stream?: { cancel(): void; done: Promise<void> };
  pagesScanned: number;
}

/** Every fault off. */
export const NO_FAULTS: Readonly<SaneSimulatorFaults> = Object.freeze({
  jam: false,
  noPaper: false,
  coverOpen: false,
  busy: false,
  silence: false,
  garbage: false,
  drop: false,
  stall: false,
});

export class SaneSimulator implements DeviceSimulator<SaneSimulatorFaults> {
  readonly device: SaneDevice;
  readonly counters: SaneSimulatorCounters = {
    connections: 0,
    requests: 0,
    byRpc: {},
    badRequests: 0,
    scans: 0,
    pagesSent: 0,
    bytesSent: 0,
    cancels: 0,
    authorizations: 0,
    faultsInjected: 0,
  };
  #faults: SaneSimulatorFaults = { ...NO_FAULTS };
  #feeder: number;
  #document: SimDocument = SAMPLE_DOCUMENT;
  readonly #sessions = new Set<Session>();
  readonly #random: () => number;
  readonly #dataPorts: DataPorts;
  #disposed = false;

  constructor(readonly opts: SaneSimulatorOptions = {}) {
    this.device = opts.device ?? SIM_DEVICE;
    this.#feeder = opts.feederSheets ?? 3;
    this.#random = seededRandom(opts.seed ?? 0x5a4e);
    this.#dataPorts = opts.dataPorts ?? tcpDataPorts('127.0.0.1');
  }

  /** Serves one control connection (saned forks one process per connection; here one session each). */
  attach(control: Transport): Unsubscribe {
    if (this.#disposed) throw new DeviceError('scanner', 'disconnected', 'simulator disposed', 'reset');
    this.counters.connections++;
    const s = new Session(this, control);
    this.#sessions.add(s);
    control.onClose(() => this.#sessions.delete(s));
    return () => s.stop();
  }

  setFaults(patch: Partial<SaneSimulatorFaults>): void {
    this.#faults = { ...this.#faults, ...patch };
  }
  clearFaults(): void {
    this.#faults = { ...NO_FAULTS };
  }
  get faults(): Readonly<SaneSimulatorFaults> {
    return { ...this.#faults };
  }

  /** Puts `n` sheets into the feeder (replacing what was there). */
  loadFeeder(n: number): void {
    this.#feeder = Math.max(0, Math.floor(n));
  }
  get feederSheets(): number {
    return this.#feeder;
  }
  setDocument(doc: SimDocument): void {
    this.#document = doc;
  }

  async dispose(): Promise<void> {
    this.#disposed = true;
    await Promise.all([...this.#sessions].map((s) => s.stop()));
    this.#sessions.clear();
  }

  /** @internal */ get document(): SimDocument {
    return this.#document;
  }
  /** @internal */ takeSheet(): boolean {
    if (this.#feeder <= 0) return false;
    this.#feeder--;
    return true;
  }
  /** @internal */ randomBytes(n: number): Uint8Array {
    return randomBytes(this.#random, n);
  }
  /** @internal */ randomInt(min: number, max: number): number {
    return min + Math.floor(this.#random() * (max - min + 1));
  }
  /** @internal */ get dataPorts(): DataPorts {
    return this.#dataPorts;
  }
  /** @internal */ injected(): void {
    this.counters.faultsInjected++;
  }
}

class Session {
  readonly #sim: SaneSimulator;
  readonly #t: Transport;
  readonly #reader: FrameReader<SaneRequest, SaneProtocolError>;
  readonly #queue: SaneRequest[] = [];
  #wake: (() => void) | undefined;
  readonly #handles = new Map<number, SimHandle>();
  #nextHandle = 0;
  #stopped = false;
  #initialized = false;
  readonly #unsubs: Unsubscribe[];

  constructor(sim: SaneSimulator, control: Transport) {
    this.#sim = sim;
    this.#t = control;
    this.#reader = new FrameReader<SaneRequest, SaneProtocolError>({
      parse: (b) => parseRequest(b),
      maxBuffered: 1 << 20,
      device: 'scanner',
      onFrame: (req) => {
        this.#queue.push(req);
        this.#wake?.();
      },
      onError: () => {
        sim.counters.badRequests++;
        void this.stop(); // saned ends a connection it cannot decode
      },
    });
    this.#unsubs = [control.onData((c) => this.#reader.push(c)), control.onClose(() => void this.stop())];
    void this.#run();
  }

  async stop(): Promise<void> {
    if (this.#stopped) return;
    this.#stopped = true;
    for (const u of this.#unsubs) u();
    for (const h of this.#handles.values()) h.stream?.cancel();
    this.#wake?.();
    await this.#t.close().catch(() => undefined);
  }

  async #next(): Promise<SaneRequest | undefined> {
    while (!this.#stopped) {
      const r = this.#queue.shift();
      if (r) {
        this.#sim.counters.requests++;
        this.#sim.counters.byRpc[r.rpc] = (this.#sim.counters.byRpc[r.rpc] ?? 0) + 1;
        return r;
      }
      await new Promise<void>((resolve) => (this.#wake = resolve));
      this.#wake = undefined;
    }
    return undefined;
  }

  async #reply(reply: SaneReply): Promise<void> {
    const f = this.#sim.faults;
    if (f.silence) {
      this.#sim.injected();
      return;
    }
    let bytes = encodeReply(reply);
    if (f.garbage) {
      this.#sim.injected();
      const junk = this.#sim.randomBytes(this.#sim.randomInt(1, 16));
      const both = new Uint8Array(junk.length + bytes.length);
      both.set(junk);
      both.set(bytes, junk.length);
      bytes = both;
    }
    await this.#t.write(bytes).catch(() => undefined);
  }

  async #run(): Promise<void> {
    for (;;) {
      const req = await this.#next();
      if (!req) return;
      if (this.#sim.faults.drop === 'control') {
        this.#sim.injected();
        await this.stop();
        return;
      }
      try {
        const go = await this.#handle(req);
        if (!go) return;
      } catch {
        await this.stop();
        return;
      }
    }
  }

  /** Handles one request; false ends the session. */
  async #handle(req: SaneRequest): Promise<boolean> {
    if (!this.#initialized && req.rpc !== 'INIT') {
      await this.stop(); // saned: the first RPC must be INIT
      return false;
    }
    switch (req.rpc) {
      case 'INIT':
        if (this.#initialized) {
          await this.stop();
          return false;
        }
        this.#initialized = true;
        await this.#reply({ rpc: 'INIT', status: STATUS.GOOD, versionCode: SIM_VERSION });
        return true;
      case 'GET_DEVICES':
        await this.#reply({ rpc: 'GET_DEVICES', status: STATUS.GOOD, devices: [this.#sim.device] });
        return true;
      case 'OPEN':
        await this.#open(req.deviceName);
        return true;
      case 'CLOSE': {
        const h = this.#handles.get(req.handle);
        h?.stream?.cancel();
        this.#handles.delete(req.handle);
        await this.#reply({ rpc: 'CLOSE', dummy: 0 });
        return true;
      }
      case 'GET_OPTION_DESCRIPTORS': {
        await this.#reply({ rpc: 'GET_OPTION_DESCRIPTORS', options: this.#handles.has(req.handle) ? descriptors() : [] });
        return true;
      }
      case 'CONTROL_OPTION':
        await this.#control(req);
        return true;
      case 'GET_PARAMETERS': {
        const h = this.#handles.get(req.handle);
        await this.#reply({ rpc: 'GET_PARAMETERS', status: h ? STATUS.GOOD : STATUS.INVAL, params: h ? this.#params(h) : emptyParams() });
        return true;
      }
      case 'START':
        await this.#start(req.handle);
        return true;
      case 'CANCEL': {
        const h = this.#handles.get(req.handle);
        if (h) {
          this.#sim.counters.cancels++;
          h.stream?.cancel();
          h.scanning = false;
          h.pagesScanned = 0;
        }
        await this.#reply({ rpc: 'CANCEL', dummy: 0 });
        return true;
      }
      case 'AUTHORIZE':
        await this.stop(); // saned: AUTHORIZE outside an authorisable RPC ends the connection
        return false;
      case 'EXIT':
        await this.stop();
        return false;
    }
  }

  async #open(name: string): Promise<void> {
    const sim = this.#sim;
    const want = name === '' ? sim.device.name : name;
    const creds = sim.opts.credentials;
    if (want === sim.device.name && creds) {
      const resource = `${sim.device.name.split(':')[0]}${MD5_MARKER}${Buffer.from(sim.randomBytes(8)).toString('hex')}`;
      await this.#reply({ rpc: 'OPEN', status: STATUS.GOOD, handle: 0, resource });
      const auth = await this.#next();
      if (!auth || auth.rpc !== 'AUTHORIZE') {
        await this.stop();
        return;
      }
      sim.counters.authorizations++;
      await this.#reply({ rpc: 'AUTHORIZE', dummy: 0 });
      const ok = auth.username === creds.username && auth.password === authorizePassword(resource, creds.password);
      if (!ok) {
        await this.#reply({ rpc: 'OPEN', status: STATUS.ACCESS_DENIED, handle: 0, resource: null });
        return;
      }
    }
    if (want !== sim.device.name) {
      await this.#reply({ rpc: 'OPEN', status: STATUS.INVAL, handle: 0, resource: null });
      return;
    }
    if (sim.faults.busy) {
      sim.injected();
      await this.#reply({ rpc: 'OPEN', status: STATUS.DEVICE_BUSY, handle: 0, resource: null });
      return;
    }
    const handle = this.#nextHandle++;
    const d = descriptors();
    this.#handles.set(handle, {
      values: [[d.length], null, 'Color', [300], 'Flatbed', null, [0], [0], [toFixed(AREA_MM.width)], [toFixed(AREA_MM.height)]],
      scanning: false,
      pagesScanned: 0,
    });
    await this.#reply({ rpc: 'OPEN', status: STATUS.GOOD, handle, resource: null });
  }

  async #control(req: Extract<SaneRequest, { rpc: 'CONTROL_OPTION' }>): Promise<void> {
    const h = this.#handles.get(req.handle);
    const d = descriptors()[req.option];
    const fail = (status: number): Promise<void> =>
      this.#reply({ rpc: 'CONTROL_OPTION', status, info: 0, type: req.type ?? 'int', size: req.size ?? 0, value: req.type === 'string' ? '' : req.type === 'button' || req.type === 'group' ? null : [], resource: null });
    if (!h || !d || d.type === 'group' || (req.option > 0 && h.scanning)) return fail(h?.scanning ? STATUS.DEVICE_BUSY : STATUS.INVAL);
    let info = 0;
    if (req.action === ACTION.SET_VALUE) {
      if (req.option === 0 || req.type !== d.type) return fail(STATUS.INVAL);
      const v = req.value ?? null;
      const c = d.constraint;
      if (d.type === 'string') {
        if (typeof v !== 'string' || (c.type === 'string-list' && !c.strings.includes(v))) return fail(STATUS.INVAL);
        h.values[req.option] = v;
        info |= INFO.RELOAD_PARAMS;
      } else {
        if (!Array.isArray(v) || v.length !== 1) return fail(STATUS.INVAL);
        let w = v[0] as number;
        if (c.type === 'word-list') {
          const nearest = [...c.words].sort((a, b) => Math.abs(a - w) - Math.abs(b - w))[0] as number;
          if (nearest !== w) info |= INFO.INEXACT;
          w = nearest;
        } else if (c.type === 'range') {
          const clamped = Math.min(c.max, Math.max(c.min, w));
          if (clamped !== w) info |= INFO.INEXACT;
          w = clamped;
        }
        h.values[req.option] = [w];
        info |= INFO.RELOAD_PARAMS;
      }
    } else if (req.action === ACTION.SET_AUTO) {
      return fail(STATUS.INVAL);
    }
    const value = h.values[req.option] ?? null;
    await this.#reply({ rpc: 'CONTROL_OPTION', status: STATUS.GOOD, info, type: d.type, size: d.size, value, resource: null });
  }

  #params(h: SimHandle): ScanParameters {
    const word = (i: number): number => ((h.values[i] as number[] | undefined)?.[0] ?? 0) as number;
    const mode = h.values[2] as string;
    const res = word(3);
    const wMm = Math.max(0, fromFixed(word(8)) - fromFixed(word(6)));
    const hMm = Math.max(0, fromFixed(word(9)) - fromFixed(word(7)));
    const ppl = Math.round((wMm / 25.4) * res);
    const lines = Math.round((hMm / 25.4) * res);
    const depth = mode === 'Lineart' ? 1 : 8;
    const bpl = mode === 'Color' ? ppl * 3 : mode === 'Gray' ? ppl : Math.ceil(ppl / 8);
    return { format: mode === 'Color' ? 'rgb' : 'gray', lastFrame: true, bytesPerLine: bpl, pixelsPerLine: ppl, lines, depth };
  }

  async #start(handleNo: number): Promise<void> {
    const sim = this.#sim;
    const h = this.#handles.get(handleNo);
    const reply = (status: number, port = 0): Promise<void> => this.#reply({ rpc: 'START', status, port, byteOrder: BYTE_ORDER.LITTLE_ENDIAN, resource: null });
    if (!h) return reply(STATUS.INVAL);
    if (h.scanning) return reply(STATUS.DEVICE_BUSY);
    const f = sim.faults;
    if (f.busy) return (sim.injected(), reply(STATUS.DEVICE_BUSY));
    if (f.coverOpen) return (sim.injected(), reply(STATUS.COVER_OPEN));
    if (f.jam === 'start') return (sim.injected(), reply(STATUS.JAMMED));
    if (f.noPaper) return (sim.injected(), reply(STATUS.NO_DOCS));
    const source = h.values[4] as string;
    if (source !== 'Flatbed' && !sim.takeSheet()) return reply(STATUS.NO_DOCS);
    const params = this.#params(h);
    if (params.pixelsPerLine === 0 || params.lines === 0) return reply(STATUS.INVAL);
    const listener = await sim.dataPorts.listen();
    sim.counters.scans++;
    h.scanning = true;
    await reply(STATUS.GOOD, listener.port);
    // Like saned: the next control request is read only once the data connection is accepted.
    let data: Transport;
    try {
      data = await listener.accept(sim.opts.dataConnectTimeoutMs ?? 4000);
    } catch {
      h.scanning = false;
      return;
    } finally {
      listener.close();
    }
    let cancelled = false;
    const word = (i: number): number => (h.values[i] as number[])[0] as number;
    const geometry = { dpi: word(3), x0: fromFixed(word(6)), y0: fromFixed(word(7)) };
    const done = this.#stream(data, params, geometry, () => cancelled).finally(() => {
      h.scanning = false;
      h.stream = undefined;
    });
    h.stream = {
      cancel: () => {
        cancelled = true;
        void data.close();
      },
      done,
    };
    h.pagesScanned++;
  }

  /** Sends one frame as records, then the end marker and status. */
  async #stream(data: Transport, p: ScanParameters, geometry: Geometry, cancelled: () => boolean): Promise<void> {
    const sim = this.#sim;
    const image = render(sim.document, p, geometry);
    const recordBytes = sim.opts.recordBytes ?? 8188;
    const faults = sim.faults;
    const cut = faults.jam === 'mid-page' || faults.drop === 'data';
    const stopAt = cut ? Math.max(1, Math.floor(image.length / 2)) : image.length;
    let sent = 0;
    try {
      while (sent < stopAt) {
        if (cancelled() || !data.isOpen) return;
        if (faults.stall && sent > 0) {
          sim.injected();
          await new Promise<void>((resolve) => data.onClose(() => resolve()));
          return;
        }
        const n = Math.min(recordBytes, stopAt - sent);
        await data.write(encodeDataRecord(image.subarray(sent, sent + n)));
        sent += n;
        sim.counters.bytesSent += n;
      }
      if (cut) {
        sim.injected();
        if (faults.drop !== 'data') await data.write(encodeDataEnd(STATUS.JAMMED));
        return;
      }
      await data.write(encodeDataEnd(STATUS.EOF));
      sim.counters.pagesSent++;
    } catch {
      // the client closed the data connection
    } finally {
      await data.close().catch(() => undefined);
    }
  }
}

function emptyParams(): ScanParameters {
  return { format: 'gray', lastFrame: true, bytesPerLine: 0, pixelsPerLine: 0, lines: 0, depth: 8 };
}

interface Geometry {
  dpi: number;
  /** Top left of the scan area, in mm. */
  x0: number;
  y0: number;
}

/** Renders the document as the frame `p` describes, the scan area starting at (x0, y0) mm. */
export function render(doc: SimDocument, p: ScanParameters, g: Geometry): Uint8Array {
  const out = new Uint8Array(p.bytesPerLine * p.lines);
  const pitch = 25.4 / g.dpi;
  for (let y = 0; y < p.lines; y++) {
    const row = y * p.bytesPerLine;
    const yMm = g.y0 + (y + 0.5) * pitch;
    for (let x = 0; x < p.pixelsPerLine; x++) {
      const xMm = g.x0 + (x + 0.5) * pitch;
      const [r, g2, b] = xMm <= doc.widthMm && yMm <= doc.heightMm ? doc.pixel(xMm, yMm) : ([255, 255, 255] as const);
      if (p.format === 'rgb') {
        out[row + x * 3] = r;
        out[row + x * 3 + 1] = g2;
        out[row + x * 3 + 2] = b;
      } else {
        const gray = Math.round(0.299 * r + 0.587 * g2 + 0.114 * b);
        if (p.depth === 1) {
          if (gray < 128) out[row + (x >> 3)] = (out[row + (x >> 3)] as number) | (0x80 >> (x & 7));
        } else out[row + x] = gray;
      }
    }
  }
  return out;
}

// ------------------------------------------------------------------ environments

/** Data ports on real TCP sockets (for `serveSaneSimulator`). */
export function tcpDataPorts(host: string): DataPorts {
  return {
    async listen() {
      let resolveConn: ((t: Transport) => void) | undefined;
      const first = new Promise<Transport>((r) => (resolveConn = r));
      const l = await listenTcp({ host, port: 0 }, (t) => {
        if (resolveConn) {
          resolveConn(t);
          resolveConn = undefined;
        } else void t.close();
      });
      return {
        port: l.port,
        accept: (timeoutMs) => acceptWithin(first, timeoutMs),
        close: () => void l.close({ keepConnections: true }),
      };
    },
  };
}

function acceptWithin(p: Promise<Transport>, ms: number): Promise<Transport> {
  return new Promise<Transport>((resolve, reject) => {
    const t = setTimeout(() => reject(new DeviceError('scanner', 'timeout', 'no data connection', 'retry')), ms);
    p.then(
      (v) => {
        clearTimeout(t);
        resolve(v);
      },
      (e: unknown) => {
        clearTimeout(t);
        reject(e instanceof Error ? e : new Error(String(e)));
      },
    );
  });
}

/** The simulator as a saned on TCP (loopback by default): for the CLI, the core and integration tests. */
export async function serveSaneSimulator(sim: SaneSimulator, o: { host?: string; port?: number } = {}): Promise<{ host: string; port: number; close(): Promise<void> }> {
  const l = await listenTcp({ host: o.host ?? '127.0.0.1', port: o.port ?? 0 }, (t) => sim.attach(t));
  return { host: l.host, port: l.port, close: () => l.close() };
}

/**
 * An in-memory network with the simulator on it, seen from the client as a SaneConnector: each control
 * open makes a fresh MemoryTransport pair whose device end the simulator serves; data ports are numbers
 * the simulator hands out in START and the client "connects" to.
 */
export class MemorySaneNetwork implements SaneConnector, DataPorts {
  readonly address = 'saned://memory';
  readonly sim: SaneSimulator;
  readonly control: TransportOpener;
  #nextPort = 40000;
  #present = true;
  readonly #waiting = new Map<number, (t: Transport) => void>();
  readonly #live = new Set<MemoryTransport>();

  constructor(opts: Omit<SaneSimulatorOptions, 'dataPorts'> & { maxChunk?: number } = {}) {
    this.sim = new SaneSimulator({ ...opts, dataPorts: this });
    const maxChunk = opts.maxChunk;
    this.control = {
      kind: 'memory',
      path: 'memory:saned',
      open: async () => {
        if (!this.#present) throw new DeviceError('transport', 'not-found', 'memory:saned: connection refused (is the service running?)', 'wait', 'connection-refused');
        const [host, dev] = MemoryTransport.pair({ path: 'memory:saned', ...(maxChunk !== undefined ? { maxChunk } : {}) });
        this.#track(host);
        this.sim.attach(dev);
        return host;
      },
    };
  }

  #track(t: MemoryTransport): void {
    this.#live.add(t);
    t.onClose(() => this.#live.delete(t));
  }

  async listen(): Promise<DataPortListener> {
    const port = this.#nextPort++;
    let resolveConn: ((t: Transport) => void) | undefined;
    const first = new Promise<Transport>((r) => (resolveConn = r));
    this.#waiting.set(port, (t) => resolveConn?.(t));
    return {
      port,
      accept: (ms) => acceptWithin(first, ms),
      close: () => this.#waiting.delete(port),
    };
  }

  async openData(port: number): Promise<Transport> {
    const deliver = this.#waiting.get(port);
    if (!deliver || !this.#present) throw new DeviceError('transport', 'not-found', `memory:saned:${port}: connection refused`, 'wait', 'connection-refused');
    this.#waiting.delete(port);
    const [host, dev] = MemoryTransport.pair({ path: `memory:saned:${port}` });
    this.#track(host);
    deliver(dev);
    return host;
  }

  /** saned stops: every connection drops, new ones are refused until `startService()`. */
  stopService(): void {
    this.#present = false;
    for (const t of [...this.#live]) t.unplug();
  }
  startService(): void {
    this.#present = true;
  }
}
