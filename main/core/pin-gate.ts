/**
 * The technician screen's PIN pad: checks a PIN against every slot of the profile and locks after
 * `attempts` wrong PINs in a row, for a time that doubles with every further lock (baseSeconds, 2×, 4×… up to
 * maxSeconds). A right PIN resets both. Attempts are serialised (two at once cannot both count as the first),
 * and the lock survives a restart of the core (kept in the offline cache).
 */
import { z } from 'zod';
import type { LoginResult } from '../contract/index.js';
import { verifyPin } from './pin.js';
import type { Timers } from './maintenance.js';

export const LockState = z.object({
  /** Wrong PINs since the last right one or the last lock. */
  failures: z.number().int().nonnegative(),
  /** Locks since the last right PIN (the next lock lasts base × 2^locks). */
  locks: z.number().int().nonnegative(),
  lockedUntil: z.number(),
});
export type LockState = z.infer<typeof LockState>;

export interface LockStore {
  /** undefined: the store is not available (yet); null: nothing kept. */
  load(): LockState | null | undefined;
  save(s: LockState): void;
}

export interface PinGateOptions {
  pins: readonly { slot: string; hash: string }[];
  lockout: { attempts: number; baseSeconds: number; maxSeconds: number };
  idleSeconds: number;
  timers: Pick<Timers, 'now'>;
  store?: LockStore;
}

export class PinGate {
  readonly #o: PinGateOptions;
  #state: LockState = { failures: 0, locks: 0, lockedUntil: 0 };
  #chain: Promise<unknown> = Promise.resolve();
  #loaded = false;

  constructor(opts: PinGateOptions) {
    this.#o = opts;
    this.#load();
  }

  /** The kept lock (the store may become available after start: tried until it answers). */
  #load(): void {
    if (this.#loaded) return;
    try {
      const kept = this.#o.store?.load();
      if (kept === undefined) return;
      this.#loaded = true;
      if (kept && kept.lockedUntil >= this.#state.lockedUntil) this.#state = kept;
    } catch {
      // a lost lock state starts fresh; the next wrong PINs lock again
    }
  }

  get configured(): boolean {
    return this.#o.pins.length > 0;
  }

  /** Seconds until a PIN is accepted again (0 = not locked). */
  lockedFor(): number {
    return Math.max(0, Math.ceil((this.#state.lockedUntil - this.#o.timers.now()) / 1000));
  }

  attempt(pin: string): Promise<LoginResult> {
    const run = (): Promise<LoginResult> => this.#attempt(pin);
    const p = this.#chain.then(run, run);
    this.#chain = p.catch(() => undefined);
    return p;
  }

  async #attempt(pin: string): Promise<LoginResult> {
    this.#load();
    if (!this.configured) return { ok: false, reason: 'no-pins', attemptsLeft: null, retryInSeconds: null };
    const locked = this.lockedFor();
    if (locked > 0) return { ok: false, reason: 'locked', attemptsLeft: 0, retryInSeconds: locked };
    // Every slot is tried, so the time taken does not tell which slots exist.
    let match: string | null = null;
    for (const p of this.#o.pins) {
      if ((await verifyPin(pin, p.hash)) && match === null) match = p.slot;
    }
    if (match !== null) {
      this.#set({ failures: 0, locks: 0, lockedUntil: 0 });
      return { ok: true, slot: match, idleSeconds: this.#o.idleSeconds };
    }
    const { attempts, baseSeconds, maxSeconds } = this.#o.lockout;
    const failures = this.#state.failures + 1;
    if (failures >= attempts) {
      const seconds = Math.min(maxSeconds, baseSeconds * 2 ** Math.min(this.#state.locks, 20));
      this.#set({ failures: 0, locks: this.#state.locks + 1, lockedUntil: this.#o.timers.now() + seconds * 1000 });
      return { ok: false, reason: 'locked', attemptsLeft: 0, retryInSeconds: seconds };
    }
    this.#set({ ...this.#state, failures });
    return { ok: false, reason: 'wrong-pin', attemptsLeft: attempts - failures, retryInSeconds: null };
  }

  #set(s: LockState): void {
    this.#state = s;
    try {
      this.#o.store?.save(s);
    } catch {
      // kept in memory
    }
  }
}
