import { describe, expect, it } from 'vitest';
import { isDeviceError, type DeviceError } from '../../../drivers/device.js';
import { MemoryPort, MemoryTransport } from '../../../drivers/transport/memory.js';

async function codeOf(p: Promise<unknown>): Promise<string> {
  const e: unknown = await p.then(
    () => undefined,
    (err: unknown) => err,
  );
  return isDeviceError(e) ? e.code : `not a DeviceError: ${String(e)}`;
}

describe('MemoryTransport', () => {
  it('carries bytes both ways, asynchronously, split into maxChunk pieces', async () => {
    const [a, b] = MemoryTransport.pair({ maxChunk: 3, path: 'memory:test' });
    const atB: number[][] = [];
    const atA: number[][] = [];
    b.onData((c) => atB.push([...c]));
    a.onData((c) => atA.push([...c]));
    const w = a.write(Uint8Array.from([1, 2, 3, 4, 5, 6, 7]));
    expect(atB).toEqual([]); // not synchronous
    await w;
    expect(atB).toEqual([[1, 2, 3], [4, 5, 6], [7]]);
    await b.write(Uint8Array.of(9));
    expect(atA).toEqual([[9]]);
    expect(a.path).toBe('memory:test');
    expect(a.kind).toBe('memory');
  });

  it('the sender may reuse its buffer after write', async () => {
    const [a, b] = MemoryTransport.pair();
    const got: number[] = [];
    b.onData((c) => got.push(...c));
    const buf = Uint8Array.from([1, 2]);
    const w = a.write(buf);
    buf[0] = 99;
    await w;
    expect(got).toEqual([1, 2]);
  });

  it('close() -> own onClose() without error, peer onClose(disconnected); exactly once', async () => {
    const [a, b] = MemoryTransport.pair();
    const ca: Array<DeviceError | undefined> = [];
    const cb: Array<DeviceError | undefined> = [];
    a.onClose((e) => ca.push(e));
    b.onClose((e) => cb.push(e));
    await a.close();
    await a.close();
    expect(ca).toEqual([undefined]);
    expect(cb).toHaveLength(1);
    expect(cb[0]?.code).toBe('disconnected');
    expect(await codeOf(a.write(Uint8Array.of(1)))).toBe('disconnected');
    expect(await codeOf(b.write(Uint8Array.of(1)))).toBe('disconnected');
  });

  it('unplug() gives both ends disconnected with action wait', () => {
    const [a, b] = MemoryTransport.pair();
    const seen: Array<DeviceError | undefined> = [];
    a.onClose((e) => seen.push(e));
    b.onClose((e) => seen.push(e));
    a.unplug();
    expect(seen.map((e) => [e?.code, e?.action])).toEqual([
      ['disconnected', 'wait'],
      ['disconnected', 'wait'],
    ]);
    expect(a.isOpen || b.isOpen).toBe(false);
  });

  it('aborted signals give canceled, before and during the write', async () => {
    const [a, b] = MemoryTransport.pair();
    const got: number[] = [];
    b.onData((c) => got.push(...c));
    expect(await codeOf(a.write(Uint8Array.of(1), AbortSignal.abort()))).toBe('canceled');
    const ac = new AbortController();
    const w = a.write(Uint8Array.of(2), ac.signal);
    ac.abort();
    expect(await codeOf(w)).toBe('canceled');
    expect(got).toEqual([]);
  });

  it('a write in flight when the link closes rejects disconnected', async () => {
    const [a] = MemoryTransport.pair();
    const w = a.write(Uint8Array.of(1));
    a.unplug();
    expect(await codeOf(w)).toBe('disconnected');
  });
});

describe('MemoryPort', () => {
  it('hands each open a fresh device end; unplug makes opens fail with not-found until plugged', async () => {
    const ends: MemoryTransport[] = [];
    const port = new MemoryPort('memory:id-card', (end) => ends.push(end));
    const t = await port.open();
    expect(port.connected).toBe(true);
    expect(ends).toHaveLength(1);
    const lost = new Promise<DeviceError | undefined>((resolve) => t.onClose(resolve));
    port.unplug();
    expect((await lost)?.code).toBe('disconnected');
    expect(port.connected).toBe(false);
    const e: unknown = await port.open().catch((err: unknown) => err);
    expect(isDeviceError(e) && e.code === 'not-found' && e.action === 'wait').toBe(true);
    port.plug();
    const t2 = await port.open();
    expect(t2.isOpen).toBe(true);
    expect(ends).toHaveLength(2);
    expect(await codeOf(port.open(AbortSignal.abort()))).toBe('canceled');
  });
});
