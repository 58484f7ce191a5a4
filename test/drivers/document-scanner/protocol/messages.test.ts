import { describe, expect, it } from 'vitest';
import { fc, test } from '@fast-check/vitest';
import { ACTION, CLIENT_VERSION_CODE, UNIT_NAMES, VALUE_TYPE_NAMES, versionParts } from '../../../../drivers/document-scanner/protocol/constants.js';
import {
  encodeReply,
  encodeRequest,
  parseReply,
  parseRequest,
  type ReplyRpc,
  type SaneReply,
  type SaneRequest,
} from '../../../../drivers/document-scanner/protocol/messages.js';
import type { OptionDescriptor } from '../../../../drivers/document-scanner/protocol/options.js';
import { SaneProtocolError, WireWriter, toFixed } from '../../../../drivers/document-scanner/protocol/wire.js';
import { feed, fixture, hex } from './helpers.js';

const h = (s: string): Uint8Array => Uint8Array.from(Buffer.from(s.replace(/\s+/g, ''), 'hex'));

describe('requests, against the byte layout of net.tex', () => {
  it('INIT: code 0, version 1.0.3, username string with its NUL counted', () => {
    expect(hex(encodeRequest({ rpc: 'INIT', versionCode: CLIENT_VERSION_CODE, username: 'kiosk' }))).toBe('00000000' + '01000003' + '00000006' + '6b696f736b00');
  });
  it('INIT with no username sends a NULL string (length 0)', () => {
    expect(hex(encodeRequest({ rpc: 'INIT', versionCode: CLIENT_VERSION_CODE, username: null }))).toBe('00000000010000030000000' + '0');
  });
  it('GET_DEVICES and EXIT are only their code', () => {
    expect(hex(encodeRequest({ rpc: 'GET_DEVICES' }))).toBe('00000001');
    expect(hex(encodeRequest({ rpc: 'EXIT' }))).toBe('0000000a');
  });
  it('OPEN names the device', () => {
    expect(hex(encodeRequest({ rpc: 'OPEN', deviceName: 'test:0' }))).toBe('00000002' + '00000007' + '746573743a3000');
  });
  it('handle RPCs carry one word', () => {
    for (const [rpc, code] of [['CLOSE', 3], ['GET_OPTION_DESCRIPTORS', 4], ['GET_PARAMETERS', 6], ['START', 7], ['CANCEL', 8]] as const) {
      expect(hex(encodeRequest({ rpc, handle: 2 }))).toBe(code.toString(16).padStart(8, '0') + '00000002');
    }
  });
  it('CONTROL_OPTION set FIXED 75 dpi: handle, option, action, type, size, word array', () => {
    const bytes = encodeRequest({ rpc: 'CONTROL_OPTION', handle: 0, option: 7, action: ACTION.SET_VALUE, type: 'fixed', size: 4, value: [toFixed(75)] });
    expect(hex(bytes)).toBe('00000005' + '00000000' + '00000007' + '00000001' + '00000002' + '00000004' + '00000001' + '004b0000');
  });
  it('CONTROL_OPTION set STRING pads the value to the option size', () => {
    const bytes = encodeRequest({ rpc: 'CONTROL_OPTION', handle: 0, option: 2, action: ACTION.SET_VALUE, type: 'string', size: 6, value: 'Gray' });
    expect(hex(bytes)).toBe('00000005000000000000000200000001' + '00000003' + '00000006' + '00000006' + '477261790000');
  });
  it('CONTROL_OPTION SET_AUTO omits type, size and value from protocol 3 on, and keeps them before', () => {
    expect(hex(encodeRequest({ rpc: 'CONTROL_OPTION', handle: 1, option: 4, action: ACTION.SET_AUTO }))).toBe('00000005000000010000000400000002');
    expect(encodeRequest({ rpc: 'CONTROL_OPTION', handle: 1, option: 4, action: ACTION.SET_AUTO, type: 'int', size: 4, value: [0] }, 2).length).toBe(16 + 16);
  });
  it('AUTHORIZE: resource, username, password strings', () => {
    expect(hex(encodeRequest({ rpc: 'AUTHORIZE', resource: 'test', username: 'u', password: null }))).toBe('00000009' + '0000000574657374' + '00' + '000000027500' + '00000000');
  });
  it('refuses what cannot be encoded, with a typed error', () => {
    expect(() => encodeRequest({ rpc: 'OPEN', deviceName: '扫描仪' })).toThrow(SaneProtocolError);
    expect(() => encodeRequest({ rpc: 'OPEN', deviceName: 'a\u0000b' })).toThrow(/NUL/);
    expect(() => encodeRequest({ rpc: 'CONTROL_OPTION', handle: 0, option: 2, action: ACTION.SET_VALUE, type: 'string', size: 4, value: 'Color' })).toThrow(/does not fit/);
  });
});

describe('replies captured from a real saned (test backend)', () => {
  it('INIT: GOOD, SANE 1.1 with net protocol 3', () => {
    const r = parseReply('INIT', fixture('init.reply.bin'));
    expect(r.consumed).toBe(8);
    expect(r.frame?.status).toBe(0);
    expect(versionParts(r.frame?.versionCode ?? 0)).toEqual({ major: 1, minor: 1, build: 3 });
  });

  it('GET_DEVICES: the two test devices (the trailing NULL pointer dropped)', () => {
    const r = parseReply('GET_DEVICES', fixture('get-devices.reply.bin'));
    expect(r.consumed).toBe(142);
    expect(r.frame?.devices).toEqual([
      { name: 'test:0', vendor: 'Noname', model: 'frontend-tester', type: 'virtual device' },
      { name: 'test:1', vendor: 'Noname', model: 'frontend-tester', type: 'virtual device' },
    ]);
  });

  it('GET_OPTION_DESCRIPTORS: option 0 is the count, and the standard options are there', () => {
    const bytes = fixture('get-option-descriptors.reply.bin');
    const r = parseReply('GET_OPTION_DESCRIPTORS', bytes);
    expect(r.error).toBeUndefined();
    expect(r.consumed).toBe(bytes.length);
    const opts = r.frame?.options ?? [];
    expect(opts[0]).toMatchObject({ name: '', type: 'int', size: 4 });
    const byName = (n: string): OptionDescriptor | undefined => opts.find((o) => o.name === n);
    expect(byName('mode')).toMatchObject({ type: 'string', constraint: { type: 'string-list', strings: ['Gray', 'Color'] } });
    expect(byName('resolution')).toMatchObject({ type: 'fixed', unit: 'dpi', constraint: { type: 'range', min: toFixed(1), max: toFixed(1200), quant: toFixed(1) } });
    expect(byName('source')?.constraint).toEqual({ type: 'string-list', strings: ['Flatbed', 'Automatic Document Feeder'] });
    expect(byName('depth')?.constraint).toEqual({ type: 'word-list', words: [1, 8, 16] });
    expect(byName('br-y')).toMatchObject({ type: 'fixed', unit: 'mm' });
  });

  it('CONTROL_OPTION get mode: the value array and a NULL resource', () => {
    const r = parseReply('CONTROL_OPTION', fixture('control-option-get-mode.reply.bin'));
    expect(r.frame).toEqual({ status: 0, info: 0, type: 'string', size: 6, value: 'Gray', resource: null });
  });

  it('CONTROL_OPTION set resolution 75.4: INEXACT | RELOAD_PARAMS and the value the backend chose', () => {
    const r = parseReply('CONTROL_OPTION', fixture('control-option-set-resolution.reply.bin'));
    expect(r.frame).toMatchObject({ status: 0, info: 5, type: 'fixed', value: [toFixed(75)] });
  });

  it('START: a data port and little-endian byte order', () => {
    const r = parseReply('START', fixture('start.reply.bin'));
    expect(r.frame).toMatchObject({ status: 0, byteOrder: 0x1234, resource: null });
    expect(r.frame?.port).toBeGreaterThan(1023);
  });

  it('GET_PARAMETERS: a 29 × 14 gray frame, 8 bits', () => {
    expect(parseReply('GET_PARAMETERS', fixture('get-parameters.reply.bin')).frame).toEqual({
      status: 0,
      params: { format: 'gray', lastFrame: true, bytesPerLine: 29, pixelsPerLine: 29, lines: 14, depth: 8 },
    });
  });

  const replyFixtures: [ReplyRpc, string][] = [
    ['INIT', 'init'],
    ['GET_DEVICES', 'get-devices'],
    ['OPEN', 'open'],
    ['GET_OPTION_DESCRIPTORS', 'get-option-descriptors'],
    ['CONTROL_OPTION', 'control-option-get-mode'],
    ['CONTROL_OPTION', 'control-option-set-resolution'],
    ['GET_PARAMETERS', 'get-parameters'],
    ['START', 'start'],
    ['CANCEL', 'cancel'],
    ['CLOSE', 'close'],
  ];

  for (const [rpc, name] of replyFixtures) {
    it(`the simulator's encoder reproduces saned's ${name} reply byte for byte`, () => {
      const bytes = fixture(`${name}.reply.bin`);
      const r = parseReply(rpc, bytes);
      expect(r.frame).toBeDefined();
      expect(hex(encodeReply({ rpc, ...r.frame } as SaneReply))).toBe(hex(bytes));
    });

    it(`${name} reply: every strict prefix needs more bytes`, () => {
      const bytes = fixture(`${name}.reply.bin`);
      const step = Math.max(1, Math.floor(bytes.length / 200));
      for (let n = 0; n < bytes.length; n += step) expect(parseReply(rpc, bytes.subarray(0, n)).consumed).toBe(0);
    });
  }

  it('a reply split at every offset is reassembled', () => {
    const bytes = fixture('get-devices.reply.bin');
    for (let split = 1; split < bytes.length; split++) {
      const out = feed((b) => parseReply('GET_DEVICES', b), [bytes.subarray(0, split), bytes.subarray(split)]);
      expect(out.errors).toEqual([]);
      expect(out.frames).toHaveLength(1);
      expect(out.left).toBe(0);
    }
  });

  for (const name of ['init', 'get-devices', 'open', 'get-option-descriptors', 'control-option-get-mode', 'control-option-set-resolution', 'start', 'get-parameters', 'cancel', 'close']) {
    it(`the device side parses our ${name} request as saned did`, () => {
      const r = parseRequest(fixture(`${name}.request.bin`));
      expect(r.error).toBeUndefined();
      expect(r.consumed).toBe(fixture(`${name}.request.bin`).length);
      expect(hex(encodeRequest(r.frame as SaneRequest))).toBe(hex(fixture(`${name}.request.bin`)));
    });
  }
});

describe('malformed input becomes a typed error', () => {
  it('an absurd string length in a reply', () => {
    const r = parseReply('OPEN', h('00000000 00000000 7fffffff'));
    expect(r.error).toBeInstanceOf(SaneProtocolError);
    expect(r.error?.kind).toBe('length');
    expect(r.error?.code).toBe('protocol');
    expect(r.error?.action).toBe('reset');
  });
  it('a pointer flag that is neither 0 nor 1', () => {
    const r = parseReply('GET_DEVICES', h('00000000 00000001 00000007'));
    expect(r.error?.kind).toBe('value');
  });
  it('an undefined value type in a CONTROL_OPTION reply', () => {
    expect(parseReply('CONTROL_OPTION', h('00000000 00000000 00000009 00000004')).error?.kind).toBe('value');
  });
  it('an undefined frame format', () => {
    expect(parseReply('GET_PARAMETERS', h('00000000 00000007 00000001 00000001 00000001 00000001 00000008')).error?.kind).toBe('value');
  });
  it('a word list whose count disagrees with its length', () => {
    const w = new WireWriter();
    w.word(1).word(0).string('x').string('').string('').word(1).word(0).word(4).word(5).word(2).array([3, 1], (v) => w.word(v));
    expect(parseReply('GET_OPTION_DESCRIPTORS', w.finish()).error?.kind).toBe('value');
  });
  it('an unknown RPC code on the device side', () => {
    expect(parseRequest(h('0000000b')).error?.kind).toBe('value');
  });
  it('an error consumes the whole buffer: a SANE stream cannot be resynchronised', () => {
    const buf = h('00000000 00000001 00000007 01020304');
    expect(parseReply('GET_DEVICES', buf).consumed).toBe(buf.length);
  });
});

// ------------------------------------------------------------------ properties

const latin1Char = fc.integer({ min: 1, max: 255 }).map((c) => String.fromCharCode(c));
const str = fc.string({ unit: latin1Char, maxLength: 40 });
const word = fc.integer({ min: -0x80000000, max: 0x7fffffff });
const valueType = fc.constantFrom(...VALUE_TYPE_NAMES);

const descriptor: fc.Arbitrary<OptionDescriptor> = fc.record({
  name: str,
  title: str,
  desc: str,
  type: valueType,
  unit: fc.constantFrom(...UNIT_NAMES),
  size: fc.integer({ min: 0, max: 4096 }),
  cap: fc.integer({ min: 0, max: 127 }),
  constraint: fc.oneof(
    fc.constant({ type: 'none' as const }),
    fc.record({ type: fc.constant('range' as const), min: word, max: word, quant: word }),
    fc.record({ type: fc.constant('word-list' as const), words: fc.array(word, { maxLength: 8 }) }),
    fc.record({ type: fc.constant('string-list' as const), strings: fc.array(str, { maxLength: 6 }) }),
  ),
});

const controlValue = fc.oneof(
  fc.record({ type: fc.constantFrom('bool' as const, 'int' as const, 'fixed' as const), value: fc.array(word, { maxLength: 6 }) }).map((v) => ({ ...v, size: v.value.length * 4 })),
  fc.tuple(str, fc.integer({ min: 1, max: 8 })).map(([s, extra]) => ({ type: 'string' as const, value: s, size: s.length + extra })),
  fc.record({ type: fc.constantFrom('button' as const, 'group' as const), value: fc.constant(null), size: fc.constant(0) }),
);

const request: fc.Arbitrary<SaneRequest> = fc.oneof(
  fc.record({ rpc: fc.constant('INIT' as const), versionCode: fc.integer({ min: 0, max: 0xffffffff }), username: fc.option(str, { nil: null }) }),
  fc.constant({ rpc: 'GET_DEVICES' as const }),
  fc.record({ rpc: fc.constant('OPEN' as const), deviceName: str }),
  fc.record({ rpc: fc.constantFrom('CLOSE' as const, 'GET_OPTION_DESCRIPTORS' as const, 'GET_PARAMETERS' as const, 'START' as const, 'CANCEL' as const), handle: word }),
  fc.tuple(word, word, fc.constantFrom(0 as const, 1 as const), controlValue).map(([handle, option, action, v]) => ({ rpc: 'CONTROL_OPTION' as const, handle, option, action, ...v })),
  fc.record({ rpc: fc.constant('CONTROL_OPTION' as const), handle: word, option: word, action: fc.constant(2 as const) }),
  fc.record({ rpc: fc.constant('AUTHORIZE' as const), resource: fc.option(str, { nil: null }), username: fc.option(str, { nil: null }), password: fc.option(str, { nil: null }) }),
  fc.constant({ rpc: 'EXIT' as const }),
);

const resource = fc.option(str, { nil: null });
const device = fc.record({ name: str, vendor: str, model: str, type: str });
const reply: fc.Arbitrary<SaneReply> = fc.oneof(
  fc.record({ rpc: fc.constant('INIT' as const), status: word, versionCode: fc.integer({ min: 0, max: 0xffffffff }) }),
  fc.record({ rpc: fc.constant('GET_DEVICES' as const), status: word, devices: fc.array(device, { maxLength: 4 }) }),
  fc.record({ rpc: fc.constant('OPEN' as const), status: word, handle: word, resource }),
  fc.record({ rpc: fc.constantFrom('CLOSE' as const, 'CANCEL' as const, 'AUTHORIZE' as const), dummy: word }),
  fc.record({ rpc: fc.constant('GET_OPTION_DESCRIPTORS' as const), options: fc.array(descriptor, { maxLength: 6 }) }),
  fc.tuple(word, word, controlValue, resource).map(([status, info, v, res]) => ({ rpc: 'CONTROL_OPTION' as const, status, info, ...v, resource: res })),
  fc.record({
    rpc: fc.constant('GET_PARAMETERS' as const),
    status: word,
    params: fc.record({
      format: fc.constantFrom('gray' as const, 'rgb' as const, 'red' as const, 'green' as const, 'blue' as const),
      lastFrame: fc.boolean(),
      bytesPerLine: word,
      pixelsPerLine: word,
      lines: word,
      depth: word,
    }),
  }),
  fc.record({ rpc: fc.constant('START' as const), status: word, port: fc.integer({ min: 0, max: 65535 }), byteOrder: fc.constantFrom(0x1234, 0x4321), resource }),
);

describe('properties', () => {
  test.prop([request])('every request round-trips through the device-side parser', (req) => {
    const bytes = encodeRequest(req);
    const r = parseRequest(bytes);
    expect(r.error).toBeUndefined();
    expect(r.consumed).toBe(bytes.length);
    expect(r.frame).toEqual(req);
  });

  test.prop([reply])('every reply round-trips through the host-side parser', (rep) => {
    const bytes = encodeReply(rep);
    const { rpc, ...body } = rep;
    const r = parseReply(rpc, bytes);
    expect(r.error).toBeUndefined();
    expect(r.consumed).toBe(bytes.length);
    expect(r.frame).toEqual(body);
  });

  test.prop([reply, fc.integer({ min: 1, max: 1000 })])('a reply split at any offset gives the same reply', (rep, at) => {
    const bytes = encodeReply(rep);
    const split = at % bytes.length;
    const out = feed((b) => parseReply(rep.rpc, b), [bytes.subarray(0, split), bytes.subarray(split)]);
    expect(out.frames).toHaveLength(1);
    expect(out.left).toBe(0);
  });

  test.prop([fc.constantFrom<ReplyRpc>('INIT', 'GET_DEVICES', 'OPEN', 'CLOSE', 'GET_OPTION_DESCRIPTORS', 'CONTROL_OPTION', 'GET_PARAMETERS', 'START', 'CANCEL', 'AUTHORIZE'), fc.uint8Array({ maxLength: 200 })])(
    'random bytes give a reply, need-more or a typed error, never a throw',
    (rpc, bytes) => {
      const r = parseReply(rpc, bytes);
      expect(r.consumed).toBeGreaterThanOrEqual(0);
      expect(r.consumed).toBeLessThanOrEqual(bytes.length);
      if (r.error) expect(r.error).toBeInstanceOf(SaneProtocolError);
      if (r.consumed === 0) expect(r.frame).toBeUndefined();
    },
  );

  test.prop([fc.uint8Array({ maxLength: 200 })])('random bytes on the device side never throw', (bytes) => {
    const r = parseRequest(bytes);
    if (r.error) expect(r.error).toBeInstanceOf(SaneProtocolError);
    expect(r.consumed).toBeLessThanOrEqual(bytes.length);
  });
});
