/**
 * The payment journal: one row per payment, written BEFORE every request to the payment pad and
 * updated with every answer, each change in one transaction together with an event row. A crash at
 * any point leaves a row that says what was asked and what is known; recovery (main/core/payments.ts)
 * resolves what is not known by a status inquiry before anything else.
 *
 * States: requested (asked, no answer yet) → approved | declined | unknown (asked, outcome not known);
 * unknown → approved | declined (by a status inquiry); approved → reversed. A reversal is journalled
 * by writing its ServiceID before the request (the row stays approved until the pad confirms).
 * Final: approved (its submission delivered), declined, reversed.
 *
 * Only amounts, keys and the pad's references are stored: no card numbers, no citizen data.
 */
import type { Statement } from 'better-sqlite3';
import type { SqliteDatabase } from './database.js';
import { StorageError, toStorageError } from './errors.js';

export type PaymentState = 'requested' | 'approved' | 'declined' | 'unknown' | 'reversed';

/** The states a row may end in. */
export const FINAL_PAYMENT_STATES: readonly PaymentState[] = ['approved', 'declined', 'reversed'];

export interface PaymentRow {
  id: number;
  /** matterKey/step/attempt */
  idempotencyKey: string;
  matterKey: string;
  step: string;
  attempt: number;
  amountFen: number;
  currency: 'CNY';
  state: PaymentState;
  /** nexo ServiceID of the (latest) payment request. */
  serviceId: string;
  /** The pad's transaction reference (POITransactionID), once approved. */
  padReference?: string;
  padTime?: string;
  authorizedFen?: number;
  reason?: string;
  /** Set before a reversal request goes to the pad. */
  reversalServiceId?: string;
  createdAt: number;
  updatedAt: number;
}

export interface PaymentEvent {
  at: number;
  event: string;
  state: PaymentState;
  detail?: string;
}

export interface OpenPaymentInput {
  matterKey: string;
  step: string;
  attempt: number;
  amountFen: number;
  serviceId: string;
}

export type PaymentAnswer =
  | { state: 'approved'; padReference: string; padTime: string; authorizedFen: number; detail?: string }
  | { state: 'declined' | 'unknown'; reason: string; detail?: string };

const TRANSITIONS: Record<PaymentState, readonly PaymentState[]> = {
  requested: ['approved', 'declined', 'unknown'],
  unknown: ['approved', 'declined', 'unknown'],
  approved: ['reversed'],
  declined: [],
  reversed: [],
};

const KEY_PART = /^[A-Za-z0-9._:-]{1,120}$/;

export function paymentKey(matterKey: string, step: string, attempt: number): string {
  return `${matterKey}/${step}/${attempt}`;
}

interface Raw {
  id: number;
  idempotency_key: string;
  matter_key: string;
  step: string;
  attempt: number;
  amount_fen: number;
  currency: string;
  state: PaymentState;
  service_id: string;
  pad_reference: string | null;
  pad_time: string | null;
  authorized_fen: number | null;
  reason: string | null;
  reversal_service_id: string | null;
  created_at: number;
  updated_at: number;
}

function toRow(r: Raw): PaymentRow {
  return {
    id: r.id,
    idempotencyKey: r.idempotency_key,
    matterKey: r.matter_key,
    step: r.step,
    attempt: r.attempt,
    amountFen: r.amount_fen,
    currency: 'CNY',
    state: r.state,
    serviceId: r.service_id,
    ...(r.pad_reference !== null ? { padReference: r.pad_reference } : {}),
    ...(r.pad_time !== null ? { padTime: r.pad_time } : {}),
    ...(r.authorized_fen !== null ? { authorizedFen: r.authorized_fen } : {}),
    ...(r.reason !== null ? { reason: r.reason } : {}),
    ...(r.reversal_service_id !== null ? { reversalServiceId: r.reversal_service_id } : {}),
    createdAt: r.created_at,
    updatedAt: r.updated_at,
  };
}

function short(s: string | undefined, max = 200): string | null {
  return s === undefined ? null : s.slice(0, max);
}

export class PaymentJournal {
  readonly #db: SqliteDatabase;
  readonly #clock: () => number;
  readonly #s: Record<'insert' | 'byKey' | 'byId' | 'byMatter' | 'open' | 'all' | 'answer' | 'reversal' | 'event' | 'events', Statement>;

  constructor(db: SqliteDatabase, opts: { clock?: () => number } = {}) {
    this.#db = db;
    this.#clock = opts.clock ?? Date.now;
    this.#s = {
      insert: db.prepare(
        `INSERT INTO payment_journal(idempotency_key, matter_key, step, attempt, amount_fen, state, service_id, created_at, updated_at)
         VALUES (?, ?, ?, ?, ?, 'requested', ?, ?, ?)`,
      ),
      byKey: db.prepare('SELECT * FROM payment_journal WHERE idempotency_key = ?'),
      byId: db.prepare('SELECT * FROM payment_journal WHERE id = ?'),
      byMatter: db.prepare('SELECT * FROM payment_journal WHERE matter_key = ? ORDER BY step, attempt'),
      open: db.prepare(
        `SELECT * FROM payment_journal WHERE state IN ('requested', 'unknown') OR (state = 'approved' AND reversal_service_id IS NOT NULL) ORDER BY id`,
      ),
      all: db.prepare('SELECT * FROM payment_journal ORDER BY id'),
      answer: db.prepare(
        `UPDATE payment_journal SET state = ?, service_id = ?, pad_reference = COALESCE(?, pad_reference), pad_time = COALESCE(?, pad_time),
           authorized_fen = COALESCE(?, authorized_fen), reason = ?, updated_at = ? WHERE id = ?`,
      ),
      reversal: db.prepare('UPDATE payment_journal SET reversal_service_id = ?, updated_at = ? WHERE id = ?'),
      event: db.prepare('INSERT INTO payment_events(payment_id, at, event, state, detail) VALUES (?, ?, ?, ?, ?)'),
      events: db.prepare('SELECT at, event, state, detail FROM payment_events WHERE payment_id = ? ORDER BY id'),
    };
  }

  /** The row of a payment, by its idempotency key. */
  get(idempotencyKey: string): PaymentRow | undefined {
    const r = this.#s.byKey.get(idempotencyKey) as Raw | undefined;
    return r ? toRow(r) : undefined;
  }

  /** Every payment of one matter (all steps and attempts). */
  byMatter(matterKey: string): PaymentRow[] {
    return (this.#s.byMatter.all(matterKey) as Raw[]).map(toRow);
  }

  /** Rows recovery must look at: requested, unknown, and approved with a reversal under way. */
  open(): PaymentRow[] {
    return (this.#s.open.all() as Raw[]).map(toRow);
  }

  all(): PaymentRow[] {
    return (this.#s.all.all() as Raw[]).map(toRow);
  }

  history(id: number): PaymentEvent[] {
    return (this.#s.events.all(id) as { at: number; event: string; state: PaymentState; detail: string | null }[]).map((e) => ({
      at: e.at,
      event: e.event,
      state: e.state,
      ...(e.detail !== null ? { detail: e.detail } : {}),
    }));
  }

  /** Writes a new payment as 'requested' — before the request goes to the pad. Refuses a key that exists. */
  create(input: OpenPaymentInput): PaymentRow {
    for (const [name, v] of [
      ['matterKey', input.matterKey],
      ['step', input.step],
    ] as const) {
      if (!KEY_PART.test(v)) throw new StorageError('invalid', `payment ${name} must be 1–120 of A-Z a-z 0-9 . _ : -`);
    }
    if (!Number.isInteger(input.attempt) || input.attempt < 1) throw new StorageError('invalid', 'payment attempt must be a whole number from 1');
    if (!Number.isInteger(input.amountFen) || input.amountFen <= 0) throw new StorageError('invalid', 'payment amount must be whole fen above 0');
    if (!/^[A-Za-z0-9]{1,10}$/.test(input.serviceId)) throw new StorageError('invalid', 'ServiceID must be 1–10 letters or digits');
    const key = paymentKey(input.matterKey, input.step, input.attempt);
    const now = this.#clock();
    try {
      const id = this.#db.transaction(() => {
        if (this.#s.byKey.get(key)) throw new StorageError('duplicate', `payment ${key} is already in the journal`);
        const info = this.#s.insert.run(key, input.matterKey, input.step, input.attempt, input.amountFen, input.serviceId, now, now);
        const rowId = Number(info.lastInsertRowid);
        this.#s.event.run(rowId, now, 'payment-requested', 'requested', `${input.amountFen} fen, ServiceID ${input.serviceId}`);
        return rowId;
      }).immediate();
      return this.#byId(id);
    } catch (e) {
      throw toStorageError(e, `journal payment ${key}`);
    }
  }

  /** Writes a status inquiry about to go to the pad (an event only: the inquiry changes nothing yet). */
  noteInquiry(id: number, what: string): void {
    this.#tx(id, (row) => {
      this.#s.event.run(id, this.#clock(), 'status-inquiry', row.state, short(what));
      return row;
    });
  }

  /** Records an answer about the payment (from the payment request or a status inquiry). */
  answer(id: number, a: PaymentAnswer): PaymentRow {
    return this.#tx(id, (row) => {
      if (!TRANSITIONS[row.state].includes(a.state)) throw new StorageError('conflict', `payment ${row.idempotencyKey}: ${row.state} cannot become ${a.state}`);
      const now = this.#clock();
      if (a.state === 'approved') {
        this.#s.answer.run('approved', row.serviceId, a.padReference, a.padTime, a.authorizedFen, null, now, id);
        this.#s.event.run(id, now, 'approved', 'approved', short(a.detail ?? `pad reference ${a.padReference}, ${a.authorizedFen} fen`));
      } else {
        this.#s.answer.run(a.state, row.serviceId, null, null, null, short(a.reason), now, id);
        this.#s.event.run(id, now, a.state, a.state, short(a.detail ?? a.reason));
      }
      return this.#byId(id);
    });
  }

  /** Writes a reversal about to go to the pad (its ServiceID), before the request. */
  beginReversal(id: number, reversalServiceId: string): PaymentRow {
    if (!/^[A-Za-z0-9]{1,10}$/.test(reversalServiceId)) throw new StorageError('invalid', 'ServiceID must be 1–10 letters or digits');
    return this.#tx(id, (row) => {
      if (row.state !== 'approved') throw new StorageError('conflict', `payment ${row.idempotencyKey} is ${row.state}: only an approved payment is reversed`);
      const now = this.#clock();
      this.#s.reversal.run(reversalServiceId, now, id);
      this.#s.event.run(id, now, 'reversal-requested', 'approved', `ServiceID ${reversalServiceId}`);
      return this.#byId(id);
    });
  }

  /** The pad confirmed the reversal. */
  reversed(id: number, detail?: string): PaymentRow {
    return this.#tx(id, (row) => {
      if (row.state !== 'approved') throw new StorageError('conflict', `payment ${row.idempotencyKey} is ${row.state}: cannot be reversed`);
      const now = this.#clock();
      this.#s.answer.run('reversed', row.serviceId, null, null, null, row.reason ?? null, now, id);
      this.#s.event.run(id, now, 'reversed', 'reversed', short(detail));
      return this.#byId(id);
    });
  }

  /** A reversal that did not happen (the pad refused it, or never received it): the row stays approved. */
  reversalFailed(id: number, reason: string): PaymentRow {
    return this.#tx(id, (row) => {
      const now = this.#clock();
      this.#s.reversal.run(null, now, id);
      this.#s.answer.run(row.state, row.serviceId, null, null, null, short(reason), now, id);
      this.#s.event.run(id, now, 'reversal-failed', row.state, short(reason));
      return this.#byId(id);
    });
  }

  #byId(id: number): PaymentRow {
    const r = this.#s.byId.get(id) as Raw | undefined;
    if (!r) throw new StorageError('not-found', `no payment ${id} in the journal`);
    return toRow(r);
  }

  #tx(id: number, fn: (row: PaymentRow) => PaymentRow): PaymentRow {
    try {
      return this.#db.transaction(() => fn(this.#byId(id))).immediate();
    } catch (e) {
      throw toStorageError(e, `journal payment ${id}`);
    }
  }
}
