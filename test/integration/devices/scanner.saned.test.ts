/**
 * The scanner driver against a real saned (Debian sane-utils) with its `test` backend, on loopback with a
 * private configuration (test/helpers/saned.ts). The oracle for every page is scanimage scanning the same
 * backend locally with the same settings: our pixel size and our pixels must equal its PNM.
 */
import { PDFDocument } from 'pdf-lib';
import { PNG } from 'pngjs';
import { describe, expect, it } from 'vitest';
import { SanedScanner, tcpConnector, type ScanProgress, type ScannedPage } from '../../../drivers/document-scanner/index.js';
import { scanimageLocal, startSaned, useSaned, type Pnm, type Saned, type SanedOptions } from '../../helpers/saned.js';
import { deviceFailure } from '../../helpers/device-error.js';

useSaned();

interface Rig {
  saned: Saned;
  scanner: SanedScanner;
}

async function rig(opts: SanedOptions = {}, scannerOpts: Partial<ConstructorParameters<typeof SanedScanner>[2]> = {}): Promise<Rig> {
  const saned = await startSaned(opts);
  const scanner = new SanedScanner('scanner', tcpConnector({ host: saned.host, port: saned.port }), { device: 'test:0', linkWaitMs: 5000, ...scannerOpts });
  scanner.start();
  return { saned, scanner };
}

async function done(r: Rig): Promise<void> {
  await r.scanner.close();
}

/** The decoded PNG as the samples scanimage writes: gray (1 byte) or RGB (3 bytes) per pixel. */
function pngSamples(page: ScannedPage): { width: number; height: number; data: Uint8Array } {
  const png = PNG.sync.read(Buffer.from(page.png));
  const channels = page.channels;
  const out = new Uint8Array(png.width * png.height * channels);
  for (let i = 0, o = 0; i < png.data.length; i += 4) {
    out[o++] = png.data[i] as number;
    if (channels === 3) {
      out[o++] = png.data[i + 1] as number;
      out[o++] = png.data[i + 2] as number;
    }
  }
  return { width: png.width, height: png.height, data: out };
}

/** scanimage's raster as 8-bit samples (P4: 1 = black → 0, 0 → 255). */
function pnmSamples(p: Pnm): Uint8Array {
  if (p.type !== 'P4') return p.data;
  const rowBytes = Math.ceil(p.width / 8);
  const out = new Uint8Array(p.width * p.height);
  for (let y = 0; y < p.height; y++) {
    for (let x = 0; x < p.width; x++) {
      const bit = ((p.data[y * rowBytes + (x >> 3)] as number) >> (7 - (x & 7))) & 1;
      out[y * p.width + x] = bit ? 0 : 255;
    }
  }
  return out;
}

function expectSamePage(page: ScannedPage, pnm: Pnm): void {
  expect({ width: page.width, height: page.height }).toEqual({ width: pnm.width, height: pnm.height });
  const ours = pngSamples(page);
  expect({ width: ours.width, height: ours.height }).toEqual({ width: pnm.width, height: pnm.height });
  const theirs = pnmSamples(pnm);
  expect(ours.data.length).toBe(theirs.length);
  expect(Buffer.compare(Buffer.from(ours.data), Buffer.from(theirs))).toBe(0);
}


describe('scanner against a real saned (test backend)', () => {
  it('lists the test devices and describes test:0', async () => {
    const r = await rig();
    try {
      const devices = await r.scanner.listDevices();
      expect(devices.map((d) => d.name)).toEqual(['test:0', 'test:1']);
      const caps = await r.scanner.capabilities();
      expect(caps.modes.map((m) => m.mode)).toEqual(['gray', 'color']);
      expect(caps.sources.map((s) => s.source)).toEqual(['flatbed', 'adf']);
      expect(caps.resolutions).toEqual({ min: 1, max: 1200, step: 1 });
      expect(r.scanner.status().state).toBe('online');
      expect(r.scanner.status().info.firmware).toMatch(/^SANE 1\.\d+ \(net protocol 3\)$/);
      const health = await r.scanner.checkHealth('external');
      expect(health.ok).toBe(true);
      expect(health.text).toMatch(/test:0 opens with \d+ options/);
    } finally {
      await done(r);
    }
  });

  it('scans one gray page whose size and pixels are what the backend gives scanimage', async () => {
    const r = await rig({ testConf: ['test-picture "Grid"'] });
    try {
      const events: ScanProgress[] = [];
      const res = await r.scanner.scan({ mode: 'gray', resolution: 75, pageSize: 'A6', source: 'flatbed' }, { onProgress: (p) => events.push(p) });
      expect(res.endedBy).toBe('single-page');
      expect(res.settings).toMatchObject({ mode: 'gray', modeName: 'Gray', resolution: 75, source: 'flatbed', area: { widthMm: 105, heightMm: 148 } });
      expect(res.pages).toHaveLength(1);
      const page = res.pages[0] as ScannedPage;
      expect(page).toMatchObject({ channels: 1, bitDepth: 8, sourceDepth: 8, resolution: 75 });
      const pnm = await scanimageLocal(r.saned.configDir, ['-d', 'test:0', '--mode', 'Gray', '--resolution', '75', '-l', '0', '-t', '0', '-x', '105', '-y', '148']);
      expectSamePage(page, pnm);
      // progress: page-start with the expected total, data, page-done
      expect(events[0]).toMatchObject({ page: 1, phase: 'page-start', expectedBytes: pnm.width * pnm.height, expectedLines: pnm.height });
      expect(events.at(-1)).toMatchObject({ phase: 'page-done', bytes: pnm.width * pnm.height, lines: pnm.height });
      expect(events.some((e) => e.phase === 'data')).toBe(true);
      expect(r.scanner.status().counters).toMatchObject({ scans: 1, pagesScanned: 1, errors: 0 });
    } finally {
      await done(r);
    }
  });

  it('scans one colour page at two resolutions, each matching scanimage', async () => {
    const r = await rig({ testConf: ['test-picture "Color pattern"'] });
    try {
      const sizes: number[][] = [];
      for (const dpi of [50, 100]) {
        const res = await r.scanner.scan({ mode: 'color', resolution: dpi, pageSize: 'A6' });
        const page = res.pages[0] as ScannedPage;
        expect(page).toMatchObject({ channels: 3, bitDepth: 8, resolution: dpi });
        const pnm = await scanimageLocal(r.saned.configDir, ['-d', 'test:0', '--mode', 'Color', '--resolution', String(dpi), '-l', '0', '-t', '0', '-x', '105', '-y', '148']);
        expect(pnm.type).toBe('P6');
        expectSamePage(page, pnm);
        sizes.push([page.width, page.height]);
      }
      const [lo, hi] = sizes as [number[], number[]];
      expect(Math.abs((hi[0] as number) - 2 * (lo[0] as number))).toBeLessThanOrEqual(2);
      expect(Math.abs((hi[1] as number) - 2 * (lo[1] as number))).toBeLessThanOrEqual(2);
    } finally {
      await done(r);
    }
  });

  it('scans the feeder until it is empty (the test ADF holds 10 sheets), and makes one PDF of them', async () => {
    const r = await rig({ testConf: ['test-picture "Grid"'] });
    try {
      const pageDone: number[] = [];
      const res = await r.scanner.scan({ mode: 'gray', resolution: 30, pageSize: 'A6', source: 'adf', pdf: true }, { onProgress: (p) => p.phase === 'page-done' && pageDone.push(p.page) });
      expect(res.endedBy).toBe('feeder-empty');
      expect(res.settings.source).toBe('adf');
      expect(res.settings.sourceName).toBe('Automatic Document Feeder');
      expect(res.pages.map((p) => p.index)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
      expect(pageDone).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
      const pnm = await scanimageLocal(r.saned.configDir, ['-d', 'test:0', '--mode', 'Gray', '--resolution', '30', '-l', '0', '-t', '0', '-x', '105', '-y', '148']);
      for (const p of res.pages) expectSamePage(p, pnm);
      const pdf = await PDFDocument.load(res.pdf as Uint8Array);
      expect(pdf.getPageCount()).toBe(10);
      const { width, height } = pdf.getPage(0).getSize();
      expect(width).toBeCloseTo((pnm.width / 30) * 72, 3);
      expect(height).toBeCloseTo((pnm.height / 30) * 72, 3);
    } finally {
      await done(r);
    }
  });

  it('stops at maxPages even when the feeder holds more', async () => {
    const r = await rig();
    try {
      const res = await r.scanner.scan({ mode: 'gray', resolution: 20, pageSize: 'A6', source: 'adf', maxPages: 3 });
      expect(res.endedBy).toBe('max-pages');
      expect(res.pages).toHaveLength(3);
    } finally {
      await done(r);
    }
  });

  it('a source the backend does not have is a typed unsupported error naming what it offers', async () => {
    const r = await rig();
    try {
      const e = await deviceFailure(r.scanner.scan({ source: 'adf-duplex' }));
      expect(e).toMatchObject({ code: 'unsupported', action: 'maintenance', fault: 'source-unavailable' });
      expect(e.message).toContain('Flatbed, Automatic Document Feeder');
      expect(r.scanner.status().state).toBe('online');
    } finally {
      await done(r);
    }
  });

  it('lineart on a backend without a lineart mode: gray at depth 1, as scanimage gets it', async () => {
    const r = await rig({ testConf: ['test-picture "Grid"'] });
    try {
      const res = await r.scanner.scan({ mode: 'lineart', resolution: 60, pageSize: 'A6' });
      const page = res.pages[0] as ScannedPage;
      expect(res.settings.mode).toBe('lineart');
      expect(page).toMatchObject({ channels: 1, bitDepth: 8, sourceDepth: 1 });
      const pnm = await scanimageLocal(r.saned.configDir, ['-d', 'test:0', '--mode', 'Gray', '--depth', '1', '--resolution', '60', '-l', '0', '-t', '0', '-x', '105', '-y', '148']);
      expect(pnm.type).toBe('P4');
      expectSamePage(page, pnm);
    } finally {
      await done(r);
    }
  });

  it('three-pass colour (RED, GREEN, BLUE frames) becomes one RGB page', async () => {
    const r = await rig({ testConf: ['test-picture "Color pattern"', 'three-pass true', 'three-pass-order GBR'] });
    try {
      const res = await r.scanner.scan({ mode: 'color', resolution: 40, pageSize: 'A6' });
      const pnm = await scanimageLocal(r.saned.configDir, ['-d', 'test:0', '--mode', 'Color', '--resolution', '40', '-l', '0', '-t', '0', '-x', '105', '-y', '148']);
      expectSamePage(res.pages[0] as ScannedPage, pnm);
      expect(r.scanner.status().counters.framesScanned).toBe(3);
    } finally {
      await done(r);
    }
  });

  it('a hand scanner (lines = -1, height unknown until the end) still gives the right size', async () => {
    const r = await rig({ testConf: ['test-picture "Grid"', 'hand-scanner true'] });
    try {
      const events: ScanProgress[] = [];
      const res = await r.scanner.scan({ mode: 'gray', resolution: 50 }, { onProgress: (p) => events.push(p) });
      expect(events[0]).toMatchObject({ phase: 'page-start', expectedBytes: null, expectedLines: null });
      const pnm = await scanimageLocal(r.saned.configDir, ['-d', 'test:0', '--mode', 'Gray', '--resolution', '50']);
      expectSamePage(res.pages[0] as ScannedPage, pnm);
    } finally {
      await done(r);
    }
  });

  it('cancel in the middle: the AbortSignal cancels at saned, the scanner stays usable', async () => {
    // every sane_read returns at most 512 bytes after a 20 ms pause: a page takes many reads
    const r = await rig({ testConf: ['read-limit true', 'read-limit-size 512', 'read-delay true', 'read-delay-duration 20000'] });
    try {
      const ac = new AbortController();
      const seen: ScanProgress[] = [];
      const e = await deviceFailure(
        r.scanner.scan(
          { mode: 'gray', resolution: 100, pageSize: 'A6' },
          {
            signal: ac.signal,
            onProgress: (p) => {
              seen.push(p);
              if (p.phase === 'data' && p.bytes > 0) ac.abort(new Error('citizen pressed cancel'));
            },
          },
        ),
      );
      expect(e.code).toBe('canceled');
      expect(e.message).toBe('citizen pressed cancel');
      const last = seen.at(-1) as ScanProgress;
      expect(last.bytes).toBeLessThan(last.expectedBytes as number);
      expect(r.scanner.status().counters.cancels).toBe(1);
      // the same connection and device work afterwards
      const again = await r.scanner.scan({ mode: 'gray', resolution: 10, pageSize: 'A6' });
      expect(again.pages).toHaveLength(1);
      expect(r.scanner.status().state).toBe('online');
    } finally {
      await done(r);
    }
  });

  it('saned stopped in the middle: a typed disconnected error, offline, and back online when saned returns', async () => {
    const r = await rig({ testConf: ['read-limit true', 'read-limit-size 512', 'read-delay true', 'read-delay-duration 20000'] });
    try {
      const states: string[] = [];
      r.scanner.onStatus((s) => states.push(s.state));
      let killed: Promise<void> | undefined;
      const e = await deviceFailure(
        r.scanner.scan(
          { mode: 'gray', resolution: 100, pageSize: 'A6' },
          {
            onProgress: (p) => {
              if (p.phase === 'data' && p.bytes > 0 && !killed) killed = r.saned.kill();
            },
          },
        ),
      );
      await killed;
      expect(e.device).toBe('scanner');
      expect(e.code).toBe('disconnected');
      expect(e.action).toBe('wait');
      await waitFor(() => r.scanner.status().state === 'offline');
      await r.saned.restart();
      await waitFor(() => r.scanner.status().state === 'online');
      const again = await r.scanner.scan({ mode: 'gray', resolution: 10, pageSize: 'A6' });
      expect(again.pages).toHaveLength(1);
      expect(states).toContain('offline');
      expect(r.scanner.status().counters.linkDrops).toBeGreaterThanOrEqual(1);
    } finally {
      await done(r);
    }
  });

  for (const [code, fault, action] of [
    ['SANE_STATUS_JAMMED', 'paper-jam', 'clear'],
    ['SANE_STATUS_COVER_OPEN', 'cover-open', 'clear'],
    ['SANE_STATUS_NO_DOCS', 'no-document', 'retry'],
    ['SANE_STATUS_DEVICE_BUSY', 'device-busy', 'wait'],
    ['SANE_STATUS_IO_ERROR', 'io-error', 'reset'],
  ] as const) {
    it(`the status byte ${code} from saned becomes the device error ${fault} → ${action}`, async () => {
      const r = await rig({ testConf: [`read-status-code "${code}"`] });
      try {
        const e = await deviceFailure(r.scanner.scan({ mode: 'gray', resolution: 20, pageSize: 'A6' }));
        expect(e).toMatchObject({ device: 'scanner', fault, action });
        expect(e.message).toContain(code);
        expect(r.scanner.status().lastError).toMatchObject({ fault, action });
        if (fault === 'paper-jam' || fault === 'cover-open' || fault === 'io-error') expect(r.scanner.status().state).toBe('error');
      } finally {
        await done(r);
      }
    });
  }

  it('AUTHORIZE with the MD5 salt against saned.users; a wrong password is access denied', async () => {
    const users = [{ username: 'kiosk', password: 's3cret-scan' }];
    const saned = await startSaned({ users });
    const good = new SanedScanner('scanner', tcpConnector({ host: saned.host, port: saned.port }), { device: 'test:0', credentials: users[0] });
    const bad = new SanedScanner('scanner', tcpConnector({ host: saned.host, port: saned.port }), { device: 'test:0', credentials: { username: 'kiosk', password: 'wrong' } });
    good.start();
    bad.start();
    try {
      const res = await good.scan({ mode: 'gray', resolution: 10, pageSize: 'A6' });
      expect(res.pages).toHaveLength(1);
      expect(good.status().counters.authorizations).toBeGreaterThanOrEqual(1);
      expect(saned.log()).not.toContain(users[0]?.password);
      const e = await deviceFailure(bad.scan({ mode: 'gray', resolution: 10 }));
      expect(e).toMatchObject({ fault: 'access-denied', action: 'maintenance' });
    } finally {
      await good.close();
      await bad.close();
    }
  });
});

async function waitFor(cond: () => boolean, timeoutMs = 15_000): Promise<void> {
  const until = Date.now() + timeoutMs;
  while (!cond()) {
    if (Date.now() > until) throw new Error('condition not reached');
    await new Promise((r) => setTimeout(r, 20));
  }
}
