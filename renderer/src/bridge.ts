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

/** Push schemas a channel accepts (the citizen table, or the technician table). */
type PushTable = Record<string, { safeParse(v: unknown): { success: true; data: unknown } | { success: false } }>;

/**
 * The contract's messages over a WebSocket, reconnecting with backoff. Pushes are validated against the
 * channel's own table and dropped otherwise; the citizen and the technician screen each have one.
 */
export class WebSocketChannel {
  #ws: WebSocket | null = null;
  #nextId = 1;
  #pending = new Map<number, Pending>();
  #listeners = new Map<string, Set<(payload: unknown) => void>>();
  #queue: string[] = [];
  #attempt = 0;
  #statusListeners = new Set<(connected: boolean) => void>();

  constructor(
    private readonly url: string,
    private readonly pushTable: PushTable,
  ) {
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
    if (!Object.prototype.hasOwnProperty.call(this.pushTable, name)) return;
    const parsed = this.pushTable[name]?.safeParse(msg.data.payload);
    if (!parsed?.success) return;
    for (const l of this.#listeners.get(name) ?? []) l(parsed.data);
  }

  request(name: string, params: unknown, timeoutMs = REQUEST_TIMEOUT_MS): Promise<Reply<unknown>> {
    const id = this.#nextId++;
    const text = JSON.stringify({ type: 'request', id, method: name, params });
    return new Promise((resolve) => {
      const timer = window.setTimeout(() => {
        this.#pending.delete(id);
        resolve({ ok: false, error: { code: 'internal', message: 'no reply from the kiosk core' } });
      }, timeoutMs);
      this.#pending.set(id, { resolve, timer });
      if (this.#ws?.readyState === WebSocket.OPEN) this.#ws.send(text);
      else this.#queue.push(text);
    });
  }

  on(name: string, listener: (payload: unknown) => void): () => void {
    let set = this.#listeners.get(name);
    if (!set) this.#listeners.set(name, (set = new Set()));
    set.add(listener);
    return () => set.delete(listener);
  }
}

/** The web-mode citizen bridge: the citizen contract over the '/ws' channel. */
export class WebSocketBridge implements KioskBridge {
  readonly #ch: WebSocketChannel;
  constructor(url: string) {
    this.#ch = new WebSocketChannel(url, push);
  }
  onConnection(listener: (connected: boolean) => void): () => void {
    return this.#ch.onConnection(listener);
  }
  invoke<N extends InvokeName>(name: N, params: Params<N>): Promise<Reply<Result<N>>> {
    return this.#ch.request(name, params) as Promise<Reply<Result<N>>>;
  }
  on<P extends PushName>(name: P, listener: (payload: PushPayload<P>) => void): () => void {
    return this.#ch.on(name, listener as (payload: unknown) => void);
  }
}

/** ws(s)://<host><path>?t=<token> for this page. */
export function channelUrl(path: string): string {
  const token = takeToken() ?? '';
  const proto = window.location.protocol === 'https:' ? 'wss:' : 'ws:';
  return `${proto}//${window.location.host}${path}?t=${encodeURIComponent(token)}`;
}

let bridge: KioskBridge | null = null;

export function getBridge(): KioskBridge {
  if (bridge) return bridge;
  if (window.kiosk) {
    bridge = window.kiosk;
    return bridge;
  }
  bridge = new WebSocketBridge(channelUrl('/ws'));
  return bridge;
}
