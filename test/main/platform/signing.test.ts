import { describe, expect, it } from 'vitest';
import {
  canonicalString,
  holderToken,
  NonceCache,
  sha256Hex,
  signaturesEqual,
  signRequest,
  verifyRequest,
} from '../../../main/platform/signing.js';

// Vectors computed independently with `openssl dgst -sha256 -mac HMAC -macopt hexkey:<KEY>`.
const KEY = Buffer.from('000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f', 'hex');
const BODY = Buffer.from('{"a":1}', 'utf8');
const BODY_SHA = '015abd7f5cc57a2dd94b7590f04ad8084273905ee33ec5cebeae62276a97f862';
const EMPTY_SHA = 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855';

describe('signing vectors', () => {
  it('hashes bodies with SHA-256 hex', () => {
    expect(sha256Hex(BODY)).toBe(BODY_SHA);
    expect(sha256Hex(new Uint8Array(0))).toBe(EMPTY_SHA);
  });

  it('builds the canonical string METHOD\\nPATH\\nTS\\nNONCE\\nBODYHASH\\nTERMINAL\\nIDEMPOTENCY-KEY\\nIF-NONE-MATCH', () => {
    expect(canonicalString({ method: 'post', path: '/v1/cases', timestamp: 1700000000000, nonce: 'n'.repeat(16), bodySha256: BODY_SHA, terminalId: 't-1', idempotencyKey: ' key-1 ' })).toBe(
      `POST\n/v1/cases\n1700000000000\n${'n'.repeat(16)}\n${BODY_SHA}\nt-1\nkey-1\n`,
    );
    expect(canonicalString({ method: 'GET', path: '/v1/catalog', timestamp: 1, nonce: 'n'.repeat(16), bodySha256: EMPTY_SHA, terminalId: 't-1', ifNoneMatch: '"e"' })).toBe(
      `GET\n/v1/catalog\n1\n${'n'.repeat(16)}\n${EMPTY_SHA}\nt-1\n\n"e"`,
    );
  });

  it('matches the openssl HMAC for a POST with a body and an Idempotency-Key', () => {
    const headers = signRequest({ terminalId: 't-1', key: KEY, method: 'POST', path: '/v1/cases', body: BODY, timestamp: 1700000000000, nonce: '0123456789abcdef0123456789abcdef', headers: { 'idempotency-key': 'key-1' } });
    expect(headers['x-signature']).toBe('b5ac09d0e220cfb05a7ec2973fba4d7f67678cb46cec4c111ac6fd8cb61057bc');
    // The same request under another key is another signature: the key cannot be changed after signing.
    const other = signRequest({ terminalId: 't-1', key: KEY, method: 'POST', path: '/v1/cases', body: BODY, timestamp: 1700000000000, nonce: '0123456789abcdef0123456789abcdef', headers: { 'idempotency-key': 'key-2' } });
    expect(other['x-signature']).toBe('0eb99ed4916a85d88d47253dbb7bf9eb689e2109370977dbc65c4f3161edc4fb');
  });

  it('matches the openssl HMAC for a GET with a query and no body', () => {
    const headers = signRequest({ terminalId: 't-1', key: KEY, method: 'GET', path: '/v1/certificates?type=hukou&holder=ab', timestamp: 1700000000123, nonce: 'nonce-nonce-nonce-1' });
    expect(headers).toEqual({
      'x-terminal-id': 't-1',
      'x-timestamp': '1700000000123',
      'x-nonce': 'nonce-nonce-nonce-1',
      'x-signature': '6dbf2764d0788ea95d0490edd8b0d672ef1e9b81419ccd3e122040377de26246',
    });
  });

  it('matches the openssl HMAC for a GET with If-None-Match', () => {
    const headers = signRequest({ terminalId: 't-1', key: KEY, method: 'GET', path: '/v1/catalog', timestamp: 1700000000456, nonce: 'nonce-nonce-nonce-2', headers: { 'if-none-match': '"abc"' } });
    expect(headers['x-signature']).toBe('5beef456e97824e9cf89502c68b82148e021bbadff2e56456dad693933c93b66');
  });

  it('derives the holder token as HMAC of the (normalised) ID number', () => {
    expect(holderToken(KEY, '110101199003077777')).toBe('f2ea70245806afc82558bfc1ec3b8afc06ddfc6fbf52563c875986363e453224');
    expect(holderToken(KEY, ' 110101199003077777 ')).toBe(holderToken(KEY, '110101199003077777'));
  });

  it('compares signatures in constant time and refuses non-hex', () => {
    const a = 'ab'.repeat(32);
    expect(signaturesEqual(a, a)).toBe(true);
    expect(signaturesEqual(a, 'ac'.repeat(32))).toBe(false);
    expect(signaturesEqual(a, 'ab')).toBe(false);
    expect(signaturesEqual('zz'.repeat(32), 'zz'.repeat(32))).toBe(false);
  });

  it('rejects programmer errors when signing', () => {
    expect(() => signRequest({ terminalId: 'bad id!', key: KEY, method: 'GET', path: '/', timestamp: 1 })).toThrow(TypeError);
    expect(() => signRequest({ terminalId: 't', key: KEY, method: 'GET', path: '/', timestamp: 1, nonce: 'short' })).toThrow(TypeError);
    expect(() => signRequest({ terminalId: 't', key: KEY, method: 'GET', path: '/', timestamp: -1 })).toThrow(TypeError);
    expect(() => signRequest({ terminalId: 't', key: KEY, method: 'GET', path: '/', timestamp: 1, headers: { 'idempotency-key': 'a\nb' } })).toThrow(TypeError);
  });
});

describe('verifyRequest', () => {
  const T0 = 1_700_000_000_000;
  const base = (over: Partial<Parameters<typeof verifyRequest>[0]> = {}, headers = signRequest({ terminalId: 'k1', key: KEY, method: 'POST', path: '/v1/cases', body: BODY, timestamp: T0 })) =>
    verifyRequest({ method: 'POST', path: '/v1/cases', headers, body: BODY, now: T0, keyFor: (id) => (id === 'k1' ? KEY : undefined), nonces: new NonceCache(600_000), ...over });

  it('accepts a good signature', () => {
    expect(base()).toEqual({ ok: true, terminalId: 'k1' });
  });

  it('rejects a tampered body, path or method', () => {
    expect(base({ body: Buffer.from('{"a":2}') })).toEqual({ ok: false, reason: 'bad-signature' });
    expect(base({ path: '/v1/cases?x=1' })).toEqual({ ok: false, reason: 'bad-signature' });
    expect(base({ method: 'PUT' })).toEqual({ ok: false, reason: 'bad-signature' });
  });

  it('rejects a changed, added or removed Idempotency-Key, If-None-Match or terminal id (issue 8 item 7)', () => {
    const signed = signRequest({ terminalId: 'k1', key: KEY, method: 'POST', path: '/v1/cases', body: BODY, timestamp: T0, headers: { 'idempotency-key': 'key-1' } });
    expect(base({}, { ...signed, 'idempotency-key': 'key-1' })).toEqual({ ok: true, terminalId: 'k1' });
    expect(base({}, { ...signed, 'idempotency-key': 'key-2' })).toEqual({ ok: false, reason: 'bad-signature' });
    expect(base({}, signed)).toEqual({ ok: false, reason: 'bad-signature' }); // header stripped
    expect(base({}, { ...signRequest({ terminalId: 'k1', key: KEY, method: 'POST', path: '/v1/cases', body: BODY, timestamp: T0 }), 'idempotency-key': 'added' })).toEqual({ ok: false, reason: 'bad-signature' });
    const inm = signRequest({ terminalId: 'k1', key: KEY, method: 'POST', path: '/v1/cases', body: BODY, timestamp: T0, headers: { 'if-none-match': '"a"' } });
    expect(base({}, { ...inm, 'if-none-match': '"b"' })).toEqual({ ok: false, reason: 'bad-signature' });
    // Two terminals that share a key (the development key) cannot swap ids to re-scope an idempotency key.
    const k2 = signRequest({ terminalId: 'k2', key: KEY, method: 'POST', path: '/v1/cases', body: BODY, timestamp: T0 });
    expect(base({ keyFor: () => KEY }, { ...k2, 'x-terminal-id': 'k1' })).toEqual({ ok: false, reason: 'bad-signature' });
  });

  it('rejects a wrong key and an unknown terminal', () => {
    const other = Buffer.alloc(32, 7);
    expect(base({ keyFor: () => other })).toEqual({ ok: false, reason: 'bad-signature' });
    expect(base({ keyFor: () => undefined })).toEqual({ ok: false, reason: 'unknown-terminal' });
  });

  it('rejects missing or malformed headers', () => {
    expect(base({}, {})).toEqual({ ok: false, reason: 'unauthenticated' });
    const h = signRequest({ terminalId: 'k1', key: KEY, method: 'POST', path: '/v1/cases', body: BODY, timestamp: T0 });
    expect(base({}, { ...h, 'x-timestamp': '12.5' })).toEqual({ ok: false, reason: 'unauthenticated' });
    expect(base({}, { ...h, 'x-signature': 'XYZ' })).toEqual({ ok: false, reason: 'unauthenticated' });
  });

  it('rejects timestamps outside the skew window in both directions', () => {
    expect(base({ now: T0 + 300_001 })).toEqual({ ok: false, reason: 'clock-skew' });
    expect(base({ now: T0 - 300_001 })).toEqual({ ok: false, reason: 'clock-skew' });
    expect(base({ now: T0 + 300_000 }).ok).toBe(true);
    expect(base({ now: T0 + 1000, skewMs: 999 })).toEqual({ ok: false, reason: 'clock-skew' });
  });

  it('rejects a nonce seen before, and only after the signature checks out', () => {
    const nonces = new NonceCache(600_000);
    const h = signRequest({ terminalId: 'k1', key: KEY, method: 'POST', path: '/v1/cases', body: BODY, timestamp: T0 });
    expect(base({ nonces, body: Buffer.from('x') }, h)).toEqual({ ok: false, reason: 'bad-signature' });
    expect(base({ nonces }, h).ok).toBe(true);
    expect(base({ nonces }, h)).toEqual({ ok: false, reason: 'replayed-nonce' });
  });
});

describe('NonceCache', () => {
  it('forgets nonces after the retention time', () => {
    const c = new NonceCache(1000);
    expect(c.checkAndRemember('a', 0)).toBe(true);
    expect(c.checkAndRemember('a', 999)).toBe(false);
    expect(c.checkAndRemember('b', 500)).toBe(true);
    expect(c.checkAndRemember('a', 1000)).toBe(true);
    expect(c.checkAndRemember('c', 1600)).toBe(true);
    expect(c.size).toBe(2); // b expired and was swept; a (re-added at 1000) and c remain
  });

  it('honours an explicit expiry (the request timestamp + skew)', () => {
    const c = new NonceCache(1_000_000);
    expect(c.checkAndRemember('n', 100, 200)).toBe(true);
    expect(c.checkAndRemember('n', 199)).toBe(false);
    expect(c.checkAndRemember('n', 200)).toBe(true);
  });
});
