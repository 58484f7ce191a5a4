/**
 * Persistent usage counters (UnifiedPOS statistics) per device and per day.
 *
 * The drivers count in memory from zero each time the core starts (DeviceStatusSnapshot.counters). The keeper
 * watches every snapshot, takes the increase of the counters it knows since the last one it saw, and adds it to
 * today's row in the offline cache (China Standard Time). A driver counter that goes down (a new driver object)
 * starts a new baseline. Writes are batched: at most one transaction per `flushMs`, and one at close.
 */
import type { Logger } from 'pino';
import type { DeviceKind, DeviceStatusSnapshot } from '../../drivers/device.js';
import type { UsageCounters } from '../../offline-cache/index.js';
import type { DeviceDayCounters, UsageCounterName } from '../contract/index.js';
import { chinaToday } from './session-service.js';

/**
 * Which driver counter feeds which persistent counter, per device kind. One place: add a driver's counter here
 * when a driver gains one (scanner: pages; payment pad: approved/declined; QR reader: scans).
 */
export const USAGE_COUNTER_SOURCES: Readonly<Record<DeviceKind, Readonly<Partial<Record<UsageCounterName, readonly string[]>>>>> = {
  'id-card': { cardsRead: ['cardsRead'], readFailures: ['readFailures'], linkDrops: ['linkDrops'] },
  'receipt-printer': { receipts: ['receiptsPrinted'], lines: ['linesPrinted'], cuts: ['cuts'], paperOuts: ['paperOutEvents'], linkDrops: ['linkDrops'] },
  scanner: { scans: ['pagesScanned', 'scans'], linkDrops: ['linkDrops'] },
  payment: { paymentsApproved: ['paymentsApproved', 'approved'], paymentsDeclined: ['paymentsDeclined', 'declined'], linkDrops: ['linkDrops'] },
  'qr-reader': { scans: ['scans', 'codesRead'], linkDrops: ['linkDrops'] },
};

export interface CounterKeeperOptions {
  /** The store as it is now (null while storage is unavailable: counts wait in memory). */
  store: () => UsageCounters | null;
  log: Logger;
  now?: () => number;
  /** Batch window (default 2000 ms). */
  flushMs?: number;
}

export class CounterKeeper {
  readonly #o: Required<Omit<CounterKeeperOptions, 'store'>> & Pick<CounterKeeperOptions, 'store'>;
  /** device id → driver counter name → last value seen */
  readonly #last = new Map<string, Map<string, number>>();
  /** `${day}\u0000${device}\u0000${name}` → delta not yet written */
  readonly #pending = new Map<string, number>();
  #timer: ReturnType<typeof setTimeout> | undefined;
  #failed = false;

  constructor(opts: CounterKeeperOptions) {
    this.#o = { now: Date.now, flushMs: 2000, ...opts };
  }

  /** Feed every device snapshot (from the supervisor's status events or a poll). */
  observe(s: Pick<DeviceStatusSnapshot, 'id' | 'kind' | 'counters'>): void {
    const sources = USAGE_COUNTER_SOURCES[s.kind];
    let last = this.#last.get(s.id);
    if (!last) this.#last.set(s.id, (last = new Map()));
    const day = chinaToday(this.#o.now());
    for (const [usage, names] of Object.entries(sources) as [UsageCounterName, readonly string[]][]) {
      for (const name of names) {
        const value = s.counters[name];
        if (value === undefined || !Number.isFinite(value)) continue;
        const before = last.get(name);
        last.set(name, value);
        // First sight: counted since this driver object started, which is this core's life.
        const delta = before === undefined || value < before ? value : value - before;
        if (delta > 0) this.#addPending(day, s.id, usage, Math.trunc(delta));
      }
    }
    this.#schedule();
  }

  #addPending(day: string, device: string, name: string, by: number): void {
    const key = `${day}\u0000${device}\u0000${name}`;
    this.#pending.set(key, (this.#pending.get(key) ?? 0) + by);
  }

  #schedule(): void {
    if (this.#timer || this.#pending.size === 0) return;
    this.#timer = setTimeout(() => {
      this.#timer = undefined;
      this.flush();
    }, this.#o.flushMs);
    this.#timer.unref?.();
  }

  /** Writes what is pending (also at close). Storage failures are logged once; the deltas are kept for the next try. */
  flush(): void {
    clearTimeout(this.#timer);
    this.#timer = undefined;
    const store = this.#o.store();
    if (!store || this.#pending.size === 0) return;
    const rows = [...this.#pending].map(([k, value]) => {
      const [day = '', device = '', name = ''] = k.split('\u0000');
      return { day, device, name, value };
    });
    try {
      store.add(rows);
      this.#pending.clear();
      this.#failed = false;
    } catch (e) {
      if (!this.#failed) this.#o.log.warn({ err: e }, 'usage counters could not be written; kept in memory and retried');
      this.#failed = true;
      this.#schedule();
    }
  }

  /** The last `days` days (today included), newest first, pending deltas included. */
  read(days: number, device?: string): DeviceDayCounters[] {
    const today = chinaToday(this.#o.now());
    const from = chinaToday(this.#o.now() - (days - 1) * 86_400_000);
    const out = new Map<string, DeviceDayCounters>();
    const put = (day: string, dev: string, name: string, value: number): void => {
      if (day < from || day > today || (device !== undefined && dev !== device)) return;
      const k = `${day}\u0000${dev}`;
      let row = out.get(k);
      if (!row) out.set(k, (row = { day, device: dev, counters: {} }));
      const n = name as UsageCounterName;
      row.counters[n] = (row.counters[n] ?? 0) + value;
    };
    for (const r of this.#o.store()?.since(from, device) ?? []) put(r.day, r.device, r.name, r.value);
    for (const [k, value] of this.#pending) {
      const [day = '', dev = '', name = ''] = k.split('\u0000');
      put(day, dev, name, value);
    }
    return [...out.values()].sort((a, b) => (a.day === b.day ? a.device.localeCompare(b.device) : b.day.localeCompare(a.day)));
  }

  close(): void {
    this.flush();
  }
}
