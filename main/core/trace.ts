/**
 * The protocol trace: the last frames of each device (time, direction, command or status name, length, hex of
 * the header), for technicians (`kioskctl devices trace DEVICE`, the technician screen).
 *
 * Citizen data never enters it. The trace taps the device's transport (a TracingOpener wraps the opener the
 * driver uses) and reads each direction with the device protocol's own incremental parser on the drivers'
 * FrameReader (drivers/transport/frame-reader.ts); each frame is reduced at once to a name, its length and the
 * bytes of its header, which hold no payload:
 *   - ID card reader: request frames in full (commands carry no data), replies as preamble + LEN + SW1 SW2 SW3
 *     (an ID card read reply shows its status and length, never its text or photo);
 *   - receipt printer: a write as the list of its commands (text runs counted, never their bytes), the header of
 *     its first command without its data (a QR code's store header, not the code); status replies by name.
 * Other devices are not traced in this build (their trace answers `null`).
 *
 * A poll that repeats (find card → no card, every 300 ms) is folded into the entries it repeats, with a count,
 * so the ring (200 entries per device) keeps the interesting frames for more than a few seconds.
 */
import type { DeviceError, DeviceKind, Unsubscribe } from '../../drivers/device.js';
import { FrameReader, type Parser } from '../../drivers/transport/frame-reader.js';
import type { Transport, TransportOpener } from '../../drivers/transport/transport.js';
import { identifyCommand } from '../../drivers/id-card/protocol/commands.js';
import { PREAMBLE, parseRequest, parseResponse, type RequestFrame, type ResponseFrame } from '../../drivers/id-card/protocol/frame.js';
import { samStatusInfo } from '../../drivers/id-card/protocol/status.js';
import { parseCommand, type EscPosCommand } from '../../drivers/receipt-printer/protocol/decoder.js';
import { parseStatusBytes, type RealtimeN, type StatusEvent } from '../../drivers/receipt-printer/protocol/status.js';
import type { TraceEntry } from '../contract/index.js';

export const TRACE_CAPACITY = 200;
const MAX_HEADER = 32;

function hex(bytes: Uint8Array | readonly number[]): string {
  return [...bytes].slice(0, MAX_HEADER).map((b) => b.toString(16).padStart(2, '0')).join(' ');
}

/** Longest cycle of frames folded (a status poll is one request and four replies). */
const MAX_CYCLE = 6;

/**
 * One device's ring of entries. A cycle of frames that repeats (a poll and its answers) is folded into the
 * entries already there, each with a count and the time of its latest occurrence.
 */
export class TraceRing {
  readonly #entries: TraceEntry[] = [];
  /** Frames that repeat the last `#cycle` entries so far; folded once the whole cycle came again. */
  #pending: Omit<TraceEntry, 'repeat'>[] = [];
  #cycle = 0;
  constructor(readonly capacity = TRACE_CAPACITY) {}

  add(e: Omit<TraceEntry, 'repeat'>): void {
    const n = this.#entries.length;
    if (this.#pending.length > 0) {
      const target = this.#entries[n - this.#cycle + this.#pending.length];
      if (target && same(target, e)) {
        this.#pending.push(e);
        if (this.#pending.length === this.#cycle) this.#fold();
        return;
      }
      const flush = this.#pending;
      this.#pending = [];
      for (const x of flush) this.#push(x);
    }
    const m = this.#entries.length;
    for (let k = 1; k <= Math.min(MAX_CYCLE, m); k++) {
      const back = this.#entries[m - k];
      if (back && same(back, e)) {
        this.#cycle = k;
        this.#pending = [e];
        if (k === 1) this.#fold();
        return;
      }
    }
    this.#push(e);
  }

  #fold(): void {
    const k = this.#cycle;
    const n = this.#entries.length;
    this.#pending.forEach((p, i) => {
      const target = this.#entries[n - k + i];
      if (target) {
        target.repeat += 1;
        target.at = p.at;
      }
    });
    this.#pending = [];
  }

  #push(e: Omit<TraceEntry, 'repeat'>): void {
    this.#entries.push({ ...e, repeat: 1 });
    if (this.#entries.length > this.capacity) this.#entries.splice(0, this.#entries.length - this.capacity);
  }

  /** The last `limit` entries, oldest first (frames of a cycle not yet complete included). */
  list(limit: number): TraceEntry[] {
    const all = [...this.#entries, ...this.#pending.map((p) => ({ ...p, repeat: 1 }))];
    return all.slice(-limit).map((e) => ({ ...e }));
  }
}

function same(a: Omit<TraceEntry, 'repeat'>, b: Omit<TraceEntry, 'repeat'>): boolean {
  return a.dir === b.dir && a.name === b.name && a.length === b.length && a.header === b.header;
}

// ------------------------------------------------------------------ describing frames, per protocol

/** Reads both directions of one device's byte stream and names each frame. One per link. */
interface StreamDescriber {
  tx(bytes: Uint8Array): void;
  rx(bytes: Uint8Array): void;
}

type Emit = (e: Omit<TraceEntry, 'repeat'>) => void;

const ID_CARD_NAMES: Record<string, string> = {
  reset: 'reset',
  samStatus: 'SAM status',
  samId: 'SAM id',
  findCard: 'find card',
  selectCard: 'select card',
  readText: 'read card',
  readWithFingerprint: 'read card + fingerprint',
  readAdditionalAddress: 'read additional address',
  readChipManagementNo: 'read chip number',
  setMaxRfFrame: 'set RF frame',
  setBaud: 'set baud',
};

/** SAM_A frames: requests in full, replies as their header only (preamble, LEN, SW1 SW2 SW3). */
function idCardDescriber(emit: Emit, now: () => number): StreamDescriber {
  let last = 'command';
  const frameError = (dir: 'tx' | 'rx') => (e: DeviceError, consumed: number) => emit({ at: now(), dir, name: `framing error: ${e.fault ?? e.code}`, length: consumed, header: '' });
  const tx = new FrameReader<RequestFrame, DeviceError>({
    parse: parseRequest as Parser<RequestFrame, DeviceError>,
    maxBuffered: 0x1000 + 16,
    onFrame: (f, consumed) => {
      const known = identifyCommand(f.cmd, f.para);
      last = known ? (ID_CARD_NAMES[known] ?? known) : `command ${hex([f.cmd, f.para])}`;
      const len = consumed - 7;
      emit({ at: now(), dir: 'tx', name: last, length: consumed, header: hex([...PREAMBLE, (len >> 8) & 0xff, len & 0xff, f.cmd, f.para]) });
    },
    onError: frameError('tx'),
    onOverflow: () => emit({ at: now(), dir: 'tx', name: 'overflow: bytes without a frame dropped', length: 0, header: '' }),
  });
  const rx = new FrameReader<ResponseFrame, DeviceError>({
    parse: parseResponse as Parser<ResponseFrame, DeviceError>,
    maxBuffered: 0x1000 + 16,
    onFrame: (f, consumed) => {
      const len = consumed - 7;
      const info = samStatusInfo(f.sw3);
      emit({
        at: now(),
        dir: 'rx',
        name: `${last} reply ${f.sw3.toString(16).padStart(2, '0')} (${info.meaning})${f.data.length > 0 ? `, ${f.data.length} data bytes` : ''}`,
        length: consumed,
        header: hex([...PREAMBLE, (len >> 8) & 0xff, len & 0xff, f.sw1, f.sw2, f.sw3]),
      });
    },
    onError: frameError('rx'),
    onOverflow: () => emit({ at: now(), dir: 'rx', name: 'overflow: bytes without a frame dropped', length: 0, header: '' }),
  });
  return { tx: (b) => tx.push(b), rx: (b) => rx.push(b) };
}

/** The bytes of an ESC/POS command that carry no content: the command and its fixed parameters, never its data. */
function commandHeaderLength(c: EscPosCommand, consumed: number): number {
  switch (c.op) {
    case 'text':
      return 0;
    case 'qr':
      return Math.min(consumed, 8);
    case 'gs-paren':
      return Math.min(consumed, 5);
    case 'barcode':
      return Math.min(consumed, 3);
    case 'raster':
      return Math.min(consumed, 8);
    case 'realtime-other':
    case 'ignored':
      return Math.min(consumed, 3);
    default:
      return Math.min(consumed, 8);
  }
}

const OP_NAMES: Partial<Record<EscPosCommand['op'], string>> = { 'realtime-status': 'DLE EOT', asb: 'ASB on', 'info-request': 'GS I' };

/** ESC/POS: a write is named by its commands (text counted, never shown); replies by what they are. */
function printerDescriber(emit: Emit, now: () => number): StreamDescriber {
  const asked: RealtimeN[] = [];
  let statusWriteOnly = true;
  let ops: string[] = [];
  let header: number[] = [];
  const flushWrite = (length: number): void => {
    const folded: string[] = [];
    let i = 0;
    while (i < ops.length) {
      let j = i;
      while (j < ops.length && ops[j] === ops[i]) j++;
      folded.push(j - i > 1 ? `${ops[i]}×${j - i}` : (ops[i] ?? ''));
      i = j;
    }
    const name = statusWriteOnly ? `status request ${folded.join(', ')}` : folded.join(', ');
    emit({ at: now(), dir: 'tx', name: name.length > 200 ? `${name.slice(0, 197)}…` : name, length, header: hex(header) });
    ops = [];
    header = [];
    statusWriteOnly = true;
  };
  const tx = new FrameReader<{ c: EscPosCommand; bytes: number[] }, Error>({
    parse: (buf) => {
      const r = parseCommand(buf);
      if (r.consumed === 0) return { consumed: 0 };
      const head = r.command ? [...buf.subarray(0, commandHeaderLength(r.command, r.consumed))] : [...buf.subarray(0, Math.min(3, r.consumed))];
      return { consumed: r.consumed, frame: { c: r.command ?? { op: 'ignored', bytes: new Uint8Array(0) }, bytes: head } };
    },
    // A raster logo is one command of a few kilobytes; a print job's writes end at command boundaries.
    maxBuffered: 256 * 1024,
    onFrame: ({ c, bytes }) => {
      if (c.op === 'realtime-status') asked.push(c.n);
      else statusWriteOnly = false;
      const name = c.op === 'realtime-status' ? `DLE EOT ${c.n}` : (OP_NAMES[c.op] ?? c.op);
      ops.push(name);
      if (header.length === 0 && bytes.length > 0) header = bytes;
    },
    onOverflow: () => emit({ at: now(), dir: 'tx', name: 'overflow: an unparsed command was dropped from the trace', length: 0, header: '' }),
  });
  const describeStatus = (ev: StatusEvent): string => {
    if (ev.kind === 'info') return 'printer information reply';
    if (ev.kind === 'asb') return `ASB: paper ${ev.status.paper}, cover ${ev.status.coverOpen ? 'open' : 'closed'}, ${ev.status.online ? 'online' : 'offline'}`;
    const s = ev.status;
    const flags = Object.entries(s)
      .filter(([k, v]) => k !== 'n' && v === true)
      .map(([k]) => k);
    return `DLE EOT ${ev.n} reply${flags.length ? `: ${flags.join(', ')}` : ': ok'}`;
  };
  const rx = new FrameReader<StatusEvent, Error>({
    parse: (buf) => {
      const r = parseStatusBytes(buf, asked[0]);
      return r.consumed === 0 ? { consumed: 0 } : { consumed: r.consumed, ...(r.frame ? { frame: r.frame } : {}), ...(r.error ? { error: r.error } : {}) };
    },
    maxBuffered: 512,
    onFrame: (ev, consumed) => {
      if (ev.kind === 'realtime') asked.shift();
      emit({ at: now(), dir: 'rx', name: describeStatus(ev), length: consumed, header: ev.kind === 'realtime' ? hex([ev.byte]) : ev.kind === 'asb' ? hex(ev.bytes) : '5f' });
    },
    onError: (_e, consumed) => emit({ at: now(), dir: 'rx', name: 'stray byte', length: consumed, header: '' }),
  });
  return {
    tx: (b) => {
      tx.push(b);
      if (ops.length > 0) flushWrite(b.length);
    },
    rx: (b) => rx.push(b),
  };
}

const DESCRIBERS: Partial<Record<DeviceKind, (emit: Emit, now: () => number) => StreamDescriber>> = {
  'id-card': idCardDescriber,
  'receipt-printer': printerDescriber,
};

// ------------------------------------------------------------------ the tap

/** A transport that shows a describer every byte written and read, and is otherwise the transport itself. */
class TracingTransport implements Transport {
  constructor(
    private readonly inner: Transport,
    private readonly d: StreamDescriber,
  ) {}
  get path(): string {
    return this.inner.path;
  }
  get kind(): string {
    return this.inner.kind;
  }
  get isOpen(): boolean {
    return this.inner.isOpen;
  }
  async write(bytes: Uint8Array, signal?: AbortSignal): Promise<void> {
    await this.inner.write(bytes, signal);
    safely(() => this.d.tx(bytes));
  }
  onData(listener: (chunk: Uint8Array) => void): Unsubscribe {
    return this.inner.onData(listener);
  }
  onClose(listener: (error?: DeviceError) => void): Unsubscribe {
    return this.inner.onClose(listener);
  }
  close(): Promise<void> {
    return this.inner.close();
  }
}

/** The trace must never break the device it watches. */
function safely(fn: () => void): void {
  try {
    fn();
  } catch {
    // a describer that fails loses a trace entry, nothing else
  }
}

class TracingOpener implements TransportOpener {
  constructor(
    private readonly inner: TransportOpener,
    private readonly make: () => StreamDescriber,
    private readonly onLink: (event: 'up' | 'down') => void,
  ) {}
  get path(): string {
    return this.inner.path;
  }
  get kind(): string {
    return this.inner.kind;
  }
  async open(signal?: AbortSignal): Promise<Transport> {
    const t = await this.inner.open(signal);
    const d = this.make();
    // Our listener goes first: the frame a reply completes is in the trace before the driver acts on it.
    t.onData((chunk) => safely(() => d.rx(chunk)));
    t.onClose(() => this.onLink('down'));
    this.onLink('up');
    return new TracingTransport(t, d);
  }
}

/** Every device's trace ring; the core wraps each device's opener with `wrap` when it builds the devices. */
export class DeviceTrace {
  readonly #rings = new Map<string, TraceRing>();
  constructor(private readonly now: () => number = Date.now) {}

  /** The opener, tapped (or as it is, for a device kind without a describer). */
  wrap(device: string, kind: DeviceKind, opener: TransportOpener): TransportOpener {
    const describe = DESCRIBERS[kind];
    if (!describe) return opener;
    const ring = new TraceRing();
    this.#rings.set(device, ring);
    const emit: Emit = (e) => ring.add(e);
    return new TracingOpener(opener, () => describe(emit, this.now), (ev) => emit({ at: this.now(), dir: 'rx', name: ev === 'up' ? 'link up' : 'link down', length: 0, header: '' }));
  }

  /** The last `limit` frames, oldest first; null when the device is not traced. */
  list(device: string, limit: number): TraceEntry[] | null {
    return this.#rings.get(device)?.list(limit) ?? null;
  }
}
