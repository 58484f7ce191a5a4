/**
 * A loopback pass-through in front of the embedded platform simulator that keeps what the kiosk delivered:
 * the case submissions and the ratings (bodies with their reply status), so the simulator panel and the
 * end-to-end tests can see what the platform was given — the form, the certificate ids, the rating under
 * which case number — and not only that it holds a case. Every other request passes untouched. Web mode
 * and tests only (sample identities); memory only, the last MAX_KEPT exchanges.
 */
import { createServer, request, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { PlatformDelivery } from '../contract/index.js';

const MAX_KEPT = 100;
const MAX_BODY = 1024 * 1024;
const CASES = /^\/v1\/cases\/?(\?.*)?$/;
const RATING = /^\/v1\/cases\/([A-Za-z0-9-]{1,64})\/rating\/?$/;

export interface PlatformTap {
  /** Give this URL to the core instead of the simulator's. */
  url: string;
  deliveries(): PlatformDelivery[];
  close(): Promise<void>;
}

function jsonOrNull(b: Buffer): unknown {
  try {
    return JSON.parse(b.toString('utf8'));
  } catch {
    return null;
  }
}

function header(h: IncomingHttpHeaders, name: string): string | null {
  const v = h[name];
  return typeof v === 'string' ? v : null;
}

export async function startPlatformTap(target: string): Promise<PlatformTap> {
  const t = new URL(target);
  const kept: PlatformDelivery[] = [];
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (c: Buffer) => {
      size += c.length;
      if (size <= MAX_BODY) chunks.push(c);
    });
    req.on('end', () => {
      const body = Buffer.concat(chunks);
      const path = req.url ?? '/';
      const rating = req.method === 'PUT' || req.method === 'POST' ? RATING.exec(path) : null;
      const kind = req.method === 'POST' && CASES.test(path) ? 'case' : rating ? 'rating' : null;
      const keep = (status: number, reply: Buffer | null): void => {
        if (!kind) return;
        const replied = reply ? (jsonOrNull(reply) as { caseNumber?: unknown } | null) : null;
        const caseNumber = kind === 'rating' ? (rating?.[1] ?? null) : typeof replied?.caseNumber === 'string' ? replied.caseNumber : null;
        kept.push({ kind, at: Date.now(), status, idempotencyKey: header(req.headers, 'idempotency-key'), caseNumber, body: jsonOrNull(body) });
        if (kept.length > MAX_KEPT) kept.shift();
      };
      const up = request({ host: t.hostname, port: t.port, method: req.method, path, headers: { ...req.headers, host: t.host } }, (r) => {
        const out: Buffer[] = [];
        r.on('data', (c: Buffer) => out.push(c));
        r.on('end', () => {
          const reply = Buffer.concat(out);
          keep(r.statusCode ?? 0, reply);
          res.writeHead(r.statusCode ?? 502, r.headers);
          res.end(reply);
        });
        r.on('error', () => res.destroy());
      });
      // The simulator refusing the connection (an outage in 'reset' mode) is what the kiosk sees too.
      up.on('error', () => {
        keep(0, null);
        res.destroy();
      });
      up.end(body);
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const port = (server.address() as AddressInfo).port;
  return {
    url: `http://127.0.0.1:${port}`,
    deliveries: () => kept.map((d) => ({ ...d })),
    close: () =>
      new Promise<void>((r) => {
        server.close(() => r());
        server.closeAllConnections();
      }),
  };
}
