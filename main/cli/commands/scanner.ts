/**
 * Document scanner commands for technicians: list what a saned offers, scan pages to PNG (and PDF).
 * They talk to saned directly (SANE network protocol), like `scanimage` does, so they work with the
 * kiosk core stopped; with the core running, prefer a time when no citizen is scanning.
 *
 * The password for saned.users comes from the environment (KIOSK_SANE_PASSWORD), never from the
 * command line, where `ps` would show it.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import {
  PAGE_SIZES,
  SANE_DEFAULT_PORT,
  SCAN_MODES,
  SaneSimulator,
  SanedScanner,
  serveSaneSimulator,
  tcpConnector,
  type SaneSimulatorFaults,
  type PageSize,
  type SaneCredentials,
  type ScanMode,
  type ScanProgress,
  type ScanRequest,
  type ScanSource,
} from '../../../drivers/document-scanner/index.js';
import { UsageError, intOption, requiredString, type Command, type CommandContext } from '../framework.js';

const connectionOptions = { host: { type: 'string' }, port: { type: 'string' }, device: { type: 'string' }, user: { type: 'string' }, timeout: { type: 'string' } } as const;

function modeOption(values: Record<string, unknown>): ScanMode | undefined {
  const m = values.mode;
  if (m === undefined) return undefined;
  const v = String(m).toLowerCase() === 'colour' ? 'color' : String(m).toLowerCase();
  if (!(SCAN_MODES as readonly string[]).includes(v)) throw new UsageError(`--mode must be one of ${SCAN_MODES.join(', ')}, got "${String(m)}"`);
  return v as ScanMode;
}

function sourceOption(values: Record<string, unknown>): ScanSource | undefined {
  const s = values.source;
  if (s === undefined) return undefined;
  const v = String(s).toLowerCase();
  if (v === 'flatbed') return 'flatbed';
  if (v === 'adf' || v === 'feeder') return 'adf';
  if (v === 'adf-duplex' || v === 'duplex') return 'adf-duplex';
  throw new UsageError(`--source must be flatbed, ADF or ADF-duplex, got "${String(s)}"`);
}

function pageSizeOption(values: Record<string, unknown>): PageSize | undefined {
  const p = values['page-size'];
  if (p === undefined) return undefined;
  const found = PAGE_SIZES.find((s) => s.toLowerCase() === String(p).toLowerCase());
  if (!found) throw new UsageError(`--page-size must be one of ${PAGE_SIZES.join(', ')}, got "${String(p)}"`);
  return found;
}

function credentials(values: Record<string, unknown>): SaneCredentials | undefined {
  const user = values.user;
  if (user === undefined) return undefined;
  return { username: String(user), password: process.env.KIOSK_SANE_PASSWORD ?? '' };
}

/** A started scanner on --host/--port that fails at once when saned does not answer. */
function connect(values: Record<string, unknown>, device: string): SanedScanner {
  const host = typeof values.host === 'string' && values.host !== '' ? values.host : '127.0.0.1';
  const port = intOption(values, 'port', SANE_DEFAULT_PORT, 1, 65535);
  const timeoutMs = intOption(values, 'timeout', 5000, 100, 600_000);
  const creds = credentials(values);
  const scanner = new SanedScanner('scanner', tcpConnector({ host, port, connectTimeoutMs: timeoutMs }), {
    device,
    linkWaitMs: 0,
    username: 'kioskctl',
    ...(creds ? { credentials: creds } : {}),
    timeouts: { rpcMs: timeoutMs * 2, probeMs: Math.max(30_000, timeoutMs) },
  });
  scanner.start();
  return scanner;
}

async function withScanner<T>(values: Record<string, unknown>, device: string, fn: (s: SanedScanner) => Promise<T>): Promise<T> {
  const scanner = connect(values, device);
  try {
    return await fn(scanner);
  } finally {
    await scanner.close();
  }
}

const scannerList: Command = {
  path: ['scanner', 'list'],
  summary: 'Lists the scanners saned offers; with --device, what that one can do (modes, sources, resolutions, area).',
  usage: '[--host 127.0.0.1] [--port 6566] [--device NAME] [--user NAME] [--json]',
  options: connectionOptions,
  async run(values, ctx) {
    const device = typeof values.device === 'string' ? values.device : '';
    return withScanner(values, device, async (s) => {
      const devices = await s.listDevices(ctx.signal);
      const server = s.status().info.firmware ?? '';
      const address = (s.status().info.path ?? '').replace(/^saned:\/\//, '').replace(/\/[^/]*$/, '');
      const lines = [`saned at ${address}, ${server}: ${devices.length} device(s)`];
      for (const d of devices) lines.push(`  ${d.name}  ${d.vendor} ${d.model} (${d.type})`);
      if (device === '') return { data: { server, devices }, human: lines };
      const caps = await s.capabilities(ctx.signal);
      const res = caps.resolutions === null ? '—' : 'list' in caps.resolutions ? caps.resolutions.list.join(', ') : `${caps.resolutions.min}–${caps.resolutions.max} step ${caps.resolutions.step}`;
      lines.push(
        `${caps.device}:`,
        `  模式 Modes: ${caps.modes.map((m) => `${m.name}${m.mode ? ` (${m.mode})` : ''}`).join(', ') || '—'}`,
        `  来源 Sources: ${caps.sources.map((x) => `${x.name}${x.source ? ` (${x.source})` : ''}`).join(', ') || '—'}`,
        `  分辨率 Resolutions: ${res} dpi`,
        `  幅面 Area: ${caps.maxArea ? `${caps.maxArea.widthMm} × ${caps.maxArea.heightMm} mm` : '—'}`,
        `  选项 Options: ${caps.optionCount}`,
      );
      return { data: { server, devices, capabilities: caps }, human: lines };
    });
  },
};

/** Progress on stderr for a person: one line per page start/end and every 25 %. */
function progressPrinter(ctx: CommandContext): (p: ScanProgress) => void {
  let lastQuarter = -1;
  return (p) => {
    if (ctx.json) return;
    if (p.phase === 'page-start') {
      lastQuarter = 0;
      ctx.err(`page ${p.page}: scanning${p.expectedLines !== null ? ` (${p.expectedLines} lines)` : ''}…`);
    } else if (p.phase === 'data' && p.expectedBytes) {
      const q = Math.floor((p.bytes * 4) / p.expectedBytes);
      if (q > lastQuarter && q < 4) {
        lastQuarter = q;
        ctx.err(`page ${p.page}: ${q * 25}%`);
      }
    }
  };
}

const scannerScan: Command = {
  path: ['scanner', 'scan'],
  summary: 'Scans a page (or every page in the feeder with --source ADF) and writes page-NNN.png (and scan.pdf with --pdf) to --out.',
  usage:
    '--out DIR [--host 127.0.0.1] [--port 6566] [--device NAME] [--mode gray|color|lineart] [--resolution DPI] [--source flatbed|ADF|ADF-duplex] [--page-size A4|A5|…|max] [--max-pages N] [--pdf] [--user NAME] [--timeout 5000] [--json]',
  options: {
    ...connectionOptions,
    out: { type: 'string' },
    mode: { type: 'string' },
    resolution: { type: 'string' },
    source: { type: 'string' },
    'page-size': { type: 'string' },
    'max-pages': { type: 'string' },
    pdf: { type: 'boolean' },
  },
  async run(values, ctx) {
    const out = resolve(requiredString(values, 'out'));
    const mode = modeOption(values);
    const source = sourceOption(values);
    const pageSize = pageSizeOption(values);
    const request: ScanRequest = {
      ...(mode ? { mode } : {}),
      ...(source ? { source } : {}),
      ...(pageSize ? { pageSize } : {}),
      ...(values.resolution !== undefined ? { resolution: intOption(values, 'resolution', 300, 1, 19_200) } : {}),
      ...(values['max-pages'] !== undefined ? { maxPages: intOption(values, 'max-pages', 50, 1, 1000) } : {}),
      pdf: values.pdf === true,
    };
    let device = typeof values.device === 'string' ? values.device : '';
    return withScanner(values, device, async (first) => {
      let s = first;
      if (device === '') {
        // No --device: the first one saned lists, named in the output.
        const devices = await s.listDevices(ctx.signal);
        const d = devices[0];
        if (!d) throw new UsageError('saned lists no scanner (check dll.conf and the scanner’s USB cable), or name one with --device');
        device = d.name;
        await s.close();
        s = connect(values, device);
      }
      try {
        const result = await s.scan(request, { signal: ctx.signal, onProgress: progressPrinter(ctx) });
        await mkdir(out, { recursive: true });
        const pages = [];
        for (const p of result.pages) {
          const file = join(out, `page-${String(p.index).padStart(3, '0')}.png`);
          await writeFile(file, p.png);
          pages.push({ file, width: p.width, height: p.height, resolution: p.resolution, channels: p.channels, bitDepth: p.bitDepth, bytes: p.png.length });
        }
        let pdf: string | undefined;
        if (result.pdf) {
          pdf = join(out, 'scan.pdf');
          await writeFile(pdf, result.pdf);
        }
        const st = result.settings;
        const how = [st.modeName ?? st.mode, st.resolution !== null ? `${st.resolution} dpi` : null, st.sourceName ?? st.source].filter((x) => x !== null).join(', ');
        const ended = { 'single-page': '', 'feeder-empty': '; the feeder is empty', 'max-pages': `; stopped at --max-pages` }[result.endedBy];
        const human = [
          `已扫描 Scanned ${pages.length} page(s) from ${device} (${how})${ended}:`,
          ...pages.map((p) => `  ${p.file}  ${p.width} × ${p.height} px, ${p.bytes} bytes`),
          ...(pdf ? [`  ${pdf}`] : []),
        ];
        return { data: { ok: true, device, settings: st, endedBy: result.endedBy, pages, ...(pdf ? { pdf } : {}) }, human };
      } finally {
        if (s !== first) await s.close();
      }
    });
  },
};

const SIM_FAULTS: Record<string, Partial<SaneSimulatorFaults>> = {
  jam: { jam: 'mid-page' },
  'jam-start': { jam: 'start' },
  'no-paper': { noPaper: true },
  'cover-open': { coverOpen: true },
  busy: { busy: true },
  stall: { stall: true },
};

const simScanner: Command = {
  path: ['sim', 'scanner'],
  summary: 'Runs the SANE scanner simulator as a saned on loopback (device sim:0) until Ctrl-C, for the kiosk and kioskctl without a scanner.',
  usage: `[--host 127.0.0.1] [--port 0] [--sheets 3] [--fault ${Object.keys(SIM_FAULTS).join('|')}] [--json]`,
  options: { host: { type: 'string' }, port: { type: 'string' }, sheets: { type: 'string' }, fault: { type: 'string' } },
  async run(values, ctx) {
    const host = typeof values.host === 'string' && values.host !== '' ? values.host : '127.0.0.1';
    const port = intOption(values, 'port', 0, 0, 65535);
    const fault = values.fault === undefined ? undefined : SIM_FAULTS[String(values.fault)];
    if (values.fault !== undefined && !fault) throw new UsageError(`--fault must be one of ${Object.keys(SIM_FAULTS).join(', ')}, got "${String(values.fault)}"`);
    const sim = new SaneSimulator({ feederSheets: intOption(values, 'sheets', 3, 0, 10_000) });
    if (fault) sim.setFaults(fault);
    const server = await serveSaneSimulator(sim, { host, port });
    const ready = { event: 'ready', host: server.host, port: server.port, device: sim.device.name };
    ctx.out(ctx.json ? JSON.stringify(ready) : `SANE simulator (${sim.device.name}) listening on ${server.host}:${server.port}; Ctrl-C stops it`);
    await new Promise<void>((done) => (ctx.signal.aborted ? done() : ctx.signal.addEventListener('abort', () => done(), { once: true })));
    await sim.dispose();
    await server.close();
    const c = sim.counters;
    return { data: { stopped: true, connections: c.connections, scans: c.scans, pagesSent: c.pagesSent }, human: [`simulator stopped after ${c.scans} scan(s), ${c.pagesSent} page(s)`] };
  },
};

export const commands: Command[] = [scannerList, scannerScan, simScanner];
