/**
 * Technician PINs: stored in the profile only as scrypt hashes (`kioskctl tech pin-hash` makes one).
 *
 *   scrypt$<N>$<r>$<p>$<salt, base64>$<hash, base64>
 *
 * Verification is constant-time over the derived key; a malformed hash never matches (and the profile refuses
 * it at load, naming the slot).
 */
import { randomBytes, scrypt, timingSafeEqual, type ScryptOptions } from 'node:crypto';
import { z } from 'zod';

export const PIN_HASH_RE = /^scrypt\$(\d{4,7})\$(\d{1,2})\$(\d{1,2})\$([A-Za-z0-9+/]{16,}={0,2})\$([A-Za-z0-9+/]{43,}={0,2})$/;
export const PIN_RE = /^\d{4,12}$/;

/** Default cost: 2^15 (about 50-100 ms on a kiosk CPU, 32 MiB). */
export const DEFAULT_PIN_COST = { N: 32768, r: 8, p: 1 } as const;

export const PinHash = z
  .string()
  .regex(PIN_HASH_RE, 'expected scrypt$N$r$p$salt$hash (make one with: kioskctl tech pin-hash)')
  .refine((s) => parsePinHash(s) !== null, { message: 'scrypt N must be a power of two from 1024 to 1048576, r 1-32, p 1-16' });

interface Parsed {
  N: number;
  r: number;
  p: number;
  salt: Buffer;
  hash: Buffer;
}

export function parsePinHash(s: string): Parsed | null {
  const m = PIN_HASH_RE.exec(s);
  if (!m) return null;
  const N = Number(m[1]);
  const r = Number(m[2]);
  const p = Number(m[3]);
  if (N < 1024 || N > 1_048_576 || (N & (N - 1)) !== 0 || r < 1 || r > 32 || p < 1 || p > 16) return null;
  const salt = Buffer.from(m[4] ?? '', 'base64');
  const hash = Buffer.from(m[5] ?? '', 'base64');
  if (salt.length < 12 || hash.length < 32) return null;
  return { N, r, p, salt, hash };
}

function derive(pin: string, salt: Buffer, length: number, opts: ScryptOptions): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    scrypt(pin, salt, length, { ...opts, maxmem: 256 * opts.N! * (opts.r ?? 8) + 1024 * 1024 }, (err, key) => (err ? reject(err) : resolve(key)));
  });
}

export class PinError extends Error {
  override readonly name = 'PinError';
}

export async function hashPin(pin: string, cost: { N: number; r: number; p: number } = DEFAULT_PIN_COST): Promise<string> {
  if (!PIN_RE.test(pin)) throw new PinError('a PIN is 4 to 12 digits');
  if (/^(\d)\1+$/.test(pin) || '0123456789012'.includes(pin) || '9876543210987'.includes(pin)) {
    throw new PinError('choose a PIN that is not one digit repeated or a run (1234, 4321)');
  }
  const salt = randomBytes(16);
  const key = await derive(pin, salt, 32, cost);
  return `scrypt$${cost.N}$${cost.r}$${cost.p}$${salt.toString('base64')}$${key.toString('base64')}`;
}

export async function verifyPin(pin: string, stored: string): Promise<boolean> {
  const parsed = parsePinHash(stored);
  if (!parsed || !PIN_RE.test(pin)) return false;
  const key = await derive(pin, parsed.salt, parsed.hash.length, { N: parsed.N, r: parsed.r, p: parsed.p });
  return key.length === parsed.hash.length && timingSafeEqual(key, parsed.hash);
}
