/**
 * The simulated document scanner, payment pad and QR reader of web mode and the tests: the drivers' own
 * simulators (drivers/document-scanner SaneSimulator, drivers/payment-pad PadSimulator,
 * drivers/qr-reader QrReaderSimulator) on in-process links, so the core reaches them through the same
 * driver classes as real devices (SanedScanner, NexoPaymentPad, QrCodeReader). SAMPLE behaviour only:
 * no real money, no real scans, fictional documents.
 *
 * - The scanner is a SANE server on a memory network with an automatic document feeder: before every
 *   scan the feeder is loaded with `pagesPerScan` sheets (as if the citizen put the document in), and
 *   the page image is one of the sample documents below.
 * - The pad is a nexo pad with a bank ledger behind it; its faults are the simulator's (decline, card
 *   removed, timeout after the debit, a reply lost after the debit).
 * - The QR reader is a serial reader (CR terminator): scan() sends what a real one sends for a code.
 */
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { z } from 'zod';
import type { Device } from '../../drivers/device.js';
import { MemorySaneNetwork, SAMPLE_DOCUMENT, SIM_DEVICE, type SimDocument } from '../../drivers/document-scanner/simulator.js';
import type { ScanRequest } from '../../drivers/document-scanner/types.js';
import { PadSimulator, type LedgerEntry, type PadFaults, type PadMemory } from '../../drivers/payment-pad/simulator.js';
import { QrReaderSimulator } from '../../drivers/qr-reader/simulator.js';
import { MemoryPort, type MemoryTransport } from '../../drivers/transport/memory.js';
import type { PaymentSimFaultName, ScannerSimFaultName } from '../contract/index.js';

type Rgb = readonly [number, number, number];
const WHITE: Rgb = [250, 250, 248];
const INK: Rgb = [60, 60, 60];
const SEAL: Rgb = [200, 20, 30];

function ring(x: number, y: number, cx: number, cy: number, r0: number, r1: number): boolean {
  const dx = x - cx;
  const dy = y - cy;
  const d = dx * dx + dy * dy;
  return d > r0 * r0 && d < r1 * r1;
}

/** Both sides of an ID card copied onto an A4 sheet (fictional: lines where the text would be). */
const ID_CARD_COPY: SimDocument = {
  widthMm: 210,
  heightMm: 297,
  pixel(x, y) {
    for (const top of [40, 120]) {
      if (x >= 62 && x <= 147.6 && y >= top && y <= top + 54) {
        if (x < 63 || x > 146.6 || y < top + 1 || y > top + 53) return INK;
        if (top === 40 && x > 120 && x < 142 && y > top + 8 && y < top + 36) return [150, 150, 160];
        if ((y - top - 8) % 7 < 1.6 && x > 68 && x < (top === 40 ? 112 : 140) && y < top + 48) return INK;
        return [226, 236, 246];
      }
    }
    return WHITE;
  },
};

/** A one-inch photo (25 × 35 mm) on the glass: blue background, a head and shoulders. */
const PHOTO: SimDocument = {
  widthMm: 210,
  heightMm: 297,
  pixel(x, y) {
    if (x < 20 || x > 45 || y < 20 || y > 55) return WHITE;
    const head = ((x - 32.5) / 6.5) ** 2 + ((y - 33) / 8) ** 2 < 1;
    const shoulders = y > 44 && ((x - 32.5) / 12) ** 2 + ((y - 56) / 12) ** 2 < 1;
    if (head) return [232, 196, 170];
    if (shoulders) return [40, 40, 60];
    return [70, 130, 210];
  },
};

/** A page of a household register: a table and the registrar's red seal. */
const REGISTER_PAGE: SimDocument = {
  widthMm: 210,
  heightMm: 297,
  pixel(x, y) {
    if (x < 15 || x > 195 || y < 15 || y > 282) return WHITE;
    if (ring(x, y, 150, 240, 18, 21)) return SEAL;
    if (y > 25 && y < 33 && x > 70 && x < 140) return INK;
    const inTable = y > 45 && y < 205 && x > 20 && x < 190;
    if (inTable && ((y - 45) % 16 < 0.6 || (x - 20) % 42.5 < 0.6)) return INK;
    if (inTable && (y - 45) % 16 > 6 && (y - 45) % 16 < 8.5 && ((x - 20) % 42.5) > 4 && ((x - 20) % 42.5) < 30) return [110, 110, 110];
    return WHITE;
  },
};

/** Each sheet of a document carries its page number (as small squares at the bottom right), so pages differ. */
function numbered(doc: SimDocument): SimDocument {
  return {
    widthMm: doc.widthMm,
    heightMm: doc.heightMm,
    pixel(x, y, page) {
      if (y >= 286 && y <= 290 && x <= 196 && x >= 196 - Math.min(page, 20) * 6 && (196 - x) % 6 < 4) return INK;
      return doc.pixel(x, y, page);
    },
  };
}

/** The page images the panel can put on the simulated scanner (all fictional). */
export const SAMPLE_DOCUMENTS: Readonly<Record<string, { label: string; document: SimDocument }>> = {
  'application-form': { label: '申请表 Application form', document: numbered(SAMPLE_DOCUMENT) },
  'id-card-copy': { label: '身份证复印件 ID card copy', document: numbered(ID_CARD_COPY) },
  photo: { label: '一寸照片 Photo', document: numbered(PHOTO) },
  'household-register': { label: '户口簿页 Household register page', document: numbered(REGISTER_PAGE) },
};
export type SampleDocumentKey = keyof typeof SAMPLE_DOCUMENTS;

/** What a matter's scan asks the simulated scanner for: its feeder, in colour (seals stay red), at a modest resolution. */
export const SIM_SCAN_DEFAULTS: Omit<ScanRequest, 'maxPages' | 'pdf'> = { source: 'adf', mode: 'color', resolution: 100, pageSize: 'A4' };

export class SimulatedScanner {
  readonly network: MemorySaneNetwork;
  readonly device = SIM_DEVICE.name;
  #fault: ScannerSimFaultName | null = null;
  #pagesPerScan = 1;
  #document = 'application-form';
  #connected = true;

  constructor(opts: { seed?: number } = {}) {
    this.network = new MemorySaneNetwork({ feederSheets: 1, ...(opts.seed !== undefined ? { seed: opts.seed } : {}) });
    this.setDocument(this.#document);
  }

  get fault(): ScannerSimFaultName | null {
    return this.#fault;
  }
  /** Sheets the citizen puts in the feeder for each scan (1–20). */
  get pagesPerScan(): number {
    return this.#pagesPerScan;
  }
  get document(): string {
    return this.#document;
  }
  get connected(): boolean {
    return this.#connected;
  }
  /** Scans the simulator has started (STARTs that found a sheet count as pages). */
  get scans(): number {
    return this.network.sim.counters.scans;
  }
  get pagesSent(): number {
    return this.network.sim.counters.pagesSent;
  }

  /** jam: the page stops halfway (JAMMED); empty: nothing in the feeder (NO_DOCS); coverOpen: COVER_OPEN; null: none. */
  setFault(fault: ScannerSimFaultName | null): void {
    this.#fault = fault;
    this.network.sim.clearFaults();
    if (fault === 'jam') this.network.sim.setFaults({ jam: 'mid-page' });
    else if (fault === 'empty') this.network.sim.setFaults({ noPaper: true });
    else if (fault === 'coverOpen') this.network.sim.setFaults({ coverOpen: true });
  }

  setPagesPerScan(n: number): void {
    this.#pagesPerScan = Math.max(1, Math.min(20, Math.floor(n)));
    this.network.sim.loadFeeder(this.#pagesPerScan);
  }

  setDocument(key: string): void {
    const d = Object.hasOwn(SAMPLE_DOCUMENTS, key) ? SAMPLE_DOCUMENTS[key] : undefined;
    if (!d) throw new RangeError(`no sample document "${key}"`);
    this.#document = key;
    this.network.sim.setDocument(d.document);
  }

  /** saned stops (every connection drops, none is accepted) or starts again. */
  setConnected(connected: boolean): void {
    this.#connected = connected;
    if (connected) this.network.startService();
    else this.network.stopService();
  }

  /**
   * Loads the feeder whenever the kiosk's scanner starts a scan (its status turns busy before the first
   * request goes out), as a citizen puts the document in before pressing the button.
   */
  followScans(kioskScanner: Device): () => void {
    let last = kioskScanner.status().state;
    return kioskScanner.onStatus((s) => {
      if (s.state === 'busy' && last !== 'busy') this.network.sim.loadFeeder(this.#pagesPerScan);
      last = s.state;
    });
  }
}

/** The panel's pad faults, as the simulator's (drivers/payment-pad/simulator.ts PadFaults). */
const PAD_FAULTS: Record<PaymentSimFaultName, Partial<PadFaults>> = {
  decline: { decline: true },
  cardRemoved: { cardRemoved: true },
  timeoutAfterDebit: { timeoutAfterDebit: true },
  lostAfterDebit: { lostReply: true },
};

const StoredPadMemory = z.object({
  seq: z.number().int().min(0),
  ledger: z.array(
    z.object({
      poiTransaction: z.object({ transactionId: z.string(), timeStamp: z.string() }),
      saleTransactionId: z.string(),
      serviceId: z.string(),
      amountFen: z.number().int(),
      state: z.enum(['approved', 'reversed']),
    }),
  ),
  // The pad's own answers, as it sent them (the simulator wrote them; their shape is the protocol module's).
  answers: z.array(z.tuple([z.string(), z.object({ header: z.looseObject({ category: z.string() }), body: z.looseObject({ category: z.string(), result: z.string() }) })])),
  lastServiceId: z.string().nullable(),
});

/** The pad's memory from its store file; none when there is no file yet (a damaged one is set aside, not trusted). */
function readPadMemory(file: string): PadMemory | null {
  if (!existsSync(file)) return null;
  const parsed = StoredPadMemory.safeParse((() => {
    try {
      return JSON.parse(readFileSync(file, 'utf8')) as unknown;
    } catch {
      return null;
    }
  })());
  if (!parsed.success) {
    renameSync(file, `${file}.damaged-${Date.now()}`);
    return null;
  }
  return parsed.data as unknown as PadMemory;
}

function writePadMemory(file: string, memory: PadMemory): void {
  mkdirSync(dirname(file), { recursive: true });
  const tmp = `${file}.tmp`;
  writeFileSync(tmp, JSON.stringify(memory));
  renameSync(tmp, file);
}

export class SimulatedPad {
  readonly sim: PadSimulator;
  readonly port: MemoryPort;
  #fault: PaymentSimFaultName | null = null;

  /**
   * `processingMs`: from the request to the answer, as if the citizen were tapping the card. `store`: a file
   * the pad keeps its memory in (the bank's charges, its answers by ServiceID), replaced atomically before
   * every answer and read back at start — a real pad outlives a crash of the kiosk's core, so web mode keeps
   * `<dataDir>/payment-sim.json` and a core killed between payment and submission finds the charge again.
   */
  constructor(opts: { processingMs?: number; seed?: number; store?: string | null } = {}) {
    const store = opts.store ?? null;
    const memory = store !== null ? readPadMemory(store) : null;
    this.sim = new PadSimulator(undefined, {
      poiId: 'SIM-PAD-01',
      processingMs: opts.processingMs ?? 800,
      ...(opts.seed !== undefined ? { seed: opts.seed } : {}),
      ...(memory ? { memory } : {}),
      ...(store !== null ? { onChange: (m: PadMemory) => writePadMemory(store, m) } : {}),
    });
    this.port = new MemoryPort('simulated:payment-pad', (deviceEnd: MemoryTransport) => this.sim.attach(deviceEnd));
  }

  get fault(): PaymentSimFaultName | null {
    return this.#fault;
  }
  get connected(): boolean {
    return this.port.connected;
  }

  setFault(fault: PaymentSimFaultName | null): void {
    this.#fault = fault;
    this.sim.clearFaults();
    if (fault !== null) this.sim.setFaults(PAD_FAULTS[fault]);
  }

  setConnected(connected: boolean): void {
    if (connected) this.port.plug();
    else this.port.unplug();
  }

  /** The simulated bank: every charge, approved or reversed. */
  ledger(): LedgerEntry[] {
    return this.sim.ledger();
  }
}

export class SimulatedQrReader {
  readonly sim = new QrReaderSimulator(undefined, { mode: 'serial', terminator: 'cr' });
  readonly port = new MemoryPort('simulated:qr-reader', (deviceEnd: MemoryTransport) => this.sim.attach(deviceEnd));
  #last: string | null = null;

  get connected(): boolean {
    return this.port.connected;
  }
  get scans(): number {
    return this.sim.sent;
  }
  /** The last payload scanned (sample data only: receipts' numbers and sample codes). */
  get lastPayload(): string | null {
    return this.#last;
  }

  /** Holds a code in front of the reader: it sends the payload and its terminator. */
  async scan(payload: string): Promise<void> {
    this.#last = payload;
    await this.sim.scan(payload);
  }

  setConnected(connected: boolean): void {
    if (connected) this.port.plug();
    else this.port.unplug();
  }
}
