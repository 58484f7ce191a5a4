/**
 * TcpTransport: a Transport over a TCP connection (node:net), for network devices such as the
 * document scanner behind saned. Same rules as every Transport: chunks in arrival order, chunk
 * boundaries meaningless, `onClose` exactly once (no error after our close(), 'disconnected' when the
 * peer closed or the connection broke).
 *
 * `listenTcp` is the other end for simulators: every accepted connection becomes a TcpTransport.
 */
import { createServer, connect, type Server, type Socket } from 'node:net';
import { DeviceError, Emitter, canceledError, type Unsubscribe } from '../device.js';
import type { Transport, TransportOpener } from './transport.js';

export interface TcpOptions {
  host: string;
  port: number;
  /** How long a connect may take. Default 5000 ms. */
  connectTimeoutMs?: number;
  /** TCP keep-alive probe delay, so a peer that vanished from the network is noticed. Default 15000 ms; 0 = off. */
  keepAliveMs?: number;
}

/** Connect failures as typed errors: refused / unreachable / unknown host → 'not-found' (wait), timeout → 'timeout'. */
function connectError(address: string, e: unknown): DeviceError {
  const code = e instanceof Error ? (e as NodeJS.ErrnoException).code : undefined;
  if (code === 'ECONNREFUSED') return new DeviceError('transport', 'not-found', `${address}: connection refused (is the service running?)`, 'wait', 'connection-refused', { cause: e });
  if (code === 'ENOTFOUND' || code === 'EAI_AGAIN') return new DeviceError('transport', 'not-found', `${address}: unknown host`, 'maintenance', 'unknown-host', { cause: e });
  if (code === 'EHOSTUNREACH' || code === 'ENETUNREACH') return new DeviceError('transport', 'not-found', `${address}: host unreachable`, 'wait', 'unreachable', { cause: e });
  const msg = e instanceof Error ? e.message : String(e);
  return new DeviceError('transport', 'disconnected', `${address}: cannot connect: ${msg}`, 'wait', undefined, { cause: e });
}

export function formatAddress(host: string, port: number): string {
  return host.includes(':') ? `[${host}]:${port}` : `${host}:${port}`;
}

export class TcpTransport implements Transport {
  readonly kind = 'tcp';
  readonly #socket: Socket;
  readonly #data = new Emitter<Uint8Array>();
  readonly #closed = new Emitter<DeviceError | undefined>();
  #open = true;
  #closing = false;
  #lastError: unknown;

  private constructor(
    readonly path: string,
    socket: Socket,
  ) {
    this.#socket = socket;
    socket.setNoDelay(true);
    socket.on('data', (chunk: Buffer) => this.#data.emit(new Uint8Array(chunk.buffer, chunk.byteOffset, chunk.byteLength)));
    socket.on('error', (e) => {
      this.#lastError = e;
    });
    // 'end' = the peer half-closed; we do not write after that either, so close our side too.
    socket.on('end', () => {
      if (!socket.destroyed) socket.end();
    });
    socket.on('close', () => this.#finish());
  }

  /** Connects to host:port. Rejects with a typed error ('not-found', 'timeout', 'canceled', 'disconnected'). */
  static connect(opts: TcpOptions, signal?: AbortSignal): Promise<TcpTransport> {
    const address = formatAddress(opts.host, opts.port);
    const timeoutMs = opts.connectTimeoutMs ?? 5000;
    return new Promise<TcpTransport>((resolve, reject) => {
      if (signal?.aborted) return reject(canceledError('transport', signal.reason));
      const socket = connect({ host: opts.host, port: opts.port, allowHalfOpen: true });
      let settled = false;
      const timer = setTimeout(() => fail(new DeviceError('transport', 'timeout', `${address}: no connection within ${timeoutMs} ms`, 'wait', 'connect-timeout')), timeoutMs);
      const onAbort = (): void => fail(canceledError('transport', signal?.reason));
      const cleanup = (): void => {
        settled = true;
        clearTimeout(timer);
        signal?.removeEventListener('abort', onAbort);
        socket.off('error', onError);
      };
      const fail = (e: DeviceError): void => {
        if (settled) return;
        cleanup();
        socket.destroy();
        reject(e);
      };
      const onError = (e: unknown): void => fail(connectError(address, e));
      signal?.addEventListener('abort', onAbort, { once: true });
      socket.once('error', onError);
      socket.once('connect', () => {
        if (settled) return;
        cleanup();
        const keepAlive = opts.keepAliveMs ?? 15_000;
        if (keepAlive > 0) socket.setKeepAlive(true, keepAlive);
        resolve(new TcpTransport(`tcp://${address}`, socket));
      });
    });
  }

  /** Wraps an accepted socket (server side). */
  static fromSocket(socket: Socket): TcpTransport {
    return new TcpTransport(`tcp://${formatAddress(socket.remoteAddress ?? '?', socket.remotePort ?? 0)}`, socket);
  }

  get isOpen(): boolean {
    return this.#open;
  }

  /** The peer's numeric address (what a second connection to the same host should use). */
  get remoteAddress(): string | undefined {
    return this.#socket.remoteAddress;
  }

  write(bytes: Uint8Array, signal?: AbortSignal): Promise<void> {
    if (signal?.aborted) return Promise.reject(canceledError('transport', signal.reason));
    if (!this.#open || !this.#socket.writable) return Promise.reject(new DeviceError('transport', 'disconnected', `${this.path} is closed`, 'wait'));
    return new Promise<void>((resolve, reject) => {
      this.#socket.write(bytes, (e) => {
        if (e) reject(new DeviceError('transport', 'disconnected', `${this.path}: write failed: ${e.message}`, 'wait', undefined, { cause: e }));
        else resolve();
      });
    });
  }

  /** Half-closes: we send nothing more, the peer may still send (SANE's data connection). */
  endWrite(): void {
    if (this.#open && this.#socket.writable) this.#socket.end();
  }

  onData(listener: (chunk: Uint8Array) => void): Unsubscribe {
    return this.#data.on(listener);
  }

  onClose(listener: (error?: DeviceError) => void): Unsubscribe {
    return this.#closed.on(listener);
  }

  close(): Promise<void> {
    if (!this.#open) return Promise.resolve();
    this.#closing = true;
    return new Promise<void>((resolve) => {
      this.#socket.once('close', () => resolve());
      this.#socket.destroy();
    });
  }

  #finish(): void {
    if (!this.#open) return;
    this.#open = false;
    const e = this.#lastError;
    const err = this.#closing
      ? undefined
      : new DeviceError('transport', 'disconnected', `${this.path}: connection ${e instanceof Error ? `lost (${e.message})` : 'closed by the peer'}`, 'wait', undefined, e === undefined ? undefined : { cause: e });
    this.#closed.emit(err);
    this.#data.clear();
    this.#closed.clear();
  }
}

/** Opens TCP connections to one address; a LinkKeeper reopens through it after a loss. */
export class TcpOpener implements TransportOpener {
  readonly kind = 'tcp';
  readonly path: string;
  constructor(readonly opts: TcpOptions) {
    this.path = `tcp://${formatAddress(opts.host, opts.port)}`;
  }
  open(signal?: AbortSignal): Promise<Transport> {
    return TcpTransport.connect(this.opts, signal);
  }
}

export interface TcpListener {
  readonly host: string;
  readonly port: number;
  /** Stops accepting and destroys every connection it accepted (`keepConnections`: only stops accepting). */
  close(opts?: { keepConnections?: boolean }): Promise<void>;
}

/** Listens on host:port (0 = any free port) and hands every accepted connection to `onConnection`. */
export function listenTcp(opts: { host: string; port: number }, onConnection: (t: TcpTransport) => void): Promise<TcpListener> {
  const sockets = new Set<Socket>();
  const server: Server = createServer({ allowHalfOpen: true }, (socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    onConnection(TcpTransport.fromSocket(socket));
  });
  return new Promise<TcpListener>((resolve, reject) => {
    server.once('error', (e) => reject(new DeviceError('transport', 'busy', `cannot listen on ${formatAddress(opts.host, opts.port)}: ${e.message}`, 'maintenance', undefined, { cause: e })));
    server.listen(opts.port, opts.host, () => {
      const addr = server.address();
      const port = typeof addr === 'object' && addr !== null ? addr.port : opts.port;
      resolve({
        host: opts.host,
        port,
        close: (o) =>
          new Promise<void>((done) => {
            if (!o?.keepConnections) for (const s of sockets) s.destroy();
            server.close(() => done());
          }),
      });
    });
  });
}
