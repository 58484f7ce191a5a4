import { randomBytes, timingSafeEqual } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { WebSocketServer, type WebSocket } from 'ws';
import { z } from 'zod';
import { MAX_MESSAGE_CHARS, SimConnectedBody, SimPaymentFault, SimPlaceCard, SimPlatformOutage, SimPrinterFault, SimScannerFault, type ServerMessage } from '../contract/index.js';
import type { ConnectionAudience, KioskCore } from '../core/kiosk.js';
import { isLoopback } from '../core/profile.js';
import type { SimControl } from '../sim/devices.js';
import { readStatic } from './static.js';

export interface WebHostOptions {
  core: KioskCore;
  /** The simulated devices' control panel (main/sim); null or absent when the host simulates nothing. */
  sim?: SimControl | null;
  rendererDir: string;
  host: string;
  port: number;
  allowRemote: boolean;
  /** Fixed token (tests); default: 32 random bytes per start. */
  token?: string;
}

export interface WebHost {
  url: string;
  port: number;
  token: string;
  server: Server;
  close(): Promise<void>;
}

const EmptyBody = z.object({}).strict();

/** The simulator control routes (POST, token-guarded): body schema, what it does, and the words of a 400. */
interface SimRoute<B> {
  /** Absent: the route takes no body and does not read one. */
  body?: z.ZodType<B>;
  /** Shown on a bad body instead of the schema's first message. */
  expected?: string;
  /** A failure of `run` is the device's (409 device-error), not the request's (400). */
  deviceErrors?: boolean;
  run(sim: SimControl, body: B): unknown;
}
const route = <B>(r: SimRoute<B>): SimRoute<B> => r;
const CONNECTED = 'expected {"connected": boolean}';
const simRoutes: Record<string, SimRoute<unknown> | undefined> = {
  '/sim/api/id-card/place': route({ body: SimPlaceCard, run: (sim, b) => sim.placeCard(b.key) }),
  '/sim/api/id-card/remove': route({ run: (sim) => sim.removeCard() }),
  '/sim/api/id-card/connected': route({ body: SimConnectedBody, expected: CONNECTED, run: (sim, b) => sim.setIdCardConnected(b.connected) }),
  '/sim/api/printer/fault': route({
    body: SimPrinterFault,
    expected: 'expected {"fault": "paperNearEnd"|"paperOut"|"coverOpen"|"cutterError"|"silence", "on": boolean}',
    run: (sim, b) => sim.setPrinterFault(b.fault, b.on),
  }),
  '/sim/api/printer/connected': route({ body: SimConnectedBody, expected: CONNECTED, run: (sim, b) => sim.setPrinterConnected(b.connected) }),
  '/sim/api/platform/outage': route({ body: SimPlatformOutage, expected: 'expected {"on": boolean}', run: (sim, b) => sim.setPlatformOutage(b.on) }),
  '/sim/api/scanner/fault': route({
    body: SimScannerFault,
    expected: 'expected {"fault": "jam"|"empty"|null, "pagesPerScan"?: 1..20}',
    run: (sim, b) => sim.setScannerFault(b.fault, b.pagesPerScan),
  }),
  '/sim/api/scanner/connected': route({ body: SimConnectedBody, expected: CONNECTED, run: (sim, b) => sim.setScannerConnected(b.connected) }),
  '/sim/api/payment/fault': route({ body: SimPaymentFault, expected: 'expected {"fault": "decline"|"lostAfterDebit"|null}', run: (sim, b) => sim.setPaymentFault(b.fault) }),
  '/sim/api/payment/connected': route({ body: SimConnectedBody, expected: CONNECTED, run: (sim, b) => sim.setPaymentConnected(b.connected) }),
  '/sim/api/printer/test': route({
    body: EmptyBody,
    expected: 'expected an empty object',
    deviceErrors: true,
    run: (sim) => sim.printTestReceipt(AbortSignal.timeout(30_000)),
  }),
};

function csp(): string {
  return [
    "default-src 'self'",
    "script-src 'self'",
    "style-src 'self'",
    "img-src 'self' data:",
    "font-src 'self'",
    "connect-src 'self'",
    "object-src 'none'",
    "base-uri 'none'",
    "frame-ancestors 'none'",
    "form-action 'none'",
  ].join('; ');
}

/**
 * The Host header values this server answers to (DNS rebinding: a page on an attacker's name that resolves to
 * 127.0.0.1 sends its own name as Host and is refused). Loopback: the listening address and "localhost", each
 * with the port. A non-loopback listener (allowRemote): its own address, and any IP literal when it listens on
 * every address — a name is never accepted there, only an address.
 */
export function allowedHostsOf(listenHost: string, port: number): (host: string | undefined) => boolean {
  const bare = listenHost.replace(/^\[|\]$/g, '').toLowerCase();
  const literal = (h: string): string => (h.includes(':') ? `[${h}]` : h);
  const exact = new Set<string>([`${literal(bare)}:${port}`]);
  if (isLoopback(bare)) {
    exact.add(`localhost:${port}`);
    if (bare.startsWith('127.')) exact.add(`127.0.0.1:${port}`);
    if (bare === 'localhost') {
      exact.add(`127.0.0.1:${port}`);
      exact.add(`[::1]:${port}`);
    }
  }
  const wildcard = bare === '0.0.0.0' || bare === '::';
  const ipLiteralWithPort = (h: string): boolean => {
    const m = /^(\[[0-9a-f:.]+\]|\d{1,3}(?:\.\d{1,3}){3}):(\d+)$/.exec(h);
    return m !== null && Number(m[2]) === port;
  };
  return (host) => {
    if (host === undefined) return false;
    const h = host.trim().toLowerCase();
    return exact.has(h) || (wildcard && ipLiteralWithPort(h));
  };
}

function tokenMatches(expected: Buffer, given: string | null | undefined): boolean {
  if (!given) return false;
  const g = Buffer.from(given);
  return g.length === expected.length && timingSafeEqual(g, expected);
}

/**
 * Web mode: serves the built renderer and the simulator control panel, and carries the
 * contract's messages over a WebSocket. Loopback only unless the profile says otherwise;
 * the socket and the simulator routes need the per-start token.
 */
export async function startWebHost(opts: WebHostOptions): Promise<WebHost> {
  const { core } = opts;
  if (!opts.allowRemote && !isLoopback(opts.host)) {
    throw new Error(`refusing to listen on ${opts.host}: not a loopback address and the profile does not set web.allowRemote`);
  }
  const token = opts.token ?? randomBytes(24).toString('base64url');
  const tokenBuf = Buffer.from(token);
  const log = core.log.child({ part: 'web' });

  const send = (res: ServerResponse, status: number, body: unknown): void => {
    const text = JSON.stringify(body);
    res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', 'cache-control': 'no-store' });
    res.end(text);
  };

  const readJson = async (req: IncomingMessage): Promise<unknown> => {
    const chunks: Buffer[] = [];
    let size = 0;
    for await (const c of req) {
      size += (c as Buffer).length;
      if (size > 16 * 1024) throw new Error('body too large');
      chunks.push(c as Buffer);
    }
    const text = Buffer.concat(chunks).toString('utf8');
    return text ? JSON.parse(text) : {};
  };

  const simRoute = async (req: IncomingMessage, res: ServerResponse, path: string): Promise<void> => {
    const auth = req.headers['authorization'];
    const given = typeof auth === 'string' && auth.startsWith('Bearer ') ? auth.slice(7) : null;
    if (!tokenMatches(tokenBuf, given)) return send(res, 401, { ok: false, error: { code: 'not-allowed', message: 'missing or wrong token' } });
    const sim = opts.sim ?? null;
    if (!sim) return send(res, 404, { ok: false, error: { code: 'not-allowed', message: 'no simulated devices in this profile' } });
    try {
      if (req.method === 'GET' && path === '/sim/api/state') return send(res, 200, { ok: true, value: sim.state() });
      if (req.method === 'GET' && path === '/sim/api/printer/receipts') return send(res, 200, { ok: true, value: sim.printerReceipts() });
      if (req.method === 'GET' && path === '/sim/api/platform/deliveries') return send(res, 200, { ok: true, value: sim.platformDeliveries() });
      const route = Object.hasOwn(simRoutes, path) ? simRoutes[path] : undefined;
      if (req.method === 'POST' && route) {
        const body = route.body ? route.body.safeParse(await readJson(req)) : { success: true as const, data: undefined };
        if (!body.success) return send(res, 400, { ok: false, error: { code: 'invalid-params', message: route.expected ?? body.error.issues[0]?.message ?? 'invalid' } });
        try {
          await route.run(sim, body.data);
        } catch (e) {
          if (!route.deviceErrors) throw e;
          // The printer's own typed error (paper out, cover open…): a device problem, not a bad request.
          return send(res, 409, { ok: false, error: { code: 'device-error', message: e instanceof Error ? e.message : 'print failed' }, value: sim.state() });
        }
        return send(res, 200, { ok: true, value: sim.state() });
      }
      return send(res, 404, { ok: false, error: { code: 'unknown-method', message: `no route ${req.method} ${path}` } });
    } catch (e) {
      return send(res, 400, { ok: false, error: { code: 'invalid-params', message: e instanceof Error ? e.message : 'bad request' } });
    }
  };

  // Set once the port is known (port 0 = any free port).
  let hostAllowed: (host: string | undefined) => boolean = () => false;
  const server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://localhost');
    const path = url.pathname;
    res.setHeader('x-content-type-options', 'nosniff');
    res.setHeader('referrer-policy', 'no-referrer');
    if (!hostAllowed(req.headers.host)) {
      log.warn({ path: path.slice(0, 100) }, 'request refused: Host is not a name this host listens on');
      res.writeHead(421, { 'content-type': 'text/plain; charset=utf-8', connection: 'close' }).end('misdirected request');
      return;
    }
    if (path.startsWith('/sim/api/')) {
      void simRoute(req, res, path);
      return;
    }
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.writeHead(405).end();
      return;
    }
    if (path === '/healthz') return send(res, 200, { ok: true });
    // The technician screen is its own page (its own bundle): citizens' pages never carry it.
    const file = path === '/' || path === '/sim' || path === '/sim/' ? '/index.html' : path === '/tech' || path === '/tech/' ? '/tech.html' : path;
    void readStatic(opts.rendererDir, file).then((found) => {
      if (!found) {
        res.writeHead(404, { 'content-type': 'text/plain; charset=utf-8' }).end('not found');
        return;
      }
      res.writeHead(200, {
        'content-type': found.type,
        'content-security-policy': csp(),
        'cache-control': file === '/index.html' || file === '/tech.html' ? 'no-store' : 'public, max-age=3600',
      });
      res.end(req.method === 'HEAD' ? undefined : found.body);
    });
  });

  const wss = new WebSocketServer({ noServer: true, maxPayload: MAX_MESSAGE_CHARS * 2 });
  server.on('upgrade', (req, socket, head) => {
    const url = new URL(req.url ?? '/', 'http://localhost');
    const origin = req.headers.origin;
    const hostHeader = req.headers.host;
    const hostOk = hostAllowed(hostHeader);
    const originOk = !origin || (hostHeader !== undefined && (origin === `http://${hostHeader}` || origin === `https://${hostHeader}`));
    const audience = url.pathname === '/ws' ? 'citizen' : url.pathname === '/ws/tech' ? 'technician' : null;
    if (audience === null || !hostOk || !tokenMatches(tokenBuf, url.searchParams.get('t')) || !originOk) {
      log.warn({ path: url.pathname.slice(0, 100), hostOk, originOk }, 'websocket refused');
      socket.end('HTTP/1.1 401 Unauthorized\r\nConnection: close\r\n\r\n');
      return;
    }
    wss.handleUpgrade(req, socket, head, (ws) => attach(ws, audience));
  });

  /** '/ws' is the citizen screen's channel; '/ws/tech' the technician screen's (tech.* after a PIN login). */
  const attach = (ws: WebSocket, audience: ConnectionAudience): void => {
    const conn = {
      send(message: ServerMessage): void {
        if (ws.readyState === ws.OPEN) ws.send(JSON.stringify(message));
      },
    };
    const detach = core.connect(conn, audience);
    ws.on('message', (data, isBinary) => {
      if (isBinary) {
        void core.receive(conn, '\u0000binary');
        return;
      }
      void core.receive(conn, data.toString());
    });
    ws.on('close', detach);
    ws.on('error', (err) => {
      log.warn({ err }, 'websocket error');
      detach();
    });
  };

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port, opts.host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const port = (server.address() as AddressInfo).port;
  hostAllowed = allowedHostsOf(opts.host, port);
  const shownHost = opts.host.includes(':') && !opts.host.startsWith('[') ? `[${opts.host}]` : opts.host;
  const url = `http://${shownHost}:${port}/?t=${token}`;
  log.info({ port, host: opts.host }, 'web host listening');
  return {
    url,
    port,
    token,
    server,
    close: async () => {
      for (const c of wss.clients) c.terminate();
      wss.close();
      await new Promise<void>((r) => server.close(() => r()));
    },
  };
}
