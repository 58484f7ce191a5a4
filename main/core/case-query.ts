import type { Logger } from 'pino';
import type { Application } from '../catalog/index.js';
import { RatingLevel, type CaseHistoryView, type CaseStateKey, type CaseView, type LocalText } from '../contract/index.js';
import type { ReceiptPrinter } from '../../drivers/receipt-printer/types.js';
import type { ReceiptMaterialHow } from '../../drivers/receipt-printer/templates.js';
import { isStorageError, type OutboxEntry } from '../../offline-cache/index.js';
import { CASE_STATES, type CaseStatus } from '../platform/schemas.js';
import { holderToken } from '../platform/signing.js';
import { CaseQueryError, type CaseLookup, type CaseLookupResult, type CaseQueryInput, type RateCaseInput, type ReprintCaseInput } from '../workflows/case-query.js';
import type { CatalogService } from './catalog-service.js';
import { CASE_KIND, StoredSubmission, acceptanceNumber, enqueueRating, ratingKey } from './delivery.js';
import type { QueueView } from './matter-service.js';
import type { Profile } from './profile.js';
import { acceptanceReceiptFor, printerWords } from './receipts.js';
import type { SessionService } from './session-service.js';
import { addWorkingDays, chinaDate, type WorkCalendar } from './working-days.js';

/**
 * The case query's side of the core (查询办件, issue 12 item 3): the look-up behind the screen's three ways in
 * (the ID card, the acceptance number typed on the digit pad, the receipt's QR code), the reprint of the
 * acceptance receipt and the 好差评 rating of a case not rated yet. The session machine runs the query
 * (main/workflows/case-query.ts); this service provides its three actors.
 *
 * Where the answers come from:
 *   by card   the platform's cases of the holder (listCases by the holder token — never the ID number) when it
 *             answers, and the cases this kiosk still holds for that holder (not delivered yet, or refused): the
 *             sealed submissions in the outbox carry the holder token. Offline, only the latter, and the screen
 *             says so: what was delivered before cannot be listed without the platform.
 *   by number this kiosk's acceptance numbers (terminal-YYYYMMDD-sequence): the outbox entry of that sequence
 *             and date; delivered, the platform's state of its case number (or, offline, that it was delivered).
 *             A number of another kiosk is found through the card.
 *   by QR     the receipt's QR code carries its acceptance number: as by number (another kiosk's: said so).
 * Reprint needs the applicant's card (the receipt shows the masked name and number): cases of this kiosk found
 * by card. Rating: once per case — a case of this kiosk through the outbox (its own entry, after its case,
 * idempotent by key), a case known only to the platform directly (online).
 */

const w = (zh: string, en: string): LocalText => ({ 'zh-CN': zh, en });

/** The kiosk's own states in words (the platform's come from CASE_STATES). */
const KIOSK_STATE_WORDS: Record<'queued' | 'delivery-failed' | 'at-platform', LocalText> = {
  queued: w('已在本终端受理，待提交到平台', 'Accepted here, waiting to go to the platform'),
  'delivery-failed': w('提交遇到问题，待工作人员处理', 'A problem reaching the platform: staff will handle it'),
  'at-platform': w('已提交到平台', 'Submitted to the platform'),
};

const WORDS = {
  unknownMatter: w('本终端受理的申请（事项名称需联网查询）', 'An application accepted here (its name needs the platform)'),
  otherMatter: w('其他事项', 'Another matter'),
  offlineCard: w(
    '暂时无法连接政务服务平台：这里只列出本终端尚未提交到平台的申请。已提交的申请，请联网后再查询，或用受理编号查询本终端受理的申请。',
    'The government platform cannot be reached: only the applications this terminal has not yet delivered are listed. Ask again when it is back, or look one up by its acceptance number.',
  ),
  capped: w('本终端待提交的申请较多，只核对了最近的部分。', 'This terminal holds many undelivered applications: only the most recent were checked.'),
  noneByCard: w('没有查到您的申请。', 'No applications of yours were found.'),
  noneByCardOffline: w('本终端没有您尚未提交的申请。暂时无法连接平台，已提交的申请请联网后再查询。', 'This terminal holds no undelivered application of yours. The platform cannot be reached: ask again later for the others.'),
  numberShape: (n: number) => w(`受理编号在“终端编号-”之后是 ${n} 位数字（8 位日期和 6 位序号），请核对后重新输入。`, `After the terminal number, an acceptance number has ${n} digits (an 8-digit date and a 6-digit sequence). Please check and type it again.`),
  numberUnknown: w('本终端没有这个受理编号。请核对回执上的编号；其他终端受理的申请，请刷身份证查询。', 'This terminal has no such acceptance number. Check the receipt; for an application made at another terminal, use your ID card.'),
  otherKiosk: (t: string) => w(`这是其他终端（${t}）出具的回执。请刷身份证查询这件申请。`, `This receipt is from another terminal (${t}). Please use your ID card to look it up.`),
  platformLost: w('平台暂时没有返回这件申请的状态，请稍后再查询。', 'The platform did not return this application\'s state just now. Please ask again later.'),
  reprintCard: w('补打回执需要申请人本人刷身份证（回执上有申请人信息）。', 'Reprinting the receipt needs the applicant\'s own ID card (the receipt shows the applicant).'),
  reprintOther: w('此申请不是在本终端受理的，请到受理的终端或窗口补打回执。', 'This application was not made at this terminal: reprint its receipt there or at a service window.'),
  reprintNoPrinter: w('本终端暂时无法打印回执。', 'This terminal cannot print receipts right now.'),
  reprintMatter: w('事项信息需联网后才能补打，请稍后再试。', 'The matter\'s details need the platform: please try again later.'),
  reprintInstead: w('请记下屏幕上的受理编号。', 'Please note the acceptance number on screen.'),
  rateFailed: w('评价未能保存，请稍后再试。', 'The rating could not be saved. Please try again later.'),
  rateOffline: w('评价这件申请需要联网，请稍后再试。', 'Rating this application needs the platform: please try again later.'),
  rateDone: w('这件申请已经评价过了。', 'This application has been rated already.'),
  notFound: w('没有找到这件申请。', 'This application was not found.'),
};

/** What the citizen does next, by state. */
function nextOf(state: CaseStateKey, s: Partial<CaseStatus>, app: Application | undefined, caseNumber: string | null): LocalText {
  const phone = app?.contact.consultation;
  const ask = phone ? w(`如有疑问请拨打 ${phone}。`, ` Questions: call ${phone}.`) : w('如有疑问请到窗口咨询。', ' Questions: ask at a service window.');
  switch (state) {
    case 'received':
      return w('等待部门受理，无需再次办理。', 'Waiting for the office to accept it; nothing more to do.');
    case 'accepted':
      return w('部门已受理，正在按承诺时限办理，请等待结果通知。', 'Accepted; it is being handled within the time limit. Wait for the result.');
    case 'in-review':
      return w('正在办理中，请等待结果通知。', 'Being handled. Wait for the result.');
    case 'correction-required':
      return w('请按下列要求补正材料，可到窗口办理或重新申请。', 'Please correct what is listed below, at a service window or with a new application.');
    case 'rejected':
      return { 'zh-CN': `不予受理。${s.reason ? `原因：${s.reason}。` : ''}${ask['zh-CN']}`, en: `Not accepted.${s.reason ? ' The office gave a reason (shown in Chinese).' : ''}${ask.en}` };
    case 'suspended':
      return { 'zh-CN': `办理暂停（特殊程序），时限暂停计算。${ask['zh-CN']}`, en: `Paused (special procedure); the time limit is paused.${ask.en}` };
    case 'completed':
      return s.decision === 'denied'
        ? { 'zh-CN': `已办结，不予许可。${ask['zh-CN']}`, en: `Completed: not granted.${ask.en}` }
        : w('已办结，准予许可。请按通知领取办理结果。', 'Completed and granted. Collect the result as you were told.');
    case 'delivered':
      return w('办理结果已送达或已领取，无需操作。', 'The result was delivered or collected; nothing more to do.');
    case 'withdrawn':
      return w('申请已撤回。', 'The application was withdrawn.');
    case 'queued':
      return w('联网后自动提交到政务服务平台，无需再次办理。', 'It goes to the government platform by itself once the network is back; nothing more to do.');
    case 'delivery-failed':
      return w('申请仍保存在本终端，没有丢失。请联系工作人员处理。', 'The application is kept at this terminal, nothing is lost. Please ask staff.');
    case 'at-platform':
      return {
        'zh-CN': `已提交到平台${caseNumber ? `（办件编号 ${caseNumber}）` : ''}。暂时无法联网查询最新状态，请稍后再查询。`,
        en: `Submitted to the platform${caseNumber ? ` (case ${caseNumber})` : ''}. The latest state cannot be asked right now; please try again later.`,
      };
  }
}

function wordsOf(state: CaseStateKey): LocalText {
  if (state === 'queued' || state === 'delivery-failed' || state === 'at-platform') return KIOSK_STATE_WORDS[state];
  const s = CASE_STATES[state];
  return { 'zh-CN': s.zh, en: s.en };
}

/** 'YYYY-MM-DD HH:mm' in China time. */
function chinaTime(ms: number): string {
  const d = new Date(ms + 8 * 3600_000).toISOString();
  return `${d.slice(0, 10)} ${d.slice(11, 16)}`;
}

/** What the service keeps of a case found, to reprint or rate it (keys and codes only, never citizen data). */
interface CaseRef {
  entry: OutboxEntry | null;
  caseNumber: string | null;
  app: Application | undefined;
  acceptedAt: number | null;
  materials: Record<string, ReceiptMaterialHow>;
  promisedDate: string | null;
  /** Found by the card of its applicant. */
  holders: boolean;
}

export interface CaseQueryServiceOptions {
  profile: Profile;
  catalogs: CatalogService;
  session: SessionService;
  printer: ReceiptPrinter | null;
  queue: () => QueueView;
  log: Logger;
  /** Whether the kiosk has a QR reader (offer "show the receipt's QR code"). */
  qrPresent: () => boolean;
  now?: () => number;
  /** How many undelivered entries a card look-up opens at most (newest first). */
  maxOpened?: number;
}

/** This kiosk's acceptance numbers: the terminal id, a dash, 8 digits of date, a dash, the sequence (6 digits or more). */
export const NUMBER_DIGITS = 14;

export class CaseQueryService {
  readonly #o: CaseQueryServiceOptions;
  readonly #holderKey: Buffer;
  readonly #calendar: WorkCalendar;
  #refs = new Map<string, CaseRef>();
  readonly #printed = new Set<string>();

  constructor(opts: CaseQueryServiceOptions) {
    this.#o = opts;
    this.#holderKey = Buffer.from(opts.profile.platform.holderKey, 'base64');
    this.#calendar = { holidays: new Set(opts.profile.catalog.holidays), workdays: new Set(opts.profile.catalog.workdays) };
    opts.session.onView((v) => {
      // The query is over: nothing of it stays.
      if (v.screen !== 'query' && this.#refs.size > 0) this.#forget();
    });
  }

  get #now(): number {
    return (this.#o.now ?? Date.now)();
  }

  #online(): boolean {
    const q = this.#o.queue();
    return q.client !== null && q.link?.state === 'online';
  }

  #forget(): void {
    this.#refs = new Map();
    this.#printed.clear();
  }

  /** What the query starts with. */
  input(serial: number): CaseQueryInput {
    return {
      serial,
      numberPrefix: `${this.#o.profile.terminalId}-`,
      numberDigits: NUMBER_DIGITS,
      qrReader: this.#o.qrPresent(),
      rating: this.#o.catalogs.catalog.rating,
    };
  }

  // ---------------------------------------------------------------- look-up

  async lookup(l: CaseLookup, signal: AbortSignal): Promise<CaseLookupResult> {
    this.#refs = new Map();
    const platform: 'online' | 'offline' = this.#online() ? 'online' : 'offline';
    if (l.how === 'card') return this.#byCard(platform, signal);
    if (l.how === 'qr') {
      const prefix = `${this.#o.profile.terminalId}-`;
      if (!l.acceptanceNumber.startsWith(prefix)) {
        const other = /^([A-Za-z0-9][A-Za-z0-9._-]{0,63})-\d{8}-\d{6,}$/.exec(l.acceptanceNumber)?.[1] ?? '';
        return { cases: [], platform, basis: null, message: WORDS.otherKiosk(other.slice(0, 64)) };
      }
      return this.#byNumber(l.acceptanceNumber.slice(prefix.length).replace(/-/g, ''), platform, signal);
    }
    return this.#byNumber(l.digits, platform, signal);
  }

  async #byNumber(digits: string, platform: 'online' | 'offline', signal: AbortSignal): Promise<CaseLookupResult> {
    if (!/^\d{14,20}$/.test(digits)) return { cases: [], platform, basis: null, message: WORDS.numberShape(NUMBER_DIGITS) };
    const outbox = this.#o.queue().outbox;
    const id = Number(digits.slice(8));
    const entry = outbox !== null && Number.isSafeInteger(id) && id > 0 ? outbox.entry(id) : undefined;
    const terminalId = this.#o.profile.terminalId;
    const wanted = `${terminalId}-${digits.slice(0, 8)}-${digits.slice(8)}`;
    if (entry === undefined || entry.kind !== CASE_KIND || acceptanceNumber(terminalId, entry) !== wanted) {
      return { cases: [], platform, basis: null, message: WORDS.numberUnknown };
    }
    const view = await this.#localCase(entry, platform, false, signal);
    return { cases: [view], platform, basis: null, message: null };
  }

  async #byCard(platform: 'online' | 'offline', signal: AbortSignal): Promise<CaseLookupResult> {
    const record = this.#o.session.currentRecord;
    if (record === null) throw new CaseQueryError(WORDS.notFound);
    const holder = holderToken(this.#holderKey, record.idNumber);
    const cases: CaseView[] = [];
    const seenAcceptance = new Set<string>();
    let reached = platform === 'online';
    if (platform === 'online') {
      const r = await this.#o.queue().client?.listCases(holder, signal);
      if (r?.kind === 'ok') {
        for (const s of r.value.cases) {
          const local = this.#localEntryOf(s.localAcceptanceNumber);
          const v = this.#platformCase(s, local, true);
          cases.push(v);
          if (s.localAcceptanceNumber) seenAcceptance.add(s.localAcceptanceNumber);
        }
      } else {
        reached = false;
        this.#o.log.warn({ outcome: r?.kind ?? 'no client' }, 'case list from the platform failed: only what this kiosk holds');
      }
    }
    // What this kiosk still holds for this holder (not delivered yet, or refused).
    const { entries, capped } = this.#undelivered(holder);
    for (const e of entries) {
      const n = acceptanceNumber(this.#o.profile.terminalId, e);
      if (seenAcceptance.has(n)) continue;
      cases.push(await this.#localCase(e, reached ? 'online' : 'offline', true, signal));
    }
    cases.sort((a, b) => (b.submittedAt ?? '').localeCompare(a.submittedAt ?? ''));
    const basis = !reached ? WORDS.offlineCard : capped ? WORDS.capped : null;
    const message = cases.length > 0 ? null : reached ? WORDS.noneByCard : WORDS.noneByCardOffline;
    return { cases, platform: reached ? 'online' : 'offline', basis, message };
  }

  /** Undelivered case entries of this holder, newest first (their sealed payloads carry the holder token). */
  #undelivered(holder: string): { entries: OutboxEntry[]; capped: boolean } {
    const outbox = this.#o.queue().outbox;
    if (outbox === null) return { entries: [], capped: false };
    const all: OutboxEntry[] = [];
    for (const state of ['pending', 'in_flight', 'dead'] as const) {
      let after = 0;
      for (;;) {
        const page = outbox.list(state, { afterId: after, limit: 500 });
        all.push(...page.filter((e) => e.kind === CASE_KIND));
        if (page.length < 500) break;
        after = page.at(-1)?.id ?? after;
      }
    }
    all.sort((a, b) => b.id - a.id);
    const max = this.#o.maxOpened ?? 2000;
    const out: OutboxEntry[] = [];
    for (const e of all.slice(0, max)) {
      const p = this.#payload(e);
      if (p !== null && p.applicantToken === holder) out.push(e);
    }
    return { entries: out, capped: all.length > max };
  }

  #payload(e: OutboxEntry): StoredSubmission | null {
    const outbox = this.#o.queue().outbox;
    if (outbox === null || e.purged) return null;
    try {
      const parsed = StoredSubmission.safeParse(outbox.payloadOf(e.id));
      return parsed.success ? parsed.data : null;
    } catch (err) {
      if (!isStorageError(err)) throw err;
      return null;
    }
  }

  /** This kiosk's entry for an acceptance number of this kiosk (null for another kiosk's or an unknown one). */
  #localEntryOf(n: string | undefined): OutboxEntry | null {
    const prefix = `${this.#o.profile.terminalId}-`;
    if (n === undefined || !n.startsWith(prefix)) return null;
    const digits = n.slice(prefix.length).replace(/-/g, '');
    const id = Number(digits.slice(8));
    const e = Number.isSafeInteger(id) && id > 0 ? this.#o.queue().outbox?.entry(id) : undefined;
    return e !== undefined && e.kind === CASE_KIND && acceptanceNumber(this.#o.profile.terminalId, e) === n ? e : null;
  }

  /** A case of this kiosk: the platform's state when it is delivered and the platform answers, else what the kiosk knows. */
  async #localCase(entry: OutboxEntry, platform: 'online' | 'offline', byHolder: boolean, signal: AbortSignal): Promise<CaseView> {
    if (entry.platformCaseNumber !== undefined && platform === 'online') {
      const r = await this.#o.queue().client?.caseStatus(entry.platformCaseNumber, signal);
      if (r?.kind === 'ok') return this.#platformCase(r.value, entry, byHolder);
    }
    const payload = this.#payload(entry);
    const app = payload ? this.#o.catalogs.catalog.applications.get(payload.matterCode) : undefined;
    const state: CaseStateKey = entry.platformCaseNumber !== undefined ? 'at-platform' : entry.state === 'dead' || entry.state === 'expired' ? 'delivery-failed' : 'queued';
    const materials = payload ? materialsOf(payload.form) : {};
    const acceptance = acceptanceNumber(this.#o.profile.terminalId, entry);
    const promisedDate = this.#promised(app, entry.enqueuedAt);
    const ref: CaseRef = { entry, caseNumber: entry.platformCaseNumber ?? null, app, acceptedAt: entry.enqueuedAt, materials, promisedDate, holders: byHolder };
    const id = `local:${acceptance}`;
    this.#refs.set(id, ref);
    const rated = this.#o.queue().outbox?.findByKey(ratingKey(entry.idempotencyKey)) !== undefined;
    return {
      id,
      acceptanceNumber: acceptance,
      caseNumber: entry.platformCaseNumber ?? null,
      matter: app?.name ?? WORDS.unknownMatter,
      state,
      stateWords: wordsOf(state),
      source: 'kiosk',
      next: nextOf(state, {}, app, entry.platformCaseNumber ?? null),
      submittedAt: chinaTime(entry.enqueuedAt),
      updatedAt: chinaTime(entry.updatedAt),
      promisedDate,
      history: [],
      reason: null,
      corrections: [],
      decision: null,
      rated,
      canRate: !rated,
      ...this.#reprint(ref),
      local: true,
    };
  }

  /** A case as the platform says it is (its entry here, when it was accepted at this kiosk). */
  #platformCase(s: CaseStatus, entry: OutboxEntry | null, byHolder: boolean): CaseView {
    const app = s.matterCode ? this.#o.catalogs.catalog.applications.get(s.matterCode) : undefined;
    const acceptedAt = entry?.enqueuedAt ?? Date.parse(s.receivedAt);
    const localRated = entry !== null && this.#o.queue().outbox?.findByKey(ratingKey(entry.idempotencyKey)) !== undefined;
    const rated = s.rated || localRated;
    const promisedDate = this.#promised(app, acceptedAt);
    const ref: CaseRef = { entry, caseNumber: s.caseNumber, app, acceptedAt, materials: {}, promisedDate, holders: byHolder };
    const id = entry ? `local:${acceptanceNumber(this.#o.profile.terminalId, entry)}` : `case:${s.caseNumber}`;
    this.#refs.set(id, ref);
    const history: CaseHistoryView[] = (s.history ?? []).map((h) => ({ state: h.state, words: wordsOf(h.state), at: chinaTime(Date.parse(h.at)) }));
    return {
      id,
      acceptanceNumber: s.localAcceptanceNumber ?? null,
      caseNumber: s.caseNumber,
      matter: app?.name ?? (s.matterCode ? { 'zh-CN': s.matterCode, en: s.matterCode } : WORDS.otherMatter),
      state: s.state,
      stateWords: wordsOf(s.state),
      source: 'platform',
      next: nextOf(s.state, s, app, s.caseNumber),
      submittedAt: chinaTime(acceptedAt),
      updatedAt: chinaTime(Date.parse(s.updatedAt)),
      promisedDate,
      history,
      reason: s.reason ?? null,
      corrections: s.corrections ?? [],
      decision: s.decision ?? null,
      rated,
      canRate: !rated && (entry !== null || this.#online()),
      ...this.#reprint(ref),
      local: entry !== null,
    };
  }

  #promised(app: Application | undefined, acceptedAt: number): string | null {
    return app?.processing.kind === 'promised' ? addWorkingDays(chinaDate(acceptedAt), app.processing.workingDays, this.#calendar) : null;
  }

  #reprint(ref: CaseRef): { canReprint: boolean; reprintNote: LocalText | null } {
    if (ref.entry === null) return { canReprint: false, reprintNote: WORDS.reprintOther };
    if (!ref.holders || this.#o.session.currentRecord === null) return { canReprint: false, reprintNote: WORDS.reprintCard };
    if (this.#o.printer === null) return { canReprint: false, reprintNote: WORDS.reprintNoPrinter };
    if (ref.app === undefined) return { canReprint: false, reprintNote: WORDS.reprintMatter };
    return { canReprint: true, reprintNote: null };
  }

  // ---------------------------------------------------------------- reprint

  async reprint(input: ReprintCaseInput, signal: AbortSignal): Promise<void> {
    if (this.#printed.has(input.idempotencyKey)) return;
    const ref = this.#refs.get(input.id);
    const record = this.#o.session.currentRecord;
    const printer = this.#o.printer;
    if (ref === undefined || ref.entry === null || !ref.holders || record === null) throw new CaseQueryError(WORDS.reprintCard);
    if (printer === null) throw new CaseQueryError(WORDS.reprintNoPrinter);
    if (ref.app === undefined || ref.acceptedAt === null) throw new CaseQueryError(WORDS.reprintMatter);
    let bytes: Uint8Array;
    try {
      bytes = acceptanceReceiptFor(this.#o.profile, printer.profile.name, {
        app: ref.app,
        acceptanceNumber: acceptanceNumber(this.#o.profile.terminalId, ref.entry),
        acceptedAt: ref.acceptedAt,
        caseNumber: ref.caseNumber,
        offline: ref.caseNumber === null,
        promisedDate: ref.promisedDate,
        materials: ref.materials,
        applicant: record,
        reprintedAt: new Date(this.#now),
      });
    } catch (e) {
      this.#o.log.error({ err: e instanceof Error ? e.message : String(e) }, 'reprinted receipt could not be encoded');
      throw new CaseQueryError(printerWords(e, WORDS.reprintInstead), { cause: e });
    }
    try {
      await printer.print(bytes, { signal });
      this.#printed.add(input.idempotencyKey);
      this.#o.log.info({ key: ref.entry.idempotencyKey }, 'acceptance receipt reprinted');
    } catch (e) {
      this.#o.log.warn({ err: e instanceof Error ? e.message : String(e) }, 'acceptance receipt not reprinted');
      throw new CaseQueryError(printerWords(e, WORDS.reprintInstead), { cause: e });
    }
  }

  // ---------------------------------------------------------------- rating

  async rate(input: RateCaseInput, signal: AbortSignal): Promise<void> {
    const ref = this.#refs.get(input.id);
    if (ref === undefined) throw new CaseQueryError(WORDS.notFound);
    if (!RatingLevel.safeParse(input.level).success) throw new CaseQueryError(WORDS.rateFailed);
    const rating = {
      score: input.score,
      ...(input.reasons.length > 0 ? { reasons: input.reasons } : {}),
      ...(input.text !== '' ? { comment: input.text } : {}),
      contentVersion: input.contentVersion,
    };
    const at = new Date(input.at > 0 ? input.at : this.#now).toISOString();
    const q = this.#o.queue();
    if (ref.entry !== null) {
      // A case of this kiosk: its own outbox entry, after its case, one per case.
      if (q.outbox === null) throw new CaseQueryError(WORDS.rateFailed);
      try {
        const r = enqueueRating(q.outbox, this.#o.profile.terminalId, { caseKey: ref.entry.idempotencyKey, rating, ratedAt: at, signal }, { journal: q.journal });
        this.#o.log.info({ key: r.idempotencyKey, score: input.score, existing: r.existing }, 'case rated from the case query');
        if (r.existing) throw new CaseQueryError(WORDS.rateDone);
      } catch (e) {
        if (e instanceof CaseQueryError) throw e;
        this.#o.log.warn({ code: isStorageError(e) ? e.code : 'error' }, 'rating from the case query not queued');
        throw new CaseQueryError(WORDS.rateFailed, { cause: e });
      }
      q.delivery?.notify();
      return;
    }
    // A case known only to the platform: rated there directly.
    if (ref.caseNumber === null || q.client === null || !this.#online()) throw new CaseQueryError(WORDS.rateOffline);
    const r = await q.client.submitRating(ref.caseNumber, rating, signal);
    if (r.kind === 'ok') {
      this.#o.log.info({ caseNumber: ref.caseNumber, score: input.score }, 'case rated at the platform from the case query');
      return;
    }
    if (r.kind === 'permanent' && r.status === 409) throw new CaseQueryError(WORDS.rateDone);
    this.#o.log.warn({ outcome: r.kind, status: r.status }, 'rating at the platform failed');
    throw new CaseQueryError(WORDS.rateFailed);
  }
}

/** How each material came, from a stored submission's form (matter-service #form writes it). */
function materialsOf(form: Record<string, unknown>): Record<string, ReceiptMaterialHow> {
  const out: Record<string, ReceiptMaterialHow> = {};
  const list = Array.isArray(form.materials) ? (form.materials as unknown[]) : [];
  for (const m of list) {
    if (typeof m !== 'object' || m === null) continue;
    const { key, by } = m as { key?: unknown; by?: unknown };
    if (typeof key !== 'string') continue;
    if (by === 'scan') out[key] = 'scanned';
    else if (by === 'e-certificate') out[key] = 'e-certificate';
    else if (by === 'commitment') out[key] = 'committed';
  }
  return out;
}
