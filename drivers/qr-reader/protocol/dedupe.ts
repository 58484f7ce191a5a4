/**
 * Collapses repeated scans of the same code: a reader in continuous mode, or a citizen holding the
 * phone in front of it, sends one code many times. A payload seen again within `windowMs` of its last
 * sighting is a duplicate, and the sighting refreshes the window (holding a code for ten seconds gives
 * one scan). A different code in between does not reset it. Pure: the clock is passed in.
 */
function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

export class DuplicateFilter {
  readonly #recent: { bytes: Uint8Array; at: number }[] = [];

  constructor(
    readonly windowMs: number,
    /** How many different recent codes are remembered. */
    readonly capacity = 8,
  ) {}

  /** true: a new scan; false: a duplicate of one seen within the window. */
  accept(bytes: Uint8Array, now: number): boolean {
    for (let i = this.#recent.length - 1; i >= 0; i--) if (now - (this.#recent[i]?.at ?? 0) > this.windowMs) this.#recent.splice(i, 1);
    const seen = this.#recent.find((r) => sameBytes(r.bytes, bytes));
    if (seen) {
      seen.at = now;
      return false;
    }
    this.#recent.push({ bytes: bytes.slice(), at: now });
    if (this.#recent.length > this.capacity) this.#recent.shift();
    return true;
  }

  /** Forgets every code (a new session: the same e-ID QR may be shown again). */
  clear(): void {
    this.#recent.length = 0;
  }
}
