import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Ajv2020 } from 'ajv/dist/2020.js';
import type { z } from 'zod';
import * as S from '../../../main/platform/schemas.js';

const doc = JSON.parse(readFileSync(fileURLToPath(new URL('../../../main/platform/openapi.json', import.meta.url)), 'utf8')) as {
  openapi: string;
  info: { description: string };
  paths: Record<string, Record<string, { responses: Record<string, unknown>; parameters?: { name: string; required: boolean }[] }>>;
  components: { schemas: Record<string, unknown> };
};

const SHA = 'c'.repeat(64);
const T = '2025-01-02T03:04:05.000Z';
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
    ],
  ],
  CaseReceipt: [S.CaseReceipt, [{ caseNumber: 'NX-1', receivedAt: T }, { caseNumber: 'NX 1', receivedAt: T }, { caseNumber: 'NX-1' }]],
  Rating: [S.Rating, [{ score: 1 }, { score: 5, comment: 'ok' }, { score: 0 }, { score: 3.5 }, { score: 3, extra: 1 }]],
  ErrorBody: [S.ErrorBody, [{ code: 'x', message: '' }, { code: '', message: '' }, { code: 'x' }]],
  Catalog: [S.Catalog, [{ version: '1', matters: [] }, { version: 2 }, { version: '' }, {}]],
  Health: [S.Health, [{ status: 'ok', time: T }, { status: 'down', time: T }]],
  AttachmentReceipt: [S.AttachmentReceipt, [{ sha256: SHA, size: 0 }, { sha256: SHA, size: -1 }]],
  CaseStatus: [S.CaseStatus, [{ caseNumber: 'A', state: 'received', receivedAt: T, updatedAt: T, rated: false }, { caseNumber: 'A', state: 'lost', receivedAt: T, updatedAt: T, rated: false }]],
};

describe('openapi.json', () => {
  it('is OpenAPI 3.1 with every operation the kiosk needs', () => {
    expect(doc.openapi).toBe('3.1.0');
    const ops = Object.entries(doc.paths).flatMap(([p, item]) => Object.keys(item).map((m) => `${m.toUpperCase()} ${p}`));
    expect(ops.sort()).toEqual(
      [
        'GET /v1/health',
        'GET /v1/catalog',
        'PUT /v1/attachments/{sha256}',
        'POST /v1/cases',
        'GET /v1/cases/{caseNumber}',
        'POST /v1/cases/{caseNumber}/rating',
        'GET /v1/certificates',
      ].sort(),
    );
    const submit = doc.paths['/v1/cases']?.post;
    expect(Object.keys(submit?.responses ?? {})).toEqual(expect.arrayContaining(['201', '400', '401', '409', '422']));
    expect(submit?.parameters).toEqual([expect.objectContaining({ name: 'Idempotency-Key', required: true })]);
    expect(Object.keys(doc.paths['/v1/catalog']?.get?.responses ?? {})).toEqual(expect.arrayContaining(['200', '304']));
    for (const word of ['X-Signature', 'HMAC-SHA-256', '300 s', 'replayed-nonce', 'Retention', 'Idempotent-Replayed']) expect(doc.info.description).toContain(word);
  });

  it('describes the same bodies as the zod schemas', () => {
    const ajv = new Ajv2020({ strict: false, allErrors: true });
    ajv.addFormat('date-time', { validate: (s: string) => S.CaseReceipt.shape.receivedAt.safeParse(s).success });
    for (const [name, schema] of Object.entries(doc.components.schemas)) ajv.addSchema(schema as object, `#/components/schemas/${name}`);
    for (const [name, [zodSchema, values]] of Object.entries(samples)) {
      const validate = ajv.getSchema(`#/components/schemas/${name}`);
      expect(validate, name).toBeDefined();
      for (const v of values) expect(validate?.(v), `${name} ${JSON.stringify(v)}`).toBe(zodSchema.safeParse(v).success);
    }
  });
});
