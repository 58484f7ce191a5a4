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
import type { Profile } from './profile.js';

export interface BuiltDevices {
  devices: Device[];
  reader: IdCardReader | null;
  /** The receipt printer, for acceptance receipts; null when the profile has none. */
  printer: ReceiptPrinter | null;
}

/**
 * Links to simulated devices, provided by the host (web mode, tests, `kioskctl sim`: see main/sim).
 * The core never builds simulators; a device the profile names as 'simulated' opens the link given here.
 */
export interface SimulatedOpeners {
  readonly idCard?: TransportOpener;
  readonly printer?: TransportOpener;
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

/** Wraps a device's opener before the driver gets it (the core's protocol trace taps the link here). */
export type OpenerWrap = (device: string, kind: Device['kind'], opener: TransportOpener) => TransportOpener;

/** Builds the devices the profile names; simulated devices sit on in-process memory links. */
export function buildDevices(profile: Profile, log: Logger, simulated: SimulatedOpeners = {}, wrap: OpenerWrap = (_d, _k, o) => o): BuiltDevices {
  const devices: Device[] = [];
  let reader: IdCardReader | null = null;
  let printer: ReceiptPrinter | null = null;

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
    reader = new SamIdCardReader('id-card', wrap('id-card', 'id-card', opener));
    devices.push(reader);
    log.info({ device: 'id-card', transport: opener.kind, path: opener.path }, 'device configured');
    warnUnstablePath(log, 'id-card', opener.path);
  }

  const prCfg = profile.devices.printer;
  if (prCfg.type !== 'none') {
    let opener: TransportOpener;
    if (prCfg.type === 'simulated') {
      opener = simulated.printer ?? new NoSimulatorOpener('simulated:printer');
    } else {
      opener = new SerialOpener({ path: prCfg.path, baudRate: prCfg.baudRate });
    }
    printer = new EscPosPrinter('receipt-printer', wrap('receipt-printer', 'receipt-printer', opener), { profile: prCfg.paper });
    devices.push(printer);
    log.info({ device: 'receipt-printer', transport: opener.kind, path: opener.path, paper: prCfg.paper }, 'device configured');
    warnUnstablePath(log, 'receipt-printer', opener.path);
  }

  return { devices, reader, printer };
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
