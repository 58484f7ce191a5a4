import { randomBytes } from 'node:crypto';
import { signRequest } from '../../../main/platform/signing.js';
import type { CaseSubmission } from '../../../main/platform/schemas.js';

export const TERMINAL = 'kiosk-test-01';
export const KEY = randomBytes(32);
export const KEY_B64 = KEY.toString('base64');

export interface RawReply {
  status: number;
  headers: Headers;
  text: string;
  json: unknown;
}

/** A signed request built by hand (so tests can tamper with any part of it). */
export async function signedFetch(
  baseUrl: string,
  opts: {
    method: string;
    path: string;
    body?: Buffer | string;
    /** Sent and, for the headers the platform signs (idempotency-key, if-none-match), signed. */
    headers?: Record<string, string>;
    /** Sent instead of the signed values (tampering after signing). */
    tamperHeaders?: Record<string, string>;
    key?: Buffer;
    terminalId?: string;
    timestamp?: number;
    nonce?: string;
    tamperBody?: string;
  },
): Promise<RawReply> {
  const body = opts.body === undefined ? undefined : Buffer.isBuffer(opts.body) ? opts.body : Buffer.from(opts.body, 'utf8');
  const sig = signRequest({
    terminalId: opts.terminalId ?? TERMINAL,
    key: opts.key ?? KEY,
    method: opts.method,
    path: opts.path,
    body: body ?? new Uint8Array(0),
    timestamp: opts.timestamp ?? Date.now(),
    ...(opts.nonce !== undefined ? { nonce: opts.nonce } : {}),
    headers: opts.headers ?? {},
  });
  const sent = opts.tamperBody !== undefined ? Buffer.from(opts.tamperBody, 'utf8') : body;
  const res = await fetch(`${baseUrl}${opts.path}`, { method: opts.method, headers: { ...sig, ...opts.headers, ...opts.tamperHeaders }, ...(sent !== undefined ? { body: Uint8Array.from(sent) } : {}) });
  const text = await res.text();
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    json = undefined;
  }
  return { status: res.status, headers: res.headers, text, json };
}

export function submission(over: Partial<CaseSubmission> = {}): CaseSubmission {
  return {
    kind: 'matter',
    matterCode: 'NX-TEST-001',
    submittedAt: '2025-03-01T08:00:00.000Z',
    applicantToken: 'f'.repeat(64),
    form: { reason: 'test' },
    attachments: [],
    ...over,
  };
}

export async function adminJson(baseUrl: string, path: string, init?: { method?: string; body?: unknown }): Promise<{ status: number; json: unknown }> {
  const res = await fetch(`${baseUrl}${path}`, {
    method: init?.method ?? 'GET',
    ...(init?.body !== undefined ? { body: JSON.stringify(init.body), headers: { 'content-type': 'application/json' } } : {}),
  });
  return { status: res.status, json: (await res.json()) as unknown };
}
