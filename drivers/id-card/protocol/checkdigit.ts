/**
 * GB 11643 citizen ID number check character (ISO 7064 MOD 11-2).
 * Weights W_i = 2^(17−i) mod 11; check = (12 − Σ a_i·W_i mod 11) mod 11; 10 is written 'X'.
 */
import { DeviceError } from '../../device.js';

export const WEIGHTS: readonly number[] = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];

const DIGITS17 = /^\d{17}$/;
const ID18 = /^\d{17}[\dX]$/;
/** Old (pre-2023) foreign permanent resident card number: 3 letters + 12 digits. */
const FOREIGN_OLD = /^[A-Z]{3}\d{12}$/;

/** The check character for the first 17 digits, or undefined if they are not 17 digits. */
export function computeCheckDigit(first17: string): string | undefined {
  if (!DIGITS17.test(first17)) return undefined;
  let sum = 0;
  for (let i = 0; i < 17; i++) sum += (first17.charCodeAt(i) - 48) * (WEIGHTS[i] as number);
  const check = (12 - (sum % 11)) % 11;
  return check === 10 ? 'X' : String(check);
}

/** True when `id` is 17 digits plus the correct check character (uppercase 'X' for 10). */
export function isValidIdNumber(id: string): boolean {
  if (!ID18.test(id)) return false;
  return computeCheckDigit(id.slice(0, 17)) === id[17];
}

/** Appends the check character to 17 digits (for samples and tests). */
export function withCheckDigit(first17: string): string {
  const c = computeCheckDigit(first17);
  if (c === undefined) throw new DeviceError('id-card', 'invalid-data', 'withCheckDigit needs exactly 17 digits', 'retry');
  return first17 + c;
}

/** Shape check for the old foreign permanent resident card number. */
export function isValidForeignOldNumber(id: string): boolean {
  return FOREIGN_OLD.test(id);
}
