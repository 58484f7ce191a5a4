/**
 * PrinterSimulator: a faithful ESC/POS printer on the device end of a Transport.
 * Parses the byte stream incrementally (protocol/decoder), answers DLE EOT 1–4 (only where it
 * is a command, never inside parameters), sends Automatic Status Back blocks when enabled and
 * the state changes, and injects faults: paper near end, paper out (also mid-job), cover open,
 * cutter error, silence. Works over any Transport (memory pair or a pty).
 */
import { Emitter, type Unsubscribe } from '../device.js';
import type { Transport } from '../transport/transport.js';
import { EscPosInterpreter, parseCommand, type VirtualReceipt } from './protocol/decoder.js';
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
}

const NO_FAULTS: SimulatorFaults = {
  paperNearEnd: false,
  paperOut: false,
  coverOpen: false,
  cutterError: false,
  unrecoverableError: false,
  silence: false,
  paperOutAfterBytes: undefined,
};

export class PrinterSimulator {
  readonly profile: PrinterProfile;
  readonly #asbSupported: boolean;
  readonly #model: string | undefined;
  readonly #firmware: string | undefined;
  #t: Transport | undefined;
  #unsub: Unsubscribe[] = [];
  #buf: Uint8Array = new Uint8Array(0);
  #interp = new EscPosInterpreter();
  #receipts: VirtualReceipt[] = [];
  #faults: SimulatorFaults = { ...NO_FAULTS };
  #asbMask = 0;
  #lastAsb = '';
  readonly #cut = new Emitter<VirtualReceipt>();
  /** Bytes of print data (everything but DLE EOT / GS a) received, accepted or not. */
  printDataBytes = 0;
  /** Print data thrown away while offline (paper out, cover open, error, silence). */
  discardedBytes = 0;
  /** DLE EOT requests answered. */
  statusQueries = 0;
  /** ASB blocks sent. */
  asbSent = 0;

  constructor(deviceEnd?: Transport, opts: SimulatorOptions = {}) {
    this.profile = profileOf(opts.profile ?? '80mm');
    this.#asbSupported = opts.asb ?? true;
    this.#model = opts.model;
    this.#firmware = opts.firmware;
    if (deviceEnd) this.attach(deviceEnd);
  }

  /** Connects to a (new) device end; the printer's paper, faults and receipts survive, ASB must be re-enabled. */
  attach(deviceEnd: Transport): void {
    for (const u of this.#unsub) u();
    this.#t = deviceEnd;
    this.#buf = new Uint8Array(0);
    this.#asbMask = 0;
    this.#lastAsb = '';
    this.#unsub = [deviceEnd.onData((c) => this.#onData(c))];
  }

  /** The state the printer reports. */
  get state(): PrinterStatus {
    const f = this.#faults;
    return {
      ...READY_STATUS,
      online: !(f.paperOut || f.coverOpen || f.cutterError || f.unrecoverableError),
      coverOpen: f.coverOpen,
      paper: f.paperOut ? 'out' : f.paperNearEnd ? 'near-end' : 'ok',
      cutterError: f.cutterError,
      unrecoverableError: f.unrecoverableError,
    };
  }

  get faults(): Readonly<SimulatorFaults> {
    return { ...this.#faults };
  }

  setFault(patch: Partial<SimulatorFaults>): void {
    this.#faults = { ...this.#faults, ...patch };
    this.#maybeAsb();
  }

  clearFaults(): void {
    this.setFault({ ...NO_FAULTS });
  }

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

  onCut(listener: (r: VirtualReceipt) => void): Unsubscribe {
    return this.#cut.on(listener);
  }

  #offline(): boolean {
    const f = this.#faults;
    return f.silence || f.paperOut || f.coverOpen || f.cutterError || f.unrecoverableError;
  }

  #send(bytes: Uint8Array): void {
    const t = this.#t;
    if (!t?.isOpen || this.#faults.silence) return;
    t.write(bytes).catch(() => undefined);
  }

  #maybeAsb(force = false): void {
    if (!this.#asbSupported || this.#asbMask === 0) return;
    const block = encodeAsb(this.state);
    const key = block.join(',');
    if (!force && key === this.#lastAsb) return;
    this.#lastAsb = key;
    if (this.#faults.silence) return;
    this.asbSent++;
    this.#send(block);
  }

  #onData(chunk: Uint8Array): void {
    const buf = new Uint8Array(this.#buf.length + chunk.length);
    buf.set(this.#buf);
    buf.set(chunk, this.#buf.length);
    let off = 0;
    while (off < buf.length) {
      const r = parseCommand(buf.subarray(off));
      if (r.consumed === 0) break;
      off += r.consumed;
      const cmd = r.command;
      if (cmd?.op === 'realtime-status') {
        if (!this.#faults.silence) {
          this.statusQueries++;
          this.#send(Uint8Array.of(encodeRealtimeStatus(cmd.n, this.state)));
        }
        continue;
      }
      if (cmd?.op === 'realtime-other') continue;
      if (cmd?.op === 'info-request') {
        const text = cmd.n === 0x43 ? this.#model : cmd.n === 0x41 ? this.#firmware : undefined;
        if (text !== undefined && !this.#faults.silence) this.#send(encodeInfoReply(text));
        continue;
      }
      if (cmd?.op === 'asb') {
        if (this.#asbSupported && !this.#faults.silence) {
          this.#asbMask = cmd.n;
          if (cmd.n !== 0) this.#maybeAsb(true);
        }
        continue;
      }
      this.printDataBytes += r.consumed;
      if (this.#offline()) {
        this.discardedBytes += r.consumed;
        continue;
      }
      if (r.error) this.#interp.noteError(r.error);
      if (cmd) {
        const done = this.#interp.apply(cmd);
        if (done) {
          this.#receipts.push(done);
          this.#cut.emit(done);
        }
      }
      const left = this.#faults.paperOutAfterBytes;
      if (left !== undefined) {
        const rest = left - r.consumed;
        if (rest <= 0) this.setFault({ paperOut: true, paperOutAfterBytes: undefined });
        else this.#faults.paperOutAfterBytes = rest;
      }
    }
    this.#buf = buf.slice(off);
  }
}
