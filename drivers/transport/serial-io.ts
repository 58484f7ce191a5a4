/**
 * Reads and writes on the open serial port's file descriptor without a thread-pool round trip.
 *
 * serialport 13's Linux binding reads and writes with `fs.read` / `fs.write`, each one a trip through
 * libuv's thread pool: a hand-off to a worker, a futex, an eventfd wake-up of the event loop. Its
 * descriptor is non-blocking (bindings-cpp opens it with O_NONBLOCK and waits on its own poller for
 * EAGAIN), so a read or write on it returns at once. One find-card poll of the ID card reader (a 10-byte
 * request, an 11-byte reply) cost about nine event-loop wake-ups that way — the request's write, its
 * tcdrain, the reply's read, the read after it that finds nothing (EAGAIN), the poller — and on a
 * virtual machine each wake-up costs on the order of 0.1 ms of CPU (docs/performance.md, "idle presence").
 *
 * Here the port's `read` and `write` call `readSync` / `writeSync` on that descriptor, and wait on the
 * binding's own poller when the kernel has nothing to read or no room to write (EAGAIN), exactly as the
 * binding's `unixRead` / `unixWrite` do. Nothing else changes: serialport's stream, its close and
 * disconnect handling, `drain()` (tcdrain stays in the thread pool: it blocks by nature).
 *
 * Applied only on Linux and only when the binding looks as expected (a numeric `fd`, a poller with
 * `once`); otherwise serialport's own I/O stays, which is correct, only dearer.
 */
import { readSync, writeSync } from 'node:fs';

interface Poller {
  once(event: 'readable' | 'writable', cb: (err: Error | null) => void): unknown;
}

/** The part of bindings-cpp's LinuxPortBinding this module uses (checked at run time, see `leanPort`). */
interface LinuxPort {
  fd: number | null;
  poller: Poller;
  writeOperation: Promise<void> | null;
  read(buffer: Buffer, offset: number, length: number): Promise<{ bytesRead: number; buffer: Buffer }>;
  write(buffer: Buffer): Promise<void>;
}

type ErrnoError = Error & { code?: string; errno?: number; disconnect?: boolean };

const RETRY = new Set(['EAGAIN', 'EWOULDBLOCK', 'EINTR']);
/** Flagged `disconnect` as bindings-cpp's unixRead/unixWrite flag them (serialport's stream closes the port on any read error that is not a cancel). */
const DISCONNECT = new Set(['EBADF', 'ENXIO', 'UNKNOWN']);

function notOpen(): Error {
  return Object.assign(new Error('Port is not open'), { canceled: true });
}

function wait(port: LinuxPort, event: 'readable' | 'writable'): Promise<void> {
  return new Promise((resolve, reject) => {
    port.poller.once(event, (err) => (err ? reject(err) : resolve()));
  });
}

function classify(e: unknown): ErrnoError {
  const err = (e instanceof Error ? e : new Error(String(e))) as ErrnoError;
  if ((err.code !== undefined && DISCONNECT.has(err.code)) || err.errno === -1) err.disconnect = true;
  return err;
}

function isRetry(e: unknown): boolean {
  const code = (e as ErrnoError | undefined)?.code;
  return code !== undefined && RETRY.has(code);
}

/** One read of whatever the kernel holds, up to `length` bytes; waits on the poller while there is nothing. */
export async function readNow(port: LinuxPort, buffer: Buffer, offset: number, length: number): Promise<{ bytesRead: number; buffer: Buffer }> {
  for (;;) {
    const fd = port.fd;
    if (fd === null) throw notOpen();
    let n: number;
    try {
      n = readSync(fd, buffer, offset, length, null);
    } catch (e) {
      if (!isRetry(e)) throw classify(e);
      await wait(port, 'readable');
      continue;
    }
    if (n > 0) return { bytesRead: n, buffer };
    // 0 bytes (a hang-up on some ttys): wait for the poller, which also reports the disconnect, rather than spin.
    await wait(port, 'readable');
  }
}

/** Writes all of `buffer`; waits on the poller while the kernel's output buffer is full. */
export async function writeNow(port: LinuxPort, buffer: Buffer): Promise<void> {
  let offset = 0;
  while (offset < buffer.length) {
    const fd = port.fd;
    if (fd === null) throw notOpen();
    try {
      offset += writeSync(fd, buffer, offset, buffer.length - offset);
    } catch (e) {
      if (!isRetry(e)) throw classify(e);
      await wait(port, 'writable');
    }
  }
}

function looksLikeLinuxPort(p: unknown): p is LinuxPort {
  if (typeof p !== 'object' || p === null) return false;
  const o = p as Record<string, unknown>;
  const poller = o['poller'] as Record<string, unknown> | undefined;
  return typeof o['fd'] === 'number' && typeof o['read'] === 'function' && typeof o['write'] === 'function' && typeof poller?.['once'] === 'function' && 'writeOperation' in o;
}

/**
 * Gives an open serialport binding port direct reads and writes (see the module comment). Returns whether
 * it did; `false` leaves the port as it was.
 */
export function leanPort(port: unknown, platform: NodeJS.Platform = process.platform): boolean {
  if (platform !== 'linux' || !looksLikeLinuxPort(port)) return false;
  const p = port;
  p.read = async (buffer, offset, length) => {
    if (buffer.length < offset + length) throw new Error('buffer is too small');
    return readNow(p, buffer, offset, length);
  };
  p.write = (buffer) => {
    // drain() awaits writeOperation before tcdrain, as the binding's own write arranges (cleared once it succeeded).
    const op = buffer.length > 0 ? writeNow(p, buffer) : Promise.resolve();
    p.writeOperation = op;
    op.then(
      () => {
        if (p.writeOperation === op) p.writeOperation = null;
      },
      () => undefined, // the caller handles the rejection of `op` itself
    );
    return op;
  };
  return true;
}
