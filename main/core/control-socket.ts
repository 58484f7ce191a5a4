/**
 * The control socket: a Unix domain socket in the data directory through which kioskctl talks to the running
 * core. It carries the contract's envelopes (one JSON message per line) in the `tech.*` namespace only.
 *
 *   <dataDir>/control/            0750, group = technician.socket.group
 *   <dataDir>/control/kiosk.sock  0660, same group   — who may connect: the core's user and that group
 *   <dataDir>/control/proof/      1730, same group   — where a client proves its uid (write, no listing)
 *
 * Who is calling: Node cannot read SO_PEERCRED, so the core asks. The first message on a connection is the
 * event `tech.challenge {nonce, dir}`; the client creates the empty file `<dir>/<nonce>` and sends
 * `tech.hello {proof: nonce}`. The owner of that file is the caller's uid (only that uid, or root, can make a
 * file it owns in a sticky directory), which the journal records with the user name. Nonces are random per
 * connection and the directory cannot be listed, so no one can answer another's challenge.
 *
 * A stale socket left by a crashed core is replaced; a socket that answers means another core runs on this data
 * directory, and this one refuses to start (two cores would run two delivery loops and fight over the devices).
 */
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import net from 'node:net';
import { join } from 'node:path';
import type { Logger } from 'pino';
import type { ServerMessage } from '../contract/index.js';
import { userName } from './accounts.js';
import type { TechService } from './technician.js';

export const CONTROL_DIR = 'control';
export const SOCKET_NAME = 'kiosk.sock';
export const PROOF_DIR = 'proof';
/** Largest line a client may send (bytes). */
export const MAX_LINE_BYTES = 1024 * 1024;
const MAX_CONNECTIONS = 16;
const HELLO_TIMEOUT_MS = 10_000;
const IDLE_TIMEOUT_MS = 2 * 3600_000;

export function controlSocketPath(dataDir: string): string {
  return join(dataDir, CONTROL_DIR, SOCKET_NAME);
}

export class ControlSocketError extends Error {
  override readonly name = 'ControlSocketError';
  constructor(
    readonly code: 'another-core' | 'path-too-long' | 'setup',
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

export interface ControlSocketOptions {
  dataDir: string;
  /** The technician group; null = the core's own group. */
  gid: number | null;
  tech: TechService;
  log: Logger;
}

export interface ControlSocket {
  readonly path: string;
  close(): Promise<void>;
}

/** Refuses early (before the offline cache is opened and recovered) when another core runs on this data directory. */
export async function refuseSecondCore(dataDir: string): Promise<void> {
  const path = controlSocketPath(dataDir);
  if (fs.lstatSync(path, { throwIfNoEntry: false })?.isSocket() && (await socketAnswers(path))) {
    throw new ControlSocketError('another-core', `another kiosk core is running on ${dataDir} (its control socket ${path} answers): refusing to start a second one`);
  }
}

/** Resolves true when something answers on `path` (another core). */
export function socketAnswers(path: string, timeoutMs = 1000): Promise<boolean> {
  return new Promise((resolve) => {
    const s = net.connect(path);
    const done = (v: boolean): void => {
      clearTimeout(t);
      s.destroy();
      resolve(v);
    };
    const t = setTimeout(() => done(false), timeoutMs);
    s.once('connect', () => done(true));
    s.once('error', () => done(false));
  });
}

function prepareDir(path: string, mode: number, gid: number | null): void {
  fs.mkdirSync(path, { recursive: true, mode });
  const st = fs.lstatSync(path);
  if (!st.isDirectory()) throw new ControlSocketError('setup', `${path} is not a directory`);
  if (gid !== null && st.gid !== gid) fs.chownSync(path, -1, gid);
  fs.chmodSync(path, mode);
}

/** The technician group must be able to pass through the data directory to reach control/. */
function ensureTraversable(dir: string, gid: number, log: Logger): void {
  const st = fs.statSync(dir);
  if ((st.mode & 0o001) !== 0) return;
  if (st.gid === gid && (st.mode & 0o010) !== 0) return;
  try {
    if (st.gid !== gid) fs.chownSync(dir, -1, gid);
    fs.chmodSync(dir, (st.mode & 0o7777) | 0o010);
    log.info({ dir, gid }, 'data directory group set so the technician group can reach the control socket (files inside keep their own modes)');
  } catch (e) {
    log.error({ dir, gid, err: e }, 'the technician group cannot reach the control socket: the data directory cannot be given to that group');
  }
}

export async function startControlSocket(opts: ControlSocketOptions): Promise<ControlSocket> {
  const { dataDir, gid, tech, log } = opts;
  const dir = join(dataDir, CONTROL_DIR);
  const proofDir = join(dir, PROOF_DIR);
  const path = controlSocketPath(dataDir);
  if (Buffer.byteLength(path) > 107) throw new ControlSocketError('path-too-long', `control socket path is longer than a Unix socket allows (${Buffer.byteLength(path)} > 107 bytes): ${path}`);
  try {
    if (gid !== null) ensureTraversable(dataDir, gid, log);
    prepareDir(dir, 0o750, gid);
    prepareDir(proofDir, 0o1730, gid);
  } catch (e) {
    if (e instanceof ControlSocketError) throw e;
    throw new ControlSocketError('setup', `cannot prepare ${dir}: ${e instanceof Error ? e.message : String(e)}`, { cause: e });
  }
  const existing = fs.lstatSync(path, { throwIfNoEntry: false });
  if (existing) {
    if (!existing.isSocket()) throw new ControlSocketError('setup', `${path} exists and is not a socket: left alone`);
    if (await socketAnswers(path)) throw new ControlSocketError('another-core', `another kiosk core is running on ${dataDir} (its control socket ${path} answers): refusing to start a second one`);
    fs.unlinkSync(path);
  }

  const sockets = new Set<net.Socket>();
  const server = net.createServer((socket) => {
    if (sockets.size >= MAX_CONNECTIONS) {
      socket.end(`${JSON.stringify({ type: 'reply', id: null, reply: { ok: false, error: { code: 'not-allowed', message: 'too many control connections' } } })}\n`);
      return;
    }
    sockets.add(socket);
    serve(socket, proofDir, tech, log).finally(() => sockets.delete(socket));
  });
  server.maxConnections = MAX_CONNECTIONS + 4;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(path, () => {
      server.off('error', reject);
      resolve();
    });
  });
  try {
    if (gid !== null) fs.chownSync(path, -1, gid);
    fs.chmodSync(path, 0o660);
  } catch (e) {
    server.close();
    throw new ControlSocketError('setup', `cannot set the mode of ${path}: ${e instanceof Error ? e.message : String(e)}`, { cause: e });
  }
  server.on('error', (err) => log.error({ err }, 'control socket error'));
  log.info({ path, gid: gid ?? process.getgid?.() ?? null }, 'control socket listening');

  return {
    path,
    async close() {
      for (const s of sockets) s.destroy();
      await new Promise<void>((r) => server.close(() => r()));
      try {
        if (fs.lstatSync(path, { throwIfNoEntry: false })?.isSocket()) fs.unlinkSync(path);
      } catch {
        // already gone
      }
    },
  };
}

/** One connection: challenge, then newline-delimited envelopes to the technician service. */
function serve(socket: net.Socket, proofDir: string, tech: TechService, log: Logger): Promise<void> {
  return new Promise<void>((resolveDone) => {
    const nonce = randomBytes(16).toString('hex');
    let proven = false;
    let closed = false;
    const conn = {
      send(m: ServerMessage): void {
        if (!closed && socket.writable) socket.write(`${JSON.stringify(m)}\n`);
      },
    };
    const prove = async (proof: string): Promise<{ uid: number; user: string }> => {
      if (proof !== nonce) throw new Error('that is not this connection’s challenge');
      const file = join(proofDir, nonce);
      const st = fs.lstatSync(file, { throwIfNoEntry: false });
      if (!st) throw new Error(`no file ${file}: create it, then say hello`);
      try {
        fs.unlinkSync(file);
      } catch {
        // removed by the client already
      }
      if (!st.isFile() || st.nlink !== 1) throw new Error('the proof must be a plain file');
      proven = true;
      clearTimeout(helloTimer);
      return { uid: st.uid, user: userName(st.uid) };
    };
    const detach = tech.connect(conn, 'socket', { prove });
    const helloTimer = setTimeout(() => {
      if (!proven) finish('no tech.hello within 10 s');
    }, HELLO_TIMEOUT_MS);
    socket.setTimeout(IDLE_TIMEOUT_MS, () => finish('idle'));
    const finish = (why?: string): void => {
      if (closed) return;
      closed = true;
      clearTimeout(helloTimer);
      detach();
      try {
        fs.unlinkSync(join(proofDir, nonce));
      } catch {
        // never created
      }
      if (why) log.debug({ why }, 'control connection closed');
      socket.destroy();
      resolveDone();
    };
    let buf: Buffer = Buffer.alloc(0);
    socket.on('data', (chunk: Buffer) => {
      buf = buf.length === 0 ? chunk : Buffer.concat([buf, chunk]);
      for (;;) {
        const nl = buf.indexOf(0x0a);
        if (nl < 0) break;
        const line = buf.subarray(0, nl).toString('utf8');
        buf = buf.subarray(nl + 1);
        if (line.trim().length > 0) void tech.receive(conn, line);
      }
      if (buf.length > MAX_LINE_BYTES) {
        conn.send({ type: 'reply', id: null, reply: { ok: false, error: { code: 'invalid-message', message: `line longer than ${MAX_LINE_BYTES} bytes` } } });
        finish('line too long');
      }
    });
    socket.on('error', () => finish());
    socket.on('close', () => finish());
    conn.send({ type: 'event', name: 'tech.challenge', payload: { nonce, dir: proofDir } });
  });
}
