import { describe, expect, it } from 'vitest';
import { fc, test } from '@fast-check/vitest';
import {
  READY_STATUS,
  asbStatus,
  encodeAsb,
  encodeInfoReply,
  encodeRealtimeStatus,
  faultOf,
  mergeRealtime,
  printerFaults,
  parseStatusBytes,
  type PrinterStatus,
  type RealtimeN,
  type RealtimePart,
  type StatusEvent,
} from '../../../../drivers/receipt-printer/protocol/status.js';
import { EscPosParseError } from '../../../../drivers/receipt-printer/protocol/errors.js';
import { FrameReader } from '../../../../drivers/transport/frame-reader.js';
import { fixtures, hex } from '../helpers.js';

const F = fixtures.status;

/** Feeds `chunks` one after another through the parser the way the printer link does (the shared FrameReader). */
function demux(chunks: Uint8Array[], expecting: RealtimeN[]): { events: StatusEvent[]; errors: EscPosParseError[] } {
  const events: StatusEvent[] = [];
  const errors: EscPosParseError[] = [];
  const queue = [...expecting];
  const reader = new FrameReader<StatusEvent, EscPosParseError>({
    parse: (buf) => parseStatusBytes(buf, queue[0]),
    maxBuffered: 128,
    onFrame: (f) => {
      events.push(f);
      if (f.kind === 'realtime') queue.shift();
    },
    onError: (e) => errors.push(e),
  });
  for (const c of chunks) reader.push(c);
  return { events, errors };
}

describe('DLE EOT replies', () => {
  it('out-of-paper fixture 1A/32/7E merges to paper out, offline', () => {
    const parts = ([1, 2, 4] as const).map((n) => {
      const r = parseStatusBytes(hex(F.outOfPaper[`n${n}`]), n);
      if (r.frame?.kind !== 'realtime') throw new Error('no event');
      return r.frame.status;
    });
    const s = mergeRealtime(parts);
    expect(s).toMatchObject({ online: false, paper: 'out', coverOpen: false });
    const f = faultOf(s);
    expect(f.error).toMatchObject({ code: 'device-fault', action: 'clear', fault: 'paper-out' });
  });

  it('ready fixture 12/12/12/12 is ready', () => {
    const parts = ([1, 2, 3, 4] as const).map((n) => {
      const ev = parseStatusBytes(hex(F.ready[`n${n}`]), n).frame;
      if (ev?.kind !== 'realtime') throw new Error('no event');
      return ev.status;
    });
    expect(mergeRealtime(parts)).toEqual(READY_STATUS);
    expect(faultOf(READY_STATUS)).toEqual({ warnings: [] });
  });

  it('a real-time byte nobody asked for is a typed error consuming 1', () => {
    const r = parseStatusBytes(Uint8Array.of(0x12));
    expect(r.consumed).toBe(1);
    expect(r.error).toBeInstanceOf(EscPosParseError);
    expect(r.error?.reason).toBe('unexpected-realtime');
  });

  it('an unknown byte is a typed error consuming 1', () => {
    const r = parseStatusBytes(Uint8Array.of(0xff, 0x12), 1);
    expect(r).toMatchObject({ consumed: 1 });
    expect(r.error?.reason).toBe('unknown-byte');
  });

  it('empty input needs more', () => {
    expect(parseStatusBytes(new Uint8Array(0), 1)).toEqual({ consumed: 0 });
  });
});

describe('Automatic Status Back', () => {
  it.each([
    ['asbOutOfPaper', { paper: 'out', online: false }, 'paper-out', 'clear'],
    ['asbCoverOpen', { coverOpen: true, online: false }, 'cover-open', 'clear'],
    ['asbReady', { online: true, paper: 'ok' }, undefined, undefined],
  ] as const)('%s', (key, expected, fault, action) => {
    const r = parseStatusBytes(hex(F[key]));
    expect(r.consumed).toBe(4);
    if (r.frame?.kind !== 'asb') throw new Error('expected ASB');
    expect(r.frame.status).toMatchObject(expected);
    expect(faultOf(r.frame.status).error?.fault).toBe(fault);
    expect(faultOf(r.frame.status).error?.action).toBe(action);
  });

  it('incomplete ASB needs more bytes', () => {
    expect(parseStatusBytes(hex('18 00 0f'), 1)).toEqual({ consumed: 0 });
  });

  it('an ASB block whose later byte breaks the pattern is a typed error', () => {
    const r = parseStatusBytes(hex('18 80 0f 00'));
    expect(r.consumed).toBe(1);
    expect(r.error?.reason).toBe('bad-asb');
  });
});

describe('demultiplexing DLE EOT and ASB from one stream', () => {
  // replies to DLE EOT 1,2,3,4 (paper out) with an ASB block arriving between them
  const stream = hex(`1a 32 ${F.asbOutOfPaper} 12 7e`);

  it.each(Array.from({ length: stream.length + 1 }, (_, i) => [i]))('split at offset %i', (at) => {
    const { events, errors } = demux([stream.subarray(0, at), stream.subarray(at)], [1, 2, 3, 4]);
    expect(errors).toEqual([]);
    expect(events.map((e) => (e.kind === 'realtime' ? `rt${e.n}` : 'asb'))).toEqual(['rt1', 'rt2', 'asb', 'rt3', 'rt4']);
    const parts = events.filter((e): e is Extract<StatusEvent, { kind: 'realtime' }> => e.kind === 'realtime').map((e) => e.status);
    expect(mergeRealtime(parts).paper).toBe('out');
  });

  it('byte by byte', () => {
    const { events } = demux([...stream].map((b) => Uint8Array.of(b)), [1, 2, 3, 4]);
    expect(events).toHaveLength(5);
  });
});

describe('faults and device-side encoders', () => {
  const status = fc.record({
    coverOpen: fc.boolean(),
    paper: fc.constantFrom('ok', 'near-end', 'out' as const),
    cutterError: fc.boolean(),
    unrecoverableError: fc.boolean(),
    autoRecoverableError: fc.boolean(),
    feedButton: fc.boolean(),
    drawer: fc.boolean(),
  });
  const withOnline = (s: Omit<PrinterStatus, 'online'>): PrinterStatus => ({
    ...s,
    online: !(s.coverOpen || s.paper === 'out' || s.cutterError || s.unrecoverableError || s.autoRecoverableError),
  });

  test.prop([status])('encodeAsb -> parse gives the state back', (raw) => {
    const s = withOnline(raw as Omit<PrinterStatus, 'online'>);
    const r = parseStatusBytes(encodeAsb(s));
    expect(r.consumed).toBe(4);
    expect(r.frame?.kind === 'asb' && r.frame.status).toEqual(s);
  });

  test.prop([status])('encodeRealtimeStatus 1–4 -> parse -> merge gives the state back', (raw) => {
    const s = withOnline(raw as Omit<PrinterStatus, 'online'>);
    const parts: RealtimePart[] = ([1, 2, 3, 4] as const).map((n) => {
      const ev = parseStatusBytes(Uint8Array.of(encodeRealtimeStatus(n, s)), n).frame;
      if (ev?.kind !== 'realtime') throw new Error('no reply');
      return ev.status;
    });
    expect(mergeRealtime(parts)).toEqual(s);
  });

  test.prop([fc.oneof(fc.uint8Array({ maxLength: 64 }), fc.uint8Array({ maxLength: 100 }).map((b) => Uint8Array.from([0x5f, ...b]))), fc.option(fc.constantFrom(1, 2, 3, 4 as const), { nil: undefined })])(
    'arbitrary bytes give only typed outcomes and never over-consume',
    (bytes, expecting) => {
      const r = parseStatusBytes(bytes, expecting as RealtimeN | undefined);
      expect(r.consumed).toBeLessThanOrEqual(bytes.length);
      expect(r.consumed).toBeGreaterThanOrEqual(0);
      // need-more only for an incomplete ASB block (< 4 bytes) or an unterminated GS I reply (<= 81 bytes)
      if (bytes.length > 0 && r.consumed === 0) expect(bytes.length).toBeLessThan(bytes[0] === 0x5f ? 82 : 4);
      if (r.error) expect(r.error).toBeInstanceOf(EscPosParseError);
      if (r.consumed > 0) expect(r.frame !== undefined || r.error !== undefined).toBe(true);
    },
  );

  it.each([
    [{ unrecoverableError: true }, 'unrecoverable-error', 'maintenance'],
    [{ coverOpen: true }, 'cover-open', 'clear'],
    [{ cutterError: true }, 'cutter-error', 'clear'],
    [{ autoRecoverableError: true }, 'auto-recoverable-error', 'wait'],
  ] as const)('faultOf %o', (patch, fault, action) => {
    expect(faultOf({ ...READY_STATUS, ...patch }).error).toMatchObject({ fault, action });
  });

  it('paper near end is a warning, not a fault', () => {
    expect(faultOf({ ...READY_STATUS, paper: 'near-end' })).toEqual({ warnings: ['paper-near-end'] });
  });

  it('asbStatus ignores the model-specific fourth byte', () => {
    expect(asbStatus(hex('10 00 00 6f'))).toEqual(READY_STATUS);
  });
});

describe('the fault policy (owned here; the CLI and the core only format it)', () => {
  const all: PrinterStatus = { ...READY_STATUS, online: false, coverOpen: true, paper: 'out', cutterError: true, unrecoverableError: true, autoRecoverableError: true };

  it('lists every blocking fault, most important first, each with its next action', () => {
    expect(printerFaults(all).map((f) => [f.fault, f.action])).toEqual([
      ['unrecoverable-error', 'maintenance'],
      ['cover-open', 'clear'],
      ['paper-out', 'clear'],
      ['cutter-error', 'clear'],
      ['auto-recoverable-error', 'wait'],
    ]);
  });

  it("'offline' only when nothing else explains it; a ready printer has none", () => {
    expect(printerFaults({ ...READY_STATUS, online: false })).toEqual([{ fault: 'offline', action: 'wait', message: 'printer is offline' }]);
    expect(printerFaults(READY_STATUS)).toEqual([]);
  });

  test.prop([fc.record({ online: fc.boolean(), coverOpen: fc.boolean(), paper: fc.constantFrom('ok', 'near-end', 'out'), cutterError: fc.boolean(), unrecoverableError: fc.boolean(), autoRecoverableError: fc.boolean() })])(
    'faultOf reports the first fault of the policy, as a typed error with its message and action',
    (part) => {
      const s: PrinterStatus = { ...READY_STATUS, ...part } as PrinterStatus;
      const first = printerFaults(s)[0];
      const { error } = faultOf(s);
      if (!first) expect(error).toBeUndefined();
      else expect(error).toMatchObject({ code: 'device-fault', fault: first.fault, action: first.action, message: first.message });
    },
  );
});

describe('GS I information replies', () => {
  it('a 0x5F … NUL block is an info event, even between status bytes', () => {
    const stream = Uint8Array.from([0x1a, ...encodeInfoReply('TM-T88 0ABC'), 0x32]);
    for (let at = 0; at <= stream.length; at++) {
      const { events, errors } = demux([stream.subarray(0, at), stream.subarray(at)], [1, 2]);
      expect(errors).toEqual([]);
      expect(events.map((e) => e.kind)).toEqual(['realtime', 'info', 'realtime']);
      expect(events[1]).toEqual({ kind: 'info', text: 'TM-T88 0ABC' });
    }
  });

  it('an info block without NUL is given up after 80 bytes', () => {
    const r = parseStatusBytes(Uint8Array.from([0x5f, ...new Array<number>(90).fill(0x41)]));
    expect(r.consumed).toBe(1);
    expect(r.error?.reason).toBe('bad-parameter');
  });
});
