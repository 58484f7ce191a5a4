/**
 * SamIdCardReader: the ID card reader over the SAM_A business-terminal protocol, on any Transport.
 *
 * - LinkKeeper keeps the link open; every fresh link must answer a SAM status check (handshake)
 *   and is asked for the SAM ID (device serial).
 * - Polling: find 20 01 → select 20 02 → read 30 01. A card is reported once (onCard); it is read
 *   again only after find-card answered 80 (onRemoved) in between.
 * - Every command is one-at-a-time on the link, has a timeout and takes an AbortSignal.
 * - Framing errors are counted, the poll continues; repeated silence recycles the link.
 *
 * Citizen data flows only to onCard listeners: nothing here logs it or puts it into status/errors.
 */
import { performance } from 'node:perf_hooks';
import {
  Counters,
  DeviceError,
  Emitter,
  errorSummary,
  canceledError,
  isDeviceError,
  sleep,
  type DeviceErrorSummary,
  type DeviceInfo,
  type DeviceState,
  type DeviceStatusSnapshot,
  type HealthLevel,
  type HealthReport,
  type Unsubscribe,
  deadline,
} from '../device.js';
import { LinkKeeper, type LinkEvent, type LinkKeeperOptions } from '../transport/keeper.js';
import type { Transport, TransportOpener } from '../transport/transport.js';
import { SamLink, type LinkHooks } from './link.js';
import { FRAMES } from './protocol/commands.js';
import type { ResponseFrame } from './protocol/frame.js';
import { decodeReadReply, type ReadReplyResult } from './protocol/read-reply.js';
import { SHAPES, acceptShape, matchesShape, type Reply } from './protocol/replies.js';
import { SAM_STATUS, formatSamId, samStatusInfo, statusError } from './protocol/status.js';
import { PRESENCE_DEFAULTS, type IdCardReader, type IdentityRecord } from './types.js';

export interface SamIdCardReaderOptions {
  /**
   * While no card is on the reader: from the start of one find-card poll to the start of the next (default
   * PRESENCE_DEFAULTS.pollMs), so a card is noticed within this plus one exchange. The SAM has no "card
   * arrived" notification (fact sheet §1: the host polls 20 01), so this is what a citizen waits for before
   * anything happens; its CPU is measured by `npm run bench` (the idle presence loop).
   */
  pollMs?: number;
  /**
   * While a card that was read lies on the reader (watching for its removal), and after a failed poll: the
   * same, slower (default PRESENCE_DEFAULTS.presentPollMs). Never below pollMs.
   */
  presentPollMs?: number;
  /** Least time between the end of one poll and the start of the next (default 5 ms): the SAM is never polled back to back. */
  minGapMs?: number;
  /** Per-command reply timeout. Default 2000 ms. */
  commandTimeoutMs?: number;
  keeper?: LinkKeeperOptions;
  /** Failed reads of one placement before the reader stops retrying until the card is removed. Default 3. */
  maxReadAttempts?: number;
  /** Consecutive command timeouts before the link is dropped and reopened. Default 3. */
  maxConsecutiveTimeouts?: number;
}

const COUNTER_NAMES = [
  'cardsRead',
  'removals',
  'readFailures',
  'timeouts',
  'checksumErrors',
  'framingErrors',
  'garbageBytes',
  'strayFrames',
  'strayBytes',
  'linkDrops',
  'linkUps',
  'openFailures',
] as const;
type CounterName = (typeof COUNTER_NAMES)[number];

const ACCEPT = {
  samStatus: acceptShape(SHAPES.samStatus),
  samId: acceptShape(SHAPES.samId),
  findCard: acceptShape(SHAPES.findCard),
  selectCard: acceptShape(SHAPES.selectCard),
} as const;

/** Read reply: decoded straight from the receive buffer (only the photo is copied); error statuses become typed errors. */
function acceptRead(f: ResponseFrame): ReadReplyResult | undefined {
  if (!matchesShape(SHAPES.readText, f)) return undefined;
  return decodeReadReply(f);
}


function asDeviceError(e: unknown, what: string): DeviceError {
  if (isDeviceError(e)) return e;
  return new DeviceError('id-card', 'protocol', `${what}: unexpected failure`, 'reset', undefined, { cause: e });
}

/** After repeated failures on one placement: the follow-up action of the status (default: staff clears). */
function escalate(e: DeviceError): DeviceError {
  const info = Object.values(SAM_STATUS).find((i) => i.fault !== undefined && i.fault === e.fault);
  const action = info?.thenAction ?? (e.action === 'maintenance' ? 'maintenance' : 'clear');
  return new DeviceError('id-card', e.code, `${e.message}; card not readable, remove it and try again`, action, e.fault, { cause: e });
}

function expectOk(r: Reply, op: string, okSw3 = 0x90): Reply {
  if (r.sw3 !== okSw3) throw statusError(r.sw3, r.sw1, r.sw2, op);
  return r;
}

/** One find-card on `link`: false = no card in the field (80). */
async function findCard(link: SamLink, signal: AbortSignal | undefined, timeoutMs: number): Promise<boolean> {
  const r = await link.exchange(FRAMES.findCard, 'find card', ACCEPT.findCard, signal, timeoutMs);
  if (r.sw3 === 0x80) return false;
  expectOk(r, 'find card', 0x9f);
  return true;
}

async function selectAndRead(link: SamLink, signal: AbortSignal | undefined, timeoutMs: number): Promise<IdentityRecord> {
  const sel = await link.exchange(FRAMES.selectCard, 'select card', ACCEPT.selectCard, signal, timeoutMs);
  expectOk(sel, 'select card');
  const read = await link.exchange(FRAMES.readText, 'read card', acceptRead, signal, timeoutMs);
  if (read.error) throw read.error;
  return read.record;
}

export class SamIdCardReader implements IdCardReader {
  readonly kind = 'id-card' as const;
  readonly #keeper: LinkKeeper;
  readonly #pollMs: number;
  readonly #presentPollMs: number;
  readonly #minGapMs: number;
  readonly #timeoutMs: number;
  readonly #maxReadAttempts: number;
  readonly #maxTimeouts: number;
  readonly #counters = new Counters<CounterName>(COUNTER_NAMES);
  readonly #statusEvents = new Emitter<DeviceStatusSnapshot>();
  readonly #cardEvents = new Emitter<IdentityRecord>();
  readonly #removedEvents = new Emitter<void>();
  readonly #info: DeviceInfo;
  readonly #hooks: LinkHooks;

  #state: DeviceState = 'offline';
  #since = Date.now();
  #lastError: DeviceErrorSummary | undefined;
  #link: SamLink | undefined;
  #handshaken: SamLink | undefined;
  #everUp = false;
  #samFault = false;
  #cardPresent = false;
  #placementFailures = 0;
  #gaveUp = false;
  #consecutiveTimeouts = 0;
  #abort: AbortController | undefined;
  #loop: Promise<void> | undefined;
  #unsubKeeper: Unsubscribe | undefined;

  constructor(
    readonly id: string,
    opener: TransportOpener,
    opts: SamIdCardReaderOptions = {},
  ) {
    this.#pollMs = Math.max(0, opts.pollMs ?? PRESENCE_DEFAULTS.pollMs);
    this.#presentPollMs = Math.max(this.#pollMs, opts.presentPollMs ?? PRESENCE_DEFAULTS.presentPollMs);
    this.#minGapMs = Math.max(0, opts.minGapMs ?? 5);
    this.#timeoutMs = opts.commandTimeoutMs ?? 2000;
    this.#maxReadAttempts = opts.maxReadAttempts ?? 3;
    this.#maxTimeouts = opts.maxConsecutiveTimeouts ?? 3;
    this.#info = { kind: 'id-card', transport: opener.kind, path: opener.path, model: 'SAM_A (GA/T 467 business terminal)' };
    this.#hooks = {
      frameError: (e, consumed) => {
        if (e.kind === 'checksum') this.#counters.add('checksumErrors');
        else this.#counters.add('framingErrors');
        if (e.kind === 'garbage') this.#counters.add('garbageBytes', consumed);
      },
      strayFrame: () => this.#counters.add('strayFrames'),
      strayBytes: (n) => this.#counters.add('strayBytes', n),
    };
    const userHandshake = opts.keeper?.handshake;
    this.#keeper = new LinkKeeper(opener, {
      ...opts.keeper,
      handshake: async (t, signal) => {
        if (userHandshake) await userHandshake(t, signal);
        await this.#handshake(t, signal);
      },
    });
  }

  get cardPresent(): boolean {
    return this.#cardPresent;
  }

  status(): DeviceStatusSnapshot {
    return {
      id: this.id,
      kind: this.kind,
      state: this.#state,
      info: { ...this.#info },
      counters: this.#counters.toJSON(),
      ...(this.#lastError ? { lastError: { ...this.#lastError } } : {}),
      warnings: this.#gaveUp ? ['card-unreadable'] : [],
      since: this.#since,
    };
  }

  onStatus(listener: (s: DeviceStatusSnapshot) => void): Unsubscribe {
    return this.#statusEvents.on(listener);
  }
  onCard(listener: (card: IdentityRecord) => void): Unsubscribe {
    return this.#cardEvents.on(listener);
  }
  onRemoved(listener: () => void): Unsubscribe {
    return this.#removedEvents.on(() => listener());
  }

  start(): void {
    if (this.#abort) return;
    const abort = new AbortController();
    this.#abort = abort;
    this.#unsubKeeper = this.#keeper.on((e) => this.#onLink(e));
    this.#keeper.start();
    this.#loop = this.#pollLoop(abort.signal);
  }

  async close(): Promise<void> {
    const abort = this.#abort;
    if (!abort) return;
    abort.abort(new Error('reader closed'));
    this.#link?.dispose();
    this.#link = undefined;
    await this.#keeper.stop();
    await this.#loop;
    this.#unsubKeeper?.();
    this.#abort = undefined;
    this.#loop = undefined;
    this.#cardPresent = false;
    this.#setState('offline');
  }

  async checkHealth(level: HealthLevel, signal?: AbortSignal): Promise<HealthReport> {
    const report = (ok: boolean, text: string): HealthReport => ({ level, ok, text, checkedAt: Date.now() });
    const link = this.#link;
    if (!link || link.closed) return report(false, `ID card reader ${this.#state}: no link to the reader`);
    try {
      const st = await link.exclusive(() => this.#command(link, 'SAM status', FRAMES.samStatus, ACCEPT.samStatus, signal));
      if (st.sw3 !== 0x90) return report(false, `SAM status: ${samStatusInfo(st.sw3).meaning}`);
      let text = 'SAM status OK';
      if (level !== 'internal') {
        const idr = await link.exclusive(() => this.#command(link, 'SAM id', FRAMES.samId, ACCEPT.samId, signal));
        const serial = idr.sw3 === 0x90 ? formatSamId(idr.data) : undefined;
        if (!serial) return report(false, `SAM id: ${samStatusInfo(idr.sw3).meaning}`);
        this.#info.serial = serial;
        text = `SAM ${serial} status OK`;
      }
      if (level === 'interactive') {
        const card = await this.#nextCard(signal);
        const valid = card.idNumberValid ? 'number check OK' : 'number check FAILED';
        return report(card.idNumberValid, `${text}; card read (${card.cardType}, ${valid})`);
      }
      return report(true, text);
    } catch (e) {
      const err = asDeviceError(e, 'health check');
      return report(false, `${level} check failed: ${err.message}`);
    }
  }

  // ------------------------------------------------------------------ internals

  #nextCard(signal?: AbortSignal): Promise<IdentityRecord> {
    const wait = deadline(30_000, signal);
    const sig = wait.signal;
    return new Promise<IdentityRecord>((resolve, reject) => {
      if (sig.aborted) {
        wait.dispose();
        return reject(new DeviceError('id-card', 'timeout', 'no card was presented', 'clear', 'no-card'));
      }
      const off = this.#cardEvents.on((c) => {
        off();
        wait.dispose();
        resolve(c);
      });
      const onAbort = (): void => {
        off();
        wait.dispose();
        reject(new DeviceError('id-card', 'timeout', 'no card was presented', 'clear', 'no-card'));
      };
      sig.addEventListener('abort', onAbort, { once: true });
    });
  }

  async #handshake(t: Transport, signal: AbortSignal): Promise<void> {
    const link = new SamLink(t, this.#hooks);
    try {
      const st = await this.#command(link, 'SAM status', FRAMES.samStatus, ACCEPT.samStatus, signal);
      this.#samFault = st.sw3 !== 0x90;
      if (this.#samFault) this.#noteError(statusError(st.sw3, st.sw1, st.sw2, 'SAM status'));
      else {
        const idr = await this.#command(link, 'SAM id', FRAMES.samId, ACCEPT.samId, signal).catch((e: unknown) => {
          if (isDeviceError(e) && (e.code === 'timeout' || e.code === 'canceled' || e.code === 'disconnected')) throw e;
          return undefined;
        });
        const serial = idr?.sw3 === 0x90 ? formatSamId(idr.data) : undefined;
        if (serial) this.#info.serial = serial;
      }
    } catch (e) {
      link.dispose();
      throw e;
    }
    this.#handshaken = link;
  }

  #onLink(e: LinkEvent): void {
    if (e.type === 'up') {
      const link = this.#handshaken?.transport === e.transport ? this.#handshaken : new SamLink(e.transport, this.#hooks);
      this.#handshaken = undefined;
      this.#link = link;
      this.#everUp = true;
      this.#consecutiveTimeouts = 0;
      this.#counters.add('linkUps');
      this.#info.transport = e.transport.kind;
      this.#info.path = e.transport.path;
      this.#setState(this.#samFault ? 'error' : 'online', true);
      return;
    }
    const wasUp = this.#link !== undefined;
    this.#link?.dispose();
    this.#link = undefined;
    if (this.#abort?.signal.aborted) return;
    this.#counters.add(wasUp ? 'linkDrops' : 'openFailures');
    this.#lastError = errorSummary(e.error);
    if (this.#cardPresent) this.#markRemoved();
    const never = !this.#everUp && e.error.code === 'not-found';
    this.#setState(never ? 'no-device' : 'offline', true);
  }

  #setState(state: DeviceState, force = false): void {
    if (state === this.#state && !force) return;
    if (state !== this.#state) this.#since = Date.now();
    this.#state = state;
    this.#statusEvents.emit(this.status());
  }

  #noteError(e: DeviceError): void {
    this.#counters.add('errors');
    this.#lastError = errorSummary(e);
    const samLevel = e.action === 'maintenance' || (e.code === 'device-fault' && e.action === 'reset');
    if (samLevel) this.#samFault = true;
    this.#setState(samLevel ? 'error' : this.#state === 'busy' ? 'online' : this.#state, true);
  }

  #markRemoved(): void {
    this.#cardPresent = false;
    this.#counters.add('removals');
    this.#removedEvents.emit();
  }

  async #command<T>(link: SamLink, op: string, frame: Uint8Array, accept: (f: ResponseFrame) => T | undefined, signal: AbortSignal | undefined): Promise<T> {
    this.#counters.add('operations');
    try {
      const r = await link.exchange(frame, op, accept, signal, this.#timeoutMs);
      this.#consecutiveTimeouts = 0;
      return r;
    } catch (e) {
      if (isDeviceError(e) && e.code === 'timeout') {
        this.#counters.add('timeouts');
        if (++this.#consecutiveTimeouts >= this.#maxTimeouts && link === this.#link) {
          this.#consecutiveTimeouts = 0;
          void this.#keeper.recycle().catch(() => undefined);
        }
      }
      throw e;
    }
  }

  /**
   * The presence loop: find-card every pollMs (start to start) while no card is on the reader, every
   * presentPollMs while a read card lies there or after a failed poll; never two polls closer than minGapMs.
   * One exchange at a time on the link (exclusive), so find → select → read is never interleaved.
   */
  async #pollLoop(signal: AbortSignal): Promise<void> {
    while (!signal.aborted) {
      let interval = this.#pollMs;
      let started = performance.now();
      try {
        const link = await this.#readyLink(signal);
        started = performance.now();
        await link.exclusive(() => this.#pollOnce(link, signal));
        if (this.#cardPresent || this.#gaveUp) interval = this.#presentPollMs;
      } catch (e) {
        if (signal.aborted) break;
        const err = asDeviceError(e, 'card poll');
        if (err.code !== 'canceled') this.#noteError(err);
        interval = this.#presentPollMs;
      }
      const wait = Math.max(this.#minGapMs, interval - (performance.now() - started));
      try {
        await sleep(wait, signal, 'id-card');
      } catch {
        break;
      }
    }
  }

  async #readyLink(signal: AbortSignal): Promise<SamLink> {
    for (;;) {
      const l = this.#link;
      if (l && !l.closed) return l;
      await this.#keeper.ready(signal);
      if (signal.aborted) throw canceledError('id-card', signal.reason);
      if (!this.#link) await sleep(10, signal, 'id-card');
    }
  }

  async #pollOnce(link: SamLink, signal: AbortSignal): Promise<void> {
    const found = await this.#command(link, 'find card', FRAMES.findCard, (f) => ACCEPT.findCard(f), signal).then((r) => {
      if (r.sw3 === 0x80) return false;
      expectOk(r, 'find card', 0x9f);
      return true;
    });
    // The SAM answered find-card sensibly: it is working.
    if (this.#samFault) {
      this.#samFault = false;
      this.#setState('online');
    }
    if (!found) {
      if (this.#cardPresent) this.#markRemoved();
      if (this.#gaveUp) this.#emitStatus();
      this.#placementFailures = 0;
      this.#gaveUp = false;
      return;
    }
    if (this.#cardPresent || this.#gaveUp) return; // read once per placement
    this.#setState('busy');
    try {
      const sel = await this.#command(link, 'select card', FRAMES.selectCard, ACCEPT.selectCard, signal);
      expectOk(sel, 'select card');
      const read = await this.#command(link, 'read card', FRAMES.readText, acceptRead, signal);
      if (read.error) throw read.error;
      this.#placementFailures = 0;
      this.#cardPresent = true;
      this.#counters.add('cardsRead');
      this.#setState('online');
      this.#cardEvents.emit(read.record);
    } catch (e) {
      if (this.#state === 'busy') this.#setState('online');
      if (!signal.aborted) {
        this.#counters.add('readFailures');
        if (++this.#placementFailures >= this.#maxReadAttempts) {
          this.#gaveUp = true;
          throw escalate(asDeviceError(e, 'read card'));
        }
      }
      throw e;
    }
  }

  #emitStatus(): void {
    this.#statusEvents.emit(this.status());
  }
}

export interface ReadCardOnceOptions {
  signal: AbortSignal;
  /** How long to wait for a card, in total. */
  timeoutMs: number;
  /** Pause between find-card attempts. Default 200 ms. */
  pollMs?: number;
  /** Per-command reply timeout. Default 2000 ms (never beyond the overall deadline). */
  commandTimeoutMs?: number;
}

/**
 * For the technician CLI: waits for a card on an open transport, reads it once and returns it.
 * Throws a DeviceError with a one-line message: 'timeout' (no card / no reply), 'canceled', or the
 * reader's status (e.g. 'card read failed'). Leaves the transport open.
 */
export async function readCardOnce(transport: Transport, opts: ReadCardOnceOptions): Promise<IdentityRecord> {
  const deadline = Date.now() + opts.timeoutMs;
  const cmdTimeout = opts.commandTimeoutMs ?? 2000;
  const pollMs = opts.pollMs ?? 200;
  const link = new SamLink(transport);
  const left = (): number => Math.max(1, Math.min(cmdTimeout, deadline - Date.now()));
  let sawReply = false;
  try {
    for (;;) {
      if (opts.signal.aborted) throw canceledError('id-card', opts.signal.reason);
      if (Date.now() >= deadline) {
        throw new DeviceError('id-card', 'timeout', sawReply ? 'no card was placed on the reader in time' : 'the reader did not answer', sawReply ? 'clear' : 'reset', sawReply ? 'no-card' : 'no-reply');
      }
      let present: boolean;
      try {
        present = await findCard(link, opts.signal, left());
        sawReply = true;
      } catch (e) {
        const transient = isDeviceError(e) && (e.code === 'checksum' || e.code === 'timeout');
        if (!transient) throw e;
        if (Date.now() < deadline) await sleep(Math.min(pollMs, Math.max(0, deadline - Date.now())), opts.signal, 'id-card');
        continue;
      }
      if (present) return await selectAndRead(link, opts.signal, left());
      await sleep(Math.min(pollMs, Math.max(0, deadline - Date.now())), opts.signal, 'id-card');
    }
  } catch (e) {
    throw asDeviceError(e, 'read card');
  } finally {
    link.dispose();
  }
}
