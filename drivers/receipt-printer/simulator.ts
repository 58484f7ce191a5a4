/**
 * PrinterSimulator: a faithful ESC/POS printer on the device end of a Transport.
 * Parses the byte stream incrementally (protocol/decoder, through the shared FrameReader), answers
 * DLE EOT 1–4 (only where it is a command, never inside parameters), sends Automatic Status Back
 * blocks when enabled and the state changes, and injects faults: paper near end, paper out (also
 * mid-job), cover open, cutter error, silence, garbage on the line. Works over any Transport (memory
 * pair or a pty). The simulator API is the one every device shares (drivers/simulator.ts).
 */
import { Emitter, type Unsubscribe } from '../device.js';
import { SimulatorBase, seededRandom } from '../simulator.js';
import { FrameReader } from '../transport/frame-reader.js';
import type { Transport } from '../transport/transport.js';
import { EscPosInterpreter, decodeEscPos, parseCommand, type EscPosCommand, type VirtualReceipt } from './protocol/decoder.js';
import type { EscPosParseError } from './protocol/errors.js';
import { profileOf, type PrinterProfile, type ProfileName } from './protocol/profiles.js';
import { encodeAsb, encodeInfoReply, encodeRealtimeStatus, READY_STATUS, type PrinterStatus } from './protocol/status.js';

export { decodeEscPos, type VirtualReceipt, type ReceiptItem, type TextRun, type TextStyle } from './protocol/decoder.js';
export { renderSvg } from './preview.js';

export interface SimulatorFaults {
  paperNearEnd: boolean;
  paperOut: boolean;
  coverOpen: boolean;
  cutterError: boolean;
  unrecoverableError: boolean;
  /** Answers nothing, prints nothing. */
  silence: boolean;
  /** Sends 1–8 bytes of line noise (bytes no printer sends) before every reply. */
  garbage: boolean;
  /** Runs out of paper once this many more bytes of print data have been accepted. */
  paperOutAfterBytes: number | undefined;
}

export interface SimulatorOptions {
  profile?: ProfileName;
  /** Whether the simulated model supports ASB (GS a). Default true. */
  asb?: boolean;
  /** GS I 0x43 / 0x41 replies; omit to simulate a printer that does not answer GS I. */
  model?: string;
  firmware?: string;
  /** Seed for the garbage generator. */
  seed?: number;
  /** How many of the last cut receipts receipts() keeps (default 100): a simulator that runs for days stays bounded. */
  keepReceipts?: number;
}

/** One job as it crossed the wire: the print data up to and including a cut, and what became of it. */
export interface WireJob {
  /** Print data (status queries and GS a / GS I left out), up to and including the cut. */
  raw: Uint8Array;
  /** What was printed; undefined when the printer was offline (paper out, cover open…) and discarded it. */
  receipt: VirtualReceipt | undefined;
}

export const NO_PRINTER_FAULTS: Readonly<SimulatorFaults> = Object.freeze({
  paperNearEnd: false,
  paperOut: false,
  coverOpen: false,
  cutterError: false,
  unrecoverableError: false,
  silence: false,
  garbage: false,
  paperOutAfterBytes: undefined,
});

/** One command (or one unreadable stretch) of the host's byte stream. */
interface Step {
  command: EscPosCommand | undefined;
  error: EscPosParseError | undefined;
  bytes: Uint8Array;
}

/** Largest command the decoder waits for (a full-width raster image). */
const MAX_COMMAND = 1 << 20;

/** Bytes a printer never sends: neither a DLE EOT reply, nor the start of an ASB or GS I block. */
function isNoise(b: number): boolean {
  return (b & 0x93) !== 0x12 && (b & 0x93) !== 0x10 && b !== 0x5f;
}

export class PrinterSimulator extends SimulatorBase<SimulatorFaults> {
  readonly profile: PrinterProfile;
  readonly #asbSupported: boolean;
  readonly #model: string | undefined;
  readonly #firmware: string | undefined;
  readonly #random: () => number;
  readonly #keepReceipts: number;
  #interp = new EscPosInterpreter();
  #receipts: VirtualReceipt[] = [];
  #asbMask = 0;
  #lastAsb = '';
  #raw: number[] = [];
  readonly #cut = new Emitter<VirtualReceipt>();
  readonly #jobs = new Emitter<WireJob>();
  /** Bytes of print data (everything but DLE EOT / GS a) received, accepted or not. */
  printDataBytes = 0;
  /** Print data thrown away while offline (paper out, cover open, error, silence). */
  discardedBytes = 0;
  /** DLE EOT requests answered. */
  statusQueries = 0;
  /** ASB blocks sent. */
  asbSent = 0;
  protected readonly reader = new FrameReader<Step, never>({
    // A parse error is print data too (the interpreter notes it on the receipt): every step is one unit.
    parse: (buf) => {
      const r = parseCommand(buf);
      if (r.consumed === 0) return { consumed: 0 };
      return { consumed: r.consumed, frame: { command: r.command, error: r.error, bytes: buf.subarray(0, r.consumed) } };
    },
    maxBuffered: MAX_COMMAND,
    device: 'receipt-printer',
    onFrame: (f) => this.#handle(f),
  });

  constructor(deviceEnd?: Transport, opts: SimulatorOptions = {}) {
    super(NO_PRINTER_FAULTS);
    this.profile = profileOf(opts.profile ?? '80mm');
    this.#asbSupported = opts.asb ?? true;
    this.#model = opts.model;
    this.#firmware = opts.firmware;
    this.#random = seededRandom(opts.seed ?? 0x9e);
    this.#keepReceipts = Math.max(1, opts.keepReceipts ?? 100);
    if (deviceEnd) this.attach(deviceEnd);
  }

  /** A (new) device end: the printer's paper, faults and receipts survive, ASB must be re-enabled. */
  protected override onAttached(): void {
    this.#asbMask = 0;
    this.#lastAsb = '';
    this.#raw = [];
  }

  protected override onFaultsChanged(): void {
    this.#maybeAsb();
  }

  /** The state the printer reports. */
  get state(): PrinterStatus {
    const f = this.activeFaults;
    return {
      ...READY_STATUS,
      online: !(f.paperOut || f.coverOpen || f.cutterError || f.unrecoverableError),
      coverOpen: f.coverOpen,
      paper: f.paperOut ? 'out' : f.paperNearEnd ? 'near-end' : 'ok',
      cutterError: f.cutterError,
      unrecoverableError: f.unrecoverableError,
    };
  }

  /** The last cut receipts (keepReceipts of them), oldest first. */
  receipts(): VirtualReceipt[] {
    return [...this.#receipts];
  }

  lastReceipt(): VirtualReceipt | undefined {
    return this.#receipts[this.#receipts.length - 1];
  }

  /** Whether something is printed but not cut yet. */
  get pendingContent(): boolean {
    return !this.#interp.empty;
  }

  /** Every receipt printed and cut. */
  onCut(listener: (r: VirtualReceipt) => void): Unsubscribe {
    return this.#cut.on(listener);
  }

  /** Every cut that crossed the wire, printed or discarded, with its raw print data. */
  onWireJob(listener: (job: WireJob) => void): Unsubscribe {
    return this.#jobs.on(listener);
  }

  #offline(): boolean {
    const f = this.activeFaults;
    return f.silence || f.paperOut || f.coverOpen || f.cutterError || f.unrecoverableError;
  }

  #reply(bytes: Uint8Array): void {
    if (this.activeFaults.silence) return;
    if (this.activeFaults.garbage) {
      const n = 1 + Math.floor(this.#random() * 8);
      const junk: number[] = [];
      while (junk.length < n) {
        const b = Math.floor(this.#random() * 256);
        if (isNoise(b)) junk.push(b);
      }
      void this.send(Uint8Array.from(junk));
    }
    void this.send(bytes);
  }

  #maybeAsb(force = false): void {
    if (!this.#asbSupported || this.#asbMask === 0) return;
    const block = encodeAsb(this.state);
    const key = block.join(',');
    if (!force && key === this.#lastAsb) return;
    this.#lastAsb = key;
    if (this.activeFaults.silence) return;
    this.asbSent++;
    this.#reply(block);
  }

  #handle({ command: cmd, error, bytes }: Step): void {
    if (cmd?.op === 'realtime-status') {
      if (!this.activeFaults.silence) {
        this.statusQueries++;
        this.#reply(Uint8Array.of(encodeRealtimeStatus(cmd.n, this.state)));
      }
      return;
    }
    if (cmd?.op === 'realtime-other') return;
    if (cmd?.op === 'info-request') {
      const text = cmd.n === 0x43 ? this.#model : cmd.n === 0x41 ? this.#firmware : undefined;
      if (text !== undefined) this.#reply(encodeInfoReply(text));
      return;
    }
    if (cmd?.op === 'asb') {
      if (this.#asbSupported && !this.activeFaults.silence) {
        this.#asbMask = cmd.n;
        if (cmd.n !== 0) this.#maybeAsb(true);
      }
      return;
    }
    this.printDataBytes += bytes.length;
    for (const b of bytes) this.#raw.push(b);
    let printed: VirtualReceipt | undefined;
    if (this.#offline()) this.discardedBytes += bytes.length;
    else {
      if (error) this.#interp.noteError(error);
      if (cmd) printed = this.#interp.apply(cmd);
      if (printed) {
        this.#receipts.push(printed);
        if (this.#receipts.length > this.#keepReceipts) this.#receipts.splice(0, this.#receipts.length - this.#keepReceipts);
        this.#cut.emit(printed);
      }
      const left = this.activeFaults.paperOutAfterBytes;
      if (left !== undefined) {
        const rest = left - bytes.length;
        if (rest <= 0) this.setFaults({ paperOut: true, paperOutAfterBytes: undefined });
        else this.patchFaultsQuietly({ paperOutAfterBytes: rest });
      }
    }
    if (cmd?.op === 'cut') {
      const raw = Uint8Array.from(this.#raw);
      this.#raw = [];
      this.#jobs.emit({ raw, receipt: printed });
    }
  }
}

/** For tools that keep the raw data of a discarded job: what it would have printed. */
export function wouldPrint(job: WireJob): VirtualReceipt | undefined {
  return job.receipt ?? decodeEscPos(job.raw)[0];
}
