/**
 * Persistent usage counters per device and per day (UnifiedPOS statistics): cards read, receipts, cuts,
 * paper-outs, link drops… They outlive restarts; the core adds the deltas of the drivers' in-memory counters.
 * Counter and device names are short identifiers chosen by the core; nothing here knows what they mean.
 */
import type { Statement } from 'better-sqlite3';
import type { SqliteDatabase } from './database.js';
import { StorageError, toStorageError } from './errors.js';

export interface CounterRow {
  /** YYYY-MM-DD (the core's calendar: China Standard Time). */
  day: string;
  device: string;
  name: string;
  value: number;
}

const DAY_RE = /^\d{4}-\d{2}-\d{2}$/;
const NAME_RE = /^[A-Za-z0-9._-]{1,64}$/;

export class UsageCounters {
  readonly #add: Statement;
  readonly #since: Statement;
  readonly #sinceDevice: Statement;
  readonly #db: SqliteDatabase;

  constructor(db: SqliteDatabase) {
    this.#db = db;
    this.#add = db.prepare(
      `INSERT INTO device_counters(day, device, name, value) VALUES (?, ?, ?, ?)
       ON CONFLICT(day, device, name) DO UPDATE SET value = value + excluded.value`,
    );
    this.#since = db.prepare('SELECT day, device, name, value FROM device_counters WHERE day >= ? ORDER BY day DESC, device, name');
    this.#sinceDevice = db.prepare('SELECT day, device, name, value FROM device_counters WHERE day >= ? AND device = ? ORDER BY day DESC, name');
  }

  /** Adds every delta (> 0) in one transaction. */
  add(rows: readonly CounterRow[]): void {
    for (const r of rows) {
      if (!DAY_RE.test(r.day) || !NAME_RE.test(r.device) || !NAME_RE.test(r.name)) throw new StorageError('invalid', `counter ${r.device}/${r.name} on ${r.day}: bad day or name`);
      if (!Number.isSafeInteger(r.value) || r.value < 0) throw new StorageError('invalid', `counter ${r.device}/${r.name}: a delta must be a non-negative integer`);
    }
    const run = this.#db.transaction((list: readonly CounterRow[]) => {
      for (const r of list) if (r.value > 0) this.#add.run(r.day, r.device, r.name, r.value);
    });
    try {
      run(rows);
    } catch (e) {
      throw toStorageError(e, 'adding usage counters');
    }
  }

  /** Every counter from `fromDay` (inclusive) on, newest day first. */
  since(fromDay: string, device?: string): CounterRow[] {
    if (!DAY_RE.test(fromDay)) throw new StorageError('invalid', `bad day ${fromDay}`);
    try {
      return (device === undefined ? this.#since.all(fromDay) : this.#sinceDevice.all(fromDay, device)) as CounterRow[];
    } catch (e) {
      throw toStorageError(e, 'reading usage counters');
    }
  }
}
