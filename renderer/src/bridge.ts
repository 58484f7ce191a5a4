import type { InvokeName, KioskBridge, Params, PushName, PushPayload, Reply, Result } from '../../main/contract/index.js';

declare global {
  interface Window {
    /** Present in Electron (exposed by the preload); absent in web mode. */
    kiosk?: KioskBridge;
  }
}

/** Reads the per-start token once from the URL, keeps it for this tab, and removes it from the address bar. */
export function takeToken(): string | null {
  const url = new URL(window.location.href);
  const fromUrl = url.searchParams.get('t');
  if (fromUrl) {
    sessionStorage.setItem('kiosk.token', fromUrl);
    url.searchParams.delete('t');
    window.history.replaceState(null, '', url.pathname + url.search + url.hash);
    return fromUrl;
  }
  return sessionStorage.getItem('kiosk.token');
}

/** ws(s)://<host><path>?t=<token> for this page. */
export function channelUrl(path: string): string {
  const token = takeToken() ?? '';
  const proto = window.location.protocol === 'https:' ? 'wss:' : 'ws:';
  return `${proto}//${window.location.host}${path}?t=${encodeURIComponent(token)}`;
}

/**
 * Web mode's bridge: the WebSocket channel (ws-channel.ts, with the contract's schemas) loaded on first use,
 * its own chunk, so the citizen page's JavaScript in Electron carries neither. Calls made before it has loaded
 * wait for it; listeners registered before are attached before the socket can deliver anything (the module's
 * promise settles in a microtask, a message is a task). If the chunk cannot load, requests get an 'internal'
 * reply, as a request without a reply does.
 */
class LazyWebBridge implements KioskBridge {
  readonly #ready: Promise<KioskBridge | Error>;
  #bridge: KioskBridge | null = null;

  constructor(url: string) {
    this.#ready = import('./ws-channel.js').then(
      (m) => (this.#bridge = new m.WebSocketBridge(url)),
      (e: unknown) => (e instanceof Error ? e : new Error(String(e))),
    );
  }

  invoke<N extends InvokeName>(name: N, params: Params<N>): Promise<Reply<Result<N>>> {
    if (this.#bridge) return this.#bridge.invoke(name, params);
    return this.#ready.then((b) =>
      b instanceof Error ? { ok: false, error: { code: 'internal', message: `the page's channel to the kiosk core did not load: ${b.message}` } } : b.invoke(name, params),
    );
  }

  on<P extends PushName>(name: P, listener: (payload: PushPayload<P>) => void): () => void {
    if (this.#bridge) return this.#bridge.on(name, listener);
    let off: (() => void) | null = null;
    let removed = false;
    void this.#ready.then((b) => {
      if (!removed && !(b instanceof Error)) off = b.on(name, listener);
    });
    return () => {
      removed = true;
      off?.();
    };
  }
}

let bridge: KioskBridge | null = null;

export function getBridge(): KioskBridge {
  if (bridge) return bridge;
  if (window.kiosk) {
    bridge = window.kiosk;
    return bridge;
  }
  bridge = new LazyWebBridge(channelUrl('/ws'));
  return bridge;
}
