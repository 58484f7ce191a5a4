import { describe, expect, it } from 'vitest';
import { mkdtemp, rm, symlink, mkdir, rename } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DeviceError, isDeviceError } from '../../../drivers/device.js';
import { LinkKeeper, type LinkEvent } from '../../../drivers/transport/keeper.js';
import { SerialOpener, SerialTransport, listSerialPorts, resolveSerialOptions } from '../../../drivers/transport/serial.js';
import type { Transport } from '../../../drivers/transport/transport.js';
import { createPtyPair, usePtyPairs } from '../../helpers/pty.js';

usePtyPairs();

function collect(t: Transport): { bytes: () => Uint8Array; waitFor: (n: number, ms?: number) => Promise<Uint8Array> } {
  const chunks: Uint8Array[] = [];
  let total = 0;
  const waiters = new Set<() => void>();
  t.onData((c) => {
    chunks.push(Uint8Array.from(c));
    total += c.length;
    for (const w of [...waiters]) w();
  });
  const bytes = (): Uint8Array => Buffer.concat(chunks);
  const waitFor = (n: number, ms = 10_000): Promise<Uint8Array> =>
    new Promise((resolve, reject) => {
      const check = (): void => {
        if (total >= n) {
          waiters.delete(check);
          clearTimeout(timer);
          resolve(bytes());
        }
      };
      const timer = setTimeout(() => {
        waiters.delete(check);
        reject(new Error(`only ${total} of ${n} bytes arrived within ${ms} ms`));
      }, ms);
      waiters.add(check);
      check();
    });
  return { bytes, waitFor };
}

async function expectDeviceError(p: Promise<unknown>, code: DeviceError['code']): Promise<DeviceError> {
  const e: unknown = await p.then(
    () => undefined,
    (err: unknown) => err,
  );
  expect(isDeviceError(e)).toBe(true);
  const de = e as DeviceError;
  expect(de.code).toBe(code);
  return de;
}

describe('SerialTransport over a real pty pair (socat)', () => {
  it('carries bytes both ways (reads and writes straight on the descriptor, serial-io.ts)', async () => {
    const pty = await createPtyPair();
    const host = await SerialTransport.open({ path: pty.hostPath });
    const dev = await SerialTransport.open({ path: pty.devicePath });
    expect([host.io, dev.io]).toEqual(['direct', 'direct']);
    const atDev = collect(dev);
    const atHost = collect(host);
    await host.write(Uint8Array.from([0xaa, 0xaa, 0xaa, 0x96, 0x69, 0x00, 0x03]));
    expect([...(await atDev.waitFor(7))]).toEqual([0xaa, 0xaa, 0xaa, 0x96, 0x69, 0x00, 0x03]);
    await dev.write(Uint8Array.from([0x10, 0x04, 0x01, 0x00, 0xff]));
    expect([...(await atHost.waitFor(5))]).toEqual([0x10, 0x04, 0x01, 0x00, 0xff]);
    expect(host.kind).toBe('serial');
    expect(host.path).toBe(pty.hostPath);
    await host.close();
    await dev.close();
  });

  it('delivers a 64 KB write intact and in order, and several writes in order', async () => {
    const pty = await createPtyPair();
    const host = await SerialTransport.open({ path: pty.hostPath });
    const dev = await SerialTransport.open({ path: pty.devicePath });
    const atDev = collect(dev);
    const big = new Uint8Array(64 * 1024);
    for (let i = 0; i < big.length; i++) big[i] = (i * 31 + (i >> 8)) & 0xff;
    const tail = Uint8Array.from([1, 2, 3, 4, 5]);
    await Promise.all([host.write(big), host.write(tail)]);
    const got = await atDev.waitFor(big.length + tail.length);
    expect(got.length).toBe(big.length + tail.length);
    expect(Buffer.compare(got.subarray(0, big.length), big)).toBe(0);
    expect([...got.subarray(big.length)]).toEqual([1, 2, 3, 4, 5]);
    await host.close();
    await dev.close();
  });

  it('close() fires onClose once without an error; write after close rejects with a typed error', async () => {
    const pty = await createPtyPair();
    const host = await SerialTransport.open({ path: pty.hostPath });
    const seen: Array<DeviceError | undefined> = [];
    host.onClose((e) => seen.push(e));
    await host.close();
    await host.close();
    expect(host.isOpen).toBe(false);
    expect(seen).toEqual([undefined]);
    const e = await expectDeviceError(host.write(Uint8Array.of(1)), 'disconnected');
    expect(e.action).toBe('reset');
  });

  it('a write with an already-aborted signal rejects with canceled and sends nothing', async () => {
    const pty = await createPtyPair();
    const host = await SerialTransport.open({ path: pty.hostPath });
    const dev = await SerialTransport.open({ path: pty.devicePath });
    const atDev = collect(dev);
    await expectDeviceError(host.write(Uint8Array.of(9, 9), AbortSignal.abort()), 'canceled');
    await host.write(Uint8Array.of(7));
    expect([...(await atDev.waitFor(1))]).toEqual([7]);
    await host.close();
    await dev.close();
  });

  it('aborting a write in flight rejects it with canceled (nobody reads the other end, so it cannot drain)', async () => {
    const pty = await createPtyPair();
    const host = await SerialTransport.open({ path: pty.hostPath });
    // Nobody opened the device end: socat stops reading once its buffers fill, so 1 MB cannot drain.
    const ac = new AbortController();
    const w = host.write(new Uint8Array(1024 * 1024), ac.signal);
    setTimeout(() => ac.abort(new Error('operator canceled')), 100);
    const e = await expectDeviceError(w, 'canceled');
    expect(e.message).toContain('operator canceled');
    await host.close();
  });

  it('open honours an already-aborted signal', async () => {
    const pty = await createPtyPair();
    await expectDeviceError(SerialTransport.open({ path: pty.hostPath }, AbortSignal.abort()), 'canceled');
    // The port was not left locked: it opens now.
    const host = await SerialTransport.open({ path: pty.hostPath });
    expect(host.isOpen).toBe(true);
    await host.close();
  });

  it('opening a missing path gives a typed not-found with action wait', async () => {
    const e = await expectDeviceError(SerialTransport.open({ path: '/dev/serial/by-id/usb-nobody-if00-port0' }), 'not-found');
    expect(e.action).toBe('wait');
    const o = new SerialOpener({ path: '/tmp/definitely-not-a-port-' + String(process.pid) });
    await expectDeviceError(o.open(), 'not-found');
  });

  it('bad settings give a typed invalid-data error', () => {
    expect(() => resolveSerialOptions({ path: 'ttyUSB0' })).toThrow(DeviceError);
    expect(() => resolveSerialOptions({ path: '/dev/ttyUSB0', baudRate: 12345 })).toThrow(/baudRate/);
    expect(() => new SerialOpener({ path: '/dev/ttyUSB0', parity: 'weird' as 'none' })).toThrow(/parity/);
    expect(resolveSerialOptions({ path: '/dev/ttyUSB0' })).toMatchObject({ baudRate: 115200, dataBits: 8, stopBits: 1, parity: 'none', rtscts: false });
  });

  it('unplug (kill socat) reports onClose(disconnected) at once; pending and later writes reject typed', async () => {
    const pty = await createPtyPair();
    const host = await SerialTransport.open({ path: pty.hostPath });
    const closed = new Promise<{ error: DeviceError | undefined; at: number }>((resolve) => host.onClose((error) => resolve({ error, at: performance.now() })));
    // Nobody reads the device end, so this write cannot drain: it is pending when the cable goes.
    const pending = host.write(new Uint8Array(1024 * 1024));
    const pendingResult = pending.then(
      () => 'resolved',
      (e: unknown) => (isDeviceError(e) ? e.code : 'untyped'),
    );
    await new Promise((r) => setTimeout(r, 50));
    const t0 = performance.now();
    await pty.kill();
    const { error, at } = await Promise.race([
      closed,
      new Promise<never>((_, reject) => setTimeout(() => reject(new Error('no onClose within 2 s')), 2000)),
    ]);
    const latency = at - t0;
    const how = error?.message.includes('path is gone') ? 'watchdog' : 'read error/close event';
    console.log(`[measure] serial unplug detection (SIGKILL socat -> onClose): ${latency.toFixed(1)} ms (detected by ${how})`);
    expect(error?.code).toBe('disconnected');
    expect(latency).toBeLessThan(2000);
    expect(host.isOpen).toBe(false);
    expect(await pendingResult).toBe('disconnected');
    await expectDeviceError(host.write(Uint8Array.of(1)), 'disconnected');
  });

  it('the watchdog alone reports loss when the path vanishes (kernel silent)', async () => {
    const pty = await createPtyPair();
    // A private link to the host end: removing it is "the path vanished" while the pty itself stays alive.
    const dir = await mkdtemp(join(tmpdir(), 'kiosk-wd-'));
    const link = join(dir, 'port');
    await symlink(pty.hostPath, link);
    try {
      const host = await SerialTransport.open({ path: link }); // default watchdog period (250 ms)
      const closed = new Promise<DeviceError | undefined>((resolve) => host.onClose(resolve));
      const t0 = performance.now();
      await rm(link);
      const e = await closed;
      console.log(`[measure] serial watchdog-only loss detection (path removed -> onClose): ${(performance.now() - t0).toFixed(1)} ms`);
      expect(e?.code).toBe('disconnected');
      expect(e?.message).toContain('path is gone');
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});

describe('SerialTransport watchdog: the path names another device', () => {
  it('reports loss when a stable link is re-pointed (re-plugged adapter got a new node)', async () => {
    const a = await createPtyPair();
    const b = await createPtyPair();
    const dir = await mkdtemp(join(tmpdir(), 'kiosk-wd-'));
    const link = join(dir, 'by-id-port');
    await symlink(a.hostPath, link);
    try {
      const host = await SerialTransport.open({ path: link, watchdogMs: 100 });
      const closed = new Promise<DeviceError | undefined>((resolve) => host.onClose(resolve));
      // atomically re-point the link, as udev does on re-plug
      await symlink(b.hostPath, link + '.new');
      await rename(link + '.new', link);
      const e = await closed;
      expect(e?.code).toBe('disconnected');
      expect(e?.message).toContain('another device');
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});

describe('LinkKeeper over SerialOpener', () => {
  it('kill socat -> down; restart with the same paths -> up again', async () => {
    const pty = await createPtyPair();
    const keeper = new LinkKeeper(new SerialOpener({ path: pty.hostPath }), { baseMs: 100, capMs: 500 });
    const events: Array<LinkEvent & { at: number }> = [];
    const next = (type: LinkEvent['type'], after: number): Promise<number> =>
      new Promise((resolve) => {
        const check = (): boolean => {
          const e = events.find((x) => x.type === type && x.at >= after);
          if (e) resolve(e.at);
          return !!e;
        };
        if (check()) return;
        const off = keeper.on(() => {
          if (check()) off();
        });
      });
    keeper.on((e) => events.push({ ...e, at: performance.now() }));
    keeper.start();
    try {
      const first = await keeper.ready(AbortSignal.timeout(5000));
      expect(first.isOpen).toBe(true);
      const tKill = performance.now();
      await pty.kill();
      const tDown = await next('down', tKill);
      const down = events.find((e) => e.type === 'down' && e.at >= tKill);
      expect(down?.type === 'down' && down.error.code).toBe('disconnected');
      // While socat is gone, reopening fails with not-found and the keeper keeps trying.
      await new Promise((r) => setTimeout(r, 600));
      expect(events.filter((e) => e.type === 'down' && e.at > tDown).every((e) => e.type === 'down' && e.error.code === 'not-found')).toBe(true);
      const tRestart = performance.now();
      await pty.restart();
      const tReady = performance.now();
      const tUp = await Promise.race([
        next('up', tRestart),
        new Promise<never>((_, reject) => setTimeout(() => reject(new Error('not up within 5 s')), 5000)),
      ]);
      const how = down?.type === 'down' && down.error.message.includes('path is gone') ? 'watchdog' : 'read error/close event';
      console.log(
        `[measure] LinkKeeper over pty: kill -> down ${(tDown - tKill).toFixed(1)} ms (detected by ${how}); ` +
          `socat ready -> up ${(tUp - tReady).toFixed(1)} ms (restart itself took ${(tReady - tRestart).toFixed(1)} ms; backoff cap 500 ms)`,
      );
      expect(tUp - tRestart).toBeLessThan(5000);
      const t = keeper.transport;
      expect(t?.isOpen).toBe(true);
      // The new link works end to end.
      const dev = await SerialTransport.open({ path: pty.devicePath });
      const atDev = collect(dev);
      await t?.write(Uint8Array.of(0x42));
      expect([...(await atDev.waitFor(1))]).toEqual([0x42]);
      await dev.close();
    } finally {
      await keeper.stop();
    }
    expect(keeper.transport).toBeUndefined();
  });
});

describe('listSerialPorts', () => {
  it('joins the port list with by-id and by-path links', async () => {
    const pty = await createPtyPair();
    const dir = await mkdtemp(join(tmpdir(), 'kiosk-serialdir-'));
    try {
      await mkdir(join(dir, 'by-id'));
      await mkdir(join(dir, 'by-path'));
      const { realpath } = await import('node:fs/promises');
      const real = await realpath(pty.hostPath);
      await symlink(real, join(dir, 'by-id', 'usb-1a86_USB_Serial-if00-port0'));
      await symlink('/nonexistent', join(dir, 'by-id', 'dangling'));
      const ports = await listSerialPorts(undefined, {
        serialDir: dir,
        list: () => Promise.resolve([{ path: real, vendorId: '1A86', productId: '7523', manufacturer: 'QinHeng', serialNumber: undefined }, { path: '/dev/ttyS0' }]),
      });
      expect(ports).toEqual([
        { path: real, byId: join(dir, 'by-id', 'usb-1a86_USB_Serial-if00-port0'), vendorId: '1a86', productId: '7523', manufacturer: 'QinHeng' },
        { path: '/dev/ttyS0' },
      ]);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('runs against the real system (udevadm) and returns a typed list', async () => {
    const ports = await listSerialPorts(AbortSignal.timeout(10_000));
    expect(Array.isArray(ports)).toBe(true);
    for (const p of ports) expect(p.path.startsWith('/')).toBe(true);
  });

  it('a failing lister gives a typed error', async () => {
    await expectDeviceError(listSerialPorts(undefined, { list: () => Promise.reject(new Error('udevadm missing')) }), 'device-fault');
  });
});
