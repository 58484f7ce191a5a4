/**
 * QrReaderSimulator: a QR reader on the device end of a Transport (a pty, a memory pair, the node-hid
 * fake's device end). scan() sends what a real reader sends for one code in the configured mode.
 * Faults: repeat (continuous mode: every code sent again N times), dropTerminator (serial: the
 * terminator is lost), badReport (HID POS: a malformed report before every scan).
 * The simulator API is the one every device shares (drivers/simulator.ts).
 */
import { SimulatorBase } from '../simulator.js';
import { FrameReader } from '../transport/frame-reader.js';
import type { Transport } from '../transport/transport.js';
import { HIDPOS_RECORD, encodeHidPosScan } from './protocol/hidpos.js';
import { encodeSerialScan, type Terminator } from './protocol/serial.js';

export interface QrFaults {
  /** Extra copies of every code (a reader in continuous mode, a code held in front of it). */
  repeat: number;
  /** Serial: the terminator is lost, so the code runs into the next one. */
  dropTerminator: boolean;
  /** HID POS: a report with an impossible byte count before every scan. */
  badReport: boolean;
}

export const NO_QR_FAULTS: Readonly<QrFaults> = Object.freeze({ repeat: 0, dropTerminator: false, badReport: false });

export type QrSimulatorMode = { mode: 'serial'; terminator: Terminator; aimPrefix?: boolean } | { mode: 'hid-pos' };

export class QrReaderSimulator extends SimulatorBase<QrFaults> {
  readonly #mode: QrSimulatorMode;
  /** Codes sent (copies included). */
  sent = 0;
  // A reader only talks; what the host sends (HID output reports, beeps) is read and ignored.
  protected readonly reader = new FrameReader<never, never>({ parse: (b) => ({ consumed: b.length }), maxBuffered: 1, onFrame: () => undefined });

  constructor(deviceEnd: Transport | undefined, mode: QrSimulatorMode) {
    super(NO_QR_FAULTS);
    this.#mode = mode;
    if (deviceEnd) this.attach(deviceEnd);
  }

  /** Scans a code: a string goes out as UTF-8; bytes as they are (e.g. GB18030). Resolves once written. */
  async scan(payload: string | Uint8Array, opts: { symbology?: string } = {}): Promise<void> {
    const bytes = typeof payload === 'string' ? new TextEncoder().encode(payload) : payload;
    const f = this.activeFaults;
    const m = this.#mode;
    const sends: Promise<void>[] = [];
    for (let i = 0; i <= f.repeat; i++) {
      if (m.mode === 'serial') {
        let frame = encodeSerialScan(bytes, m.terminator, m.aimPrefix ? (opts.symbology ?? ']Q1') : undefined);
        if (f.dropTerminator) frame = frame.subarray(0, frame.length - (m.terminator === 'crlf' ? 2 : 1));
        sends.push(this.send(frame));
      } else {
        if (f.badReport) {
          const bad = new Uint8Array(HIDPOS_RECORD);
          bad[0] = 0xff;
          sends.push(this.send(bad));
        }
        sends.push(this.send(encodeHidPosScan(bytes, opts.symbology ?? ']Q1')));
      }
      this.sent++;
    }
    await Promise.all(sends);
  }
}
