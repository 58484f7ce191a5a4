/**
 * HidTransport: a byte stream over HID reports, through node-hid's async API
 * (HIDAsync). Framing (report id, report size, length prefix) is in hid-framing.ts.
 *
 * The node-hid module is injected (default: the real `node-hid`, loaded lazily so
 * a machine without its native library can still start the kiosk with serial
 * devices); tests pass test/helpers/fake-node-hid.ts.
 *
 * Loss: node-hid's read thread emits 'error' when hid_read fails, which is what
 * happens on unplug (hidraw returns an error for a removed device); a failed write
 * is treated the same way. Either closes the transport with onClose(DeviceError
 * 'disconnected'). On Linux, open /dev/hidrawN by a udev SYMLINK or by vid/pid
 * (+ serial number); hidraw numbers change on re-enumeration.
 */
import { access, constants } from 'node:fs/promises';
import { DeviceError, Emitter, canceledError, withSignal, type Unsubscribe } from '../device.js';
import { checkHidFraming, decodeHidReport, encodeHidReports, type HidFraming } from './hid-framing.js';
import type { Transport, TransportOpener } from './transport.js';

/** The part of node-hid's HIDAsync instance this transport uses. */
export interface HidHandle {
  write(values: number[] | Buffer): Promise<number>;
  close(): Promise<void>;
  on(event: 'data', listener: (data: Buffer) => void): unknown;
  on(event: 'error', listener: (err: Error) => void): unknown;
}

/** node-hid's Device record. */
export interface HidDeviceRecord {
  vendorId: number;
  productId: number;
  path?: string | undefined;
  serialNumber?: string | undefined;
  manufacturer?: string | undefined;
  product?: string | undefined;
  release: number;
  interface: number;
  usagePage?: number | undefined;
  usage?: number | undefined;
}

/** The part of the node-hid module this transport uses. */
export interface NodeHidModule {
  HIDAsync: { open(path: string, options?: { nonExclusive?: boolean }): Promise<HidHandle> };
  devicesAsync(): Promise<HidDeviceRecord[]>;
}

let realNodeHid: Promise<NodeHidModule> | undefined;

/** Loads the real node-hid once. */
export function loadNodeHid(): Promise<NodeHidModule> {
  realNodeHid ??= import('node-hid').then(
    (m) => m as unknown as NodeHidModule,
    (e: unknown) => {
      realNodeHid = undefined;
      throw new DeviceError('transport', 'unsupported', `node-hid is not available: ${e instanceof Error ? e.message : String(e)}`, 'maintenance', undefined, { cause: e });
    },
  );
  return realNodeHid;
}

export interface HidOptions extends Partial<HidFraming> {
  /** Default 0 (unnumbered). */
  reportId?: number;
  /** Default 64. */
  reportSize?: number;
  /** Default true. */
  lengthPrefix?: boolean;
}

export function resolveHidFraming(o: HidOptions): HidFraming {
  return checkHidFraming({ reportId: o.reportId ?? 0, reportSize: o.reportSize ?? 64, lengthPrefix: o.lengthPrefix ?? true });
}

function messageOf(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}

export class HidTransport implements Transport {
  readonly kind = 'hid';
  readonly #handle: HidHandle;
  readonly #framing: HidFraming;
  readonly #data = new Emitter<Uint8Array>();
  readonly #closed = new Emitter<DeviceError | undefined>();
  #open = true;
  #closing = false;
  /** Writes are serialised so the reports of two writes never interleave. */
  #queue: Promise<void> = Promise.resolve();
  #dropped = 0;

  private constructor(
    readonly path: string,
    handle: HidHandle,
    framing: HidFraming,
  ) {
    this.#handle = handle;
    this.#framing = framing;
    handle.on('error', (err: Error) => this.#lose(`read failed: ${err.message}`, err));
    handle.on('data', (report: Buffer) => {
      if (!this.#open) return;
      const r = decodeHidReport(report, this.#framing, this.#framing.reportId !== 0);
      if (!r.ok) {
        this.#dropped++;
        return;
      }
      if (r.data.length > 0) this.#data.emit(Uint8Array.from(r.data));
    });
  }

  /** Opens a HID device by path with the given framing. */
  static async open(path: string, options: HidOptions = {}, signal?: AbortSignal, hid?: NodeHidModule): Promise<HidTransport> {
    const framing = resolveHidFraming(options);
    if (signal?.aborted) throw canceledError('transport', signal.reason);
    const mod = hid ?? (await loadNodeHid());
    const opening = mod.HIDAsync.open(path);
    let handle: HidHandle;
    try {
      handle = await withSignal(opening, signal, 'transport');
    } catch (e) {
      if (e instanceof DeviceError && e.code === 'canceled') {
        opening.then(
          (h) => h.close().catch(() => undefined),
          () => undefined,
        );
        throw e;
      }
      throw await hidOpenError(path, e);
    }
    return new HidTransport(path, handle, framing);
  }

  get isOpen(): boolean {
    return this.#open;
  }

  /** Input reports dropped because of a wrong report id or a bad length byte. */
  get droppedReports(): number {
    return this.#dropped;
  }

  /**
   * Sends `bytes` as reports; resolves once node-hid has written all of them.
   * A canceled write stops at a report boundary (the reports already sent stay sent).
   */
  write(bytes: Uint8Array, signal?: AbortSignal): Promise<void> {
    if (signal?.aborted) return Promise.reject(canceledError('transport', signal.reason));
    if (!this.#open) return Promise.reject(new DeviceError('transport', 'disconnected', `${this.path} is closed`, 'reset'));
    const reports = encodeHidReports(bytes, this.#framing);
    const run = this.#queue.then(() => this.#writeReports(reports, signal));
    this.#queue = run.catch(() => undefined);
    return run;
  }

  async #writeReports(reports: Uint8Array[], signal: AbortSignal | undefined): Promise<void> {
    for (const report of reports) {
      if (signal?.aborted) throw canceledError('transport', signal.reason);
      if (!this.#open) throw new DeviceError('transport', 'disconnected', `${this.path} is closed`, this.#closing ? 'reset' : 'wait');
      let written: number;
      try {
        written = await this.#handle.write(Buffer.from(report));
      } catch (e) {
        const err = new DeviceError('transport', 'disconnected', `${this.path}: write failed: ${messageOf(e)}`, 'wait', undefined, { cause: e });
        this.#lose(`write failed: ${messageOf(e)}`, e);
        throw err;
      }
      if (written !== report.length) {
        // hidapi may report one byte less for unnumbered reports (the stripped 0 id).
        const ok = this.#framing.reportId === 0 && written === report.length - 1;
        if (!ok) {
          const err = new DeviceError('transport', 'disconnected', `${this.path}: short write (${written} of ${report.length} bytes)`, 'wait');
          this.#lose('short write', err);
          throw err;
        }
      }
    }
  }

  onData(listener: (chunk: Uint8Array) => void): Unsubscribe {
    return this.#data.on(listener);
  }

  onClose(listener: (error?: DeviceError) => void): Unsubscribe {
    return this.#closed.on(listener);
  }

  async close(): Promise<void> {
    if (!this.#open) return;
    this.#closing = true;
    this.#end(undefined);
    await this.#handle.close().catch(() => undefined);
  }

  #lose(why: string, cause?: unknown): void {
    if (!this.#open || this.#closing) return;
    this.#closing = true;
    this.#end(new DeviceError('transport', 'disconnected', `${this.path}: device lost: ${why}`, 'wait', undefined, { cause }));
    void this.#handle.close().catch(() => undefined);
  }

  #end(error: DeviceError | undefined): void {
    if (!this.#open) return;
    this.#open = false;
    this.#closed.emit(error);
    this.#data.clear();
    this.#closed.clear();
  }
}


async function hidOpenError(path: string, e: unknown): Promise<DeviceError> {
  if (e instanceof DeviceError) return e;
  const msg = messageOf(e);
  if (path.startsWith('/')) {
    try {
      await access(path, constants.F_OK);
    } catch {
      return new DeviceError('transport', 'not-found', `${path}: no such device`, 'wait', undefined, { cause: e });
    }
    try {
      await access(path, constants.R_OK | constants.W_OK);
    } catch {
      return new DeviceError('transport', 'not-found', `${path}: permission denied (hidraw udev rule?)`, 'maintenance', 'permission-denied', { cause: e });
    }
  }
  return new DeviceError('transport', 'not-found', `${path}: cannot open HID device: ${msg}`, 'wait', undefined, { cause: e });
}

export type HidSelector =
  | { path: string }
  | {
      vendorId: number;
      productId: number;
      serialNumber?: string;
      /** Pick one interface of a composite device. */
      interface?: number;
      usagePage?: number;
    };

export type HidOpenerOptions = HidSelector & HidOptions;

function hex4(n: number): string {
  return n.toString(16).padStart(4, '0');
}

/** Opens a HID device by path, or by vendor/product id (+ serial, interface, usage page) looked up at every open. */
export class HidOpener implements TransportOpener {
  readonly kind = 'hid';
  readonly path: string;
  readonly #options: HidOpenerOptions;
  readonly #hid: NodeHidModule | undefined;

  constructor(options: HidOpenerOptions, hid?: NodeHidModule) {
    resolveHidFraming(options);
    if ('path' in options) {
      if (typeof options.path !== 'string' || options.path.length === 0) {
        throw new DeviceError('transport', 'invalid-data', `hid configuration: 'path' must be a non-empty string`, 'maintenance');
      }
      this.path = options.path;
    } else {
      for (const k of ['vendorId', 'productId'] as const) {
        const v = options[k];
        if (!Number.isInteger(v) || v < 0 || v > 0xffff) {
          throw new DeviceError('transport', 'invalid-data', `hid configuration: '${k}' must be an integer 0..0xffff`, 'maintenance');
        }
      }
      this.path = `hid:${hex4(options.vendorId)}:${hex4(options.productId)}${options.serialNumber ? `:${options.serialNumber}` : ''}`;
    }
    this.#options = options;
    this.#hid = hid;
  }

  async open(signal?: AbortSignal): Promise<Transport> {
    if (signal?.aborted) throw canceledError('transport', signal.reason);
    const o = this.#options;
    const hid = this.#hid ?? (await loadNodeHid());
    let path: string;
    if ('path' in o) {
      path = o.path;
    } else {
      const list = await withSignal(listHidRecords(hid), signal, 'transport');
      const match = list.find(
        (d) =>
          d.vendorId === o.vendorId &&
          d.productId === o.productId &&
          (o.serialNumber === undefined || d.serialNumber === o.serialNumber) &&
          (o.interface === undefined || d.interface === o.interface) &&
          (o.usagePage === undefined || d.usagePage === o.usagePage) &&
          typeof d.path === 'string',
      );
      if (!match?.path) throw new DeviceError('transport', 'not-found', `${this.path}: no such HID device`, 'wait');
      path = match.path;
    }
    return HidTransport.open(path, o, signal, hid);
  }
}

async function listHidRecords(hid: NodeHidModule): Promise<HidDeviceRecord[]> {
  try {
    return await hid.devicesAsync();
  } catch (e) {
    throw new DeviceError('transport', 'device-fault', `cannot list HID devices: ${messageOf(e)}`, 'maintenance', undefined, { cause: e });
  }
}

export interface HidDeviceListing {
  path: string;
  /** Lower-case hex, e.g. '0400'. */
  vendorId: string;
  productId: string;
  manufacturer?: string;
  product?: string;
  serialNumber?: string;
  interface: number;
  usagePage?: number;
  usage?: number;
}

/** Lists HID devices for the technician CLI (enumeration is slow: do not poll it). */
export async function listHidDevices(signal?: AbortSignal, hid?: NodeHidModule): Promise<HidDeviceListing[]> {
  if (signal?.aborted) throw canceledError('transport', signal.reason);
  const mod = hid ?? (await loadNodeHid());
  const list = await withSignal(listHidRecords(mod), signal, 'transport');
  const out: HidDeviceListing[] = [];
  for (const d of list) {
    if (typeof d.path !== 'string') continue;
    const l: HidDeviceListing = { path: d.path, vendorId: hex4(d.vendorId), productId: hex4(d.productId), interface: d.interface };
    if (d.manufacturer) l.manufacturer = d.manufacturer;
    if (d.product) l.product = d.product;
    if (d.serialNumber) l.serialNumber = d.serialNumber;
    if (d.usagePage !== undefined) l.usagePage = d.usagePage;
    if (d.usage !== undefined) l.usage = d.usage;
    out.push(l);
  }
  return out;
}
