/**
 * The technician side of the core: the `tech.*` namespace (main/contract/tech.ts) for two kinds of channel —
 * the control socket (kioskctl; the caller proved its uid) and the technician screen (a PIN slot logged in).
 * The citizen renderer's channel never reaches this (kiosk.ts refuses every tech.* method there).
 *
 * Every 'action' method is journalled with who ran it, its parameters (never a PIN, never citizen data) and its
 * outcome. Device tests that a citizen would notice (test print, test card read, interactive health checks)
 * are refused while a citizen is at the terminal: take it out of service first, or wait.
 */
import fs from 'node:fs';
import { join } from 'node:path';
import type { Logger } from 'pino';
import type { Device } from '../../drivers/device.js';
import { deadline } from '../../drivers/device.js';
import { testReceipt } from '../../drivers/receipt-printer/templates.js';
import type { ReceiptPrinter } from '../../drivers/receipt-printer/types.js';
import type { OfflineCache } from '../../offline-cache/index.js';
import {
  KioskError,
  type TechResult,
  nextActionOf,
  techInvoke,
  type CardTestRead,
  type HealthResult,
  type KioskErrorBody,
  type TechActor,
  type TechDevice,
  type TechInvokeName,
  type TechPushName,
  type TechPushPayload,
  type TechState,
  type ServerMessage,
} from '../contract/index.js';
import type { Catalog } from '../platform/schemas.js';
import type { PlatformClient } from '../platform/client.js';
import type { CardRouter } from './card-router.js';
import type { CounterKeeper } from './counters.js';
import type { Delivery } from './delivery.js';
import type { DeviceSupervisor } from './device-supervisor.js';
import type { Redactor } from './logging.js';
import type { Maintenance, SessionControl, Timers } from './maintenance.js';
import { PinGate, type LockStore } from './pin-gate.js';
import type { Reachability } from './platform-link.js';
import type { Profile } from './profile.js';
import { deadLetterSummaries, queueKeys, queueStatsOf, writeSealedExport } from './queue-admin.js';
import { dispatchTable, type Connection, type DispatchOutcome, type TableHandlers } from './rpc.js';
import { citizenViewOf } from './session-service.js';
import { checkPlatform } from './platform-check.js';
import { tailLines } from './log-tail.js';
import type { TechJournal } from './tech-journal.js';

/** The last frames of a device's protocol (see trace.ts); null when the device is not traced. */
export interface TraceSource {
  list(device: string, limit: number): TechResult<'tech.devices.trace'> | null;
}

export interface TechDeps {
  profile: Profile;
  dataDir: string;
  supervisor: DeviceSupervisor;
  router: CardRouter | null;
  printer: ReceiptPrinter | null;
  /** The offline queue's parts as they are now (the cache may open later, e.g. after a key restore). */
  queue(): { cache: OfflineCache | null; delivery: Delivery | null; client: PlatformClient | null; url: string | null };
  platformState(): Reachability;
  /** Why the platform cannot be used, in words; null when fine. */
  platformProblem(): string | null;
  catalog(): Catalog | null;
  /** The queue changed behind the delivery loop's back (retry): republish the depth, wake delivery. */
  queueChanged(): void;
  /** Fires when platform reachability or the queue depth changes. */
  onSystem(listener: () => void): () => void;
  session: SessionControl;
  maintenance: Maintenance;
  counters: CounterKeeper;
  trace: TraceSource | null;
  journal: TechJournal;
  redactor: Redactor;
  logFile: string;
  /** Group given to exported files (the technician group); null = the core's own. */
  techGid: number | null;
  timers: Timers;
  lockStore?: LockStore;
  log: Logger;
}

export type TechAudience = 'screen' | 'socket';

interface TechConn {
  conn: Connection;
  audience: TechAudience;
  actor: TechActor | null;
  /** Socket: proves the uid behind a challenge (control-socket.ts). */
  prove?: (proof: string) => Promise<{ uid: number; user: string }>;
  idleTimer: unknown;
}

interface Ctx {
  tc: TechConn;
}

const BEFORE_IDENTIFICATION: Record<TechAudience, ReadonlySet<string>> = {
  screen: new Set(['tech.login', 'tech.logout', 'tech.activity']),
  socket: new Set(['tech.hello']),
};
const NEVER_ON: Record<TechAudience, ReadonlySet<string>> = {
  screen: new Set(['tech.hello']),
  socket: new Set(['tech.login', 'tech.logout', 'tech.activity']),
};

function pushOf<P extends TechPushName>(name: P, payload: TechPushPayload<P>): ServerMessage {
  return { type: 'event', name, payload };
}

/** Parameters as a journal detail: primitives only, strings cut short. */
function detailOf(params: unknown): Record<string, string | number | boolean | null> {
  const out: Record<string, string | number | boolean | null> = {};
  if (typeof params !== 'object' || params === null) return out;
  for (const [k, v] of Object.entries(params as Record<string, unknown>)) {
    if (typeof v === 'string') out[k] = v.slice(0, 200);
    else if (typeof v === 'number' || typeof v === 'boolean' || v === null) out[k] = v;
  }
  return out;
}

export class TechService {
  readonly #d: TechDeps;
  readonly #gate: PinGate;
  readonly #conns = new Map<Connection, TechConn>();
  readonly #offs: (() => void)[] = [];
  readonly handlers: TableHandlers<typeof techInvoke, Ctx>;
  #pushTimer: unknown = null;
  #closed = false;

  constructor(deps: TechDeps) {
    this.#d = deps;
    const t = deps.profile.technician;
    this.#gate = new PinGate({ pins: t.pins, lockout: t.lockout, idleSeconds: t.idleSeconds, timers: deps.timers, ...(deps.lockStore ? { store: deps.lockStore } : {}) });
    this.handlers = this.#handlers();
    const changed = (): void => this.#schedulePush();
    this.#offs.push(deps.supervisor.onChange(changed), deps.maintenance.onChange(changed), deps.onSystem(changed));
    if (deps.router) this.#offs.push(deps.router.onHeld(changed));
  }

  /** Attaches a technician channel; returns the function that detaches it. */
  connect(conn: Connection, audience: TechAudience, opts: { prove?: TechConn['prove'] } = {}): () => void {
    const tc: TechConn = { conn, audience, actor: null, idleTimer: null, ...(opts.prove ? { prove: opts.prove } : {}) };
    this.#conns.set(conn, tc);
    if (audience === 'screen') this.#send(tc, pushOf('tech.session', { state: 'locked', slot: null, reason: null }));
    return () => this.#drop(tc);
  }

  has(conn: Connection): boolean {
    return this.#conns.has(conn);
  }

  async receive(conn: Connection, raw: unknown): Promise<void> {
    const tc = this.#conns.get(conn);
    if (!tc) return;
    const reply = await dispatchTable(raw, techInvoke, this.handlers, { tc }, this.#d.log, {
      guard: (method) => this.#guard(tc, method),
      done: (outcome) => this.#journalCall(tc, outcome),
    });
    if (tc.audience === 'screen' && tc.actor) this.#touch(tc);
    if (this.#conns.get(conn) === tc) this.#send(tc, reply);
  }

  /** The live picture both channels show. */
  state(): TechState {
    const { profile, dataDir } = this.#d;
    const { cache, url } = this.#d.queue();
    let queue: TechState['queue'] = null;
    try {
      queue = cache ? queueStatsOf(cache, dataDir, profile.storage.minFreeBytes) : null;
    } catch {
      queue = null;
    }
    return {
      terminal: { id: profile.terminalId, siteName: profile.siteName },
      service: this.#d.maintenance.techState(),
      devices: this.devices(),
      queue,
      platform: { state: this.#d.platformState(), url, problem: this.#d.platformProblem() },
      heldForTest: this.#d.router?.held ? [this.#d.router.id] : [],
    };
  }

  devices(): TechDevice[] {
    return this.#d.supervisor.list().map((d) => ({ ...d, nextAction: nextActionOf(d) }));
  }

  close(): void {
    this.#closed = true;
    for (const off of this.#offs.splice(0)) off();
    if (this.#pushTimer !== null) this.#d.timers.clearTimeout(this.#pushTimer);
    for (const tc of [...this.#conns.values()]) this.#drop(tc);
  }

  // ------------------------------------------------------------------ channels, identity, journal

  #guard(tc: TechConn, method: string): KioskErrorBody | null {
    if (NEVER_ON[tc.audience].has(method)) {
      return { code: 'not-allowed', message: `${method} is not available on the ${tc.audience === 'screen' ? 'technician screen' : 'control socket'}` };
    }
    if (tc.actor === null && !BEFORE_IDENTIFICATION[tc.audience].has(method)) {
      return tc.audience === 'screen'
        ? { code: 'not-allowed', message: 'log in with a technician PIN first' }
        : { code: 'not-allowed', message: 'say tech.hello with the challenge proof first' };
    }
    return null;
  }

  #journalCall(tc: TechConn, o: DispatchOutcome): void {
    const spec = techInvoke[o.method as TechInvokeName];
    if (!spec || spec.kind !== 'action' || o.method === 'tech.login' || !tc.actor) return;
    this.#d.journal.append({
      at: this.#d.timers.now(),
      actor: tc.actor,
      action: o.method,
      outcome: o.ok ? 'ok' : o.code === 'internal' ? 'failed' : 'refused',
      detail: { ...detailOf(o.params), ...(o.ok ? {} : { error: o.code ?? 'internal', message: (o.message ?? '').slice(0, 300) }) },
    });
  }

  #send(tc: TechConn, m: ServerMessage): void {
    try {
      tc.conn.send(m);
    } catch (err) {
      this.#d.log.warn({ err }, 'dropping a technician connection that failed to send');
      this.#drop(tc);
    }
  }

  #drop(tc: TechConn): void {
    if (tc.idleTimer !== null) this.#d.timers.clearTimeout(tc.idleTimer);
    tc.idleTimer = null;
    this.#conns.delete(tc.conn);
  }

  #touch(tc: TechConn): void {
    if (tc.idleTimer !== null) this.#d.timers.clearTimeout(tc.idleTimer);
    tc.idleTimer = this.#d.timers.setTimeout(() => this.#lock(tc, 'idle'), this.#d.profile.technician.idleSeconds * 1000);
  }

  #lock(tc: TechConn, reason: 'logout' | 'idle' | 'replaced'): void {
    if (tc.idleTimer !== null) this.#d.timers.clearTimeout(tc.idleTimer);
    tc.idleTimer = null;
    const was = tc.actor;
    tc.actor = null;
    if (was && reason !== 'logout') this.#d.journal.append({ at: this.#d.timers.now(), actor: was, action: 'tech.session.ended', outcome: 'ok', detail: { reason } });
    if (this.#conns.has(tc.conn)) this.#send(tc, pushOf('tech.session', { state: 'locked', slot: null, reason }));
  }

  #schedulePush(): void {
    if (this.#closed || this.#pushTimer !== null) return;
    this.#pushTimer = this.#d.timers.setTimeout(() => {
      this.#pushTimer = null;
      if (this.#closed) return;
      const identified = [...this.#conns.values()].filter((tc) => tc.actor !== null);
      if (identified.length === 0) return;
      const msg = pushOf('tech.state', this.state());
      for (const tc of identified) this.#send(tc, msg);
    }, 100);
  }

  // ------------------------------------------------------------------ guards for device tests

  /** Refuses what a citizen at the terminal would notice. */
  #needNoCitizen(what: string): void {
    const screen = this.#d.session.view().screen;
    if (screen !== 'attract' && screen !== 'out-of-service') {
      throw new KioskError('not-allowed', `${what}: a citizen is using the terminal; wait, or take it out of service first (kioskctl service out --reason …)`);
    }
  }

  #needCache(): OfflineCache {
    const c = this.#d.queue().cache;
    if (!c) throw new KioskError('out-of-service', 'storage is unavailable: the offline queue cannot be read (see tech.state holds)');
    return c;
  }

  #device(id: string): Device {
    const d = this.#d.supervisor.devices.find((x) => x.id === id);
    if (!d) throw new KioskError('invalid-params', `no device "${id}" (devices: ${this.#d.supervisor.devices.map((x) => x.id).join(', ') || 'none'})`);
    return d;
  }

  async #health(d: Device, level: HealthResult['level']): Promise<HealthResult> {
    const limit = deadline(level === 'interactive' ? 60_000 : 15_000);
    try {
      const run = (): Promise<HealthResult> =>
        d.checkHealth(level, limit.signal).then((r) => ({ device: d.id, kind: d.kind, level: r.level, ok: r.ok, text: r.text.slice(0, 1000), checkedAt: r.checkedAt }));
      const router = this.#d.router;
      // An interactive card check reads a card: the citizen's session must not see it.
      if (level === 'interactive' && d.kind === 'id-card' && router) return await router.exclusive(run);
      return await run();
    } catch (e) {
      return { device: d.id, kind: d.kind, level, ok: false, text: `health check failed: ${e instanceof Error ? e.message : String(e)}`.slice(0, 1000), checkedAt: this.#d.timers.now() };
    } finally {
      limit.dispose();
    }
  }

  // ------------------------------------------------------------------ handlers

  #handlers(): TableHandlers<typeof techInvoke, Ctx> {
    const d = this.#d;
    return {
      'tech.hello': async ({ proof }, { tc }) => {
        if (!tc.prove) throw new KioskError('not-allowed', 'tech.hello is for the control socket');
        let who: { uid: number; user: string };
        try {
          who = await tc.prove(proof);
        } catch (e) {
          throw new KioskError('not-allowed', `the challenge was not answered: ${e instanceof Error ? e.message : String(e)}`);
        }
        tc.actor = { kind: 'socket', user: who.user, uid: who.uid };
        d.log.info({ user: who.user, uid: who.uid }, 'technician connected over the control socket');
        return { user: who.user, uid: who.uid, terminalId: d.profile.terminalId };
      },

      'tech.login': async ({ pin }, { tc }) => {
        const r = await this.#gate.attempt(pin);
        const at = d.timers.now();
        if (r.ok) {
          for (const other of this.#conns.values()) if (other !== tc && other.audience === 'screen' && other.actor) this.#lock(other, 'replaced');
          tc.actor = { kind: 'pin', slot: r.slot };
          d.journal.append({ at, actor: tc.actor, action: 'tech.login', outcome: 'ok', detail: {} });
          this.#touch(tc);
          this.#send(tc, pushOf('tech.session', { state: 'unlocked', slot: r.slot, reason: 'login' }));
          this.#schedulePush();
        } else {
          d.journal.append({ at, actor: { kind: 'system' }, action: 'tech.login', outcome: 'refused', detail: { reason: r.reason, attemptsLeft: r.attemptsLeft, retryInSeconds: r.retryInSeconds } });
          if (r.reason === 'locked') d.log.warn({ retryInSeconds: r.retryInSeconds }, 'technician PIN pad locked after wrong PINs');
        }
        return r;
      },
      'tech.logout': (_p, { tc }) => {
        if (tc.actor) d.journal.append({ at: d.timers.now(), actor: tc.actor, action: 'tech.logout', outcome: 'ok', detail: {} });
        this.#lock(tc, 'logout');
        return null;
      },
      'tech.activity': () => null,

      'tech.state': () => this.state(),
      'tech.devices.list': () => this.devices(),
      'tech.devices.health': async ({ level, device }) => {
        const list = device === undefined ? [...d.supervisor.devices] : [this.#device(device)];
        if (level === 'interactive') this.#needNoCitizen('an interactive check');
        if (level === 'interactive') {
          const out: HealthResult[] = [];
          for (const dev of list) out.push(await this.#health(dev, level));
          return out;
        }
        return Promise.all(list.map((dev) => this.#health(dev, level)));
      },
      'tech.devices.counters': ({ days, device }) => {
        if (device !== undefined) this.#device(device);
        // What the drivers counted up to this moment, not only up to their last status event.
        for (const x of d.supervisor.list()) d.counters.observe(x);
        return d.counters.read(days, device);
      },
      'tech.devices.trace': ({ device, limit }) => {
        this.#device(device);
        const entries = d.trace?.list(device, limit) ?? null;
        if (entries === null) throw new KioskError('not-allowed', `no protocol trace for "${device}" in this build`);
        return entries;
      },
      'tech.platform.check': () => {
        const q = d.queue();
        return checkPlatform(q.client, q.url, d.catalog()?.version ?? null, d.profile.platform.timeoutMs);
      },
      'tech.logs.tail': ({ lines }) => ({ lines: tailLines(d.logFile, lines).map((l) => d.redactor.scrubString(l).slice(0, 2000)) }),
      'tech.journal.verify': () => d.journal.verify(),

      'tech.queue.stats': () => queueStatsOf(this.#needCache(), d.dataDir, d.profile.storage.minFreeBytes),
      'tech.queue.keys': ({ state, afterId, limit }) => queueKeys(this.#needCache(), d.profile.terminalId, { ...(state ? { state } : {}), afterId, limit }),
      'tech.queue.dead': ({ limit }) => deadLetterSummaries(this.#needCache(), d.profile.terminalId, limit),
      'tech.queue.retry': (p) => {
        const cache = this.#needCache();
        let moved: number;
        try {
          moved = cache.outbox.retryDead('id' in p ? p.id : undefined);
        } catch (e) {
          throw new KioskError('invalid-params', e instanceof Error ? e.message : String(e));
        }
        d.queueChanged();
        return { moved };
      },
      'tech.queue.exportDead': (_p, { tc }) => {
        const cache = this.#needCache();
        const dir = join(d.dataDir, 'exports');
        fs.mkdirSync(dir, { recursive: true, mode: 0o750 });
        if (d.techGid !== null) {
          try {
            fs.chownSync(dir, -1, d.techGid);
          } catch {
            // the core's own group then
          }
        }
        const stamp = new Date(d.timers.now()).toISOString().replace(/[:.]/g, '-');
        const file = join(dir, `dead-letters-${stamp}.json`);
        const count = writeSealedExport(cache, file, d.techGid, new Date(d.timers.now()), d.profile.terminalId);
        d.journal.append({ at: d.timers.now(), actor: tc.actor ?? { kind: 'system' }, action: 'tech.queue.exportDead', outcome: 'ok', detail: { count }, handOver: { what: 'dead-letter-export', count, file } });
        return { file, count };
      },
      'tech.queue.drainNow': async ({ timeoutSeconds }) => {
        const cache = this.#needCache();
        const delivery = d.queue().delivery;
        if (!delivery) throw new KioskError('not-allowed', 'no platform is configured: nothing can be delivered (platform.url)');
        cache.outbox.expedite();
        delivery.notify();
        const limit = deadline(timeoutSeconds * 1000);
        try {
          for (;;) {
            const st = cache.outbox.stats();
            if (st.pending + st.inFlight === 0) break;
            if (limit.signal.aborted) break;
            await new Promise<void>((resolve) => {
              const done = (): void => {
                off();
                clearTimeout(t);
                limit.signal.removeEventListener('abort', done);
                resolve();
              };
              const off = delivery.onResult(done);
              const t = setTimeout(done, 250);
              limit.signal.addEventListener('abort', done, { once: true });
            });
          }
        } finally {
          limit.dispose();
        }
        d.queueChanged();
        const stats = queueStatsOf(cache, d.dataDir, d.profile.storage.minFreeBytes);
        return { drained: stats.pending + stats.inFlight === 0, stats };
      },

      'tech.service.out': ({ reason, now }, { tc }) => d.maintenance.out(reason, now ? 'now' : 'after-session', tc.actor ?? { kind: 'system' }),
      'tech.service.in': async ({ force }, { tc }) => {
        const checks = await Promise.all(d.supervisor.devices.map((dev) => this.#health(dev, 'internal')));
        const failing = checks.filter((c) => !c.ok).map((c) => ({ device: c.device, text: c.text }));
        const faults = d.maintenance.holds().filter((h) => h.source !== 'technician');
        for (const h of faults) failing.unshift({ device: h.source, text: h.reason });
        if (failing.length > 0 && (!force || faults.length > 0)) return { ok: false, failing, checks, state: d.maintenance.techState() };
        const state = d.maintenance.in(tc.actor ?? undefined);
        return { ok: true, state, checks, forced: failing.length > 0 };
      },

      'tech.printer.test': async () => {
        const printer = d.printer;
        if (!printer) throw new KioskError('not-allowed', 'this terminal has no receipt printer');
        this.#needNoCitizen('a test print');
        const limit = deadline(30_000);
        try {
          await printer.print(testReceipt({ date: new Date(d.timers.now()), profile: printer.profile.name }), { signal: limit.signal });
        } catch (e) {
          throw new KioskError('device-error', `${printer.id}: ${e instanceof Error ? e.message : String(e)}`);
        } finally {
          limit.dispose();
        }
        return { printed: true, device: printer.id, warnings: printer.status().warnings };
      },
      'tech.idCard.read': async ({ timeoutSeconds }) => {
        const router = d.router;
        if (!router) throw new KioskError('not-allowed', 'this terminal has no ID card reader');
        this.#needNoCitizen('a test card read');
        const t0 = d.timers.now();
        const limit = deadline(timeoutSeconds * 1000);
        let card;
        try {
          card = await router.nextCard(limit.signal);
        } catch {
          throw new KioskError('device-error', `no card was read within ${timeoutSeconds} s: place a card on the reader (lift it and put it back if it is already there)`);
        } finally {
          limit.dispose();
        }
        const view = citizenViewOf(card);
        const out: CardTestRead = {
          cardType: card.cardType,
          maskedId: view.maskedId,
          idNumberValid: card.idNumberValid,
          expired: view.notices.includes('expired'),
          photoBytes: card.photo ? card.photo.bytes.length : null,
          ms: d.timers.now() - t0,
        };
        card.photo?.bytes.fill(0);
        return out;
      },
    };
  }
}
