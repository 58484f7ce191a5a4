import { describe, expect, it } from 'vitest';
import { fc, test } from '@fast-check/vitest';
import iconv from 'iconv-lite';
import { DuplicateFilter } from '../../../../drivers/qr-reader/protocol/dedupe.js';
import { HIDPOS_RECORD, decodeHidPosRecord, encodeHidPosScan, parseHidPos } from '../../../../drivers/qr-reader/protocol/hidpos.js';
import type { QrFrameError} from '../../../../drivers/qr-reader/protocol/serial.js';
import { encodeSerialScan, serialScanParser, type RawScan, type Terminator } from '../../../../drivers/qr-reader/protocol/serial.js';
import { decodePayload } from '../../../../drivers/qr-reader/protocol/text.js';
import { FrameReader } from '../../../../drivers/transport/frame-reader.js';

function read(parse: (b: Uint8Array) => ReturnType<typeof parseHidPos>, chunks: Uint8Array[]): { scans: RawScan[]; errors: QrFrameError[] } {
  const scans: RawScan[] = [];
  const errors: QrFrameError[] = [];
  const r = new FrameReader<RawScan, QrFrameError>({ parse, maxBuffered: 1 << 16, onFrame: (s) => scans.push(s), onError: (e) => errors.push(e) });
  for (const c of chunks) r.push(c);
  return { scans, errors };
}

function cut(bytes: Uint8Array, cuts: number[]): Uint8Array[] {
  const at = [...new Set(cuts.map((c) => c % (bytes.length + 1)))].sort((a, b) => a - b);
  const out: Uint8Array[] = [];
  let prev = 0;
  for (const c of [...at, bytes.length]) {
    out.push(bytes.subarray(prev, c));
    prev = c;
  }
  return out;
}

const enc = (s: string): Uint8Array => new TextEncoder().encode(s);
/** Payloads a serial reader can carry: no CR/LF inside, not empty. */
const linePayload = fc.uint8Array({ minLength: 1, maxLength: 200 }).map((p) => p.map((b) => (b === 0x0d || b === 0x0a ? 0x20 : b)));

describe('serial scans (payload + terminator)', () => {
  test.prop([fc.constantFrom<Terminator>('cr', 'lf', 'crlf'), fc.array(linePayload, { minLength: 1, maxLength: 6 }), fc.array(fc.nat(), { maxLength: 12 })])(
    'any terminator, any chunking: the payloads, in order',
    (terminator, payloads, cuts) => {
      const stream = Uint8Array.from(payloads.flatMap((p) => [...encodeSerialScan(p, terminator)]));
      const { scans, errors } = read(serialScanParser({ terminator }), cut(stream, cuts));
      expect(errors).toEqual([]);
      expect(scans.map((s) => [...s.bytes])).toEqual(payloads.map((p) => [...p]));
    },
  );

  it('a CR LF reader configured as CR: the LF is skipped, no empty scans', () => {
    const { scans } = read(serialScanParser({ terminator: 'cr' }), [enc('A\r\nB\r\n\r\n')]);
    expect(scans.map((s) => new TextDecoder().decode(s.bytes))).toEqual(['A', 'B']);
  });

  it('the AIM prefix is split off when the reader sends it', () => {
    const { scans } = read(serialScanParser({ terminator: 'cr', aimPrefix: true }), [encodeSerialScan(enc('NX-YC-0001-20260302-0042'), 'cr', ']Q1')]);
    expect(scans).toEqual([{ bytes: enc('NX-YC-0001-20260302-0042'), symbology: ']Q1' }]);
  });

  it('no terminator within maxLength: dropped with a typed error, the next scan reads', () => {
    const { scans, errors } = read(serialScanParser({ terminator: 'cr', maxLength: 16 }), [enc('x'.repeat(20)), enc('ok\r')]);
    expect(errors.map((e) => [e.kind, e.device, e.code])).toEqual([['too-long', 'qr-reader', 'protocol']]);
    expect(scans.map((s) => new TextDecoder().decode(s.bytes))).toEqual(['ok']);
  });
});

describe('HID POS scanned-data reports', () => {
  test.prop([fc.uint8Array({ minLength: 1, maxLength: 600 }).filter((p) => p[p.length - 1] !== 0x0d), fc.array(fc.nat(), { maxLength: 8 })])(
    'one scan over as many reports as it needs, any chunking',
    (payload, cuts) => {
      const records = encodeHidPosScan(payload);
      expect(records.length % HIDPOS_RECORD).toBe(0);
      const { scans, errors } = read(parseHidPos, cut(records, cuts));
      expect(errors).toEqual([]);
      expect(scans).toEqual([{ bytes: payload, symbology: ']Q1' }]);
    },
  );

  it('a trailing CR is stripped; the AIM identifier and code id are read', () => {
    const r = encodeHidPosScan(enc('https://zwfw.nx.gov.cn/q?n=42\r'));
    expect(decodeHidPosRecord(r)).toMatchObject({ symbology: ']Q1', codeId: 0x73, more: false });
    expect(read(parseHidPos, [r]).scans[0]?.bytes).toEqual(enc('https://zwfw.nx.gov.cn/q?n=42'));
  });

  it("a device that puts one byte before the AIM identifier (']' at [2])", () => {
    const r = new Uint8Array(HIDPOS_RECORD);
    r[0] = 3;
    r.set([0x00, 0x5d, 0x51, 0x31, 0x41, 0x42, 0x43], 1);
    expect(read(parseHidPos, [r]).scans).toEqual([{ bytes: enc('ABC'), symbology: ']Q1' }]);
  });

  it('a report with an impossible byte count is a typed error; the next scan reads', () => {
    const bad = new Uint8Array(HIDPOS_RECORD);
    bad[0] = 0xff;
    const { scans, errors } = read(parseHidPos, [bad, encodeHidPosScan(enc('ok'))]);
    expect(errors.map((e) => e.kind)).toEqual(['bad-report']);
    expect(scans.map((s) => s.bytes)).toEqual([enc('ok')]);
  });
});

describe('payload text', () => {
  it('UTF-8 (e-certificate codes), GB18030 (older Chinese codes), or bytes only', () => {
    expect(decodePayload(enc('电子证照 E-cert 䶮'))).toEqual({ text: '电子证照 E-cert 䶮', encoding: 'utf-8' });
    expect(decodePayload(new Uint8Array(iconv.encode('宁夏回族自治区', 'gb18030')))).toEqual({ text: '宁夏回族自治区', encoding: 'gb18030' });
    expect(decodePayload(Uint8Array.of(0xff, 0xff, 0x80))).toEqual({ text: null, encoding: null });
  });

  test.prop([fc.string({ unit: 'binary', maxLength: 80 })])('any text round-trips through UTF-8', (s) => {
    const d = decodePayload(enc(s));
    expect(d.encoding).toBe('utf-8');
    expect(d.text).toBe(new TextDecoder().decode(enc(s)));
  });
});

describe('duplicate scans', () => {
  it('the same code within the window is collapsed; a held code stays one scan; another code is new', () => {
    const f = new DuplicateFilter(1000);
    const a = enc('A');
    expect(f.accept(a, 0)).toBe(true);
    expect(f.accept(a, 500)).toBe(false);
    expect(f.accept(a, 1400)).toBe(false); // refreshed at 500
    expect(f.accept(enc('B'), 1500)).toBe(true);
    expect(f.accept(a, 2500)).toBe(true); // 1,100 ms since it was last seen
    f.clear();
    expect(f.accept(enc('B'), 1600)).toBe(true);
  });
});
