/**
 * `kioskctl scanner list|scan` as a technician runs them: the real CLI process (bin/kioskctl.mjs)
 * against a real saned with the test backend (test/helpers/saned.ts).
 */
import { spawn } from 'node:child_process';
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PNG } from 'pngjs';
import { PDFDocument } from 'pdf-lib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { KIOSKCTL as BIN, kioskctl } from '../../helpers/kioskctl.js';
import { startSaned, useSaned, type Saned } from '../../helpers/saned.js';

interface ScanJson {
  ok: boolean;
  device: string;
  endedBy: string;
  settings: { mode: string; resolution: number; source: string };
  pages: { file: string; width: number; height: number; bytes: number }[];
  pdf?: string;
}

useSaned({ perTest: false });

describe('kioskctl scanner against a real saned', () => {
  let saned: Saned;
  let out: string;
  beforeAll(async () => {
    saned = await startSaned({ testConf: ['test-picture "Grid"'] });
    out = await mkdtemp(join(tmpdir(), 'kioskctl-scan-'));
  });
  afterAll(async () => {
    await rm(out, { recursive: true, force: true });
  });

  const at = (): string[] => ['--host', '127.0.0.1', '--port', String(saned.port)];

  it('scanner list --json names the devices; --device adds what it can do', async () => {
    const r = await kioskctl(['scanner', 'list', '--direct', ...at(), '--device', 'test:0', '--json']);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const data = JSON.parse(r.stdout) as { devices: { name: string }[]; capabilities: { modes: { mode: string }[]; sources: { source: string }[] } };
    expect(data.devices.map((d) => d.name)).toEqual(['test:0', 'test:1']);
    expect(data.capabilities.modes.map((m) => m.mode)).toEqual(['gray', 'color']);
    expect(data.capabilities.sources.map((s) => s.source)).toEqual(['flatbed', 'adf']);
  });

  it('scanner scan writes a gray page as PNG with the pixel size saned reports', async () => {
    const dir = join(out, 'gray');
    const r = await kioskctl(['scanner', 'scan', '--direct', ...at(), '--device', 'test:0', '--mode', 'gray', '--resolution', '75', '--page-size', 'A6', '--out', dir, '--json']);
    expect(r.code).toBe(0);
    const data = JSON.parse(r.stdout) as ScanJson;
    expect(data).toMatchObject({ ok: true, device: 'test:0', endedBy: 'single-page', settings: { mode: 'gray', resolution: 75, source: 'flatbed' } });
    expect(await readdir(dir)).toEqual(['page-001.png']);
    const page = data.pages[0];
    const png = PNG.sync.read(await readFile(join(dir, 'page-001.png')));
    expect([png.width, png.height]).toEqual([page?.width, page?.height]);
    expect([png.width, png.height]).toEqual([Math.round((105 / 25.4) * 75), Math.round((148 / 25.4) * 75)]);
  });

  it('scanner scan --mode color at two resolutions, human output', async () => {
    const sizes: number[] = [];
    for (const dpi of ['50', '100']) {
      const dir = join(out, `color-${dpi}`);
      const r = await kioskctl(['scanner', 'scan', '--direct', ...at(), '--device', 'test:0', '--mode', 'color', '--resolution', dpi, '--page-size', 'A6', '--out', dir]);
      expect(r.code).toBe(0);
      expect(r.stdout).toMatch(new RegExp(`Scanned 1 page\\(s\\) from test:0 \\(Color, ${dpi} dpi, Flatbed\\)`));
      expect(r.stderr).toMatch(/page 1: scanning \(\d+ lines\)/);
      const png = PNG.sync.read(await readFile(join(dir, 'page-001.png')));
      expect(png.data[0]).toBeGreaterThanOrEqual(0);
      sizes.push(png.width);
    }
    expect(Math.abs((sizes[1] as number) - 2 * (sizes[0] as number))).toBeLessThanOrEqual(1);
  });

  it('scanner scan --source ADF writes every page of the feeder, and --pdf one PDF of them', async () => {
    const dir = join(out, 'adf');
    const r = await kioskctl(['scanner', 'scan', '--direct', ...at(), '--device', 'test:0', '--source', 'ADF', '--resolution', '25', '--page-size', 'A6', '--pdf', '--out', dir, '--json']);
    expect(r.code).toBe(0);
    const data = JSON.parse(r.stdout) as ScanJson;
    expect(data.endedBy).toBe('feeder-empty');
    expect(data.pages).toHaveLength(10);
    const files = (await readdir(dir)).sort();
    expect(files).toEqual([...Array.from({ length: 10 }, (_, i) => `page-${String(i + 1).padStart(3, '0')}.png`), 'scan.pdf']);
    for (const p of data.pages) {
      const png = PNG.sync.read(await readFile(p.file));
      expect([png.width, png.height]).toEqual([p.width, p.height]);
    }
    expect((await PDFDocument.load(await readFile(join(dir, 'scan.pdf')))).getPageCount()).toBe(10);
  });

  it('without --device it scans the first device saned lists', async () => {
    const dir = join(out, 'first');
    const r = await kioskctl(['scanner', 'scan', '--direct', ...at(), '--resolution', '20', '--out', dir, '--json']);
    expect(r.code).toBe(0);
    expect((JSON.parse(r.stdout) as ScanJson).device).toBe('test:0');
  });

  it('a bad option is a usage error (exit 2) naming the choices', async () => {
    const r = await kioskctl(['scanner', 'scan', '--direct', ...at(), '--mode', 'sepia', '--out', join(out, 'x')]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('--mode must be one of color, gray, lineart');
  });

  it('a stopped saned gives one clear line and a non-zero exit', async () => {
    await saned.stop();
    const r = await kioskctl(['scanner', 'scan', '--direct', ...at(), '--device', 'test:0', '--out', join(out, 'stopped')]);
    expect(r.code).toBe(1);
    expect(r.stdout).toBe('');
    const lines = r.stderr.trim().split('\n');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(new RegExp(`^kioskctl scanner scan: scanner: cannot reach saned: 127\\.0\\.0\\.1:${saned.port}: connection refused \\(is the service running\\?\\)`));
    const j = await kioskctl(['scanner', 'list', '--direct', ...at(), '--json']);
    expect(j.code).toBe(1);
    expect(JSON.parse(j.stdout)).toMatchObject({ ok: false });
  });
});

describe('kioskctl sim scanner', () => {
  it('serves the SANE simulator on loopback; kioskctl scanner scan reads its feeder; SIGTERM stops it', async () => {
    const child = spawn(process.execPath, [BIN, 'sim', 'scanner', '--sheets', '2', '--json'], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    const exited = new Promise<number | null>((r) => child.once('exit', (code) => r(code)));
    try {
      const ready = await new Promise<{ port: number; device: string }>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`no ready line: ${stdout}`)), 20_000);
        child.stdout.on('data', () => {
          const line = stdout.split('\n').find((l) => l.includes('"ready"'));
          if (line) {
            clearTimeout(timer);
            resolve(JSON.parse(line) as { port: number; device: string });
          }
        });
      });
      expect(ready.device).toBe('sim:0');
      const dir = await mkdtemp(join(tmpdir(), 'kioskctl-sim-'));
      try {
        const r = await kioskctl(['scanner', 'scan', '--direct', '--port', String(ready.port), '--device', 'sim:0', '--source', 'ADF', '--mode', 'gray', '--resolution', '75', '--page-size', 'A6', '--out', dir, '--json']);
        expect(r.code).toBe(0);
        const data = JSON.parse(r.stdout) as ScanJson;
        expect(data.endedBy).toBe('feeder-empty');
        expect(data.pages.map((p) => [p.width, p.height])).toEqual([
          [310, 437],
          [310, 437],
        ]);
      } finally {
        await rm(dir, { recursive: true, force: true });
      }
      child.kill('SIGTERM');
      expect(await exited).toBe(0);
      expect(stdout).toContain('"stopped":true');
    } finally {
      child.kill('SIGKILL');
    }
  });
});
