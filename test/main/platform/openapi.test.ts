import { describe, expect, it } from 'vitest';
import { test as fcTest, fc } from '@fast-check/vitest';
import type { z } from 'zod';
import * as S from '../../../main/platform/schemas.js';
import { ajv, declaredCodes, doc, validatorAt } from './openapi-validator.js';

/**
 * openapi.json against the code's own tables and zod schemas: the same operations, the same bodies (ajv with
 * ajv-formats decides what the description accepts — not the code's date rule), the same error codes per status, the
 * same limits and case states.
 */

const SHA = 'c'.repeat(64);
const T = '2025-01-02T03:04:05.000Z';
/** Date-times: valid RFC 3339 in several spellings, and near misses. */
const DATES_OK = ['2025-01-02T03:04:05Z', '2025-01-02t03:04:05z', '2025-01-02T03:04:05.123456789+08:00', '2016-12-31T23:59:60Z', '2017-01-01T07:59:60+08:00', '2024-02-29T00:00:00-00:30', '2025-01-02 03:04:05Z', '2025-01-02T03:04:05+0800'];
const DATES_BAD = ['2025-01-02T03:04:05', '2025-02-29T00:00:00Z', '2025-01-02T24:00:00Z', '2025-01-02T03:04:60Z', '2025-13-01T00:00:00Z', '2025-01-02T03:04:05+24:00', 'yesterday', '2025-01-02'];
const status = (over: Record<string, unknown>) => ({ caseNumber: 'A', state: 'received', receivedAt: T, updatedAt: T, rated: false, ...over });

/** Samples per schema: [zod schema, samples]; the OpenAPI schema must agree with zod on each. */
const samples: Record<string, [z.ZodType, unknown[]]> = {
  CaseSubmission: [
    S.CaseSubmission,
    [
      { kind: 'matter', matterCode: 'A', submittedAt: T, applicantToken: 't', form: {}, attachments: [SHA] },
      { kind: 'bundle', matterCode: 'A', submittedAt: T, applicantToken: 't', form: { x: [1] }, attachments: [], test: true, localAcceptanceNumber: 'K-1' },
      { kind: 'matter', matterCode: 'A', submittedAt: T, applicantToken: 't', form: {}, attachments: ['XYZ'] },
      { kind: 'matter', matterCode: 'A', submittedAt: T, applicantToken: 't', form: {}, attachments: [], idNumber: 'x' },
      { kind: '', matterCode: 'A', submittedAt: T, applicantToken: 't', form: {}, attachments: [] },
      { matterCode: 'A' },
      ...[...DATES_OK, ...DATES_BAD].map((d) => ({ kind: 'matter', matterCode: 'A', submittedAt: d, applicantToken: 't', form: {}, attachments: [] })),
    ],
  ],
  CaseReceipt: [S.CaseReceipt, [{ caseNumber: 'NX-1', receivedAt: T }, { caseNumber: 'NX 1', receivedAt: T }, { caseNumber: 'NX-1' }, ...[...DATES_OK, ...DATES_BAD].map((d) => ({ caseNumber: 'NX-1', receivedAt: d }))]],
  CodeVerification: [
    S.CodeVerification,
    [
      { code: 'TlhTTC1FQzEu', holder: 'a'.repeat(64) },
      { code: 'not base64!', holder: 'a'.repeat(64) },
      { code: 'TlhTTC1FQzEu', holder: '110101199003077777' },
      { code: 'TlhTTC1FQzEu', holder: 'a'.repeat(64), idNumber: 'x' },
      { code: '', holder: 'a'.repeat(64) },
      { code: 'A'.repeat(5468), holder: 'a'.repeat(64) },
    ],
  ],
  CodeVerdict: [
    S.CodeVerdict,
    [
      { result: 'valid', kind: 'e-certificate', certificate: { id: 'c', type: 'hukou', title: 't', issuer: 'i', issuedAt: T, data: {} }, holderMatches: true },
      { result: 'valid', kind: 'e-id', certificate: { id: 'c', type: 'e-id', title: 't', issuer: 'i', issuedAt: T, data: {} }, holderMatches: false },
      { result: 'valid', kind: 'e-certificate', certificate: { id: 'c', type: 'hukou', title: 't', issuer: 'i', issuedAt: T, data: {} }, holderMatches: 'yes' },
      { result: 'valid', kind: 'passport', certificate: { id: 'c', type: 'hukou', title: 't', issuer: 'i', issuedAt: T, data: {} }, holderMatches: true },
      { result: 'valid', kind: 'e-id', holderMatches: true },
      { result: 'invalid', reason: 'expired' },
      { result: 'invalid', reason: 'lost' },
      { result: 'maybe' },
    ],
  ],
  Rating: [S.Rating, [{ score: 1 }, { score: 5, comment: 'ok' }, { score: 0 }, { score: 3.5 }, { score: 3, extra: 1 }]],
  ErrorBody: [S.ErrorBody, [{ code: 'x', message: '' }, { code: '', message: '' }, { code: 'x' }, { code: 'clock-skew', message: '', serverTime: '2025-01-02t03:04:05z' }, { code: 'clock-skew', message: '', serverTime: 'now' }]],
  Catalog: [S.Catalog, [{ version: '1', matters: [] }, { version: 2 }, { version: '' }, {}]],
  Health: [S.Health, [{ status: 'ok', time: T }, { status: 'degraded', time: T }, { status: 'down', time: T }, ...DATES_OK.map((d) => ({ status: 'ok', time: d }))]],
  AttachmentReceipt: [S.AttachmentReceipt, [{ sha256: SHA, size: 0 }, { sha256: SHA, size: -1 }]],
  CaseStatus: [
    S.CaseStatus,
    [
      status({}),
      status({ state: 'lost' }),
      status({ state: 'accepted', history: [{ state: 'received', at: T }, { state: 'accepted', at: T }] }),
      status({ state: 'rejected', reason: '不属于本机关职权范围，请到市场监管局办理' }),
      status({ state: 'rejected' }),
      status({ state: 'correction-required', corrections: ['补充户口簿首页复印件'] }),
      status({ state: 'correction-required' }),
      status({ state: 'correction-required', corrections: [] }),
      status({ state: 'in-review', corrections: ['x'] }),
      status({ state: 'suspended', reason: '部门间协调' }),
      status({ state: 'suspended' }),
      status({ state: 'completed', decision: 'granted' }),
      status({ state: 'completed' }),
      status({ state: 'completed', decision: 'denied' }),
      status({ state: 'completed', decision: 'denied', reason: '不符合条件' }),
      status({ state: 'delivered', decision: 'granted' }),
      status({ state: 'in-review', decision: 'granted' }),
      status({ state: 'withdrawn' }),
      status({ state: 'withdrawn', reason: '申请人撤回' }),
      status({ updatedAt: '2016-12-31T23:59:60Z' }),
    ],
  ],
  CaseList: [S.CaseList, [{ cases: [] }, { cases: [status({})] }, { cases: [status({ state: 'rejected' })] }, {}]],
};

describe('openapi.json', () => {
  it('is OpenAPI 3.1 with every operation the kiosk needs, each with its size limit', () => {
    expect(doc.openapi).toBe('3.1.0');
    const ops = Object.entries(doc.paths).flatMap(([p, item]) => Object.entries(item).map(([m, op]) => [`${m.toUpperCase()} ${p}`, op] as const));
    expect(ops.map(([name]) => name).sort()).toEqual(
      [
        'GET /v1/health',
        'GET /v1/catalog',
        'PUT /v1/attachments/{sha256}',
        'POST /v1/cases',
        'GET /v1/cases',
        'GET /v1/cases/{caseNumber}',
        'POST /v1/cases/{caseNumber}/rating',
        'GET /v1/certificates',
        'POST /v1/codes/verify',
      ].sort(),
    );
    // One fact in one place: the limits the code enforces are the ones the description states.
    expect(Object.fromEntries(ops.map(([, op]) => [op.operationId, op['x-max-request-bytes']]))).toEqual({ ...S.REQUEST_LIMITS });
    const submit = doc.paths['/v1/cases']?.post;
    expect(Object.keys(submit?.responses ?? {})).toEqual(expect.arrayContaining(['200', '201', '400', '401', '408', '409', '413', '422', '429', '500', '502', '503']));
    expect(submit?.parameters?.[0]).toEqual(expect.objectContaining({ name: 'Idempotency-Key', required: true }));
    expect(Object.keys(doc.paths['/v1/catalog']?.get?.responses ?? {})).toEqual(expect.arrayContaining(['200', '304']));
    for (const word of ['X-Signature', 'HMAC-SHA-256', '300 s', 'replayed-nonce', 'Retention', 'Idempotent-Replayed', 'Idempotency-Key "\\n" If-None-Match', 'serverTime', 'x-max-request-bytes', 'RFC 3339', '待补正']) {
      expect(doc.info.description).toContain(word);
    }
  });

  it('lists on each status exactly the error codes the client classifies (ERROR_CLASSES)', () => {
    const byStatus = new Map<string, Set<string>>();
    for (const item of Object.values(doc.paths)) {
      for (const op of Object.values(item)) {
        for (const st of Object.keys(op.responses)) {
          if (Number(st) < 400) continue;
          const codes = declaredCodes(op, st);
          expect(codes, `${op.operationId} ${st} declares its codes`).toBeDefined();
          const set = byStatus.get(st) ?? new Set<string>();
          for (const c of codes ?? []) {
            expect(S.errorClass(Number(st), c), `${op.operationId} ${st} ${c} is classified`).toBeDefined();
            set.add(c);
          }
          byStatus.set(st, set);
        }
      }
    }
    const fromCode = Object.fromEntries(Object.entries(S.ERROR_CLASSES).map(([st, codes]) => [st, Object.keys(codes).sort()]));
    expect(Object.fromEntries([...byStatus].map(([st, set]) => [st, [...set].sort()]))).toEqual(fromCode);
  });

  it('declares the case states, with their Chinese names, as the code knows them', () => {
    const state = doc.components.schemas.CaseState as { enum: string[]; description: string };
    expect(state.enum).toEqual(Object.keys(S.CASE_STATES));
    for (const [code, { zh }] of Object.entries(S.CASE_STATES)) {
      expect(state.description).toContain(code);
      expect(doc.info.description).toContain(zh);
    }
    // Every transition the code allows is written in the description.
    for (const [from, tos] of Object.entries(S.CASE_TRANSITIONS)) if (tos.length > 0) expect(doc.info.description).toContain(`${from} → ${tos.join(', ')}`);
  });

  it('has the Idempotency-Key pattern of the keys the simulator accepts (bare or quoted)', () => {
    const v = validatorAt(['paths', '/v1/cases', 'post', 'parameters', '0', 'schema']);
    for (const h of ['k', 'abc-123_XYZ', '"quoted-key"', '"a\\b"', '"', '"a', 'a"b', 'has space', '', 'x'.repeat(256), '"' + 'x'.repeat(255) + '"', 'ключ']) {
      expect(v(h), h).toBe(S.idempotencyKeyOfHeader(h) !== undefined);
    }
  });

  it('describes the same bodies as the zod schemas (formats decided by ajv-formats, not by our code)', () => {
    for (const [name, [zodSchema, values]] of Object.entries(samples)) {
      const validate = validatorAt(['components', 'schemas', name]);
      for (const v of values) expect(validate(v), `${name} ${JSON.stringify(v)} ${ajv.errorsText(validate.errors)}`).toBe(zodSchema.safeParse(v).success);
    }
  });
});

describe('date-times', () => {
  it('read what RFC 3339 allows and write one canonical form', () => {
    expect(S.DateTime.parse('2025-01-02t03:04:05z')).toBe('2025-01-02T03:04:05.000Z');
    expect(S.DateTime.parse('2025-01-02T11:04:05.123456+08:00')).toBe('2025-01-02T03:04:05.123Z');
    expect(S.DateTime.parse('2016-12-31T23:59:60Z')).toBe('2016-12-31T23:59:59.999Z');
    expect(S.DateTime.parse('2017-01-01T07:59:60.5+08:00')).toBe('2016-12-31T23:59:59.999Z');
    expect(S.DateTime.parse('0001-01-01T00:00:00Z')).toBe('0001-01-01T00:00:00.000Z');
    expect(S.DateTime.safeParse('2025-01-02T12:00:60Z').success).toBe(false);
    expect(S.DateTime.safeParse('0000-01-01T00:00:00+01:00').success).toBe(false); // before year 0000 in UTC
    expect(S.parseDateTime('2025-01-02T03:04:05-01:30')).toBe(Date.parse('2025-01-02T04:34:05Z'));
  });
});

describe('date-times, property-tested', () => {
  const pad = (n: number, w = 2): string => String(n).padStart(w, '0');
  /** Date-time-shaped strings, valid or nearly so: every field may be out of range, every separator may vary. */
  const dateLike = fc
    .record({
      y: fc.integer({ min: 0, max: 9999 }),
      mo: fc.integer({ min: 0, max: 13 }),
      d: fc.integer({ min: 0, max: 32 }),
      // Biased towards 23:59:60 and the hours around it, where leap seconds are decided.
      h: fc.oneof(fc.integer({ min: 0, max: 25 }), fc.constantFrom(0, 7, 23)),
      mi: fc.oneof(fc.integer({ min: 0, max: 60 }), fc.constantFrom(0, 59)),
      s: fc.oneof(fc.integer({ min: 0, max: 61 }), fc.constant(60)),
      frac: fc.option(fc.stringMatching(/^[0-9]{1,12}$/), { nil: undefined }),
      sep: fc.constantFrom('T', 't', ' ', '_'),
      zone: fc.oneof(fc.constantFrom('Z', 'z', '', '+00:00', '-00:00'), fc.tuple(fc.constantFrom('+', '-'), fc.integer({ min: 0, max: 24 }), fc.integer({ min: 0, max: 60 }), fc.constantFrom(':', '', 'none')).map(([sg, hh, mm, c]) => (c === 'none' ? `${sg}${pad(hh)}` : `${sg}${pad(hh)}${c}${pad(mm)}`))),
    })
    .map((r) => `${pad(r.y, 4)}-${pad(r.mo)}-${pad(r.d)}${r.sep}${pad(r.h)}:${pad(r.mi)}:${pad(r.s)}${r.frac !== undefined ? `.${r.frac}` : ''}${r.zone}`);
  const ajvDateTime = validatorAt(['components', 'schemas', 'CaseReceipt', 'properties', 'receivedAt']);

  fcTest.prop([dateLike], { numRuns: 3000 })('the code accepts a date-time exactly when ajv-formats does (years 0001-9998)', (s) => {
    fc.pre(!/^0000-|^9999-/.test(s)); // the ends of the range, where an offset leaves 0000-9999 in UTC, are ours to refuse
    // ajv-formats 3.0.1 lets hour 24 or minute 60 through on a leap second whose offset brings UTC to 23:59
    // ("…T24:59:60+01:00"); RFC 3339 §5.6 has time-hour 00-23 and time-minute 00-59, and so does the code.
    const outOfRange = Number(s.slice(11, 13)) > 23 || Number(s.slice(14, 16)) > 59;
    expect(S.DateTime.safeParse(s).success, s).toBe(outOfRange ? false : ajvDateTime(s));
  });

  fcTest.prop([fc.date({ min: new Date('0001-01-02T00:00:00Z'), max: new Date('9998-12-31T00:00:00Z'), noInvalidDate: true }), fc.integer({ min: -23 * 60 - 59, max: 23 * 60 + 59 }), fc.boolean(), fc.integer({ min: 0, max: 6 })])(
    'any instant, written with any offset and any number of fraction digits, reads back as that instant (to the ms)',
    (date, offsetMin, lower, extraDigits) => {
      const ms = date.getTime();
      const local = new Date(ms + offsetMin * 60_000).toISOString().slice(0, 23) + '7'.repeat(extraDigits);
      const sign = offsetMin < 0 ? '-' : '+';
      const a = Math.abs(offsetMin);
      const zone = offsetMin === 0 && lower ? 'z' : `${sign}${pad(Math.floor(a / 60))}:${pad(a % 60)}`;
      const text = (lower ? local.replace('T', 't') : local) + zone;
      expect(S.parseDateTime(text), text).toBe(ms);
      expect(S.DateTime.parse(text)).toBe(date.toISOString());
      expect(S.DateTime.parse(S.DateTime.parse(text))).toBe(date.toISOString()); // canonical is a fixed point
    },
  );

  fcTest.prop([fc.string({ maxLength: 120 })])('answers any string without throwing', (s) => {
    const ms = S.parseDateTime(s);
    expect(ms === undefined || Number.isFinite(ms)).toBe(true);
    expect(typeof S.idempotencyKeyOfHeader(s) === 'string' || S.idempotencyKeyOfHeader(s) === undefined).toBe(true);
  });
});
