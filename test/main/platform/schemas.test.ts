import { describe, expect, it } from 'vitest';
import { test as fcTest, fc } from '@fast-check/vitest';
import * as S from '../../../main/platform/schemas.js';

const SHA = 'a'.repeat(64);
const schemas = {
  CaseSubmission: S.CaseSubmission,
  CaseReceipt: S.CaseReceipt,
  CaseStatus: S.CaseStatus,
  Catalog: S.Catalog,
  Rating: S.Rating,
  RatingReceipt: S.RatingReceipt,
  ErrorBody: S.ErrorBody,
  Health: S.Health,
  AttachmentReceipt: S.AttachmentReceipt,
  CertificateQuery: S.CertificateQuery,
  CertificateList: S.CertificateList,
};

describe('platform schemas', () => {
  it('accept well-formed bodies', () => {
    expect(
      S.CaseSubmission.parse({ kind: 'matter', matterCode: 'NX-001', submittedAt: '2025-01-02T03:04:05.000Z', applicantToken: 'tok', form: { a: 1 }, attachments: [SHA], test: true }),
    ).toMatchObject({ kind: 'matter' });
    expect(S.CaseReceipt.parse({ caseNumber: 'NX-20250102-0000001', receivedAt: '2025-01-02T03:04:05+08:00' }).caseNumber).toBe('NX-20250102-0000001');
    expect(S.Catalog.parse({ version: 3, matters: [] })).toEqual({ version: 3, matters: [] });
    expect(S.Rating.parse({ score: 5 })).toEqual({ score: 5 });
    expect(S.ErrorBody.parse({ code: 'x', message: 'y', extra: 1 })).toEqual({ code: 'x', message: 'y' });
  });

  it('reject the usual mistakes', () => {
    expect(S.Rating.safeParse({ score: 0 }).success).toBe(false);
    expect(S.Rating.safeParse({ score: 6 }).success).toBe(false);
    expect(S.Rating.safeParse({ score: 2.5 }).success).toBe(false);
    expect(S.Sha256Hex.safeParse('A'.repeat(64)).success).toBe(false);
    expect(S.CaseSubmission.safeParse({ kind: 'matter', matterCode: 'x', submittedAt: 'yesterday', applicantToken: 't', form: {}, attachments: [] }).success).toBe(false);
    expect(S.CaseSubmission.safeParse({ kind: 'matter', matterCode: 'x', submittedAt: '2025-01-02T03:04:05Z', applicantToken: 't', form: {}, attachments: [], idNumber: '1' }).success).toBe(false);
    expect(S.Catalog.safeParse({ matters: [] }).success).toBe(false);
    expect(S.CertificateQuery.safeParse({ type: 'hukou', holder: '110101199003077777' }).success).toBe(false);
  });

  fcTest.prop([fc.anything({ withBigInt: true, withDate: true, withMap: true, withSet: true, withTypedArray: true, withNullPrototype: true })])(
    'answer arbitrary junk with a typed result, never an exception',
    (junk) => {
      for (const [name, schema] of Object.entries(schemas)) {
        const r = schema.safeParse(junk);
        expect(typeof r.success, name).toBe('boolean');
        if (!r.success) expect(r.error.issues.length, name).toBeGreaterThan(0);
      }
    },
  );

  fcTest.prop([fc.json()])('answer arbitrary JSON text (as the client sees it) with a typed result', (text) => {
    const value: unknown = JSON.parse(text);
    for (const schema of Object.values(schemas)) expect(typeof schema.safeParse(value).success).toBe('boolean');
  });
});

describe('ratings carry 差评 reasons and the content version', () => {
  it('accepts reason keys and a version; refuses bad keys', () => {
    expect(S.Rating.parse({ score: 2, reasons: ['too-slow', 'other'], contentVersion: 'v1', comment: '排队太久' })).toEqual({ score: 2, reasons: ['too-slow', 'other'], contentVersion: 'v1', comment: '排队太久' });
    expect(S.Rating.safeParse({ score: 2, reasons: ['Too Slow'] }).success).toBe(false);
    expect(S.Rating.safeParse({ score: 2, contentVersion: '' }).success).toBe(false);
  });
});
