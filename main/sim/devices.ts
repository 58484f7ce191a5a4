/**
 * Simulated devices for web mode, tests and training: each simulator sits on the device end of an
 * in-process memory link, and the core opens the other end exactly as it opens a real serial port.
 * The core never builds these itself (ARCHITECTURE.md: main/core never imports the simulators);
 * a host assembles them and passes the openers in.
 */
import { MemoryPort, type MemoryTransport } from '../../drivers/transport/memory.js';
import { IdCardSimulator } from '../../drivers/id-card/simulator.js';
import { SAMPLE_IDENTITIES } from '../../drivers/id-card/samples.js';
import { PrinterSimulator, renderSvg, testReceipt, type ProfileName, type VirtualReceipt } from '../../drivers/receipt-printer/index.js';
import type { PaymentSimFaultName, PaymentSimState, PlatformSimState, PrinterSimFaultName, PrinterSimState, QrSimState, ScannerSimFaultName, ScannerSimState, SimPlatformDeliveries, SimPrinterReceipts, SimState } from '../contract/index.js';
import type { PlatformSimulator } from '../platform/simulator.js';
import type { PlatformTap } from './platform-tap.js';
import { SAMPLE_DOCUMENTS, SIM_SCAN_DEFAULTS, SimulatedPad, SimulatedQrReader, SimulatedScanner } from './matter-devices.js';
import { sampleCodes } from './certificates.js';
import type { Profile } from '../core/profile.js';
import type { SimulatedOpeners } from '../core/devices.js';
import type { KioskCore } from '../core/kiosk.js';

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
  /** The bytes the simulated printer accepted for each receipt it cut (newest last). */
  printerReceipts(): SimPrinterReceipts;
  /** Takes the embedded platform simulator down (every request refused, as an unreachable platform) or back up. */
  setPlatformOutage(on: boolean): void;
  /** What the kiosk delivered to the embedded platform (case submissions and ratings). */
  platformDeliveries(): SimPlatformDeliveries;
  /** The simulated scanner: a fault for the next scans (null clears), and how many sheets go into the feeder per scan. */
  setScannerFault(fault: ScannerSimFaultName | null, pagesPerScan?: number): void;
  /** The sample page image on the scanner (SAMPLE_DOCUMENTS). */
  setScannerDocument(key: string): void;
  setScannerConnected(connected: boolean): void;
  /** The simulated payment pad: decline, card removed, timeout or lost reply after the debit (null clears). */
  setPaymentFault(fault: PaymentSimFaultName | null): void;
  setPaymentConnected(connected: boolean): void;
  /** Holds a code in front of the simulated QR reader. */
  scanQr(payload: string): Promise<void>;
  setQrConnected(connected: boolean): void;
}

/** Receipts kept for the panel and the tests. */
const KEPT_RECEIPTS = 20;

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
  /** The receipts cut so far, decoded from the bytes the printer received (the last 50). */
  receipts(): VirtualReceipt[];
  setFault(fault: PrinterSimFaultName, on: boolean): void;
  setConnected(connected: boolean): void;
  /** The bytes the printer accepted for each receipt it cut (the last KEPT_RECEIPTS), base64. */
  receiptBytes(): SimPrinterReceipts;
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
        const sample = Object.hasOwn(SAMPLE_IDENTITIES, key) ? SAMPLE_IDENTITIES[key] : undefined;
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
  const sim = new PrinterSimulator(undefined, { profile: paper, model: `SIM-${paper}`, firmware: 'sim-1', keepReceipts: 50 });
  let receipts = 0;
  let lastSvg: string | null = null;
  // The bytes of the receipt being printed: what reached the printer while it could print (bytes sent while
  // it is out of paper or its cover is open are thrown away by the printer, so they are not the receipt's).
  let pending: Uint8Array[] = [];
  const cut: VirtualReceipt[] = [];
  const cutBytes: { at: number; bytes: Uint8Array }[] = [];
  sim.onCut((r) => {
    receipts++;
    lastSvg = renderSvg(r, paper);
    cut.push(r);
    if (cut.length > 50) cut.shift();
    cutBytes.push({ at: Date.now(), bytes: Buffer.concat(pending) });
    pending = [];
    if (cutBytes.length > KEPT_RECEIPTS) cutBytes.shift();
  });
  const port = new MemoryPort('simulated:printer', (deviceEnd: MemoryTransport) => {
    // Subscribed before the simulator, so a chunk is recorded before the cut it carries is reported.
    deviceEnd.onData((chunk) => {
      if (sim.state.online && !sim.faults.silence) pending.push(Uint8Array.from(chunk));
    });
    sim.attach(deviceEnd);
  });
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
      receipts: () => [...cut],
      setFault(fault, on) {
        sim.setFaults({ [fault]: on });
      },
      setConnected(connected) {
        if (connected) port.plug();
        else port.unplug();
      },
      receiptBytes: () => ({ receipts: cutBytes.map((c) => ({ at: c.at, bytes: Buffer.from(c.bytes).toString('base64') })) }),
    },
  };
}

/** The simulated devices of one terminal: openers for the core, and the panel's control once the core runs. */
export interface SimulatedDevices {
  /** Pass to KioskCore.start({ simulatedDevices }). Only devices the profile names as 'simulated'. */
  readonly openers: SimulatedOpeners;
  /** The simulated scanner, pad and QR reader (null when the profile names a real one or none). */
  readonly scanner: SimulatedScanner | null;
  readonly pad: SimulatedPad | null;
  readonly qr: SimulatedQrReader | null;
  /** Receipts the simulated printer cut, decoded from its bytes (empty without a simulated printer). */
  printedReceipts(): VirtualReceipt[];
  /**
   * The control panel over these simulators, the running core's own devices and the embedded platform
   * (if any: its e-certificate codes are the QR reader's samples).
   */
  control(core: KioskCore, platform?: EmbeddedPlatform | null): SimControl;
}

/** The embedded platform simulator of web mode and the tap the core reaches it through. */
export interface EmbeddedPlatform {
  simulator: PlatformSimulator;
  tap: PlatformTap;
}

export interface SimulatedDevicesOptions {
  /** The simulated pad's time from request to answer (default 800 ms). */
  padProcessingMs?: number;
  /** How long the kiosk waits for the simulated pad's answer before asking about the payment (default 10 s). */
  padTimeoutMs?: number;
  /** A file the simulated pad keeps its memory in across restarts of the host (web mode: `<dataDir>/payment-sim.json`). */
  paymentStore?: string | null;
}

/** The acceptance number on a receipt: the payload of its QR code. */
function receiptNumber(r: VirtualReceipt): string | null {
  for (const i of r.items) if (i.type === 'qr') return i.data;
  return null;
}

/** Builds a simulator for every device the profile names as `{ type: 'simulated' }`. */
export function createSimulatedDevices(profile: Profile, opts: SimulatedDevicesOptions = {}): SimulatedDevices {
  const d = profile.devices;
  const idSim = d.idCard.type === 'simulated' ? buildIdCardSim() : null;
  const prCfg = d.printer;
  const printerSim = prCfg.type === 'simulated' ? buildPrinterSim(prCfg.paper) : null;
  const scanner = d.scanner.type === 'simulated' ? new SimulatedScanner() : null;
  const pad = d.paymentPad.type === 'simulated' ? new SimulatedPad({ ...(opts.padProcessingMs !== undefined ? { processingMs: opts.padProcessingMs } : {}), store: opts.paymentStore ?? null }) : null;
  const qr = d.qrReader.type === 'simulated' ? new SimulatedQrReader() : null;
  const openers: { -readonly [K in keyof SimulatedOpeners]: SimulatedOpeners[K] } = {};
  if (idSim) openers.idCard = idSim.opener;
  if (printerSim) openers.printer = printerSim.opener;
  if (scanner) openers.scanner = { connector: scanner.network, device: scanner.device, defaults: SIM_SCAN_DEFAULTS };
  if (pad) openers.paymentPad = { opener: pad.port, paymentTimeoutMs: opts.padTimeoutMs ?? 10_000, abortWaitMs: 3000 };
  if (qr) openers.qrReader = qr.port;

  return {
    openers,
    scanner,
    pad,
    qr,
    printedReceipts: () => printerSim?.control.receipts() ?? [],
    control(core, platform = null) {
      const kioskPrinter = core.devices.printer;
      const kioskScanner = core.devices.scanner;
      if (scanner && kioskScanner) scanner.followScans(kioskScanner);
      const platformState = (): PlatformSimState | null => {
        if (!platform) return null;
        const sim = platform.simulator;
        const stats = sim.stats();
        return { url: sim.url, outage: sim.faults().outage !== undefined && sim.faults().outage !== false, cases: stats.cases, ratings: stats.ratings };
      };
      const needPlatform = (): EmbeddedPlatform => {
        if (!platform) throw new SimRequestError('this kiosk uses a real platform, not the embedded simulator');
        return platform;
      };
      // The sample e-certificate codes the panel offers: the embedded platform's own signed codes.
      const qrSamples = (): QrSimState['samples'] => (platform ? sampleCodes(profile.platform.holderKey, (id) => platform.simulator.certificateCode(id)) : []);
      let lastPrint: PrinterSimState['lastPrint'] = null;
      const needIdSim = (): IdCardSim => {
        if (!idSim) throw new SimRequestError('the ID card reader is not simulated in this profile');
        return idSim.control;
      };
      const needPrinterSim = (): PrinterSim => {
        if (!printerSim) throw new SimRequestError('the receipt printer is not simulated in this profile');
        return printerSim.control;
      };
      const need = <T>(x: T | null, what: string): T => {
        if (x === null) throw new SimRequestError(`the ${what} is not simulated in this profile`);
        return x;
      };
      const scannerState = (s: SimulatedScanner): ScannerSimState => {
        const dev = kioskScanner?.status();
        return {
          connected: s.connected,
          fault: s.fault,
          pagesPerScan: s.pagesPerScan,
          scans: s.pagesSent,
          document: s.document,
          documents: Object.entries(SAMPLE_DOCUMENTS).map(([key, v]) => ({ key, label: v.label })),
          device: dev ? { state: dev.state, ...(dev.lastError ? { lastError: dev.lastError.message } : {}) } : null,
        };
      };
      const padState = (p: SimulatedPad): PaymentSimState => {
        let rows: ReturnType<NonNullable<typeof core.queue.cache>['payments']['all']> = [];
        try {
          rows = core.queue.cache?.payments.all() ?? [];
        } catch {
          rows = [];
        }
        return {
          connected: p.connected,
          fault: p.fault,
          sales: rows.map((r) => ({
            key: r.idempotencyKey,
            outcome: r.state === 'approved' || r.state === 'reversed' ? 'approved' : r.state === 'declined' ? 'declined' : 'unknown',
            state: r.state,
            amountFen: r.state === 'approved' || r.state === 'reversed' ? (r.authorizedFen ?? r.amountFen) : null,
            reversed: r.state === 'reversed',
            reference: r.padReference ?? null,
          })),
          ledger: p.ledger().map((e) => ({ reference: e.poiTransaction.transactionId, amountFen: e.amountFen, state: e.state })),
        };
      };
      const qrState = (q: SimulatedQrReader): QrSimState => {
        const cut = printerSim?.control.receipts() ?? [];
        let lastReceipt: string | null = null;
        for (let i = cut.length - 1; i >= 0 && lastReceipt === null; i--) lastReceipt = receiptNumber(cut[i] as VirtualReceipt);
        return { connected: q.connected, scans: q.scans, lastPayload: q.lastPayload, lastReceipt, samples: qrSamples() };
      };
      return {
        state: () => {
          let printerState: PrinterSimState | null = null;
          if (printerSim && kioskPrinter) {
            const s = kioskPrinter.status();
            printerState = {
              ...printerSim.control.state(),
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
            idCard: idSim ? idSim.control.state() : { placed: null, connected: false },
            printer: printerState,
            platform: platformState(),
            scanner: scanner ? scannerState(scanner) : null,
            payment: pad ? padState(pad) : null,
            qr: qr ? qrState(qr) : null,
          };
        },
        placeCard: (key) => needIdSim().place(key),
        removeCard: () => needIdSim().remove(),
        setIdCardConnected: (connected) => needIdSim().setConnected(connected),
        setPrinterFault: (fault, on) => needPrinterSim().setFault(fault, on),
        setPrinterConnected: (connected) => needPrinterSim().setConnected(connected),
        printerReceipts: () => needPrinterSim().receiptBytes(),
        setPlatformOutage: (on) => needPlatform().simulator.setOutage(on),
        platformDeliveries: () => ({ deliveries: needPlatform().tap.deliveries() }),
        setScannerFault: (fault, pagesPerScan) => {
          const s = need(scanner, 'document scanner');
          s.setFault(fault);
          if (pagesPerScan !== undefined) s.setPagesPerScan(pagesPerScan);
        },
        setScannerDocument: (key) => {
          const s = need(scanner, 'document scanner');
          if (!Object.hasOwn(SAMPLE_DOCUMENTS, key)) throw new SimRequestError(`no sample document "${key}"`);
          s.setDocument(key);
        },
        setScannerConnected: (connected) => need(scanner, 'document scanner').setConnected(connected),
        setPaymentFault: (fault) => need(pad, 'payment pad').setFault(fault),
        setPaymentConnected: (connected) => need(pad, 'payment pad').setConnected(connected),
        scanQr: (payload) => need(qr, 'QR reader').scan(payload),
        setQrConnected: (connected) => need(qr, 'QR reader').setConnected(connected),
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
    },
  };
}
