import { timingSafeEqual } from 'node:crypto';
import type { Logger } from 'pino';
import { z } from 'zod';
import type { IdentityRecord } from '../../drivers/id-card/types.js';
import { isStorageError, type DraftStore, type StoredDraft } from '../../offline-cache/index.js';
import { CardType, Display, LocalText, Locale, VoiceChoice } from '../contract/index.js';
import type { CatalogService } from './catalog-service.js';
import type { MatterService, RunState } from './matter-service.js';
import type { CardDecision, SessionClock, SessionService } from './session-service.js';

/**
 * Crash resume (issue 12 item 4). If the core dies in the middle of a matter (SIGKILL of the web-mode process or
 * of Electron's utility process, a power cut) and comes back within the idle timeout, the citizen is put back on
 * the step they were on, with what they had entered; otherwise everything of that session is wiped.
 *
 * Keeping: after every change of the running matter (SessionService.onSettled) and before every side effect that
 * must not repeat by accident (a receipt about to print, a sale about to be asked: MatterService.onRunEvent), the
 * session's draft is sealed into the offline cache (offline-cache/drafts.ts): the matter's persisted xstate
 * snapshot, the run's prints and submission, the citizen's language and display, and the holder token of
 * the card — never the ID number. Scanned pages are kept beside it, once per batch. The draft is wiped whenever
 * the matter stops (idle wipe, finish, cancel, a new card, out of service, the matter done).
 *
 * Coming back (start-up, once storage is open):
 *   1. A draft that does not open, is malformed, is older than the idle timeout, or whose catalog version or
 *      matter is gone is discarded: what it paid and never submitted is reversed, then it is wiped.
 *   2. Side effects are reconciled first: a submission committed just before the crash is found in the outbox by
 *      the matter key (the draft did not know yet); payments in an unknown state are resolved through the payment
 *      journal (PaymentService.recover asks the pad under their keys) before the card is even considered. A
 *      payment of the drafted matter is kept while the draft waits (the core's submission fate for a drafted key is
 *      'active'); a discarded draft's unsubmitted payments are reversed.
 *   3. The attract screen asks for the card ("put your ID card back to continue <matter>"). Identity: the card on
 *      the reader must be the draft holder's — the holder token of the card read now (HMAC-SHA-256 under the
 *      province's holder key) is compared in constant time with the draft's. Another person's card discards the
 *      draft and starts their own session; no card before the offer ends (the rest of the idle time from the last
 *      save, at least the warning time) discards it too.
 *   4. The same card: the session starts on the matter, restored from its snapshot. xstate restarts the step's
 *      invoked actor (a submission, print, payment, rating or scan that was running): each carries the idempotency
 *      key it had, so the submission finds its case, the payment asks the pad about its sale, and a receipt whose
 *      bytes had gone to the printer is not printed again unless the citizen asks (a reprint has its own key).
 */

const RunStateSchema = z.object({
  key: z.string().min(1).max(200),
  matterCode: z.string().min(1).max(128),
  holder: z.string().regex(/^[0-9a-f]{64}$/),
  snapshot: z.string().min(2).max(400_000),
  printed: z.array(z.string().max(300)).max(50),
  printing: z.array(z.string().max(300)).max(50),
  submitted: z.boolean(),
  batches: z.number().int().nonnegative(),
}) satisfies z.ZodType<RunState>;

/** The draft as sealed in the offline cache. */
export const DraftBody = z.object({
  v: z.literal(1),
  catalogVersion: z.union([z.string(), z.number()]),
  /** The matter's name, for the attract screen's question. */
  name: LocalText,
  cardType: CardType,
  locale: Locale,
  display: Display,
  /** The citizen's voice guidance choice (absent in drafts saved before it was kept). */
  voice: VoiceChoice.optional(),
  run: RunStateSchema,
});
export type DraftBody = z.infer<typeof DraftBody>;

export interface ResumeServiceOptions {
  session: SessionService;
  matters: MatterService;
  catalogs: CatalogService;
  /** The draft store as it is now (storage may open later); null while storage is unavailable. */
  drafts: () => DraftStore | null;
  /** The idle timeout and the warning of the profile, in ms. */
  idleTimeoutMs: number;
  warningMs: number;
  log: Logger;
  /** The wall clock the draft store stamps with (default Date.now). */
  now?: () => number;
  /** The clock of the offer's end (the session's: tests pass a SimulatedClock). */
  clock?: SessionClock;
  /**
   * Resolves when payments in an unknown state are resolved (PaymentService.recover at start, when the core
   * has one); until then a card waits.
   */
  paymentsSettled?: () => Promise<unknown>;
}

/** What the core does with a draft it found at start (for the log and the tests). */
export type ResumeStartup = 'none' | 'offered' | 'expired' | 'unreadable' | 'catalog-changed';

interface Offer {
  draft: DraftBody;
  savedAt: number;
  timer: unknown;
  ready: boolean;
}

const realClock: SessionClock = {
  setTimeout: (fn: (...args: unknown[]) => void, ms: number) => {
    const t = setTimeout(fn, ms);
    t.unref();
    return t;
  },
  clearTimeout: (id: unknown) => clearTimeout(id as ReturnType<typeof setTimeout>),
} as SessionClock;

function sameToken(a: string, b: string): boolean {
  const x = Buffer.from(a, 'hex');
  const y = Buffer.from(b, 'hex');
  return x.length === 32 && y.length === 32 && timingSafeEqual(x, y);
}

export class ResumeService {
  readonly #o: ResumeServiceOptions;
  readonly #clock: SessionClock;
  readonly #offs: (() => void)[] = [];
  /** The last body written (identical states are not written again). */
  #last: string | null = null;
  #offer: Offer | null = null;
  #saveFailed = false;
  #closed = false;

  constructor(opts: ResumeServiceOptions) {
    this.#o = opts;
    this.#clock = opts.clock ?? realClock;
    this.#offs.push(
      opts.session.onSettled(() => this.#keep()),
      opts.matters.onRunEvent((e) => {
        if (e.type === 'pages') this.#savePages(e.key, e.ref, e.pages);
        this.#keep();
      }),
      opts.session.onMatterStopped(() => this.#wipe('the matter stopped')),
    );
    opts.session.setCardGate((record) => this.#gate(record));
  }

  get #now(): number {
    return (this.#o.now ?? Date.now)();
  }

  /** Whether a draft waits for its citizen (tests, the log). */
  get offering(): boolean {
    return this.#offer !== null;
  }

  /**
   * Looks for a draft left by a core that died (call once storage is open). Returns what became of it; an
   * offered draft waits for its citizen's card.
   */
  async start(): Promise<ResumeStartup> {
    const store = this.#o.drafts();
    if (store === null || this.#offer !== null) return 'none';
    let stored: StoredDraft | null;
    try {
      stored = store.load();
    } catch (e) {
      this.#o.log.warn({ code: isStorageError(e) ? e.code : 'error' }, 'a session draft was found but does not open: wiped');
      this.#wipe('unreadable');
      return 'unreadable';
    }
    if (stored === null) return 'none';
    const parsed = DraftBody.safeParse(stored.body);
    if (!parsed.success || parsed.data.run.key !== stored.matterKey) {
      this.#o.log.warn({ problem: parsed.success ? 'key' : parsed.error.issues[0]?.path.join('.') }, 'a session draft was found but is not valid: wiped');
      this.#wipe('invalid');
      return 'unreadable';
    }
    const draft = parsed.data;
    const age = this.#now - stored.savedAt;
    // A submission committed just before the crash: the draft may not know it yet.
    if (!draft.run.submitted && this.#o.matters.submittedBefore(draft.run.key)) draft.run = { ...draft.run, submitted: true };
    if (age > this.#o.idleTimeoutMs || age < -60_000) {
      this.#o.log.info({ key: draft.run.key, ageMs: age }, 'the interrupted session is older than the idle timeout: discarded');
      this.#discard(draft, 'expired');
      return 'expired';
    }
    if (!this.#catalogHolds(draft)) {
      this.#o.log.info({ key: draft.run.key, matter: draft.run.matterCode }, 'the interrupted matter is not in the catalog in use any more: discarded');
      this.#discard(draft, 'catalog');
      return 'catalog-changed';
    }
    const until = Math.max(stored.savedAt + this.#o.idleTimeoutMs - this.#now, this.#o.warningMs);
    const offer: Offer = { draft, savedAt: stored.savedAt, ready: false, timer: null };
    offer.timer = this.#clock.setTimeout(() => {
      if (this.#offer !== offer) return;
      this.#o.log.info({ key: draft.run.key }, 'the interrupted session was not resumed in time: discarded');
      this.#offer = null;
      this.#o.session.withdrawResume();
      this.#discard(draft, 'not resumed');
      this.#o.session.releaseHeldCard();
    }, until);
    this.#offer = offer;
    this.#o.session.offerResume(draft.name);
    this.#o.log.info({ key: draft.run.key, matter: draft.run.matterCode, ageMs: age, waitsMs: until }, 'an interrupted matter waits for its citizen');
    // Before any card is considered: payments in an unknown state.
    try {
      await this.#o.paymentsSettled?.();
    } catch (e) {
      this.#o.log.warn({ err: e instanceof Error ? e.message : String(e) }, 'payments could not all be resolved before the resume (the restored step asks again under its key)');
    }
    if (this.#offer === offer && !this.#closed) {
      offer.ready = true;
      this.#o.session.releaseHeldCard();
    }
    return 'offered';
  }

  /** Whether a draft exists for this matter key (the core keeps its payments on a graceful stop). */
  keeps(key: string): boolean {
    return this.#lastKey === key || this.#offer?.draft.run.key === key;
  }

  close(): void {
    this.#closed = true;
    for (const off of this.#offs.splice(0)) off();
    this.#o.session.setCardGate(null);
    if (this.#offer) this.#clock.clearTimeout(this.#offer.timer as never);
  }

  // ---------------------------------------------------------------- the card

  #gate(record: IdentityRecord): CardDecision {
    const offer = this.#offer;
    if (offer === null || this.#o.session.view().screen !== 'attract') return { kind: 'normal' };
    if (!offer.ready) return { kind: 'hold' };
    const { draft } = offer;
    this.#offer = null;
    this.#clock.clearTimeout(offer.timer as never);
    if (!sameToken(this.#o.matters.holderOf(record), draft.run.holder)) {
      this.#o.log.info({ key: draft.run.key }, 'another card than the interrupted session\'s: that session is discarded');
      this.#o.session.withdrawResume();
      this.#discard(draft, 'another card');
      return { kind: 'normal' };
    }
    if (!this.#catalogHolds(draft)) {
      this.#o.session.withdrawResume();
      this.#discard(draft, 'catalog');
      return { kind: 'normal' };
    }
    try {
      const pages = this.#o.drafts()?.pages(draft.run.key) ?? new Map<string, Uint8Array[]>();
      const start = this.#o.matters.resumeRun(draft.run, record, pages);
      // What was saved is what is running now.
      this.#last = null;
      this.#lastKey = draft.run.key;
      return { kind: 'resume', resume: { ...start, locale: draft.locale, display: draft.display, ...(draft.voice ? { voice: draft.voice } : {}) } };
    } catch (e) {
      this.#o.log.warn({ key: draft.run.key, err: e instanceof Error ? e.message : String(e) }, 'the interrupted matter cannot be restored: discarded');
      this.#o.session.withdrawResume();
      this.#discard(draft, 'restore failed');
      return { kind: 'normal' };
    }
  }

  #catalogHolds(draft: DraftBody): boolean {
    const c = this.#o.catalogs.catalog;
    return String(c.version) === String(draft.catalogVersion) && c.applications.has(draft.run.matterCode);
  }

  // ---------------------------------------------------------------- keeping the draft

  #lastKey: string | null = null;

  #keep(): void {
    if (this.#closed || this.#offer !== null) return;
    const run = this.#o.matters.runState();
    if (run === null) return;
    const store = this.#o.drafts();
    if (store === null) return;
    const view = this.#o.session.view();
    const record = this.#o.session.currentRecord;
    const app = this.#o.catalogs.catalog.applications.get(run.matterCode);
    if (record === null || app === undefined) return;
    const body: DraftBody = {
      v: 1,
      catalogVersion: this.#o.catalogs.catalog.version,
      name: app.name,
      cardType: record.cardType,
      locale: view.locale,
      display: view.display,
      voice: view.voice,
      run,
    };
    const json = JSON.stringify(body);
    if (json === this.#last && run.key === this.#lastKey) return;
    try {
      store.save(run.key, body);
      this.#last = json;
      this.#lastKey = run.key;
      this.#saveFailed = false;
    } catch (e) {
      // Never stops the citizen: the matter goes on, only a crash would lose it. Said once per failure run.
      if (!this.#saveFailed) this.#o.log.warn({ code: isStorageError(e) ? e.code : 'error' }, 'the session draft could not be saved (crash resume unavailable until it can)');
      this.#saveFailed = true;
    }
  }

  #savePages(key: string, ref: string, pages: readonly Uint8Array[]): void {
    try {
      this.#o.drafts()?.savePages(key, ref, pages);
    } catch (e) {
      this.#o.log.warn({ code: isStorageError(e) ? e.code : 'error' }, 'scanned pages could not be kept with the session draft');
    }
  }

  #discard(draft: DraftBody, why: string): void {
    // Wiped first: from now on the matter is not kept, so settling its payments reverses what it never submitted.
    this.#wipe(why);
    try {
      this.#o.matters.discardRun(draft.run);
    } catch (e) {
      this.#o.log.error({ key: draft.run.key, err: e instanceof Error ? e.message : String(e) }, 'discarding the interrupted matter failed');
    }
  }

  #wipe(why: string): void {
    this.#last = null;
    this.#lastKey = null;
    try {
      const store = this.#o.drafts();
      if (store?.has()) {
        store.wipe();
        this.#o.log.info({ why }, 'session draft wiped');
      }
    } catch (e) {
      this.#o.log.error({ code: isStorageError(e) ? e.code : 'error' }, 'the session draft could not be wiped');
    }
  }
}
