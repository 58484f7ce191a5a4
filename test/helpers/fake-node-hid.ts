/**
 * A fake of the node-hid module at its API boundary (this machine has no /dev/uhid,
 * so no real virtual HID devices): `HIDAsync.open(path | vid, pid)`, `devices()`,
 * `devicesAsync()`, and handles with `write`, `on('data' | 'error')`, `close`.
 *
 * Behaviour copied from node-hid 3.4 (nodehid.js):
 * - input reports are delivered as Buffers on 'data', asynchronously, only while a
 *   'data' listener is attached; numbered reports start with their report id,
 *   unnumbered ones do not;
 * - device loss shows up as an 'error' event on the open handle (the read thread's
 *   hid_read fails) and as a rejected write ("Cannot write to hid device");
 * - close() removes all listeners; writes after close reject.
 *
 * Usage:
 *   const hid = new FakeNodeHid();
 *   const dev = hid.plug({ path: 'fake-hid:0', vendorId: 0x0400, productId: 0xc35a });
 *   dev.onHostReport((r) => …);  dev.sendReport(buf);  dev.unplug();
 *   const end = dev.asDeviceTransport({ reportId: 0, reportSize: 64, lengthPrefix: true }); // for simulators
 */
import { EventEmitter } from 'node:events';
import { DeviceError, Emitter, canceledError, type Unsubscribe } from '../../drivers/device.js';
import { decodeHidReport, encodeHidReports, type HidFraming } from '../../drivers/transport/hid-framing.js';
import type { HidDeviceRecord, HidHandle, NodeHidModule } from '../../drivers/transport/hid.js';
import type { Transport } from '../../drivers/transport/transport.js';

export interface FakeHidDeviceInfo {
  path: string;
  vendorId: number;
  productId: number;
  serialNumber?: string;
  manufacturer?: string;
  product?: string;
  interface?: number;
  usagePage?: number;
  usage?: number;
  /** Whether input reports carry a leading report id byte (numbered reports). Default false. */
  numberedInput?: boolean;
}

export class FakeHidHandle extends EventEmitter implements HidHandle {
  closed = false;
  constructor(readonly device: FakeHidDevice) {
    super();
  }

  async write(values: number[] | Buffer): Promise<number> {
    await new Promise<void>((r) => setImmediate(r));
    if (this.closed) throw new Error('device is closed');
    return this.device.hostWrote(Buffer.from(values));
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.removeAllListeners();
    this.device.handleClosed(this);
  }
}

export class FakeHidDevice {
  readonly reports: Buffer[] = [];
  #present = true;
  #handles = new Set<FakeHidHandle>();
  readonly #hostReports = new Emitter<Buffer>();
  /** When set, the next host write rejects with this error (once). */
  failNextWrite: Error | undefined;
  /** When set, every host write reports this many bytes written (to simulate short writes). */
  shortWrite: number | undefined;

  constructor(
    readonly info: FakeHidDeviceInfo,
    private readonly owner: FakeNodeHid,
  ) {}

  get present(): boolean {
    return this.#present;
  }

  get openHandles(): number {
    return this.#handles.size;
  }

  /** @internal */
  attach(h: FakeHidHandle): void {
    this.#handles.add(h);
  }

  /** @internal */
  handleClosed(h: FakeHidHandle): void {
    this.#handles.delete(h);
  }

  /** @internal: a host write of one report. */
  hostWrote(report: Buffer): number {
    if (!this.#present) throw new Error('Cannot write to hid device');
    if (this.failNextWrite) {
      const e = this.failNextWrite;
      this.failNextWrite = undefined;
      throw e;
    }
    this.reports.push(report);
    this.#hostReports.emit(report);
    return this.shortWrite ?? report.length;
  }

  /** Reports the host writes, as node-hid hands them to hidapi (report id first, 0 for unnumbered). */
  onHostReport(listener: (report: Buffer) => void): Unsubscribe {
    return this.#hostReports.on(listener);
  }

  /** Sends one input report to every open handle (asynchronously, like the read thread). */
  sendReport(report: Uint8Array): void {
    const copy = Buffer.from(report);
    setImmediate(() => {
      for (const h of this.#handles) if (!h.closed && h.listenerCount('data') > 0) h.emit('data', copy);
    });
  }

  /** Pulls the cable: open handles get an 'error' like node-hid's read thread emits; writes fail; the device leaves devices(). */
  unplug(): void {
    if (!this.#present) return;
    this.#present = false;
    this.owner.removeDevice(this);
    setImmediate(() => {
      for (const h of this.#handles) if (!h.closed) h.emit('error', new Error('could not read from HID device'));
    });
  }

  /** Plugs it back in (same path). */
  replug(): void {
    if (this.#present) return;
    this.#present = true;
    this.owner.addDevice(this);
  }

  /**
   * The device end as a Transport for simulators: host reports are decoded into data,
   * writes are split into input reports with `framing`.
   */
  asDeviceTransport(framing: HidFraming): Transport {
    return new FakeHidDeviceEnd(this, framing);
  }
}

class FakeHidDeviceEnd implements Transport {
  readonly kind = 'hid-fake-device';
  readonly path: string;
  readonly #data = new Emitter<Uint8Array>();
  readonly #closed = new Emitter<DeviceError | undefined>();
  #open = true;
  readonly #off: Unsubscribe;

  constructor(
    private readonly device: FakeHidDevice,
    private readonly framing: HidFraming,
  ) {
    this.path = device.info.path;
    this.#off = device.onHostReport((r) => {
      const d = decodeHidReport(r, framing, true);
      if (d.ok && d.data.length > 0) this.#data.emit(Uint8Array.from(d.data));
    });
  }

  get isOpen(): boolean {
    return this.#open && this.device.present;
  }

  async write(bytes: Uint8Array, signal?: AbortSignal): Promise<void> {
    if (signal?.aborted) throw canceledError('transport', signal.reason);
    if (!this.isOpen) throw new DeviceError('transport', 'disconnected', `${this.path}: fake device end closed`, 'reset');
    const numbered = this.device.info.numberedInput ?? this.framing.reportId !== 0;
    for (const r of encodeHidReports(bytes, this.framing)) this.device.sendReport(numbered ? r : r.subarray(1));
  }

  onData(listener: (chunk: Uint8Array) => void): Unsubscribe {
    return this.#data.on(listener);
  }

  onClose(listener: (error?: DeviceError) => void): Unsubscribe {
    return this.#closed.on(listener);
  }

  async close(): Promise<void> {
    if (!this.#open) return;
    this.#open = false;
    this.#off();
    this.#closed.emit(undefined);
  }
}

export class FakeNodeHid implements NodeHidModule {
  readonly #devices = new Map<string, FakeHidDevice>();
  /** When set, the next open rejects with this error (once). */
  failNextOpen: Error | undefined;
  /** Delay before open resolves, to test canceling an open. */
  openDelayMs = 0;
  opens = 0;

  readonly HIDAsync = {
    open: async (pathOrVid: string | number, pid?: number | { nonExclusive?: boolean }): Promise<FakeHidHandle> => {
      this.opens++;
      if (this.openDelayMs > 0) await new Promise((r) => setTimeout(r, this.openDelayMs));
      else await new Promise<void>((r) => setImmediate(r));
      if (this.failNextOpen) {
        const e = this.failNextOpen;
        this.failNextOpen = undefined;
        throw e;
      }
      const dev =
        typeof pathOrVid === 'string'
          ? this.#devices.get(pathOrVid)
          : [...this.#devices.values()].find((d) => d.info.vendorId === pathOrVid && d.info.productId === pid);
      // node-hid's message for a device it cannot open
      if (!dev) throw new Error(`cannot open device with path ${String(pathOrVid)}`);
      const h = new FakeHidHandle(dev);
      dev.attach(h);
      return h;
    },
  };

  plug(info: FakeHidDeviceInfo): FakeHidDevice {
    const d = new FakeHidDevice(info, this);
    this.#devices.set(info.path, d);
    return d;
  }

  /** @internal */
  removeDevice(d: FakeHidDevice): void {
    if (this.#devices.get(d.info.path) === d) this.#devices.delete(d.info.path);
  }

  /** @internal */
  addDevice(d: FakeHidDevice): void {
    this.#devices.set(d.info.path, d);
  }

  devices(): HidDeviceRecord[] {
    return [...this.#devices.values()].map((d) => ({
      vendorId: d.info.vendorId,
      productId: d.info.productId,
      path: d.info.path,
      serialNumber: d.info.serialNumber,
      manufacturer: d.info.manufacturer,
      product: d.info.product,
      release: 0x0100,
      interface: d.info.interface ?? 0,
      usagePage: d.info.usagePage,
      usage: d.info.usage,
    }));
  }

  async devicesAsync(): Promise<HidDeviceRecord[]> {
    await new Promise<void>((r) => setImmediate(r));
    return this.devices();
  }
}
