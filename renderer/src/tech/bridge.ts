import {
  techInvoke,
  techPush,
  type Reply,
  type TechInvokeName,
  type TechParams,
  type TechPushName,
  type TechPushPayload,
  type TechResult,
} from '../../../main/contract/index.js';
import { WebSocketChannel, channelUrl } from '../bridge.js';

/** The technician screen's channel to the core: tech.* only (PIN login first). */
export interface TechBridge {
  invoke<N extends TechInvokeName>(name: N, params: TechParams<N>, timeoutMs?: number): Promise<Reply<TechResult<N>>>;
  on<P extends TechPushName>(name: P, listener: (payload: TechPushPayload<P>) => void): () => void;
}

/** What the Electron preload exposes on the technician page (window.kioskTech). */
interface RawTechBridge {
  invoke(name: string, params: unknown): Promise<Reply<unknown>>;
  on(name: string, listener: (payload: unknown) => void): () => void;
}

declare global {
  interface Window {
    /** Electron only, on the technician page (the preload exposes it there and nowhere else). */
    kioskTech?: RawTechBridge;
  }
}

/** Results are checked against the contract here too: a view never renders what it cannot trust. */
function checked<N extends TechInvokeName>(name: N, r: Reply<unknown>): Reply<TechResult<N>> {
  if (!r.ok) return r;
  const parsed = techInvoke[name].result.safeParse(r.value);
  return parsed.success ? { ok: true, value: parsed.data as TechResult<N> } : { ok: false, error: { code: 'internal', message: `${name}: unexpected reply from the core` } };
}

let bridge: TechBridge | null = null;

export function getTechBridge(): TechBridge {
  if (bridge) return bridge;
  const raw = window.kioskTech;
  if (raw) {
    bridge = {
      invoke: async (name, params) => checked(name, await raw.invoke(name, params)),
      on: (name, listener) =>
        raw.on(name, (payload) => {
          const p = techPush[name].safeParse(payload);
          if (p.success) listener(p.data as TechPushPayload<typeof name>);
        }),
    };
    return bridge;
  }
  const ch = new WebSocketChannel(channelUrl('/ws/tech'), techPush);
  bridge = {
    invoke: async (name, params, timeoutMs) => checked(name, await ch.request(name, params, timeoutMs)),
    on: (name, listener) => ch.on(name, listener as (payload: unknown) => void),
  };
  return bridge;
}
