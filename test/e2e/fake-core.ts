/**
 * A stand-in for the kiosk core at the renderer's WebSocket (Playwright's routeWebSocket): it answers
 * every request, records what the screen asked for, and pushes the views a test gives it. Used by the
 * screen tests (screens.spec.ts) to render every step kind from the contract's example views, with no
 * core behind them; the journeys (matters.spec.ts) run against the real core.
 */
import type { Page, WebSocketRoute } from '@playwright/test';
import { RequestEnvelope, SessionView, type CitizenView } from '../../main/contract/index.js';

export interface Sent {
  method: string;
  params: unknown;
}

export const CITIZEN: CitizenView = { name: '张晓宁', maskedId: '640104********0012', cardType: 'resident', notices: [] };

export function baseView(patch: Partial<SessionView> = {}): SessionView {
  return SessionView.parse({
    seq: 1,
    screen: 'welcome',
    locale: 'zh-CN',
    display: { largeText: false, highContrast: false },
    voice: { on: true, volume: 60 },
    citizen: CITIZEN,
    idleWarning: null,
    cardOnReader: true,
    terminal: { id: 'NX-DEV-0001', siteName: '银川市民大厅（样例）', siteType: 'service-hall' },
    outOfServiceReason: null,
    matters: null,
    matter: null,
    outcome: null,
    ...patch,
  });
}

export class FakeCore {
  readonly sent: Sent[] = [];
  #ws: WebSocketRoute | null = null;
  #view: SessionView;
  #seq = 1;
  #waiters: (() => void)[] = [];

  private constructor(view: SessionView) {
    this.#view = view;
  }

  /** Routes the page's /ws to a fake core showing `view`. Call before page.goto. */
  static async attach(page: Page, view: SessionView): Promise<FakeCore> {
    const core = new FakeCore(view);
    await page.routeWebSocket(/\/ws(\?|$)/, (ws) => {
      core.#ws = ws;
      ws.onMessage((text) => core.#receive(String(text)));
    });
    return core;
  }

  /** Shows a new view (as the core pushes one). */
  show(patch: Partial<SessionView>): void {
    this.#view = SessionView.parse({ ...this.#view, ...patch, seq: ++this.#seq });
    this.#ws?.send(JSON.stringify({ type: 'event', name: 'session.view', payload: this.#view }));
  }

  /** Pushes another event as the core would (e.g. 'system.status'). */
  push(name: string, payload: unknown): void {
    this.#ws?.send(JSON.stringify({ type: 'event', name, payload }));
  }

  /** Requests of one method, in order. */
  calls(method: string): unknown[] {
    return this.sent.filter((s) => s.method === method).map((s) => s.params);
  }

  /** Resolves once a request of `method` has arrived. */
  async waitFor(method: string, timeoutMs = 5000): Promise<unknown[]> {
    const end = Date.now() + timeoutMs;
    while (this.calls(method).length === 0) {
      if (Date.now() > end) throw new Error(`no ${method} request within ${timeoutMs} ms (got: ${this.sent.map((s) => s.method).join(', ')})`);
      await new Promise<void>((r) => {
        this.#waiters.push(r);
        setTimeout(r, 100);
      });
    }
    return this.calls(method);
  }

  #receive(text: string): void {
    const req = RequestEnvelope.safeParse(JSON.parse(text));
    if (!req.success) return;
    const { id, method, params } = req.data;
    this.sent.push({ method, params });
    const value = method === 'session.get' ? this.#view : method === 'devices.list' ? [] : null;
    this.#ws?.send(JSON.stringify({ type: 'reply', id, reply: { ok: true, value } }));
    for (const w of this.#waiters.splice(0)) w();
  }
}
