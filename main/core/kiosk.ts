import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { SessionClock } from './session-service.js';
import type { Logger } from 'pino';
import type { ServerMessage, SystemStatus } from '../contract/index.js';
import { loadProfile, type LoadedProfile } from './profile.js';
import { createLogging, type KioskLogging } from './logging.js';
import { SessionService } from './session-service.js';
import { DeviceSupervisor } from './device-supervisor.js';
import { buildDevices, type SimControl } from './devices.js';
import { dispatch, pushMessage, type Connection, type Handlers } from './rpc.js';

export interface KioskCoreOptions {
  /** Terminal profile file; null/undefined = defaults (simulated devices). */
  profilePath?: string | null;
  host: SystemStatus['host'];
  cwd?: string;
  /** Mirror warnings and errors to stderr. */
  stderrLogs?: boolean;
  clock?: SessionClock;
}

/**
 * The composition root: profile → logging → devices → session → handlers.
 * Hosts (web mode, Electron's utility process) attach connections; the core owns all state.
 */
export class KioskCore {
  readonly #connections = new Set<Connection>();
  readonly handlers: Handlers;
  #system: SystemStatus;
  #closed = false;

  private constructor(
    readonly loaded: LoadedProfile,
    readonly logging: KioskLogging,
    readonly supervisor: DeviceSupervisor,
    readonly session: SessionService,
    readonly sim: SimControl | null,
    host: SystemStatus['host'],
  ) {
    this.#system = { platform: 'unknown', queueDepth: 0, host };
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
    const loaded = loadProfile(opts.profilePath, opts.cwd ? { cwd: opts.cwd } : {});
    const { profile, dataDir } = loaded;
    mkdirSync(dataDir, { recursive: true, mode: 0o750 });
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
    const built = buildDevices(profile, log);
    const supervisor = new DeviceSupervisor(built.devices, log.child({ part: 'devices' }));
    const session = new SessionService({
      profile,
      reader: built.reader,
      redactor: logging.redactor,
      log: log.child({ part: 'session' }),
      ...(opts.clock ? { clock: opts.clock } : {}),
    });
    supervisor.start();
    const core = new KioskCore(loaded, logging, supervisor, session, built.sim, opts.host);
    log.info('core started');
    return core;
  }

  get log(): Logger {
    return this.logging.logger;
  }

  /** Attaches a renderer connection; returns the function that detaches it. */
  connect(conn: Connection): () => void {
    this.#connections.add(conn);
    conn.send(pushMessage('session.view', this.session.view()));
    conn.send(pushMessage('devices.status', this.supervisor.list()));
    conn.send(pushMessage('system.status', this.#system));
    return () => this.#connections.delete(conn);
  }

  /** Handles one raw message from a connection and sends the reply back on it. */
  async receive(conn: Connection, raw: unknown): Promise<void> {
    const reply = await dispatch(raw, this.handlers, this.log);
    if (this.#connections.has(conn)) conn.send(reply);
  }

  setSystem(patch: Partial<SystemStatus>): void {
    this.#system = { ...this.#system, ...patch };
    this.#broadcast(pushMessage('system.status', this.#system));
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
    this.session.stop();
    await this.supervisor.close();
    this.log.info('core stopped');
    this.logging.close();
  }
}
