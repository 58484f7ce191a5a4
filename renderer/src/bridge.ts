import {
  ServerMessage,
  push,
  type InvokeName,
  type KioskBridge,
  type Params,
  type PushName,
  type PushPayload,
  type Reply,
  type Result,
} from '../../main/contract/index.js';

declare global {
  interface Window {
    /** Present in Electron (exposed by the preload); absent in web mode. */
    kiosk?: KioskBridge;
  }
}

const REQUEST_TIMEOUT_MS = 15_000;

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

type Pending = { resolve: (r: Reply<unknown>) => void; timer: number };

/** The web-mode bridge: the contract's messages over a WebSocket, reconnecting with backoff. */
export class WebSocketBridge implements KioskBridge {
  #ws: WebSocket | null = null;
  #nextId = 1;
  #pending = new Map<number, Pending>();
  #listeners = new Map<string, Set<(payload: unknown) => void>>();
  #queue: string[] = [];
  #attempt = 0;
  #statusListeners = new Set<(connected: boolean) => void>();

  constructor(private readonly url: string) {
    this.#open();
  }

  onConnection(listener: (connected: boolean) => void): () => void {
    this.#statusListeners.add(listener);
    return () => this.#statusListeners.delete(listener);
  }

  #open(): void {
    const ws = new WebSocket(this.url);
    this.#ws = ws;
    ws.onopen = () => {
      this.#attempt = 0;
      for (const l of this.#statusListeners) l(true);
      for (const m of this.#queue.splice(0)) ws.send(m);
    };
    ws.onmessage = (ev) => this.#receive(typeof ev.data === 'string' ? ev.data : '');
    ws.onclose = () => {
      for (const l of this.#statusListeners) l(false);
      const delay = Math.min(5000, 250 * 2 ** this.#attempt++) * (0.5 + Math.random() / 2);
      window.setTimeout(() => this.#open(), delay);
    };
  }

  #receive(text: string): void {
    let data: unknown;
    try {
      data = JSON.parse(text);
    } catch {
      return;
    }
    const msg = ServerMessage.safeParse(data);
    if (!msg.success) return;
    if (msg.data.type === 'reply') {
      const id = msg.data.id;
      const p = id === null ? undefined : this.#pending.get(id);
      if (p && id !== null) {
        this.#pending.delete(id);
        window.clearTimeout(p.timer);
        p.resolve(msg.data.reply as Reply<unknown>);
      }
      return;
    }
    const name = msg.data.name;
    if (!(name in push)) return;
    const parsed = push[name as PushName].safeParse(msg.data.payload);
    if (!parsed.success) return;
    for (const l of this.#listeners.get(name) ?? []) l(parsed.data);
  }

  invoke<N extends InvokeName>(name: N, params: Params<N>): Promise<Reply<Result<N>>> {
    const id = this.#nextId++;
    const text = JSON.stringify({ type: 'request', id, method: name, params });
    return new Promise((resolve) => {
      const timer = window.setTimeout(() => {
        this.#pending.delete(id);
        resolve({ ok: false, error: { code: 'internal', message: 'no reply from the kiosk core' } });
      }, REQUEST_TIMEOUT_MS);
      this.#pending.set(id, { resolve: resolve as (r: Reply<unknown>) => void, timer });
      if (this.#ws?.readyState === WebSocket.OPEN) this.#ws.send(text);
      else this.#queue.push(text);
    });
  }

  on<P extends PushName>(name: P, listener: (payload: PushPayload<P>) => void): () => void {
    let set = this.#listeners.get(name);
    if (!set) this.#listeners.set(name, (set = new Set()));
    const l = listener as (payload: unknown) => void;
    set.add(l);
    return () => set.delete(l);
  }
}

let bridge: KioskBridge | null = null;

export function getBridge(): KioskBridge {
  if (bridge) return bridge;
  if (window.kiosk) {
    bridge = window.kiosk;
    return bridge;
  }
  const token = takeToken() ?? '';
  const proto = window.location.protocol === 'https:' ? 'wss:' : 'ws:';
  bridge = new WebSocketBridge(`${proto}//${window.location.host}/ws?t=${encodeURIComponent(token)}`);
  return bridge;
}
