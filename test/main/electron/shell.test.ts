import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { FakeMessagePortMain, fake } from '../../helpers/fake-electron.js';
import { runShell } from '../../../main/electron/shell.js';
import type { ShellHandle } from '../../../main/electron/shell.js';
import { CONTENT_SECURITY_POLICY, OUT_OF_SERVICE_URL, START_URL } from '../../../main/electron/policy.js';

vi.mock('electron', async () => (await import('../../helpers/fake-electron.js')).electronModule);

let dir: string;
let rendererDir: string;
const logs: string[] = [];

const paths = () => ({
  coreEntry: '/opt/kiosk/dist/main/core/utility-entry.js',
  preload: '/opt/kiosk/dist/main/electron/preload.cjs',
  rendererDir,
});

async function start(opts: { dev?: boolean; profilePath?: string } = {}): Promise<ShellHandle> {
  const handle = runShell({
    launch: { dev: opts.dev ?? false, profilePath: opts.profilePath },
    paths: paths(),
    env: { PATH: '/usr/bin' },
    log: (level, message) => logs.push(`${level}: ${message}`),
  });
  if (!handle) throw new Error('shell did not start');
  await handle.ready;
  return handle;
}

beforeEach(() => {
  fake.reset();
  logs.length = 0;
  dir = mkdtempSync(join(tmpdir(), 'kiosk-shell-'));
  rendererDir = join(dir, 'renderer');
  mkdirSync(join(rendererDir, 'assets'), { recursive: true });
  writeFileSync(join(rendererDir, 'index.html'), '<!doctype html><title>kiosk</title>');
  writeFileSync(join(rendererDir, 'assets', 'app.js'), 'console.log(1)');
  writeFileSync(join(dir, 'secret.txt'), 'SECRET');
});

afterEach(() => {
  vi.useRealTimers();
  rmSync(dir, { recursive: true, force: true });
});

describe('startup', () => {
  it('takes the single-instance lock, enables the sandbox and registers app:// before ready', async () => {
    await start();
    expect(fake.app.sandboxEnabled).toBe(true);
    expect(fake.app.sandboxEnabledBeforeReady).toBe(true);
    expect(fake.privilegedSchemes).toHaveLength(1);
    expect(fake.privilegedSchemes[0]?.beforeReady).toBe(true);
    expect(fake.privilegedSchemes[0]?.schemes).toEqual([
      { scheme: 'app', privileges: expect.objectContaining({ standard: true, secure: true, supportFetchAPI: true }) },
    ]);
    expect(fake.session.protocol.handlers.has('app')).toBe(true);
  });

  it('quits without a window when another instance holds the lock', async () => {
    fake.app.singleInstance = false;
    const handle = runShell({ launch: { dev: false }, paths: paths(), log: () => undefined });
    expect(handle).toBeNull();
    expect(fake.app.quitCalls).toBe(1);
    await Promise.resolve();
    expect(fake.windows).toHaveLength(0);
    expect(fake.forks).toHaveLength(0);
  });
});

describe('the kiosk window', () => {
  it('is created with the secure webPreferences and kiosk options', async () => {
    await start();
    const o = fake.window.options;
    expect(o).toMatchObject({ kiosk: true, fullscreen: true, autoHideMenuBar: true, show: false });
    expect(typeof o.backgroundColor).toBe('string');
    expect(o.webPreferences).toMatchObject({
      contextIsolation: true,
      sandbox: true,
      nodeIntegration: false,
      nodeIntegrationInWorker: false,
      nodeIntegrationInSubFrames: false,
      webSecurity: true,
      allowRunningInsecureContent: false,
      experimentalFeatures: false,
      webviewTag: false,
      spellcheck: false,
      devTools: false,
      preload: '/opt/kiosk/dist/main/electron/preload.cjs',
    });
    expect(o.webPreferences).not.toHaveProperty('enableBlinkFeatures');
    expect(fake.applicationMenu).toEqual({ set: true, value: null });
  });

  it('is shown only on ready-to-show', async () => {
    await start();
    expect(fake.window.shown).toBe(false);
    fake.window.emit('ready-to-show');
    expect(fake.window.shown).toBe(true);
  });

  it('allows devtools only with the dev flag', async () => {
    await start({ dev: true });
    expect(fake.window.options.webPreferences?.devTools).toBe(true);
    fake.window.webContents.emit('devtools-opened');
    expect(fake.window.webContents.closeDevToolsCalls).toBe(0);
  });

  it('closes devtools at once in production (tripwire)', async () => {
    await start();
    fake.window.webContents.emit('devtools-opened');
    expect(fake.window.webContents.closeDevToolsCalls).toBe(1);
    expect(logs.some((l) => l.includes('devtools'))).toBe(true);
  });

  it('loads app://kiosk/index.html, never file://', async () => {
    await start();
    const loads = fake.window.webContents.loads;
    expect(loads).toEqual([START_URL]);
    expect(loads.some((u) => u.startsWith('file:'))).toBe(false);
  });

  it('is brought back when closed, unless the app quits', async () => {
    await start();
    fake.window.close();
    expect(fake.windows).toHaveLength(2);
    expect(fake.window.webContents.loads).toEqual([START_URL]);
    fake.app.emit('before-quit');
    fake.window.close();
    expect(fake.windows).toHaveLength(2);
  });
});

describe('navigation and new windows', () => {
  it('refuses navigation, redirects and frame navigation away from app://kiosk', async () => {
    await start();
    const wc = fake.window.webContents;
    for (const url of ['https://evil.example/', 'file:///etc/passwd', 'http://127.0.0.1:8080/', 'javascript:alert(1)', 'app://other/index.html', 'data:text/html,x']) {
      expect(wc.tryNavigate('will-navigate', url)).toBe(true);
      expect(wc.tryNavigate('will-redirect', url)).toBe(true);
      expect(wc.tryNavigate('will-frame-navigate', url)).toBe(true);
    }
    expect(wc.tryNavigate('will-navigate', 'app://kiosk/index.html')).toBe(false);
  });

  it('refuses webviews and window.open', async () => {
    await start();
    const wc = fake.window.webContents;
    expect(wc.tryAttachWebview()).toBe(true);
    expect(wc.windowOpenHandler?.({ url: 'https://evil.example/' })).toEqual({ action: 'deny' });
    expect(wc.windowOpenHandler?.({ url: 'app://kiosk/index.html' })).toEqual({ action: 'deny' });
  });
});

describe('permissions', () => {
  it('denies every permission request, check and device', async () => {
    await start();
    const s = fake.session;
    const granted: boolean[] = [];
    for (const permission of ['media', 'geolocation', 'notifications', 'clipboard-read', 'fullscreen', 'openExternal', 'unknown']) {
      s.permissionRequestHandler?.(fake.window.webContents, permission, (g) => granted.push(g), { requestingUrl: START_URL });
      expect(s.permissionCheckHandler?.(fake.window.webContents, permission, 'app://kiosk', {})).toBe(false);
    }
    expect(granted).toHaveLength(7);
    expect(granted.every((g) => g === false)).toBe(true);
    for (const deviceType of ['hid', 'serial', 'usb']) {
      expect(s.devicePermissionHandler?.({ deviceType, origin: 'app://kiosk' })).toBe(false);
    }
    let streams: unknown = 'unset';
    s.displayMediaRequestHandler?.({}, (st) => (streams = st));
    expect(streams).toEqual({});
  });
});

describe('the app:// protocol as registered', () => {
  it('serves the renderer with the CSP and refuses traversal', async () => {
    await start();
    const handler = fake.session.protocol.handlers.get('app');
    if (!handler) throw new Error('no handler');
    const ok = await handler(new Request('app://kiosk/index.html'));
    expect(ok.status).toBe(200);
    expect(ok.headers.get('content-security-policy')).toBe(CONTENT_SECURITY_POLICY);
    expect(ok.headers.get('content-type')).toBe('text/html; charset=utf-8');
    const bad = await handler(new Request('app://kiosk/%2e%2e/secret.txt'));
    expect(bad.status).toBeGreaterThanOrEqual(400);
    expect(await bad.text()).not.toContain('SECRET');
    expect(bad.headers.get('content-security-policy')).toBe(CONTENT_SECURITY_POLICY);
  });
});

describe('core process and ports', () => {
  it('forks the utility entry with the service name, piped stdio and the electron host env', async () => {
    await start({ profilePath: '/etc/kiosk/profile.json' });
    expect(fake.forks).toHaveLength(1);
    const child = fake.lastFork;
    expect(child.modulePath).toBe('/opt/kiosk/dist/main/core/utility-entry.js');
    expect(child.args).toEqual([]);
    expect(child.options).toMatchObject({ serviceName: 'kiosk-core', stdio: 'pipe' });
    expect(child.options.env).toEqual({ PATH: '/usr/bin', KIOSK_HOST: 'electron', KIOSK_PROFILE: '/etc/kiosk/profile.json' });
  });

  it('hands port1 to the core and port2 to the renderer once both are up (either order)', async () => {
    await start();
    const wc = fake.window.webContents;
    wc.finishLoad(); // renderer first: no core yet, no channel
    expect(fake.channels).toHaveLength(0);
    fake.lastFork.spawn();
    expect(fake.channels).toHaveLength(1);
    const ch = fake.channels[0];
    expect(fake.lastFork.posted).toEqual([{ message: { type: 'connect' }, transfer: [ch?.port1] }]);
    expect(wc.posted).toEqual([{ channel: 'kiosk:port', message: null, transfer: [ch?.port2] }]);
  });

  it('gives a reloaded renderer a fresh channel', async () => {
    await start();
    const wc = fake.window.webContents;
    fake.lastFork.spawn().ready();
    wc.finishLoad();
    wc.finishLoad();
    const ports = wc.portsOn('kiosk:port');
    expect(ports).toHaveLength(2);
    expect(ports[0]).not.toBe(ports[1]);
    expect(fake.lastFork.posted).toHaveLength(2);
  });

  it('does not hand a port to the out-of-service page', async () => {
    await start();
    fake.lastFork.spawn().ready();
    const wc = fake.window.webContents;
    await wc.loadURL(OUT_OF_SERVICE_URL);
    wc.finishLoad();
    expect(wc.portsOn('kiosk:port')).toHaveLength(0);
  });

  it('restarts a crashed core and gives the renderer a fresh port; gives up after 5 restarts', async () => {
    vi.useFakeTimers();
    await start();
    const wc = fake.window.webContents;
    wc.finishLoad();
    fake.lastFork.spawn().ready();
    for (let i = 1; i <= 5; i++) {
      fake.lastFork.crash(1);
      expect(fake.forks).toHaveLength(i); // not yet: backoff
      vi.advanceTimersByTime(10_000); // longest backoff of the five is 8 s; all crashes inside 5 minutes
      expect(fake.forks).toHaveLength(i + 1);
      fake.lastFork.spawn().ready();
      const ports = wc.portsOn('kiosk:port');
      expect(ports).toHaveLength(i + 1);
      expect(ports[i]).toBeInstanceOf(FakeMessagePortMain);
      expect(ports[i]).not.toBe(ports[i - 1]);
    }
    fake.lastFork.crash(1);
    vi.advanceTimersByTime(10 * 60_000);
    expect(fake.forks).toHaveLength(6);
    expect(wc.loads.at(-1)).toBe(OUT_OF_SERVICE_URL);
  });

  it('does not restart a core that reported a fatal configuration error', async () => {
    vi.useFakeTimers();
    const handle = await start();
    fake.lastFork.spawn();
    fake.lastFork.fatal('profile missing');
    vi.advanceTimersByTime(60 * 60_000);
    expect(fake.forks).toHaveLength(1);
    expect(handle.supervisor.status).toMatchObject({ state: 'out-of-service', reason: 'fatal-config' });
    expect(fake.window.webContents.loads.at(-1)).toBe(OUT_OF_SERVICE_URL);
  });

  it('stops the core on quit without restarting it', async () => {
    vi.useFakeTimers();
    await start();
    const child = fake.lastFork.spawn().ready();
    fake.app.emit('before-quit');
    expect(child.killed).toBe(true);
    vi.advanceTimersByTime(60_000);
    expect(fake.forks).toHaveLength(1);
  });
});

describe('renderer crashes', () => {
  it('reloads a crashed renderer, at most 5 times in 10 minutes, then shows out-of-service and retries slowly', async () => {
    vi.useFakeTimers();
    await start();
    const wc = fake.window.webContents;
    fake.lastFork.spawn().ready();
    for (let i = 0; i < 5; i++) {
      wc.crash('crashed');
      expect(wc.loads.at(-1)).toBe(START_URL);
    }
    expect(wc.loads).toHaveLength(6);
    wc.crash('oom');
    expect(wc.loads.at(-1)).toBe(OUT_OF_SERVICE_URL);
    vi.advanceTimersByTime(60_000);
    expect(wc.loads.at(-1)).toBe(START_URL);
  });

  it('reloads an unresponsive renderer after a grace period unless it recovers', async () => {
    vi.useFakeTimers();
    await start();
    const wc = fake.window.webContents;
    wc.emit('unresponsive');
    wc.emit('responsive');
    vi.advanceTimersByTime(60_000);
    expect(wc.loads).toEqual([START_URL]);
    wc.emit('unresponsive');
    vi.advanceTimersByTime(9_000);
    expect(wc.loads).toEqual([START_URL]);
    vi.advanceTimersByTime(2_000);
    expect(wc.loads).toEqual([START_URL, START_URL]);
  });
});
