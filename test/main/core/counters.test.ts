import { fc, test as ftest } from '@fast-check/vitest';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { pino } from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import { CounterKeeper } from '../../../main/core/counters.js';
import { openDatabase, UsageCounters, type SqliteDatabase } from '../../../offline-cache/index.js';
import { tempDir } from '../../offline-cache/helpers.js';

const silent = pino({ level: 'silent' });
const dbs: SqliteDatabase[] = [];
afterEach(() => {
  for (const d of dbs.splice(0)) {
    d.close();
    if (d.name.startsWith('/dev/shm/')) rmSync(d.name.replace(/\/kiosk\.db$/, ''), { recursive: true, force: true });
  }
  shared = undefined;
});

/** On tmpfs where there is one: the property test commits hundreds of small transactions (synchronous=FULL). */
function store(): UsageCounters {
  const db = openDatabase({ dir: existsSync('/dev/shm') ? mkdtempSync('/dev/shm/nxk-counters-') : tempDir() });
  dbs.push(db);
  return new UsageCounters(db);
}

let shared: UsageCounters | undefined;
let runs = 0;
const printer = (counters: Record<string, number>) => ({ id: 'receipt-printer', kind: 'receipt-printer' as const, counters });
/** 2026-03-01 12:00 China Standard Time. */
const NOON = Date.parse('2026-03-01T04:00:00Z');

describe('usage counters', () => {
  it('adds the increase of the driver counters it knows, per day in China Standard Time', () => {
    let now = NOON;
    const s = store();
    const k = new CounterKeeper({ store: () => s, log: silent, now: () => now });
    k.observe(printer({ cuts: 1, linesPrinted: 10, bytesSent: 999, operations: 3 }));
    k.observe(printer({ cuts: 3, linesPrinted: 30, paperOutEvents: 1 }));
    now = Date.parse('2026-03-01T16:30:00Z'); // 00:30 on 2 March in Beijing
    k.observe(printer({ cuts: 4, linesPrinted: 31, paperOutEvents: 1 }));
    k.flush();
    expect(k.read(2)).toEqual([
      { day: '2026-03-02', device: 'receipt-printer', counters: { cuts: 1, lines: 1 } },
      { day: '2026-03-01', device: 'receipt-printer', counters: { cuts: 3, lines: 30, paperOuts: 1 } },
    ]);
    expect(k.read(1)).toHaveLength(1);
  });

  it('a driver that starts again from zero (a restart) is a new baseline, not a loss', () => {
    const s = store();
    const a = new CounterKeeper({ store: () => s, log: silent, now: () => NOON });
    a.observe(printer({ cuts: 5 }));
    a.close();
    const b = new CounterKeeper({ store: () => s, log: silent, now: () => NOON });
    b.observe(printer({ cuts: 2 }));
    b.observe(printer({ cuts: 0 }));
    b.observe(printer({ cuts: 1 }));
    b.close();
    expect(b.read(1)[0]?.counters.cuts).toBe(8);
  });

  it('keeps counts in memory while storage is unavailable and writes them when it returns', () => {
    const s = store();
    let available = false;
    const k = new CounterKeeper({ store: () => (available ? s : null), log: silent, now: () => NOON });
    k.observe({ id: 'id-card', kind: 'id-card', counters: { cardsRead: 2, readFailures: 1 } });
    k.flush();
    expect(k.read(1)).toEqual([{ day: '2026-03-01', device: 'id-card', counters: { cardsRead: 2, readFailures: 1 } }]);
    available = true;
    k.flush();
    expect(s.since('2026-03-01').map((r) => [r.name, r.value])).toEqual([['cardsRead', 2], ['readFailures', 1]]);
    expect(k.read(1)[0]?.counters).toEqual({ cardsRead: 2, readFailures: 1 });
  });

  ftest.prop(
    [fc.array(fc.oneof(fc.nat({ max: 50 }).map((n) => ({ add: n })), fc.constant({ restart: true as const })), { maxLength: 40 }), fc.integer({ min: 1, max: 5 })],
    { numRuns: 100 },
  )('whatever the flushes and restarts, the stored total is everything the drivers counted', (steps, flushEvery) => {
    const s = (shared ??= store());
    const id = `reader-${++runs}`;
    let k = new CounterKeeper({ store: () => s, log: silent, now: () => NOON });
    let driver = 0;
    let counted = 0;
    steps.forEach((step, i) => {
      if ('restart' in step) {
        k.close();
        k = new CounterKeeper({ store: () => s, log: silent, now: () => NOON });
        driver = 0;
      } else {
        driver += step.add;
        counted += step.add;
      }
      k.observe({ id, kind: 'id-card', counters: { cardsRead: driver } });
      if (i % flushEvery === 0) k.flush();
    });
    k.close();
    expect(s.since('2026-01-01', id).reduce((n, r) => n + r.value, 0)).toBe(counted);
  });

  it('the store refuses bad names and negative deltas with a typed error and writes nothing', () => {
    const s = store();
    expect(() => s.add([{ day: '2026-03-01', device: 'x', name: 'cuts', value: -1 }])).toThrow(/non-negative/);
    expect(() => s.add([{ day: '2026-3-1', device: 'x', name: 'cuts', value: 1 }])).toThrow(/bad day/);
    expect(() => s.add([{ day: '2026-03-01', device: 'x y', name: 'cuts', value: 1 }])).toThrow(/bad day or name/);
    expect(s.since('2000-01-01')).toEqual([]);
  });
});
