import { createHash, randomUUID } from 'node:crypto';
import type * as QRCodeModule from 'qrcode';
import { fromCallback, fromPromise, type AnyActorRef } from 'xstate';
import type { Logger } from 'pino';
import type { Application } from '../catalog/index.js';
import { KioskError, type LocalText, type MatterList, type MatterSummary, type MatterView, type UnavailableReason } from '../contract/index.js';
import { compileMatter, type MatterActorRef, type MatterActors, type Prefilled } from '../workflows/compile.js';
import { persistMatter, restoredMatterLogic } from '../workflows/persist.js';
import {
  StepError,
  type AcceptCodesInput,
  type Acceptance,
  type CertificateInfo,
  type CodeEvent,
  type LookupCertificatesInput,
  type LookupCertificatesOutput,
  type MatterData,
  type MatterEvent,
  type PrintReceiptInput,
  type ScanPagesInput,
  type SubmitCaseInput,
  type SubmitRatingInput,
  type TakePaymentInput,
} from '../workflows/matter-types.js';
import { UNPAID } from '../workflows/steps/submit.js';
import { matterViewOf, stepAccepts, type ViewEnv } from '../workflows/view.js';
import { isDeviceError } from '../../drivers/device.js';
import { lazyRequire } from '../../drivers/lazy-require.js';
import { nationName } from '../../drivers/id-card/protocol/text.js';
import type { IdentityRecord } from '../../drivers/id-card/types.js';
import type { ReceiptMaterialHow } from '../../drivers/receipt-printer/templates.js';
import { acceptanceReceiptFor, printerWords, receiptHow } from './receipts.js';
import type { ReceiptPrinter } from '../../drivers/receipt-printer/types.js';
import { isStorageError, type Journal, type JournalEntry, type Outbox } from '../../offline-cache/index.js';
import type { PlatformClient } from '../platform/client.js';
import type { Certificate } from '../platform/schemas.js';
import type { QrScans, ScannedCode } from './qr-scans.js';
import { holderToken } from '../platform/signing.js';
import type { CatalogService } from './catalog-service.js';
import { enqueueRating, type Delivery } from './delivery.js';
import type { DeviceSupervisor } from './device-supervisor.js';
import { MatterDeviceError, type FeeTerminal, type PageSource } from './matter-devices.js';
import type { PlatformLink } from './platform-link.js';
import type { Profile } from './profile.js';
import type { SessionService, StartMatter } from './session-service.js';
import { Emitter } from '../../drivers/device.js';
import { addWorkingDays, chinaDate, type WorkCalendar } from './working-days.js';

/**
 * The matter service: the core's side of matters. It offers the catalog's matters with their
 * availability, starts the chosen one as the session's child (compiled with actors bound to this
 * citizen and this run), provides the six named actors (submission into the outbox, the receipt,
 * e-certificates, scans, payment, the rating), and forgets everything of a run when the session
 * stops it. Nothing here logs citizen data.
 */

/**
 * The offline queue as it is now: the core may open its storage later (a restored key file), so the
 * service asks each time. The tamper-evident journal (offline-cache/journal.ts) records what the kiosk
 * accepted: `submission-accepted` is written by the core's submit (enqueueSubmission), `rating` by
 * enqueueRating here, `payment-step` for every write of the payment journal by the core's PaymentService
 * (main/core/payments.ts reportingSteps).
 */
export interface QueueView {
  outbox: Outbox | null;
  journal: Journal | null;
  client: PlatformClient | null;
  link: PlatformLink | null;
  delivery: Delivery | null;
  /** Fees on the payment pad through the payment journal; null without a pad or while storage is unavailable. */
  fees: FeeTerminal | null;
}

export interface SubmitFn {
  (
    input: { kind: string; payload: { matterCode: string; applicantToken: string; form: Record<string, unknown>; submittedAt?: string }; attachments?: readonly Uint8Array[]; idempotencyKey: string },
    signal?: AbortSignal,
  ): Promise<{ idempotencyKey: string; acceptanceNumber: string }>;
}

export interface MatterServiceOptions {
  profile: Profile;
  catalogs: CatalogService;
  session: SessionService;
  supervisor: DeviceSupervisor;
  printer: ReceiptPrinter | null;
  /** Codes shown to the QR reader (a materials step claims them while it waits); null without a reader. */
  qr?: QrScans | null;
  /** The document scanner's pages (main/core/matter-devices.ts scannerPages); null without a scanner. */
  pageSource: PageSource | null;
  queue: () => QueueView;
  /** KioskCore.submit: validated, sealed, durable, journalled, idempotent by key. */
  submit: SubmitFn;
  /** KioskCore.journalAppend: best effort, for records whose own work is already done. */
  journalAppend: (entry: JournalEntry) => boolean;
  log: Logger;
  now?: () => number;
  /** How long a submission made online waits for the platform's case number for the receipt (default 4 s). */
  caseNumberWaitMs?: number;
}

/** One citizen's run of one matter: what the core holds for it, forgotten when it stops. */
interface Run {
  app: Application;
  key: string;
  record: IdentityRecord;
  /** Scanned pages by batch ref (PNG bytes). */
  pages: Map<string, Uint8Array[]>;
  /** Print keys whose receipt came out. */
  printed: Set<string>;
  /** Print keys whose bytes went (or were about to go) to the printer without a confirmation yet. */
  printing: Set<string>;
  submitted: boolean;
  batches: number;
}

const w = (zh: string, en: string): LocalText => ({ 'zh-CN': zh, en });

/** A device that answers (online, working, or reporting a fault it may recover from at the next operation). */
const answering = (s: string | undefined): boolean => s === 'online' || s === 'busy' || s === 'error';

/**
 * What a run is, as the crash-resume draft keeps it (main/core/resume.ts): enough to put the citizen back on
 * their step and to reconcile what the run had started (prints, the submission). Never the ID number. Its
 * payments are not in it: the payment journal (offline-cache/payments.ts) holds them by matter key, and
 * PaymentService resolves and settles them (a restored fee step asks again under the same key, never charging twice).
 */
export interface RunState {
  key: string;
  matterCode: string;
  /** The holder token of the run's card (HMAC of the ID number under the holder key). */
  holder: string;
  /** The matter's persisted snapshot (workflows/persist.ts). */
  snapshot: string;
  printed: string[];
  printing: string[];
  submitted: boolean;
  batches: number;
}

/** Something a run did that the draft must hold before it goes further (a print about to start, a scan batch). */
export type RunEvent =
  | { type: 'changed'; key: string }
  | { type: 'pages'; key: string; ref: string; pages: readonly Uint8Array[] };

const WORDS = {
  printer: w('回执打印机暂不可用', 'The receipt printer is not available'),
  scanner: w('扫描仪暂不可用', 'The scanner is not available'),
  payment: w('支付终端暂不可用', 'The payment pad is not available'),
  platform: w('暂时无法连接政务服务平台，此事项需联网办理', 'The government platform cannot be reached; this matter needs it'),
  storage: w('终端存储空间不足，暂停受理新的申请，请联系工作人员', 'The terminal is out of storage and accepts no new applications; please ask staff'),
  onlineOnly: w('暂时无法连接政务服务平台，此事项需联网办理，请稍后再试或到窗口办理。', 'The government platform cannot be reached. This matter needs it: please try later or go to a counter.'),
  storageFull: w('终端存储空间不足，申请未能保存。请联系工作人员。', 'The terminal is out of storage and could not keep your application. Please ask staff.'),
  notSaved: w('申请未能保存，请重试或联系工作人员。', 'Your application could not be saved. Please try again or ask staff.'),
  certificates: w('暂时无法查询电子证照，请扫描材料或使用承诺。', 'E-certificates cannot be looked up now; scan the document or use the commitment.'),
  codeIsReceipt: w('这是受理回执上的二维码。办理中请出示电子证照的二维码；查询办件请回到首页扫描回执。', 'This is a receipt\'s QR code. Show an e-certificate\'s code here; to look up a case, scan the receipt on the start screen.'),
  codeUnknown: w('无法识别这个二维码。请出示电子证照的二维码，或扫描纸质材料。', 'This QR code is not recognised. Show an e-certificate\'s code, or scan the paper document.'),
  codeExpired: w('这份电子证照已过期，请使用有效的证照或扫描纸质材料。', 'This e-certificate has expired. Use a valid one or scan the paper document.'),
  codeRevoked: w('这份电子证照已被注销，请使用有效的证照或扫描纸质材料。', 'This e-certificate was revoked. Use a valid one or scan the paper document.'),
  codeNotYours: w('这份电子证照不属于持证人本人，不能用于本次办理。', 'This e-certificate does not belong to the cardholder and cannot be used here.'),
  noScanner: w('扫描仪暂不可用，请联系工作人员。', 'The scanner is not available. Please ask staff.'),
  scanFailed: w('扫描没有成功，请把材料放好后重试。', 'The scan did not work. Place the document and try again.'),
  noPad: w('支付终端暂不可用，请联系工作人员。', 'The payment pad is not available. Please ask staff.'),
  payUnknown: w('支付结果未能确认，不会重复扣款。请再按一次"缴费"查询结果。', 'The payment could not be confirmed; you will not be charged twice. Press Pay again to check.'),
  payNotRecorded: w('终端暂时无法记录支付，缴费暂停，不会重复扣款。请联系工作人员。', 'The terminal cannot record payments right now; paying is paused and you will not be charged twice. Please ask staff.'),
  ratingFailed: w('评价未能保存，请重试。', 'Your rating could not be saved. Please try again.'),
  noPrinter: w('本终端没有回执打印机。请记下受理编号，或用手机扫描屏幕上的二维码。', 'This terminal has no receipt printer. Note the number or scan the QR code on screen.'),
  mayHavePrinted: w('终端重启前回执可能已经打印，请查看出纸口。如没有取到，请按"重新打印"。', 'The receipt may have printed before the terminal restarted: please check the tray. If it is not there, press Print again.'),
};

/** The 告知承诺 text's version: SHA-256 of both languages, as shown. */
export function commitmentVersion(text: LocalText): string {
  return createHash('sha256').update(text['zh-CN'], 'utf8').update('\u0000').update(text.en, 'utf8').digest('hex');
}

const PNG_SIGNATURE = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a];
const isPng = (b: Uint8Array): boolean => b.length > 8 && PNG_SIGNATURE.every((x, i) => b[i] === x);

const qrcode = lazyRequire<typeof QRCodeModule>('qrcode');

async function qrDataUrl(payload: string): Promise<string> {
  const svg = await qrcode().toString(payload, { type: 'svg', errorCorrectionLevel: 'M', margin: 2 });
  return `data:image/svg+xml;base64,${Buffer.from(svg, 'utf8').toString('base64')}`;
}

/** Pre-filled values from the card (the platform profile source has no API yet: such fields start empty). */
export function prefillFrom(app: Application, record: IdentityRecord): Record<string, Prefilled> {
  const out: Record<string, Prefilled> = {};
  for (const f of app.fields) {
    let value: string | undefined;
    switch (f.prefill) {
      case 'card.name':
        value = record.name;
        break;
      case 'card.gender':
        value = record.gender;
        break;
      case 'card.birthDate':
        value = record.birthDate;
        break;
      case 'card.address':
        value = record.address;
        break;
      case 'card.nation':
        value = nationName(record.nationCode);
        break;
    }
    if (value !== undefined && value !== '') out[f.key] = { value, source: 'card' };
  }
  return out;
}

/** A platform certificate as the matter keeps it (what the screen shows; no citizen data beyond it). */
function certificateInfo(c: Certificate): CertificateInfo {
  return {
    id: c.id,
    type: c.type,
    title: c.title,
    issuer: c.issuer,
    issuedOn: chinaDate(Date.parse(c.issuedAt)),
    expiresOn: c.expiresAt === undefined ? null : chinaDate(Date.parse(c.expiresAt)),
  };
}

export class MatterService {
  readonly #o: MatterServiceOptions;
  readonly #runs = new Map<string, Run>();
  readonly #holderKey: Buffer;
  readonly #calendar: WorkCalendar;
  readonly #offs: (() => void)[] = [];
  readonly #runEvents = new Emitter<RunEvent>();

  constructor(opts: MatterServiceOptions) {
    this.#o = opts;
    this.#holderKey = Buffer.from(opts.profile.platform.holderKey, 'base64');
    this.#calendar = { holidays: new Set(opts.profile.catalog.holidays), workdays: new Set(opts.profile.catalog.workdays) };
    const refresh = (): void => opts.session.refresh();
    // Platform reachability changes reach the view through the core (it calls session.refresh()).
    this.#offs.push(opts.supervisor.onChange(refresh), opts.catalogs.onChange(refresh));
    this.#offs.push(opts.session.onMatterStopped((e) => this.#stopped(e.idempotencyKey, e.submitted)));
    opts.session.attachMatters({ list: () => this.list(), matterView: (ref, confirm) => this.#view(ref, confirm) });
  }

  /** Runs whose data the core still holds (0 once every matter stopped: tests check the wipe). */
  get activeRuns(): number {
    return this.#runs.size;
  }

  /**
   * Stops the service. A run `keep` names (its draft stays for crash resume: a restart of the core picks it up)
   * keeps its payments; every other run is stopped as the session would stop it.
   */
  close(keep: (key: string) => boolean = () => false): void {
    for (const off of this.#offs.splice(0)) off();
    for (const key of [...this.#runs.keys()]) {
      if (keep(key)) this.#forgetRun(key);
      else this.#stopped(key, false);
    }
    this.#runEvents.clear();
  }

  // ---- crash resume (main/core/resume.ts keeps the draft) ----

  /** A run changed in a way the draft must hold now (synchronously, before the run goes on). */
  onRunEvent(listener: (e: RunEvent) => void): () => void {
    return this.#runEvents.on(listener);
  }

  /** The running matter's run as a draft keeps it; null when no matter of this service runs. */
  runState(): RunState | null {
    const ref = this.#o.session.matterRef();
    if (ref === null) return null;
    const key = (ref as MatterActorRef).getSnapshot().context.idempotencyKey;
    const run = this.#runs.get(key);
    if (run === undefined || (ref as MatterActorRef).getSnapshot().status !== 'active') return null;
    return {
      key,
      matterCode: run.app.code,
      holder: holderToken(this.#holderKey, run.record.idNumber),
      snapshot: persistMatter(ref, run.app, this.#o.catalogs.catalog.rating),
      printed: [...run.printed],
      printing: [...run.printing].filter((k) => !run.printed.has(k)),
      submitted: run.submitted,
      batches: run.batches,
    };
  }

  /** The holder token of a card (to compare with a draft's; never stored with the ID number). */
  holderOf(record: IdentityRecord): string {
    return holderToken(this.#holderKey, record.idNumber);
  }

  /**
   * Recreates an interrupted run for the citizen whose card is on the reader again, and returns what the session
   * resumes it with: the matter's logic restoring its snapshot, bound to this run's actors. Throws when the matter
   * is no longer in the catalog in use or its snapshot does not restore (the caller discards the draft).
   */
  resumeRun(state: RunState, record: IdentityRecord, pages: Map<string, Uint8Array[]>): StartMatter {
    const { catalogs } = this.#o;
    const app = catalogs.catalog.applications.get(state.matterCode);
    if (app === undefined) throw new KioskError('not-allowed', `no matter "${state.matterCode.slice(0, 128)}" in the catalog in use`);
    const run: Run = {
      app,
      key: state.key,
      record,
      pages,
      printed: new Set(state.printed),
      printing: new Set(state.printing),
      submitted: state.submitted,
      batches: state.batches,
    };
    const logic = restoredMatterLogic(compileMatter(app, { actors: this.#actors(run), rating: catalogs.catalog.rating }), state.snapshot, app, catalogs.catalog.rating);
    this.#runs.set(state.key, run);
    this.#o.log.info({ matter: app.code, key: state.key }, 'matter resumed after a restart');
    return { logic, input: { idempotencyKey: state.key, prefill: prefillFrom(app, record) }, code: app.code, name: app.name };
  }

  /** An interrupted run that will not be resumed (too late, another card, gone from the catalog): what it paid and never submitted is reversed. */
  discardRun(state: Pick<RunState, 'key' | 'matterCode' | 'submitted'>): void {
    const app = this.#o.catalogs.catalog.applications.get(state.matterCode);
    // Gone from the catalog: settle anyway (PaymentService finds nothing to do for a matter that took no fee).
    this.#settlePayments(state.key, state.matterCode, state.submitted, app === undefined || app.fee.kind === 'fixed');
  }

  /** A submission the draft did not know of yet (the core died between the commit and the draft). */
  submittedBefore(key: string): boolean {
    return this.#o.queue().outbox?.findByKey(key) !== undefined;
  }

  get #now(): number {
    return (this.#o.now ?? Date.now)();
  }

  // ---- the list ----

  /** What availability depends on, read once per list (statfs and device states are not free). */
  #conditions(): { online: boolean; printer: boolean; scanner: boolean; payment: boolean; storage: boolean } {
    const o = this.#o;
    const q = o.queue();
    const devices = o.supervisor.list();
    const printer = devices.find((x) => x.kind === 'receipt-printer');
    let storage = false;
    try {
      storage = q.outbox !== null && q.outbox.freeSpace().ok;
    } catch {
      storage = false;
    }
    return {
      online: q.link?.state === 'online',
      printer: printer !== undefined && (printer.state === 'online' || printer.state === 'busy'),
      scanner: o.pageSource !== null && answering(devices.find((x) => x.kind === 'scanner')?.state),
      payment: q.fees !== null && answering(devices.find((x) => x.kind === 'payment')?.state),
      storage,
    };
  }

  /** Why an application cannot run now (null: it can). */
  unavailable(app: Application, c = this.#conditions()): MatterSummary['unavailable'] {
    const no = (reason: UnavailableReason, message: LocalText, device: 'receipt-printer' | 'scanner' | 'payment' | null = null): MatterSummary['unavailable'] => ({ reason, device, message });
    if (!app.offline && !c.online) return no('platform-unreachable', WORDS.platform);
    for (const d of app.devices) {
      if (d === 'receipt-printer' && !c.printer) return no('device-offline', WORDS.printer, d);
      if (d === 'scanner' && !c.scanner) return no('device-offline', WORDS.scanner, d);
      if (d === 'payment' && !c.payment) return no('device-offline', WORDS.payment, d);
    }
    if (!c.storage) return no('storage-full', WORDS.storage);
    return null;
  }

  list(): MatterList {
    const c = this.#o.catalogs.catalog;
    const apps = [...c.applications.values()];
    const now = this.#conditions();
    const summary = (a: Application): MatterSummary => ({
      code: a.code,
      kind: a.kind,
      name: a.name,
      members: a.members.map((m) => m.name),
      fee: a.fee.kind === 'fixed' ? { amountFen: a.fee.amountFen, item: a.fee.item } : null,
      processing: a.processing,
      offline: a.offline,
      sample: a.sample,
      unavailable: this.unavailable(a, now),
    });
    return {
      sample: c.sample,
      categories: c.categories
        .map((cat) => ({ id: cat.id, name: cat.name, matters: apps.filter((a) => a.category === cat.id).map(summary) }))
        .filter((cat) => cat.matters.length > 0),
    };
  }

  #env(): ViewEnv {
    const s = this.#o.supervisor.list().find((x) => x.kind === 'scanner')?.state;
    return { platformOnline: this.#o.queue().link?.state === 'online', scannerReady: this.#o.pageSource !== null && (s === 'online' || s === 'error') };
  }

  /**
   * Whether the matter with this idempotency key is still going here (its run is held). The payment
   * rules ask it: an approved payment of a matter that is neither going nor submitted is reversed.
   */
  holds(key: string): boolean {
    return this.#runs.has(key);
  }

  #view(ref: AnyActorRef, confirmCancel: boolean): MatterView | null {
    return matterViewOf(ref as MatterActorRef, this.#env(), confirmCancel);
  }

  // ---- the requests ----

  /** matter.choose: starts the matter for the citizen on the reader, under a new idempotency key. */
  choose(code: string): void {
    const { session, catalogs } = this.#o;
    if (session.view().screen !== 'welcome') throw new KioskError('not-allowed', 'a matter is chosen from the matter list, after the ID card is read');
    const record = session.currentRecord;
    if (record === null) throw new KioskError('not-allowed', 'no citizen identified');
    const app = catalogs.catalog.applications.get(code);
    if (app === undefined) throw new KioskError('not-allowed', `no matter "${code.slice(0, 128)}" in the catalog in use`);
    const no = this.unavailable(app);
    if (no !== null) throw new KioskError('not-allowed', `${no.message['zh-CN']} / ${no.message.en}`);
    const key = randomUUID();
    const run: Run = { app, key, record, pages: new Map(), printed: new Set(), printing: new Set(), submitted: false, batches: 0 };
    this.#runs.set(key, run);
    const logic = compileMatter(app, { actors: this.#actors(run), rating: catalogs.catalog.rating });
    this.#o.log.info({ matter: app.code, kind: app.kind, key }, 'matter started');
    session.startMatter({ logic, input: { idempotencyKey: key, prefill: prefillFrom(app, record) }, code: app.code, name: app.name });
  }

  /** A screen event for the running matter; not-allowed when its current step does not take it now. */
  send(event: MatterEvent): void {
    const { session } = this.#o;
    const ref = session.matterRef();
    if (ref === null) throw new KioskError('not-allowed', 'no matter is running');
    if (session.confirmingCancel()) throw new KioskError('not-allowed', 'the cancel question is open: answer it first');
    if (!stepAccepts(ref as MatterActorRef, event)) throw new KioskError('not-allowed', `${event.type.toLowerCase()} is not possible on this step now`);
    session.matterEvent(event);
  }

  /** matter.cancel: asks once (before the submission); after the submission it ends the session. */
  cancel(): void {
    const { session } = this.#o;
    const ref = session.matterRef();
    if (ref === null) throw new KioskError('not-allowed', 'no matter is running');
    const v = this.#view(ref, session.confirmingCancel());
    const submitted = (ref as MatterActorRef).getSnapshot().context.data.submission !== null;
    if (!submitted && v !== null && !v.canCancel) throw new KioskError('not-allowed', 'cannot cancel while the device or the platform is working: wait a moment');
    session.cancel();
  }

  cancelConfirm(): void {
    if (!this.#o.session.confirmingCancel()) throw new KioskError('not-allowed', 'no cancel question is open');
    this.#o.session.cancelConfirm();
  }

  cancelDismiss(): void {
    if (!this.#o.session.confirmingCancel()) throw new KioskError('not-allowed', 'no cancel question is open');
    this.#o.session.cancelDismiss();
  }

  // ---- end of a run ----

  #stopped(key: string, submitted: boolean): void {
    const run = this.#forgetRun(key);
    if (!run) return;
    this.#settlePayments(key, run.app.code, run.submitted || submitted, run.app.fee.kind === 'fixed');
  }

  /** Forgets a run's data (pages zeroed); returns it. */
  #forgetRun(key: string): Run | undefined {
    const run = this.#runs.get(key);
    if (!run) return undefined;
    this.#runs.delete(key);
    for (const pages of run.pages.values()) for (const p of pages) p.fill(0);
    run.pages.clear();
    return run;
  }

  /**
   * A matter that stopped, or an interrupted one that will not be resumed: a payment of a matter never
   * submitted is reversed (PaymentService asks the outbox, holds() and the crash-resume draft); one still
   * being taken finishes first (the service takes one operation at a time).
   */
  #settlePayments(key: string, matterCode: string, submitted: boolean, hasFee: boolean): void {
    this.#o.log.info({ matter: matterCode, key, submitted }, 'matter stopped');
    const fees = this.#o.queue().fees;
    if (!fees || !hasFee) return;
    void fees.settle(key).then(
      (r) => {
        if (r.reversed > 0) this.#o.log.info({ key, reversed: r.reversed }, 'payment reversed: the matter was not submitted');
        if (r.open > 0) this.#o.log.warn({ key, open: r.open }, 'payment not settled yet: recovery asks the pad again');
      },
      (e: unknown) => this.#o.log.error({ key, err: e instanceof Error ? e.message : String(e) }, 'payment settlement failed: recovery tries again'),
    );
  }

  // ---- the six actors ----

  #actors(run: Run): MatterActors {
    return {
      submitCase: fromPromise<Acceptance, SubmitCaseInput>(({ input, signal }) => this.#submitCase(run, input, signal)),
      printReceipt: fromPromise<void, PrintReceiptInput>(({ input, signal }) => this.#printReceipt(run, input, signal)),
      lookupCertificates: fromPromise<LookupCertificatesOutput, LookupCertificatesInput>(({ input, signal }) => this.#lookup(run, input, signal)),
      scanPages: fromCallback<MatterEvent, ScanPagesInput>(({ input, sendBack }) => this.#scan(run, input, sendBack)),
      acceptCodes: fromCallback<CodeEvent, AcceptCodesInput>(({ input, sendBack }) => this.#acceptCodes(run, input, sendBack)),
      takePayment: fromCallback<MatterEvent, TakePaymentInput>(({ input, sendBack }) => this.#pay(run, input, sendBack)),
      submitRating: fromPromise<void, SubmitRatingInput>(({ input, signal }) => this.#rate(run, input, signal)),
    };
  }

  /** The submission's form: what the citizen entered and how each material came; no ID number. */
  #form(run: Run, data: MatterData, at: number): { form: Record<string, unknown>; attachments: Uint8Array[] } {
    const { app } = run;
    const attachments: Uint8Array[] = [];
    const materials = app.materials.flatMap((m) => {
      const p = data.materials[m.key];
      if (p === undefined) return [];
      if (p.by === 'e-certificate') return [{ key: m.key, by: 'e-certificate', certificateId: p.certificate.id, certificateType: p.certificate.type }];
      if (p.by === 'commitment') return [{ key: m.key, by: 'commitment' }];
      const pages = p.refs.flatMap((ref) => run.pages.get(ref) ?? []);
      const first = attachments.length;
      attachments.push(...pages);
      return [{ key: m.key, by: 'scan', pages: pages.length, attachments: pages.map((_, i) => first + i) }];
    });
    const c = data.commitment;
    const values: Record<string, string> = {};
    for (const f of app.fields) values[f.key] = data.values[f.key] ?? '';
    return {
      form: {
        values,
        ...(app.kind === 'bundle' ? { members: app.members.map((m) => m.code) } : {}),
        commitment:
          app.commitment === null || c === null
            ? null
            : c.decision === 'committed'
              ? { decision: 'committed', version: commitmentVersion(app.commitment.text), at: new Date(c.at).toISOString() }
              : { decision: 'declined' },
        materials,
        payment: data.payment ? { transactionId: data.payment.transactionId, amountFen: data.payment.amountFen, approvedAt: new Date(data.payment.approvedAt).toISOString() } : null,
        catalogVersion: this.#o.catalogs.catalog.version,
        channel: 'self-service-terminal',
        submittedAt: new Date(at).toISOString(),
      },
      attachments,
    };
  }

  async #submitCase(run: Run, input: SubmitCaseInput, signal: AbortSignal): Promise<Acceptance> {
    const { app } = run;
    const o = this.#o;
    if (app.fee.kind === 'fixed' && (input.data.payment === null || input.data.payment.amountFen !== app.fee.amountFen)) throw new StepError(UNPAID);
    const online = o.queue().link?.state === 'online';
    if (!app.offline && !online) throw new StepError(WORDS.onlineOnly);
    const at = input.at > 0 ? input.at : this.#now;
    const { form, attachments } = this.#form(run, input.data, at);
    let accepted: { acceptanceNumber: string };
    try {
      accepted = await o.submit(
        {
          kind: app.kind,
          idempotencyKey: run.key,
          payload: { matterCode: app.code, applicantToken: holderToken(this.#holderKey, run.record.idNumber), form, submittedAt: new Date(at).toISOString() },
          attachments,
        },
        signal,
      );
    } catch (e) {
      if (e instanceof KioskError && e.code === 'storage-full') throw new StepError(WORDS.storageFull, { cause: e });
      o.log.warn({ matter: app.code, key: run.key, code: e instanceof KioskError ? e.code : 'error' }, 'submission not accepted');
      throw new StepError(WORDS.notSaved, { cause: e });
    }
    // The core's submit wrote the journal's submission-accepted record right after the commit.
    run.submitted = true;
    this.#runEvents.emit({ type: 'changed', key: run.key });
    const caseNumber = online ? await this.#caseNumber(run.key, signal) : null;
    const p = app.processing;
    return {
      acceptanceNumber: accepted.acceptanceNumber,
      caseNumber,
      offline: !online,
      qr: await qrDataUrl(accepted.acceptanceNumber),
      promisedDate: p.kind === 'promised' ? addWorkingDays(chinaDate(at), p.workingDays, this.#calendar) : null,
      submittedAt: at,
    };
  }

  /** The platform's case number, when delivery brings it within a few seconds (the receipt prints it). */
  #caseNumber(key: string, signal: AbortSignal): Promise<string | null> {
    const { outbox, delivery } = this.#o.queue();
    const known = outbox?.findByKey(key)?.platformCaseNumber;
    if (known !== undefined) return Promise.resolve(known);
    if (!delivery) return Promise.resolve(null);
    return new Promise((resolve) => {
      const done = (v: string | null): void => {
        clearTimeout(t);
        off();
        signal.removeEventListener('abort', onAbort);
        resolve(v);
      };
      const onAbort = (): void => done(null);
      const t = setTimeout(() => done(null), this.#o.caseNumberWaitMs ?? 4000);
      const off = delivery.onResult((e) => {
        if (e.entry.idempotencyKey !== key) return;
        if (e.result.kind === 'acked') done(e.result.caseNumber);
        else done(null);
      });
      signal.addEventListener('abort', onAbort, { once: true });
      // Delivered between the look-up above and the subscription.
      const now = outbox?.findByKey(key)?.platformCaseNumber;
      if (now !== undefined) done(now);
    });
  }

  async #printReceipt(run: Run, input: PrintReceiptInput, signal: AbortSignal): Promise<void> {
    if (run.printed.has(input.idempotencyKey)) return;
    // Sent before the core died, never confirmed: it may be in the tray. Printed again only when asked (a reprint has its own key).
    if (run.printing.has(input.idempotencyKey)) throw new StepError(WORDS.mayHavePrinted);
    const printer = this.#o.printer;
    if (printer === null) throw new StepError(WORDS.noPrinter);
    const { app } = run;
    const a = input.acceptance;
    const materials: Record<string, ReceiptMaterialHow> = {};
    for (const [key, p] of Object.entries(input.data.materials)) materials[key] = receiptHow(p);
    // The current case number, if delivery brought it since the acceptance.
    const caseNumber = a.caseNumber ?? this.#o.queue().outbox?.findByKey(run.key)?.platformCaseNumber ?? null;
    let bytes: Uint8Array;
    try {
      bytes = acceptanceReceiptFor(this.#o.profile, printer.profile.name, {
        app,
        acceptanceNumber: a.acceptanceNumber,
        acceptedAt: a.submittedAt,
        caseNumber,
        offline: a.offline,
        promisedDate: a.promisedDate,
        materials,
        applicant: run.record,
      });
    } catch (e) {
      this.#o.log.error({ matter: app.code, err: e instanceof Error ? e.message : String(e) }, 'acceptance receipt could not be encoded');
      throw new StepError(printerWords(e), { cause: e });
    }
    // The draft holds the intent before the first byte goes out (crash resume never prints it twice by itself).
    run.printing.add(input.idempotencyKey);
    this.#runEvents.emit({ type: 'changed', key: run.key });
    try {
      await printer.print(bytes, { signal });
      run.printed.add(input.idempotencyKey);
      run.printing.delete(input.idempotencyKey);
      this.#runEvents.emit({ type: 'changed', key: run.key });
    } catch (e) {
      run.printing.delete(input.idempotencyKey);
      this.#runEvents.emit({ type: 'changed', key: run.key });
      this.#o.log.warn({ matter: app.code, err: isDeviceError(e) ? e.toJSON() : String(e) }, 'acceptance receipt not printed: shown on screen');
      throw new StepError(printerWords(e), { cause: e });
    }
  }

  async #lookup(run: Run, input: LookupCertificatesInput, signal: AbortSignal): Promise<LookupCertificatesOutput> {
    const { client, link } = this.#o.queue();
    if (client === null || link?.state !== 'online') throw new StepError(WORDS.certificates);
    const holder = holderToken(this.#holderKey, run.record.idNumber);
    const now = this.#now;
    const out: LookupCertificatesOutput = {};
    for (const type of input.types) {
      const r = await client.lookupCertificate({ type, holder }, signal);
      if (r.kind !== 'ok') throw new StepError(WORDS.certificates);
      out[type] = r.value.certificates
        .filter((c) => c.type === type && (c.expiresAt === undefined || Date.parse(c.expiresAt) > now))
        .sort((a, b) => Date.parse(b.issuedAt) - Date.parse(a.issuedAt))
        .map(certificateInfo);
    }
    return out;
  }

  #scan(run: Run, input: ScanPagesInput, sendBack: (e: MatterEvent | { type: string; [k: string]: unknown }) => void): () => void {
    const source = this.#o.pageSource;
    if (source === null) {
      queueMicrotask(() => sendBack({ type: 'SCAN_FAILED', words: WORDS.noScanner }));
      return () => undefined;
    }
    const ac = new AbortController();
    source
      .scan({ maxPages: input.maxPages, signal: ac.signal, onProgress: (p) => !ac.signal.aborted && sendBack({ type: 'SCAN_PROGRESS', pagesDone: p.pagesDone, pageProgress: p.pageProgress }) })
      .then(
        (pages) => {
          if (ac.signal.aborted) {
            pages.forEach((p) => p.fill(0));
            return;
          }
          const good = pages.filter(isPng).slice(0, input.maxPages);
          if (good.length !== pages.length) this.#o.log.warn({ got: pages.length, kept: good.length }, 'scanner returned pages that are not PNG or too many');
          run.batches += 1;
          const ref = `batch-${run.batches}`;
          run.pages.set(ref, good);
          this.#runEvents.emit({ type: 'pages', key: run.key, ref, pages: good });
          sendBack({ type: 'SCAN_DONE', pages: good.length, ref });
        },
        (e: unknown) => {
          if (ac.signal.aborted) return;
          this.#o.log.warn({ matter: run.app.code, err: e instanceof MatterDeviceError ? e.reason : e instanceof Error ? e.message : String(e) }, 'scan failed');
          sendBack({ type: 'SCAN_FAILED', words: e instanceof MatterDeviceError ? e.words : WORDS.scanFailed });
        },
      );
    return () => ac.abort(new Error('scan stopped: the step or the session ended'));
  }

  /**
   * While the materials step waits, codes shown to the QR reader are this step's: each is forwarded raw to
   * the platform (POST /v1/codes/verify, with the citizen's holder token) and only the platform's verdict
   * counts. One at a time; a code never reaches a log.
   */
  #acceptCodes(run: Run, input: AcceptCodesInput, sendBack: (e: CodeEvent) => void): () => void {
    const qr = this.#o.qr ?? null;
    if (qr === null || input.types.length === 0) return () => undefined;
    const ac = new AbortController();
    let checking = false;
    const verify = async (code: Extract<ScannedCode, { kind: 'code' }>): Promise<CodeEvent> => {
      const { client, link } = this.#o.queue();
      if (client === null || link?.state !== 'online') return { type: 'CODE_REJECTED', words: WORDS.certificates };
      const r = await client.verifyCode({ code: code.bytes, holder: holderToken(this.#holderKey, run.record.idNumber) }, ac.signal);
      if (r.kind !== 'ok') {
        // A code the client will not send (too long, empty) is not one the platform could know.
        const unsendable = r.kind === 'permanent' && r.status === 0;
        this.#o.log.warn({ matter: run.app.code, outcome: r.kind, status: r.status, code: r.code }, 'code verification failed');
        return { type: 'CODE_REJECTED', words: unsendable ? WORDS.codeUnknown : WORDS.certificates };
      }
      const v = r.value;
      if (v.result === 'invalid') return { type: 'CODE_REJECTED', words: v.reason === 'expired' ? WORDS.codeExpired : v.reason === 'revoked' ? WORDS.codeRevoked : WORDS.codeUnknown };
      if (!v.holderMatches) return { type: 'CODE_REJECTED', words: WORDS.codeNotYours };
      const cert = certificateInfo(v.certificate);
      if (!input.types.includes(cert.type)) return { type: 'CODE_REJECTED', words: w(`${cert.title}不是本事项需要的材料。`, `${cert.title} is not needed for this matter.`) };
      this.#o.log.info({ matter: run.app.code, type: cert.type, kind: v.kind }, 'code verified by the platform');
      return { type: 'CODE_ACCEPTED', certificate: cert };
    };
    const off = qr.claim((code) => {
      if (ac.signal.aborted || checking) return;
      if (code.kind === 'acceptance-number') {
        sendBack({ type: 'CODE_REJECTED', words: WORDS.codeIsReceipt });
        return;
      }
      checking = true;
      sendBack({ type: 'CODE_CHECKING' });
      void verify(code)
        .catch((): CodeEvent => ({ type: 'CODE_REJECTED', words: WORDS.certificates }))
        .then((e) => {
          checking = false;
          if (!ac.signal.aborted) sendBack(e);
        });
    });
    return () => {
      off();
      ac.abort(new Error('the materials step stopped waiting for codes'));
    };
  }

  #pay(run: Run, input: TakePaymentInput, sendBack: (e: { type: string; [k: string]: unknown }) => void): () => void {
    const fees = this.#o.queue().fees;
    // The fee step's key is `${matter key}:fee:${n}` (n: declined sales before this one): PaymentService takes matter, step and attempt.
    const m = /^(.+):(fee):(\d{1,6})$/.exec(input.idempotencyKey);
    if (fees === null || m === null || m[1] !== run.key) {
      if (fees !== null) this.#o.log.error({ matter: run.app.code }, 'payment refused: the fee step\'s key is not this matter\'s');
      queueMicrotask(() => sendBack({ type: 'PAY_FAILED', words: WORDS.noPad }));
      return () => undefined;
    }
    const ac = new AbortController();
    const log = this.#o.log;
    const key = input.idempotencyKey;
    void fees
      .pay({
        matterKey: run.key,
        step: m[2] as string,
        attempt: Number(m[3]) + 1,
        amountFen: input.amountFen,
        signal: ac.signal,
        onPrompt: (message) => !ac.signal.aborted && sendBack({ type: 'PAY_PROMPT', message }),
      })
      .then(
        (r) => {
          if (r.outcome === 'approved') log.info({ sale: r.key, matter: run.app.code }, 'payment approved');
          else log.info({ sale: key, outcome: r.outcome, reason: r.reason }, r.outcome === 'declined' ? 'payment declined' : 'payment outcome not known yet');
          // An approval that arrives after the step was left stands in the journal: the matter's end settles it.
          if (ac.signal.aborted) return;
          if (r.outcome === 'approved') sendBack({ type: 'PAY_APPROVED', approval: { transactionId: r.transactionId, amountFen: r.amountFen, approvedAt: r.approvedAt, key: r.key } });
          else if (r.outcome === 'declined') sendBack({ type: 'PAY_DECLINED', words: r.words });
          else sendBack({ type: 'PAY_FAILED', words: r.words });
        },
        (e: unknown) => {
          if (ac.signal.aborted) return;
          // The journal (storage) failed before anything reached the pad, or the pad could not be asked.
          log.warn({ sale: key, code: isStorageError(e) ? e.code : undefined, err: e instanceof Error ? e.message : String(e) }, 'payment not taken');
          sendBack({ type: 'PAY_FAILED', words: isStorageError(e) ? WORDS.payNotRecorded : WORDS.payUnknown });
        },
      );
    return () => ac.abort(new Error('payment stopped: the step or the session ended'));
  }

  async #rate(run: Run, input: SubmitRatingInput, signal: AbortSignal): Promise<void> {
    const { log } = this.#o;
    const { outbox, delivery, journal } = this.#o.queue();
    if (outbox === null) throw new StepError(WORDS.ratingFailed);
    const at = input.at > 0 ? input.at : this.#now;
    try {
      const r = enqueueRating(outbox, this.#o.profile.terminalId, {
        caseKey: input.caseKey,
        rating: {
          score: input.score,
          ...(input.reasons.length > 0 ? { reasons: input.reasons } : {}),
          ...(input.text !== '' ? { comment: input.text } : {}),
          contentVersion: input.contentVersion,
        },
        ratedAt: new Date(at).toISOString(),
        signal,
      }, { journal });
      log.info({ matter: run.app.code, key: r.idempotencyKey, score: input.score, existing: r.existing, journal: r.journal }, 'rating queued');
    } catch (e) {
      log.warn({ matter: run.app.code, code: isStorageError(e) ? e.code : 'error' }, 'rating not queued');
      throw new StepError(WORDS.ratingFailed, { cause: e });
    }
    delivery?.notify();
  }
}
