import fs from 'node:fs';
import path from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { StorageError } from '../../offline-cache/errors.js';
import { availableSuites, parseEnvelope, Sealer, type SealSuite } from '../../offline-cache/sealing.js';
import { tempDir, thrown } from './helpers.js';

const enc = (s: string): Uint8Array => Buffer.from(s, 'utf8');
const dec = (b: Uint8Array): string => Buffer.from(b).toString('utf8');

function sealer(suite: SealSuite = 'aes-256-gcm', dir = tempDir()): Sealer {
  return Sealer.open({ keyFile: path.join(dir, 'keys', 'seal.json'), suite });
}

function expectSealingError(fn: () => unknown): void {
  const e = thrown(fn);
  expect(e).toBeInstanceOf(StorageError);
  expect((e as StorageError).code).toBe('sealing');
}

describe.each<SealSuite>(['aes-256-gcm', 'sm4-ctr-hmac-sm3'])('suite %s', (suite) => {
  it('round-trips with and without AAD, including empty input', () => {
    const s = sealer(suite);
    for (const text of ['', 'a', '受理通知 receipt '.repeat(100)]) {
      expect(dec(s.open(s.seal(enc(text))))).toBe(text);
      expect(dec(s.open(s.seal(enc(text), 'ctx'), 'ctx'))).toBe(text);
    }
  });

  it('uses a fresh nonce each seal and self-describes suite and key', () => {
    const s = sealer(suite);
    const a = parseEnvelope(s.seal(enc('same')));
    const b = parseEnvelope(s.seal(enc('same')));
    expect(a.suite).toBe(suite);
    expect(a.keyId).toBe(s.currentKeyId);
    expect(Buffer.from(a.nonce).equals(Buffer.from(b.nonce))).toBe(false);
    expect(a.nonce.length).toBe(suite === 'aes-256-gcm' ? 12 : 16);
    expect(a.tag.length).toBe(suite === 'aes-256-gcm' ? 16 : 32);
  });

  it('detects tampering at every byte, truncation, and a wrong AAD', () => {
    const s = sealer(suite);
    const blob = s.seal(enc('payload bytes'), 'aad');
    for (let i = 0; i < blob.length; i++) {
      const t = Uint8Array.from(blob);
      t[i] = (t[i] ?? 0) ^ 0x01;
      expectSealingError(() => s.open(t, 'aad'));
    }
    for (let n = 0; n < blob.length; n++) expectSealingError(() => s.open(blob.subarray(0, n), 'aad'));
    expectSealingError(() => s.open(Buffer.concat([blob, Buffer.from([0])]), 'aad'));
    expectSealingError(() => s.open(blob, 'other'));
    expectSealingError(() => s.open(blob));
  });
});

describe('keys', () => {
  it('creates the key file 0600 with the documented shape', () => {
    const dir = tempDir();
    const s = sealer('aes-256-gcm', dir);
    const file = path.join(dir, 'keys', 'seal.json');
    expect(fs.statSync(file).mode & 0o777).toBe(0o600);
    const json = JSON.parse(fs.readFileSync(file, 'utf8')) as { current: string; keys: { id: string; suite: string; key: string }[] };
    expect(json.current).toBe(s.currentKeyId);
    expect(json.keys).toHaveLength(1);
    expect(json.keys[0]?.suite).toBe('aes-256-gcm');
    expect(Buffer.from(json.keys[0]?.key ?? '', 'base64')).toHaveLength(32);
  });

  it('refuses a group/other-readable key file with a clear error', () => {
    const dir = tempDir();
    sealer('aes-256-gcm', dir);
    const file = path.join(dir, 'keys', 'seal.json');
    fs.chmodSync(file, 0o644);
    const e = thrown(() => Sealer.open({ keyFile: file }));
    expect((e as StorageError).code).toBe('sealing');
    expect((e as StorageError).message).toMatch(/0644.*chmod 600/);
    fs.chmodSync(file, 0o600);
    expect(Sealer.open({ keyFile: file }).keyIds()).toHaveLength(1);
  });

  it('refuses a malformed key file', () => {
    const dir = tempDir();
    const file = path.join(dir, 'k.json');
    for (const content of ['not json', '{}', '{"current":"a","keys":[{"id":"a","suite":"aes-256-gcm","key":"c2hvcnQ="}]}',
      '{"current":"b","keys":[{"id":"a","suite":"aes-256-gcm","key":"' + Buffer.alloc(32).toString('base64') + '"}]}',
      '{"current":"a","keys":[{"id":"a","suite":"rot13","key":"' + Buffer.alloc(32).toString('base64') + '"}]}']) {
      fs.writeFileSync(file, content, { mode: 0o600 });
      expectSealingError(() => Sealer.open({ keyFile: file }));
    }
  });

  it('rotation: new seals use the new key, old blobs still open, also after reload', () => {
    const dir = tempDir();
    const file = path.join(dir, 'keys', 'seal.json');
    const s = Sealer.open({ keyFile: file });
    const old = s.seal(enc('old'));
    const oldId = s.currentKeyId;
    const newId = s.rotateKey();
    expect(newId).not.toBe(oldId);
    const fresh = s.seal(enc('new'));
    expect(parseEnvelope(fresh).keyId).toBe(newId);
    expect(dec(s.open(old))).toBe('old');
    expect(fs.statSync(file).mode & 0o777).toBe(0o600);
    const reloaded = Sealer.open({ keyFile: file });
    expect(reloaded.currentKeyId).toBe(newId);
    expect(dec(reloaded.open(old))).toBe('old');
    expect(dec(reloaded.open(fresh))).toBe('new');
  });

  it('a blob sealed under a key not in the key file is a typed error', () => {
    const a = sealer();
    const b = sealer();
    expectSealingError(() => b.open(a.seal(enc('x'))));
  });

  it('switching the configured suite adds a key of that suite and keeps opening old blobs', () => {
    const dir = tempDir();
    const file = path.join(dir, 'seal.json');
    const aes = Sealer.open({ keyFile: file, suite: 'aes-256-gcm' });
    const blob = aes.seal(enc('aes'));
    const sm = Sealer.open({ keyFile: file, suite: 'sm4-ctr-hmac-sm3' });
    expect(sm.keyIds()).toHaveLength(2);
    expect(parseEnvelope(sm.seal(enc('x'))).suite).toBe('sm4-ctr-hmac-sm3');
    expect(dec(sm.open(blob))).toBe('aes');
  });
});

describe('suite follows the key file when not configured', () => {
  it('opens with the current key suite and never rewrites the file', () => {
    const dir = tempDir();
    const file = path.join(dir, 'seal.json');
    const sm = Sealer.open({ keyFile: file, suite: 'sm4-ctr-hmac-sm3' });
    const before = fs.readFileSync(file, 'utf8');
    const follower = Sealer.open({ keyFile: file });
    expect(follower.suite).toBe('sm4-ctr-hmac-sm3');
    expect(follower.currentKeyId).toBe(sm.currentKeyId);
    expect(fs.readFileSync(file, 'utf8')).toBe(before);
    expect(dec(follower.open(sm.seal(enc('x'))))).toBe('x');
  });

  it('a follower in a runtime without SM gets a clear error instead of a silent rotation', () => {
    const dir = tempDir();
    const file = path.join(dir, 'seal.json');
    Sealer.open({ keyFile: file, suite: 'sm4-ctr-hmac-sm3' });
    const before = fs.readFileSync(file, 'utf8');
    const runtime = { ciphers: ['aes-256-gcm'], hashes: ['sha256'] };
    expect((thrown(() => Sealer.open({ keyFile: file, runtime })) as StorageError).code).toBe('sealing');
    expect(fs.readFileSync(file, 'utf8')).toBe(before);
  });
});

describe('suite availability', () => {
  it('Node offers both suites', () => {
    expect(availableSuites()).toEqual({ 'aes-256-gcm': true, 'sm4-ctr-hmac-sm3': true });
  });

  it('a BoringSSL-like runtime without sm4/sm3 refuses the SM suite at construction, clearly', () => {
    const runtime = { ciphers: ['aes-256-gcm', 'aes-128-gcm', 'chacha20-poly1305'], hashes: ['sha256', 'sha512'] };
    expect(availableSuites(runtime)['sm4-ctr-hmac-sm3']).toBe(false);
    const dir = tempDir();
    const e = thrown(() => Sealer.open({ keyFile: path.join(dir, 'k.json'), suite: 'sm4-ctr-hmac-sm3', runtime }));
    expect((e as StorageError).code).toBe('sealing');
    expect((e as StorageError).message).toMatch(/sm4-ctr.*sm3.*BoringSSL/);
    expect(fs.existsSync(path.join(dir, 'k.json'))).toBe(false);
    // AES still works in that runtime; an SM blob from elsewhere is a typed error there.
    const file = path.join(dir, 'k2.json');
    const smBlob = Sealer.open({ keyFile: file, suite: 'sm4-ctr-hmac-sm3' }).seal(enc('sm'));
    const aesOnly = Sealer.open({ keyFile: file, suite: 'aes-256-gcm', runtime });
    expect(dec(aesOnly.open(aesOnly.seal(enc('ok'))))).toBe('ok');
    expectSealingError(() => aesOnly.open(smBlob));
  });
});

describe('envelope parser properties', () => {
  const s = sealer();
  const sm = sealer('sm4-ctr-hmac-sm3');

  it('arbitrary bytes give a typed sealing error only', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 300 }), (bytes) => {
        for (const x of [s, sm]) {
          const e = thrown(() => x.open(bytes));
          expect(e).toBeInstanceOf(StorageError);
          expect((e as StorageError).code).toBe('sealing');
        }
        const p = thrown(() => parseEnvelope(bytes));
        expect(p === undefined || (p instanceof StorageError && p.code === 'sealing')).toBe(true);
      }),
    );
  });

  it('arbitrary bytes behind a valid magic/version/suite prefix give a typed error only', () => {
    fc.assert(
      fc.property(fc.constantFrom(1, 2, 3), fc.uint8Array({ maxLength: 200 }), (suiteId, rest) => {
        const blob = Buffer.concat([Buffer.from('NXSL'), Buffer.from([1, suiteId]), rest]);
        const e = thrown(() => s.open(blob));
        expect(e).toBeInstanceOf(StorageError);
        expect((e as StorageError).code).toBe('sealing');
      }),
    );
  });

  it('round trip for arbitrary plaintext and AAD; any single-byte change is detected', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 500 }), fc.uint8Array({ maxLength: 40 }), fc.nat(), fc.integer({ min: 1, max: 255 }), (plain, aad, pos, flip) => {
        for (const x of [s, sm]) {
          const blob = x.seal(plain, aad);
          expect(Buffer.from(x.open(blob, aad)).equals(Buffer.from(plain))).toBe(true);
          const t = Uint8Array.from(blob);
          const i = pos % t.length;
          t[i] = (t[i] ?? 0) ^ flip;
          const e = thrown(() => x.open(t, aad));
          expect((e as StorageError).code).toBe('sealing');
        }
      }),
      { numRuns: 60 },
    );
  });
});
