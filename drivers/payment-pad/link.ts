/**
 * PadLink: one conversation with a payment pad over one Transport, on the transport's RequestLink.
 *
 *   host → pad : STX request ETX LRC        pad → host : ACK (or NAK: the host sends the frame again)
 *   pad → host : STX response ETX LRC       host → pad : ACK (or NAK when the LRC is wrong)
 *
 * - A request frame is sent again when the pad NAKs it or does not acknowledge it within
 *   `ackTimeoutMs`, at most `maxRetransmits` times; once acknowledged it is never sent again (the pad
 *   has it; a second copy could only be a second payment if the pad did not deduplicate ServiceIDs).
 * - Every well-formed message from the pad is acknowledged, also a late or repeated one (so the pad
 *   stops repeating it); a message with a bad LRC is NAKed.
 * - The response is the message whose ServiceID and category are the request's; any other response
 *   (a late answer to a request that timed out) is handed to `onLateResponse`, never taken for this one.
 */
import { DeviceError, isDeviceError } from '../device.js';
import { RequestLink, type Verdict } from '../transport/request-link.js';
import type { Transport } from '../transport/transport.js';
import { ACK_BYTES, MAX_FRAME, NAK_BYTES, encodeFrame, parseFrame, type PadFrame, type PadFrameError } from './protocol/frame.js';
import { decodeResponse, encodeRequest, type PadRequest, type PadResponse } from './protocol/messages.js';

export interface PadLinkOptions {
  /** How long the pad has to acknowledge a frame (ACK/NAK). Default 3000 ms (Concert: about 3 s). */
  ackTimeoutMs?: number;
  /** Frames sent again after a NAK or a missing ACK. Default 3. */
  maxRetransmits?: number;
  /** A response that belongs to no request in flight (late, or repeated by the pad). */
  onLateResponse?(response: PadResponse): void;
  /** A framing problem (garbage, bad LRC) on the pad's side of the line. */
  onFrameError?(error: PadFrameError, consumed: number): void;
}

export interface ExchangeOptions {
  /** How long the answer may take once the pad acknowledged the request. */
  responseTimeoutMs: number;
  signal?: AbortSignal | undefined;
  /** false: the request has no response message (Abort): done once acknowledged. */
  expectResponse?: boolean;
}

export class PadLink {
  readonly #link: RequestLink<PadFrame, PadFrameError>;
  readonly #ackTimeoutMs: number;
  readonly #maxRetransmits: number;
  readonly #o: PadLinkOptions;
  /** Totals: NAKs received, retransmissions, messages acknowledged, bad LRCs NAKed, undecodable messages. */
  readonly stats = { naksReceived: 0, acksSent: 0, naksSent: 0, badMessages: 0, lateResponses: 0 };

  constructor(
    readonly transport: Transport,
    opts: PadLinkOptions = {},
  ) {
    this.#o = opts;
    this.#ackTimeoutMs = opts.ackTimeoutMs ?? 3000;
    this.#maxRetransmits = opts.maxRetransmits ?? 3;
    this.#link = new RequestLink<PadFrame, PadFrameError>(transport, {
      device: 'payment',
      parse: parseFrame,
      maxBuffered: MAX_FRAME,
      // A response may be half-way in when a new request goes out: never drop it.
      dropLeftovers: false,
      hooks: {
        frame: (f) => {
          if (f.kind === 'message') this.#control(ACK_BYTES, 'acksSent');
          else if (f.kind === 'nak') this.stats.naksReceived++;
        },
        frameError: (e, consumed) => {
          if (e.kind === 'checksum') this.#control(NAK_BYTES, 'naksSent');
          this.#o.onFrameError?.(e, consumed);
        },
        stray: (f) => {
          if (f.kind !== 'message') return;
          const r = this.#decode(f.payload);
          if (r) {
            this.stats.lateResponses++;
            this.#o.onLateResponse?.(r);
          }
        },
      },
    });
  }

  get closed(): boolean {
    return this.#link.closed;
  }

  /** Requests, replies, strays, timeouts, resends, framing errors (the RequestLink's counters). */
  get counters(): RequestLink<PadFrame, PadFrameError>['counters'] {
    return this.#link.counters;
  }

  /** Runs `fn` with exclusive use of the link. */
  exclusive<T>(fn: () => Promise<T>): Promise<T> {
    return this.#link.exclusive(fn);
  }

  dispose(): void {
    this.#link.dispose();
  }

  /**
   * Sends `request` and resolves with its response (undefined when none is expected). Rejects with a
   * typed DeviceError: 'timeout' (fault 'no-ack' before the pad acknowledged, 'no-response' after),
   * 'protocol' (fault 'nak-limit': the pad refused every copy), 'invalid-data' (fault 'bad-message'),
   * 'disconnected', 'canceled'. Call inside exclusive().
   */
  async exchange(request: PadRequest, o: ExchangeOptions): Promise<PadResponse | undefined> {
    const frame = encodeFrame(encodeRequest(request));
    let acked = false;
    const expect = o.expectResponse ?? true;
    const accept = (f: PadFrame): Verdict<PadResponse | undefined> => {
      if (f.kind === 'nak') return acked ? undefined : { resend: true };
      if (f.kind === 'ack') {
        if (acked) return undefined;
        acked = true;
        return expect ? { progress: true, timeoutMs: o.responseTimeoutMs } : { reply: undefined };
      }
      const r = this.#decode(f.payload);
      if (!r) throw new DeviceError('payment', 'invalid-data', `${request.category}: the pad sent a message that is not a valid response`, 'retry', 'bad-message');
      if (!expect || r.header.serviceId !== request.header.serviceId || r.header.category !== request.category) return undefined;
      acked = true; // an answer implies the request arrived, whether or not its ACK did
      return { reply: r };
    };
    try {
      return await this.#link.request(frame, {
        op: request.category,
        accept,
        timeoutMs: this.#ackTimeoutMs,
        signal: o.signal,
        maxResends: this.#maxRetransmits,
        resendOnTimeout: true,
        resendsExhausted: () => new DeviceError('payment', 'protocol', `${request.category}: the pad refused the message ${this.#maxRetransmits + 1} times (NAK)`, 'reset', 'nak-limit'),
      });
    } catch (e) {
      if (isDeviceError(e) && e.code === 'timeout') {
        throw acked
          ? new DeviceError('payment', 'timeout', `${request.category}: acknowledged, but no answer within ${o.responseTimeoutMs} ms`, 'retry', 'no-response', { cause: e })
          : new DeviceError('payment', 'timeout', `${request.category}: the pad did not acknowledge (${this.#maxRetransmits + 1} tries, ${this.#ackTimeoutMs} ms each)`, 'reset', 'no-ack', { cause: e });
      }
      throw e;
    }
  }

  /** Writes a request frame without waiting for anything (an Abort while a payment is in flight). */
  async sendNow(request: PadRequest): Promise<void> {
    await this.#link.write(encodeFrame(encodeRequest(request)));
  }

  #decode(payload: Uint8Array): PadResponse | undefined {
    try {
      return decodeResponse(payload);
    } catch {
      this.stats.badMessages++;
      return undefined;
    }
  }

  #control(bytes: Uint8Array, stat: 'acksSent' | 'naksSent'): void {
    this.stats[stat]++;
    this.transport.write(bytes).catch(() => undefined); // a lost link shows up as the transport's close
  }
}
