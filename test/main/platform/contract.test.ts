/**
 * The platform contract: openapi.json, the client and the simulator agree.
 *
 * The simulator runs on loopback behind a recording proxy; the kiosk's client talks to it through every operation,
 * success and error, with faults (408, 429 by rate limit and by injection, 500, 502, 503 with Retry-After, outages,
 * resets, dropped replies, 413, 304, every 401 reason, replays, idempotency conflicts, two terminals) and through a case's
 * whole lifecycle. Every request the client sends and every reply the simulator returns is validated against
 * openapi.json with ajv 8 (2020-12) + ajv-formats (openapi-validator.ts) — never with our zod schemas — and every
 * accepted request's signature is recomputed from the description's canonical string with node:crypto. Deliberately
 * malformed requests (sent raw) have only their replies validated. Then spec-valid replies the simulator never sends
 * (other date-time spellings, a leap second, every documented case state, 200 on submission) are replayed at the
 * client, which must accept them. At the end, every response the description declares has been seen.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import { createHash, createHmac, randomBytes } from 'node:crypto';
import { PlatformClient } from '../../../main/platform/client.js';
import type { Outcome } from '../../../main/platform/client.js';
import { startPlatformSimulator } from '../../../main/platform/simulator.js';
import type { PlatformSimulator, PlatformSimulatorOptions } from '../../../main/platform/simulator.js';
import { holderToken, signRequest } from '../../../main/platform/signing.js';
import { checkRequest, checkResponse, declaredResponses, doc, findOperation } from './openapi-validator.js';
import type { Exchange } from './openapi-validator.js';
import { KEY, KEY_B64, submission, TERMINAL } from './helpers.js';

const TERMINAL_2 = 'kiosk-test-02';
const KEY_2 = randomBytes(32);
const KEYS: Record<string, Buffer> = { [TERMINAL]: KEY, [TERMINAL_2]: KEY_2 };
const HOLDER = holderToken(Buffer.alloc(32, 9), '110101199003077777');
const signal = (): AbortSignal => AbortSignal.timeout(15_000);

interface Recorded extends Exchange {
  /** Sent raw by the test (may be invalid on purpose): only the reply is checked. */
  raw: boolean;
}

/** Everything the simulator produced and the client was replayed, by "operationId status". */
const seenFromSimulator = new Set<string>();
const seenFromReplays = new Set<string>();

// ---- recording proxy ----

interface Proxy {
  url: string;
  exchanges: Recorded[];
  close(): Promise<void>;
}

async function recordingProxy(upstream: string): Promise<Proxy> {
  const target = new URL(upstream);
  const exchanges: Recorded[] = [];
  const agent = new http.Agent({ keepAlive: false });
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks);
      const headers = { ...req.headers };
      const raw = headers['x-contract-raw'] === '1';
      delete headers['x-contract-raw'];
      delete headers.host;
      const rec: Recorded = { method: req.method ?? 'GET', target: req.url ?? '/', requestHeaders: headers, requestBody: body, reply: null, raw };
      exchanges.push(rec);
      const up = http.request({ host: target.hostname, port: target.port, method: rec.method, path: rec.target, headers: { ...headers, 'content-length': String(body.length) }, agent }, (ures) => {
        const rc: Buffer[] = [];
        ures.on('data', (c: Buffer) => rc.push(c));
        ures.on('end', () => {
          rec.reply = { status: ures.statusCode ?? 0, headers: ures.headers, body: Buffer.concat(rc) };
          const out = { ...ures.headers };
          delete out.connection;
          delete out['keep-alive'];
          res.writeHead(ures.statusCode ?? 502, out);
          res.end(rec.reply.body);
        });
        ures.on('error', () => req.socket.destroy());
        ures.on('aborted', () => req.socket.destroy());
      });
      up.on('error', () => req.socket.destroy()); // reset or dropped upstream: the client sees the same
      up.end(body);
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    exchanges,
    close: async () => {
      server.closeAllConnections();
      await new Promise<void>((r) => server.close(() => r()));
      agent.destroy();
    },
  };
}

// ---- independent checks ----

/** The description's canonical string, computed here from its text, not with main/platform/signing.ts. */
function independentSignature(key: Buffer, x: Exchange): string {
  const h = (n: string): string => {
    const v = x.requestHeaders[n];
    return (Array.isArray(v) ? v.join(', ') : (v ?? '')).trim();
  };
  const s = [x.method.toUpperCase(), x.target, h('x-timestamp'), h('x-nonce'), createHash('sha256').update(x.requestBody).digest('hex'), h('x-terminal-id'), h('idempotency-key'), h('if-none-match')].join('\n');
  return createHmac('sha256', key).update(s, 'utf8').digest('hex');
}

function conformance(exchanges: readonly Recorded[], seen: Set<string>): string[] {
  const problems: string[] = [];
  for (const x of exchanges) {
    const label = `${x.method} ${x.target}${x.raw ? ' (raw)' : ''}`;
    if (!x.raw) for (const p of checkRequest(x)) problems.push(`${label}: ${p}`);
    if (x.reply === null) continue;
    const html = /text\/html/.test(String(x.reply.headers['content-type'] ?? ''));
    if (html) continue; // an injected proxy's page: asserted at the client, not part of the API
    for (const p of checkResponse(x)) problems.push(`${label}: ${p}`);
    const op = findOperation(x.method, x.target);
    if (op) seen.add(`${op.op.operationId} ${x.reply.status}`);
    // A request the platform accepted (anything but a 401) carries the signature the description defines.
    const terminal = String(x.requestHeaders['x-terminal-id'] ?? '');
    const key = KEYS[terminal];
    if (x.reply.status !== 401 && key !== undefined && !x.raw) {
      if (independentSignature(key, x) !== x.requestHeaders['x-signature']) problems.push(`${label}: signature differs from the description's canonical string`);
    }
  }
  return problems;
}

// ---- raw requests (deliberately outside the contract) ----

async function raw(
  base: string,
  o: { method: string; path: string; body?: Buffer | string; headers?: Record<string, string>; sign?: { terminalId?: string; key?: Buffer; timestamp?: number; nonce?: string; signedHeaders?: Record<string, string> } | false; valid?: boolean },
): Promise<{ status: number; json: unknown }> {
  const body = o.body === undefined ? Buffer.alloc(0) : Buffer.isBuffer(o.body) ? o.body : Buffer.from(o.body);
  const sig =
    o.sign === false
      ? {}
      : signRequest({
          terminalId: o.sign?.terminalId ?? TERMINAL,
          key: o.sign?.key ?? KEY,
          method: o.method,
          path: o.path,
          body,
          timestamp: o.sign?.timestamp ?? Date.now(),
          ...(o.sign?.nonce !== undefined ? { nonce: o.sign.nonce } : {}),
          headers: o.sign?.signedHeaders ?? o.headers ?? {},
        });
  const u = new URL(base);
  return new Promise((resolve, reject) => {
    // `valid`: a request the description allows, sent by hand: checked like the client's.
    const mark = o.valid === true ? {} : { 'x-contract-raw': '1' };
    const req = http.request({ host: u.hostname, port: u.port, method: o.method, path: o.path, headers: { ...sig, ...o.headers, ...mark, 'content-length': String(body.length) } }, (res) => {
      const cs: Buffer[] = [];
      res.on('data', (c: Buffer) => cs.push(c));
      res.on('end', () => {
        const text = Buffer.concat(cs).toString('utf8');
        let json: unknown;
        try {
          json = JSON.parse(text);
        } catch {
          json = undefined;
        }
        resolve({ status: res.statusCode ?? 0, json });
      });
    });
    req.on('error', reject);
    req.end(body);
  });
}

// ---- harness ----

interface Harness {
  sim: PlatformSimulator;
  proxy: Proxy;
  client: PlatformClient;
  client2: PlatformClient;
  clientFor(opts: Partial<ConstructorParameters<typeof PlatformClient>[0]>): PlatformClient;
}
const cleanups: (() => Promise<void> | void)[] = [];

async function harness(over: Partial<PlatformSimulatorOptions> = {}): Promise<Harness> {
  const sim = await startPlatformSimulator({
    terminals: { [TERMINAL]: KEY_B64, [TERMINAL_2]: KEY_2.toString('base64') },
    catalog: { version: '12', matters: [{ code: 'NX-TEST-001' }] },
    certificates: [{ id: 'c1', type: 'hukou', title: '户口簿', issuer: '公安', issuedAt: '2020-01-01t00:00:00z', expiresAt: '2030-01-01T08:00:00+08:00', data: { a: 1 }, holder: HOLDER }],
    seed: 13,
    ...over,
  });
  const proxy = await recordingProxy(sim.url);
  const clientFor = (opts: Partial<ConstructorParameters<typeof PlatformClient>[0]>): PlatformClient => {
    const c = new PlatformClient({ baseUrl: proxy.url, terminalId: TERMINAL, key: KEY, timeoutMs: 10_000, ...opts });
    cleanups.push(() => c.close());
    return c;
  };
  cleanups.push(() => proxy.close(), () => sim.close());
  return { sim, proxy, client: clientFor({}), client2: clientFor({ terminalId: TERMINAL_2, key: KEY_2 }), clientFor };
}

/** One call of every operation with valid arguments (for the errors every operation shares). */
async function callAll(c: PlatformClient, caseNumber: string, tag: string): Promise<Outcome<unknown>[]> {
  const bytes = Buffer.from(`page ${tag}`);
  const sha = createHash('sha256').update(bytes).digest('hex');
  return [
    await c.health(signal()),
    await c.getCatalog(undefined, signal()),
    await c.putAttachment(sha, bytes, signal()),
    await c.submitCase(`all-${tag}`, submission({ applicantToken: HOLDER }), signal()),
    await c.listCases(HOLDER, signal()),
    await c.caseStatus(caseNumber, signal()),
    await c.submitRating(caseNumber, { score: 5 }, signal()),
    await c.lookupCertificate({ type: 'hukou', holder: HOLDER }, signal()),
    await c.verifyCode({ code: Buffer.from(`a code ${tag}`), holder: HOLDER }, signal()),
  ];
}

afterAll(async () => {
  for (const f of cleanups.reverse()) await f();
});

describe('platform contract: the client and the simulator against openapi.json', () => {
  let h: Harness;
  let caseNumber = '';
  beforeAll(async () => {
    h = await harness();
  });
  afterEach(() => {
    // One failing test must not leave its faults or its unchecked exchanges to the next.
    h.sim.setFaults({});
    h.proxy.exchanges.splice(0);
  });

  it('every operation, success and idempotency: requests and replies conform', async () => {
    const { client, client2, proxy } = h;
    expect(await client.health(signal())).toMatchObject({ kind: 'ok', value: { status: 'ok' } });
    const cat = await client.getCatalog(undefined, signal());
    const etag = cat.kind === 'ok' && cat.value.kind === 'catalog' ? cat.value.etag : undefined;
    expect(etag).toBeDefined();
    expect(await client.getCatalog(etag, signal())).toMatchObject({ kind: 'ok', status: 304 });
    const bytes = randomBytes(3000);
    const sha = createHash('sha256').update(bytes).digest('hex');
    expect(await client.putAttachment(sha, bytes, signal())).toMatchObject({ kind: 'ok', status: 201 });
    expect(await client.putAttachment(sha, bytes, signal())).toMatchObject({ kind: 'ok', status: 200 });
    const first = await client.submitCase('contract-1', submission({ attachments: [sha], applicantToken: HOLDER, localAcceptanceNumber: 'KIOSK-1' }), signal());
    expect(first).toMatchObject({ kind: 'ok', status: 201 });
    caseNumber = first.kind === 'ok' ? first.value.caseNumber : '';
    expect(await client.submitCase('contract-1', submission({ attachments: [sha], applicantToken: HOLDER, localAcceptanceNumber: 'KIOSK-1' }), signal())).toMatchObject({ kind: 'ok', replayed: true });
    // The same key from another terminal is another case (keys are scoped per terminal).
    const other = await client2.submitCase('contract-1', submission({ applicantToken: HOLDER }), signal());
    expect(other.kind === 'ok' && other.value.caseNumber).not.toBe(caseNumber);
    expect(await client.caseStatus(caseNumber, signal())).toMatchObject({ kind: 'ok', value: { state: 'received', matterCode: 'NX-TEST-001', localAcceptanceNumber: 'KIOSK-1' } });
    expect(await client.listCases(HOLDER, signal())).toMatchObject({ kind: 'ok', value: { cases: [{ caseNumber: expect.any(String) }, { caseNumber }] } });
    expect(await client.submitRating(caseNumber, { score: 4, comment: '好' }, signal())).toMatchObject({ kind: 'ok', status: 201 });
    expect(await client.submitRating(caseNumber, { score: 4, comment: '好' }, signal())).toMatchObject({ kind: 'ok', status: 200 });
    expect(await client.lookupCertificate({ type: 'hukou', holder: HOLDER }, signal())).toMatchObject({ kind: 'ok', value: { certificates: [{ issuedAt: '2020-01-01T00:00:00.000Z', expiresAt: '2030-01-01T00:00:00.000Z' }] } });
    expect(await client.lookupCertificate({ type: 'hukou', holder: '0'.repeat(64) }, signal())).toMatchObject({ kind: 'ok', value: { certificates: [] } });
    // A code shown to the QR reader, forwarded raw: the platform says what it is and whose.
    const code = Buffer.from(h.sim.certificateCode('c1') ?? '', 'latin1');
    expect(code.length).toBeGreaterThan(10);
    expect(await client.verifyCode({ code, holder: HOLDER }, signal())).toMatchObject({ kind: 'ok', value: { result: 'valid', kind: 'e-certificate', holderMatches: true, certificate: { id: 'c1', type: 'hukou' } } });
    expect(await client.verifyCode({ code, holder: '0'.repeat(64) }, signal())).toMatchObject({ kind: 'ok', value: { result: 'valid', holderMatches: false } });
    const forged = Buffer.from(code.toString('latin1').replace(/[0-9a-f]$/, (c) => (c === '0' ? '1' : '0')), 'latin1');
    expect(await client.verifyCode({ code: forged, holder: HOLDER }, signal())).toMatchObject({ kind: 'ok', value: { result: 'invalid', reason: 'malformed' } });
    expect(await client.verifyCode({ code: Buffer.from('https://example.invalid/x'), holder: HOLDER }, signal())).toMatchObject({ kind: 'ok', value: { result: 'invalid', reason: 'unknown' } });
    expect(h.sim.certificateCode('nope')).toBeUndefined();
    expect(conformance(proxy.exchanges.splice(0), seenFromSimulator)).toEqual([]);
  });

  it('refusals the client meets: conflicts, missing things, every 401 reason, a skewed clock, a request in progress', async () => {
    const { client, proxy, sim, clientFor } = h;
    expect(await client.submitCase('contract-1', submission({ matterCode: 'CHANGED' }), signal())).toMatchObject({ kind: 'permanent', status: 422, code: 'idempotency-key-reused' });
    expect(await client.submitCase('contract-2', submission({ attachments: ['b'.repeat(64)] }), signal())).toMatchObject({ kind: 'permanent', status: 422, code: 'attachment-missing' });
    expect(await client.caseStatus('NX-NONE', signal())).toMatchObject({ kind: 'permanent', status: 404 });
    expect(await client.submitRating('NX-NONE', { score: 3 }, signal())).toMatchObject({ kind: 'permanent', status: 404 });
    expect(await client.submitRating(caseNumber, { score: 1 }, signal())).toMatchObject({ kind: 'permanent', status: 409, code: 'rating-conflict' });
    const wrongKey = clientFor({ key: randomBytes(32) });
    for (const o of await callAll(wrongKey, caseNumber, 'wrong-key')) expect(o).toMatchObject({ kind: 'permanent', status: 401, code: 'bad-signature' });
    const stranger = clientFor({ terminalId: 'kiosk-nobody' });
    expect(await stranger.health(signal())).toMatchObject({ kind: 'permanent', status: 401, code: 'unknown-terminal' });
    // Ten minutes slow: a clock-skew 401 with serverTime, then the corrected request succeeds.
    const slow = clientFor({ now: () => Date.now() - 600_000 });
    expect(await slow.submitCase('contract-skew', submission(), signal())).toMatchObject({ kind: 'ok', status: 201 });
    expect(Math.abs(slow.clock.offsetMs - 600_000)).toBeLessThan(5000);
    const skewReplies = proxy.exchanges.filter((x) => x.reply?.status === 401 && (JSON.parse(x.reply.body.toString()) as { code: string }).code === 'clock-skew');
    expect(skewReplies).toHaveLength(1);
    // 409 while the first request with the key is still being processed.
    sim.setFaults({ processingDelayMs: 300 });
    const firstTry = client.submitCase('contract-busy', submission(), signal());
    while (sim.stats().processing === 0) await new Promise((r) => setTimeout(r, 5));
    expect(await client.submitCase('contract-busy', submission(), signal())).toMatchObject({ kind: 'retryable', status: 409, code: 'request-in-progress', retryAfterMs: 1000 });
    expect(await firstTry).toMatchObject({ kind: 'ok', status: 201 });
    sim.setFaults({});
    expect(conformance(proxy.exchanges.splice(0), seenFromSimulator)).toEqual([]);
  });

  it('replies to malformed requests (sent raw) conform; a quoted key is the same key; the key is signed', async () => {
    const { proxy } = h;
    const body = JSON.stringify(submission());
    const cases = (headers: Record<string, string>, b = body, valid = false) => raw(proxy.url, { method: 'POST', path: '/v1/cases', body: b, headers: { 'content-type': 'application/json', ...headers }, valid });
    expect(await cases({})).toMatchObject({ status: 400, json: { code: 'idempotency-key-missing' } });
    expect(await cases({ 'idempotency-key': 'has space' })).toMatchObject({ status: 400, json: { code: 'idempotency-key-invalid' } });
    expect(await cases({ 'idempotency-key': 'raw-1' }, '{"kind":')).toMatchObject({ status: 400, json: { code: 'invalid-body' } });
    expect(await cases({ 'idempotency-key': 'raw-1' }, '{"kind":"matter"}')).toMatchObject({ status: 400, json: { code: 'invalid-body' } });
    const bare = await cases({ 'idempotency-key': 'raw-quoted' }, body, true);
    expect(bare.status).toBe(201);
    expect(await cases({ 'idempotency-key': '"raw-quoted"' }, body, true)).toEqual({ status: 201, json: bare.json }); // the same case
    // The same signed body with the key changed after signing: refused, not filed as a second case.
    expect(await raw(proxy.url, { method: 'POST', path: '/v1/cases', body, headers: { 'content-type': 'application/json', 'idempotency-key': 'raw-other' }, sign: { signedHeaders: { 'idempotency-key': 'raw-quoted' } } })).toMatchObject({ status: 401, json: { code: 'bad-signature' } });
    expect(await cases({ 'idempotency-key': 'raw-2' }, '{'.repeat(1024 * 1024 + 1))).toMatchObject({ status: 413, json: { code: 'payload-too-large' } });
    expect(await raw(proxy.url, { method: 'PUT', path: '/v1/attachments/NOT-A-HASH', body: 'x', headers: { 'content-type': 'application/octet-stream' } })).toMatchObject({ status: 400 });
    expect(await raw(proxy.url, { method: 'PUT', path: `/v1/attachments/${'0'.repeat(64)}`, body: 'x', headers: { 'content-type': 'application/octet-stream' } })).toMatchObject({ status: 422, json: { code: 'hash-mismatch' } });
    expect(await raw(proxy.url, { method: 'GET', path: '/v1/cases' })).toMatchObject({ status: 400 });
    expect(await raw(proxy.url, { method: 'GET', path: '/v1/certificates?type=hukou&holder=110101199003077777' })).toMatchObject({ status: 400 });
    expect(await raw(proxy.url, { method: 'POST', path: `/v1/cases/${caseNumber}/rating`, body: '{"score":9}', headers: { 'content-type': 'application/json' } })).toMatchObject({ status: 400 });
    expect(await raw(proxy.url, { method: 'POST', path: '/v1/codes/verify', body: '{"code":"!!","holder":"x"}', headers: { 'content-type': 'application/json' } })).toMatchObject({ status: 400, json: { code: 'invalid-body' } });
    expect(await raw(proxy.url, { method: 'POST', path: '/v1/codes/verify', body: 'x'.repeat(8193), headers: { 'content-type': 'application/json' } })).toMatchObject({ status: 413, json: { code: 'payload-too-large' } });
    expect(await raw(proxy.url, { method: 'GET', path: '/v1/health', sign: false })).toMatchObject({ status: 401, json: { code: 'unauthenticated' } });
    const nonce = randomBytes(16).toString('hex');
    expect((await raw(proxy.url, { method: 'GET', path: '/v1/health', sign: { nonce } })).status).toBe(200);
    expect(await raw(proxy.url, { method: 'GET', path: '/v1/health', sign: { nonce } })).toMatchObject({ status: 401, json: { code: 'replayed-nonce' } });
    expect(await raw(proxy.url, { method: 'GET', path: '/v1/health', sign: { timestamp: Date.now() + 400_000 } })).toMatchObject({ status: 401, json: { code: 'clock-skew', serverTime: expect.any(String) } });
    // Operations without a body accept none.
    for (const path of ['/v1/health', '/v1/catalog', `/v1/cases/${caseNumber}`, `/v1/cases?holder=${HOLDER}`, `/v1/certificates?type=hukou&holder=${HOLDER}`]) {
      expect(await raw(proxy.url, { method: 'GET', path, body: 'x' }), path).toMatchObject({ status: 413 });
    }
    expect(conformance(proxy.exchanges.splice(0), seenFromSimulator)).toEqual([]);
  });

  it('injected faults on every operation: 408, 429, 500, 502, 503 with Retry-After; rate limit, outage, reset, lost reply, slow body', async () => {
    const { client, proxy, sim } = h;
    for (const status of [408, 429, 500, 502, 503] as const) {
      sim.setFaults({ errorRate: 1, errorStatuses: [status], retryAfterSec: 2 });
      for (const o of await callAll(client, caseNumber, `fault-${status}`)) expect(o, String(status)).toMatchObject({ kind: 'retryable', reason: 'status', status, retryAfterMs: 2000 });
    }
    sim.setFaults({ errorRate: 1, errorStatuses: [500, 502] }); // no Retry-After configured: none sent
    for (const o of await callAll(client, caseNumber, 'fault-noretry')) expect(o).not.toHaveProperty('retryAfterMs');
    sim.setFaults({ rateLimit: { requests: 2, perMs: 60_000 } });
    const limited = await callAll(client, caseNumber, 'rate');
    expect(limited.slice(2).every((o) => o.kind === 'retryable' && o.status === 429 && (o.retryAfterMs ?? 0) >= 1000)).toBe(true);
    sim.setFaults({ outage: '503', retryAfterSec: 7 });
    for (const o of await callAll(client, caseNumber, 'outage')) expect(o).toMatchObject({ kind: 'retryable', status: 503, retryAfterMs: 7000 });
    sim.setFaults({ resetRate: 1 });
    expect(await client.health(signal())).toMatchObject({ kind: 'retryable', reason: 'network' });
    sim.setFaults({ dropAfterCommitRate: 1 });
    expect(await client.submitCase('contract-drop', submission(), signal())).toMatchObject({ kind: 'retryable', reason: 'network' });
    sim.setFaults({ slowBodyMs: 40 });
    expect(await client.submitCase('contract-drop', submission(), signal())).toMatchObject({ kind: 'ok', replayed: true }); // the lost reply, replayed
    sim.setFaults({ degraded: true });
    expect(await client.health(signal())).toMatchObject({ kind: 'ok', value: { status: 'degraded' } });
    for (const status of [401, 404, 200, 302] as const) {
      sim.setFaults({ proxyHtml: { status } });
      expect(await client.submitCase('contract-proxy', submission(), signal()), String(status)).toMatchObject({ kind: 'retryable', reason: 'not-platform', status });
    }
    sim.setFaults({});
    expect(sim.cases().filter((c) => c.idempotencyKey === 'contract-proxy')).toHaveLength(0);
    expect(conformance(proxy.exchanges.splice(0), seenFromSimulator)).toEqual([]);
  });

  it('a case moves through its lifecycle and the client reports each state (the control route)', async () => {
    const { client, proxy, sim } = h;
    const submit = async (key: string): Promise<string> => {
      const o = await client.submitCase(key, submission({ applicantToken: HOLDER }), signal());
      if (o.kind !== 'ok') throw new Error(`submit ${key}: ${JSON.stringify(o)}`);
      return o.value.caseNumber;
    };
    const set = async (n: string, body: object): Promise<number> => (await fetch(`${sim.url}/_sim/cases/${n}/state`, { method: 'POST', body: JSON.stringify(body) })).status;
    const stateOf = async (n: string): Promise<unknown> => {
      const o = await client.caseStatus(n, signal());
      return o.kind === 'ok' ? o.value : o;
    };
    // 已受理 → 办理中 → 已办结（准予）→ 已送达
    const a = await submit('life-a');
    expect(await set(a, { state: 'accepted' })).toBe(200);
    expect(await stateOf(a)).toMatchObject({ state: 'accepted' });
    expect(await set(a, { state: 'in-review' })).toBe(200);
    expect(await stateOf(a)).toMatchObject({ state: 'in-review' });
    expect(await set(a, { state: 'completed', decision: 'granted' })).toBe(200);
    expect(await stateOf(a)).toMatchObject({ state: 'completed', decision: 'granted' });
    expect(await set(a, { state: 'delivered' })).toBe(200);
    expect(await stateOf(a)).toMatchObject({ state: 'delivered', decision: 'granted', history: [{ state: 'received' }, { state: 'accepted' }, { state: 'in-review' }, { state: 'completed' }, { state: 'delivered' }] });
    expect(await set(a, { state: 'in-review' })).toBe(409); // delivered is final
    // 待补正 (what to fix) → resubmitted → 已受理 → 挂起 → 办理中 → 已办结（不予, with reason）
    const b = await submit('life-b');
    expect(await set(b, { state: 'correction-required' })).toBe(400); // needs the list of corrections
    expect(await set(b, { state: 'correction-required', corrections: ['补充户口簿本人页', '身份证复印件不清晰'], reason: '材料不全' })).toBe(200);
    expect(await stateOf(b)).toMatchObject({ state: 'correction-required', corrections: ['补充户口簿本人页', '身份证复印件不清晰'] });
    for (const next of [{ state: 'received' }, { state: 'accepted' }, { state: 'suspended', reason: '部门间协调' }, { state: 'in-review' }]) expect(await set(b, next)).toBe(200);
    expect(await set(b, { state: 'completed', decision: 'denied' })).toBe(400); // a denial needs a reason
    expect(await set(b, { state: 'completed', decision: 'denied', reason: '不符合申领条件' })).toBe(200);
    expect(await stateOf(b)).toMatchObject({ state: 'completed', decision: 'denied', reason: '不符合申领条件' });
    // 不予受理 with the reason; 已撤回
    const c = await submit('life-c');
    expect(await set(c, { state: 'rejected', reason: '不属于本机关职权范围，请到市场监管局办理' })).toBe(200);
    expect(await stateOf(c)).toMatchObject({ state: 'rejected', reason: '不属于本机关职权范围，请到市场监管局办理' });
    const d = await submit('life-d');
    expect(await set(d, { state: 'withdrawn' })).toBe(200);
    expect(await stateOf(d)).toMatchObject({ state: 'withdrawn' });
    expect(await set('NX-NONE', { state: 'accepted' })).toBe(404);
    const mine = await client.listCases(HOLDER, signal());
    expect(mine.kind === 'ok' && mine.value.cases.map((x) => x.state)).toEqual(expect.arrayContaining(['delivered', 'completed', 'rejected', 'withdrawn']));
    expect(conformance(proxy.exchanges.splice(0), seenFromSimulator)).toEqual([]);
  });

  it('a 413 from a platform whose limit is lower than documented is permanent for that request', async () => {
    const small = await harness({ limits: { submitCase: 300, putAttachment: 10, submitRating: 5 } });
    const bytes = randomBytes(100);
    const sha = createHash('sha256').update(bytes).digest('hex');
    expect(await small.client.putAttachment(sha, bytes, signal())).toMatchObject({ kind: 'permanent', status: 413, code: 'payload-too-large' });
    expect(await small.client.submitCase('big', submission({ form: { text: 'x'.repeat(400) } }), signal())).toMatchObject({ kind: 'permanent', status: 413, code: 'payload-too-large' });
    expect(await small.client.submitRating('NX-1', { score: 5, comment: 'long enough' }, signal())).toMatchObject({ kind: 'permanent', status: 413 });
    // What the documented limit refuses is refused by the client without sending.
    const before = small.proxy.exchanges.length;
    expect(await small.client.submitCase('huge', submission({ form: { text: 'x'.repeat(1024 * 1024) } }), signal())).toMatchObject({ kind: 'permanent', status: 0, code: 'payload-too-large' });
    expect(small.proxy.exchanges.length).toBe(before);
    expect(conformance(small.proxy.exchanges.splice(0), seenFromSimulator)).toEqual([]);
  });

  it('timed progression on a simulated clock: received → accepted → in-review → completed', async () => {
    let t = Date.parse('2026-03-02T01:00:00Z');
    const timed = await harness({ now: () => t, progression: [{ state: 'accepted', afterMs: 60_000 }, { state: 'in-review', afterMs: 3_600_000 }, { state: 'completed', afterMs: 86_400_000, decision: 'granted' }] });
    const c = timed.clientFor({ now: () => t });
    const o = await c.submitCase('timed-1', submission({ applicantToken: HOLDER }), signal());
    const n = o.kind === 'ok' ? o.value.caseNumber : '';
    const test = await c.submitCase('timed-test', submission({ test: true }), signal());
    const states: string[] = [];
    for (const step of [0, 60_000, 3_600_000, 86_400_000]) {
      t += step;
      const s = await c.caseStatus(n, signal());
      states.push(s.kind === 'ok' ? s.value.state : s.kind);
    }
    expect(states).toEqual(['received', 'accepted', 'in-review', 'completed']);
    const done = await c.caseStatus(n, signal());
    expect(done).toMatchObject({ kind: 'ok', value: { decision: 'granted', updatedAt: new Date(Date.parse('2026-03-02T01:00:00Z') + 60_000 + 3_600_000 + 86_400_000).toISOString() } });
    const testCase = await c.caseStatus(test.kind === 'ok' ? test.value.caseNumber : '', signal());
    expect(testCase).toMatchObject({ kind: 'ok', value: { state: 'received' } }); // test submissions are never worked on
    expect(conformance(timed.proxy.exchanges.splice(0), seenFromSimulator)).toEqual([]);
  });
});

// ---- replies the simulator never sends, replayed at the client ----

describe('platform contract: spec-valid replies the simulator never sends are accepted by the client', () => {
  type Canned = { status: number; headers?: Record<string, string>; body?: unknown };
  let server: http.Server;
  let url = '';
  let queue: Canned[] = [];
  const served: Exchange[] = [];
  beforeAll(async () => {
    server = http.createServer((req, res) => {
      const cs: Buffer[] = [];
      req.on('data', (c: Buffer) => cs.push(c));
      req.on('end', () => {
        const next = queue.shift() ?? { status: 500, body: { code: 'internal', message: 'nothing queued' } };
        const body = next.body === undefined ? Buffer.alloc(0) : Buffer.from(JSON.stringify(next.body));
        const headers: Record<string, string> = { ...(next.body !== undefined ? { 'content-type': 'application/json' } : {}), ...next.headers };
        served.push({ method: req.method ?? 'GET', target: req.url ?? '/', requestHeaders: req.headers, requestBody: Buffer.concat(cs), reply: { status: next.status, headers: Object.fromEntries(Object.entries(headers).map(([k, v]) => [k.toLowerCase(), v])), body } });
        res.writeHead(next.status, headers);
        res.end(body);
      });
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(async () => {
    server.closeAllConnections();
    await new Promise<void>((r) => server.close(() => r()));
  });

  const clientAt = (now?: () => number): PlatformClient => {
    const c = new PlatformClient({ baseUrl: url, terminalId: TERMINAL, key: KEY, timeoutMs: 5000, ...(now ? { now } : {}) });
    cleanups.push(() => c.close());
    return c;
  };
  const T = '2025-01-02T03:04:05.000Z';
  const st = (over: Record<string, unknown>) => ({ caseNumber: 'NX-20250102-0000001', state: 'received', receivedAt: '2025-01-02t03:04:05z', updatedAt: '2025-01-02T11:04:05.123456+08:00', rated: false, ...over });
  const ALL_STATES = [
    st({}),
    st({ state: 'accepted', history: [{ state: 'received', at: '2025-01-02t03:04:05z' }, { state: 'accepted', at: '2016-12-31T23:59:60Z' }] }),
    st({ state: 'rejected', reason: '不属于本机关职权范围' }),
    st({ state: 'correction-required', corrections: ['补充材料'], reason: '材料不全' }),
    st({ state: 'in-review', matterCode: 'NX-1', localAcceptanceNumber: 'K-1' }),
    st({ state: 'suspended', reason: '特殊程序：专家评审' }),
    st({ state: 'completed', decision: 'granted', rated: true }),
    st({ state: 'completed', decision: 'denied', reason: '不符合条件' }),
    st({ state: 'delivered', decision: 'granted' }),
    st({ state: 'withdrawn' }),
  ];

  it('other date-time spellings, a leap second, every documented case state, 200 on submission, Retry-After as a date', async () => {
    const c = clientAt();
    const expectOk = async (canned: Canned, call: () => Promise<Outcome<unknown>>): Promise<unknown> => {
      queue = [canned];
      const out = await call();
      expect(out, JSON.stringify(canned.body)).toMatchObject({ kind: 'ok' });
      return out.kind === 'ok' ? out.value : undefined;
    };
    expect(await expectOk({ status: 200, body: { status: 'ok', time: '2025-01-02t03:04:05z' } }, () => c.health(signal()))).toEqual({ status: 'ok', time: T });
    expect(await expectOk({ status: 200, body: { status: 'degraded', time: '2016-12-31T23:59:60Z', version: '9' } }, () => c.health(signal()))).toEqual({ status: 'degraded', time: '2016-12-31T23:59:59.999Z', version: '9' });
    expect(await expectOk({ status: 200, body: { caseNumber: 'NX-9', receivedAt: '2025-01-02T11:04:05+08:00' } }, () => c.submitCase('k-200', submission(), signal()))).toEqual({ caseNumber: 'NX-9', receivedAt: T });
    queue = [{ status: 201, headers: { 'Idempotent-Replayed': 'true' }, body: { caseNumber: 'NX-9', receivedAt: '2025-01-02 03:04:05.000Z' } }];
    expect(await c.submitCase('k-200', submission(), signal())).toEqual({ kind: 'ok', status: 201, replayed: true, value: { caseNumber: 'NX-9', receivedAt: T } });
    for (const s of ALL_STATES) {
      const v = (await expectOk({ status: 200, body: s }, () => c.caseStatus('NX-20250102-0000001', signal()))) as { state: string; receivedAt: string; updatedAt: string };
      expect(v).toMatchObject({ state: s.state, receivedAt: T, updatedAt: '2025-01-02T03:04:05.123Z' });
    }
    expect(await expectOk({ status: 200, body: { cases: ALL_STATES } }, () => c.listCases(HOLDER, signal()))).toMatchObject({ cases: ALL_STATES.map((s) => ({ state: s.state })) });
    expect(await expectOk({ status: 201, body: { caseNumber: 'NX-9', score: 5, ratedAt: '2025-01-02T03:04:05.5-00:30' } }, () => c.submitRating('NX-9', { score: 5 }, signal()))).toEqual({ caseNumber: 'NX-9', score: 5, ratedAt: '2025-01-02T03:34:05.500Z' });
    expect(await expectOk({ status: 200, body: { caseNumber: 'NX-9', score: 5, ratedAt: T } }, () => c.submitRating('NX-9', { score: 5 }, signal()))).toMatchObject({ score: 5 });
    expect(await expectOk({ status: 200, body: { certificates: [{ id: 'x', type: 'hukou', title: 't', issuer: 'i', issuedAt: '2020-02-29t00:00:00+0800', data: {} }] } }, () => c.lookupCertificate({ type: 'hukou', holder: HOLDER }, signal()))).toEqual({
      certificates: [{ id: 'x', type: 'hukou', title: 't', issuer: 'i', issuedAt: '2020-02-28T16:00:00.000Z', data: {} }],
    });
    const sha = createHash('sha256').update('p').digest('hex');
    expect(await expectOk({ status: 200, body: { sha256: sha, size: 1 } }, () => c.putAttachment(sha, Buffer.from('p'), signal()))).toMatchObject({ created: false });
    expect(await expectOk({ status: 200, headers: { ETag: 'W/"v9"' }, body: { version: 9 } }, () => c.getCatalog(undefined, signal()))).toMatchObject({ etag: 'W/"v9"' });
    expect(await expectOk({ status: 304, headers: { ETag: 'W/"v9"' } }, () => c.getCatalog('W/"v9"', signal()))).toEqual({ kind: 'not-modified' });
    // Retry-After as an HTTP-date in the platform's clock.
    const now = Date.parse('2025-06-01T00:00:00Z');
    const dated = clientAt(() => now);
    queue = [{ status: 429, headers: { 'Retry-After': 'Sun, 01 Jun 2025 00:01:30 GMT' }, body: { code: 'rate-limited', message: 'slow down' } }];
    expect(await dated.health(signal())).toEqual({ kind: 'retryable', reason: 'status', status: 429, code: 'rate-limited', retryAfterMs: 90_000 });
    queue = [{ status: 503, headers: { 'Retry-After': '120' }, body: { code: 'unavailable', message: 'maintenance' } }];
    expect(await dated.health(signal())).toMatchObject({ kind: 'retryable', status: 503, retryAfterMs: 120_000 });
    // A clock-skew refusal whose serverTime is spelled with a lower-case t and an offset: learned, corrected, retried.
    const slow = clientAt(() => Date.parse('2025-01-02T02:54:05Z'));
    queue = [
      { status: 401, body: { code: 'clock-skew', message: 'timestamp outside the window', serverTime: '2025-01-02t11:04:05+08:00' } },
      { status: 200, body: { status: 'ok', time: T } },
    ];
    expect(await slow.health(signal())).toMatchObject({ kind: 'ok' });
    expect(slow.clock).toMatchObject({ offsetMs: 600_000, source: 'error-body' });
    const resigned = served.at(-1);
    expect(Number(resigned?.requestHeaders['x-timestamp'])).toBe(Date.parse(T));

    for (const x of served) {
      expect(checkRequest(x), `${x.method} ${x.target}`).toEqual([]);
      expect(checkResponse(x), `${x.method} ${x.target} ${x.reply?.status}`).toEqual([]);
      const op = findOperation(x.method, x.target);
      if (op && x.reply) seenFromReplays.add(`${op.op.operationId} ${x.reply.status}`);
    }
  });
});

describe('platform contract: coverage', () => {
  it('every response the description declares was produced by the simulator (or, for 200 on submission, replayed)', () => {
    const declared = declaredResponses();
    const onlyReplayed = ['submitCase 200'];
    expect(declared.filter((r) => !seenFromSimulator.has(r) && !onlyReplayed.includes(r))).toEqual([]);
    expect(declared.filter((r) => !seenFromSimulator.has(r) && !seenFromReplays.has(r))).toEqual([]);
    // And nothing the simulator produced is missing from the description (checkResponse would have said so).
    expect([...seenFromSimulator].filter((r) => !declared.includes(r))).toEqual([]);
    expect(doc.info.version).toBe('2.1.0');
  });
});
