import { PNG } from 'pngjs';
import { afterEach, describe, expect, it } from 'vitest';
import {
  MemorySaneNetwork,
  SanedScanner,
  SaneSimulator,
  serveSaneSimulator,
  tcpConnector,
  type SanedScannerOptions,
  type ScanProgress,
  type ScannedPage,
} from '../../../drivers/document-scanner/index.js';
import { deviceFailure } from '../../helpers/device-error.js';

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

function setup(opts: Partial<SanedScannerOptions> = {}, net = new MemorySaneNetwork({ maxChunk: 997 })): { net: MemorySaneNetwork; scanner: SanedScanner } {
  const scanner = new SanedScanner('scanner', net, {
    device: 'sim:0',
    linkWaitMs: 5000,
    keeper: { baseMs: 5, capMs: 20 },
    ...opts,
  });
  scanner.start();
  cleanups.push(async () => {
    await scanner.close();
    await net.sim.dispose();
  });
  return { net, scanner };
}


async function until(cond: () => boolean, what: string): Promise<void> {
  const end = Date.now() + 10_000;
  while (!cond()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 5));
  }
}

const px = (mm: number, dpi: number): number => Math.round((mm / 25.4) * dpi);

function decode(p: ScannedPage): PNG {
  return PNG.sync.read(Buffer.from(p.png));
}

describe('SanedScanner over the in-memory simulator', () => {
  it('scans a flatbed page as PNG with the size the scanner reports, records split anywhere', async () => {
    const { scanner, net } = setup();
    const events: ScanProgress[] = [];
    const r = await scanner.scan({ mode: 'color', resolution: 100, pageSize: 'A6' }, { onProgress: (p) => events.push(p) });
    expect(r.endedBy).toBe('single-page');
    expect(r.settings).toEqual({ device: 'sim:0', mode: 'color', modeName: 'Color', resolution: 100, source: 'flatbed', sourceName: 'Flatbed', area: { widthMm: 105, heightMm: 148 } });
    const page = r.pages[0] as ScannedPage;
    expect([page.width, page.height]).toEqual([px(105, 100), px(148, 100)]);
    const png = decode(page);
    expect([png.width, png.height]).toEqual([page.width, page.height]);
    // the sample document has a black frame at 8-9 mm: pixel (0,0) white, the frame line black
    expect(png.data[0]).toBe(255);
    const y = px(8.5, 100);
    const x = px(50, 100);
    expect(png.data[(y * png.width + x) * 4]).toBe(0);
    // progress: start, data with growing bytes, done; percent steps only
    expect(events[0]?.phase).toBe('page-start');
    expect(events.at(-1)).toMatchObject({ phase: 'page-done', bytes: page.width * page.height * 3 });
    const data = events.filter((e) => e.phase === 'data');
    expect(data.length).toBeGreaterThan(3);
    expect(data.length).toBeLessThanOrEqual(101);
    for (let i = 1; i < data.length; i++) expect((data[i] as ScanProgress).bytes).toBeGreaterThan((data[i - 1] as ScanProgress).bytes);
    expect(net.sim.counters.pagesSent).toBe(1);
    expect(scanner.status()).toMatchObject({ state: 'online', counters: { scans: 1, pagesScanned: 1, errors: 0 } });
  });

  it('the device-wide progress events and per-scan callback see the same events', async () => {
    const { scanner } = setup();
    const a: ScanProgress[] = [];
    const b: ScanProgress[] = [];
    const unsub = scanner.onProgress((p) => a.push(p));
    await scanner.scan({ mode: 'gray', resolution: 75, pageSize: 'id-card' }, { onProgress: (p) => b.push(p) });
    unsub();
    expect(a).toEqual(b);
    expect(a.length).toBeGreaterThan(2);
  });

  it('gray and lineart pages', async () => {
    const { scanner } = setup();
    const gray = await scanner.scan({ mode: 'gray', resolution: 75, pageSize: 'A6' });
    expect(gray.pages[0]).toMatchObject({ channels: 1, bitDepth: 8, sourceDepth: 8 });
    const line = await scanner.scan({ mode: 'lineart', resolution: 75, pageSize: 'A6' });
    expect(line.settings.modeName).toBe('Lineart');
    expect(line.pages[0]).toMatchObject({ channels: 1, bitDepth: 8, sourceDepth: 1 });
    const png = decode(line.pages[0] as ScannedPage);
    const values = new Set<number>();
    for (let i = 0; i < png.data.length; i += 4) values.add(png.data[i] as number);
    expect([...values].sort((x, y) => x - y)).toEqual([0, 255]);
  });

  it('takes every sheet from the feeder until NO_DOCS, and one PDF of them', async () => {
    const { scanner, net } = setup();
    net.sim.loadFeeder(4);
    const done: number[] = [];
    const r = await scanner.scan({ mode: 'gray', resolution: 75, source: 'adf', pageSize: 'A6', pdf: true }, { onProgress: (p) => p.phase === 'page-done' && done.push(p.page) });
    expect(r.endedBy).toBe('feeder-empty');
    expect(r.settings).toMatchObject({ source: 'adf', sourceName: 'ADF Front' });
    expect(r.pages).toHaveLength(4);
    expect(done).toEqual([1, 2, 3, 4]);
    expect(net.sim.feederSheets).toBe(0);
    expect(Buffer.from(r.pdf as Uint8Array).subarray(0, 5).toString()).toBe('%PDF-');
  });

  it('an empty feeder at the first page asks the citizen to place the document', async () => {
    const { scanner, net } = setup();
    net.sim.loadFeeder(0);
    const e = await deviceFailure(scanner.scan({ source: 'adf' }));
    expect(e).toMatchObject({ device: 'scanner', code: 'not-found', action: 'retry', fault: 'no-document' });
    expect(scanner.status().state).toBe('online');
    expect(scanner.status().counters.noDocuments).toBe(1);
  });

  it('a device saned does not have: OPEN fails as device-not-listed, and the state says no-device', async () => {
    const { scanner } = setup({ device: 'nope:9' });
    const e = await deviceFailure(scanner.scan({}));
    expect(e).toMatchObject({ code: 'not-found', action: 'maintenance', fault: 'device-not-listed' });
    await until(() => scanner.status().state === 'no-device', 'no-device');
    expect(scanner.status().lastError?.fault).toBe('device-not-listed');
  });

  for (const [fault, patch, expected] of [
    ['jam at START', { jam: 'start' }, { fault: 'paper-jam', action: 'clear', state: 'error' }],
    ['jam mid-page', { jam: 'mid-page' }, { fault: 'paper-jam', action: 'clear', state: 'error' }],
    ['cover open', { coverOpen: true }, { fault: 'cover-open', action: 'clear', state: 'error' }],
    ['no paper', { noPaper: true }, { fault: 'no-document', action: 'retry', state: 'online' }],
    ['busy', { busy: true }, { fault: 'device-busy', action: 'wait', state: 'online' }],
  ] as const) {
    it(`fault "${fault}" → ${expected.fault}, ${expected.action}; cleared, the next scan works`, async () => {
      const { scanner, net } = setup();
      net.sim.setFaults(patch);
      const e = await deviceFailure(scanner.scan({ mode: 'gray', resolution: 75, pageSize: 'A6' }));
      expect(e).toMatchObject({ device: 'scanner', fault: expected.fault, action: expected.action });
      expect(scanner.status().state).toBe(expected.state);
      net.sim.clearFaults();
      const ok = await scanner.scan({ mode: 'gray', resolution: 75, pageSize: 'A6' });
      expect(ok.pages).toHaveLength(1);
      expect(scanner.status().state).toBe('online');
    });
  }

  it('a silent saned times out; the link is reopened and works once the fault is gone', async () => {
    const { scanner, net } = setup({ timeouts: { rpcMs: 150, probeMs: 150 } });
    await until(() => scanner.status().state === 'online', 'online');
    net.sim.setFaults({ silence: true });
    const e = await deviceFailure(scanner.scan({ mode: 'gray' }));
    expect(e).toMatchObject({ code: 'timeout', fault: 'no-reply' });
    net.sim.clearFaults();
    const ok = await scanner.scan({ mode: 'gray', resolution: 75, pageSize: 'A6' });
    expect(ok.pages).toHaveLength(1);
    expect(net.sim.counters.connections).toBeGreaterThanOrEqual(2);
  });

  it('garbage on the control connection fails the scan with a typed error; the link recovers', async () => {
    const { scanner, net } = setup({ timeouts: { rpcMs: 300 } });
    await until(() => scanner.status().state === 'online', 'online');
    net.sim.setFaults({ garbage: true });
    const e = await deviceFailure(scanner.scan({ mode: 'gray', resolution: 75 }));
    expect(['protocol', 'timeout', 'disconnected', 'invalid-data', 'not-found']).toContain(e.code);
    net.sim.clearFaults();
    const ok = await scanner.scan({ mode: 'gray', resolution: 75, pageSize: 'A6' });
    expect(ok.pages).toHaveLength(1);
  });

  it('the control connection dropped: disconnected (wait), offline, then online again', async () => {
    const { scanner, net } = setup();
    await until(() => scanner.status().state === 'online', 'online');
    net.sim.setFaults({ drop: 'control' });
    const e = await deviceFailure(scanner.scan({ mode: 'gray' }));
    expect(e).toMatchObject({ code: 'disconnected', action: 'wait' });
    net.sim.clearFaults();
    await until(() => scanner.status().state === 'online', 'online again');
    expect(scanner.status().counters.linkDrops).toBeGreaterThanOrEqual(1);
  });

  it('the data connection dropped halfway: data-lost, and the page is not returned', async () => {
    const { scanner, net } = setup();
    net.sim.setFaults({ drop: 'data' });
    const e = await deviceFailure(scanner.scan({ mode: 'gray', resolution: 75, pageSize: 'A6' }));
    expect(e).toMatchObject({ code: 'disconnected', action: 'wait', fault: 'data-lost' });
  });

  it('abort while the scanner hangs mid-page: CANCEL reaches the scanner and the scan rejects as canceled', async () => {
    const { scanner, net } = setup();
    net.sim.setFaults({ stall: true });
    const ac = new AbortController();
    const p = scanner.scan({ mode: 'gray', resolution: 75, pageSize: 'A6' }, { signal: ac.signal, onProgress: (e) => e.phase === 'data' && ac.abort(new Error('walked away')) });
    const e = await deviceFailure(p);
    expect(e).toMatchObject({ code: 'canceled', message: 'walked away' });
    await until(() => net.sim.counters.cancels >= 1, 'CANCEL at the simulator');
    expect(scanner.status().counters.cancels).toBe(1);
    net.sim.clearFaults();
    expect((await scanner.scan({ mode: 'gray', resolution: 75, pageSize: 'A6' })).pages).toHaveLength(1);
  });

  it('abort while an RPC waits for its reply: canceled, the connection is replaced, the next scan works', async () => {
    const { scanner, net } = setup();
    await until(() => scanner.status().state === 'online', 'online');
    net.sim.setFaults({ silence: true });
    const ac = new AbortController();
    const p = scanner.scan({ mode: 'gray' }, { signal: ac.signal });
    await until(() => (net.sim.counters.byRpc.OPEN ?? 0) >= 1, 'OPEN at the simulator');
    ac.abort(new Error('citizen left'));
    expect(await deviceFailure(p)).toMatchObject({ code: 'canceled', message: 'citizen left' });
    net.sim.clearFaults();
    expect((await scanner.scan({ mode: 'gray', resolution: 75, pageSize: 'A6' })).pages).toHaveLength(1);
    expect(net.sim.counters.connections).toBeGreaterThanOrEqual(2);
  });

  it('an already aborted signal fails at once', async () => {
    const { scanner } = setup();
    const e = await deviceFailure(scanner.scan({}, { signal: AbortSignal.abort(new Error('no')) }));
    expect(e.code).toBe('canceled');
  });

  it('a stalled data connection without abort times out as data-timeout', async () => {
    const { scanner, net } = setup({ timeouts: { dataIdleMs: 100 } });
    net.sim.setFaults({ stall: true });
    const e = await deviceFailure(scanner.scan({ mode: 'gray', resolution: 75, pageSize: 'A6' }));
    expect(e).toMatchObject({ code: 'timeout', fault: 'data-timeout', action: 'reset' });
  });

  it('AUTHORIZE: the right password opens, a wrong one is access denied (maintenance)', async () => {
    const creds = { username: 'kiosk', password: 'pa55' };
    const good = setup({ credentials: creds }, new MemorySaneNetwork({ credentials: creds }));
    expect((await good.scanner.scan({ mode: 'gray', resolution: 75, pageSize: 'A6' })).pages).toHaveLength(1);
    expect(good.net.sim.counters.authorizations).toBe(1);
    expect(good.scanner.status().counters.authorizations).toBe(1);
    const bad = setup({ credentials: { username: 'kiosk', password: 'nope' } }, new MemorySaneNetwork({ credentials: creds }));
    const e = await deviceFailure(bad.scanner.scan({}));
    expect(e).toMatchObject({ fault: 'access-denied', action: 'maintenance' });
    const none = setup({}, new MemorySaneNetwork({ credentials: creds }));
    expect((await deviceFailure(none.scanner.scan({}))).fault).toBe('access-denied');
  });

  it('saned stopped: offline; an operation with linkWaitMs 0 fails at once with the connect error; back when it returns', async () => {
    const { scanner, net } = setup({ linkWaitMs: 0 });
    await until(() => scanner.status().state === 'online', 'online');
    net.stopService();
    await until(() => scanner.status().state === 'offline', 'offline');
    const e = await deviceFailure(scanner.scan({}));
    expect(e).toMatchObject({ code: 'not-found', action: 'wait', fault: 'connection-refused' });
    net.startService();
    await until(() => scanner.status().state === 'online', 'online again');
  });

  it('health checks: internal, external, interactive (a test page)', async () => {
    const { scanner } = setup();
    const internal = await scanner.checkHealth('internal');
    expect(internal).toMatchObject({ level: 'internal', ok: true });
    expect(internal.text).toMatch(/answers \(SANE 1\.1, net protocol 3\)/);
    const external = await scanner.checkHealth('external');
    expect(external.text).toMatch(/sim:0 opens with 9 options \(modes Color\/Gray\/Lineart, sources Flatbed\/ADF Front\/ADF Duplex\)/);
    const interactive = await scanner.checkHealth('interactive');
    expect(interactive.ok).toBe(true);
    expect(interactive.text).toMatch(/test page scanned: \d+ × \d+ px at 75 dpi/);
    const info = scanner.status().info;
    expect(info).toMatchObject({ kind: 'scanner', transport: 'network', path: 'saned://memory/sim:0', model: 'Ningxia Kiosk Simulated document scanner', firmware: 'SANE 1.1 (net protocol 3)' });
  });

  it('a failed health check says why, without throwing', async () => {
    const { scanner, net } = setup({ linkWaitMs: 0 });
    await until(() => scanner.status().state === 'online', 'online');
    net.stopService();
    await until(() => scanner.status().state === 'offline', 'offline');
    const h = await scanner.checkHealth('internal');
    expect(h.ok).toBe(false);
    expect(h.text).toMatch(/connection refused/);
  });

  it('one job at a time: two scans run one after the other', async () => {
    const { scanner, net } = setup();
    const [a, b] = await Promise.all([scanner.scan({ mode: 'gray', resolution: 75, pageSize: 'A6' }), scanner.scan({ mode: 'color', resolution: 75, pageSize: 'A6' })]);
    expect(a.pages[0]?.channels).toBe(1);
    expect(b.pages[0]?.channels).toBe(3);
    expect(net.sim.counters.scans).toBe(2);
  });
});

describe('SanedScanner over TCP to the simulator', () => {
  it('scans through real sockets (the simulator serving as saned on loopback)', async () => {
    const sim = new SaneSimulator();
    const server = await serveSaneSimulator(sim);
    const scanner = new SanedScanner('scanner', tcpConnector({ host: server.host, port: server.port }), { device: 'sim:0' });
    scanner.start();
    try {
      sim.loadFeeder(2);
      const r = await scanner.scan({ mode: 'gray', resolution: 100, source: 'adf', pageSize: 'A5' });
      expect(r.pages.map((p) => [p.width, p.height])).toEqual([
        [px(148, 100), px(210, 100)],
        [px(148, 100), px(210, 100)],
      ]);
    } finally {
      await scanner.close();
      await sim.dispose();
      await server.close();
    }
  });

  it('nothing listening: one clear connection-refused error', async () => {
    const server = await serveSaneSimulator(new SaneSimulator());
    const port = server.port;
    await server.close();
    const scanner = new SanedScanner('scanner', tcpConnector({ host: '127.0.0.1', port }), { device: 'sim:0', linkWaitMs: 0 });
    scanner.start();
    try {
      const e = await deviceFailure(scanner.listDevices());
      expect(e).toMatchObject({ device: 'scanner', code: 'not-found', action: 'wait', fault: 'connection-refused' });
      expect(e.message).toMatch(/127\.0\.0\.1:\d+: connection refused \(is the service running\?\)/);
    } finally {
      await scanner.close();
    }
  });
});
