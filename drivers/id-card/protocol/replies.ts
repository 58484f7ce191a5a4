/**
 * The reply shape each command expects, so a stray late reply to an earlier command is never taken
 * for the current command's reply. Pure functions over ResponseFrame.
 */
import type { ResponseFrame } from './frame.js';
import { SAM_STATUS } from './status.js';

/** A reply whose data was copied out of the receive buffer. */
export interface Reply {
  sw1: number;
  sw2: number;
  sw3: number;
  data: Uint8Array;
}

/** Statuses any command may get back. */
const COMMON_ERRORS: ReadonlySet<number> = new Set([0x10, 0x11, 0x21, 0x23, 0x24, 0x60, 0x66, 0xff]);

/** Card-level failures during select / read. */
const CARD_ERRORS = [0x31, 0x32, 0x33, 0x40, 0x41, 0x47];

export interface ReplyShape {
  /** The success reply: SW3 and exact DATA length (undefined = any length). */
  readonly ok: readonly { readonly sw3: number; readonly dataLength?: number }[];
  /** Error statuses specific to this command (besides the common ones and codes outside the table). */
  readonly errors: readonly number[];
}

export const SHAPES = {
  reset: { ok: [{ sw3: 0x90, dataLength: 0 }], errors: [] },
  samStatus: { ok: [{ sw3: 0x90, dataLength: 0 }], errors: [] },
  samId: { ok: [{ sw3: 0x90, dataLength: 16 }], errors: [] },
  findCard: { ok: [{ sw3: 0x9f, dataLength: 4 }, { sw3: 0x80, dataLength: 0 }], errors: [] },
  selectCard: { ok: [{ sw3: 0x90, dataLength: 8 }], errors: [0x80, 0x81, ...CARD_ERRORS] },
  readText: { ok: [{ sw3: 0x90 }], errors: [0x91, ...CARD_ERRORS] },
  readWithFingerprint: { ok: [{ sw3: 0x90 }], errors: [0x91, ...CARD_ERRORS] },
  readAdditionalAddress: { ok: [{ sw3: 0x90 }, { sw3: 0x91, dataLength: 0 }], errors: [...CARD_ERRORS] },
  setBaud: { ok: [{ sw3: 0x90, dataLength: 0 }], errors: [] },
} as const satisfies Record<string, ReplyShape>;

/** Does `f` have a shape `shape` allows (success or error)? */
export function matchesShape(shape: ReplyShape, f: ResponseFrame): boolean {
  for (const o of shape.ok) {
    if (f.sw3 === o.sw3 && (o.dataLength === undefined || f.data.length === o.dataLength)) return true;
  }
  if (f.data.length > 4) return false; // error replies carry no payload
  if (COMMON_ERRORS.has(f.sw3) || shape.errors.includes(f.sw3)) return true;
  // A status outside the fact-sheet table cannot belong to another command: take it as this one's error.
  return SAM_STATUS[f.sw3] === undefined;
}

/** An Accept function that copies matching replies out of the receive buffer. */
export function acceptShape(shape: ReplyShape): (f: ResponseFrame) => Reply | undefined {
  return (f) => (matchesShape(shape, f) ? { sw1: f.sw1, sw2: f.sw2, sw3: f.sw3, data: f.data.slice() } : undefined);
}
