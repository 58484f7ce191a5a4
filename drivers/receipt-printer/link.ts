/**
 * PrinterLink: the conversation with one ESC/POS printer over one Transport, on the transport's
 * RequestLink. Every method is one transaction on the line and holds the line while it runs, so a
 * status query never lands inside the parameter bytes of a command being written.
 *
 * What comes back from a printer is demultiplexed by protocol/status.ts: DLE EOT replies (one byte
 * each, taken in the order they were asked), Automatic Status Back blocks (unsolicited, handed to
 * `onAsb`), GS I information blocks.
 *
 * ESC/POS status bytes carry no checksum. Bytes that cannot be a reply (noise, a wrong baud rate) are
 * counted as garbage; a status read during which garbage arrives — or one that shows a fault and is
 * not confirmed by a second read on a quiet line — fails as a protocol error ('line-garbage') instead
 * of being believed: a noisy line must never read as "out of paper" or "cover open".
 */
import { DeviceError, isDeviceError, sleep } from '../device.js';
import { RequestLink } from '../transport/request-link.js';
import type { Transport } from '../transport/transport.js';
import type { EscPosParseError } from './protocol/errors.js';
import {
  MAX_INFO_LENGTH,
  asbEnableRequest,
  infoRequest,
  mergeRealtime,
  parseStatusBytes,
  printerFaults,
  realtimeStatusRequest,
  type PrinterStatus,
  type RealtimeN,
  type RealtimePart,
  type StatusEvent,
} from './protocol/status.js';

export interface PrinterLinkOptions {
  /** How long to wait for status replies. */
  statusTimeoutMs: number;
  /** Every Automatic Status Back block the printer sends. */
  onAsb(status: PrinterStatus): void;
  /** Bytes that could not be a reply. */
  onGarbage?(bytes: number): void;
  /** After garbage, how long the line must stay silent before the next status read (default 50 ms). */
  quietMs?: number;
}

/** DLE EOT 1, 2, 3, 4 in one write. */
const STATUS_QUERY = Uint8Array.from([1, 2, 3, 4].flatMap((n) => [...realtimeStatusRequest(n as RealtimeN)]));

/** The garbage verdict: the printer's answers cannot be trusted until the line is clean. */
export function lineGarbageError(detail: string, cause?: unknown): DeviceError {
  return new DeviceError(
    'receipt-printer',
    'protocol',
    `unexpected bytes on the printer line (${detail}): the printer's status cannot be trusted; check the cable and the baud rate`,
    'reset',
    'line-garbage',
    cause !== undefined ? { cause } : undefined,
  );
}

function sameStatus(a: PrinterStatus, b: PrinterStatus): boolean {
  return a.online === b.online && a.coverOpen === b.coverOpen && a.paper === b.paper && a.cutterError === b.cutterError && a.unrecoverableError === b.unrecoverableError && a.autoRecoverableError === b.autoRecoverableError;
}

export class PrinterLink {
  readonly #link: RequestLink<StatusEvent, EscPosParseError>;
  readonly #o: PrinterLinkOptions;
  /** Which DLE EOT n the next reply byte answers (while a status read runs). */
  #expecting: RealtimeN | undefined;
  /** Garbage events seen: a status read is believed only when this did not move while it ran. */
  #noise = 0;
  /** Garbage was seen: replies may be out of step with queries until the line has been quiet. */
  #resync = false;

  constructor(
    readonly transport: Transport,
    opts: PrinterLinkOptions,
  ) {
    this.#o = opts;
    this.#link = new RequestLink<StatusEvent, EscPosParseError>(transport, {
      device: 'receipt-printer',
      parse: (buf) => parseStatusBytes(buf, this.#expecting),
      maxBuffered: MAX_INFO_LENGTH + 2,
      // An ASB block may be half-way in when a query goes out: never drop what the printer sent.
      dropLeftovers: false,
      failsRequest: () => true,
      hooks: {
        frame: (ev) => {
          if (ev.kind === 'asb') this.#o.onAsb(ev.status);
        },
        frameError: (_e, consumed) => {
          this.#noise++;
          this.#resync = true;
          this.#o.onGarbage?.(consumed);
        },
      },
    });
  }

  get closed(): boolean {
    return this.#link.closed;
  }

  /** Stray frames, framing errors, timeouts: the link's counters. */
  get counters(): RequestLink<StatusEvent, EscPosParseError>['counters'] {
    return this.#link.counters;
  }

  dispose(): void {
    this.#link.dispose();
  }

  /**
   * DLE EOT 1–4, merged. A status that shows a blocking fault is read a second time and must agree
   * on a quiet line; garbage during either read is a typed protocol error ('line-garbage').
   */
  status(signal?: AbortSignal): Promise<PrinterStatus> {
    return this.#link.exclusive(async () => {
      if (this.#resync) await this.#quiet(signal);
      const noise = this.#noise;
      const first = await this.#readStatus(signal);
      if (this.#noise !== noise) throw lineGarbageError('bytes that are no status reply arrived with it');
      if (printerFaults(first).length === 0) return first;
      const second = await this.#readStatus(signal);
      if (this.#noise !== noise) throw lineGarbageError('bytes that are no status reply arrived with it');
      if (!sameStatus(first, second)) throw lineGarbageError('two status reads in a row disagree');
      return second;
    });
  }

  /** GS a: turns Automatic Status Back on (mask 0x0F) or off (0). */
  enableAsb(mask: number, signal?: AbortSignal): Promise<void> {
    return this.#link.exclusive(() => this.#link.write(asbEnableRequest(mask), signal));
  }

  /** GS a 0x0F, then the ASB block the printer sends in answer. */
  requestAsb(signal?: AbortSignal): Promise<PrinterStatus> {
    return this.#link.exclusive(async () => {
      try {
        return await this.#link.request(asbEnableRequest(0x0f), {
          op: 'automatic status back',
          timeoutMs: this.#o.statusTimeoutMs,
          signal,
          accept: (ev) => (ev.kind === 'asb' ? { reply: ev.status } : undefined),
        });
      } catch (e) {
        if (isDeviceError(e) && e.code === 'timeout') throw new DeviceError('receipt-printer', 'timeout', 'no Automatic Status Back block after GS a', 'reset', 'no-asb', { cause: e });
        throw this.#typed(e);
      }
    });
  }

  /** GS I n (0x43 model, 0x41 firmware), best effort: undefined when the printer does not answer. */
  info(n: 0x41 | 0x43): Promise<string | undefined> {
    return this.#link.exclusive(async () => {
      try {
        return await this.#link.request(infoRequest(n), {
          op: 'printer information',
          timeoutMs: Math.min(500, this.#o.statusTimeoutMs),
          accept: (ev) => (ev.kind === 'info' ? { reply: ev.text } : undefined),
        });
      } catch {
        return undefined;
      }
    });
  }

  /**
   * Writes one command's pieces with nothing in between (a command larger than a chunk is written in
   * pieces). Only the first piece honours the signal: once a command has started, it is finished, so
   * the printer is never left waiting inside its parameters. `sent` is told after every piece.
   */
  writeCommand(pieces: readonly Uint8Array[], signal: AbortSignal | undefined, sent: (bytes: number) => void): Promise<void> {
    return this.#link.exclusive(async () => {
      let first = true;
      for (const piece of pieces) {
        await this.#link.write(piece, first ? signal : undefined);
        first = false;
        sent(piece.length);
      }
    });
  }

  /**
   * Waits until nothing has arrived for `quietMs` (at most the status timeout): late replies of a read
   * that garbage cut short are dropped as strays instead of being taken for the next read's answers.
   */
  async #quiet(signal: AbortSignal | undefined): Promise<void> {
    const quietMs = this.#o.quietMs ?? 50;
    const giveUp = Date.now() + this.#o.statusTimeoutMs;
    let last = Date.now();
    const off = this.transport.onData(() => {
      last = Date.now();
    });
    try {
      for (let left = quietMs; left > 0 && Date.now() < giveUp; left = quietMs - (Date.now() - last)) await sleep(left, signal, 'receipt-printer');
      this.#resync = false;
    } finally {
      off();
    }
  }

  async #readStatus(signal: AbortSignal | undefined): Promise<PrinterStatus> {
    const parts: RealtimePart[] = [];
    this.#expecting = 1;
    try {
      return await this.#link.request<PrinterStatus>(STATUS_QUERY, {
        op: 'status',
        timeoutMs: this.#o.statusTimeoutMs,
        signal,
        accept: (ev) => {
          if (ev.kind !== 'realtime') return undefined;
          parts.push(ev.status);
          if (parts.length === 4) {
            this.#expecting = undefined;
            return { reply: mergeRealtime(parts) };
          }
          this.#expecting = (parts.length + 1) as RealtimeN;
          return { progress: true };
        },
      });
    } catch (e) {
      if (isDeviceError(e) && e.code === 'timeout') {
        throw new DeviceError('receipt-printer', 'timeout', `no status reply within ${this.#o.statusTimeoutMs} ms`, 'reset', 'no-reply', { cause: e });
      }
      throw this.#typed(e);
    } finally {
      this.#expecting = undefined;
    }
  }

  /** A framing error that failed a request is garbage on the line; everything else passes through. */
  #typed(e: unknown): unknown {
    if (isDeviceError(e) && e.device === 'receipt-printer' && e.code === 'protocol' && e.fault !== 'buffer-overflow' && e.fault !== 'line-garbage') {
      return lineGarbageError(e.message, e);
    }
    return e;
  }
}
