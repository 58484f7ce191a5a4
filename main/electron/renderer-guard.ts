/**
 * What to do when the renderer dies or hangs. Pure policy with an injected clock and timers (no `electron`).
 *
 * - render-process-gone: reload at once, at most `maxReloads` within `windowMs`; beyond that show the
 *   out-of-service page and try again slowly (every `slowRetryMs`) — a kiosk never gives up for good on its UI.
 * - unresponsive: wait `graceMs`; if it has not become responsive again by then, reload (counted like a crash).
 *
 * The renderer holds no state (the core owns it), so a reload loses nothing.
 */
export interface RendererGuardActions {
  reload(): void;
  showOutOfService(): void;
  log?(level: 'info' | 'warn' | 'error', message: string): void;
}

export interface RendererGuardOptions {
  maxReloads?: number;
  windowMs?: number;
  graceMs?: number;
  slowRetryMs?: number;
  now?: () => number;
  setTimer?: (fn: () => void, ms: number) => unknown;
  clearTimer?: (handle: unknown) => void;
}

export type RendererGuardState = 'ok' | 'hung' | 'out-of-service';

export class RendererGuard {
  private readonly o: Required<RendererGuardOptions>;
  private reloads: number[] = [];
  private hangTimer: unknown = null;
  private slowTimer: unknown = null;
  private stateValue: RendererGuardState = 'ok';

  constructor(
    private readonly actions: RendererGuardActions,
    options: RendererGuardOptions = {},
  ) {
    this.o = {
      maxReloads: 5,
      windowMs: 10 * 60_000,
      graceMs: 10_000,
      slowRetryMs: 60_000,
      now: Date.now,
      setTimer: (fn, ms) => setTimeout(fn, ms),
      clearTimer: (h) => clearTimeout(h as ReturnType<typeof setTimeout>),
      ...options,
    };
  }

  get state(): RendererGuardState {
    return this.stateValue;
  }

  /** webContents 'render-process-gone' (reason is logged, never details of the page). */
  processGone(reason: string): void {
    this.cancelHang();
    this.actions.log?.('error', `renderer gone (${reason})`);
    this.recoverOrGiveUp();
  }

  /** webContents 'unresponsive'. */
  unresponsive(): void {
    if (this.hangTimer !== null || this.stateValue === 'out-of-service') return;
    this.stateValue = 'hung';
    this.actions.log?.('warn', `renderer unresponsive; reloading in ${this.o.graceMs} ms unless it recovers`);
    this.hangTimer = this.o.setTimer(() => {
      this.hangTimer = null;
      this.actions.log?.('error', 'renderer still unresponsive; reloading');
      this.recoverOrGiveUp();
    }, this.o.graceMs);
  }

  /** webContents 'responsive'. */
  responsive(): void {
    if (this.hangTimer === null) return;
    this.cancelHang();
    this.stateValue = 'ok';
    this.actions.log?.('info', 'renderer responsive again');
  }

  /** Stop all timers (window closed, app quitting). */
  dispose(): void {
    this.cancelHang();
    if (this.slowTimer !== null) this.o.clearTimer(this.slowTimer);
    this.slowTimer = null;
  }

  private cancelHang(): void {
    if (this.hangTimer !== null) this.o.clearTimer(this.hangTimer);
    this.hangTimer = null;
  }

  private recoverOrGiveUp(): void {
    const now = this.o.now();
    this.reloads = this.reloads.filter((t) => now - t < this.o.windowMs);
    if (this.reloads.length >= this.o.maxReloads) {
      if (this.stateValue !== 'out-of-service') {
        this.stateValue = 'out-of-service';
        this.actions.log?.('error', `renderer failed ${this.reloads.length} times; out of service, retrying slowly`);
        this.actions.showOutOfService();
      }
      this.scheduleSlowRetry();
      return;
    }
    this.reloads.push(now);
    this.stateValue = 'ok';
    this.actions.reload();
  }

  private scheduleSlowRetry(): void {
    if (this.slowTimer !== null) return;
    this.slowTimer = this.o.setTimer(() => {
      this.slowTimer = null;
      const now = this.o.now();
      this.reloads = this.reloads.filter((t) => now - t < this.o.windowMs);
      this.reloads.push(now);
      this.stateValue = 'ok';
      this.actions.log?.('info', 'slow retry: reloading the renderer');
      this.actions.reload();
    }, this.o.slowRetryMs);
  }
}
