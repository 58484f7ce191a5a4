/**
 * The kiosk preload: a sandboxed, self-contained CommonJS script (it may only require 'electron'; imports from
 * main/contract are type-only and vanish on compile). Compiled to dist/main/electron/preload.cjs.
 *
 * It receives a MessagePort to the core from the main process on 'kiosk:port', keeps it private, and exposes
 * `window.kiosk` = { invoke, on } (KioskBridge). Nothing else crosses: no ipcRenderer, no event objects, no port.
 *
 * - Names not in the contract are refused (a list checked at type level against main/contract).
 * - Replies are matched to requests by id; a request without a reply in REQUEST_TIMEOUT_MS fails 'internal'.
 * - Requests made before the first port arrives wait (within their timeout) and go out on that port.
 * - A new port (core restarted, renderer reloaded) fails the requests that were sent on the old port (their
 *   replies can never come) and carries on; `on` listeners stay registered across ports.
 */
import electron = require('electron');
import type {
  InvokeName,
  KioskBridge,
  KioskErrorCode,
  Params,
  PushName,
  PushPayload,
  Reply,
  Result,
  TechInvokeName,
  TechPushName,
} from '../contract/index.js';

const PORT_CHANNEL = 'kiosk:port';
const REQUEST_TIMEOUT_MS = 15_000;

// ---- the contract's names, kept here because a sandboxed preload cannot load main/contract at run time ----

const INVOKE_NAMES = [
  'session.get',
  'session.activity',
  'session.finish',
  'session.dismiss',
  'ui.setLocale',
  'ui.setDisplay',
  'ui.setVoice',
  'ui.focusField',
  'devices.list',
  'system.get',
  'matter.choose',
  'matter.input',
  'matter.next',
  'matter.back',
  'matter.cancel',
  'matter.cancelConfirm',
  'matter.cancelDismiss',
  'matter.commit',
  'matter.declineCommitment',
  'matter.useCertificate',
  'matter.declineCertificate',
  'matter.scan',
  'matter.removePages',
  'matter.useCommitment',
  'matter.pay',
  'matter.submit',
  'matter.reprint',
  'matter.rate',
  'matter.rateReasons',
  'cases.open',
  'cases.byNumber',
  'cases.select',
  'cases.back',
  'cases.reprint',
  'cases.rate',
  'cases.rateReasons',
  'cases.close',
] as const;
const PUSH_NAMES = ['session.view', 'devices.status', 'system.status', 'service.status', 'qr.scanned'] as const;
/** The technician page (tech.html) gets these instead, as window.kioskTech; the core still checks its PIN login. */
const TECH_INVOKE_NAMES = [
  'tech.hello',
  'tech.login',
  'tech.logout',
  'tech.activity',
  'tech.state',
  'tech.devices.list',
  'tech.devices.health',
  'tech.devices.counters',
  'tech.devices.trace',
  'tech.platform.check',
  'tech.logs.tail',
  'tech.journal.verify',
  'tech.queue.stats',
  'tech.queue.keys',
  'tech.queue.dead',
  'tech.queue.retry',
  'tech.queue.exportDead',
  'tech.queue.drainNow',
  'tech.service.out',
  'tech.service.in',
  'tech.printer.test',
  'tech.idCard.read',
] as const;
const TECH_PUSH_NAMES = ['tech.state', 'tech.session', 'tech.challenge'] as const;
const ERROR_CODES = [
  'invalid-message',
  'unknown-method',
  'invalid-params',
  'not-allowed',
  'device-error',
  'storage-full',
  'platform-error',
  'out-of-service',
  'internal',
] as const;

type Equals<A, B> = (<T>() => T extends A ? 1 : 2) extends <T>() => T extends B ? 1 : 2 ? true : false;
// A compile error here means main/contract changed: update the lists above.
const invokeNamesMatchContract: Equals<(typeof INVOKE_NAMES)[number], InvokeName> = true;
const pushNamesMatchContract: Equals<(typeof PUSH_NAMES)[number], PushName> = true;
const errorCodesMatchContract: Equals<(typeof ERROR_CODES)[number], KioskErrorCode> = true;
const techInvokeNamesMatchContract: Equals<(typeof TECH_INVOKE_NAMES)[number], TechInvokeName> = true;
const techPushNamesMatchContract: Equals<(typeof TECH_PUSH_NAMES)[number], TechPushName> = true;
void [invokeNamesMatchContract, pushNamesMatchContract, errorCodesMatchContract, techInvokeNamesMatchContract, techPushNamesMatchContract];

/** Which page this preload runs in: the technician screen's own page, or the citizen screen. */
const TECH_PAGE = (globalThis as { location?: { pathname?: unknown } }).location?.pathname === '/tech.html';
const INVOKE_SET: ReadonlySet<string> = new Set<string>(TECH_PAGE ? TECH_INVOKE_NAMES : INVOKE_NAMES);
const PUSH_SET: ReadonlySet<string> = new Set<string>(TECH_PAGE ? TECH_PUSH_NAMES : PUSH_NAMES);
const ERROR_SET: ReadonlySet<string> = new Set(ERROR_CODES);

/** The renderer-side (DOM) MessagePort, reduced to what we use (tsconfig.electron.json has no DOM lib). */
interface RendererPort {
  onmessage: ((event: { data: unknown }) => void) | null;
  postMessage(message: unknown): void;
  close(): void;
}

interface BridgeOptions {
  timeoutMs?: number;
  setTimer?: (fn: () => void, ms: number) => unknown;
  clearTimer?: (handle: unknown) => void;
  onListenerError?: (name: string, err: unknown) => void;
}

interface PendingRequest {
  readonly id: number;
  readonly method: InvokeName;
  readonly params: unknown;
  readonly resolve: (reply: Reply<unknown>) => void;
  readonly timer: unknown;
  sentOn: RendererPort | null;
}

function fail(code: KioskErrorCode, message: string): Reply<never> {
  return { ok: false, error: { code, message } };
}

/** A reply from the wire, checked by hand (no zod in a sandboxed preload). */
function toReply(raw: unknown): Reply<unknown> | null {
  if (typeof raw !== 'object' || raw === null) return null;
  const r = raw as { ok?: unknown; value?: unknown; error?: unknown };
  if (r.ok === true) return { ok: true, value: r.value };
  if (r.ok === false && typeof r.error === 'object' && r.error !== null) {
    const e = r.error as { code?: unknown; message?: unknown };
    if (typeof e.code === 'string' && ERROR_SET.has(e.code) && typeof e.message === 'string') {
      return { ok: false, error: { code: e.code as KioskErrorCode, message: e.message } };
    }
  }
  return null;
}

interface BridgeHandle {
  readonly bridge: KioskBridge;
  /** A new port to the core: the previous one is closed and its in-flight requests fail. */
  attachPort(port: RendererPort): void;
}

function createKioskBridge(options: BridgeOptions = {}): BridgeHandle {
  const timeoutMs = options.timeoutMs ?? REQUEST_TIMEOUT_MS;
  const setTimer = options.setTimer ?? ((fn: () => void, ms: number): unknown => setTimeout(fn, ms));
  const clearTimer = options.clearTimer ?? ((h: unknown): void => clearTimeout(h as ReturnType<typeof setTimeout>));
  let port: RendererPort | null = null;
  let nextId = 1;
  const pending = new Map<number, PendingRequest>();
  const listeners = new Map<string, Set<(payload: unknown) => void>>();

  function settle(id: number, reply: Reply<unknown>): void {
    const p = pending.get(id);
    if (!p) return;
    pending.delete(id);
    clearTimer(p.timer);
    p.resolve(reply);
  }

  function send(p: PendingRequest, target: RendererPort): void {
    try {
      target.postMessage({ type: 'request', id: p.id, method: p.method, params: p.params });
      p.sentOn = target;
    } catch {
      settle(p.id, fail('invalid-params', 'the request could not be sent (parameters not cloneable)'));
    }
  }

  function onPortMessage(data: unknown): void {
    if (typeof data !== 'object' || data === null) return;
    const m = data as { type?: unknown; id?: unknown; reply?: unknown; name?: unknown; payload?: unknown };
    if (m.type === 'reply') {
      if (typeof m.id !== 'number' || !pending.has(m.id)) return;
      settle(m.id, toReply(m.reply) ?? fail('internal', 'malformed reply from the core'));
    } else if (m.type === 'event') {
      if (typeof m.name !== 'string' || !PUSH_SET.has(m.name)) return;
      const set = listeners.get(m.name);
      if (!set) return;
      for (const l of [...set]) {
        try {
          l(m.payload);
        } catch (err) {
          options.onListenerError?.(m.name, err);
        }
      }
    }
  }

  function attachPort(next: RendererPort): void {
    const old = port;
    port = next;
    if (old !== null && old !== next) {
      old.onmessage = null;
      try {
        old.close();
      } catch {
        // already closed
      }
    }
    next.onmessage = (event) => onPortMessage(event.data);
    for (const p of [...pending.values()]) {
      if (p.sentOn !== null && p.sentOn !== next) {
        settle(p.id, fail('internal', 'the connection to the core was reset'));
      } else if (p.sentOn === null) {
        send(p, next);
      }
    }
  }

  function request(method: unknown, params: unknown): Promise<Reply<unknown>> {
    if (typeof method !== 'string' || !INVOKE_SET.has(method)) {
      return Promise.resolve(fail('unknown-method', 'unknown method'));
    }
    return new Promise<Reply<unknown>>((resolve) => {
      const id = nextId++;
      const timer = setTimer(() => settle(id, fail('internal', 'the core did not answer in time')), timeoutMs);
      const p: PendingRequest = { id, method: method as InvokeName, params, resolve, timer, sentOn: null };
      pending.set(id, p);
      if (port !== null) send(p, port);
    });
  }

  function subscribe(name: unknown, listener: unknown): () => void {
    if (typeof name !== 'string' || !PUSH_SET.has(name)) throw new TypeError('unknown event name');
    if (typeof listener !== 'function') throw new TypeError('listener must be a function');
    const fn = listener as (payload: unknown) => void;
    let set = listeners.get(name);
    if (!set) listeners.set(name, (set = new Set()));
    set.add(fn);
    return () => {
      listeners.get(name)?.delete(fn);
    };
  }

  const bridge = {
    invoke<N extends InvokeName>(name: N, params: Params<N>): Promise<Reply<Result<N>>> {
      // The core validates params and results against the contract; the renderer may validate results too.
      return request(name, params) as Promise<Reply<Result<N>>>;
    },
    on<P extends PushName>(name: P, listener: (payload: PushPayload<P>) => void): () => void {
      return subscribe(name, listener);
    },
  } satisfies KioskBridge;

  return { bridge: Object.freeze(bridge), attachPort };
}

/** The parts of Electron's renderer modules the preload uses. */
interface PreloadElectron {
  contextBridge: { exposeInMainWorld(apiKey: string, api: unknown): void };
  ipcRenderer: { on(channel: string, listener: (event: { ports: readonly unknown[] }, ...args: unknown[]) => void): unknown };
}

function installPreload(e: PreloadElectron, options: BridgeOptions = {}): BridgeHandle {
  const handle = createKioskBridge({
    onListenerError: (name) => console.error(`kiosk: a listener for ${name} threw`),
    ...options,
  });
  e.ipcRenderer.on(PORT_CHANNEL, (event) => {
    const p = event.ports[0];
    if (p === undefined || p === null || typeof p !== 'object') return;
    handle.attachPort(p as RendererPort);
  });
  try {
    // The technician page gets window.kioskTech (tech.* only), the citizen page window.kiosk (never tech.*).
    e.contextBridge.exposeInMainWorld(TECH_PAGE ? 'kioskTech' : 'kiosk', handle.bridge);
  } catch (err) {
    console.error('kiosk: could not expose the bridge', err instanceof Error ? err.message : String(err));
  }
  return handle;
}

installPreload(electron);
