/**
 * SerialTransport: a Transport over serialport 13 (USB-serial adapters, CDC-ACM
 * devices, on-board UARTs, and pseudo-terminals in tests).
 *
 * Open devices by a stable path: `/dev/serial/by-id/usb-<vendor>_<product>_<serial>-if00-port0`
 * (made by udev's 60-persistent-serial rule from the USB serial number), or by
 * `/dev/serial/by-path/...` for cheap adapters without a unique serial, or by a
 * SYMLINK+= of your own udev rule (see the README). `/dev/ttyUSB0` numbers follow
 * detection order and change when a device re-enumerates.
 *
 * Loss detection: serialport closes the port with a DisconnectedError when a read
 * fails (EIO when a pty master goes away, ENXIO/EIO on USB unplug) — measured at
 * 1-12 ms for a killed socat in most runs. That path is not reliable on its own
 * (in some runs no read error came at all), so a watchdog stats the path every
 * `watchdogMs` (default 250 ms) and reports loss when the path is gone or now names
 * a different device node (a re-plugged adapter, a restarted socat): loss is
 * reported within about `watchdogMs` even if the kernel stays silent.
 */
import { stat, readdir, realpath } from 'node:fs/promises';
import { join } from 'node:path';
import type * as SerialportModule from 'serialport';
import { DeviceError, Emitter, canceledError, type Unsubscribe } from '../device.js';
import { leanPort } from './serial-io.js';
import type { Transport, TransportOpener } from './transport.js';

export type SerialParity = 'none' | 'even' | 'odd' | 'mark' | 'space';

export interface SerialOptions {
  /** Preferably a stable path such as /dev/serial/by-id/usb-…-if00-port0. */
  path: string;
  /** Default 115200. */
  baudRate?: number;
  /** Default 8. */
  dataBits?: 5 | 6 | 7 | 8;
  /** Default 1. */
  stopBits?: 1 | 1.5 | 2;
  /** Default 'none'. */
  parity?: SerialParity;
  /** Hardware flow control (RTS/CTS). Default false. */
  rtscts?: boolean;
  /** How often the watchdog checks that the path still names the opened device; 0 disables. Default 250 ms. */
  watchdogMs?: number;
}

type ResolvedSerialOptions = Required<SerialOptions>;

const BAUD_RATES = new Set([
  110, 300, 600, 1200, 2400, 4800, 9600, 14400, 19200, 38400, 57600, 115200, 128000, 230400, 256000, 460800, 921600,
]);

function configError(message: string): DeviceError {
  return new DeviceError('transport', 'invalid-data', `serial configuration: ${message}`, 'maintenance');
}

/** Checks options from configuration files (untyped at run time) and fills defaults. */
export function resolveSerialOptions(o: SerialOptions): ResolvedSerialOptions {
  const r: ResolvedSerialOptions = {
    path: o.path,
    baudRate: o.baudRate ?? 115200,
    dataBits: o.dataBits ?? 8,
    stopBits: o.stopBits ?? 1,
    parity: o.parity ?? 'none',
    rtscts: o.rtscts ?? false,
    watchdogMs: o.watchdogMs ?? 250,
  };
  if (typeof r.path !== 'string' || r.path.length === 0 || !r.path.startsWith('/')) throw configError(`'path' must be an absolute device path`);
  if (!Number.isInteger(r.baudRate) || !BAUD_RATES.has(r.baudRate)) throw configError(`'baudRate' ${String(r.baudRate)} is not a standard rate`);
  if (![5, 6, 7, 8].includes(r.dataBits)) throw configError(`'dataBits' must be 5, 6, 7 or 8`);
  if (![1, 1.5, 2].includes(r.stopBits)) throw configError(`'stopBits' must be 1, 1.5 or 2`);
  if (!['none', 'even', 'odd', 'mark', 'space'].includes(r.parity)) throw configError(`'parity' must be none, even, odd, mark or space`);
  if (typeof r.rtscts !== 'boolean') throw configError(`'rtscts' must be a boolean`);
  if (!Number.isFinite(r.watchdogMs) || r.watchdogMs < 0) throw configError(`'watchdogMs' must be >= 0`);
  return r;
}

function errnoCode(e: unknown): string | undefined {
  if (typeof e === 'object' && e !== null && 'code' in e && typeof (e as { code: unknown }).code === 'string') {
    return (e as { code: string }).code;
  }
  return undefined;
}

/**
 * serialport with its native binding, loaded when a port is first opened or listed: loading them costs about 50 ms
 * (most of it the binding), which a start that opens no serial port — web mode, a kiosk whose devices are all
 * USB HID or simulated — should not pay (docs/performance.md, "Start-up"). A binding that does not load is the
 * device's fault to report, not the kiosk's start to fail.
 */
let serialport: Promise<typeof SerialportModule> | undefined;
async function loadSerialport(): Promise<typeof SerialportModule> {
  serialport ??= import('serialport');
  try {
    return await serialport;
  } catch (e) {
    serialport = undefined;
    throw new DeviceError('transport', 'device-fault', `cannot load serialport or its native binding: ${messageOf(e)}`, 'maintenance', undefined, { cause: e });
  }
}

function messageOf(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}

/** Maps an error from opening a port to a typed DeviceError with the next action. */
function openError(path: string, e: unknown): DeviceError {
  const code = errnoCode(e);
  const msg = messageOf(e);
  if (code === 'ENOENT' || code === 'ENXIO' || code === 'ENODEV' || /no such file|no such device/i.test(msg)) {
    return new DeviceError('transport', 'not-found', `${path}: no such device`, 'wait', undefined, { cause: e });
  }
  if (code === 'EACCES' || code === 'EPERM' || /permission denied/i.test(msg)) {
    return new DeviceError('transport', 'not-found', `${path}: permission denied (udev rule / dialout group?)`, 'maintenance', 'permission-denied', { cause: e });
  }
  if (code === 'EBUSY' || /cannot lock port|resource temporarily unavailable|busy/i.test(msg)) {
    return new DeviceError('transport', 'busy', `${path}: port is in use by another process`, 'wait', 'port-locked', { cause: e });
  }
  return new DeviceError('transport', 'disconnected', `${path}: cannot open: ${msg}`, 'wait', undefined, { cause: e });
}

/** The identity of the device node a path names now (follows symlinks). */
async function nodeIdentity(path: string): Promise<string> {
  const s = await stat(path);
  return `${s.dev}:${s.ino}:${s.rdev}`;
}

export class SerialTransport implements Transport {
  readonly kind = 'serial';
  readonly #port: SerialportModule.SerialPort;
  readonly #data = new Emitter<Uint8Array>();
  readonly #closed = new Emitter<DeviceError | undefined>();
  #open = true;
  #closing = false;
  #watchdog: ReturnType<typeof setInterval> | undefined;
  #lossWaiters = new Set<(e: DeviceError) => void>();

  private constructor(
    readonly path: string,
    port: SerialportModule.SerialPort,
    identity: string,
    watchdogMs: number,
    /** How reads and writes reach the descriptor: 'direct' (serial-io.ts, Linux) or serialport's own thread-pool I/O. */
    readonly io: 'direct' | 'thread-pool',
  ) {
    this.#port = port;
    port.on('data', (chunk: Buffer) => {
      if (this.#open) this.#data.emit(new Uint8Array(chunk.buffer, chunk.byteOffset, chunk.byteLength));
    });
    port.on('close', (err?: Error & { disconnected?: boolean }) => {
      if (this.#closing) return;
      this.#lose(`port closed${err ? `: ${err.message}` : ''}`, err);
    });
    port.on('error', (err: Error) => {
      if (this.#closing) return;
      this.#lose(`port error: ${err.message}`, err);
    });
    port.on('end', () => {
      if (!this.#closing) this.#lose('end of stream');
    });
    if (watchdogMs > 0) {
      let checking = false;
      this.#watchdog = setInterval(() => {
        if (checking || !this.#open) return;
        checking = true;
        nodeIdentity(path).then(
          (now) => {
            checking = false;
            if (now !== identity) this.#lose('path now names another device (re-plugged)');
          },
          (e: unknown) => {
            checking = false;
            this.#lose(`path is gone (${errnoCode(e) ?? messageOf(e)})`, e);
          },
        );
      }, watchdogMs);
      this.#watchdog.unref();
    }
  }

  /** Opens `opts.path`; rejects with a typed DeviceError ('not-found' + 'wait' when the path does not exist). */
  static async open(options: SerialOptions, signal?: AbortSignal): Promise<SerialTransport> {
    const o = resolveSerialOptions(options);
    if (signal?.aborted) throw canceledError('transport', signal.reason);
    let identity: string;
    try {
      identity = await nodeIdentity(o.path);
    } catch (e) {
      throw openError(o.path, e);
    }
    const { SerialPort } = await loadSerialport();
    if (signal?.aborted) throw canceledError('transport', signal.reason);
    const port = new SerialPort({
      path: o.path,
      baudRate: o.baudRate,
      dataBits: o.dataBits,
      stopBits: o.stopBits,
      parity: o.parity,
      rtscts: o.rtscts,
      autoOpen: false,
    });
    // An 'error' without a listener would crash the process; the transport adds its own after open.
    const swallow = (): void => undefined;
    port.on('error', swallow);
    const opened = new Promise<void>((resolve, reject) => port.open((err) => (err ? reject(openError(o.path, err)) : resolve())));
    if (signal) {
      let onAbort: (() => void) | undefined;
      const aborted = new Promise<never>((_, reject) => {
        onAbort = () => reject(canceledError('transport', signal.reason));
        signal.addEventListener('abort', onAbort, { once: true });
      });
      try {
        await Promise.race([opened, aborted]);
      } catch (e) {
        // If the open completes after the abort, close the port so nothing leaks.
        opened.then(
          () => port.close(() => undefined),
          () => undefined,
        );
        throw e;
      } finally {
        if (onAbort) signal.removeEventListener('abort', onAbort);
      }
    } else {
      await opened;
    }
    port.off('error', swallow);
    const io = leanPort(port.port) ? 'direct' : 'thread-pool';
    return new SerialTransport(o.path, port, identity, o.watchdogMs, io);
  }

  get isOpen(): boolean {
    return this.#open;
  }

  /** Resolves once the bytes are written and drained (tcdrain). On cancel, bytes already handed to the OS may still go out. */
  async write(bytes: Uint8Array, signal?: AbortSignal): Promise<void> {
    if (signal?.aborted) throw canceledError('transport', signal.reason);
    if (!this.#open) throw new DeviceError('transport', 'disconnected', `${this.path} is closed`, 'reset');
    const buf = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    return new Promise<void>((resolve, reject) => {
      let settled = false;
      const finish = (err?: DeviceError): void => {
        if (settled) return;
        settled = true;
        signal?.removeEventListener('abort', onAbort);
        this.#lossWaiters.delete(onLoss);
        if (err) reject(err);
        else resolve();
      };
      const onAbort = (): void => finish(canceledError('transport', signal?.reason));
      const onLoss = (e: DeviceError): void => finish(new DeviceError('transport', 'disconnected', `${this.path}: link lost during write`, e.action, undefined, { cause: e }));
      signal?.addEventListener('abort', onAbort, { once: true });
      this.#lossWaiters.add(onLoss);
      const failed = (err: Error): void =>
        finish(
          this.#closing
            ? new DeviceError('transport', 'disconnected', `${this.path} closed during write`, 'reset', undefined, { cause: err })
            : new DeviceError('transport', 'disconnected', `${this.path}: write failed: ${err.message}`, 'wait', undefined, { cause: err }),
        );
      try {
        this.#port.write(buf, (err) => {
          if (err) return failed(err);
          if (settled) return;
          this.#port.drain((err2) => (err2 ? failed(err2) : finish()));
        });
      } catch (e) {
        failed(e instanceof Error ? e : new Error(String(e)));
      }
    });
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
    const err = new DeviceError('transport', 'disconnected', `${this.path} closed`, 'reset');
    for (const w of [...this.#lossWaiters]) w(err);
    await this.#shutdown();
    this.#end(undefined);
  }

  #lose(why: string, cause?: unknown): void {
    if (!this.#open || this.#closing) return;
    this.#closing = true;
    const err = new DeviceError('transport', 'disconnected', `${this.path}: device lost: ${why}`, 'wait', undefined, { cause });
    for (const w of [...this.#lossWaiters]) w(err);
    this.#end(err);
    void this.#shutdown();
  }

  async #shutdown(): Promise<void> {
    if (this.#watchdog) clearInterval(this.#watchdog);
    this.#watchdog = undefined;
    if (!this.#port.isOpen) return;
    await new Promise<void>((resolve) => {
      try {
        this.#port.close(() => resolve());
      } catch {
        resolve();
      }
    });
  }

  #end(error: DeviceError | undefined): void {
    if (!this.#open) return;
    this.#open = false;
    this.#closed.emit(error);
    this.#data.clear();
    this.#closed.clear();
    this.#lossWaiters.clear();
  }
}

/** Opens serial ports with fixed settings; devices call open() again after a loss. */
export class SerialOpener implements TransportOpener {
  readonly kind = 'serial';
  readonly path: string;
  readonly #options: SerialOptions;

  constructor(options: SerialOptions) {
    this.#options = resolveSerialOptions(options);
    this.path = options.path;
  }

  open(signal?: AbortSignal): Promise<Transport> {
    return SerialTransport.open(this.#options, signal);
  }
}

export interface SerialPortListing {
  /** The kernel node, e.g. /dev/ttyUSB0. */
  path: string;
  /** The stable /dev/serial/by-id link to it, if udev made one. */
  byId?: string;
  /** The /dev/serial/by-path link (stable per physical USB socket), if any. */
  byPath?: string;
  /** Lower-case hex, e.g. '1a86'. */
  vendorId?: string;
  productId?: string;
  manufacturer?: string;
  serialNumber?: string;
}

export interface ListSerialPortsDeps {
  /** Default: serialport's list() (uses udevadm on Linux). */
  list?: () => Promise<Array<{ path: string; vendorId?: string | undefined; productId?: string | undefined; manufacturer?: string | undefined; serialNumber?: string | undefined }>>;
  /** Default /dev/serial. */
  serialDir?: string;
}

async function linksIn(dir: string): Promise<Map<string, string>> {
  const map = new Map<string, string>();
  let names: string[];
  try {
    names = await readdir(dir);
  } catch {
    return map;
  }
  for (const name of names) {
    const link = join(dir, name);
    try {
      map.set(await realpath(link), link);
    } catch {
      // dangling link
    }
  }
  return map;
}

/** Lists serial ports for the technician CLI: kernel path, stable links, USB ids. */
export async function listSerialPorts(signal?: AbortSignal, deps: ListSerialPortsDeps = {}): Promise<SerialPortListing[]> {
  if (signal?.aborted) throw canceledError('transport', signal.reason);
  const list = deps.list ?? (async () => (await loadSerialport()).SerialPort.list());
  const dir = deps.serialDir ?? '/dev/serial';
  let ports: Awaited<ReturnType<NonNullable<ListSerialPortsDeps['list']>>>;
  try {
    ports = await list();
  } catch (e) {
    throw new DeviceError('transport', 'device-fault', `cannot list serial ports: ${messageOf(e)}`, 'maintenance', undefined, { cause: e });
  }
  const [byId, byPath] = await Promise.all([linksIn(join(dir, 'by-id')), linksIn(join(dir, 'by-path'))]);
  if (signal?.aborted) throw canceledError('transport', signal.reason);
  return ports.map((p) => {
    const real = p.path;
    const out: SerialPortListing = { path: real };
    const id = byId.get(real);
    const bp = byPath.get(real);
    if (id) out.byId = id;
    if (bp) out.byPath = bp;
    if (p.vendorId) out.vendorId = p.vendorId.toLowerCase();
    if (p.productId) out.productId = p.productId.toLowerCase();
    if (p.manufacturer) out.manufacturer = p.manufacturer;
    if (p.serialNumber) out.serialNumber = p.serialNumber;
    return out;
  });
}
