/**
 * Keeps the kiosk core running in an Electron utility process and connects the renderer to it.
 *
 *   stopped ──start()──▶ starting ──'ready'──▶ running
 *                          │  ▲                  │
 *                  exit    │  │ backoff elapsed  │ exit (crash)
 *                          ▼  │                  ▼
 *                       restarting ◀─────────────┘
 *                          │ more than maxRestarts within windowMs, or 'fatal' / exit CORE_EXIT.config (78)
 *                          ▼
 *                    out-of-service (stays down; the shell shows the out-of-service page)
 *
 * Every time the core is (re)spawned, and every time the renderer (re)loads, a fresh MessageChannel is made:
 * port1 goes to the core with `{type:'connect'}`, port2 to the renderer. No `electron` import: the fork
 * function, channel factory and clock are injected (shell.ts passes utilityProcess.fork and MessageChannelMain).
 */
import { CORE_EXIT, CoreToShellMessage, type ShellToCoreMessage } from '../contract/host.js';

/** The shell ↔ core messages and exit codes live in the contract (main/contract/host.ts), shared with the core. */
export { CORE_EXIT, CoreToShellMessage, ShellToCoreMessage } from '../contract/host.js';

/** The parts of Electron's UtilityProcess the supervisor uses. */
export interface CoreChild<P> {
  on(event: 'spawn', listener: () => void): unknown;
  on(event: 'exit', listener: (code: number) => void): unknown;
  on(event: 'message', listener: (message: unknown) => void): unknown;
  postMessage(message: ShellToCoreMessage, transfer?: P[]): void;
  kill(): boolean;
}

export interface PortPair<P> {
  port1: P;
  port2: P;
}

export type CoreState =
  | { state: 'stopped' }
  | { state: 'starting'; attempt: number }
  | { state: 'running'; pid?: number }
  | { state: 'restarting'; inMs: number; crashes: number }
  | { state: 'out-of-service'; reason: 'fatal-config' | 'crash-loop'; message: string };

export interface CoreSupervisorOptions<P> {
  /** Starts the core (utilityProcess.fork with the entry path, serviceName and env already bound). */
  fork: () => CoreChild<P>;
  /** A fresh channel (new MessageChannelMain()). */
  createChannel: () => PortPair<P>;
  /** Closes a port nobody will use (the renderer went away before it got it). */
  closePort?: (port: P) => void;
  /** Restarts allowed within windowMs before giving up. */
  maxRestarts?: number;
  windowMs?: number;
  /** Backoff before restart n (1-based): min(maxBackoffMs, baseBackoffMs * 2^(n-1)). */
  baseBackoffMs?: number;
  maxBackoffMs?: number;
  /** A spawned core that never says 'ready' within this time is killed and counted as a crash. */
  readyTimeoutMs?: number;
  now?: () => number;
  setTimer?: (fn: () => void, ms: number) => unknown;
  clearTimer?: (handle: unknown) => void;
  /** Diagnostics (never citizen data: the core's fatal message is about configuration). */
  log?: (level: 'info' | 'warn' | 'error', message: string) => void;
}

export type RendererSink<P> = (port: P) => void;

export class CoreSupervisor<P> {
  private readonly o: Required<Omit<CoreSupervisorOptions<P>, 'closePort' | 'log'>> &
    Pick<CoreSupervisorOptions<P>, 'closePort' | 'log'>;
  private child: CoreChild<P> | null = null;
  private spawned = false;
  private fatalMessage: string | null = null;
  private crashTimes: number[] = [];
  private attempt = 0;
  private timer: unknown = null;
  private readyTimer: unknown = null;
  private renderer: RendererSink<P> | null = null;
  private audience: 'citizen' | 'technician' = 'citizen';
  private current: CoreState = { state: 'stopped' };
  private readonly listeners = new Set<(s: CoreState) => void>();
  private stopping = false;

  constructor(options: CoreSupervisorOptions<P>) {
    this.o = {
      maxRestarts: 5,
      windowMs: 5 * 60_000,
      baseBackoffMs: 500,
      maxBackoffMs: 30_000,
      readyTimeoutMs: 60_000,
      now: Date.now,
      setTimer: (fn, ms) => setTimeout(fn, ms),
      clearTimer: (h) => clearTimeout(h as ReturnType<typeof setTimeout>),
      ...options,
    };
  }

  get status(): CoreState {
    return this.current;
  }

  /** Subscribe to state changes; returns an unsubscribe function. */
  onStatus(listener: (s: CoreState) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  start(): void {
    if (this.current.state !== 'stopped') return;
    this.stopping = false;
    this.crashTimes = [];
    this.spawn();
  }

  /** Stops the core for good (app quit). No restart follows. */
  stop(): void {
    this.stopping = true;
    this.clearTimers();
    const child = this.child;
    this.child = null;
    this.spawned = false;
    if (child) child.kill();
    this.setState({ state: 'stopped' });
  }

  /**
   * The renderer is loaded (sink) or gone (null). When set and the core is spawned, the renderer gets a fresh
   * port at once; otherwise it gets one as soon as the core spawns.
   */
  setRenderer(sink: RendererSink<P> | null, audience: 'citizen' | 'technician' = 'citizen'): void {
    this.renderer = sink;
    this.audience = audience;
    if (sink) this.connect();
  }

  private setState(s: CoreState): void {
    this.current = s;
    for (const l of [...this.listeners]) {
      try {
        l(s);
      } catch (err) {
        this.o.log?.('error', `core status listener threw: ${String(err)}`);
      }
    }
  }

  private clearTimers(): void {
    if (this.timer !== null) this.o.clearTimer(this.timer);
    if (this.readyTimer !== null) this.o.clearTimer(this.readyTimer);
    this.timer = null;
    this.readyTimer = null;
  }

  private spawn(): void {
    this.attempt += 1;
    this.fatalMessage = null;
    this.spawned = false;
    this.setState({ state: 'starting', attempt: this.attempt });
    let child: CoreChild<P>;
    try {
      child = this.o.fork();
    } catch (err) {
      this.o.log?.('error', `core fork failed: ${err instanceof Error ? err.message : String(err)}`);
      this.child = null;
      this.onExit(null, -1);
      return;
    }
    this.child = child;
    child.on('spawn', () => {
      if (this.child !== child) return;
      this.spawned = true;
      this.connect();
      this.readyTimer = this.o.setTimer(() => {
        this.readyTimer = null;
        if (this.child === child && this.current.state === 'starting') {
          this.o.log?.('error', 'core did not report ready in time; killing it');
          child.kill();
        }
      }, this.o.readyTimeoutMs);
    });
    child.on('message', (message) => this.onMessage(child, message));
    child.on('exit', (code) => this.onExit(child, code));
  }

  private onMessage(child: CoreChild<P>, message: unknown): void {
    if (this.child !== child) return;
    const parsed = CoreToShellMessage.safeParse(message);
    if (!parsed.success) {
      this.o.log?.('warn', 'ignored an unknown message from the core');
      return;
    }
    if (parsed.data.type === 'ready') {
      if (this.readyTimer !== null) this.o.clearTimer(this.readyTimer);
      this.readyTimer = null;
      this.setState({ state: 'running' });
    } else {
      this.fatalMessage = parsed.data.message;
      this.o.log?.('error', `core reported a fatal configuration error: ${parsed.data.message}`);
    }
  }

  private onExit(child: CoreChild<P> | null, code: number): void {
    if (child !== null && this.child !== child) return; // an old child, already replaced
    this.child = null;
    this.spawned = false;
    this.clearTimers();
    if (this.stopping) return;
    if (this.fatalMessage !== null || code === CORE_EXIT.config) {
      const message = this.fatalMessage ?? `core exited with code ${code} (configuration)`;
      this.setState({ state: 'out-of-service', reason: 'fatal-config', message });
      return;
    }
    const now = this.o.now();
    this.crashTimes = this.crashTimes.filter((t) => now - t < this.o.windowMs);
    this.crashTimes.push(now);
    const crashes = this.crashTimes.length;
    this.o.log?.('warn', `core exited (code ${code}); ${crashes} crash(es) in the window`);
    if (crashes > this.o.maxRestarts) {
      this.setState({
        state: 'out-of-service',
        reason: 'crash-loop',
        message: `core crashed ${crashes} times within ${Math.round(this.o.windowMs / 1000)} s`,
      });
      return;
    }
    const inMs = Math.min(this.o.maxBackoffMs, this.o.baseBackoffMs * 2 ** (crashes - 1));
    this.setState({ state: 'restarting', inMs, crashes });
    this.timer = this.o.setTimer(() => {
      this.timer = null;
      if (!this.stopping && this.current.state === 'restarting') this.spawn();
    }, inMs);
  }

  /** A fresh channel between the current core and the current renderer, if both exist. */
  private connect(): void {
    const child = this.child;
    const sink = this.renderer;
    if (!child || !this.spawned || !sink) return;
    const { port1, port2 } = this.o.createChannel();
    try {
      child.postMessage(this.audience === 'technician' ? { type: 'connect', audience: 'technician' } : { type: 'connect' }, [port1]);
    } catch (err) {
      this.o.log?.('error', `could not hand a port to the core: ${String(err)}`);
      this.o.closePort?.(port1);
      this.o.closePort?.(port2);
      return;
    }
    try {
      sink(port2);
    } catch (err) {
      this.o.log?.('error', `could not hand a port to the renderer: ${String(err)}`);
      this.o.closePort?.(port2);
    }
  }
}
