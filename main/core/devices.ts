import type { Logger } from 'pino';
import type { Device } from '../../drivers/device.js';
import type { TransportOpener } from '../../drivers/transport/transport.js';
import { MemoryPort, type MemoryTransport } from '../../drivers/transport/memory.js';
import { SerialOpener } from '../../drivers/transport/serial.js';
import { HidOpener } from '../../drivers/transport/hid.js';
import type { IdCardReader } from '../../drivers/id-card/types.js';
import { SamIdCardReader } from '../../drivers/id-card/reader.js';
import { IdCardSimulator } from '../../drivers/id-card/simulator.js';
import { SAMPLE_IDENTITIES } from '../../drivers/id-card/samples.js';
import { EscPosPrinter, PrinterSimulator, renderSvg, testReceipt, type ProfileName } from '../../drivers/receipt-printer/index.js';
import type { PrinterSimFaultName, PrinterSimState, SimState } from '../contract/index.js';
import type { Profile } from './profile.js';

/** What the simulator control panel (web mode) can do to the simulated devices. */
export interface SimControl {
  state(): SimState;
  placeCard(key: string): void;
  removeCard(): void;
  /** Drops the simulated ID card reader's link (as if unplugged) or plugs it back. */
  setIdCardConnected(connected: boolean): void;
  /** Switches a fault of the simulated receipt printer on or off. */
  setPrinterFault(fault: PrinterSimFaultName, on: boolean): void;
  /** Drops the simulated printer's link (as if unplugged) or plugs it back. */
  setPrinterConnected(connected: boolean): void;
  /** Prints the test receipt through the kiosk's own printer device (the same path a citizen's receipt takes). */
  printTestReceipt(signal?: AbortSignal): Promise<void>;
}

export interface BuiltDevices {
  devices: Device[];
  reader: IdCardReader | null;
  /** The receipt printer, for acceptance receipts; null when the profile has none. */
  printer: EscPosPrinter | null;
  sim: SimControl | null;
}

/** A request the simulated devices cannot serve (unknown sample, device not simulated). */
export class SimRequestError extends Error {
  override readonly name = 'SimRequestError';
}

interface IdCardSim {
  state(): SimState['idCard'];
  place(key: string): void;
  remove(): void;
  setConnected(connected: boolean): void;
}

interface PrinterSim {
  state(): Omit<PrinterSimState, 'device' | 'lastPrint'>;
  setFault(fault: PrinterSimFaultName, on: boolean): void;
  setConnected(connected: boolean): void;
}

function buildIdCardSim(): { opener: MemoryPort; control: IdCardSim } {
  let current: IdCardSimulator | null = null;
  let placed: string | null = null;
  const port = new MemoryPort('simulated:id-card', (deviceEnd: MemoryTransport) => {
    current = new IdCardSimulator(deviceEnd);
    const sample = placed ? SAMPLE_IDENTITIES[placed] : undefined;
    if (sample) current.place(sample);
  });
  return {
    opener: port,
    control: {
      state: () => ({ placed, connected: port.connected }),
      place(key) {
        const sample = SAMPLE_IDENTITIES[key];
        if (!sample) throw new SimRequestError(`no sample identity "${key}"`);
        placed = key;
        current?.place(sample);
      },
      remove() {
        placed = null;
        current?.remove();
      },
      setConnected(connected) {
        if (connected) port.plug();
        else port.unplug();
      },
    },
  };
}

function buildPrinterSim(paper: ProfileName): { opener: MemoryPort; control: PrinterSim } {
  const sim = new PrinterSimulator(undefined, { profile: paper, model: `SIM-${paper}`, firmware: 'sim-1' });
  let receipts = 0;
  let lastSvg: string | null = null;
  sim.onCut((r) => {
    receipts++;
    lastSvg = renderSvg(r, paper);
  });
  const port = new MemoryPort('simulated:printer', (deviceEnd: MemoryTransport) => sim.attach(deviceEnd));
  return {
    opener: port,
    control: {
      state: () => {
        const f = sim.faults;
        return {
          connected: port.connected,
          paper,
          faults: { paperNearEnd: f.paperNearEnd, paperOut: f.paperOut, coverOpen: f.coverOpen, cutterError: f.cutterError, silence: f.silence },
          receipts,
          lastReceiptSvg: lastSvg,
        };
      },
      setFault(fault, on) {
        sim.setFault({ [fault]: on });
      },
      setConnected(connected) {
        if (connected) port.plug();
        else port.unplug();
      },
    },
  };
}

/** Builds the devices the profile names; simulated devices sit on in-process memory links. */
export function buildDevices(profile: Profile, log: Logger): BuiltDevices {
  const devices: Device[] = [];
  let reader: IdCardReader | null = null;
  let printer: EscPosPrinter | null = null;
  let idSim: IdCardSim | null = null;
  let printerSim: PrinterSim | null = null;

  const idCfg = profile.devices.idCard;
  if (idCfg.type !== 'none') {
    let opener: TransportOpener;
    if (idCfg.type === 'simulated') {
      const built = buildIdCardSim();
      opener = built.opener;
      idSim = built.control;
    } else if (idCfg.type === 'serial') {
      opener = new SerialOpener({ path: idCfg.path, baudRate: idCfg.baudRate });
    } else {
      opener = new HidOpener({ path: idCfg.path, reportId: idCfg.reportId, reportSize: idCfg.reportSize });
    }
    reader = new SamIdCardReader('id-card', opener);
    devices.push(reader);
    log.info({ device: 'id-card', transport: opener.kind, path: opener.path }, 'device configured');
    warnUnstablePath(log, 'id-card', opener.path);
  }

  const prCfg = profile.devices.printer;
  if (prCfg.type !== 'none') {
    let opener: TransportOpener;
    if (prCfg.type === 'simulated') {
      const built = buildPrinterSim(prCfg.paper);
      opener = built.opener;
      printerSim = built.control;
    } else {
      opener = new SerialOpener({ path: prCfg.path, baudRate: prCfg.baudRate });
    }
    printer = new EscPosPrinter('receipt-printer', opener, { profile: prCfg.paper });
    devices.push(printer);
    log.info({ device: 'receipt-printer', transport: opener.kind, path: opener.path, paper: prCfg.paper }, 'device configured');
    warnUnstablePath(log, 'receipt-printer', opener.path);
  }

  let sim: SimControl | null = null;
  if (idSim || printerSim) {
    const kioskPrinter = printer;
    let lastPrint: PrinterSimState['lastPrint'] = null;
    const needIdSim = (): IdCardSim => {
      if (!idSim) throw new SimRequestError('the ID card reader is not simulated in this profile');
      return idSim;
    };
    const needPrinterSim = (): PrinterSim => {
      if (!printerSim) throw new SimRequestError('the receipt printer is not simulated in this profile');
      return printerSim;
    };
    sim = {
      state: () => {
        let printerState: PrinterSimState | null = null;
        if (printerSim && kioskPrinter) {
          const s = kioskPrinter.status();
          printerState = {
            ...printerSim.state(),
            device: {
              state: s.state,
              warnings: s.warnings,
              ...(s.lastError
                ? { lastError: { code: s.lastError.code, action: s.lastError.action, message: s.lastError.message, ...(s.lastError.fault !== undefined ? { fault: s.lastError.fault } : {}) } }
                : {}),
            },
            lastPrint,
          };
        }
        return {
          samples: Object.entries(SAMPLE_IDENTITIES).map(([key, s]) => ({ key, label: s.label, cardType: s.cardType })),
          idCard: idSim ? idSim.state() : { placed: null, connected: false },
          printer: printerState,
        };
      },
      placeCard: (key) => needIdSim().place(key),
      removeCard: () => needIdSim().remove(),
      setIdCardConnected: (connected) => needIdSim().setConnected(connected),
      setPrinterFault: (fault, on) => needPrinterSim().setFault(fault, on),
      setPrinterConnected: (connected) => needPrinterSim().setConnected(connected),
      async printTestReceipt(signal) {
        if (!kioskPrinter) throw new SimRequestError('no receipt printer in this profile');
        try {
          await kioskPrinter.print(testReceipt({ date: new Date(), profile: kioskPrinter.profile.name }), signal ? { signal } : {});
          lastPrint = { ok: true, message: 'test receipt printed', at: Date.now() };
        } catch (e) {
          lastPrint = { ok: false, message: e instanceof Error ? e.message : 'print failed', at: Date.now() };
          throw e;
        }
      },
    };
  }
  return { devices, reader, printer, sim };
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
