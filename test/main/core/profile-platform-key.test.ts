import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { DEV_HOLDER_KEY, DEV_TERMINAL_KEY, ProfileError, loadProfile } from '../../../main/core/profile.js';

/** Issue 8 item 8: the public development key only ever pairs with a simulator on this machine. */

function load(profile: object): ReturnType<typeof loadProfile> {
  const dir = mkdtempSync(join(tmpdir(), 'profile-key-'));
  const file = join(dir, 'kiosk.json');
  writeFileSync(file, JSON.stringify(profile));
  return loadProfile(file);
}

function refusal(profile: object): ProfileError {
  try {
    load(profile);
  } catch (e) {
    if (e instanceof ProfileError) return e;
    throw e;
  }
  throw new Error('the profile was accepted');
}

const PROVISIONED = Buffer.alloc(32, 0x5a).toString('base64');
const HOLDER = Buffer.alloc(32, 0x33).toString('base64');

describe('platform.terminalKey', () => {
  it('refuses a real platform URL without a provisioned key, naming the field', () => {
    for (const url of ['https://zwfw.nx.gov.cn/kiosk', 'http://10.2.3.4:8080', 'https://platform.example']) {
      const e = refusal({ platform: { url } });
      expect(e.field, url).toBe('platform.terminalKey');
      expect(e.message).toContain('platform.terminalKey');
      expect(e.message).toMatch(/provisioned key/);
    }
  });

  it('refuses the development key written out explicitly with a real URL', () => {
    expect(refusal({ platform: { url: 'https://zwfw.nx.gov.cn', terminalKey: DEV_TERMINAL_KEY } }).field).toBe('platform.terminalKey');
  });

  it('accepts a real URL with the terminal key, and the development key with the embedded or a loopback simulator', () => {
    expect(load({ platform: { url: 'https://zwfw.nx.gov.cn', terminalKey: PROVISIONED, holderKey: HOLDER } }).profile.platform.terminalKey).toBe(PROVISIONED);
    expect(load({}).profile.platform).toMatchObject({ url: null, terminalKey: DEV_TERMINAL_KEY });
    for (const url of ['http://127.0.0.1:8787', 'http://localhost:8787', 'http://[::1]:8787']) expect(load({ platform: { url } }).profile.platform.terminalKey, url).toBe(DEV_TERMINAL_KEY);
  });
});

describe('platform.holderKey', () => {
  it('refuses a real platform URL with the development holder key, naming the field; accepts the province key', () => {
    const e = refusal({ platform: { url: 'https://zwfw.nx.gov.cn', terminalKey: PROVISIONED } });
    expect(e.field).toBe('platform.holderKey');
    expect(e.message).toMatch(/holder key/);
    expect(load({ platform: { url: 'https://zwfw.nx.gov.cn', terminalKey: PROVISIONED, holderKey: HOLDER } }).profile.platform.holderKey).toBe(HOLDER);
    expect(load({ platform: { url: 'http://127.0.0.1:8787' } }).profile.platform.holderKey).toBe(DEV_HOLDER_KEY);
  });
});
