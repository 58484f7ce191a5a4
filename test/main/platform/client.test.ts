import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import { randomBytes } from 'node:crypto';
import { PlatformClient, PlatformClientOptionsError, parseRetryAfter, problemOf } from '../../../main/platform/client.js';
import { startPlatformSimulator } from '../../../main/platform/simulator.js';
import type { PlatformSimulator } from '../../../main/platform/simulator.js';
import { holderToken, sha256Hex } from '../../../main/platform/signing.js';
import { KEY, KEY_B64, submission, TERMINAL } from './helpers.js';

const signal = () => new AbortController().signal;

describe('PlatformClient against the simulator', () => {
  let sim: PlatformSimulator;
  let client: PlatformClient;
  const holder = holderToken(KEY, '110101199003077777');
  beforeAll(async () => {
    sim = await startPlatformSimulator({
      terminals: { [TERMINAL]: KEY_B64 },
      catalog: { version: '3', matters: [] },
      certificates: [{ id: 'c1', type: 'hukou', title: 't', issuer: 'i', issuedAt: '2020-01-01T00:00:00Z', data: { a: 1 }, holder }],
    });
    client = new PlatformClient({ baseUrl: sim.url, terminalId: TERMINAL, key: KEY_B64, timeoutMs: 5000 });
  });
  afterAll(async () => {
    client.close();
    await sim.close();
  });

  it('does health, catalog with ETag, attachments, cases, status, ratings and certificates', async () => {
    expect(await client.health(signal())).toMatchObject({ kind: 'ok', status: 200, value: { status: 'ok' } });

    const cat = await client.getCatalog(undefined, signal());
    expect(cat).toMatchObject({ kind: 'ok', status: 200, value: { kind: 'catalog', catalog: { version: '3' } } });
    const etag = cat.kind === 'ok' && cat.value.kind === 'catalog' ? cat.value.etag : undefined;
    expect(etag).toBeDefined();
    expect(await client.getCatalog(etag, signal())).toEqual({ kind: 'ok', status: 304, value: { kind: 'not-modified' } });

    const bytes = randomBytes(2048);
    const sha = sha256Hex(bytes);
    expect(await client.putAttachment(sha, bytes, signal())).toEqual({ kind: 'ok', status: 201, value: { receipt: { sha256: sha, size: 2048 }, created: true } });
    expect(await client.putAttachment(sha, bytes, signal())).toMatchObject({ kind: 'ok', status: 200, value: { created: false } });

    const first = await client.submitCase('idem-1', submission({ attachments: [sha] }), signal());
    expect(first).toMatchObject({ kind: 'ok', status: 201 });
    expect(first.kind === 'ok' && first.replayed).toBeFalsy();
    const again = await client.submitCase('idem-1', submission({ attachments: [sha] }), signal());
    expect(again).toMatchObject({ kind: 'ok', status: 201, replayed: true });
    const caseNumber = first.kind === 'ok' ? first.value.caseNumber : '';
    expect(again.kind === 'ok' && again.value).toEqual(first.kind === 'ok' && first.value);

    expect(await client.caseStatus(caseNumber, signal())).toMatchObject({ kind: 'ok', value: { caseNumber, state: 'received', rated: false } });
    expect(await client.submitRating(caseNumber, { score: 4 }, signal())).toMatchObject({ kind: 'ok', status: 201, value: { score: 4 } });
    expect(await client.submitRating(caseNumber, { score: 4 }, signal())).toMatchObject({ kind: 'ok', status: 200 });
    expect(await client.submitRating(caseNumber, { score: 2 }, signal())).toMatchObject({ kind: 'permanent', status: 409, code: 'rating-conflict' });
    // A 差评 with reasons is held with them; the same again is a replay, other reasons a conflict.
    const second = await client.submitCase('idem-rated-reasons', submission({ attachments: [sha] }), signal());
    const case2 = second.kind === 'ok' ? second.value.caseNumber : '';
    const bad = { score: 2, reasons: ['too-slow'], contentVersion: 'v1', comment: '太慢' };
    expect(await client.submitRating(case2, bad, signal())).toMatchObject({ kind: 'ok', status: 201, value: bad });
    expect(await client.submitRating(case2, bad, signal())).toMatchObject({ kind: 'ok', status: 200, value: bad });
    expect(await client.submitRating(case2, { ...bad, reasons: ['other'] }, signal())).toMatchObject({ kind: 'permanent', status: 409 });

    expect(await client.lookupCertificate({ type: 'hukou', holder }, signal())).toMatchObject({ kind: 'ok', value: { certificates: [{ id: 'c1' }] } });
    expect(await client.lookupCertificate({ type: 'hukou', holder: '0'.repeat(64) }, signal())).toMatchObject({ kind: 'ok', value: { certificates: [] } });
  });

  it('maps platform refusals to permanent outcomes with the platform code', async () => {
    expect(await client.submitCase('idem-1', submission({ matterCode: 'changed' }), signal())).toMatchObject({ kind: 'permanent', status: 422, code: 'idempotency-key-reused' });
    expect(await client.submitCase('idem-2', submission({ attachments: ['b'.repeat(64)] }), signal())).toMatchObject({ kind: 'permanent', status: 422, code: 'attachment-missing' });
    expect(await client.caseStatus('NX-NONE', signal())).toMatchObject({ kind: 'permanent', status: 404, code: 'not-found' });
    const wrongKey = new PlatformClient({ baseUrl: sim.url, terminalId: TERMINAL, key: randomBytes(32), timeoutMs: 5000 });
    expect(await wrongKey.health(signal())).toMatchObject({ kind: 'permanent', status: 401, code: 'bad-signature' });
    wrongKey.close();
  });

  it('learns the platform clock from a clock-skew refusal, signs with it and retries (issue 8 item 3)', async () => {
    let kioskNow = Date.now() - 600_000; // the kiosk clock is 10 minutes slow
    const skewed = new PlatformClient({ baseUrl: sim.url, terminalId: TERMINAL, key: KEY, timeoutMs: 5000, now: () => kioskNow });
    const changes: number[] = [];
    skewed.onClockChange((c) => changes.push(c.offsetMs));
    const before = sim.stats().authFailures;
    expect(await skewed.health(signal())).toMatchObject({ kind: 'ok', status: 200 });
    expect(sim.stats().authFailures).toBe(before + 1); // one refusal, then the corrected request
    const { clock } = skewed;
    expect(clock.source).toBe('error-body');
    expect(Math.abs(clock.offsetMs - 600_000)).toBeLessThan(5_000);
    expect(changes).toHaveLength(1);
    // Later requests are signed with the corrected time at once: no second refusal.
    expect(await skewed.submitCase('idem-skew', submission(), signal())).toMatchObject({ kind: 'ok', status: 201 });
    expect(sim.stats().authFailures).toBe(before + 1);
    // The kiosk clock is fixed by NTP (it jumps 10 minutes ahead): one refusal, the offset is learned back to ~0.
    kioskNow += 600_000;
    const realNow = (): number => Date.now();
    const fixed = new PlatformClient({ baseUrl: sim.url, terminalId: TERMINAL, key: KEY, timeoutMs: 5000, now: realNow, clockOffsetMs: skewed.clock.offsetMs });
    expect(await fixed.health(signal())).toMatchObject({ kind: 'ok' });
    expect(Math.abs(fixed.clock.offsetMs)).toBeLessThan(5_000);
    skewed.close();
    fixed.close();
  });

  it('refuses invalid requests locally (status 0) without sending them', async () => {
    const before = sim.stats().requests;
    expect(await client.submitCase('', submission(), signal())).toMatchObject({ kind: 'permanent', status: 0, code: 'invalid-request' });
    expect(await client.submitCase('ok-key', { ...submission(), submittedAt: 'now' }, signal())).toMatchObject({ kind: 'permanent', status: 0 });
    expect(await client.putAttachment('0'.repeat(64), Buffer.from('x'), signal())).toMatchObject({ kind: 'permanent', status: 0, code: 'hash-mismatch' });
    expect(await client.putAttachment('nope', Buffer.from('x'), signal())).toMatchObject({ kind: 'permanent', status: 0 });
    expect(await client.caseStatus('../etc', signal())).toMatchObject({ kind: 'permanent', status: 0 });
    expect(await client.submitRating('NX-1', { score: 9 }, signal())).toMatchObject({ kind: 'permanent', status: 0 });
    expect(await client.lookupCertificate({ type: 'hukou', holder: '110101199003077777' }, signal())).toMatchObject({ kind: 'permanent', status: 0 });
    expect(sim.stats().requests).toBe(before);
  });

  it('refuses bad options as programmer errors', () => {
    expect(() => new PlatformClient({ baseUrl: 'not a url', terminalId: 't', key: KEY, timeoutMs: 1 })).toThrow(PlatformClientOptionsError);
    expect(() => new PlatformClient({ baseUrl: 'ftp://x', terminalId: 't', key: KEY, timeoutMs: 1 })).toThrow(PlatformClientOptionsError);
    expect(() => new PlatformClient({ baseUrl: 'http://x', terminalId: 't', key: KEY, timeoutMs: 0 })).toThrow(PlatformClientOptionsError);
    expect(() => new PlatformClient({ baseUrl: 'http://x', terminalId: 't', key: 'AAAA', timeoutMs: 10 })).toThrow(PlatformClientOptionsError);
  });
});

describe('PlatformClient classification against a scripted server', () => {
  type Handler = (req: http.IncomingMessage, res: http.ServerResponse) => void;
  let handler: Handler = (_req, res) => res.end();
  let server: http.Server;
  let url: string;
  const NOW = Date.parse('2025-06-01T00:00:00Z');
  let client: PlatformClient;

  beforeAll(async () => {
    server = http.createServer((req, res) => {
      req.resume();
      req.on('end', () => handler(req, res));
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    client = new PlatformClient({ baseUrl: url, terminalId: TERMINAL, key: KEY, timeoutMs: 300, now: () => NOW });
  });
  afterEach(() => {
    handler = (_req, res) => res.end();
  });
  afterAll(async () => {
    client.close();
    server.closeAllConnections();
    await new Promise<void>((r) => server.close(() => r()));
  });

  const reply = (status: number, body: unknown, headers: Record<string, string> = {}): Handler => (_req, res) => {
    res.writeHead(status, { 'content-type': 'application/json', ...headers });
    res.end(typeof body === 'string' ? body : JSON.stringify(body));
  };

  it('retries 5xx, 408, 429, an in-progress 409 and a replayed nonce', async () => {
    for (const [status, code] of [[500, 'internal'], [502, 'bad-gateway'], [503, 'unavailable'], [504, 'x'], [408, 'request-timeout'], [429, 'rate-limited'], [401, 'replayed-nonce']] as const) {
      handler = reply(status, { code, message: 'y' });
      expect(await client.health(signal()), String(status)).toEqual({ kind: 'retryable', reason: 'status', status, code });
    }
    handler = reply(409, { code: 'request-in-progress', message: 'busy' }, { 'retry-after': '1' });
    expect(await client.submitCase('k', submission(), signal())).toEqual({ kind: 'retryable', reason: 'status', status: 409, code: 'request-in-progress', retryAfterMs: 1000 });
  });

  it("makes a dead letter only of the platform's own JSON error with a code it documents as permanent", async () => {
    const permanent = [[400, 'invalid-body'], [400, 'idempotency-key-missing'], [401, 'bad-signature'], [401, 'unknown-terminal'], [401, 'unauthenticated'], [404, 'not-found'], [409, 'rating-conflict'], [413, 'payload-too-large'], [422, 'idempotency-key-reused'], [422, 'attachment-missing'], [422, 'hash-mismatch']] as const;
    for (const [status, code] of permanent) {
      handler = reply(status, { code, message: 'm' });
      expect(await client.health(signal()), `${status} ${code}`).toEqual({ kind: 'permanent', status, code, message: 'm' });
    }
    // A documented status with a code the platform never documented for it: retried, never dead.
    for (const [status, code] of [[404, 'no-route'], [409, 'something-new'], [403, 'forbidden'], [422, 'not-found']] as const) {
      handler = reply(status, { code, message: 'm' });
      expect(await client.health(signal()), `${status} ${code}`).toEqual({ kind: 'retryable', reason: 'status', status, code });
    }
  });

  it("retries, as not the platform, a proxy's HTML 401/404, a captive portal, and errors without the JSON body (issue 8 item 4)", async () => {
    const html = (status: number, headers: Record<string, string> = {}): Handler => (_req, res) => {
      res.writeHead(status, { 'content-type': 'text/html', ...headers });
      res.end('<html><body><h1>Unauthorized</h1></body></html>');
    };
    for (const status of [401, 403, 404, 407, 413, 422, 400, 502, 503]) {
      handler = html(status);
      expect(await client.submitCase('k', submission(), signal()), String(status)).toEqual({ kind: 'retryable', reason: 'not-platform', status, code: `http-${status}` });
    }
    handler = html(200);
    expect(await client.health(signal())).toEqual({ kind: 'retryable', reason: 'not-platform', status: 200, code: 'not-json' });
    handler = html(302, { location: 'http://portal.invalid/' });
    expect(await client.health(signal())).toEqual({ kind: 'retryable', reason: 'not-platform', status: 302, code: 'http-302' });
    handler = reply(404, { message: 'no route', status: 404 }); // JSON, but not the platform's error body
    expect(await client.health(signal())).toEqual({ kind: 'retryable', reason: 'not-platform', status: 404, code: 'http-404' });
    handler = reply(404, 'not json');
    expect(await client.health(signal())).toMatchObject({ kind: 'retryable', reason: 'not-platform', status: 404 });
    handler = html(503, { 'retry-after': '9' });
    expect(await client.health(signal())).toMatchObject({ kind: 'retryable', reason: 'not-platform', retryAfterMs: 9000 });
    expect(problemOf(await client.health(signal()))).toEqual({ kind: 'misrouted', text: 'platform unreachable or misrouted' });
  });

  it('keeps retrying a clock-skew refusal that gives no time to learn from, and never makes it permanent', async () => {
    handler = (_req, res) => {
      res.sendDate = false;
      res.writeHead(401, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ code: 'clock-skew', message: 'off' }));
    };
    expect(await client.health(signal())).toEqual({ kind: 'retryable', reason: 'clock-skew', status: 401, code: 'clock-skew' });
    expect(client.clock.offsetMs).toBe(0);
    expect(problemOf({ kind: 'retryable', reason: 'clock-skew', status: 401 })).toMatchObject({ kind: 'clock' });
  });

  it('honours Retry-After in seconds and as an HTTP date', async () => {
    handler = reply(503, { code: 'unavailable', message: '' }, { 'retry-after': '7' });
    expect(await client.health(signal())).toMatchObject({ kind: 'retryable', retryAfterMs: 7000 });
    handler = reply(429, { code: 'slow-down', message: '' }, { 'retry-after': new Date(NOW + 90_000).toUTCString() });
    expect(await client.health(signal())).toMatchObject({ kind: 'retryable', status: 429, retryAfterMs: 90_000 });
    handler = reply(503, { code: 'u', message: '' }, { 'retry-after': 'soon' });
    expect(await client.health(signal())).not.toHaveProperty('retryAfterMs');
  });

  it('treats broken JSON, a schema failure or an unexpected 2xx as a retryable bad reply', async () => {
    handler = reply(200, '{"status": "ok", "time"');
    expect(await client.health(signal())).toEqual({ kind: 'retryable', reason: 'bad-reply', status: 200, code: 'not-json' });
    handler = reply(200, { status: 'fine' });
    expect(await client.health(signal())).toEqual({ kind: 'retryable', reason: 'bad-reply', status: 200, code: 'schema' });
    handler = reply(201, { caseNumber: 'has spaces', receivedAt: 'x' });
    expect(await client.submitCase('k', submission(), signal())).toMatchObject({ kind: 'retryable', reason: 'bad-reply' });
    handler = reply(204, '');
    expect(await client.health(signal())).toMatchObject({ kind: 'retryable', reason: 'bad-reply', status: 204, code: 'unexpected-status' });
  });

  it('treats a reset, a premature close and a refused connection as network errors', async () => {
    handler = (req) => req.socket.destroy();
    expect(await client.health(signal())).toMatchObject({ kind: 'retryable', reason: 'network', code: 'ECONNRESET' });
    handler = (_req, res) => {
      res.writeHead(200, { 'content-type': 'application/json', 'content-length': '100' });
      res.write('{"status":');
      setTimeout(() => res.destroy(), 20);
    };
    expect(await client.health(signal())).toMatchObject({ kind: 'retryable', reason: 'network' });

    const closed = http.createServer();
    await new Promise<void>((r) => closed.listen(0, '127.0.0.1', r));
    const port = (closed.address() as AddressInfo).port;
    await new Promise<void>((r) => closed.close(() => r()));
    const refused = new PlatformClient({ baseUrl: `http://127.0.0.1:${port}`, terminalId: TERMINAL, key: KEY, timeoutMs: 1000 });
    expect(await refused.health(signal())).toEqual({ kind: 'retryable', reason: 'network', code: 'ECONNREFUSED' });
    refused.close();
  });

  it('times out a silent server and a reply body that dribbles past the deadline', async () => {
    handler = () => undefined; // never answers
    expect(await client.health(signal())).toEqual({ kind: 'retryable', reason: 'timeout' });
    handler = (_req, res) => {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.write('{"status":"ok",');
      setTimeout(() => res.end('"time":"2025-01-01T00:00:00Z"}'), 1000).unref();
    };
    expect(await client.health(signal())).toEqual({ kind: 'retryable', reason: 'timeout' });
  });

  it("rethrows the caller's abort instead of reporting an outcome", async () => {
    handler = () => undefined;
    const ac = new AbortController();
    const p = client.health(ac.signal);
    setTimeout(() => ac.abort(new Error('shutting down')), 20);
    await expect(p).rejects.toThrow('shutting down');
    await expect(client.health(AbortSignal.abort())).rejects.toThrow();
  });

  it('refuses replies larger than the limit as bad replies', async () => {
    const small = new PlatformClient({ baseUrl: url, terminalId: TERMINAL, key: KEY, timeoutMs: 1000, maxReplyBytes: 100 });
    handler = reply(200, { status: 'ok', time: '2025-01-01T00:00:00Z', version: 'x'.repeat(500) });
    expect(await small.health(signal())).toMatchObject({ kind: 'retryable', reason: 'bad-reply', code: 'reply-too-large' });
    small.close();
  });
});

describe('parseRetryAfter', () => {
  const now = Date.parse('2025-06-01T00:00:00Z');
  it('reads delay-seconds and HTTP dates, clamps past dates to 0, ignores junk', () => {
    expect(parseRetryAfter('120', now)).toBe(120_000);
    expect(parseRetryAfter(['3', '9'], now)).toBe(3000);
    expect(parseRetryAfter('Sun, 01 Jun 2025 00:00:30 GMT', now)).toBe(30_000);
    expect(parseRetryAfter('Sat, 31 May 2025 00:00:00 GMT', now)).toBe(0);
    expect(parseRetryAfter(undefined, now)).toBeUndefined();
    expect(parseRetryAfter('-1', now)).toBeUndefined();
    expect(parseRetryAfter('1.5', now)).toBeUndefined();
    expect(parseRetryAfter('tomorrow-ish', now)).toBeUndefined();
  });
});
