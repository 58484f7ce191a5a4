/**
 * Maintenance hand-over (after XFS4IoT VendorMode: ask the application to hand the terminal over, then give it
 * back). The terminal is out of service while any hold exists: a technician's (kioskctl service out, the
 * technician screen) or a fault the core found (storage unavailable…).
 *
 * A technician's hold never cuts a citizen off without warning:
 * - 'after-session' (default): the citizen in the middle of a matter finishes it; the screen says the terminal
 *   closes afterwards, new cards are not identified, and the terminal goes out of service as soon as the
 *   session is over (finished, or wiped for inactivity);
 * - 'now': the citizen is told on screen, a countdown runs (profile technician.closingNoticeSeconds), then the
 *   session is ended safely (wiped like an inactivity timeout) and the terminal goes out of service.
 * A fault hold takes the terminal out at once. The technician hold is kept in the offline cache, so a restart
 * during maintenance does not put a half-repaired terminal back in front of citizens.
 */
import type { Logger } from 'pino';
import { Emitter } from '../../drivers/device.js';
import type { ClosingMode, ServiceHold, ServiceStatus, SessionView, TechActor, TechServiceState, TechnicianEntry } from '../contract/index.js';
import type { TechJournal } from './tech-journal.js';

export interface SessionControl {
  view(): SessionView;
  onView(listener: (v: SessionView) => void): () => void;
  outOfService(reason: string): void;
  backInService(): void;
}

/** setTimeout-like timers with a clock; tests pass a simulated one. */
export interface Timers {
  now(): number;
  setTimeout(fn: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
}

export const realTimers: Timers = {
  now: () => Date.now(),
  setTimeout: (fn, ms) => {
    const t = setTimeout(fn, ms);
    t.unref?.();
    return t;
  },
  clearTimeout: (h) => clearTimeout(h as ReturnType<typeof setTimeout>),
};

/** Where the technician's hold survives a restart. */
export interface HoldStore {
  /** undefined: the store is not available (yet); null: nothing kept. */
  load(): ServiceHold | null | undefined;
  save(hold: ServiceHold | null): void;
}

export interface MaintenanceOptions {
  session: SessionControl;
  timers?: Timers;
  noticeSeconds: number;
  entry: TechnicianEntry;
  store?: HoldStore;
  journal: TechJournal;
  log: Logger;
}

type Source = ServiceHold['source'];
const PRIORITY: Source[] = ['storage', 'system', 'technician'];

interface Closing {
  mode: ClosingMode;
  since: number;
  deadline: number | null;
  timer: unknown;
}

/** A citizen is at the terminal on every screen but these two. */
function citizenPresent(v: SessionView): boolean {
  return v.screen !== 'attract' && v.screen !== 'out-of-service';
}

export class Maintenance {
  readonly #o: MaintenanceOptions & { timers: Timers };
  readonly #holds = new Map<Source, ServiceHold>();
  readonly #changes = new Emitter<void>();
  readonly #off: () => void;
  #closing: Closing | null = null;
  #stopped = false;
  /** Who last gave the terminal back (journalled with the hand-over). */
  #lastBy: TechActor | null = null;

  constructor(opts: MaintenanceOptions) {
    this.#o = { timers: realTimers, ...opts };
    this.#off = opts.session.onView((v) => this.#onView(v));
    this.restoreKept();
  }

  /**
   * A technician's hold from before a restart: out of service again at once. The core calls this again once
   * storage opens (the hold lives in the offline cache, which may open after the core started).
   */
  restoreKept(): void {
    if (this.#holds.has('technician')) return;
    let kept: ServiceHold | null = null;
    try {
      kept = this.#o.store?.load() ?? null;
    } catch (e) {
      this.#o.log.warn({ err: e }, 'could not read the kept maintenance hold');
    }
    if (kept?.source !== 'technician') return;
    this.#holds.set('technician', kept);
    this.#o.log.warn({ reason: kept.reason, since: new Date(kept.since).toISOString() }, 'still out of service for maintenance (kept across the restart)');
    this.#apply('now');
  }

  /** Fires on every change of state, hold or countdown. */
  onChange(listener: () => void): () => void {
    return this.#changes.on(listener);
  }

  get inService(): boolean {
    return this.#holds.size === 0;
  }

  /** A technician takes the terminal out of service (replacing an earlier technician hold). */
  out(reason: string, mode: ClosingMode, by: TechActor): TechServiceState {
    const hold: ServiceHold = { source: 'technician', reason, since: this.#o.timers.now(), by };
    this.#holds.set('technician', hold);
    this.#save();
    this.#apply(mode);
    return this.techState();
  }

  /** Removes the technician's hold (the caller ran the health checks). Fault holds stay. */
  in(by?: TechActor): TechServiceState {
    if (by) this.#lastBy = by;
    this.#holds.delete('technician');
    this.#save();
    this.#apply('now');
    return this.techState();
  }

  /** A fault the core found: out of service at once, until `release(source)`. */
  hold(source: Exclude<Source, 'technician'>, reason: string): void {
    this.#holds.set(source, { source, reason, since: this.#o.timers.now() });
    this.#apply('now');
  }

  release(source: Exclude<Source, 'technician'>): void {
    if (!this.#holds.delete(source)) return;
    this.#apply('now');
  }

  holds(): ServiceHold[] {
    return PRIORITY.map((s) => this.#holds.get(s)).filter((h): h is ServiceHold => h !== undefined);
  }

  /** The reason citizens read: the most serious hold's. */
  #reason(): string | null {
    return this.holds()[0]?.reason ?? null;
  }

  status(): ServiceStatus {
    const c = this.#closing;
    const left = c?.deadline != null ? Math.max(0, Math.ceil((c.deadline - this.#o.timers.now()) / 1000)) : null;
    return {
      state: this.#holds.size === 0 ? 'in-service' : c ? 'closing' : 'out-of-service',
      reason: this.#reason(),
      closing: c ? { mode: c.mode, secondsLeft: left } : null,
      technicianEntry: this.#o.entry,
    };
  }

  techState(): TechServiceState {
    const c = this.#closing;
    return {
      state: this.status().state,
      holds: this.holds(),
      closing: c ? { mode: c.mode, since: c.since, deadline: c.deadline } : null,
      screen: this.#o.session.view().screen,
    };
  }

  /** Whether new cards are to be dropped (closing: nobody new is identified). */
  get closing(): boolean {
    return this.#closing !== null;
  }

  stop(): void {
    this.#stopped = true;
    this.#cancelClosing();
    this.#off();
    this.#changes.clear();
  }

  #save(): void {
    try {
      this.#o.store?.save(this.#holds.get('technician') ?? null);
    } catch (e) {
      this.#o.log.warn({ err: e }, 'could not persist the maintenance hold');
    }
  }

  #apply(mode: ClosingMode): void {
    if (this.#stopped) return;
    const { session } = this.#o;
    const view = session.view();
    const reason = this.#reason();
    if (reason === null) {
      this.#cancelClosing();
      if (view.screen === 'out-of-service') {
        session.backInService();
        this.#journal('service.in-service', this.#lastBy ?? { kind: 'system' }, {}, 'in-service');
      }
      this.#changes.emit();
      return;
    }
    const onlyTechnician = !this.#holds.has('storage') && !this.#holds.has('system');
    if (!citizenPresent(view) || !onlyTechnician) {
      this.#goOut(reason);
      return;
    }
    // A citizen is here: let them finish, or tell them and end the session after the notice.
    const c = this.#closing;
    if (c && (c.mode === 'now' || mode === 'after-session')) {
      this.#changes.emit();
      return;
    }
    this.#cancelClosing();
    const now = this.#o.timers.now();
    const closing: Closing = { mode, since: now, deadline: null, timer: null };
    if (mode === 'now') {
      closing.deadline = now + this.#o.noticeSeconds * 1000;
      this.#tick(closing);
    }
    this.#closing = closing;
    this.#o.log.info({ mode, noticeSeconds: mode === 'now' ? this.#o.noticeSeconds : null }, 'closing for maintenance: the citizen is told');
    this.#journal('service.closing', this.#holds.get('technician')?.by ?? { kind: 'system' }, { mode }, 'closing');
    this.#changes.emit();
  }

  /** One timer per second of the notice, so the countdown on screen moves (and the simulated clock drives it). */
  #tick(c: Closing): void {
    const deadline = c.deadline ?? this.#o.timers.now();
    const left = deadline - this.#o.timers.now();
    c.timer = this.#o.timers.setTimeout(
      () => {
        if (this.#closing !== c) return;
        if (this.#o.timers.now() >= deadline) {
          const reason = this.#reason();
          if (reason !== null) this.#goOut(reason, 'notice over: the session was ended');
          return;
        }
        this.#tick(c);
        this.#changes.emit();
      },
      left <= 0 ? 0 : left % 1000 || 1000,
    );
  }

  #cancelClosing(): void {
    if (this.#closing?.timer != null) this.#o.timers.clearTimeout(this.#closing.timer);
    this.#closing = null;
  }

  #goOut(reason: string, how = 'no citizen at the terminal'): void {
    const waited = this.#closing !== null;
    this.#cancelClosing();
    if (this.#o.session.view().screen !== 'out-of-service') {
      this.#o.session.outOfService(reason);
      const hold = this.holds()[0];
      this.#journal('service.out-of-service', hold?.by ?? { kind: 'system' }, { reason, source: hold?.source ?? null, how: waited ? how : 'at once' }, 'out-of-service');
    }
    this.#changes.emit();
  }

  #onView(v: SessionView): void {
    if (this.#stopped) return;
    if (this.#closing && !citizenPresent(v) && v.screen !== 'out-of-service') {
      const reason = this.#reason();
      if (reason !== null) this.#goOut(reason, 'the citizen finished');
      return;
    }
    this.#changes.emit();
  }

  #journal(action: string, actor: TechActor, detail: Record<string, string | number | boolean | null>, what: 'out-of-service' | 'in-service' | 'closing'): void {
    this.#o.journal.append({ at: this.#o.timers.now(), actor, action, outcome: 'ok', detail, handOver: { what } });
  }
}
