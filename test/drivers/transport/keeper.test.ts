import { describe, expect, it } from 'vitest';
import { DeviceError, isDeviceError } from '../../../drivers/device.js';
import { LinkKeeper, type LinkEvent } from '../../../drivers/transport/keeper.js';
import { MemoryPort, MemoryTransport } from '../../../drivers/transport/memory.js';
import type { Transport, TransportOpener } from '../../../drivers/transport/transport.js';

/** An opener whose behaviour each test scripts. */
class ScriptedOpener implements TransportOpener {
  readonly kind = 'memory';
  readonly path = 'memory:scripted';
  calls = 0;
  constructor(private readonly next: (call: number, signal?: AbortSignal) => Promise<Transport>) {}
  open(signal?: AbortSignal): Promise<Transport> {
    this.calls++;
    return this.next(this.calls, signal);
  }
}

const notFound = (): Promise<never> => Promise.reject(new DeviceError('transport', 'not-found', 'no device', 'wait'));

function until(keeper: LinkKeeper, pred: (events: LinkEvent[]) => boolean, events: LinkEvent[], ms = 3000): Promise<void> {
  return new Promise((resolve, reject) => {
    if (pred(events)) return resolve();
    const timer = setTimeout(() => {
      off();
      reject(new Error(`condition not met within ${ms} ms; events: ${events.map((e) => e.type).join(',')}`));
    }, ms);
    const off = keeper.on(() => {
      if (pred(events)) {
        clearTimeout(timer);
        off();
        resolve();
      }
    });
  });
}

function record(keeper: LinkKeeper): LinkEvent[] {
  const events: LinkEvent[] = [];
  keeper.on((e) => events.push(e));
  return events;
}

const downs = (events: LinkEvent[]): Array<Extract<LinkEvent, { type: 'down' }>> =>
  events.filter((e): e is Extract<LinkEvent, { type: 'down' }> => e.type === 'down');

describe('LinkKeeper', () => {
  it('backoff doubles up to the cap (random = 1 gives the ceiling) and attempts count up', async () => {
    const keeper = new LinkKeeper(new ScriptedOpener(notFound), { baseMs: 1, capMs: 8, random: () => 0.999999 });
    const events = record(keeper);
    keeper.start();
    await until(keeper, (ev) => downs(ev).length >= 7, events);
    await keeper.stop();
    const d = downs(events).slice(0, 7);
    expect(d.map((e) => e.attempt)).toEqual([0, 1, 2, 3, 4, 5, 6]);
    expect(d.map((e) => e.retryInMs)).toEqual([0, 1, 3, 7, 7, 7, 7]); // floor(0.999999 * min(8, 2^n))
    expect(d.every((e) => e.error.code === 'not-found')).toBe(true);
  });

  it('backoff is fully jittered: the injected random scales each delay within [0, ceiling)', async () => {
    const rs = [0, 0.5, 0.25, 0.75, 0.1, 0.9];
    let i = 0;
    const keeper = new LinkKeeper(new ScriptedOpener(notFound), { baseMs: 4, capMs: 16, random: () => rs[i++ % rs.length] ?? 0 });
    const events = record(keeper);
    keeper.start();
    await until(keeper, (ev) => downs(ev).length >= 6, events);
    await keeper.stop();
    // ceilings 4, 8, 16, 16, 16, 16
    expect(downs(events).slice(0, 6).map((e) => e.retryInMs)).toEqual([0, 4, 4, 12, 1, 14]);
  });

  it('with the default random the delays stay under the cap', async () => {
    const keeper = new LinkKeeper(new ScriptedOpener(notFound), { baseMs: 2, capMs: 6 });
    const events = record(keeper);
    keeper.start();
    await until(keeper, (ev) => downs(ev).length >= 8, events);
    await keeper.stop();
    for (const d of downs(events)) {
      expect(d.retryInMs).toBeGreaterThanOrEqual(0);
      expect(d.retryInMs).toBeLessThan(Math.min(6, 2 * 2 ** d.attempt));
    }
  });

  it('ready() waits for the link; the attempt counter resets after up', async () => {
    const port = new MemoryPort('memory:dev', () => undefined);
    port.unplug();
    const keeper = new LinkKeeper(port, { baseMs: 5, capMs: 10 });
    const events = record(keeper);
    keeper.start();
    let ready: Transport | undefined;
    const p = keeper.ready().then((t) => (ready = t));
    await until(keeper, (ev) => downs(ev).length >= 3, events);
    expect(ready).toBeUndefined();
    expect(keeper.transport).toBeUndefined();
    port.plug();
    await p;
    expect(ready?.isOpen).toBe(true);
    expect(keeper.transport).toBe(ready);
    expect(await keeper.ready()).toBe(ready); // resolves at once while up
    port.unplug();
    await until(keeper, (ev) => ev[ev.length - 1]?.type === 'down', events);
    const lastDown = downs(events).at(-1);
    expect(lastDown?.attempt).toBe(0);
    expect(lastDown?.error.code).toBe('disconnected');
    await keeper.stop();
  });

  it('ready(signal) rejects with a typed canceled error', async () => {
    const keeper = new LinkKeeper(new ScriptedOpener(notFound), { baseMs: 5, capMs: 10 });
    keeper.start();
    const e: unknown = await keeper.ready(AbortSignal.timeout(30)).catch((err: unknown) => err);
    expect(isDeviceError(e) && e.code === 'canceled').toBe(true);
    const e2: unknown = await keeper.ready(AbortSignal.abort()).catch((err: unknown) => err);
    expect(isDeviceError(e2) && e2.code === 'canceled').toBe(true);
    await keeper.stop();
  });

  it('stop() ends the loop: the transport is closed and no more opens or events follow', async () => {
    const port = new MemoryPort('memory:dev', () => undefined);
    const keeper = new LinkKeeper(port, { baseMs: 1, capMs: 2 });
    const events = record(keeper);
    keeper.start();
    const t = await keeper.ready();
    await keeper.stop();
    expect(t.isOpen).toBe(false);
    expect(keeper.transport).toBeUndefined();
    const n = events.length;
    await new Promise((r) => setTimeout(r, 50));
    expect(events.length).toBe(n);
    expect(events.map((e) => e.type)).toEqual(['up']);
  });

  it('stop() during a retry sleep ends the loop', async () => {
    const opener = new ScriptedOpener(notFound);
    const keeper = new LinkKeeper(opener, { baseMs: 10_000, capMs: 10_000, random: () => 0.99 });
    keeper.start();
    await new Promise((r) => setTimeout(r, 20));
    await keeper.stop();
    const calls = opener.calls;
    await new Promise((r) => setTimeout(r, 30));
    expect(opener.calls).toBe(calls);
  });

  it('never reports up after stop(), even if the opener ignores the signal', async () => {
    let release: (() => void) | undefined;
    const [a] = MemoryTransport.pair();
    const opener = new ScriptedOpener(
      () =>
        new Promise<Transport>((resolve) => {
          release = () => resolve(a);
        }),
    );
    const keeper = new LinkKeeper(opener);
    const events = record(keeper);
    keeper.start();
    await new Promise((r) => setTimeout(r, 10));
    const stopped = keeper.stop();
    release?.();
    await stopped;
    expect(events).toEqual([]);
    expect(a.isOpen).toBe(false);
    expect(keeper.transport).toBeUndefined();
  });

  it('a failing handshake closes that transport and retries', async () => {
    const opened: MemoryTransport[] = [];
    const opener = new ScriptedOpener(async () => {
      const [a] = MemoryTransport.pair();
      opened.push(a);
      return a;
    });
    let n = 0;
    const keeper = new LinkKeeper(opener, {
      baseMs: 1,
      capMs: 2,
      handshake: async () => {
        if (++n < 3) throw new DeviceError('id-card', 'timeout', 'no answer', 'retry');
      },
    });
    const events = record(keeper);
    keeper.start();
    const t = await keeper.ready();
    expect(opened).toHaveLength(3);
    expect(opened.slice(0, 2).every((x) => !x.isOpen)).toBe(true);
    expect(t).toBe(opened[2]);
    expect(downs(events).map((e) => e.error.code)).toEqual(['timeout', 'timeout']);
    await keeper.stop();
  });

  it('untyped opener errors become typed not-found; recycle() drops and reopens', async () => {
    let fail = true;
    const opener = new ScriptedOpener(async () => {
      if (fail) {
        fail = false;
        throw new Error('EIO');
      }
      return MemoryTransport.pair()[0];
    });
    const keeper = new LinkKeeper(opener, { baseMs: 1, capMs: 2 });
    const events = record(keeper);
    keeper.start();
    const t1 = await keeper.ready();
    expect(downs(events)[0]?.error).toBeInstanceOf(DeviceError);
    expect(downs(events)[0]?.error.code).toBe('not-found');
    await keeper.recycle();
    await until(keeper, (ev) => ev.filter((e) => e.type === 'up').length >= 2, events);
    const t2 = await keeper.ready();
    expect(t2).not.toBe(t1);
    expect(t1.isOpen).toBe(false);
    await keeper.stop();
  });
});
