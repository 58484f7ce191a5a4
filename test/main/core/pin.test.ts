import { fc, test as ftest } from '@fast-check/vitest';
import { describe, expect, it } from 'vitest';
import { PinHash, PinError, hashPin, parsePinHash, verifyPin } from '../../../main/core/pin.js';
import { PinGate } from '../../../main/core/pin-gate.js';
import { Profile } from '../../../main/core/profile.js';

const CHEAP = { N: 1024, r: 8, p: 1 };

describe('PIN hashes', () => {
  it('verifies the PIN it was made from and nothing else; the hash is salted', async () => {
    const a = await hashPin('482915', CHEAP);
    const b = await hashPin('482915', CHEAP);
    expect(a).toMatch(/^scrypt\$1024\$8\$1\$[A-Za-z0-9+/]+=*\$[A-Za-z0-9+/]+=*$/);
    expect(a).not.toBe(b);
    expect(await verifyPin('482915', a)).toBe(true);
    expect(await verifyPin('482916', a)).toBe(false);
    expect(await verifyPin('48291', a)).toBe(false);
    expect(await verifyPin('', a)).toBe(false);
  });

  it('refuses weak or malformed PINs with a typed error', async () => {
    for (const pin of ['123', '1111', '123456', '9876', 'abcd12', '1234567890123']) {
      await expect(hashPin(pin, CHEAP), pin).rejects.toBeInstanceOf(PinError);
    }
  });

  it('a malformed or tampered hash never matches, and the profile refuses it naming the field', async () => {
    const good = await hashPin('482915', CHEAP);
    expect(parsePinHash('scrypt$1000$8$1$c2FsdHNhbHRzYWx0$' + 'A'.repeat(44))).toBeNull(); // N not a power of two
    expect(await verifyPin('482915', good.replace(/.$/, good.endsWith('A') ? 'B' : 'A'))).toBe(false);
    expect(await verifyPin('482915', 'plain-482915')).toBe(false);
    expect(PinHash.safeParse(good).success).toBe(true);
    const p = Profile.safeParse({ technician: { pins: [{ slot: 's1', hash: '482915' }] } });
    expect(p.success).toBe(false);
    expect(p.error?.issues[0]?.path.join('.')).toBe('technician.pins.0.hash');
    expect(Profile.safeParse({ technician: { pins: [{ slot: 's1', hash: good }, { slot: 's1', hash: good }] } }).success).toBe(false);
  });

  ftest.prop([fc.stringMatching(/^\d{4,12}$/), fc.stringMatching(/^\d{4,12}$/)], { numRuns: 15 })('only the PIN itself verifies', async (pin, other) => {
    let hash: string;
    try {
      hash = await hashPin(pin, CHEAP);
    } catch (e) {
      expect(e).toBeInstanceOf(PinError); // a repeated digit or a run
      return;
    }
    expect(await verifyPin(pin, hash)).toBe(true);
    expect(await verifyPin(other, hash)).toBe(other === pin);
  });

  ftest.prop([fc.string({ maxLength: 200 })], { numRuns: 200 })('any text as a stored hash: never a match, never a throw', async (junk) => {
    expect(await verifyPin('482915', junk)).toBe(false);
  });
});

describe('the PIN gate', () => {
  it('locks after the attempts for a doubling time, capped; a right PIN resets it', async () => {
    let now = 1_000_000;
    const hash = await hashPin('482915', CHEAP);
    const saved: unknown[] = [];
    const gate = new PinGate({ pins: [{ slot: 'a', hash }], lockout: { attempts: 3, baseSeconds: 10, maxSeconds: 25 }, idleSeconds: 120, timers: { now: () => now }, store: { load: () => null, save: (s) => saved.push(s) } });
    const wrong = async (): Promise<string> => {
      const r = await gate.attempt('000001');
      return r.ok ? 'ok' : `${r.reason}:${r.retryInSeconds ?? r.attemptsLeft}`;
    };
    expect([await wrong(), await wrong(), await wrong()]).toEqual(['wrong-pin:2', 'wrong-pin:1', 'locked:10']);
    now += 9_000;
    expect(await wrong()).toBe('locked:1');
    now += 1_000;
    expect([await wrong(), await wrong(), await wrong()]).toEqual(['wrong-pin:2', 'wrong-pin:1', 'locked:20']);
    now += 20_000;
    expect([await wrong(), await wrong(), await wrong()]).toEqual(['wrong-pin:2', 'wrong-pin:1', 'locked:25']);
    now += 25_000;
    expect(await gate.attempt('482915')).toEqual({ ok: true, slot: 'a', idleSeconds: 120 });
    expect([await wrong(), await wrong(), await wrong()]).toEqual(['wrong-pin:2', 'wrong-pin:1', 'locked:10']);
    expect(saved.length).toBeGreaterThan(10);
  });

  it('counts attempts made at the same time one by one', async () => {
    const hash = await hashPin('482915', CHEAP);
    const gate = new PinGate({ pins: [{ slot: 'a', hash }], lockout: { attempts: 5, baseSeconds: 60, maxSeconds: 3600 }, idleSeconds: 120, timers: { now: () => 0 } });
    const all = await Promise.all(Array.from({ length: 8 }, () => gate.attempt('000001')));
    expect(all.filter((r) => !r.ok && r.reason === 'locked')).toHaveLength(4);
    expect(all.filter((r) => !r.ok && r.reason === 'wrong-pin')).toHaveLength(4);
  });

  it('says when no PIN is configured', async () => {
    const gate = new PinGate({ pins: [], lockout: { attempts: 5, baseSeconds: 60, maxSeconds: 3600 }, idleSeconds: 120, timers: { now: () => 0 } });
    expect(await gate.attempt('482915')).toEqual({ ok: false, reason: 'no-pins', attemptsLeft: null, retryInSeconds: null });
  });
});
