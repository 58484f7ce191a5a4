/**
 * Who gets a card placed on the reader: the citizen's session, or a technician.
 *
 * The session service subscribes to this router instead of the reader. While a technician test runs
 * (`exclusive`), cards go to the technician only, so a test read never starts a citizen session; while the
 * terminal is closing for maintenance (`blockNew`), new cards are not identified at all. A card nobody takes
 * is wiped (photo bytes overwritten) at once.
 */
import { Emitter, type DeviceStatusSnapshot, type HealthLevel, type HealthReport, type Unsubscribe } from '../../drivers/device.js';
import type { IdCardReader, IdentityRecord } from '../../drivers/id-card/types.js';

export class CardRouter implements IdCardReader {
  readonly kind = 'id-card' as const;
  readonly #inner: IdCardReader;
  readonly #cards = new Emitter<IdentityRecord>();
  readonly #held = new Emitter<boolean>();
  readonly #offs: Unsubscribe[];
  #exclusive: ((card: IdentityRecord) => void) | null = null;
  #blocked: () => boolean = () => false;

  constructor(inner: IdCardReader) {
    this.#inner = inner;
    this.#offs = [inner.onCard((card) => this.#route(card))];
  }

  get id(): string {
    return this.#inner.id;
  }
  get cardPresent(): boolean {
    return this.#inner.cardPresent;
  }
  status(): DeviceStatusSnapshot {
    return this.#inner.status();
  }
  onStatus(listener: (s: DeviceStatusSnapshot) => void): Unsubscribe {
    return this.#inner.onStatus(listener);
  }
  start(): void {
    this.#inner.start();
  }
  async close(): Promise<void> {
    for (const off of this.#offs.splice(0)) off();
    await this.#inner.close();
  }
  checkHealth(level: HealthLevel, signal?: AbortSignal): Promise<HealthReport> {
    return this.#inner.checkHealth(level, signal);
  }
  onCard(listener: (card: IdentityRecord) => void): Unsubscribe {
    return this.#cards.on(listener);
  }
  onRemoved(listener: () => void): Unsubscribe {
    return this.#inner.onRemoved(listener);
  }

  /** New cards are dropped (not identified) while `blocked()` says so. */
  blockNew(blocked: () => boolean): void {
    this.#blocked = blocked;
  }

  /** Whether a technician test holds the reader. */
  get held(): boolean {
    return this.#exclusive !== null;
  }

  /** Fires when a technician test takes or gives back the reader. */
  onHeld(listener: (held: boolean) => void): Unsubscribe {
    return this.#held.on(listener);
  }

  /**
   * Runs `fn` with the reader held for a technician: cards placed meanwhile reach `onTechCard` (if given) and
   * nobody else. One at a time.
   */
  async exclusive<T>(fn: () => Promise<T>, onTechCard: (card: IdentityRecord) => void = () => undefined): Promise<T> {
    if (this.#exclusive) throw new Error('the card reader is already held by a technician test');
    this.#exclusive = onTechCard;
    this.#held.emit(true);
    try {
      return await fn();
    } finally {
      this.#exclusive = null;
      this.#held.emit(false);
    }
  }

  /** Waits for the next card placed, with the reader held (the session does not see it). */
  nextCard(signal: AbortSignal): Promise<IdentityRecord> {
    return new Promise<IdentityRecord>((resolve, reject) => {
      let got: IdentityRecord | null = null;
      void this.exclusive(
        () =>
          new Promise<void>((done, fail) => {
            const onAbort = (): void => fail(signal.reason instanceof Error ? signal.reason : new Error('canceled'));
            if (signal.aborted) return onAbort();
            signal.addEventListener('abort', onAbort, { once: true });
            this.#exclusive = (card) => {
              signal.removeEventListener('abort', onAbort);
              got = card;
              done();
            };
          }),
      ).then(
        () => (got ? resolve(got) : reject(new Error('no card'))),
        (e: unknown) => reject(e instanceof Error ? e : new Error(String(e))),
      );
    });
  }

  #route(card: IdentityRecord): void {
    const tech = this.#exclusive;
    if (tech) {
      tech(card);
      return;
    }
    if (this.#blocked()) {
      card.photo?.bytes.fill(0);
      return;
    }
    this.#cards.emit(card);
  }
}
