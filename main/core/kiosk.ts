import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { SessionClock } from './session-service.js';
import type { Logger } from 'pino';
import type { ServerMessage, SystemStatus } from '../contract/index.js';
import { isTechMethod } from '../contract/index.js';
import { loadProfile, type LoadedProfile } from './profile.js';
import { createLogging, type KioskLogging } from './logging.js';
import { SessionService } from './session-service.js';
import { DeviceSupervisor } from './device-supervisor.js';
import { buildDevices, type BuiltDevices, type SimulatedOpeners } from './devices.js';
import { dispatch, pushMessage, type Connection, type Handlers } from './rpc.js';
import { KioskError } from '../contract/index.js';
import { isStorageError, openOfflineCache, type OfflineCache, type OutboxStats, type StatfsFn } from '../../offline-cache/index.js';
import { PlatformClient } from '../platform/client.js';
import type { Catalog } from '../platform/schemas.js';
import { Delivery, enqueueSubmission, type DeliveryEvent, type NewSubmission } from './delivery.js';
import { CatalogCache, PlatformLink } from './platform-link.js';
import { Emitter } from '../../drivers/device.js';
import { CardRouter } from './card-router.js';
import type { Timers } from './maintenance.js';
import { createTechJournal, type TechJournal } from './tech-journal.js';
import { wireTechnician, type TechParts } from './tech-wiring.js';
import { refuseSecondCore } from './control-socket.js';

const CATALOG_REFRESH_MS = 30 * 60_000;

export interface KioskCoreOptions {
  /** Terminal profile file; null/undefined = defaults (simulated devices). Ignored when `profile` is given. */
  profilePath?: string | null;
  /** An already loaded profile (hosts that assemble simulators read it first). */
  profile?: LoadedProfile;
  /**
   * Links to simulated devices, from the host (main/sim). The core never builds simulators: a device the
   * profile names as 'simulated' without a link here stays unavailable and says why.
   */
  simulatedDevices?: SimulatedOpeners;
  /**
   * The platform to use when the profile names none (`platform.url: null`): the host's embedded platform
   * simulator in web mode and tests. Without it such a kiosk queues everything until a platform is configured.
   */
  embeddedPlatformUrl?: string;
  host: SystemStatus['host'];
  cwd?: string;
  /** Mirror warnings and errors to stderr. */
  stderrLogs?: boolean;
  clock?: SessionClock;
  /** Tests: free-space probe of the data directory (default fs.statfsSync). */
  statfs?: StatfsFn;
  /** Tests: how long the delivery loop idles when nothing is due (default 1000 ms). */
  deliveryIdleMs?: number;
  /** Tests: the technician side's timers (maintenance notice, screen idle, PIN lockout). */
  timers?: Timers;
  /** Start the control socket (default: the profile's technician.socket.enabled). */
  controlSocket?: boolean;
}

/** Who is on the other end of a connection: the citizen screen, or the technician screen (PIN-gated). */
export type ConnectionAudience = 'citizen' | 'technician';

export interface SubmitInput {
  /** 'matter' or 'bundle'. */
  kind: string;
  /** matterCode, applicantToken (never the ID number), form; submittedAt defaults to now. */
  payload: NewSubmission['payload'];
  attachments?: readonly Uint8Array[];
  /** Generated when the matter starts; the same key reaches the platform. */
  idempotencyKey: string;
  test?: boolean;
}

export interface SubmitResult {
  idempotencyKey: string;
  /** The kiosk's own acceptance number (terminalId-YYYYMMDD-seq), printed on the receipt. */
  acceptanceNumber: string;
}

/** Storage, platform link and delivery: everything the offline queue needs, started together. */
interface QueueParts {
  cache: OfflineCache | null;
  /** Why the cache could not be opened (the kiosk is out of service). */
  storageProblem: string | null;
  /** The platform base URL in use; null when none is configured. */
  url: string | null;
  client: PlatformClient | null;
  link: PlatformLink | null;
  delivery: Delivery | null;
  catalog: CatalogCache | null;
}

/**
 * The composition root: profile → logging → devices → session → handlers.
 * Hosts (web mode, Electron's utility process) attach connections; the core owns all state.
 */
export class KioskCore {
  readonly #connections = new Set<Connection>();
  readonly handlers: Handlers;
  #system: SystemStatus;
  readonly #systemChanges = new Emitter<SystemStatus>();
  #closed = false;
  /** The technician side (tech-wiring.ts): set once start() has wired it. */
  #tech: TechParts | null = null;
  readonly journal: TechJournal;

  private constructor(
    readonly loaded: LoadedProfile,
    readonly logging: KioskLogging,
    readonly supervisor: DeviceSupervisor,
    readonly session: SessionService,
    readonly devices: BuiltDevices,
    host: SystemStatus['host'],
    readonly queue: QueueParts,
    /** The card reader as the session sees it (technician tests divert cards from the session). */
    readonly cardRouter: CardRouter | null,
  ) {
    this.#system = { platform: 'unknown', queueDepth: 0, host };
    this.journal = createTechJournal(logging.logger);
    this.handlers = {
      'session.get': () => this.session.view(),
      'session.activity': () => (this.session.activity(), null),
      'session.finish': () => (this.session.finish(), null),
      'session.dismiss': () => (this.session.dismiss(), null),
      'ui.setLocale': ({ locale }) => (this.session.setLocale(locale), null),
      'ui.setDisplay': (display) => (this.session.setDisplay(display), null),
      'devices.list': () => this.supervisor.list(),
      'system.get': () => this.#system,
    };
    session.onView((v) => this.#broadcast(pushMessage('session.view', v)));
    supervisor.onChange((list) => this.#broadcast(pushMessage('devices.status', list)));
  }

  static async start(opts: KioskCoreOptions): Promise<KioskCore> {
    const loaded = opts.profile ?? loadProfile(opts.profilePath, opts.cwd ? { cwd: opts.cwd } : {});
    const { profile, dataDir } = loaded;
    mkdirSync(dataDir, { recursive: true, mode: 0o750 });
    if (opts.controlSocket ?? profile.technician.socket.enabled) await refuseSecondCore(dataDir);
    const logging = createLogging({
      dir: join(dataDir, 'logs'),
      level: profile.logging.level,
      maxFileBytes: profile.logging.maxFileBytes,
      maxFiles: profile.logging.maxFiles,
      stderr: opts.stderrLogs ?? false,
      base: { terminal: profile.terminalId },
    });
    const log = logging.logger;
    log.info({ host: opts.host, profile: loaded.file ?? '(defaults)', siteType: profile.siteType }, 'core starting');
    const built = buildDevices(profile, log, opts.simulatedDevices);
    const supervisor = new DeviceSupervisor(built.devices, log.child({ part: 'devices' }));
    const cardRouter = built.reader ? new CardRouter(built.reader) : null;
    const session = new SessionService({
      profile,
      reader: cardRouter,
      redactor: logging.redactor,
      log: log.child({ part: 'session' }),
      ...(opts.clock ? { clock: opts.clock } : {}),
    });
    supervisor.start();
    const queue = await KioskCore.#startQueue(loaded, opts, log);
    const core = new KioskCore(loaded, logging, supervisor, session, built, opts.host, queue, cardRouter);
    try {
      await core.#wireTechnician(opts);
    } catch (e) {
      await core.close();
      throw e;
    }
    if (queue.storageProblem !== null) core.technician.maintenance.hold('storage', queue.storageProblem);
    core.#wireQueue();
    log.info({ platform: queue.client ? 'configured' : 'none', storage: queue.cache ? 'ok' : 'unavailable' }, 'core started');
    return core;
  }

  /**
   * Opens the offline cache (quick_check, migrations, recovery) and connects the platform. A
   * storage failure never deletes anything: it is reported and the kiosk goes out of service.
   */
  static async #startQueue(loaded: LoadedProfile, opts: KioskCoreOptions, log: Logger): Promise<QueueParts> {
    const { profile, dataDir, keyFile } = loaded;
    const parts: QueueParts = { cache: null, storageProblem: null, url: null, client: null, link: null, delivery: null, catalog: null };
    try {
      parts.cache = openOfflineCache({
        dir: dataDir,
        keyFile,
        suite: profile.storage.sealing,
        minFreeBytes: profile.storage.minFreeBytes,
        ...(opts.statfs ? { statfs: opts.statfs } : {}),
      });
      const { sweep, recoveredInFlight } = parts.cache.startup;
      log.info({ sweep, recoveredInFlight, stats: parts.cache.outbox.stats() }, 'offline cache opened');
    } catch (e) {
      if (!isStorageError(e)) throw e;
      parts.storageProblem = `storage ${e.code}: ${e.message.slice(0, 300)} — nothing was deleted; call a technician`;
      log.error({ code: e.code, err: e.message }, 'offline cache unavailable: out of service');
      return parts;
    }
    const url = profile.platform.url ?? opts.embeddedPlatformUrl ?? null;
    if (profile.platform.url === null && url !== null) log.info({ url }, 'using the embedded platform simulator of this host');
    if (url === null) {
      log.warn('no platform configured: submissions are queued and kept until one is');
      return parts;
    }
    parts.url = url;
    const cache = parts.cache;
    const client = new PlatformClient({ baseUrl: url, terminalId: profile.terminalId, key: profile.platform.terminalKey, timeoutMs: profile.platform.timeoutMs });
    parts.client = client;
    parts.catalog = new CatalogCache(cache.kv, client);
    parts.delivery = new Delivery({
      outbox: cache.outbox,
      attachments: cache.attachments,
      client,
      terminalId: profile.terminalId,
      backoff: { baseMs: profile.platform.retryBaseMs, capMs: profile.platform.retryCapMs },
      concurrency: 2,
      ...(opts.deliveryIdleMs !== undefined ? { idleMs: opts.deliveryIdleMs } : {}),
      log: log.child({ part: 'delivery' }),
    });
    parts.link = new PlatformLink({ client, probeMs: profile.platform.probeSeconds * 1000 });
    return parts;
  }

  #wireQueue(): void {
    const q = this.queue;
    this.#publishQueueDepth();
    if (!q.link || !q.delivery || !q.catalog) return;
    const { link, delivery, catalog } = q;
    const refreshCatalog = (): void => {
      if (this.#closed) return;
      // Controller + timer rather than AbortSignal.any(AbortSignal.timeout()), whose timeout Node 20 may garbage-collect.
      const ac = new AbortController();
      const stop = (): void => ac.abort(new Error('core stopping'));
      this.#stopping.signal.addEventListener('abort', stop, { once: true });
      const t = setTimeout(() => ac.abort(new Error('catalog refresh timed out')), this.loaded.profile.platform.timeoutMs * 2);
      void catalog
        .refresh(ac.signal)
        .then(
          (r) => this.log.info({ result: r }, 'catalog refresh'),
          () => undefined,
        )
        .finally(() => {
          clearTimeout(t);
          this.#stopping.signal.removeEventListener('abort', stop);
        });
    };
    // On every return of the platform, and every 30 minutes while it stays (ETag: usually a 304).
    const timer = setInterval(() => {
      if (link.state === 'online') refreshCatalog();
    }, CATALOG_REFRESH_MS);
    timer.unref();
    this.#unlink = [
      link.onChange((state) => {
        this.log.info({ platform: state }, 'platform reachability');
        this.setSystem({ platform: state });
        if (state === 'online') {
          const due = q.cache?.outbox.expedite() ?? 0;
          if (due > 0) this.log.info({ due }, 'platform back: pending entries made due now');
          delivery.notify();
          refreshCatalog();
        }
      }),
      delivery.onResult((e) => this.#onDelivery(e)),
      () => clearInterval(timer),
    ];
    link.start();
    delivery.start();
  }

  #unlink: (() => void)[] = [];
  readonly #stopping = new AbortController();

  async #wireTechnician(opts: KioskCoreOptions): Promise<void> {
    const q = this.queue;
    this.#tech = await wireTechnician({
      loaded: this.loaded,
      logging: this.logging,
      supervisor: this.supervisor,
      session: this.session,
      router: this.cardRouter,
      printer: this.devices.printer,
      cache: q.cache,
      delivery: q.delivery,
      client: q.client,
      platformUrl: q.url,
      platformState: () => this.#system.platform,
      catalog: () => this.catalog(),
      queueChanged: () => {
        this.#publishQueueDepth();
        q.delivery?.notify();
      },
      onSystem: (l) => this.#systemChanges.on(l),
      journal: this.journal,
      trace: null,
      ...(opts.timers ? { timers: opts.timers } : {}),
      ...(opts.controlSocket !== undefined ? { socket: opts.controlSocket } : {}),
    });
    const { maintenance } = this.#tech;
    this.#unlink.push(maintenance.onChange(() => this.#broadcast(pushMessage('service.status', maintenance.status()))));
  }

  /** The technician side: maintenance hand-over, usage counters, the tech.* service and the control socket. */
  get technician(): TechParts {
    if (!this.#tech) throw new Error('the core is not started');
    return this.#tech;
  }

  #onDelivery(e: DeliveryEvent): void {
    this.queue.link?.report(e.result.kind !== 'retry' || e.result.reachable);
    this.#publishQueueDepth();
  }

  #publishQueueDepth(): void {
    const s = this.queueStats();
    if (s === null) return;
    // Everything not yet at the platform: waiting, in flight, and dead letters (a technician's job).
    const depth = s.pending + s.inFlight + s.dead;
    if (depth !== this.#system.queueDepth) this.setSystem({ queueDepth: depth });
  }

  /** Outbox statistics; null when storage is unavailable. */
  queueStats(): OutboxStats | null {
    return this.queue.cache?.outbox.stats() ?? null;
  }

  /** The last catalog from the platform (or the offline cache of it); null if never fetched. */
  catalog(): Catalog | null {
    return this.queue.catalog?.current ?? null;
  }

  /** The platform base URL in use (the embedded simulator's in web mode by default); null if none. */
  get platformUrl(): string | null {
    return this.queue.url;
  }

  /**
   * Accepts a submission into the durable outbox and returns the kiosk's acceptance number.
   * Idempotent by key. Refuses with KioskError('storage-full') below the free-space floor before
   * anything is written; 'out-of-service' when storage is unavailable; 'invalid-params' for a
   * malformed submission.
   */
  async submit(input: SubmitInput, signal?: AbortSignal): Promise<SubmitResult> {
    signal?.throwIfAborted();
    const cache = this.queue.cache;
    if (cache === null) throw new KioskError('out-of-service', this.queue.storageProblem ?? 'storage is unavailable');
    let r;
    try {
      r = enqueueSubmission(cache.outbox, this.loaded.profile.terminalId, {
        idempotencyKey: input.idempotencyKey,
        kind: input.kind,
        payload: input.payload,
        attachments: input.attachments,
        test: input.test,
        signal,
      });
    } catch (e) {
      if (isStorageError(e, 'below-floor') || isStorageError(e, 'full')) {
        this.log.warn({ code: e.code }, 'submission refused: storage full');
        throw new KioskError('storage-full', 'storage is below its free-space floor: new submissions are refused, queued ones are kept', { cause: e });
      }
      if (isStorageError(e, 'invalid')) throw new KioskError('invalid-params', e.message, { cause: e });
      if (isStorageError(e)) throw new KioskError('internal', `storage ${e.code}`, { cause: e });
      throw e;
    }
    this.log.info({ key: r.idempotencyKey, acceptance: r.acceptanceNumber, existing: r.existing }, 'submission queued');
    this.#publishQueueDepth();
    this.queue.delivery?.notify();
    return { idempotencyKey: r.idempotencyKey, acceptanceNumber: r.acceptanceNumber };
  }

  get log(): Logger {
    return this.logging.logger;
  }

  /**
   * Attaches a renderer connection; returns the function that detaches it. A 'technician' connection (the
   * technician screen's own page) reaches tech.* after a PIN login, and nothing of the citizen's.
   */
  connect(conn: Connection, audience: ConnectionAudience = 'citizen'): () => void {
    if (audience === 'technician') return this.technician.tech.connect(conn, 'screen');
    this.#connections.add(conn);
    conn.send(pushMessage('session.view', this.session.view()));
    conn.send(pushMessage('devices.status', this.supervisor.list()));
    conn.send(pushMessage('system.status', this.#system));
    if (this.#tech) conn.send(pushMessage('service.status', this.#tech.maintenance.status()));
    return () => this.#connections.delete(conn);
  }

  /** Handles one raw message from a connection and sends the reply back on it. */
  async receive(conn: Connection, raw: unknown): Promise<void> {
    if (this.#tech?.tech.has(conn)) return this.#tech.tech.receive(conn, raw);
    const refused = refuseTechnicianMethod(raw);
    if (refused) {
      this.log.warn({ method: refused.method }, 'a technician method was refused on the citizen channel');
      if (this.#connections.has(conn)) conn.send(refused.reply);
      return;
    }
    const reply = await dispatch(raw, this.handlers, this.log);
    if (this.#connections.has(conn)) conn.send(reply);
  }

  setSystem(patch: Partial<SystemStatus>): void {
    this.#system = { ...this.#system, ...patch };
    this.#broadcast(pushMessage('system.status', this.#system));
    this.#systemChanges.emit(this.#system);
  }

  #broadcast(msg: ServerMessage): void {
    for (const c of this.#connections) {
      try {
        c.send(msg);
      } catch (err) {
        this.log.warn({ err }, 'dropping a connection that failed to send');
        this.#connections.delete(c);
      }
    }
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    this.#connections.clear();
    for (const off of this.#unlink) off();
    await this.#tech?.close();
    this.session.stop();
    this.#stopping.abort(new Error('core stopping'));
    const q = this.queue;
    await q.delivery?.stop();
    await q.link?.stop();
    q.client?.close();
    q.cache?.close();
    await this.supervisor.close();
    this.log.info('core stopped');
    this.logging.close();
  }
}

/** The citizen channel never reaches tech.*: a typed refusal for any request naming a technician method. */
function refuseTechnicianMethod(raw: unknown): { method: string; reply: ServerMessage } | null {
  let data: unknown = raw;
  if (typeof raw === 'string') {
    if (!raw.includes('tech.')) return null;
    try {
      data = JSON.parse(raw);
    } catch {
      return null;
    }
  }
  const m = data as { type?: unknown; id?: unknown; method?: unknown } | null;
  if (m?.type !== 'request' || typeof m.method !== 'string' || !isTechMethod(m.method)) return null;
  const id = typeof m.id === 'number' && Number.isSafeInteger(m.id) && m.id >= 0 ? m.id : null;
  return { method: m.method.slice(0, 100), reply: { type: 'reply', id, reply: { ok: false, error: { code: 'not-allowed', message: 'technician methods are not available on the citizen channel' } } } };
}
