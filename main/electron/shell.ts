/**
 * The Electron shell, wired: single instance, sandbox, the app:// protocol, the locked-down kiosk window, the
 * permission handlers, the renderer guard and the core supervisor. The decisions live in the pure modules
 * (policy.ts, app-protocol.ts, core-supervisor.ts, renderer-guard.ts); this file only connects them to Electron.
 *
 * IPC: none besides the MessagePort hand-over ('kiosk:port'). There is no ipcMain handler at all.
 */
import { join } from 'node:path';
import { BrowserWindow, Menu, MessageChannelMain, app, protocol, session, utilityProcess } from 'electron';
import type { MessagePortMain, Session, WebContents } from 'electron';
import { createAppProtocolHandler } from './app-protocol.js';
import { CoreSupervisor } from './core-supervisor.js';
import type { CoreChild, CoreState } from './core-supervisor.js';
import type { LaunchOptions } from './launch-options.js';
import {
  APP_SCHEME,
  OUT_OF_SERVICE_URL,
  START_URL,
  decidePermission,
  isAllowedNavigation,
  isAppUrl,
  isTechnicianUrl,
  windowOpenDecision,
} from './policy.js';
import { RendererGuard } from './renderer-guard.js';

/** The channel on which the renderer's preload receives its port to the core. */
export const PORT_CHANNEL = 'kiosk:port';
export const CORE_SERVICE_NAME = 'kiosk-core';

/** Where the shell finds its pieces, all under the compiled `dist/` folder. */
export interface ShellPaths {
  /** dist/main/core/utility-entry.js */
  coreEntry: string;
  /** dist/main/electron/preload.cjs */
  preload: string;
  /** dist/renderer */
  rendererDir: string;
}

export function shellPaths(distDir: string): ShellPaths {
  return {
    coreEntry: join(distDir, 'main', 'core', 'utility-entry.js'),
    preload: join(distDir, 'main', 'electron', 'preload.cjs'),
    rendererDir: join(distDir, 'renderer'),
  };
}

export interface ShellOptions {
  launch: LaunchOptions;
  paths: ShellPaths;
  env?: Readonly<Record<string, string | undefined>>;
  log?: (level: 'info' | 'warn' | 'error', message: string) => void;
}

export interface ShellHandle {
  /** Resolves once the app is ready and the window and core are started. */
  readonly ready: Promise<void>;
  window(): BrowserWindow | null;
  readonly supervisor: CoreSupervisor<MessagePortMain>;
  readonly guard: RendererGuard;
}

const defaultLog = (level: 'info' | 'warn' | 'error', message: string): void => {
  if (level === 'info') console.warn(`[kiosk-shell] ${message}`);
  else console.error(`[kiosk-shell] ${level}: ${message}`);
};

/** Background shown before the first paint (matches the attract screen, no white flash). */
export const WINDOW_BACKGROUND = '#f4f7fb';

/** The secure webPreferences of the kiosk window (exported for tests and audits). */
export function kioskWebPreferences(preload: string, dev: boolean): Electron.WebPreferences {
  return {
    preload,
    contextIsolation: true,
    sandbox: true,
    nodeIntegration: false,
    nodeIntegrationInWorker: false,
    nodeIntegrationInSubFrames: false,
    webSecurity: true,
    allowRunningInsecureContent: false,
    experimentalFeatures: false,
    webviewTag: false,
    navigateOnDragDrop: false,
    spellcheck: false,
    devTools: dev,
    safeDialogs: true,
  };
}

/** Denies every permission (request, check, device) unless policy.ts allowlists it. */
export function lockDownSession(ses: Session): void {
  ses.setPermissionRequestHandler((wc, permission, callback, details) => {
    callback(decidePermission(permission, details.requestingUrl ?? wc.getURL()));
  });
  ses.setPermissionCheckHandler((_wc, permission, requestingOrigin) => decidePermission(permission, requestingOrigin));
  ses.setDevicePermissionHandler((details) => decidePermission(`device:${details.deviceType}`, details.origin));
  ses.setDisplayMediaRequestHandler((_request, callback) => callback({}));
}

/** Navigation, redirects, webviews and new windows: our origin only, never a second window. */
const lockedDown = new WeakSet<WebContents>();

export function lockDownContents(wc: WebContents, log: ShellOptions['log'] = defaultLog): void {
  if (lockedDown.has(wc)) return;
  lockedDown.add(wc);
  const refuse = (what: string, url: string) => log('warn', `${what} refused: ${url.split(/[?#]/, 1)[0] ?? ''}`);
  wc.on('will-navigate', (event) => {
    if (!isAllowedNavigation(event.url)) {
      event.preventDefault();
      refuse('navigation', event.url);
    }
  });
  wc.on('will-frame-navigate', (event) => {
    if (!isAllowedNavigation(event.url)) {
      event.preventDefault();
      refuse('frame navigation', event.url);
    }
  });
  wc.on('will-redirect', (event) => {
    if (!isAllowedNavigation(event.url)) {
      event.preventDefault();
      refuse('redirect', event.url);
    }
  });
  wc.on('will-attach-webview', (event) => {
    event.preventDefault();
    log('warn', 'webview refused');
  });
  wc.setWindowOpenHandler((details) => {
    refuse('window.open', details.url);
    return windowOpenDecision(details.url);
  });
}

/**
 * Starts the shell. Must be called before the app is ready (privileged schemes are registered at once).
 * Returns null when another instance already runs (this one quits).
 */
export function runShell(options: ShellOptions): ShellHandle | null {
  const log = options.log ?? defaultLog;
  const { launch, paths } = options;
  const env = options.env ?? process.env;

  if (!app.requestSingleInstanceLock()) {
    log('warn', 'another kiosk instance is running; quitting');
    app.quit();
    return null;
  }
  app.enableSandbox();
  protocol.registerSchemesAsPrivileged([
    { scheme: APP_SCHEME, privileges: { standard: true, secure: true, supportFetchAPI: true, stream: true } },
  ]);

  let win: BrowserWindow | null = null;
  let quitting = false;

  const supervisor = new CoreSupervisor<MessagePortMain>({
    fork: (): CoreChild<MessagePortMain> => {
      const child = utilityProcess.fork(paths.coreEntry, [], {
        serviceName: CORE_SERVICE_NAME,
        stdio: 'pipe',
        env: {
          ...env,
          KIOSK_HOST: 'electron',
          ...(launch.profilePath !== undefined ? { KIOSK_PROFILE: launch.profilePath } : {}),
        },
      });
      child.on('spawn', () => {
        // Drain the core's output (it logs structured, already redacted lines) so the pipe never blocks.
        child.stdout?.on('data', (chunk: Buffer) => process.stdout.write(chunk));
        child.stderr?.on('data', (chunk: Buffer) => process.stderr.write(chunk));
      });
      return child;
    },
    createChannel: () => new MessageChannelMain(),
    closePort: (port) => port.close(),
    log,
  });

  const showPage = (): void => {
    if (!win || win.isDestroyed()) return;
    const target = supervisor.status.state === 'out-of-service' || guard.state === 'out-of-service' ? OUT_OF_SERVICE_URL : START_URL;
    void win.loadURL(target).catch((err: unknown) => log('error', `load failed: ${err instanceof Error ? err.message : String(err)}`));
  };

  const guard = new RendererGuard({
    reload: () => {
      supervisor.setRenderer(null);
      showPage();
    },
    showOutOfService: () => {
      supervisor.setRenderer(null);
      if (win && !win.isDestroyed()) void win.loadURL(OUT_OF_SERVICE_URL).catch(() => undefined);
    },
    log,
  });

  supervisor.onStatus((s: CoreState) => {
    if (s.state === 'out-of-service') {
      log('error', `core out of service (${s.reason}): ${s.message}`);
      supervisor.setRenderer(null);
      showPage();
    }
  });

  const createWindow = (): BrowserWindow => {
    const w = new BrowserWindow({
      show: false,
      fullscreen: true,
      kiosk: true,
      frame: false,
      autoHideMenuBar: true,
      backgroundColor: WINDOW_BACKGROUND,
      title: '政务自助终端',
      webPreferences: kioskWebPreferences(paths.preload, launch.dev),
    });
    const wc = w.webContents;
    lockDownContents(wc, log);
    w.once('ready-to-show', () => w.show());
    wc.on('did-finish-load', () => {
      const url = wc.getURL();
      if (isAppUrl(url) && url !== OUT_OF_SERVICE_URL) {
        supervisor.setRenderer(
          (port) => {
            if (!w.isDestroyed()) wc.postMessage(PORT_CHANNEL, null, [port]);
            else port.close();
          },
          isTechnicianUrl(url) ? 'technician' : 'citizen',
        );
      }
    });
    wc.on('render-process-gone', (_event, details) => {
      supervisor.setRenderer(null);
      guard.processGone(details.reason);
    });
    wc.on('unresponsive', () => guard.unresponsive());
    wc.on('responsive', () => guard.responsive());
    wc.on('devtools-opened', () => {
      if (!launch.dev) {
        log('error', 'devtools opened in production; closing them');
        wc.closeDevTools();
      }
    });
    w.on('closed', () => {
      supervisor.setRenderer(null);
      if (win === w) win = null;
      // A kiosk has no way to close its window on purpose: bring it back unless the app is quitting.
      if (!quitting) {
        win = createWindow();
        showPage();
      }
    });
    return w;
  };

  app.on('web-contents-created', (_event, contents) => lockDownContents(contents, log));
  app.on('second-instance', () => {
    if (win && !win.isDestroyed()) win.focus();
  });
  app.on('before-quit', () => {
    quitting = true;
    guard.dispose();
    supervisor.stop();
  });
  app.on('window-all-closed', () => {
    if (quitting) app.quit();
  });

  const ready = app.whenReady().then(() => {
    // Which runtime this package really runs (Electron 45 embeds its own Node, not the system's): for technicians.
    const v = process.versions as NodeJS.ProcessVersions & { electron?: string; chrome?: string };
    log('info', `Electron ${v.electron ?? '?'} (Node ${v.node}, Chromium ${v.chrome ?? '?'})`);
    Menu.setApplicationMenu(null);
    lockDownSession(session.defaultSession);
    session.defaultSession.protocol.handle(
      APP_SCHEME,
      createAppProtocolHandler({
        rootDir: paths.rendererDir,
        onRefused: (r) => log('warn', `app:// refused ${r.status} ${r.reason}: ${r.url}`),
      }),
    );
    win = createWindow();
    supervisor.start();
    showPage();
  });

  return { ready, window: () => win, supervisor, guard };
}
