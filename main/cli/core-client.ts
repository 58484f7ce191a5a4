/**
 * kioskctl's side of the control socket: finds the running core of a data directory, proves who we are
 * (the core's challenge: create `<dir>/<nonce>`), and calls tech.* methods with the contract's envelopes,
 * validating every reply with the contract's schemas.
 */
import { constants, closeSync, openSync, unlinkSync } from 'node:fs';
import net from 'node:net';
import { join, resolve } from 'node:path';
import {
  EventEnvelope,
  ReplyEnvelope,
  techInvoke,
  techPush,
  type KioskErrorCode,
  type TechInvokeName,
  type TechParams,
  type TechResult,
} from '../contract/index.js';
import { controlSocketPath } from '../core/control-socket.js';
import { loadProfile, type LoadedProfile } from '../core/profile.js';

/** No core runs on this data directory (no socket, or a stale one). */
export class NoCoreError extends Error {
  override readonly name = 'NoCoreError';
}

/** A core runs but this user may not talk to it. */
export class CoreAccessError extends Error {
  override readonly name = 'CoreAccessError';
}

/** The core refused or failed a call (its typed error). */
export class CoreCallError extends Error {
  override readonly name = 'CoreCallError';
  constructor(
    readonly code: KioskErrorCode | 'timeout' | 'disconnected',
    message: string,
  ) {
    super(message);
  }
}

export interface Located {
  loaded: LoadedProfile;
  dataDir: string;
  socketPath: string;
}

function str(values: Record<string, unknown>, name: string): string | undefined {
  const v = values[name];
  return typeof v === 'string' && v.length > 0 ? v : undefined;
}

/** The data directory (and its core's socket) from --data-dir, --profile or KIOSK_PROFILE, as the queue commands find it. */
export function locate(values: Record<string, unknown>): Located {
  const loaded = loadProfile(str(values, 'profile') ?? process.env.KIOSK_PROFILE ?? null);
  const dir = str(values, 'data-dir');
  const dataDir = dir !== undefined ? resolve(dir) : loaded.dataDir;
  return { loaded, dataDir, socketPath: controlSocketPath(dataDir) };
}

interface Waiter {
  resolve(v: unknown): void;
  reject(e: Error): void;
  timer: ReturnType<typeof setTimeout>;
}

export class CoreClient {
  readonly #socket: net.Socket;
  readonly #waiters = new Map<number, Waiter>();
  #nextId = 1;
  #closed: Error | null = null;
  user = '';
  uid = -1;
  terminalId = '';

  private constructor(socket: net.Socket) {
    this.#socket = socket;
  }

  /**
   * Connects and says hello. NoCoreError when nothing listens (the caller may work directly, where that is
   * safe); CoreAccessError when a core runs but refuses this user.
   */
  static async connect(socketPath: string, opts: { timeoutMs?: number } = {}): Promise<CoreClient> {
    const timeoutMs = opts.timeoutMs ?? 5000;
    const socket = net.connect(socketPath);
    const client = new CoreClient(socket);
    const challenge = await new Promise<{ nonce: string; dir: string }>((resolveC, reject) => {
      let buf = '';
      const timer = setTimeout(() => fail(new CoreCallError('timeout', `the core at ${socketPath} did not answer within ${timeoutMs} ms`)), timeoutMs);
      const fail = (e: Error): void => {
        clearTimeout(timer);
        socket.off('data', onData);
        socket.destroy();
        reject(e);
      };
      const onData = (chunk: Buffer): void => {
        buf += chunk.toString('utf8');
        const nl = buf.indexOf('\n');
        if (nl < 0) return;
        const first = buf.slice(0, nl);
        const rest = buf.slice(nl + 1);
        clearTimeout(timer);
        socket.off('data', onData);
        socket.off('error', onError);
        let ev;
        try {
          ev = EventEnvelope.parse(JSON.parse(first));
        } catch {
          return fail(new CoreCallError('invalid-message', 'the control socket did not send a challenge'));
        }
        const c = techPush['tech.challenge'].safeParse(ev.payload);
        if (ev.name !== 'tech.challenge' || !c.success) return fail(new CoreCallError('invalid-message', 'the control socket did not send a challenge'));
        client.#listen(rest);
        resolveC(c.data);
      };
      const onError = (e: NodeJS.ErrnoException): void => {
        if (e.code === 'ENOENT' || e.code === 'ECONNREFUSED') fail(new NoCoreError(`no kiosk core is running on this data directory (no control socket answers at ${socketPath})`));
        else if (e.code === 'EACCES' || e.code === 'EPERM') fail(new CoreAccessError(`permission denied on the control socket ${socketPath}: your user must be in the technician group (profile technician.socket.group)`));
        else fail(new CoreCallError('disconnected', `cannot connect to ${socketPath}: ${e.code ?? e.message}`));
      };
      socket.on('data', onData);
      socket.once('error', onError);
    });
    const file = join(challenge.dir, challenge.nonce);
    try {
      closeSync(openSync(file, constants.O_CREAT | constants.O_EXCL | constants.O_WRONLY | constants.O_NOFOLLOW, 0o600));
    } catch (e) {
      client.close();
      throw new CoreAccessError(`cannot answer the core's challenge in ${challenge.dir} (${(e as NodeJS.ErrnoException).code ?? 'error'}): your user must be in the technician group`);
    }
    try {
      const hello = await client.call('tech.hello', { proof: challenge.nonce, client: 'kioskctl' });
      client.user = hello.user;
      client.uid = hello.uid;
      client.terminalId = hello.terminalId;
    } catch (e) {
      client.close();
      throw e;
    } finally {
      try {
        unlinkSync(file);
      } catch {
        // the core removed it
      }
    }
    return client;
  }

  #listen(initial: string): void {
    let buf = initial;
    const onLine = (line: string): void => {
      let data: unknown;
      try {
        data = JSON.parse(line);
      } catch {
        return;
      }
      const r = ReplyEnvelope.safeParse(data);
      if (!r.success || r.data.id === null) return;
      const w = this.#waiters.get(r.data.id);
      if (!w) return;
      this.#waiters.delete(r.data.id);
      clearTimeout(w.timer);
      if (r.data.reply.ok) w.resolve(r.data.reply.value);
      else w.reject(new CoreCallError(r.data.reply.error.code, r.data.reply.error.message));
    };
    const drain = (): void => {
      for (let nl = buf.indexOf('\n'); nl >= 0; nl = buf.indexOf('\n')) {
        const line = buf.slice(0, nl);
        buf = buf.slice(nl + 1);
        if (line.trim()) onLine(line);
      }
    };
    this.#socket.on('data', (chunk: Buffer) => {
      buf += chunk.toString('utf8');
      drain();
    });
    const lost = (): void => {
      this.#closed ??= new CoreCallError('disconnected', 'the core closed the control connection');
      for (const w of this.#waiters.values()) {
        clearTimeout(w.timer);
        w.reject(this.#closed);
      }
      this.#waiters.clear();
    };
    this.#socket.on('close', lost);
    this.#socket.on('error', lost);
    drain();
  }

  /** Calls a tech.* method; the result is checked against the contract. */
  call<N extends TechInvokeName>(method: N, params: TechParams<N>, opts: { timeoutMs?: number; signal?: AbortSignal } = {}): Promise<TechResult<N>> {
    if (this.#closed) return Promise.reject(this.#closed);
    const id = this.#nextId++;
    const timeoutMs = opts.timeoutMs ?? 30_000;
    return new Promise<TechResult<N>>((resolveCall, reject) => {
      const onAbort = (): void => {
        this.#waiters.delete(id);
        clearTimeout(timer);
        reject(new CoreCallError('timeout', 'interrupted'));
      };
      const timer = setTimeout(() => {
        this.#waiters.delete(id);
        opts.signal?.removeEventListener('abort', onAbort);
        reject(new CoreCallError('timeout', `${method}: no reply from the core within ${Math.round(timeoutMs / 1000)} s`));
      }, timeoutMs);
      if (opts.signal?.aborted) return onAbort();
      opts.signal?.addEventListener('abort', onAbort, { once: true });
      this.#waiters.set(id, {
        resolve: (v) => {
          opts.signal?.removeEventListener('abort', onAbort);
          const parsed = techInvoke[method].result.safeParse(v);
          if (parsed.success) resolveCall(parsed.data as TechResult<N>);
          else reject(new CoreCallError('invalid-message', `${method}: the core's reply does not match the contract (${parsed.error.issues[0]?.message ?? 'invalid'})`));
        },
        reject: (e) => {
          opts.signal?.removeEventListener('abort', onAbort);
          reject(e);
        },
        timer,
      });
      this.#socket.write(`${JSON.stringify({ type: 'request', id, method, params })}\n`);
    });
  }

  close(): void {
    this.#closed ??= new CoreCallError('disconnected', 'closed');
    this.#socket.end();
    this.#socket.destroy();
  }
}

/** Connects when a core runs; null when none does (NoCoreError). Access problems are thrown, never hidden. */
export async function connectIfRunning(socketPath: string): Promise<CoreClient | null> {
  try {
    return await CoreClient.connect(socketPath);
  } catch (e) {
    if (e instanceof NoCoreError) return null;
    throw e;
  }
}
