/**
 * What every device simulator shares: one API (attach to a transport, set faults by patch, clear
 * faults, dispose), the receive side through a FrameReader (the one buffer), an ordered reply queue,
 * and one seeded random generator so fault injection is reproducible.
 *
 * A simulator is a faithful device on the device end of a Transport (a memory pair, a pty, a HID
 * fake); its device state (a placed card, paper, receipts, a pad's journal) survives re-attaching,
 * like a device whose cable was pulled and plugged back.
 */
import type { Unsubscribe } from './device.js';
import type { Transport } from './transport/transport.js';

/** The API every device simulator offers; `F` is its fault set (every field has an "off" value). */
export interface DeviceSimulator<F extends object> {
  /** Connects to a (new) device end, leaving the previous one. */
  attach(deviceEnd: Transport): void;
  /** The faults now active. */
  readonly faults: Readonly<F>;
  /** Switches the named faults (the rest stay as they are). */
  setFaults(patch: Partial<F>): void;
  /** Switches every fault off. */
  clearFaults(): void;
  /** Leaves the transport and stops answering (the transport itself stays open). */
  dispose(): void;
}

/** mulberry32: a tiny seeded PRNG, uniform in [0, 1). The simulators' only random source. */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** `n` random bytes from `random`, each in [0, below). */
export function randomBytes(random: () => number, n: number, below = 256): Uint8Array {
  const out = new Uint8Array(n);
  for (let i = 0; i < n; i++) out[i] = Math.floor(random() * below);
  return out;
}

/**
 * The shared part of a simulator. A subclass makes its FrameReader (with the device-side parser of
 * its protocol) and answers frames; `send()` queues replies in order.
 */
export abstract class SimulatorBase<F extends object> implements DeviceSimulator<F> {
  #transport: Transport | undefined;
  #unsubs: Unsubscribe[] = [];
  #faults: F;
  #out: Promise<void> = Promise.resolve();
  #disposed = false;
  readonly #noFaults: F;

  protected constructor(noFaults: F) {
    this.#noFaults = { ...noFaults };
    this.#faults = { ...noFaults };
  }

  /** The receive side: every byte from the host goes through it. */
  protected abstract readonly reader: { push(chunk: Uint8Array): void; clear(): number };

  /** The device end in use, if any. */
  protected get transport(): Transport | undefined {
    return this.#transport;
  }

  get attached(): boolean {
    return this.#transport?.isOpen === true && !this.#disposed;
  }

  attach(deviceEnd: Transport): void {
    this.#leave();
    this.#disposed = false;
    this.#transport = deviceEnd;
    this.reader.clear();
    this.#out = Promise.resolve();
    this.#unsubs = [deviceEnd.onData((c) => this.reader.push(c)), deviceEnd.onClose(() => this.onDetached())];
    this.onAttached();
  }

  get faults(): Readonly<F> {
    return { ...this.#faults };
  }

  setFaults(patch: Partial<F>): void {
    this.#faults = { ...this.#faults, ...patch };
    this.onFaultsChanged();
  }

  clearFaults(): void {
    this.setFaults(this.#noFaults);
  }

  dispose(): void {
    this.#leave();
    this.#disposed = true;
    this.#transport = undefined;
  }

  /** The current faults, for subclasses (no copy). */
  protected get activeFaults(): F {
    return this.#faults;
  }

  /** Replaces one fault without the change hook (e.g. a fault that fires once). */
  protected patchFaultsQuietly(patch: Partial<F>): void {
    this.#faults = { ...this.#faults, ...patch };
  }

  /** Queues bytes to the host, in order, after `delayMs`; a lost link swallows them. Resolves when written (or dropped). */
  protected send(bytes: Uint8Array, delayMs = 0): Promise<void> {
    const t = this.#transport;
    const run = async (): Promise<boolean> => {
      if (this.#disposed || !t?.isOpen || t !== this.#transport) return false;
      if (delayMs > 0) await new Promise<void>((r) => setTimeout(r, delayMs));
      if (this.#disposed || !t.isOpen) return false;
      try {
        await t.write(bytes);
        return true;
      } catch {
        return false; // the link went away: nothing to answer to
      }
    };
    const p = this.#out.then(run);
    this.#out = p.then(() => undefined);
    return p.then((written) => {
      if (written) this.onSent(bytes);
    });
  }

  /** Called after a send reached the transport. */
  protected onSent(_bytes: Uint8Array): void {}
  /** Called after attach(). */
  protected onAttached(): void {}
  /** Called when the device end closes (cable pulled, host closed). */
  protected onDetached(): void {}
  /** Called after setFaults()/clearFaults(). */
  protected onFaultsChanged(): void {}

  #leave(): void {
    for (const u of this.#unsubs) u();
    this.#unsubs = [];
  }
}
