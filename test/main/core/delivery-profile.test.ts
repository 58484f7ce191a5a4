import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { DEV_TERMINAL_KEY, ProfileError, loadProfile } from '../../../main/core/profile.js';

function write(content: unknown): string {
  const dir = mkdtempSync(join(tmpdir(), 'profile-q-'));
  const file = join(dir, 'kiosk.json');
  writeFileSync(file, JSON.stringify(content));
  return file;
}

function fieldOf(content: unknown): string {
  try {
    loadProfile(write(content));
  } catch (e) {
    if (e instanceof ProfileError) return e.field;
    throw e;
  }
  throw new Error('expected a ProfileError');
}

describe('profile: platform and storage sections', () => {
  it('defaults: embedded simulator (url null) with the dev key, 200 MB floor, AES-GCM, key file in the data dir', () => {
    const { profile, dataDir, keyFile } = loadProfile(null, { cwd: '/srv/kiosk' });
    expect(profile.platform.url).toBeNull();
    expect(profile.platform.terminalKey).toBe(DEV_TERMINAL_KEY);
    expect(profile.storage).toEqual({ minFreeBytes: 200 * 1024 * 1024, sealing: 'aes-256-gcm', keyFile: null, deadLetterRetentionDays: 30, journalHash: 'sha256' });
    expect(keyFile).toBe(join(dataDir, 'keys', 'seal.json'));
  });

  it('reads a provisioned terminal and resolves a relative key file against the profile', () => {
    const key = Buffer.alloc(32, 9).toString('base64');
    const file = write({ platform: { url: 'https://zwfw.nx.gov.cn/api', terminalKey: key, holderKey: Buffer.alloc(32, 7).toString('base64'), timeoutMs: 5000, probeSeconds: 10 }, storage: { minFreeBytes: 1024, sealing: 'sm4-ctr-hmac-sm3', keyFile: 'secrets/seal.json' } });
    const { profile, keyFile } = loadProfile(file);
    expect(profile.platform).toMatchObject({ url: 'https://zwfw.nx.gov.cn/api', terminalKey: key, timeoutMs: 5000, probeSeconds: 10 });
    expect(profile.storage.minFreeBytes).toBe(1024);
    expect(keyFile).toBe(join(file, '..', 'secrets', 'seal.json'));
  });

  it('names the offending field of a bad value', () => {
    expect(fieldOf({ platform: { url: 'ftp://x' } })).toBe('platform.url');
    expect(fieldOf({ platform: { terminalKey: 'c2hvcnQ=' } })).toBe('platform.terminalKey');
    expect(fieldOf({ platform: { probeSeconds: 0 } })).toBe('platform.probeSeconds');
    expect(fieldOf({ platform: { retryBaseMs: 5000, retryCapMs: 10 } })).toBe('platform.retryBaseMs');
    expect(fieldOf({ storage: { minFreeBytes: -1 } })).toBe('storage.minFreeBytes');
    expect(fieldOf({ storage: { sealing: 'des' } })).toBe('storage.sealing');
    expect(fieldOf({ storage: { keyfile: 'x' } })).toBe('storage.keyfile');
  });
});
