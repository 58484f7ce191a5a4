/**
 * serial-io: the serial port's reads and writes straight on its non-blocking descriptor, waiting on the
 * binding's poller at EAGAIN (drivers/transport/serial-io.ts). Over a real pty pair (socat) with the real
 * bindings-cpp port, and against fakes for the refusals and the error classification.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { SerialPort } from 'serialport';
import { leanPort, readNow, writeNow } from '../../../drivers/transport/serial-io.js';
import { createPtyPair, usePtyPairs } from '../../helpers/pty.js';

usePtyPairs();

interface RawPort {
  fd: number | null;
  read(buffer: Buffer, offset: number, length: number): Promise<{ bytesRead: number; buffer: Buffer }>;
  write(buffer: Buffer): Promise<void>;
  drain(): Promise<void>;
}

async function openRaw(path: string): Promise<{ stream: SerialPort; port: RawPort }> {
  const stream = new SerialPort({ path, baudRate: 115_200, autoOpen: false });
  await new Promise<void>((resolve, reject) => stream.open((e) => (e ? reject(e) : resolve())));
  return { stream, port: stream.port as unknown as RawPort };
}

function closeRaw(s: SerialPort): Promise<void> {
  return new Promise((resolve) => s.close(() => resolve()));
}

/** A pty pair with a lean raw port at each end (both checked lean), closed after `fn`. */
async function withLeanPair(fn: (host: RawPort, dev: RawPort) => Promise<void>): Promise<void> {
  const pty = await createPtyPair();
  const host = await openRaw(pty.hostPath);
  const dev = await openRaw(pty.devicePath);
  try {
    expect(leanPort(host.port)).toBe(true);
    expect(leanPort(dev.port)).toBe(true);
    await fn(host.port, dev.port);
  } finally {
    await closeRaw(host.stream);
    await closeRaw(dev.stream);
  }
}

/** Reads from `port` until `n` bytes came (each read is one readNow through the lean port). */
async function readAll(port: RawPort, n: number): Promise<Buffer> {
  const out = Buffer.alloc(n);
  let got = 0;
  while (got < n) {
    const { bytesRead } = await port.read(out, got, n - got);
    expect(bytesRead).toBeGreaterThan(0);
    got += bytesRead;
  }
  return out;
}

describe('serial-io over a real pty pair', () => {
  it('a lean port carries a write far larger than the kernel buffer intact, waiting on the poller while the reader is late', async () => {
    await withLeanPair(async (host, dev) => {
      const data = Buffer.from(Array.from({ length: 256 * 1024 }, (_, i) => (i * 7 + (i >> 9)) & 0xff));
      let written = false;
      const writing = host.write(data).then(() => {
        written = true;
      });
      // Nobody reads yet: the write cannot finish (the pty holds a few KB), it waits on 'writable'.
      await new Promise((r) => setTimeout(r, 50));
      expect(written).toBe(false);
      const received = await readAll(dev, data.length);
      await writing;
      expect(written).toBe(true);
      expect(received.equals(data)).toBe(true);
      // drain() (tcdrain, the binding's own) still works after a lean write.
      await host.drain();
    });
  });

  it('a read with nothing there waits for the bytes instead of returning empty', async () => {
    await withLeanPair(async (host, dev) => {
      const buf = Buffer.alloc(16);
      let done = false;
      const reading = dev.read(buf, 0, 16).then((r) => {
        done = true;
        return r;
      });
      await new Promise((r) => setTimeout(r, 30));
      expect(done).toBe(false);
      await host.write(Buffer.from([0xaa, 0xaa, 0xaa, 0x96, 0x69]));
      const r = await reading;
      expect(r.bytesRead).toBeGreaterThan(0);
      const rest = r.bytesRead < 5 ? await readAll(dev, 5 - r.bytesRead) : Buffer.alloc(0);
      expect([...Buffer.concat([buf.subarray(0, r.bytesRead), rest])]).toEqual([0xaa, 0xaa, 0xaa, 0x96, 0x69]);
    });
  });

  it('any sequence of writes arrives intact and in order (property, one pty pair)', async () => {
    await withLeanPair(async (host, dev) => {
      await fc.assert(
        fc.asyncProperty(fc.array(fc.uint8Array({ minLength: 1, maxLength: 9000 }), { minLength: 1, maxLength: 6 }), async (parts) => {
          const all = Buffer.concat(parts);
          const reading = readAll(dev, all.length);
          for (const p of parts) await host.write(Buffer.from(p));
          expect((await reading).equals(all)).toBe(true);
        }),
        { numRuns: 25 },
      );
    });
  });

  it('a closed port: read and write reject as canceled, as the binding does', async () => {
    const pty = await createPtyPair();
    const host = await openRaw(pty.hostPath);
    leanPort(host.port);
    await closeRaw(host.stream);
    expect(host.port.fd).toBe(null);
    await expect(host.port.read(Buffer.alloc(4), 0, 4)).rejects.toMatchObject({ message: 'Port is not open', canceled: true });
    await expect(host.port.write(Buffer.from([1]))).rejects.toMatchObject({ message: 'Port is not open', canceled: true });
  });
});

describe('serial-io refusals and errors', () => {
  const fake = (fd: number | null): Parameters<typeof readNow>[0] => ({
    fd,
    poller: { once: () => undefined },
    writeOperation: null,
    read: () => Promise.reject(new Error('not lean')),
    write: () => Promise.reject(new Error('not lean')),
  });

  it('leaves a port alone off Linux or when the binding does not look as expected', () => {
    const p = fake(3);
    const read = p.read;
    expect(leanPort(p, 'darwin')).toBe(false);
    expect(p.read).toBe(read);
    expect(leanPort({ fd: 3, read, write: read }, 'linux')).toBe(false); // no poller
    expect(leanPort({ ...p, fd: null }, 'linux')).toBe(false); // not open
    expect(leanPort(null, 'linux')).toBe(false);
    expect(leanPort(p, 'linux')).toBe(true);
    expect(p.read).not.toBe(read);
  });

  it('a bad descriptor is flagged as a disconnect (serialport then closes the port as disconnected)', async () => {
    const bad = fake(2 ** 30); // EBADF: no such descriptor
    await expect(readNow(bad, Buffer.alloc(4), 0, 4)).rejects.toMatchObject({ code: 'EBADF', disconnect: true });
    await expect(writeNow(bad, Buffer.from([1, 2]))).rejects.toMatchObject({ code: 'EBADF', disconnect: true });
  });

  it('a lean read refuses a buffer too small for the request, as the binding does', async () => {
    const p = fake(2 ** 30);
    leanPort(p, 'linux');
    await expect(p.read(Buffer.alloc(2), 0, 4)).rejects.toThrow(/buffer is too small/);
  });
});
