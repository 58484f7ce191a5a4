/**
 * A fake `electron` module for Vitest (the Electron binary cannot run here). It records what the shell does
 * (window options, handlers, protocol handlers, forks, posted ports) and lets tests drive events (page loaded,
 * renderer crash, core spawn/ready/crash/fatal, devtools opened, ports arriving in the preload).
 *
 * Use:
 *   vi.mock('electron', async () => (await import('../../helpers/fake-electron.js')).electronModule);
 *   beforeEach(() => fake.reset());
 *
 * The state lives on globalThis so that every import of this file (test file, mock factory) sees the same fake.
 */
import { EventEmitter } from 'node:events';

export interface NavEvent {
  url: string;
  prevented: boolean;
  preventDefault(): void;
}

function navEvent(url: string): NavEvent {
  const e: NavEvent = {
    url,
    prevented: false,
    preventDefault() {
      e.prevented = true;
    },
  };
  return e;
}

export class FakeMessagePortMain {
  static nextId = 1;
  readonly id = FakeMessagePortMain.nextId++;
  closed = false;
  close(): void {
    this.closed = true;
  }
}

export class FakeMessageChannelMain {
  readonly port1 = new FakeMessagePortMain();
  readonly port2 = new FakeMessagePortMain();
  constructor() {
    state().channels.push(this);
  }
}

export interface PostedMessage {
  channel: string;
  message: unknown;
  transfer: unknown[];
}

export class FakeWebContents extends EventEmitter {
  url = '';
  readonly loads: string[] = [];
  readonly posted: PostedMessage[] = [];
  windowOpenHandler: ((details: { url: string }) => { action: string }) | null = null;
  closeDevToolsCalls = 0;
  destroyed = false;

  setWindowOpenHandler(handler: (details: { url: string }) => { action: string }): void {
    this.windowOpenHandler = handler;
  }
  getURL(): string {
    return this.url;
  }
  loadURL(url: string): Promise<void> {
    this.loads.push(url);
    this.url = url;
    return Promise.resolve();
  }
  postMessage(channel: string, message: unknown, transfer: unknown[] = []): void {
    this.posted.push({ channel, message, transfer });
  }
  closeDevTools(): void {
    this.closeDevToolsCalls += 1;
  }
  isDestroyed(): boolean {
    return this.destroyed;
  }

  // ---- test drivers ----
  /** Emits a navigation-type event ('will-navigate', 'will-redirect', 'will-frame-navigate'); says if refused. */
  tryNavigate(kind: 'will-navigate' | 'will-redirect' | 'will-frame-navigate', url: string): boolean {
    const e = navEvent(url);
    this.emit(kind, e, url);
    return e.prevented;
  }
  tryAttachWebview(): boolean {
    const e = navEvent('');
    this.emit('will-attach-webview', e, {}, { src: 'https://example.com' });
    return e.prevented;
  }
  finishLoad(): void {
    this.emit('did-finish-load');
  }
  crash(reason = 'crashed'): void {
    this.emit('render-process-gone', navEvent(''), { reason, exitCode: 1 });
  }
  /** The port messages posted on `channel`, in order. */
  portsOn(channel: string): unknown[] {
    return this.posted.filter((p) => p.channel === channel).flatMap((p) => p.transfer);
  }
}

export class FakeBrowserWindow extends EventEmitter {
  readonly webContents = new FakeWebContents();
  shown = false;
  destroyed = false;
  focused = 0;
  constructor(readonly options: Record<string, unknown> & { webPreferences?: Record<string, unknown> }) {
    super();
    state().windows.push(this);
    state().app.emit('web-contents-created', {}, this.webContents);
  }
  show(): void {
    this.shown = true;
  }
  focus(): void {
    this.focused += 1;
  }
  isDestroyed(): boolean {
    return this.destroyed;
  }
  loadURL(url: string): Promise<void> {
    return this.webContents.loadURL(url);
  }
  close(): void {
    this.destroyed = true;
    this.webContents.destroyed = true;
    this.emit('closed');
  }
}

export class FakeUtilityProcess extends EventEmitter {
  readonly posted: { message: unknown; transfer: unknown[] }[] = [];
  killed = false;
  stdout = null;
  stderr = null;
  pid: number | undefined = undefined;
  constructor(
    readonly modulePath: string,
    readonly args: string[],
    readonly options: Record<string, unknown> & { env?: Record<string, string | undefined> },
  ) {
    super();
  }
  postMessage(message: unknown, transfer: unknown[] = []): void {
    this.posted.push({ message, transfer });
  }
  kill(): boolean {
    if (this.killed) return false;
    this.killed = true;
    this.emit('exit', 15);
    return true;
  }
  // ---- test drivers ----
  spawn(): this {
    this.pid = 1000 + state().forks.length;
    this.emit('spawn');
    return this;
  }
  ready(): this {
    this.emit('message', { type: 'ready' });
    return this;
  }
  fatal(message: string, code = 1): void {
    this.emit('message', { type: 'fatal', message });
    this.emit('exit', code);
  }
  crash(code = 1): void {
    this.emit('exit', code);
  }
}

type PermissionRequestHandler = (wc: unknown, permission: string, callback: (granted: boolean) => void, details: Record<string, unknown>) => void;
type PermissionCheckHandler = (wc: unknown, permission: string, origin: string, details: Record<string, unknown>) => boolean;
type DeviceHandler = (details: { deviceType: string; origin: string }) => boolean;
type DisplayMediaHandler = (request: unknown, callback: (streams: Record<string, unknown>) => void) => void;

export class FakeSession {
  permissionRequestHandler: PermissionRequestHandler | null = null;
  permissionCheckHandler: PermissionCheckHandler | null = null;
  devicePermissionHandler: DeviceHandler | null = null;
  displayMediaRequestHandler: DisplayMediaHandler | null = null;
  readonly protocol = {
    handlers: new Map<string, (request: Request) => Promise<Response> | Response>(),
    handle: (scheme: string, handler: (request: Request) => Promise<Response> | Response) => {
      this.protocol.handlers.set(scheme, handler);
    },
  };
  setPermissionRequestHandler(h: PermissionRequestHandler | null): void {
    this.permissionRequestHandler = h;
  }
  setPermissionCheckHandler(h: PermissionCheckHandler | null): void {
    this.permissionCheckHandler = h;
  }
  setDevicePermissionHandler(h: DeviceHandler | null): void {
    this.devicePermissionHandler = h;
  }
  setDisplayMediaRequestHandler(h: DisplayMediaHandler | null): void {
    this.displayMediaRequestHandler = h;
  }
}

class FakeApp extends EventEmitter {
  ready = false;
  sandboxEnabled = false;
  sandboxEnabledBeforeReady = false;
  quitCalls = 0;
  exitCodes: number[] = [];
  singleInstance = true;
  requestSingleInstanceLock(): boolean {
    return this.singleInstance;
  }
  enableSandbox(): void {
    this.sandboxEnabled = true;
    this.sandboxEnabledBeforeReady = !this.ready;
  }
  whenReady(): Promise<void> {
    return Promise.resolve().then(() => {
      this.ready = true;
    });
  }
  isReady(): boolean {
    return this.ready;
  }
  quit(): void {
    this.quitCalls += 1;
  }
  exit(code = 0): void {
    this.exitCodes.push(code);
  }
}

export interface FakeElectronState {
  app: FakeApp;
  windows: FakeBrowserWindow[];
  forks: FakeUtilityProcess[];
  channels: FakeMessageChannelMain[];
  privilegedSchemes: { schemes: unknown[]; beforeReady: boolean }[];
  applicationMenu: { set: boolean; value: unknown };
  session: FakeSession;
  exposed: Map<string, unknown>;
  ipcRenderer: EventEmitter;
}

function freshState(): FakeElectronState {
  return {
    app: new FakeApp(),
    windows: [],
    forks: [],
    channels: [],
    privilegedSchemes: [],
    applicationMenu: { set: false, value: undefined },
    session: new FakeSession(),
    exposed: new Map(),
    ipcRenderer: new EventEmitter(),
  };
}

const KEY = Symbol.for('kiosk.fake-electron');
type WithFake = typeof globalThis & { [KEY]?: FakeElectronState };

function state(): FakeElectronState {
  const g = globalThis as WithFake;
  return (g[KEY] ??= freshState());
}

/** Test-side handle on the fake. */
export const fake = {
  reset(): void {
    (globalThis as WithFake)[KEY] = freshState();
  },
  get app(): FakeApp {
    return state().app;
  },
  get windows(): FakeBrowserWindow[] {
    return state().windows;
  },
  get window(): FakeBrowserWindow {
    const w = state().windows.at(-1);
    if (!w) throw new Error('no window created');
    return w;
  },
  get forks(): FakeUtilityProcess[] {
    return state().forks;
  },
  get lastFork(): FakeUtilityProcess {
    const f = state().forks.at(-1);
    if (!f) throw new Error('nothing forked');
    return f;
  },
  get channels(): FakeMessageChannelMain[] {
    return state().channels;
  },
  get privilegedSchemes(): FakeElectronState['privilegedSchemes'] {
    return state().privilegedSchemes;
  },
  get applicationMenu(): FakeElectronState['applicationMenu'] {
    return state().applicationMenu;
  },
  get session(): FakeSession {
    return state().session;
  },
  get exposed(): Map<string, unknown> {
    return state().exposed;
  },
  /** Delivers a port to the preload the way the main process does ('kiosk:port' with event.ports). */
  sendPortToPreload(port: unknown, channel = 'kiosk:port'): void {
    state().ipcRenderer.emit(channel, { ports: [port], sender: state().ipcRenderer }, null);
  },
};

/** The module object handed to vi.mock('electron', ...). Properties delegate to the current fake state. */
export const electronModule = {
  get app() {
    return state().app;
  },
  BrowserWindow: FakeBrowserWindow,
  MessageChannelMain: FakeMessageChannelMain,
  Menu: {
    setApplicationMenu(menu: unknown): void {
      state().applicationMenu = { set: true, value: menu };
    },
  },
  protocol: {
    registerSchemesAsPrivileged(schemes: unknown[]): void {
      state().privilegedSchemes.push({ schemes, beforeReady: !state().app.ready });
    },
  },
  session: {
    get defaultSession() {
      return state().session;
    },
  },
  utilityProcess: {
    fork(modulePath: string, args: string[] = [], options: Record<string, unknown> = {}): FakeUtilityProcess {
      const child = new FakeUtilityProcess(modulePath, args, options);
      state().forks.push(child);
      return child;
    },
  },
  contextBridge: {
    exposeInMainWorld(key: string, api: unknown): void {
      state().exposed.set(key, api);
    },
  },
  get ipcRenderer() {
    return state().ipcRenderer;
  },
};
