import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { mkdtemp, readFile, rm, appendFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { startPlatformSimulator } from '../../../main/platform/simulator.js';
import type { PlatformSimulator } from '../../../main/platform/simulator.js';
import { holderToken, sha256Hex } from '../../../main/platform/signing.js';
import { adminJson, KEY, KEY_B64, signedFetch, submission, TERMINAL } from './helpers.js';

let sim: PlatformSimulator;
let dir: string;

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'platform-sim-'));
  sim = await startPlatformSimulator({ port: 0, terminals: { [TERMINAL]: KEY_B64 }, catalog: { version: '7', matters: [{ code: 'A' }] }, seed: 7 });
});
afterEach(async () => {
  await sim.close();
  await rm(dir, { recursive: true, force: true });
});

const post = (key: string | undefined, body: unknown) =>
  signedFetch(sim.url, { method: 'POST', path: '/v1/cases', body: JSON.stringify(body), headers: { 'content-type': 'application/json', ...(key !== undefined ? { 'idempotency-key': key } : {}) } });

describe('signature and replay rules', () => {
  it('answers a correctly signed request', async () => {
    const r = await signedFetch(sim.url, { method: 'GET', path: '/v1/health' });
    expect(r.status).toBe(200);
    expect(r.json).toMatchObject({ status: 'ok' });
  });

  it('rejects a wrong key, a tampered body, an unknown terminal and unsigned requests with 401', async () => {
    const bad = await signedFetch(sim.url, { method: 'GET', path: '/v1/health', key: randomBytes(32) });
    expect(bad.status).toBe(401);
    expect(bad.json).toEqual({ code: 'bad-signature', message: expect.any(String) });
    const tampered = await signedFetch(sim.url, { method: 'POST', path: '/v1/cases', body: JSON.stringify(submission()), tamperBody: JSON.stringify(submission({ matterCode: 'OTHER' })), headers: { 'idempotency-key': 'k-tamper' } });
    expect(tampered.status).toBe(401);
    expect(tampered.json).toMatchObject({ code: 'bad-signature' });
    const unknown = await signedFetch(sim.url, { method: 'GET', path: '/v1/health', terminalId: 'kiosk-nobody' });
    expect(unknown.json).toMatchObject({ code: 'unknown-terminal' });
    const res = await fetch(`${sim.url}/v1/health`);
    expect(res.status).toBe(401);
    expect(sim.cases()).toHaveLength(0);
    expect(sim.stats().authFailures).toBe(4);
  });

  it('rejects the same nonce twice and timestamps outside the skew window', async () => {
    const nonce = randomBytes(16).toString('hex');
    expect((await signedFetch(sim.url, { method: 'GET', path: '/v1/health', nonce })).status).toBe(200);
    const again = await signedFetch(sim.url, { method: 'GET', path: '/v1/health', nonce });
    expect(again.status).toBe(401);
    expect(again.json).toMatchObject({ code: 'replayed-nonce' });
    const old = await signedFetch(sim.url, { method: 'GET', path: '/v1/health', timestamp: Date.now() - 301_000 });
    expect(old.json).toMatchObject({ code: 'clock-skew' });
    const future = await signedFetch(sim.url, { method: 'GET', path: '/v1/health', timestamp: Date.now() + 301_000 });
    expect(future.status).toBe(401);
  });
});

describe('signed headers', () => {
  it('refuses the same signed submission with the Idempotency-Key changed after signing, and files nothing (issue 8 item 7)', async () => {
    const body = JSON.stringify(submission());
    const swapped = await signedFetch(sim.url, { method: 'POST', path: '/v1/cases', body, headers: { 'content-type': 'application/json', 'idempotency-key': 'key-signed' }, tamperHeaders: { 'idempotency-key': 'key-swapped' } });
    expect(swapped.status).toBe(401);
    expect(swapped.json).toMatchObject({ code: 'bad-signature' });
    expect(sim.cases()).toHaveLength(0);
    expect((await post('key-signed', submission())).status).toBe(201);
    const again = await signedFetch(sim.url, { method: 'POST', path: '/v1/cases', body, headers: { 'content-type': 'application/json', 'idempotency-key': 'key-signed' }, tamperHeaders: { 'idempotency-key': 'key-second' } });
    expect(again.status).toBe(401);
    expect(sim.cases()).toHaveLength(1);
  });

  it('answers with a Date header from its own clock and puts serverTime in a clock-skew refusal', async () => {
    await sim.close();
    const t = Date.parse('2030-05-06T07:08:09.250Z');
    sim = await startPlatformSimulator({ terminals: { [TERMINAL]: KEY_B64 }, now: () => t });
    const ok = await signedFetch(sim.url, { method: 'GET', path: '/v1/health', timestamp: t });
    expect(ok.headers.get('date')).toBe('Mon, 06 May 2030 07:08:09 GMT');
    expect(ok.json).toMatchObject({ time: '2030-05-06T07:08:09.250Z' });
    const skewed = await signedFetch(sim.url, { method: 'GET', path: '/v1/health', timestamp: t - 600_000 });
    expect(skewed.json).toEqual({ code: 'clock-skew', message: expect.any(String), serverTime: '2030-05-06T07:08:09.250Z' });
  });
});

describe('case submission idempotency', () => {
  it('takes a quoted Idempotency-Key as the same key, and the same instant spelt differently as the same body', async () => {
    const first = await post('key-q', submission({ submittedAt: '2025-03-01T08:00:00.000Z' }));
    expect(first.status).toBe(201);
    const quoted = await post('"key-q"', submission({ submittedAt: '2025-03-01t16:00:00+08:00' }));
    expect(quoted.status).toBe(201);
    expect(quoted.text).toBe(first.text);
    expect(quoted.headers.get('idempotent-replayed')).toBe('true');
    expect((await post('"key q"', submission())).status).toBe(400);
    expect((await post('"key-q', submission())).status).toBe(400);
  });

  it('creates a case once and replays the same status and body for the same key', async () => {
    const first = await post('key-1', submission());
    expect(first.status).toBe(201);
    expect(first.json).toEqual({ caseNumber: expect.stringMatching(/^NX-\d{8}-\d{7}$/), receivedAt: expect.any(String) });
    const second = await post('key-1', submission());
    expect(second.status).toBe(201);
    expect(second.text).toBe(first.text);
    expect(second.headers.get('idempotent-replayed')).toBe('true');
    expect(sim.cases()).toEqual([expect.objectContaining({ idempotencyKey: 'key-1', requestCount: 2, test: false })]);
    const listed = await adminJson(sim.url, '/_sim/cases');
    expect(listed.json).toEqual([expect.objectContaining({ caseNumber: (first.json as { caseNumber: string }).caseNumber, requestCount: 2 })]);
  });

  it('treats the same body with another key order as the same request', async () => {
    const body = submission({ test: true });
    expect((await post('key-order', body)).status).toBe(201);
    const reordered = Object.fromEntries(Object.entries(body).reverse());
    expect((await post('key-order', reordered)).status).toBe(201);
    expect(sim.cases()).toHaveLength(1);
  });

  it('answers 422 for the same key with a different body and keeps the first case', async () => {
    expect((await post('key-2', submission())).status).toBe(201);
    const other = await post('key-2', submission({ matterCode: 'NX-OTHER' }));
    expect(other.status).toBe(422);
    expect(other.json).toMatchObject({ code: 'idempotency-key-reused' });
    expect(sim.cases()).toHaveLength(1);
  });

  it('answers 409 while the first request with the key is still processing', async () => {
    sim.setFaults({ processingDelayMs: 400 });
    const first = post('key-3', submission());
    while (sim.stats().processing === 0) await new Promise((r) => setTimeout(r, 5));
    const during = await post('key-3', submission());
    expect(during.status).toBe(409);
    expect(during.json).toMatchObject({ code: 'request-in-progress' });
    expect(during.headers.get('retry-after')).toBe('1');
    expect((await first).status).toBe(201);
    const after = await post('key-3', submission());
    expect(after.status).toBe(201);
    expect(sim.cases()).toEqual([expect.objectContaining({ requestCount: 3 })]);
  });

  it('answers 400 without a key or with an invalid body, and stores nothing', async () => {
    const noKey = await post(undefined, submission());
    expect(noKey.status).toBe(400);
    expect(noKey.json).toMatchObject({ code: 'idempotency-key-missing' });
    const badBody = await post('key-4', { kind: 'matter' });
    expect(badBody.status).toBe(400);
    expect(badBody.json).toMatchObject({ code: 'invalid-body' });
    // the key was not consumed by the invalid body
    expect((await post('key-4', submission())).status).toBe(201);
  });

  it('answers 422 when a referenced attachment was never uploaded, then accepts once it is', async () => {
    const bytes = Buffer.from('scan page 1');
    const sha = sha256Hex(bytes);
    const missing = await post('key-5', submission({ attachments: [sha] }));
    expect(missing.status).toBe(422);
    expect(missing.json).toMatchObject({ code: 'attachment-missing' });
    expect((await signedFetch(sim.url, { method: 'PUT', path: `/v1/attachments/${sha}`, body: bytes })).status).toBe(201);
    expect((await post('key-5', submission({ attachments: [sha] }))).status).toBe(201);
  });
});

describe('attachments, catalog, ratings, certificates', () => {
  it('stores attachments by hash: 201, then 200, 422 for a wrong hash', async () => {
    const bytes = randomBytes(1000);
    const sha = sha256Hex(bytes);
    const a = await signedFetch(sim.url, { method: 'PUT', path: `/v1/attachments/${sha}`, body: bytes });
    expect(a.status).toBe(201);
    expect(a.json).toEqual({ sha256: sha, size: 1000 });
    expect((await signedFetch(sim.url, { method: 'PUT', path: `/v1/attachments/${sha}`, body: bytes })).status).toBe(200);
    const wrong = await signedFetch(sim.url, { method: 'PUT', path: `/v1/attachments/${'0'.repeat(64)}`, body: bytes });
    expect(wrong.status).toBe(422);
    expect(wrong.json).toMatchObject({ code: 'hash-mismatch' });
  });

  it('serves the catalog with an ETag and 304 on If-None-Match', async () => {
    const first = await signedFetch(sim.url, { method: 'GET', path: '/v1/catalog' });
    expect(first.status).toBe(200);
    expect(first.json).toEqual({ version: '7', matters: [{ code: 'A' }] });
    const etag = first.headers.get('etag') ?? '';
    expect(etag).toMatch(/^"[0-9a-f]+"$/);
    const again = await signedFetch(sim.url, { method: 'GET', path: '/v1/catalog', headers: { 'if-none-match': etag } });
    expect(again.status).toBe(304);
    sim.setCatalog({ version: '8', matters: [] });
    const changed = await signedFetch(sim.url, { method: 'GET', path: '/v1/catalog', headers: { 'if-none-match': etag } });
    expect(changed.status).toBe(200);
    expect(changed.headers.get('etag')).not.toBe(etag);
  });

  it('takes one rating per case: same rating again is 200 with the same body, a different one 409', async () => {
    const created = await post('key-r', submission());
    const { caseNumber } = created.json as { caseNumber: string };
    const path = `/v1/cases/${caseNumber}/rating`;
    const r1 = await signedFetch(sim.url, { method: 'POST', path, body: JSON.stringify({ score: 5, comment: '好' }) });
    expect(r1.status).toBe(201);
    const r2 = await signedFetch(sim.url, { method: 'POST', path, body: JSON.stringify({ score: 5, comment: '好' }) });
    expect(r2.status).toBe(200);
    expect(r2.json).toEqual(r1.json);
    const r3 = await signedFetch(sim.url, { method: 'POST', path, body: JSON.stringify({ score: 1 }) });
    expect(r3.status).toBe(409);
    expect(r3.json).toMatchObject({ code: 'rating-conflict' });
    const status = await signedFetch(sim.url, { method: 'GET', path: `/v1/cases/${caseNumber}` });
    expect(status.json).toMatchObject({ caseNumber, state: 'received', rated: true });
    expect((await signedFetch(sim.url, { method: 'GET', path: '/v1/cases/NX-NOPE' })).status).toBe(404);
    expect((await signedFetch(sim.url, { method: 'POST', path: '/v1/cases/NX-NOPE/rating', body: '{"score":3}' })).status).toBe(404);
  });

  it('looks up e-certificates by holder token, never by ID number', async () => {
    await sim.close();
    const holder = holderToken(KEY, '110101199003077777');
    sim = await startPlatformSimulator({
      terminals: { [TERMINAL]: KEY_B64 },
      certificates: [{ id: 'c1', type: 'hukou', title: '户口簿', issuer: '公安', issuedAt: '2020-01-01T00:00:00Z', data: {}, holder }],
    });
    const found = await signedFetch(sim.url, { method: 'GET', path: `/v1/certificates?type=hukou&holder=${holder}` });
    expect(found.status).toBe(200);
    expect(found.json).toEqual({ certificates: [expect.objectContaining({ id: 'c1' })] });
    expect(JSON.stringify(found.json)).not.toContain(holder);
    const byId = await signedFetch(sim.url, { method: 'GET', path: '/v1/certificates?type=hukou&holder=110101199003077777' });
    expect(byId.status).toBe(400);
  });
});

describe('case lifecycle', () => {
  const caseOf = async (key: string, over = {}): Promise<string> => ((await post(key, submission({ applicantToken: HOLDER, ...over }))).json as { caseNumber: string }).caseNumber;
  const HOLDER = 'a'.repeat(64);

  it('moves a case by the control route, enforces transitions and the detail each state needs', async () => {
    const n = await caseOf('life-1');
    const set = (body: unknown) => adminJson(sim.url, `/_sim/cases/${n}/state`, { method: 'POST', body });
    expect((await set({ state: 'completed', decision: 'granted' })).status).toBe(409); // not from received
    expect(await set({ state: 'completed', decision: 'granted', force: true })).toMatchObject({ status: 200, json: { state: 'completed', decision: 'granted' } });
    expect((await set({ state: 'delivered' })).json).toMatchObject({ state: 'delivered', decision: 'granted' }); // the decision carries over
    expect(await set({ state: 'accepted' })).toMatchObject({ status: 409, json: { code: 'invalid-transition', message: expect.stringContaining('final') } });
    const m = await caseOf('life-2');
    const setM = (body: unknown) => adminJson(sim.url, `/_sim/cases/${m}/state`, { method: 'POST', body });
    expect((await setM({ state: 'rejected' })).status).toBe(400);
    expect((await setM({ state: 'accepted', decision: 'granted' })).status).toBe(400);
    expect((await setM({ state: 'accepted', colour: 'red' })).status).toBe(400);
    expect((await setM({ state: 'rejected', reason: '请到民政局办理' })).status).toBe(200);
    await expect(sim.setCaseState('NX-NOPE', { state: 'accepted' })).rejects.toMatchObject({ code: 'not-found' });
    expect(sim.cases().map((c) => c.state).sort()).toEqual(['delivered', 'rejected']);
  });

  it("lists a holder's cases newest first, never test submissions, never another holder's", async () => {
    const a = await caseOf('mine-1');
    const b = await caseOf('mine-2');
    await caseOf('mine-test', { test: true });
    await post('theirs', submission({ applicantToken: 'b'.repeat(64) }));
    const r = await signedFetch(sim.url, { method: 'GET', path: `/v1/cases?holder=${HOLDER}` });
    expect(r.status).toBe(200);
    expect((r.json as { cases: { caseNumber: string }[] }).cases.map((c) => c.caseNumber)).toEqual([b, a]);
    expect((await signedFetch(sim.url, { method: 'GET', path: '/v1/cases?holder=110101199003077777' })).status).toBe(400);
  });

  it('progresses on its clock when asked (off by default), set and read through the admin route', async () => {
    await sim.close();
    let t = Date.parse('2026-01-05T00:00:00Z');
    sim = await startPlatformSimulator({ terminals: { [TERMINAL]: KEY_B64 }, now: () => t });
    const n = ((await signedFetch(sim.url, { method: 'POST', path: '/v1/cases', timestamp: t, body: JSON.stringify(submission()), headers: { 'content-type': 'application/json', 'idempotency-key': 'prog-1' } })).json as { caseNumber: string }).caseNumber;
    t += 86_400_000;
    expect(await sim.caseStatus(n)).toMatchObject({ state: 'received' }); // no progression configured
    expect((await adminJson(sim.url, '/_sim/progression', { method: 'POST', body: { steps: [{ state: 'completed', afterMs: 1 }] } })).status).toBe(400); // not a walk from received
    expect((await adminJson(sim.url, '/_sim/progression', { method: 'POST', body: { steps: [{ state: 'accepted', afterMs: 1000 }, { state: 'correction-required', afterMs: 1000, corrections: ['补正'] }] } })).status).toBe(200);
    expect(await sim.caseStatus(n)).toMatchObject({ state: 'received' }); // counts from when the plan was set
    t += 1000;
    expect(await sim.caseStatus(n)).toMatchObject({ state: 'accepted' });
    t += 1000;
    expect(await sim.caseStatus(n)).toMatchObject({ state: 'correction-required', corrections: ['补正'] });
    expect((await adminJson(sim.url, '/_sim/progression')).json).toEqual({ steps: [expect.objectContaining({ state: 'accepted' }), expect.objectContaining({ state: 'correction-required' })] });
  });

  it('keeps states and history across a restart (journaled)', async () => {
    await sim.close();
    const storeFile = join(dir, 'life.jsonl');
    sim = await startPlatformSimulator({ terminals: { [TERMINAL]: KEY_B64 }, storeFile });
    const n = await caseOf('persist-1');
    await sim.setCaseState(n, { state: 'accepted' });
    await sim.setCaseState(n, { state: 'suspended', reason: '系统故障' });
    const before = await sim.caseStatus(n);
    await sim.close();
    sim = await startPlatformSimulator({ terminals: { [TERMINAL]: KEY_B64 }, storeFile });
    expect(await sim.caseStatus(n)).toEqual(before);
    expect(before).toMatchObject({ state: 'suspended', reason: '系统故障', history: [{ state: 'received' }, { state: 'accepted' }, { state: 'suspended', reason: '系统故障' }] });
    const r = await signedFetch(sim.url, { method: 'GET', path: `/v1/cases?holder=${HOLDER}` });
    expect((r.json as { cases: unknown[] }).cases).toHaveLength(1);
  });

  it('refuses options it cannot honour: a progression that is no walk, a limit above the documented one', async () => {
    await expect(startPlatformSimulator({ terminals: {}, progression: [{ state: 'delivered', afterMs: 1 }] })).rejects.toThrow(/progression/);
    await expect(startPlatformSimulator({ terminals: {}, limits: { submitCase: 10 * 1024 * 1024 } })).rejects.toThrow(/limits.submitCase/);
  });
});

describe('persistence and admin', () => {
  it('keeps cases, attachments, ratings and request counts across a restart', async () => {
    await sim.close();
    const storeFile = join(dir, 'platform.jsonl');
    sim = await startPlatformSimulator({ terminals: { [TERMINAL]: KEY_B64 }, storeFile });
    const bytes = Buffer.from('page');
    const sha = sha256Hex(bytes);
    await signedFetch(sim.url, { method: 'PUT', path: `/v1/attachments/${sha}`, body: bytes });
    const first = await post('key-p', submission({ attachments: [sha], form: { note: 'CITIZEN-FORM-VALUE' } }));
    await post('key-p', submission({ attachments: [sha], form: { note: 'CITIZEN-FORM-VALUE' } }));
    const { caseNumber } = first.json as { caseNumber: string };
    await signedFetch(sim.url, { method: 'POST', path: `/v1/cases/${caseNumber}/rating`, body: '{"score":4}' });
    await sim.close();
    // A crash mid-append leaves a torn last line: it must be skipped, not fatal.
    await appendFile(storeFile, '{"t":"case","termi');

    sim = await startPlatformSimulator({ terminals: { [TERMINAL]: KEY_B64 }, storeFile });
    expect(sim.stats()).toMatchObject({ cases: 1, attachments: 1, ratings: 1, journal: { skippedLines: 1 } });
    const replay = await post('key-p', submission({ attachments: [sha], form: { note: 'CITIZEN-FORM-VALUE' } }));
    expect(replay.status).toBe(201);
    expect(replay.text).toBe(first.text);
    expect(sim.cases()).toEqual([expect.objectContaining({ caseNumber, requestCount: 3 })]);
    expect((await signedFetch(sim.url, { method: 'PUT', path: `/v1/attachments/${sha}`, body: bytes })).status).toBe(200);
    expect((await signedFetch(sim.url, { method: 'GET', path: `/v1/cases/${caseNumber}` })).json).toMatchObject({ rated: true });
    const next = await post('key-q', submission());
    expect((next.json as { caseNumber: string }).caseNumber).not.toBe(caseNumber);
    const text = await readFile(storeFile, 'utf8');
    // The journal holds receipts, fingerprints, the applicant's holder token and the matter code — never the form.
    expect(text).not.toContain('CITIZEN-FORM-VALUE');
  });

  it('validates POST /_sim/faults, applies outages and resets', async () => {
    expect((await adminJson(sim.url, '/_sim/faults', { method: 'POST', body: { errorRate: 2 } })).status).toBe(400);
    expect((await adminJson(sim.url, '/_sim/faults', { method: 'POST', body: { outage: '503', retryAfterSec: 3 } })).status).toBe(200);
    const down = await signedFetch(sim.url, { method: 'GET', path: '/v1/health' });
    expect(down.status).toBe(503);
    expect(down.headers.get('retry-after')).toBe('3');
    sim.setOutage(false);
    expect((await post('key-x', submission())).status).toBe(201);
    expect((await adminJson(sim.url, '/_sim/stats')).json).toMatchObject({ cases: 1, faults: { outageRefusals: 1 } });
    expect((await adminJson(sim.url, '/_sim/reset', { method: 'POST' })).status).toBe(200);
    expect(sim.cases()).toHaveLength(0);
  });

  it('refuses to listen anywhere but loopback', async () => {
    await expect(startPlatformSimulator({ terminals: {}, host: '0.0.0.0' as '127.0.0.1' })).rejects.toThrow(/loopback/);
  });
});
