/**
 * QrCodeReader: a QR/barcode reader in one of the two modes kiosk readers ship in, on any Transport:
 *
 * - serial ("virtual COM", CDC-ACM or a USB-serial adapter): payload + terminator (CR, LF, CR LF);
 * - HID POS (usage page 0x8C): Scanned Data Reports through HidTransport (report id 0x02).
 *
 * Keyboard emulation ("keyboard wedge", usage page 0x01) is not supported: the OS owns the device and it
 * types into whatever has focus; set the reader to HID POS or serial mode (README.md).
 *
 * The reader only talks; there is no request/reply, so there is no link.ts: bytes go through the shared
 * FrameReader with the mode's parser. LinkKeeper reopens a lost link with backoff.
 */
import {
  Counters,
  DeviceError,
  Emitter,
  errorSummary,
  deadline,
  type DeviceErrorSummary,
  type DeviceInfo,
  type DeviceState,
  type DeviceStatusSnapshot,
  type HealthLevel,
  type HealthReport,
  type Unsubscribe,
} from '../device.js';
import { FrameReader } from '../transport/frame-reader.js';
import { LinkKeeper, type LinkKeeperOptions } from '../transport/keeper.js';
import type { TransportOpener } from '../transport/transport.js';
import { DuplicateFilter } from './protocol/dedupe.js';
import { HIDPOS_RECORD, parseHidPos } from './protocol/hidpos.js';
import { serialScanParser, type QrFrameError, type RawScan, type Terminator } from './protocol/serial.js';
import { decodePayload } from './protocol/text.js';
import type { QrReader, QrScan } from './types.js';

export type QrReaderMode = { mode: 'serial'; terminator: Terminator; aimPrefix?: boolean; maxLength?: number } | { mode: 'hid-pos' };

export interface QrCodeReaderOptions {
  /** A repeat of the same code within this many ms is collapsed. Default 2000. */
  duplicateWindowMs?: number;
  keeper?: LinkKeeperOptions;
  clock?: () => number;
}

const COUNTER_NAMES = ['scans', 'duplicates', 'badScans', 'droppedBytes', 'linkDrops', 'linkUps'] as const;
type CounterName = (typeof COUNTER_NAMES)[number];


export class QrCodeReader implements QrReader {
  readonly kind = 'qr-reader' as const;
  readonly #keeper: LinkKeeper;
  readonly #mode: QrReaderMode;
  readonly #filter: DuplicateFilter;
  readonly #clock: () => number;
  readonly #counters = new Counters<CounterName>(COUNTER_NAMES);
  readonly #status = new Emitter<DeviceStatusSnapshot>();
  readonly #scans = new Emitter<QrScan>();
  readonly #info: DeviceInfo;
  #state: DeviceState = 'offline';
  #since = Date.now();
  #lastError: DeviceErrorSummary | undefined;
  #unsub: Unsubscribe | undefined;
  #started = false;
  #everUp = false;

  constructor(
    readonly id: string,
    opener: TransportOpener,
    mode: QrReaderMode,
    opts: QrCodeReaderOptions = {},
  ) {
    this.#mode = mode;
    this.#filter = new DuplicateFilter(opts.duplicateWindowMs ?? 2000);
    this.#clock = opts.clock ?? Date.now;
    this.#info = { kind: 'qr-reader', transport: opener.kind, path: opener.path, model: mode.mode === 'serial' ? `serial QR reader (${mode.terminator.toUpperCase()} terminated)` : 'HID POS scanner (usage page 0x8C)' };
    this.#keeper = new LinkKeeper(opener, opts.keeper ?? {});
    this.#keeper.on((e) => {
      this.#unsub?.();
      this.#unsub = undefined;
      if (e.type === 'up') {
        const reader = this.#newReader();
        this.#unsub = FrameReader.attach(e.transport, reader);
        this.#everUp = true;
        this.#counters.add('linkUps');
        this.#info.transport = e.transport.kind;
        this.#info.path = e.transport.path;
        this.#setState('online');
      } else {
        if (this.#state === 'online') this.#counters.add('linkDrops');
        this.#lastError = errorSummary(e.error);
        this.#setState(!this.#everUp && e.error.code === 'not-found' ? 'no-device' : 'offline', true);
      }
    });
  }

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
    return this.#status.on(listener);
  }

  onScan(listener: (scan: QrScan) => void): Unsubscribe {
    return this.#scans.on(listener);
  }

  nextScan(opts: { signal?: AbortSignal; timeoutMs: number }): Promise<QrScan> {
    const wait = deadline(opts.timeoutMs, opts.signal);
    return new Promise<QrScan>((resolve, reject) => {
      const fail = (): void => {
        off();
        wait.dispose();
        reject(opts.signal?.aborted ? new DeviceError('qr-reader', 'canceled', 'waiting for a scan was canceled', 'retry', undefined, { cause: opts.signal.reason }) : new DeviceError('qr-reader', 'timeout', `no code was scanned within ${opts.timeoutMs} ms`, 'clear', 'no-scan'));
      };
      const off = this.#scans.on((s) => {
        off();
        wait.dispose();
        wait.signal.removeEventListener('abort', fail);
        resolve(s);
      });
      if (wait.signal.aborted) fail();
      else wait.signal.addEventListener('abort', fail, { once: true });
    });
  }

  resetDuplicates(): void {
    this.#filter.clear();
  }

  start(): void {
    if (this.#started) return;
    this.#started = true;
    this.#keeper.start();
  }

  async close(): Promise<void> {
    this.#started = false;
    this.#unsub?.();
    this.#unsub = undefined;
    await this.#keeper.stop();
    this.#setState('offline');
  }

  async checkHealth(level: HealthLevel, signal?: AbortSignal): Promise<HealthReport> {
    const report = (ok: boolean, text: string): HealthReport => ({ level, ok, text, checkedAt: Date.now() });
    if (this.#state !== 'online') return report(false, `QR reader ${this.#state}${this.#lastError ? `: ${this.#lastError.message}` : ''}`);
    if (level !== 'interactive') return report(true, `QR reader link up (${this.#info.model ?? this.#mode.mode}, ${this.#info.path ?? '?'}); a reader that only talks has nothing to ask`);
    try {
      const s = await this.nextScan({ timeoutMs: 30_000, ...(signal ? { signal } : {}) });
      return report(true, `scan read: ${s.bytes.length} bytes${s.symbology ? `, ${s.symbology}` : ''}${s.encoding ? `, ${s.encoding}` : ', binary'}`);
    } catch (e) {
      return report(false, `interactive check: ${e instanceof Error ? e.message : 'no scan'}`);
    }
  }

  #newReader(): FrameReader<RawScan, QrFrameError> {
    const m = this.#mode;
    return new FrameReader<RawScan, QrFrameError>({
      parse: m.mode === 'serial' ? serialScanParser({ terminator: m.terminator, ...(m.aimPrefix !== undefined ? { aimPrefix: m.aimPrefix } : {}), ...(m.maxLength !== undefined ? { maxLength: m.maxLength } : {}) }) : parseHidPos,
      maxBuffered: m.mode === 'serial' ? (m.maxLength ?? 4096) + 2 : 64 * HIDPOS_RECORD,
      device: 'qr-reader',
      onFrame: (raw) => this.#onRaw(raw),
      onError: (e, consumed) => {
        this.#counters.add('badScans');
        this.#counters.add('droppedBytes', consumed);
        this.#lastError = errorSummary(e);
        this.#emitStatus();
      },
      onOverflow: (e) => {
        this.#counters.add('badScans');
        this.#counters.add('droppedBytes', e.dropped);
        this.#lastError = errorSummary(e);
        this.#emitStatus();
      },
    });
  }

  #onRaw(raw: RawScan): void {
    const at = this.#clock();
    if (!this.#filter.accept(raw.bytes, at)) {
      this.#counters.add('duplicates');
      return;
    }
    const decoded = decodePayload(raw.bytes);
    this.#counters.add('scans');
    this.#counters.add('operations');
    this.#scans.emit({ bytes: raw.bytes, text: decoded.text, encoding: decoded.encoding, symbology: raw.symbology, at });
  }

  #emitStatus(): void {
    this.#status.emit(this.status());
  }

  #setState(state: DeviceState, force = false): void {
    if (state === this.#state && !force) return;
    if (state !== this.#state) this.#since = Date.now();
    this.#state = state;
    this.#emitStatus();
  }
}
