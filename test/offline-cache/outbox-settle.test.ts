/**
 * The delivery loop's outbox calls (issue 10 item 3): settle() commits several outcomes in one transaction
 * with each applied as ack()/fail() would, release() hands back entries claimed ahead, and a relaxed
 * (synchronous=NORMAL) write never leaves the connection relaxed for an enqueue.
 */
import path from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { openOfflineCache, type OfflineCache } from '../../offline-cache/index.js';
import { roomyStatfs, tempDir } from './helpers.js';

function open(clock = { now: 1_700_000_000_000 }): OfflineCache {
  const dir = tempDir();
  return openOfflineCache({ dir, keyFile: path.join(dir, 'keys', 'seal.json'), minFreeBytes: 0, statfs: roomyStatfs, clock: () => clock.now, journal: false });
}

describe('outbox settle / release', () => {
  it('several outcomes in one transaction: acks purge, fails move, a wrong one is reported and the rest stand', () => {
    const c = open();
    try {
      const a = c.outbox.enqueue({ kind: 'case-submission', payload: { n: 1 }, attachments: [Buffer.from('scan a')] });
      const b = c.outbox.enqueue({ kind: 'case-submission', payload: { n: 2 } });
      const d = c.outbox.enqueue({ kind: 'case-submission', payload: { n: 3 } });
      const e = c.outbox.enqueue({ kind: 'case-submission', payload: { n: 4 } });
      expect(c.outbox.claim(1_700_000_000_000, 4)).toHaveLength(4);
      c.outbox.ack(e.id, { platformCaseNumber: 'C-E', ackedAt: 1 });
      const r = c.outbox.settle(
        [
          { id: a.id, ack: { platformCaseNumber: 'C-A', ackedAt: 5 } },
          { id: b.id, fail: { retryable: true, reason: '503', nextAttemptAt: 1_700_000_060_000 } },
          { id: d.id, fail: { retryable: false, reason: '422 invalid' } },
          { id: e.id, fail: { retryable: true, reason: 'late' } },
        ],
        { durable: false },
      );
      expect([...r.errors.keys()]).toEqual([e.id]);
      expect(r.errors.get(e.id)?.code).toBe('conflict');
      expect(r.removedAttachments).toBe(1);
      expect(c.outbox.entry(a.id)).toMatchObject({ state: 'acked', platformCaseNumber: 'C-A', purged: true });
      expect(c.outbox.entry(b.id)).toMatchObject({ state: 'pending', nextAttemptAt: 1_700_000_060_000, lastError: '503' });
      expect(c.outbox.entry(d.id)).toMatchObject({ state: 'dead', lastError: '422 invalid' });
      expect(c.outbox.entry(e.id)).toMatchObject({ state: 'acked', platformCaseNumber: 'C-E' });
      expect(c.outbox.stats()).toMatchObject({ pending: 1, inFlight: 0, dead: 1, acked: 2 });
      expect(c.db.pragma('synchronous', { simple: true })).toBe(2);
    } finally {
      c.close();
    }
  });

  it('property: settle() of a batch ends in the same states as ack()/fail() one by one', () => {
    const outcome = fc.oneof(
      fc.record({ kind: fc.constant('ack' as const), caseNo: fc.stringMatching(/^C-[0-9]{1,6}$/) }),
      fc.record({ kind: fc.constant('retry' as const), delay: fc.integer({ min: 0, max: 100_000 }) }),
      fc.record({ kind: fc.constant('dead' as const) }),
    );
    fc.assert(
      fc.property(fc.array(outcome, { minLength: 1, maxLength: 12 }), (plan) => {
        const states = (batch: boolean): unknown[] => {
          const c = open();
          try {
            const ids = plan.map((_, i) => c.outbox.enqueue({ kind: 'case-submission', payload: { i } }).id);
            c.outbox.claim(1_700_000_000_000, 100);
            const outs = plan.map((p, i) => {
              const id = ids[i] ?? 0;
              if (p.kind === 'ack') return { id, ack: { platformCaseNumber: p.caseNo, ackedAt: 7 } };
              if (p.kind === 'retry') return { id, fail: { retryable: true, reason: 'r', nextAttemptAt: 1_700_000_000_000 + p.delay } };
              return { id, fail: { retryable: false, reason: 'd' } };
            });
            if (batch) c.outbox.settle(outs, { durable: false });
            else
              for (const o of outs) {
                if (o.ack) c.outbox.ack(o.id, o.ack);
                else if (o.fail) c.outbox.fail(o.id, o.fail);
              }
            return [ids.map((id) => {
              const e = c.outbox.entry(id);
              return [e?.state, e?.platformCaseNumber, e?.nextAttemptAt, e?.lastError, e?.purged];
            }), c.outbox.stats()];
          } finally {
            c.close();
          }
        };
        expect(states(true)).toEqual(states(false));
      }),
      { numRuns: 20 },
    );
  });

  it('release(): claimed-ahead entries back to pending, due as before, the attempt uncounted; others untouched', () => {
    const clock = { now: 1_700_000_000_000 };
    const c = open(clock);
    try {
      const a = c.outbox.enqueue({ kind: 'case-submission', payload: { n: 1 } });
      const b = c.outbox.enqueue({ kind: 'case-submission', payload: { n: 2 } });
      c.outbox.claim(clock.now, 2);
      c.outbox.ack(b.id, { platformCaseNumber: 'C-B', ackedAt: 1 });
      clock.now += 5000;
      expect(c.outbox.release([a.id, b.id])).toBe(1);
      expect(c.outbox.entry(a.id)).toMatchObject({ state: 'pending', attempts: 0, nextAttemptAt: 1_700_000_000_000 });
      expect(c.outbox.entry(b.id)?.state).toBe('acked');
      expect(c.outbox.claim(clock.now, 5).map((x) => x.id)).toEqual([a.id]);
    } finally {
      c.close();
    }
  });

  it('an enqueue after relaxed writes is at synchronous=FULL, and refuses when the connection is not', () => {
    const c = open();
    try {
      c.outbox.enqueue({ kind: 'case-submission', payload: { n: 1 } });
      c.outbox.claim(1_700_000_000_000, 1);
      expect(c.db.pragma('synchronous', { simple: true })).toBe(2);
      c.db.pragma('synchronous = NORMAL'); // someone else relaxed the connection
      expect(() => c.outbox.enqueue({ kind: 'case-submission', payload: { n: 2 } })).toThrow(/synchronous=FULL/);
      expect(c.outbox.stats().pending + c.outbox.stats().inFlight).toBe(1);
    } finally {
      c.close();
    }
  });
});
