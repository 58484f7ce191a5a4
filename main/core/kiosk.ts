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
import {
  expireDeadLetters,
  isKeyProblem,
  isStorageError,
  listRetentionExports,
  openOfflineCache,
  type IntegrityResult,
  type Journal,
  type JournalEntry,
  type OfflineCache,
  type OutboxStats,
  type StatfsFn,
} from '../../offline-cache/index.js';
import { PlatformClient } from '../platform/client.js';
import type { Catalog } from '../platform/schemas.js';
import { Delivery, RATING_KIND, acceptanceNumber, enqueueSubmission, type DeliveryEvent, type NewSubmission } from './delivery.js';
import { CatalogCache, PlatformLink } from './platform-link.js';
import { Emitter } from '../../drivers/device.js';
import { CardRouter } from './card-router.js';
import { refuseSecondCore } from './control-socket.js';
import { DeviceTrace } from './trace.js';
import type { Timers } from './maintenance.js';
import { createTechJournal, type TechJournal } from './tech-journal.js';
import { wireTechnician, type TechParts } from './tech-wiring.js';
import { CatalogService, checkPlatformCatalog, loadSiteCatalog } from './catalog-service.js';
import { MatterService } from './matter-service.js';
import { padFees, scannerPages, type FeeTerminal } from './matter-devices.js';
import { PaymentService, reportingSteps, type SubmissionFate } from './payments.js';
import { newServiceId } from '../../drivers/payment-pad/pad.js';
import { ResumeService } from './resume.js';
import { CaseQueryService } from './case-query.js';
import type { CaseQueryEvent } from '../workflows/case-query.js';
import type { MatterEvent } from '../workflows/matter-types.js';
import { QrScans } from './qr-scans.js';
import { MutedSpeech, SpeechGuard, VoiceGuide, createSpeech, type TextToSpeech } from './voice/index.js';

const CATALOG_REFRESH_MS = 30 * 60_000;
/** How often unresolved payments are asked about again (besides each time the pad comes up). */
const PAYMENT_RECOVERY_MS = 60_000;
const RETENTION_SWEEP_MS = 6 * 3600_000;
const DAY_MS = 86_400_000;

/**
 * Why the kiosk cannot serve citizens right now, by cause. Each is set and cleared by the core itself;
 * the out-of-service screen shows them all (Chinese first, then English, in words for staff).
 *   key      the sealing key is missing or wrong (nothing is lost; restore it — the core retries by itself)
 *   storage  the offline cache cannot be opened (corrupt, too new, I/O)
 *   full     the data disk is full or below its free-space floor (queued entries keep flowing)
 *   journal  the tamper-evident journal is missing, replaced, cut short or broken
 *   missing  committed acceptance numbers are missing from the database (a damaged WAL): listed
 */
export type ServiceProblem = 'key' | 'storage' | 'full' | 'journal' | 'missing';

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
  /** How long a submission made online waits for the platform's case number for the receipt (default 4 s). */
  caseNumberWaitMs?: number;
  host: SystemStatus['host'];
  cwd?: string;
  /** Mirror warnings and errors to stderr. */
  stderrLogs?: boolean;
  clock?: SessionClock;
  /**
   * The text-to-speech engine of voice guidance: a vendor's engine, or the WAV recorder of tests.
   * Default: the profile's voice.engine (the embedded espeak-ng, or none).
   */
  speech?: TextToSpeech;
  /** Tests: free-space probe of the data directory (default fs.statfsSync). */
  statfs?: StatfsFn;
  /** Tests: how long the delivery loop idles when nothing is due (default 1000 ms). */
  deliveryIdleMs?: number;
  /**
   * How often the core re-checks storage while it is a problem, and the free space always (default 10 s):
   * a restored key file or a freed disk brings the kiosk back without a restart.
   */
  storageCheckMs?: number;
  /** Tests: the wall clock for retention and the journal (default Date.now). */
  now?: () => number;
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
export interface QueueParts {
  cache: OfflineCache | null;
  /** The platform base URL in use; null when none is configured. */
  url: string | null;
  client: PlatformClient | null;
  link: PlatformLink | null;
  delivery: Delivery | null;
  catalog: CatalogCache | null;
  /** The payment rules over the pad and the payment journal; null without a pad or storage. */
  payments: PaymentService | null;
  fees: FeeTerminal | null;
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
  /** Technician actions and hand-overs, recorded in the tamper-evident journal (tech-journal.ts). */
  readonly techJournal: TechJournal;
  #matters: MatterService | null = null;
  #resume: ResumeService | null = null;
  #voice: VoiceGuide | null = null;
  /** Which matter catalog is offered (platform, cached, site file or bundled; limited by include). */
  readonly catalogs: CatalogService;
  /**
   * Codes shown to the QR reader: `qr.onScan(listener)` gets every scan no matter step claimed (a receipt's
   * acceptance number for the case look-up, or a code for the platform); also pushed as 'qr.scanned'.
   */
  readonly qr: QrScans;

  private constructor(
    readonly loaded: LoadedProfile,
    readonly logging: KioskLogging,
    readonly supervisor: DeviceSupervisor,
    readonly session: SessionService,
    readonly devices: BuiltDevices,
    host: SystemStatus['host'],
    queue: QueueParts,
    private readonly opts: KioskCoreOptions,
    catalogs: CatalogService,
    /** The card reader as the session sees it (technician tests divert cards from the session). */
    readonly cardRouter: CardRouter | null,
    /** The last protocol frames of every device (headers only). */
    readonly trace: DeviceTrace,
  ) {
    this.#queue = queue;
    this.catalogs = catalogs;
    this.qr = new QrScans(devices.qrReader);
    this.techJournal = createTechJournal(this);
    this.#system = { platform: 'unknown', platformProblem: null, queueDepth: 0, host };
    this.handlers = {
      'session.get': () => this.session.view(),
      'session.activity': () => (this.session.activity(), null),
      'session.finish': () => (this.session.finish(), null),
      'session.dismiss': () => (this.session.dismiss(), null),
      'ui.setLocale': ({ locale }) => (this.session.setLocale(locale), null),
      'ui.setDisplay': (display) => (this.session.setDisplay(display), null),
      'ui.setVoice': (voice) => (this.session.setVoice(voice), null),
      'ui.focusField': ({ key }) => (this.#voice?.focusField(key), null),
      'devices.list': () => this.supervisor.list(),
      'system.get': () => (this.#voice ? { ...this.#system, voice: this.#voice.status() } : this.#system),
      'matter.choose': ({ code }) => (this.matters.choose(code), null),
      'matter.input': ({ key, value }) => this.#send({ type: 'INPUT', key, value }),
      'matter.next': () => this.#send({ type: 'NEXT' }),
      'matter.back': () => this.#send({ type: 'BACK' }),
      'matter.cancel': () => (this.matters.cancel(), null),
      'matter.cancelConfirm': () => (this.matters.cancelConfirm(), null),
      'matter.cancelDismiss': () => (this.matters.cancelDismiss(), null),
      'matter.commit': () => this.#send({ type: 'COMMIT', at: this.#now() }),
      'matter.declineCommitment': () => this.#send({ type: 'DECLINE_COMMITMENT' }),
      'matter.useCertificate': ({ material }) => this.#send({ type: 'USE_CERTIFICATE', material }),
      'matter.declineCertificate': ({ material }) => this.#send({ type: 'DECLINE_CERTIFICATE', material }),
      'matter.scan': ({ material }) => this.#send({ type: 'SCAN', material }),
      'matter.removePages': ({ material }) => this.#send({ type: 'REMOVE_PAGES', material }),
      'matter.useCommitment': ({ material }) => this.#send({ type: 'USE_COMMITMENT', material }),
      'matter.pay': () => this.#send({ type: 'PAY' }),
      'matter.submit': () => this.#send({ type: 'SUBMIT', at: this.#now() }),
      'matter.reprint': () => this.#send({ type: 'REPRINT' }),
      'matter.rate': ({ level }) => this.#send({ type: 'RATE', level, at: this.#now() }),
      'matter.rateReasons': ({ reasons, text }) => this.#send({ type: 'RATE_REASONS', reasons, text, at: this.#now() }),
      'cases.open': () => this.#openQuery(),
      'cases.byNumber': ({ digits }) => this.#query({ type: 'BY_NUMBER', digits }),
      'cases.select': ({ id }) => this.#query({ type: 'SELECT', id }),
      'cases.back': () => this.#query({ type: 'BACK' }),
      'cases.reprint': () => this.#query({ type: 'REPRINT' }),
      'cases.rate': ({ level }) => this.#query({ type: 'RATE', level, at: this.#now() }),
      'cases.rateReasons': ({ reasons, text }) => this.#query({ type: 'RATE_REASONS', reasons, text, at: this.#now() }),
      'cases.close': () => this.#closeQuery(),
    };
    let screen = session.view().screen;
    session.onView((v) => {
      this.#broadcast(pushMessage('session.view', v));
      // The next citizen may show the same code the last one did.
      if (v.screen === 'attract' && screen !== 'attract') this.qr.reset();
      screen = v.screen;
    });
    this.qr.onScan((c) => {
      this.#broadcast(pushMessage('qr.scanned', c.kind === 'acceptance-number' ? { kind: c.kind, acceptanceNumber: c.acceptanceNumber, at: c.at } : { kind: 'code', at: c.at }));
      // A receipt's QR code shown on the start screen or in the case query looks its case up (查询办件 by QR).
      if (c.kind === 'acceptance-number') this.#caseByQr(c.acceptanceNumber);
    });
    supervisor.onChange((list) => this.#broadcast(pushMessage('devices.status', list)));
  }

  static async start(opts: KioskCoreOptions): Promise<KioskCore> {
    const loaded = opts.profile ?? loadProfile(opts.profilePath, opts.cwd ? { cwd: opts.cwd } : {});
    const { profile, dataDir } = loaded;
    // A site catalog file that is bad stops start-up here, naming the file and the field (a ProfileError).
    const site = loadSiteCatalog(loaded, opts.cwd);
    let dataDirProblem: unknown = null;
    try {
      mkdirSync(dataDir, { recursive: true, mode: 0o750 });
    } catch (e) {
      // A full or read-only disk: the kiosk starts anyway and says so on the out-of-service screen.
      dataDirProblem = e;
    }
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
    // Before the offline cache is opened (and its in-flight entries recovered): one core per data directory.
    if (opts.controlSocket ?? profile.technician.socket.enabled) {
      try {
        await refuseSecondCore(dataDir);
      } catch (e) {
        logging.close();
        throw e;
      }
    }
    // The protocol trace taps every device link (headers only, never citizen data: trace.ts).
    const trace = new DeviceTrace();
    const built = buildDevices(profile, log, opts.simulatedDevices, (id, kind, opener) => trace.wrap(id, kind, opener));
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
    const empty: QueueParts = { cache: null, url: null, client: null, link: null, delivery: null, catalog: null, payments: null, fees: null };
    const catalogs = new CatalogService({ site, include: profile.catalog.include, log: log.child({ part: 'catalog' }) });
    const core = new KioskCore(loaded, logging, supervisor, session, built, opts.host, empty, opts, catalogs, cardRouter, trace);
    core.#matters = new MatterService({
      profile,
      catalogs,
      session,
      supervisor,
      printer: built.printer,
      qr: core.qr,
      pageSource: built.scanner ? scannerPages(built.scanner, built.scanDefaults) : null,
      queue: () => {
        const q = core.#queue;
        return { outbox: q.cache?.outbox ?? null, journal: q.cache?.journal ?? null, client: q.client, link: q.link, delivery: q.delivery, fees: q.fees };
      },
      submit: (input, signal) => core.submit(input, signal),
      journalAppend: (entry) => core.journalAppend(entry),
      log: log.child({ part: 'matters' }),
      ...(opts.now ? { now: opts.now } : {}),
      ...(opts.caseNumberWaitMs !== undefined ? { caseNumberWaitMs: opts.caseNumberWaitMs } : {}),
    });
    core.#startVoice();
    try {
      await core.#wireTechnician();
    } catch (e) {
      await core.close();
      throw e;
    }
    session.attachCases(
      new CaseQueryService({
        profile,
        catalogs,
        session,
        printer: built.printer,
        queue: () => {
          const q = core.#queue;
          return { outbox: q.cache?.outbox ?? null, journal: q.cache?.journal ?? null, client: q.client, link: q.link, delivery: q.delivery, fees: q.fees };
        },
        log: log.child({ part: 'cases' }),
        qrPresent: () => profile.devices.qrReader.type !== 'none',
        ...(opts.now ? { now: opts.now } : {}),
      }),
    );
    core.#resume = new ResumeService({
      session,
      matters: core.#matters,
      catalogs,
      // Payments in an unknown state are resolved before the interrupted matter's card is considered (rule 1).
      paymentsSettled: async () => {
        const payments = core.#queue.payments;
        if (payments !== null && core.devices.pad?.status().state === 'online') await payments.recover(core.#stopping.signal);
      },
      drafts: () => core.#queue.cache?.drafts ?? null,
      idleTimeoutMs: profile.idle.timeoutSeconds * 1000,
      warningMs: profile.idle.warningSeconds * 1000,
      log: log.child({ part: 'resume' }),
      ...(opts.clock ? { clock: opts.clock } : {}),
      ...(opts.now ? { now: opts.now } : {}),
    });
    if (dataDirProblem !== null) log.error({ err: dataDirProblem instanceof Error ? dataDirProblem.message : String(dataDirProblem) }, 'data directory cannot be created');
    core.#openQueue();
    core.#startResume();
    core.#startStorageWatch();
    core.#watchPayments();
    log.info({ platform: core.#queue.client ? 'configured' : 'none', storage: core.#queue.cache ? 'ok' : 'unavailable', problems: [...core.#problems.keys()] }, 'core started');
    return core;
  }


  #queue: QueueParts;

  /** Crash resume (main/core/resume.ts): the session's draft, and the interrupted matter found at start. */
  get resume(): ResumeService {
    if (this.#resume === null) throw new KioskError('internal', 'crash resume is not started');
    return this.#resume;
  }

  /** Looks for an interrupted matter once storage is open (at start, or when it opens later). */
  #startResume(): void {
    if (this.#queue.cache === null || this.#resume === null) return;
    this.#resume.start().then(
      (r) => this.log.info({ draft: r }, 'crash resume checked'),
      (e: unknown) => this.log.error({ err: e instanceof Error ? e.message : String(e) }, 'crash resume check failed'),
    );
  }

  /** Voice guidance: speaks every view the session pushes (main/core/voice). */
  get voice(): VoiceGuide {
    if (this.#voice === null) throw new Error('voice guidance is not started');
    return this.#voice;
  }

  #startVoice(): void {
    const v = this.loaded.profile.voice;
    const voice = new VoiceGuide({
      // KIOSK_VOICE_ENGINE=muted: a working engine that plays nothing (test runs on machines with speakers).
      speech: this.opts.speech ?? (process.env.KIOSK_VOICE_ENGINE === 'muted' ? new MutedSpeech() : createSpeech(v)),
      guard: new SpeechGuard(this.logging.redactor),
      log: this.log.child({ part: 'voice' }),
      defaultChoice: { on: v.defaultOn, volume: v.volume },
      rate: v.rate,
      elderRate: v.elderRate,
      reminderSeconds: v.reminderSeconds,
      ...(this.opts.clock ? { clock: this.opts.clock } : {}),
      ...(this.opts.now ? { now: this.opts.now } : {}),
    });
    this.#voice = voice;
    this.#system = { ...this.#system, voice: voice.status() };
    voice.onStatus((s) => this.setSystem({ voice: s }));
    this.session.onView((view) => voice.show(view));
    voice.show(this.session.view());
  }

  /** Storage, platform link and delivery as they are now (the cache may open later, e.g. after a key restore). */
  get queue(): Readonly<QueueParts> {
    return this.#queue;
  }

  /** The tamper-evident journal (offline-cache/journal.ts); null while storage or the journal is unavailable. */
  get journal(): Journal | null {
    return this.#queue.cache?.journal ?? null;
  }

  /**
   * Appends a journal record, best effort: false (and a log line) when the journal is unavailable or the
   * write fails. For callers whose own work is already done (a rating given, a payment step answered).
   */
  journalAppend(entry: JournalEntry): boolean {
    const j = this.journal;
    if (j === null) {
      this.log.warn({ type: entry.type }, 'journal unavailable: record not written');
      return false;
    }
    try {
      j.append(entry);
      return true;
    } catch (e) {
      this.log.warn({ type: entry.type, code: isStorageError(e) ? e.code : undefined, err: e instanceof Error ? e.message : String(e) }, 'journal record not written');
      if (isStorageError(e, 'full')) this.#storageFull('the journal cannot be written');
      return false;
    }
  }

  // ---------------------------------------------------------------- service problems

  readonly #problems = new Map<ServiceProblem, string>();
  #shownReason: string | null = null;

  /** The problems keeping the kiosk out of service (empty: in service as far as the core knows). */
  get problems(): ReadonlyMap<ServiceProblem, string> {
    return this.#problems;
  }

  #setProblem(kind: ServiceProblem, reason: string | null): void {
    if (reason === null) {
      if (!this.#problems.delete(kind)) return;
      this.log.info({ problem: kind }, 'storage problem cleared');
    } else {
      if (this.#problems.get(kind) === reason) return;
      this.#problems.set(kind, reason);
    }
    this.#applyService();
  }

  #applyService(): void {
    if (this.#closed) return;
    const reason = this.#problems.size === 0 ? null : [...this.#problems.values()].join('\n');
    if (reason === this.#shownReason) return;
    this.#shownReason = reason;
    // One owner of "in service": the maintenance hand-over, where a storage problem is a hold beside a technician's.
    const m = this.#tech?.maintenance;
    if (m) {
      if (reason === null) m.release('storage');
      else m.hold('storage', reason);
      return;
    }
    if (reason === null) this.session.backInService();
    else this.session.outOfService(reason);
  }

  #storageFull(what: string): void {
    const floor = this.loaded.profile.storage.minFreeBytes;
    this.#setProblem(
      'full',
      `存储空间不足，暂停受理新业务；已排队的提交照常发送。（${what}）\n` +
        `Storage is full: new submissions are refused until space is freed (floor ${mib(floor)} MiB); queued submissions keep being delivered. (${what})`,
    );
  }

  /** A start-up check found the database damaged: the next open checks it before anything is written. */
  #checkAtOpen = false;
  #integrity: Promise<IntegrityResult | null> = Promise.resolve(null);

  /**
   * The start-up checks of the cache now open (quick_check, the journal's chain and reconciliation, the
   * orphan sweep): they run while the kiosk serves; this resolves when they are done (null when the cache
   * did not open, or they ran at open). A failed check has put the kiosk out of service by then.
   */
  get integrityChecked(): Promise<IntegrityResult | null> {
    return this.#integrity;
  }

  /**
   * Opens the offline cache as its owner (migrations, recovery, the key guarded by the data, the journal's
   * identity and length against the database) and connects the platform; the checks whose cost grows with the
   * data follow in the background (#startIntegrityCheck). A storage failure never deletes anything: it
   * becomes a service problem, and the storage watch tries again.
   */
  #openQueue(): void {
    const { profile, dataDir, keyFile } = this.loaded;
    const log = this.log;
    const terminalId = profile.terminalId;
    let cache: OfflineCache;
    try {
      cache = openOfflineCache({
        dir: dataDir,
        keyFile,
        suite: profile.storage.sealing,
        minFreeBytes: profile.storage.minFreeBytes,
        journal: { hash: profile.storage.journalHash, terminalId },
        checks: 'deferred',
        quickCheck: this.#checkAtOpen,
        ...(this.opts.statfs ? { statfs: this.opts.statfs } : {}),
      });
    } catch (e) {
      if (!isStorageError(e)) throw e;
      // Once per cause, not on every retry of the storage watch.
      const known = this.#problems.has('key') || this.#problems.has('full') || this.#problems.has('storage');
      if (known) log.debug({ code: e.code }, 'offline cache still unavailable');
      else log.error({ code: e.code, err: e.message }, 'offline cache unavailable: out of service');
      if (isKeyProblem(e)) {
        const d = e.details;
        this.#setProblem(
          'key',
          `存储密钥${e.code === 'key-missing' ? '缺失' : '不匹配'}：${d.sealedEntries} 条已封存的提交全部保留待发送，没有丢失。` +
            `请技术人员从终端开通备份恢复密钥文件 ${d.keyFile}（先用 kioskctl key check 核对），终端会自动恢复服务。\n` +
            `Sealing key ${e.code === 'key-missing' ? 'missing' : 'wrong'}: ${d.sealedEntries} sealed submission(s) are kept pending, nothing is lost. ` +
            `A technician must restore ${d.keyFile} from the terminal's provisioning backup (check it with kioskctl key check); the kiosk resumes by itself.`,
        );
      } else if (e.code === 'full' || e.code === 'below-floor') {
        this.#storageFull(e.message.slice(0, 200));
      } else {
        this.#setProblem('storage', `存储不可用，未删除任何数据，请联系技术人员。\nstorage ${e.code}: ${e.message.slice(0, 300)} — nothing was deleted; call a technician`);
      }
      return;
    }
    this.#setProblem('key', null);
    this.#setProblem('storage', null);
    this.#checkAtOpen = false;
    const { recoveredInFlight } = cache.startup;
    log.info({ recoveredInFlight, stats: cache.outbox.stats() }, 'offline cache opened');
    this.#queue = { ...this.#queue, cache, ...this.#paymentParts(cache) };
    // A technician's hold kept from before a restart lives in the cache: out of service again at once.
    this.#tech?.maintenance.restoreKept();
    // Storage that opens late (a restored key file): what the journal left open is asked about now.
    this.#recoverPayments('payment journal opened');
    this.#checkJournal(cache);
    this.#startIntegrityCheck(cache);
    this.journalAppend({ type: 'core-started', host: this.opts.host });
    this.#retention();
    this.#checkFreeSpace();

    const url = profile.platform.url ?? this.opts.embeddedPlatformUrl ?? null;
    if (profile.platform.url === null && url !== null) log.info({ url }, 'using the embedded platform simulator of this host');
    if (url === null) {
      log.warn('no platform configured: submissions are queued and kept until one is');
      this.#publishQueueDepth();
      return;
    }
    const client = new PlatformClient({ baseUrl: url, terminalId, key: profile.platform.terminalKey, timeoutMs: profile.platform.timeoutMs });
    const delivery = new Delivery({
      outbox: cache.outbox,
      attachments: cache.attachments,
      client,
      terminalId,
      backoff: { baseMs: profile.platform.retryBaseMs, capMs: profile.platform.retryCapMs },
      concurrency: 2,
      journal: cache.journal,
      ...(this.opts.deliveryIdleMs !== undefined ? { idleMs: this.opts.deliveryIdleMs } : {}),
      log: log.child({ part: 'delivery' }),
    });
    const catalog = new CatalogCache(cache.kv, client, checkPlatformCatalog);
    // The last good platform catalog from the offline cache, if any, before the platform is asked again.
    this.catalogs.usePlatform(catalog.current, 'cache');
    this.#queue = {
      ...this.#queue,
      cache,
      url,
      client,
      catalog,
      delivery,
      link: new PlatformLink({ client, probeMs: profile.platform.probeSeconds * 1000 }),
    };
    this.#wireQueue();
  }

  // ---------------------------------------------------------------- payments

  /** The payment service over the pad and the offline cache's payment journal (every write witnessed by the journal). */
  #paymentParts(cache: OfflineCache): Pick<QueueParts, 'payments' | 'fees'> {
    const pad = this.devices.pad;
    if (pad === null) return { payments: null, fees: null };
    const records = reportingSteps(cache.payments, (key, step) => void this.journalAppend({ type: 'payment-step', key, step }));
    const payments = new PaymentService({ journal: records, pad, newServiceId, submissionFate: (key) => this.#submissionFate(key) });
    return { payments, fees: padFees(payments, records) };
  }

  /** What became of a matter's submission, for the payment rules: the outbox, else whether the matter is still going. */
  #submissionFate(key: string): SubmissionFate {
    const entry = this.#queue.cache?.outbox.findByKey(key);
    if (entry !== undefined) return entry.state === 'acked' ? 'delivered' : entry.state === 'dead' || entry.state === 'expired' ? 'failed' : 'submitted';
    if (this.#matters?.holds(key) === true || this.#resume?.keeps(key) === true) return 'active';
    // A matter interrupted by a crash waits in its draft for its citizen (crash resume): its payment stands until the draft is discarded.
    try {
      if (this.#queue.cache?.drafts.matterKey() === key) return 'active';
    } catch {
      // the draft cannot be read: the resume treats it as gone, and so do its payments
    }
    return 'failed';
  }

  #recovering = false;

  /**
   * Rule 1 of the payments, before anything else: every payment whose outcome is unknown is asked about,
   * and every payment a matter does not keep is reversed. At start, each time the pad comes (back) up,
   * and every minute while a payment is unresolved.
   */
  #recoverPayments(why: string): void {
    const payments = this.#queue.payments;
    // Only with the pad up: a status inquiry or a reversal to a pad that is not there only adds noise to the journal.
    if (payments === null || this.#recovering || this.#closed || this.devices.pad?.status().state !== 'online') return;
    this.#recovering = true;
    void payments
      .recover(this.#stopping.signal)
      .then(
        (r) => {
          if (r.resolved > 0 || r.reversed > 0 || r.open.length > 0) this.log.info({ why, resolved: r.resolved, reversed: r.reversed, open: r.open.length }, 'payments recovered');
        },
        (e: unknown) => this.log.warn({ why, code: isStorageError(e) ? e.code : undefined, err: e instanceof Error ? e.message : String(e) }, 'payment recovery failed (tried again later)'),
      )
      .finally(() => {
        this.#recovering = false;
      });
  }

  #watchPayments(): void {
    const pad = this.devices.pad;
    if (pad === null) return;
    let online = false;
    this.#unlink.push(
      pad.onStatus((s) => {
        const now = s.state === 'online';
        if (now && !online) this.#recoverPayments('payment pad online');
        online = now;
      }),
    );
    // The pad comes up after the start (its link opens asynchronously): its first 'online' runs the recovery.
    if (pad.status().state === 'online') this.#recoverPayments('core started');
    const timer = setInterval(() => {
      const open = this.#queue.cache?.payments.open() ?? [];
      if (open.length > 0) this.#recoverPayments('unresolved payments');
    }, PAYMENT_RECOVERY_MS);
    timer.unref();
    this.#unlink.push(() => clearInterval(timer));
  }

  /** The journal at open: present, the one this database started, not cut short (its chain follows in the background). */
  #checkJournal(cache: OfflineCache): void {
    if (cache.journal === null) {
      const why = cache.journalProblem?.message ?? 'the journal could not be opened';
      this.log.error({ err: why }, 'journal unavailable: out of service');
      this.#setProblem('journal', `审计日志（防篡改日志）异常，请联系技术人员（kioskctl journal verify）。\nJournal problem: ${why.slice(0, 400)}`);
      return;
    }
    this.#setProblem('journal', null);
  }

  /**
   * quick_check (a worker thread), the journal's chain and its reconciliation with the database, the orphan
   * sweep: while the kiosk serves. What they find puts it out of service as it did when they ran before serving.
   */
  #startIntegrityCheck(cache: OfflineCache): void {
    const terminalId = this.loaded.profile.terminalId;
    const ac = new AbortController();
    const stop = (): void => ac.abort(new Error('core stopping'));
    this.#stopping.signal.addEventListener('abort', stop, { once: true });
    // Begun on the next turn of the event loop, not inside start(): the journal's first slice (up to sliceMs of
    // work on this thread) and the quick_check worker's start and reads would otherwise land on the path to
    // serving, and grow with the data (bench: start to serving with 100,000 pending).
    this.#integrity = new Promise<void>((resolve) => setImmediate(resolve))
      .then(() => cache.checkIntegrity({ acceptanceNumberOf: (e) => acceptanceNumber(terminalId, e), signal: ac.signal }))
      .then(
        (r) => {
          if (this.#closed || this.#queue.cache !== cache) return null;
          this.#onIntegrity(cache, r);
          return r;
        },
        (e: unknown) => {
          if (!ac.signal.aborted) this.log.error({ err: e instanceof Error ? e.message : String(e) }, 'start-up checks failed to run');
          return null;
        },
      )
      .finally(() => this.#stopping.signal.removeEventListener('abort', stop));
  }

  #onIntegrity(cache: OfflineCache, r: IntegrityResult): void {
    const log = this.log;
    const rec = r.reconcile;
    log.info(
      {
        ms: Math.round(r.ms),
        quickCheck: r.quickCheck === null ? 'at open' : r.quickCheck.ok ? 'ok' : 'FAILED',
        journal: r.journal === null ? 'none' : r.journal.ok ? { records: r.journal.records } : 'BROKEN',
        journaled: rec?.journaled,
        recovered: rec?.recovered.length,
        missing: rec?.missing.length,
        sweep: r.sweep,
      },
      'start-up checks done',
    );
    if (r.journal !== null && !r.journal.ok) {
      log.error({ err: r.journal.problem }, 'journal broken: out of service');
      cache.journal?.close();
      this.#setProblem('journal', `审计日志（防篡改日志）异常，请联系技术人员（kioskctl journal verify）。\nJournal problem: ${r.journal.problem.slice(0, 400)}`);
    }
    if (rec !== null) {
      if (rec.missing.length > 0) {
        const shown = rec.missing.slice(0, 20).map((m) => m.acceptanceNumber);
        const more = rec.missing.length > shown.length ? ` … (+${rec.missing.length - shown.length})` : '';
        log.error({ missing: rec.missing.map((m) => m.acceptanceNumber) }, 'committed submissions missing from the database: out of service');
        this.#setProblem(
          'missing',
          `数据库缺少 ${rec.missing.length} 条已受理的提交，请联系技术人员：${shown.join('、')}${more}\n` +
            `${rec.missing.length} committed submission(s) are missing from the database (kioskctl journal verify): ${shown.join(', ')}${more}`,
        );
      } else {
        this.#setProblem('missing', null);
      }
      if (rec.appendError !== null) {
        log.error({ code: rec.appendError.code, err: rec.appendError.message }, 'journal reconciliation could not be recorded');
        if (rec.appendError.code === 'full') this.#storageFull('the journal cannot be written');
      }
    }
    if (r.quickCheck !== null && !r.quickCheck.ok) {
      const problem = r.quickCheck.problem;
      log.error({ err: problem }, 'offline cache failed its integrity check: out of service');
      this.#checkAtOpen = true;
      void this.#closeQueue().catch((e: unknown) => log.warn({ err: e instanceof Error ? e.message : String(e) }, 'closing the damaged cache'));
      this.#setProblem('storage', `存储不可用，未删除任何数据，请联系技术人员。\nstorage corrupt: ${problem.slice(0, 300)} — nothing was deleted; call a technician`);
    }
  }

  /** Stops delivery and the platform link and closes the cache (it failed its check); the storage watch reopens it later. */
  async #closeQueue(): Promise<void> {
    const q = this.#queue;
    this.#queue = { cache: null, url: null, client: null, link: null, delivery: null, catalog: null, payments: null, fees: null };
    for (const off of this.#unlinkQueue.splice(0)) off();
    await q.delivery?.stop();
    await q.link?.stop();
    q.client?.close();
    q.cache?.close();
  }

  /** Dead letters past their retention: exported sealed, purged, journalled. */
  #retention(): void {
    const cache = this.#queue.cache;
    if (cache === null) return;
    const terminalId = this.loaded.profile.terminalId;
    try {
      const r = expireDeadLetters({
        db: cache.db,
        outbox: cache.outbox,
        attachments: cache.attachments,
        sealer: cache.sealer,
        journal: cache.journal,
        dataDir: this.loaded.dataDir,
        retentionMs: this.loaded.profile.storage.deadLetterRetentionDays * DAY_MS,
        now: (this.opts.now ?? Date.now)(),
        acceptanceNumberOf: (e) => acceptanceNumber(terminalId, e),
      });
      if (r.expired > 0) this.log.warn({ expired: r.expired, files: r.files.length, unjournaled: r.unjournaled }, 'dead letters past their retention exported sealed and purged');
      const waiting = listRetentionExports(this.loaded.dataDir);
      if (waiting.length > 0) this.log.warn({ exports: waiting.length }, 'retention exports wait for a technician (kioskctl queue collect)');
    } catch (e) {
      this.log.error({ code: isStorageError(e) ? e.code : undefined, err: e instanceof Error ? e.message : String(e) }, 'retention sweep failed (tried again later)');
      if (isStorageError(e, 'full')) this.#storageFull('retention export');
    }
  }

  /** Below the free-space floor the kiosk stops taking citizens before anything fails halfway. */
  #checkFreeSpace(): void {
    const cache = this.#queue.cache;
    if (cache === null) return;
    try {
      const f = cache.outbox.freeSpace();
      if (f.ok) this.#setProblem('full', null);
      else this.#storageFull(`${mib(f.freeBytes)} MiB free`);
    } catch (e) {
      this.log.warn({ err: e instanceof Error ? e.message : String(e) }, 'free space check failed');
    }
  }

  #storageTimers: ReturnType<typeof setInterval>[] = [];

  #startStorageWatch(): void {
    const every = this.opts.storageCheckMs ?? 10_000;
    let ticks = 0;
    const tick = setInterval(() => {
      if (this.#closed) return;
      ticks++;
      try {
        if (this.#queue.cache === null) {
          // A restored key file or a freed disk: at once. A corrupt database only after a technician's work: now and then.
          if (this.#problems.has('key') || this.#problems.has('full') || ticks % 6 === 0) {
            this.#openQueue();
            this.#startResume();
          }
        } else {
          this.#checkFreeSpace();
        }
        this.#publishQueueDepth();
      } catch (e) {
        this.log.error({ err: e instanceof Error ? e.message : String(e) }, 'storage check failed');
      }
    }, every);
    tick.unref();
    const sweep = setInterval(() => this.#retention(), RETENTION_SWEEP_MS);
    sweep.unref();
    this.#storageTimers = [tick, sweep];
  }

  #wireQueue(): void {
    const q = this.#queue;
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
          (r) => {
            if (r === 'updated') this.catalogs.usePlatform(catalog.current, 'platform');
            if (typeof r === 'object') this.log.warn({ problem: r.rejected }, 'platform catalog rejected; the one in use stays');
            else this.log.info({ result: r }, 'catalog refresh');
          },
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
    this.#unlinkQueue.push(
      link.onChange((state) => {
        this.log.info({ platform: state }, 'platform reachability');
        this.setSystem({ platform: state });
        // Online-only matters become available or not.
        this.session.refresh();
        if (state === 'online') {
          const due = q.cache?.outbox.expedite() ?? 0;
          if (due > 0) this.log.info({ due }, 'platform back: pending entries made due now');
          delivery.notify();
          refreshCatalog();
        }
      }),
      link.onProblem((p) => this.setSystem({ platformProblem: p?.text ?? null })),
      delivery.onResult((e) => this.#onDelivery(e)),
      () => clearInterval(timer),
    );
    link.start();
    delivery.start();
  }

  /** Listeners of the core's own parts (the technician side). */
  #unlink: (() => void)[] = [];
  /** Listeners of the queue's parts (platform link, delivery): dropped when a damaged cache is closed. */
  #unlinkQueue: (() => void)[] = [];
  readonly #stopping = new AbortController();

  async #wireTechnician(): Promise<void> {
    const opts = this.opts;
    this.#tech = await wireTechnician({
      loaded: this.loaded,
      logging: this.logging,
      supervisor: this.supervisor,
      session: this.session,
      router: this.cardRouter,
      printer: this.devices.printer,
      // The queue may open later (a restored key file): always the parts as they are now.
      queue: () => this.#queue,
      platformState: () => this.#system.platform,
      platformProblem: () => this.#system.platformProblem ?? null,
      catalog: () => this.catalog(),
      queueChanged: () => {
        this.#publishQueueDepth();
        this.#queue.delivery?.notify();
      },
      onSystem: (l) => this.#systemChanges.on(l),
      journal: this.techJournal,
      trace: this.trace,
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
    const r = e.result;
    if ((r.kind === 'acked' || r.kind === 'dead') && e.entry.kind !== RATING_KIND) {
      // Rule 3: a failed submission's payment is reversed; a delivered one keeps exactly one.
      void this.#queue.payments?.settle(e.entry.idempotencyKey).then(
        (s) => s.reversed > 0 && this.log.warn({ key: e.entry.idempotencyKey, reversed: s.reversed, delivery: r.kind }, 'payment reversed after delivery'),
        (err: unknown) => this.log.warn({ key: e.entry.idempotencyKey, err: err instanceof Error ? err.message : String(err) }, 'payment settlement after delivery failed (recovery tries again)'),
      );
    }
    // A rating waiting for its case, like a held entry, learned nothing about the platform.
    if (r.kind !== 'held' && r.kind !== 'waiting') this.#queue.link?.report(r.kind !== 'retry' || r.reachable, r.kind === 'retry' ? r.problem : null);
    if (r.kind === 'held') {
      // The key does not open a queued entry: kept pending, the kiosk stops taking new citizens.
      this.#setProblem(
        'key',
        `存储密钥无法打开已排队的提交，提交全部保留待发送，没有丢失。请技术人员核对密钥文件（kioskctl key check）。\n` +
          `The sealing key cannot open a queued submission (${r.reason}); everything is kept pending. A technician must check the key file (kioskctl key check).`,
      );
    }
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
    try {
      return this.#queue.cache?.outbox.stats() ?? null;
    } catch {
      return null;
    }
  }

  /** The last catalog from the platform (or the offline cache of it); null if never fetched. */
  catalog(): Catalog | null {
    return this.#queue.catalog?.current ?? null;
  }

  /** The platform base URL in use (the embedded simulator's in web mode by default); null if none. */
  get platformUrl(): string | null {
    return this.#queue.url;
  }

  /**
   * Accepts a submission into the durable outbox and returns the kiosk's acceptance number.
   * Idempotent by key. Refuses with KioskError('storage-full') below the free-space floor before
   * anything is written; 'out-of-service' when storage is unavailable; 'invalid-params' for a
   * malformed submission.
   */
  async submit(input: SubmitInput, signal?: AbortSignal): Promise<SubmitResult> {
    signal?.throwIfAborted();
    const cache = this.#queue.cache;
    if (cache === null) throw new KioskError('out-of-service', [...this.#problems.values()].join('\n') || 'storage is unavailable');
    if (this.#problems.has('key') || this.#problems.has('missing')) throw new KioskError('out-of-service', [...this.#problems.values()].join('\n'));
    let r;
    try {
      r = enqueueSubmission(
        cache.outbox,
        this.loaded.profile.terminalId,
        {
          idempotencyKey: input.idempotencyKey,
          kind: input.kind,
          payload: input.payload,
          attachments: input.attachments,
          test: input.test,
          signal,
        },
        (this.opts.now ?? Date.now)(),
        { journal: cache.journal },
      );
    } catch (e) {
      if (isStorageError(e, 'below-floor') || isStorageError(e, 'full')) {
        this.log.warn({ code: e.code }, 'submission refused: storage full');
        this.#storageFull(e.code === 'full' ? 'a write failed: the disk is full' : 'below the free-space floor');
        throw new KioskError('storage-full', 'storage is below its free-space floor: new submissions are refused, queued ones are kept', { cause: e });
      }
      if (isStorageError(e, 'invalid')) throw new KioskError('invalid-params', e.message, { cause: e });
      if (isStorageError(e)) throw new KioskError('internal', `storage ${e.code}`, { cause: e });
      throw e;
    }
    this.log.info({ key: r.idempotencyKey, acceptance: r.acceptanceNumber, existing: r.existing, journal: r.journal }, 'submission queued');
    if (r.journal === 'failed') {
      // Committed all the same; the next start journals it as recovered (reconciliation).
      const e = r.journalError;
      this.log.error({ key: r.idempotencyKey, code: isStorageError(e) ? e.code : undefined }, 'submission committed but its journal record failed');
      if (isStorageError(e, 'full')) this.#storageFull('the journal cannot be written');
    }
    this.#publishQueueDepth();
    this.#queue.delivery?.notify();
    return { idempotencyKey: r.idempotencyKey, acceptanceNumber: r.acceptanceNumber };
  }

  get log(): Logger {
    return this.logging.logger;
  }

  /** The matter service (list, choose, the running matter's requests). */
  get matters(): MatterService {
    if (this.#matters === null) throw new KioskError('internal', 'the matter service is not started');
    return this.#matters;
  }

  #send(event: MatterEvent): null {
    this.matters.send(event);
    return null;
  }

  /** cases.open: the case query, from the attract screen only (the session machine takes QUERY_OPEN there). */
  #openQuery(): null {
    if (this.session.view().screen !== 'attract') throw new KioskError('not-allowed', 'the case query opens from the start screen');
    this.session.openQuery();
    return null;
  }

  /** A receipt's QR code: on the start screen it opens the case query; in the query (choosing) it looks the case up. */
  #caseByQr(acceptanceNumber: string): void {
    try {
      if (this.session.view().screen === 'attract') this.session.openQuery();
      if (this.session.view().screen !== 'query') return;
      const event: CaseQueryEvent = { type: 'BY_QR', acceptanceNumber };
      if (this.session.queryAccepts(event)) this.session.queryEvent(event);
    } catch (e) {
      this.log.warn({ err: e instanceof Error ? e.message : String(e) }, 'a receipt QR code could not open its case');
    }
  }

  #query(event: CaseQueryEvent): null {
    if (this.session.view().screen !== 'query') throw new KioskError('not-allowed', 'the case query is not open');
    if (!this.session.queryAccepts(event)) throw new KioskError('not-allowed', `${event.type.toLowerCase()} is not possible in the case query now`);
    this.session.queryEvent(event);
    return null;
  }

  #closeQuery(): null {
    if (this.session.view().screen !== 'query') throw new KioskError('not-allowed', 'the case query is not open');
    if (this.session.queryBusy()) throw new KioskError('not-allowed', 'the case query is working: wait a moment');
    this.session.closeQuery();
    return null;
  }

  #now(): number {
    return (this.opts.now ?? Date.now)();
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
    // A matter whose draft is kept keeps its payments: a restart within the idle timeout resumes it.
    const resume = this.#resume;
    resume?.close();
    this.#matters?.close((key) => resume?.keeps(key) ?? false);
    this.qr.close();
    await this.#voice?.close();
    for (const off of [...this.#unlink, ...this.#unlinkQueue.splice(0)]) off();
    await this.#tech?.close();
    this.session.stop();
    for (const t of this.#storageTimers) clearInterval(t);
    this.#stopping.abort(new Error('core stopping'));
    // The start-up checks stop at their next slice; wait for that before their connection and files close.
    await this.#integrity;
    const q = this.#queue;
    await q.delivery?.stop();
    await q.link?.stop();
    q.client?.close();
    q.cache?.close();
    await this.supervisor.close();
    this.log.info('core stopped');
    this.logging.close();
  }
}

function mib(n: number): string {
  return (n / (1024 * 1024)).toFixed(0);
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
