/**
 * Wires the technician side into a started core: usage counters, the maintenance hand-over, the technician
 * service (tech.* for the screen and the socket) and the control socket. kiosk.ts calls this once and keeps
 * the returned parts; everything technician-specific lives in these files, not in the composition root.
 */
import { join } from 'node:path';
import type { OfflineCache } from '../../offline-cache/index.js';
import { ServiceHold } from '../contract/index.js';
import { resolveGroup } from './accounts.js';
import { ControlSocketError, startControlSocket, type ControlSocket } from './control-socket.js';
import { CounterKeeper } from './counters.js';
import type { KioskLogging } from './logging.js';
import { Maintenance, realTimers, type HoldStore, type Timers } from './maintenance.js';
import { LockState, type LockStore } from './pin-gate.js';
import type { LoadedProfile } from './profile.js';
import { TechService, type TechDeps } from './technician.js';

/** What the core hands over: the technician service's own dependencies, plus the profile and logging. */
export type TechWiringInput = Pick<TechDeps, 'supervisor' | 'session' | 'router' | 'printer' | 'queue' | 'platformState' | 'platformProblem' | 'catalog' | 'queueChanged' | 'onSystem' | 'journal' | 'trace'> & {
  loaded: LoadedProfile;
  logging: KioskLogging;
  timers?: Timers;
  /** Start the control socket (default: profile technician.socket.enabled). */
  socket?: boolean;
};

export interface TechParts {
  tech: TechService;
  maintenance: Maintenance;
  counters: CounterKeeper;
  socket: ControlSocket | null;
  close(): Promise<void>;
}

const HOLD_KEY = 'tech.service-hold';
const LOCK_KEY = 'tech.pin-lockout';

/** A small JSON value in the offline cache's kv store (nothing while storage is unavailable). */
function kvJson<T>(cache: () => OfflineCache | null, key: string, parse: (v: unknown) => T | null): { load(): T | null | undefined; save(v: T | null): void } {
  return {
    load() {
      const c = cache();
      if (!c) return undefined;
      const doc = c.kv.getCached(key);
      if (!doc) return null;
      try {
        return parse(JSON.parse(doc.body));
      } catch {
        return null;
      }
    },
    save(v) {
      const c = cache();
      if (!c) return;
      if (v === null) c.kv.deleteCached(key);
      else c.kv.putCached(key, undefined, JSON.stringify(v));
    },
  };
}

export async function wireTechnician(input: TechWiringInput): Promise<TechParts> {
  const { loaded, logging, supervisor } = input;
  const cacheNow = (): OfflineCache | null => input.queue().cache;
  const { profile, dataDir } = loaded;
  const log = logging.logger;
  const timers = input.timers ?? realTimers;

  const counters = new CounterKeeper({ store: () => cacheNow()?.counters ?? null, log: log.child({ part: 'counters' }), now: () => timers.now() });
  for (const d of supervisor.list()) counters.observe(d);
  const offCounters = supervisor.onChange((list) => list.forEach((d) => counters.observe(d)));
  // Counters can move without a status change (lines during a job): look every 10 s as well.
  const poll = setInterval(() => supervisor.list().forEach((d) => counters.observe(d)), 10_000);
  poll.unref();

  const holdStore: HoldStore = kvJson(cacheNow, HOLD_KEY, (v) => {
    const h = ServiceHold.safeParse(v);
    return h.success ? h.data : null;
  });
  const maintenance = new Maintenance({
    session: input.session,
    timers,
    noticeSeconds: profile.technician.closingNoticeSeconds,
    entry: profile.technician.entry,
    store: holdStore,
    journal: input.journal,
    log: log.child({ part: 'maintenance' }),
  });
  input.router?.blockNew(() => maintenance.closing);

  let techGid: number | null = null;
  const group = profile.technician.socket.group;
  if (group !== null) {
    try {
      techGid = resolveGroup(group);
    } catch (e) {
      log.error({ group, err: e }, 'technician group not found: the control socket keeps the core’s own group');
    }
  }
  const lockStore: LockStore = kvJson(cacheNow, LOCK_KEY, (v) => {
    const s = LockState.safeParse(v);
    return s.success ? s.data : null;
  });
  const tech = new TechService({
    profile,
    dataDir,
    supervisor,
    router: input.router,
    printer: input.printer,
    queue: input.queue,
    platformState: input.platformState,
    platformProblem: input.platformProblem,
    catalog: input.catalog,
    queueChanged: input.queueChanged,
    onSystem: input.onSystem,
    session: input.session,
    maintenance,
    counters,
    trace: input.trace,
    journal: input.journal,
    redactor: logging.redactor,
    logFile: join(dataDir, 'logs', 'kiosk.log'),
    techGid,
    timers,
    lockStore,
    log: log.child({ part: 'technician' }),
  });

  let socket: ControlSocket | null = null;
  if (input.socket ?? profile.technician.socket.enabled) {
    try {
      socket = await startControlSocket({ dataDir, gid: techGid, tech, log: log.child({ part: 'control-socket' }) });
    } catch (e) {
      if (e instanceof ControlSocketError && e.code === 'another-core') {
        tech.close();
        maintenance.stop();
        clearInterval(poll);
        offCounters();
        throw e;
      }
      log.error({ err: e }, 'control socket unavailable: kioskctl cannot reach this core (the technician screen still works)');
    }
  }

  return {
    tech,
    maintenance,
    counters,
    socket,
    async close() {
      await socket?.close();
      tech.close();
      maintenance.stop();
      clearInterval(poll);
      offCounters();
      for (const d of supervisor.list()) counters.observe(d);
      counters.close();
    },
  };
}
