/**
 * One SAM conversation over one Transport: the transport's RequestLink with the SAM response parser.
 * Exchanges run strictly one at a time. A reply is taken only when it has the shape the current
 * command expects; anything else (a late reply to a timed-out command, a frame nobody asked for) is
 * dropped and reported as stray. A frame with a bad checksum fails the command in flight at once
 * (it is most likely the reply). Works over any Transport (serial, HID, memory).
 */
import { RequestLink, replyWhen } from '../transport/request-link.js';
import type { Transport } from '../transport/transport.js';
import { HEADER_LENGTH, MAX_LEN, parseResponse, type ResponseFrame, type SamProtocolError } from './protocol/frame.js';

export interface LinkHooks {
  /** A framing error the parser reported (garbage skipped, absurd LEN, bad checksum). */
  frameError?(error: SamProtocolError, consumed: number): void;
  /** A well-formed frame that did not belong to the command in flight (or arrived with none in flight). */
  strayFrame?(): void;
  /** Unparsed leftover bytes dropped before a new command. */
  strayBytes?(n: number): void;
}

/** Decides whether a frame is the reply to the command in flight: a value, or undefined = not mine. */
export type Accept<T> = (frame: ResponseFrame) => T | undefined;

/** The largest frame the protocol allows (LEN ≤ MAX_LEN). */
const MAX_FRAME = MAX_LEN + HEADER_LENGTH;

export class SamLink extends RequestLink<ResponseFrame, SamProtocolError> {
  constructor(transport: Transport, hooks: LinkHooks = {}) {
    super(transport, {
      device: 'id-card',
      parse: parseResponse,
      maxBuffered: MAX_FRAME,
      failsRequest: (e) => e.kind === 'checksum',
      hooks: {
        ...(hooks.frameError ? { frameError: hooks.frameError } : {}),
        ...(hooks.strayFrame ? { stray: () => hooks.strayFrame?.() } : {}),
        ...(hooks.strayBytes ? { strayBytes: hooks.strayBytes } : {}),
      },
    });
  }

  /**
   * Sends `request` and resolves with what `accept` makes of the first matching reply.
   * Rejects with a typed DeviceError: 'timeout', 'canceled', 'disconnected', or 'checksum' when a
   * frame with a bad checksum arrives while waiting (most likely the reply itself).
   * Call inside exclusive() when other callers share the link.
   */
  exchange<T>(request: Uint8Array, op: string, accept: Accept<T>, signal: AbortSignal | undefined, timeoutMs: number): Promise<T> {
    return this.request(request, { op, accept: replyWhen(accept), signal, timeoutMs });
  }
}
