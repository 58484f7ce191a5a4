/**
 * The preload is tested as the script Electron will run: main/electron/preload.cts transpiled to CommonJS and
 * evaluated with a `require` that, like a sandboxed preload's, only knows 'electron' (here the fake).
 */
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { runInThisContext } from 'node:vm';
import ts from 'typescript';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { KioskBridge } from '../../../main/contract/index.js';
import { electronModule, fake } from '../../helpers/fake-electron.js';

const preloadPath = join(dirname(fileURLToPath(import.meta.url)), '..', '..', '..', 'main', 'electron', 'preload.cts');
const compiled = ts.transpileModule(readFileSync(preloadPath, 'utf8'), {
  fileName: 'preload.cts',
  compilerOptions: { module: ts.ModuleKind.CommonJS, target: ts.ScriptTarget.ES2022 },
}).outputText;

class FakeRendererPort {
  onmessage: ((event: { data: unknown }) => void) | null = null;
  readonly sent: unknown[] = [];
  closed = false;
  postMessage(message: unknown): void {
    if (this.closed) throw new Error('port closed');
    this.sent.push(message);
  }
  close(): void {
    this.closed = true;
  }
  deliver(data: unknown): void {
    this.onmessage?.({ data });
  }
  requests(): { type: string; id: number; method: string; params: unknown }[] {
    return this.sent as { type: string; id: number; method: string; params: unknown }[];
  }
}

let required: string[];

function loadPreload(): KioskBridge {
  required = [];
  const module = { exports: {} as Record<string, unknown> };
  const sandboxRequire = (id: string): unknown => {
    required.push(id);
    if (id === 'electron') return electronModule;
    throw new Error(`a sandboxed preload cannot require ${id}`);
  };
  const fn = runInThisContext(`(function (require, module, exports) {${compiled}\n})`) as (
    r: typeof sandboxRequire,
    m: typeof module,
    e: Record<string, unknown>,
  ) => void;
  fn(sandboxRequire, module, module.exports);
  const bridge = fake.exposed.get('kiosk');
  if (!bridge) throw new Error('nothing exposed');
  return bridge as KioskBridge;
}

/** The bridge as untrusted page script sees it (any name, any value). */
type Untyped = { invoke(name: unknown, params?: unknown): Promise<unknown>; on(name: unknown, listener: unknown): () => void };

let bridge: KioskBridge;

beforeEach(() => {
  fake.reset();
  vi.useFakeTimers();
  bridge = loadPreload();
});

afterEach(() => {
  vi.useRealTimers();
});

const flush = () => Promise.resolve();

describe('what the preload exposes', () => {
  it('exposes exactly window.kiosk = { invoke, on }, frozen, and requires only electron', () => {
    expect([...fake.exposed.keys()]).toEqual(['kiosk']);
    expect(Object.keys(bridge).sort()).toEqual(['invoke', 'on']);
    expect(typeof bridge.invoke).toBe('function');
    expect(typeof bridge.on).toBe('function');
    expect(Object.isFrozen(bridge)).toBe(true);
    expect(required).toEqual(['electron']);
  });

  it('refuses method names that are not in the contract, sending nothing', async () => {
    const port = new FakeRendererPort();
    fake.sendPortToPreload(port);
    const b = bridge as unknown as Untyped;
    for (const name of ['fs.readFile', '__proto__', 'constructor', 'toString', '', 42, null, { toString: () => 'session.get' }]) {
      await expect(b.invoke(name, {})).resolves.toEqual({ ok: false, error: { code: 'unknown-method', message: 'unknown method' } });
    }
    expect(port.sent).toEqual([]);
  });

  it('refuses event names that are not in the contract and non-function listeners', () => {
    const b = bridge as unknown as Untyped;
    expect(() => b.on('ipc.anything', () => undefined)).toThrow(TypeError);
    expect(() => b.on('__proto__', () => undefined)).toThrow(TypeError);
    expect(() => b.on('session.view', 'not a function')).toThrow(TypeError);
  });
});

describe('requests and replies', () => {
  it('queues requests until the first port arrives, then sends them', async () => {
    const p = bridge.invoke('session.get', {});
    const port = new FakeRendererPort();
    fake.sendPortToPreload(port);
    expect(port.requests()).toEqual([{ type: 'request', id: 1, method: 'session.get', params: {} }]);
    port.deliver({ type: 'reply', id: 1, reply: { ok: true, value: { any: 'view' } } });
    await expect(p).resolves.toEqual({ ok: true, value: { any: 'view' } });
  });

  it('matches replies to requests by id, in any order', async () => {
    const port = new FakeRendererPort();
    fake.sendPortToPreload(port);
    const a = bridge.invoke('devices.list', {});
    const b = bridge.invoke('ui.setLocale', { locale: 'en' } as never);
    const [ra, rb] = port.requests();
    expect(ra?.id).not.toBe(rb?.id);
    port.deliver({ type: 'reply', id: rb?.id, reply: { ok: false, error: { code: 'invalid-params', message: 'bad locale' } } });
    port.deliver({ type: 'reply', id: 9999, reply: { ok: true, value: 'stray' } });
    port.deliver({ type: 'reply', id: ra?.id, reply: { ok: true, value: [] } });
    await expect(a).resolves.toEqual({ ok: true, value: [] });
    await expect(b).resolves.toEqual({ ok: false, error: { code: 'invalid-params', message: 'bad locale' } });
  });

  it('turns a malformed reply into an internal error', async () => {
    const port = new FakeRendererPort();
    fake.sendPortToPreload(port);
    const a = bridge.invoke('system.get', {});
    const b = bridge.invoke('system.get', {});
    const [ra, rb] = port.requests();
    port.deliver({ type: 'reply', id: ra?.id, reply: { ok: false, error: { code: 'made-up', message: 'x' } } });
    port.deliver({ type: 'reply', id: rb?.id, reply: 'nonsense' });
    await expect(a).resolves.toMatchObject({ ok: false, error: { code: 'internal' } });
    await expect(b).resolves.toMatchObject({ ok: false, error: { code: 'internal' } });
  });

  it('times out a request after 15 s and ignores its late reply', async () => {
    const port = new FakeRendererPort();
    fake.sendPortToPreload(port);
    let settled: unknown = 'pending';
    void bridge.invoke('session.activity', {}).then((r) => (settled = r));
    vi.advanceTimersByTime(14_999);
    await flush();
    expect(settled).toBe('pending');
    vi.advanceTimersByTime(1);
    await flush();
    expect(settled).toMatchObject({ ok: false, error: { code: 'internal' } });
    port.deliver({ type: 'reply', id: port.requests()[0]?.id, reply: { ok: true, value: null } });
    await flush();
    expect(settled).toMatchObject({ ok: false });
  });

  it('times out a request that never found a port', async () => {
    const p = bridge.invoke('session.get', {});
    vi.advanceTimersByTime(15_000);
    await expect(p).resolves.toMatchObject({ ok: false, error: { code: 'internal' } });
  });
});

describe('push events', () => {
  it('delivers only the payload to listeners of contract events; unsubscribe works; a throwing listener does not stop others', () => {
    const port = new FakeRendererPort();
    fake.sendPortToPreload(port);
    const calls: unknown[][] = [];
    const off = bridge.on('system.status', (...args: unknown[]) => calls.push(args));
    bridge.on('system.status', () => {
      throw new Error('listener bug');
    });
    const errSpy = vi.spyOn(console, 'error').mockImplementation(() => undefined);
    const seen: unknown[] = [];
    bridge.on('system.status', (p) => seen.push(p));
    const payload = { platform: 'online', queueDepth: 0, host: 'electron' };
    port.deliver({ type: 'event', name: 'system.status', payload });
    port.deliver({ type: 'event', name: 'not.in.contract', payload: 1 });
    expect(calls).toEqual([[payload]]);
    expect(seen).toEqual([payload]);
    expect(errSpy).toHaveBeenCalledTimes(1);
    off();
    port.deliver({ type: 'event', name: 'system.status', payload });
    expect(calls).toHaveLength(1);
    expect(seen).toHaveLength(2);
    errSpy.mockRestore();
  });
});

describe('a new port (core restarted or renderer reconnected)', () => {
  it('fails requests sent on the old port, closes it, ignores it, and carries on with the new one', async () => {
    const old = new FakeRendererPort();
    fake.sendPortToPreload(old);
    const seen: unknown[] = [];
    bridge.on('devices.status', (p) => seen.push(p));
    const inflight = bridge.invoke('devices.list', {});
    const oldId = old.requests()[0]?.id;

    const next = new FakeRendererPort();
    fake.sendPortToPreload(next);
    await expect(inflight).resolves.toMatchObject({ ok: false, error: { code: 'internal' } });
    expect(old.closed).toBe(true);
    expect(old.onmessage).toBeNull();
    old.deliver({ type: 'reply', id: oldId, reply: { ok: true, value: [] } });

    const again = bridge.invoke('devices.list', {});
    expect(next.requests()).toHaveLength(1);
    next.deliver({ type: 'reply', id: next.requests()[0]?.id, reply: { ok: true, value: ['x'] } });
    await expect(again).resolves.toEqual({ ok: true, value: ['x'] });

    next.deliver({ type: 'event', name: 'devices.status', payload: [] });
    expect(seen).toEqual([[]]);
  });

  it('ignores a port message without a port', () => {
    const port = new FakeRendererPort();
    fake.sendPortToPreload(port);
    fake.sendPortToPreload(undefined);
    const p = bridge.invoke('session.get', {});
    expect(port.requests()).toHaveLength(1);
    expect(p).toBeInstanceOf(Promise);
  });
});
