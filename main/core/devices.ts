import type { Logger } from 'pino';
import type { Device } from '../../drivers/device.js';
import type { Transport, TransportOpener } from '../../drivers/transport/transport.js';
import { DeviceError } from '../../drivers/device.js';
import { SerialOpener } from '../../drivers/transport/serial.js';
import { HidOpener } from '../../drivers/transport/hid.js';
import type { IdCardReader } from '../../drivers/id-card/types.js';
import { SamIdCardReader } from '../../drivers/id-card/reader.js';
import { EscPosPrinter } from '../../drivers/receipt-printer/printer.js';
import type { ReceiptPrinter } from '../../drivers/receipt-printer/types.js';
import { SanedScanner } from '../../drivers/document-scanner/document-scanner.js';
import { tcpConnector, type SaneConnector } from '../../drivers/document-scanner/connector.js';
import type { DocumentScanner, ScanRequest } from '../../drivers/document-scanner/types.js';
import { NexoPaymentPad } from '../../drivers/payment-pad/pad.js';
import type { PaymentPad } from '../../drivers/payment-pad/types.js';
import { QrCodeReader, hidPosOpener } from '../../drivers/qr-reader/reader.js';
import type { QrReader } from '../../drivers/qr-reader/types.js';
import type { Profile } from './profile.js';

export interface BuiltDevices {
  devices: Device[];
  reader: IdCardReader | null;
  /** The receipt printer, for acceptance receipts; null when the profile has none. */
  printer: ReceiptPrinter | null;
  /** The document scanner (saned), for the materials step; null when the profile has none. */
  scanner: DocumentScanner | null;
  /** What a matter's scan asks the scanner for (source, mode, resolution), from the profile or the simulator. */
  scanDefaults: Omit<ScanRequest, 'maxPages' | 'pdf'>;
  /** The payment pad (nexo over serial), for the fee step; null when the profile has none. */
  pad: PaymentPad | null;
  /** The QR code reader (receipts at the attract screen, e-certificate / e-ID codes in a matter); null when none. */
  qrReader: QrReader | null;
}

/**
 * Links to simulated devices, provided by the host (web mode, tests, `kioskctl sim`: see main/sim).
 * The core never builds simulators; a device the profile names as 'simulated' opens the link given here.
 */
export interface SimulatedOpeners {
  readonly idCard?: TransportOpener;
  readonly printer?: TransportOpener;
  /** A SANE server with a simulated scanner behind it (in memory), the device name it lists, and what to scan with. */
  readonly scanner?: { readonly connector: SaneConnector; readonly device: string; readonly defaults?: Omit<ScanRequest, 'maxPages' | 'pdf'> };
  /** A nexo pad simulator's link; `paymentTimeoutMs` shortens the wait for an answer that never comes (training, tests). */
  readonly paymentPad?: { readonly opener: TransportOpener; readonly paymentTimeoutMs?: number; readonly abortWaitMs?: number };
  /** A QR reader simulator's link, in serial mode with a CR terminator. */
  readonly qrReader?: TransportOpener;
}

/** A 'simulated' device on a host that provides no simulator (Electron's core process): never opens, says why. */
class NoSimulatorOpener implements TransportOpener {
  readonly kind = 'simulated';
  constructor(readonly path: string) {}
  open(): Promise<Transport> {
    return Promise.reject(
      new DeviceError('transport', 'not-found', `${this.path}: the profile names a simulated device, but this host provides no simulators (web mode does): configure the real device`, 'maintenance'),
    );
  }
}

function noSimulatorConnector(path: string): SaneConnector {
  const control = new NoSimulatorOpener(path);
  return { address: path, control, openData: () => control.open() };
}

/** Device ids, as the supervisor, the technician screens and kioskctl name them. */
export const DEVICE_IDS = { idCard: 'id-card', printer: 'receipt-printer', scanner: 'scanner', pad: 'payment-pad', qrReader: 'qr-reader' } as const;

/** Wraps a device's opener before the driver gets it (the core's protocol trace taps the link here). */
export type OpenerWrap = (device: string, kind: Device['kind'], opener: TransportOpener) => TransportOpener;

/** Builds the devices the profile names; simulated devices sit on in-process links the host provides. */
export function buildDevices(profile: Profile, log: Logger, simulated: SimulatedOpeners = {}, wrap: OpenerWrap = (_d, _k, o) => o): BuiltDevices {
  const devices: Device[] = [];
  const configured = (id: string, transport: string, path: string, extra: object = {}): void => {
    log.info({ device: id, transport, path, ...extra }, 'device configured');
    warnUnstablePath(log, id, path);
  };
  let reader: IdCardReader | null = null;
  let printer: ReceiptPrinter | null = null;
  let scanner: DocumentScanner | null = null;
  let scanDefaults: BuiltDevices['scanDefaults'] = {};
  let pad: PaymentPad | null = null;
  let qrReader: QrReader | null = null;

  const idCfg = profile.devices.idCard;
  if (idCfg.type !== 'none') {
    let opener: TransportOpener;
    if (idCfg.type === 'simulated') {
      opener = simulated.idCard ?? new NoSimulatorOpener('simulated:id-card');
    } else if (idCfg.type === 'serial') {
      opener = new SerialOpener({ path: idCfg.path, baudRate: idCfg.baudRate });
    } else {
      opener = new HidOpener({ path: idCfg.path, reportId: idCfg.reportId, reportSize: idCfg.reportSize });
    }
    reader = new SamIdCardReader(DEVICE_IDS.idCard, wrap(DEVICE_IDS.idCard, 'id-card', opener), idCfg.presence ? { pollMs: idCfg.presence.pollMs, presentPollMs: idCfg.presence.presentPollMs } : {});
    devices.push(reader);
    configured(DEVICE_IDS.idCard, opener.kind, opener.path);
  }

  const prCfg = profile.devices.printer;
  if (prCfg.type !== 'none') {
    let opener: TransportOpener;
    if (prCfg.type === 'simulated') {
      opener = simulated.printer ?? new NoSimulatorOpener('simulated:printer');
    } else {
      opener = new SerialOpener({ path: prCfg.path, baudRate: prCfg.baudRate });
    }
    printer = new EscPosPrinter(DEVICE_IDS.printer, wrap(DEVICE_IDS.printer, 'receipt-printer', opener), { profile: prCfg.paper });
    devices.push(printer);
    configured(DEVICE_IDS.printer, opener.kind, opener.path, { paper: prCfg.paper });
  }

  const scCfg = profile.devices.scanner;
  if (scCfg.type !== 'none') {
    let connector: SaneConnector;
    let device: string;
    if (scCfg.type === 'simulated') {
      const sim = simulated.scanner;
      connector = sim?.connector ?? noSimulatorConnector('simulated:scanner');
      device = sim?.device ?? 'simulated';
      scanDefaults = { ...sim?.defaults };
    } else {
      connector = tcpConnector({ host: scCfg.host, port: scCfg.port });
      device = scCfg.device;
      scanDefaults = { source: scCfg.source, mode: scCfg.mode, resolution: scCfg.resolution, ...(scCfg.pageSize !== undefined ? { pageSize: scCfg.pageSize } : {}) };
    }
    scanner = new SanedScanner(DEVICE_IDS.scanner, connector, { device });
    devices.push(scanner);
    log.info({ device: DEVICE_IDS.scanner, transport: 'network', path: `${connector.address}/${device}`, ...scanDefaults }, 'device configured');
  }

  const padCfg = profile.devices.paymentPad;
  if (padCfg.type !== 'none') {
    let opener: TransportOpener;
    let timeouts: { paymentTimeoutMs?: number; abortWaitMs?: number } = {};
    if (padCfg.type === 'simulated') {
      const sim = simulated.paymentPad;
      opener = sim?.opener ?? new NoSimulatorOpener('simulated:payment-pad');
      timeouts = {
        ...(sim?.paymentTimeoutMs !== undefined ? { paymentTimeoutMs: sim.paymentTimeoutMs } : {}),
        ...(sim?.abortWaitMs !== undefined ? { abortWaitMs: sim.abortWaitMs } : {}),
      };
    } else {
      opener = new SerialOpener({ path: padCfg.path, baudRate: padCfg.baudRate, dataBits: padCfg.dataBits, parity: padCfg.parity });
      timeouts = { paymentTimeoutMs: padCfg.paymentTimeoutSeconds * 1000 };
    }
    pad = new NexoPaymentPad(DEVICE_IDS.pad, wrap(DEVICE_IDS.pad, 'payment', opener), { saleId: profile.terminalId, ...timeouts });
    devices.push(pad);
    configured(DEVICE_IDS.pad, opener.kind, opener.path, { protocol: 'nexo' });
  }

  const qrCfg = profile.devices.qrReader;
  if (qrCfg.type !== 'none') {
    if (qrCfg.type === 'simulated') {
      const opener = simulated.qrReader ?? new NoSimulatorOpener('simulated:qr-reader');
      qrReader = new QrCodeReader(DEVICE_IDS.qrReader, wrap(DEVICE_IDS.qrReader, 'qr-reader', opener), { mode: 'serial', terminator: 'cr' });
      configured(DEVICE_IDS.qrReader, opener.kind, opener.path);
    } else if (qrCfg.type === 'serial') {
      const opener = new SerialOpener({ path: qrCfg.path, baudRate: qrCfg.baudRate });
      qrReader = new QrCodeReader(DEVICE_IDS.qrReader, wrap(DEVICE_IDS.qrReader, 'qr-reader', opener), { mode: 'serial', terminator: qrCfg.terminator, aimPrefix: qrCfg.aimPrefix });
      configured(DEVICE_IDS.qrReader, opener.kind, opener.path, { terminator: qrCfg.terminator });
    } else {
      const opener = hidPosOpener(qrCfg.path);
      qrReader = new QrCodeReader(DEVICE_IDS.qrReader, wrap(DEVICE_IDS.qrReader, 'qr-reader', opener), { mode: 'hid-pos' });
      configured(DEVICE_IDS.qrReader, opener.kind, opener.path, { mode: 'hid-pos' });
    }
    devices.push(qrReader);
  }

  return { devices, reader, printer, scanner, scanDefaults, pad, qrReader };
}

/**
 * /dev/ttyUSB0, /dev/ttyACM1 and /dev/hidraw2 are numbered in detection order and change on re-plug;
 * a kiosk should name /dev/serial/by-id/…, /dev/serial/by-path/… or a udev SYMLINK (see the README).
 */
export function isUnstableDevicePath(path: string): boolean {
  return /^\/dev\/(ttyUSB|ttyACM|hidraw)\d+$/.test(path);
}

function warnUnstablePath(log: Logger, device: string, path: string): void {
  if (isUnstableDevicePath(path)) {
    log.warn({ device, path }, 'device path is numbered in detection order and may change on re-plug: use /dev/serial/by-id/… or a udev SYMLINK');
  }
}
