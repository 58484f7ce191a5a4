import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { DeviceError, isDeviceError } from '../../../drivers/device.js';
import { HidOpener, HidTransport, listHidDevices } from '../../../drivers/transport/hid.js';
import { LinkKeeper } from '../../../drivers/transport/keeper.js';
import type { Transport } from '../../../drivers/transport/transport.js';
import { FakeNodeHid } from '../../helpers/fake-node-hid.js';

async function errorOf(p: Promise<unknown>): Promise<DeviceError> {
  const e: unknown = await p.then(
    () => undefined,
    (err: unknown) => err,
  );
  if (!isDeviceError(e)) throw new Error(`expected a DeviceError, got ${String(e)}`);
  return e;
}

function sink(t: Transport): { bytes: () => Buffer; waitFor: (n: number) => Promise<Buffer> } {
  const chunks: Uint8Array[] = [];
  let total = 0;
  let wake: (() => void) | undefined;
  t.onData((c) => {
    chunks.push(c);
    total += c.length;
    wake?.();
  });
  const bytes = (): Buffer => Buffer.concat(chunks);
  return {
    bytes,
    waitFor: async (n) => {
      const deadline = Date.now() + 5000;
      while (total < n) {
        if (Date.now() > deadline) throw new Error(`only ${total} of ${n} bytes`);
        await new Promise<void>((r) => {
          wake = r;
          setTimeout(r, 50);
        });
      }
      return bytes();
    },
  };
}

const reader = { path: 'fake-hid:0', vendorId: 0x0400, productId: 0xc35a, serialNumber: 'SAM0001', product: 'ID reader' };

describe('HidTransport framing over the fake node-hid', () => {
  it('splits writes into [id][len][data][padding] reports and joins input reports', async () => {
    const hid = new FakeNodeHid();
    const dev = hid.plug(reader);
    const t = await HidTransport.open(reader.path, { reportId: 2, reportSize: 8 }, undefined, hid);
    await t.write(Uint8Array.from([1, 2, 3, 4, 5, 6, 7, 8, 9]));
    expect(dev.reports.map((r) => [...r])).toEqual([
      [2, 7, 1, 2, 3, 4, 5, 6, 7],
      [2, 2, 8, 9, 0, 0, 0, 0, 0],
    ]);
    const s = sink(t);
    dev.sendReport(Uint8Array.from([2, 3, 0xaa, 0xbb, 0xcc, 0, 0, 0, 0]));
    dev.sendReport(Uint8Array.from([2, 0, 0, 0, 0, 0, 0, 0, 0])); // idle report: nothing
    dev.sendReport(Uint8Array.from([5, 3, 1, 1, 1, 0, 0, 0, 0])); // another report id: dropped
    dev.sendReport(Uint8Array.from([2, 9, 1, 1, 1, 0, 0, 0, 0])); // length beyond the report: dropped
    dev.sendReport(Uint8Array.from([2, 1, 0xdd, 0, 0, 0, 0, 0, 0]));
    expect([...(await s.waitFor(4))]).toEqual([0xaa, 0xbb, 0xcc, 0xdd]);
    expect(t.droppedReports).toBe(2);
    await t.close();
  });

  it('unnumbered reports: a leading 0 on write, no id byte on input', async () => {
    const hid = new FakeNodeHid();
    const dev = hid.plug(reader);
    const t = await HidTransport.open(reader.path, { reportSize: 4 }, undefined, hid);
    await t.write(Uint8Array.from([9, 8]));
    expect([...(dev.reports[0] ?? [])]).toEqual([0, 2, 9, 8, 0]);
    const s = sink(t);
    dev.sendReport(Uint8Array.from([2, 0x11, 0x22, 0]));
    expect([...(await s.waitFor(2))]).toEqual([0x11, 0x22]);
    await t.close();
  });

  it('without a length prefix the whole payload is data (padding included)', async () => {
    const hid = new FakeNodeHid();
    const dev = hid.plug(reader);
    const t = await HidTransport.open(reader.path, { reportSize: 4, lengthPrefix: false }, undefined, hid);
    await t.write(Uint8Array.from([1, 2, 3, 4, 5]));
    expect(dev.reports.map((r) => [...r])).toEqual([
      [0, 1, 2, 3, 4],
      [0, 5, 0, 0, 0],
    ]);
    const s = sink(t);
    dev.sendReport(Uint8Array.from([7, 7, 0, 0]));
    expect([...(await s.waitFor(4))]).toEqual([7, 7, 0, 0]);
    await t.close();
  });

  it('property: arbitrary byte streams arrive identical both ways for report sizes 8..64 and any report id', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.integer({ min: 8, max: 64 }),
        fc.integer({ min: 0, max: 255 }),
        fc.array(fc.uint8Array({ minLength: 0, maxLength: 300 }), { minLength: 1, maxLength: 5 }),
        fc.array(fc.uint8Array({ minLength: 0, maxLength: 300 }), { minLength: 1, maxLength: 5 }),
        async (reportSize, reportId, hostWrites, deviceWrites) => {
          const hid = new FakeNodeHid();
          const dev = hid.plug(reader);
          const framing = { reportId, reportSize, lengthPrefix: true };
          const host = await HidTransport.open(reader.path, framing, undefined, hid);
          const deviceEnd = dev.asDeviceTransport(framing);
          const atDevice = sink(deviceEnd);
          const atHost = sink(host);
          await Promise.all(hostWrites.map((w) => host.write(w)));
          for (const w of deviceWrites) await deviceEnd.write(w);
          const up = Buffer.concat(hostWrites);
          const down = Buffer.concat(deviceWrites);
          expect(Buffer.compare(await atDevice.waitFor(up.length), up)).toBe(0);
          expect(Buffer.compare(await atHost.waitFor(down.length), down)).toBe(0);
          // every report on the wire has the configured size and id
          for (const r of dev.reports) {
            expect(r.length).toBe(reportSize + 1);
            expect(r[0]).toBe(reportId);
          }
          await host.close();
          await deviceEnd.close();
        },
      ),
      { numRuns: 60 },
    );
  });

  it('concurrent writes never interleave their reports', async () => {
    const hid = new FakeNodeHid();
    const dev = hid.plug(reader);
    const t = await HidTransport.open(reader.path, { reportSize: 8 }, undefined, hid);
    const end = dev.asDeviceTransport({ reportId: 0, reportSize: 8, lengthPrefix: true });
    const s = sink(end);
    const a = new Uint8Array(100).fill(0xaa);
    const b = new Uint8Array(100).fill(0xbb);
    await Promise.all([t.write(a), t.write(b)]);
    expect(Buffer.compare(await s.waitFor(200), Buffer.concat([a, b]))).toBe(0);
    await t.close();
  });

  it('bad framing options give a typed invalid-data error', async () => {
    const hid = new FakeNodeHid();
    hid.plug(reader);
    expect((await errorOf(HidTransport.open(reader.path, { reportSize: 1 }, undefined, hid))).code).toBe('invalid-data');
    expect((await errorOf(HidTransport.open(reader.path, { reportId: 256 }, undefined, hid))).code).toBe('invalid-data');
    expect(() => new HidOpener({ vendorId: 0x10000, productId: 1 }, hid)).toThrow(DeviceError);
  });
});

describe('HidTransport loss and errors', () => {
  it('unplug (node-hid emits error) -> onClose(disconnected); writes after it reject typed', async () => {
    const hid = new FakeNodeHid();
    const dev = hid.plug(reader);
    const t = await HidTransport.open(reader.path, {}, undefined, hid);
    const closes: Array<DeviceError | undefined> = [];
    const closed = new Promise<DeviceError | undefined>((resolve) =>
      t.onClose((e) => {
        closes.push(e);
        resolve(e);
      }),
    );
    dev.unplug();
    const e = await closed;
    expect(e?.code).toBe('disconnected');
    expect(e?.action).toBe('wait');
    expect(t.isOpen).toBe(false);
    expect(dev.openHandles).toBe(0);
    expect((await errorOf(t.write(Uint8Array.of(1)))).code).toBe('disconnected');
    await t.close();
    expect(closes).toHaveLength(1);
  });

  it('a failing write rejects with a typed disconnected error and closes the link', async () => {
    const hid = new FakeNodeHid();
    const dev = hid.plug(reader);
    const t = await HidTransport.open(reader.path, {}, undefined, hid);
    const closed = new Promise<DeviceError | undefined>((resolve) => t.onClose(resolve));
    dev.failNextWrite = new Error('Cannot write to hid device');
    const e = await errorOf(t.write(Uint8Array.of(1, 2, 3)));
    expect(e.code).toBe('disconnected');
    expect(e.message).toContain('write failed');
    expect((await closed)?.code).toBe('disconnected');
  });

  it('a short write is a typed error', async () => {
    const hid = new FakeNodeHid();
    const dev = hid.plug(reader);
    const t = await HidTransport.open(reader.path, { reportId: 3 }, undefined, hid);
    dev.shortWrite = 10;
    expect((await errorOf(t.write(Uint8Array.of(1)))).message).toContain('short write');
  });

  it('close() -> onClose() without error; write after close is typed', async () => {
    const hid = new FakeNodeHid();
    const dev = hid.plug(reader);
    const t = await HidTransport.open(reader.path, {}, undefined, hid);
    const closes: Array<DeviceError | undefined> = [];
    t.onClose((e) => closes.push(e));
    await t.close();
    expect(closes).toEqual([undefined]);
    expect(dev.openHandles).toBe(0);
    const e = await errorOf(t.write(Uint8Array.of(1)));
    expect(e.code).toBe('disconnected');
    expect(e.action).toBe('reset');
  });

  it('a canceled write stops at a report boundary', async () => {
    const hid = new FakeNodeHid();
    const dev = hid.plug(reader);
    const t = await HidTransport.open(reader.path, { reportSize: 8 }, undefined, hid);
    const ac = new AbortController();
    let n = 0;
    dev.onHostReport(() => {
      if (++n === 3) ac.abort(new Error('operator canceled'));
    });
    const e = await errorOf(t.write(new Uint8Array(7 * 10), ac.signal));
    expect(e.code).toBe('canceled');
    expect(dev.reports).toHaveLength(3);
    expect((await errorOf(t.write(Uint8Array.of(1), AbortSignal.abort()))).code).toBe('canceled');
    // The link is still usable.
    await t.write(Uint8Array.of(1));
    expect(dev.reports).toHaveLength(4);
    await t.close();
  });

  it('opening a missing device is typed not-found (wait); cancel an open in flight', async () => {
    const hid = new FakeNodeHid();
    const e = await errorOf(HidTransport.open('fake-hid:missing', {}, undefined, hid));
    expect(e.code).toBe('not-found');
    expect(e.action).toBe('wait');
    const e2 = await errorOf(HidTransport.open('/dev/hidraw-not-here', {}, undefined, hid));
    expect(e2.code).toBe('not-found');
    const dev = hid.plug(reader);
    hid.openDelayMs = 200;
    const e3 = await errorOf(HidTransport.open(reader.path, {}, AbortSignal.timeout(20), hid));
    expect(e3.code).toBe('canceled');
    await new Promise((r) => setTimeout(r, 300));
    expect(dev.openHandles).toBe(0); // the late handle was closed
  });
});

describe('HidOpener and listHidDevices', () => {
  it('opens by vid/pid (+ serial), not-found when absent', async () => {
    const hid = new FakeNodeHid();
    hid.plug({ path: 'fake-hid:other', vendorId: 0x0400, productId: 0xc35a, serialNumber: 'OTHER' });
    const dev = hid.plug(reader);
    const o = new HidOpener({ vendorId: 0x0400, productId: 0xc35a, serialNumber: 'SAM0001', reportSize: 16 }, hid);
    expect(o.path).toBe('hid:0400:c35a:SAM0001');
    const t = await o.open();
    expect(t.path).toBe(reader.path);
    await t.write(Uint8Array.of(1));
    expect(dev.reports[0]?.length).toBe(17);
    await t.close();
    const missing = new HidOpener({ vendorId: 0x1234, productId: 0x5678 }, hid);
    const e = await errorOf(missing.open());
    expect(e.code).toBe('not-found');
    expect(e.action).toBe('wait');
  });

  it('LinkKeeper over HidOpener: unplug -> down, replug -> up', async () => {
    const hid = new FakeNodeHid();
    const dev = hid.plug(reader);
    const keeper = new LinkKeeper(new HidOpener({ vendorId: 0x0400, productId: 0xc35a }, hid), { baseMs: 20, capMs: 50 });
    const types: string[] = [];
    keeper.on((e) => types.push(e.type === 'down' ? `down:${e.error.code}` : 'up'));
    keeper.start();
    await keeper.ready(AbortSignal.timeout(2000));
    dev.unplug();
    await new Promise((r) => setTimeout(r, 150));
    expect(keeper.transport).toBeUndefined();
    dev.replug();
    const t = await keeper.ready(AbortSignal.timeout(2000));
    expect(t.isOpen).toBe(true);
    await keeper.stop();
    expect(types[0]).toBe('up');
    expect(types[1]).toBe('down:disconnected');
    expect(types).toContain('down:not-found');
    expect(types[types.length - 1]).toBe('up');
  });

  it('lists devices with hex ids', async () => {
    const hid = new FakeNodeHid();
    hid.plug({ ...reader, usagePage: 0xff00, usage: 1 });
    expect(await listHidDevices(undefined, hid)).toEqual([
      { path: reader.path, vendorId: '0400', productId: 'c35a', product: 'ID reader', serialNumber: 'SAM0001', interface: 0, usagePage: 0xff00, usage: 1 },
    ]);
    expect((await errorOf(listHidDevices(AbortSignal.abort(), hid))).code).toBe('canceled');
  });

  it('the real node-hid loads and enumerates (no devices on this machine is fine)', async () => {
    const list = await listHidDevices(AbortSignal.timeout(10_000));
    expect(Array.isArray(list)).toBe(true);
  });
});
