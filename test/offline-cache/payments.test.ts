import { describe, expect, it } from 'vitest';
import { openDatabase } from '../../offline-cache/database.js';
import { StorageError } from '../../offline-cache/errors.js';
import { PaymentJournal, paymentKey } from '../../offline-cache/payments.js';
import { tempDir, thrown } from './helpers.js';

function journal(dir = tempDir(), clock = () => 1_000) {
  const db = openDatabase({ dir });
  return { db, j: new PaymentJournal(db, { clock }), dir };
}

const input = { matterKey: 'mk-7f3a', step: 'fee', attempt: 1, amountFen: 2500, serviceId: 'abc123def0' };

describe('payment journal', () => {
  it('a payment is written as requested, with its own idempotency key (matter key + step + attempt)', () => {
    const { j, db } = journal();
    const row = j.create(input);
    expect(row).toMatchObject({ idempotencyKey: 'mk-7f3a/fee/1', matterKey: 'mk-7f3a', step: 'fee', attempt: 1, amountFen: 2500, currency: 'CNY', state: 'requested', serviceId: 'abc123def0' });
    expect(paymentKey('mk-7f3a', 'fee', 1)).toBe(row.idempotencyKey);
    expect(j.history(row.id)).toEqual([{ at: 1000, event: 'payment-requested', state: 'requested', detail: '2500 fen, ServiceID abc123def0' }]);
    db.close();
  });

  it('the same key twice is a typed duplicate; nothing is written', () => {
    const { j, db } = journal();
    j.create(input);
    expect(thrown(() => j.create(input))).toMatchObject({ code: 'duplicate' });
    expect(j.all()).toHaveLength(1);
    db.close();
  });

  it('answers follow the state machine: requested → unknown → approved → reversed; a final row refuses change', () => {
    const { j, db } = journal();
    const row = j.create(input);
    j.answer(row.id, { state: 'unknown', reason: 'no-response' });
    j.noteInquiry(row.id, 'ServiceID abc123def0');
    const ok = j.answer(row.id, { state: 'approved', padReference: 'SIM-1', padTime: 't', authorizedFen: 2500 });
    expect(ok).toMatchObject({ state: 'approved', padReference: 'SIM-1', authorizedFen: 2500 });
    expect(thrown(() => j.answer(row.id, { state: 'declined', reason: 'x' }))).toMatchObject({ code: 'conflict' });
    j.beginReversal(row.id, 'rev0000001');
    expect(j.open().map((r) => r.id)).toEqual([row.id]); // a reversal under way is open
    const done = j.reversed(row.id, 'submission failed');
    expect(done).toMatchObject({ state: 'reversed', reversalServiceId: 'rev0000001' });
    expect(thrown(() => j.beginReversal(row.id, 'rev0000002'))).toMatchObject({ code: 'conflict' });
    expect(j.history(row.id).map((e) => e.event)).toEqual(['payment-requested', 'unknown', 'status-inquiry', 'approved', 'reversal-requested', 'reversed']);
    expect(j.open()).toEqual([]);
    db.close();
  });

  it('declined is final', () => {
    const { j, db } = journal();
    const row = j.create(input);
    j.answer(row.id, { state: 'declined', reason: 'refused' });
    expect(thrown(() => j.answer(row.id, { state: 'approved', padReference: 'x', padTime: 't', authorizedFen: 1 }))).toBeInstanceOf(StorageError);
    db.close();
  });

  it('survives a reopen (durable before the request goes out)', () => {
    const dir = tempDir();
    const a = journal(dir);
    const row = a.j.create(input);
    a.db.close();
    const b = journal(dir);
    expect(b.j.get(row.idempotencyKey)).toMatchObject({ state: 'requested', serviceId: 'abc123def0' });
    expect(b.j.open()).toHaveLength(1);
    b.db.close();
  });

  it.each([
    ['a key part with a slash', { ...input, matterKey: 'a/b' }],
    ['attempt 0', { ...input, attempt: 0 }],
    ['a fractional amount', { ...input, amountFen: 1.5 }],
    ['nothing to pay', { ...input, amountFen: 0 }],
    ['a ServiceID over 10 characters', { ...input, serviceId: 'abcdefghijk' }],
  ])('refuses %s (typed invalid, nothing written)', (_n, bad) => {
    const { j, db } = journal();
    expect(thrown(() => j.create(bad))).toMatchObject({ code: 'invalid' });
    expect(j.all()).toEqual([]);
    db.close();
  });

  it('has no column a card number could go into', () => {
    const { db } = journal();
    const cols = (db.prepare("SELECT name FROM pragma_table_info('payment_journal')").all() as { name: string }[]).map((c) => c.name);
    expect(cols).toEqual(['id', 'idempotency_key', 'matter_key', 'step', 'attempt', 'amount_fen', 'currency', 'state', 'service_id', 'pad_reference', 'pad_time', 'authorized_fen', 'reason', 'reversal_service_id', 'created_at', 'updated_at']);
    db.close();
  });
});
