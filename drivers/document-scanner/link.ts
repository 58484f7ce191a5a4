/**
 * SaneLink: the control connection to saned, on the transport's RequestLink.
 *
 * SANE replies carry no RPC code, so the link keeps the queue of replies it expects and parses the
 * front of the buffer as the first of them (`parseReply(rpc, …)`). Bytes that arrive while no reply is
 * due cannot be framed: that is a typed 'unexpected' protocol error and the connection is closed.
 *
 * Authorization (net.tex SANE_NET_AUTHORIZE, saned.c auth_callback): an OPEN, CONTROL_OPTION or START
 * reply with a resource asks for AUTHORIZE; the server then answers AUTHORIZE with a dummy word and
 * sends the original reply again. That whole exchange is one request here: the resource reply and the
 * dummy are `progress`, the final reply is the answer.
 *
 * A request that fails without its reply (timeout, abort, a framing error) leaves the stream at an
 * unknown point: the link closes the connection, and the device's LinkKeeper opens a fresh one.
 */
import { DeviceError, isDeviceError } from '../device.js';
import { RequestLink, type Verdict } from '../transport/request-link.js';
import type { Transport } from '../transport/transport.js';
import { MAX_PASSWORD_LENGTH, authorizePassword } from './protocol/auth.js';
import { CLIENT_VERSION_CODE, STATUS, versionParts } from './protocol/constants.js';
import { encodeRequest, parseReply, type Replies, type ReplyRpc, type SaneRequest } from './protocol/messages.js';
import { SaneProtocolError, type ParseResult } from './protocol/wire.js';

export type ReplyFrame = { [K in ReplyRpc]: { rpc: K; reply: Replies[K] } }[ReplyRpc];

/** Credentials for saned.users (AUTHORIZE); the password never leaves this object except MD5-salted when the server offers MD5. */
export interface SaneCredentials {
  username: string;
  password: string;
}

export interface SaneLinkOptions {
  /** Sent in INIT (saned logs it; the standard says to trust it for nothing). Default 'kiosk'. */
  username?: string;
  credentials?: SaneCredentials;
  hooks?: {
    /** A framing problem on the control connection (the link closes it). */
    protocolError?(e: SaneProtocolError): void;
    /** An AUTHORIZE exchange ran (resource asked for credentials). */
    authorized?(): void;
  };
}

/** The largest control reply kept while it arrives (option descriptors are a few KiB; values with gamma tables 256 KiB). */
const MAX_CONTROL_REPLY = 4 * 1024 * 1024;

const NEEDS_AUTH: ReadonlySet<ReplyRpc> = new Set(['OPEN', 'CONTROL_OPTION', 'START']);

function resourceOf(f: ReplyFrame): string | null {
  return f.rpc === 'OPEN' || f.rpc === 'CONTROL_OPTION' || f.rpc === 'START' ? f.reply.resource : null;
}

export interface CallOptions {
  op?: string;
  signal?: AbortSignal | undefined;
  timeoutMs: number;
}

export class SaneLink {
  readonly #link: RequestLink<ReplyFrame, SaneProtocolError>;
  readonly #expect: ReplyRpc[] = [];
  readonly #opts: SaneLinkOptions;
  #serverVersion: number | undefined;
  #closing = false;

  constructor(
    readonly transport: Transport,
    opts: SaneLinkOptions = {},
  ) {
    this.#opts = opts;
    this.#link = new RequestLink<ReplyFrame, SaneProtocolError>(transport, {
      device: 'scanner',
      parse: (buf) => this.#parse(buf),
      maxBuffered: MAX_CONTROL_REPLY,
      // Bytes held between replies are the start of the next reply (AUTHORIZE's dummy and the retried reply can share a chunk).
      dropLeftovers: false,
      failsRequest: () => true,
      hooks: {
        frame: () => {
          this.#expect.shift();
        },
        frameError: (e) => {
          opts.hooks?.protocolError?.(e);
          this.#desync();
        },
        stray: () => this.#desync(),
        overflow: () => this.#desync(),
      },
    });
  }

  get closed(): boolean {
    return this.#closing || this.#link.closed;
  }

  /** The server's SANE version and net protocol (build field), once INIT has answered. */
  get serverVersion(): { major: number; minor: number; protocol: number } | undefined {
    if (this.#serverVersion === undefined) return undefined;
    const v = versionParts(this.#serverVersion);
    return { major: v.major, minor: v.minor, protocol: v.build };
  }

  get counters(): RequestLink<ReplyFrame, SaneProtocolError>['counters'] {
    return this.#link.counters;
  }

  /** Runs a job (open → options → scan → close) without other callers' RPCs in between. */
  exclusive<T>(fn: () => Promise<T>): Promise<T> {
    return this.#link.exclusive(fn);
  }

  #parse(buf: Uint8Array): ParseResult<ReplyFrame> {
    const rpc = this.#expect[0];
    if (rpc === undefined) return { consumed: buf.length, error: new SaneProtocolError('unexpected', `${buf.length} byte(s) from saned while no reply was due`) };
    const r = parseReply(rpc, buf);
    if (r.frame === undefined) return r as ParseResult<never>;
    return { frame: { rpc, reply: r.frame } as ReplyFrame, consumed: r.consumed };
  }

  /**
   * The stream position is lost: close the connection (the keeper reopens it). Deferred, so that the
   * request in flight fails with the error that caused it rather than with "link closed".
   */
  #desync(): void {
    if (this.#closing) return;
    this.#closing = true;
    queueMicrotask(() => void this.transport.close().catch(() => undefined));
  }

  /**
   * One RPC: writes the request and resolves with its reply (after AUTHORIZE when the server asks).
   * SANE statuses are returned, not thrown; the caller decides what a status means for its operation.
   */
  async call<K extends ReplyRpc>(req: SaneRequest & { rpc: K }, o: CallOptions): Promise<Replies[K]> {
    const op = o.op ?? req.rpc;
    const bytes = encodeRequest(req, this.serverVersion?.protocol);
    const rpc = req.rpc as K;
    this.#expect.push(rpc);
    try {
      const frame = await this.#link.request<ReplyFrame>(bytes, {
        op,
        timeoutMs: o.timeoutMs,
        signal: o.signal,
        accept: (f) => this.#accept(rpc, f, o.timeoutMs),
      });
      return frame.reply as Replies[K];
    } catch (e) {
      // No reply came (timeout, abort, loss): the stream position is unknown from here on.
      this.#desync();
      throw e;
    }
  }

  #accept(rpc: ReplyRpc, f: ReplyFrame, timeoutMs: number): Verdict<ReplyFrame> {
    if (f.rpc === 'AUTHORIZE') return { progress: true, timeoutMs };
    if (f.rpc !== rpc) return undefined;
    const resource = NEEDS_AUTH.has(rpc) ? resourceOf(f) : null;
    if (resource === null) return { reply: f };
    const creds = this.#opts.credentials;
    const password = creds ? authorizePassword(resource, creds.password.slice(0, MAX_PASSWORD_LENGTH)) : '';
    // AUTHORIZE's dummy reply, then the original reply again.
    this.#expect.push('AUTHORIZE', rpc);
    this.#opts.hooks?.authorized?.();
    this.transport.write(encodeRequest({ rpc: 'AUTHORIZE', resource, username: creds?.username ?? '', password })).catch(() => this.#desync());
    return { progress: true, timeoutMs };
  }

  /** INIT: the first RPC on a connection. saned answers a host it does not allow by closing the connection. */
  async init(o: CallOptions): Promise<{ major: number; minor: number; protocol: number }> {
    let r: Replies['INIT'];
    try {
      r = await this.call({ rpc: 'INIT', versionCode: CLIENT_VERSION_CODE, username: this.#opts.username ?? 'kiosk' }, o);
    } catch (e) {
      if (isDeviceError(e) && e.code === 'disconnected') {
        throw new DeviceError('scanner', 'device-fault', 'saned closed the connection at INIT (is this host allowed in saned.conf?)', 'maintenance', 'host-not-allowed', { cause: e });
      }
      throw e;
    }
    if (r.status !== STATUS.GOOD) throw new DeviceError('scanner', 'device-fault', `saned INIT failed with status ${r.status} (its backends did not initialise)`, 'maintenance', 'init-failed');
    this.#serverVersion = r.versionCode;
    const v = versionParts(r.versionCode);
    if (v.major !== 1) throw new DeviceError('scanner', 'unsupported', `saned speaks SANE ${v.major}.${v.minor}, this client SANE 1`, 'maintenance', 'version-mismatch');
    return { major: v.major, minor: v.minor, protocol: v.build };
  }

  /** EXIT: saned ends the session (closing open handles) and then the connection; the link stops listening. */
  async exit(): Promise<void> {
    if (this.#link.closed) return;
    this.#closing = true;
    try {
      await this.transport.write(encodeRequest({ rpc: 'EXIT' }));
    } catch {
      // the connection is gone already
    }
    this.#link.dispose();
  }

  dispose(): void {
    this.#link.dispose();
  }
}
