import { mkdtempSync, rmSync, writeFileSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { ServerMessage, SimPrinterReceipts, SimState } from '../../../main/contract/index.js';
import { decodeEscPos } from '../../../drivers/receipt-printer/index.js';
import type { KioskCore } from '../../../main/core/kiosk.js';
import { startSimulatedKiosk, type SimulatedKiosk } from '../../../main/sim/terminal.js';
import { startWebHost, type WebHost } from '../../../main/web/server.js';
import { resolveStatic } from '../../../main/web/static.js';

let dir: string;
let core: KioskCore;
let kiosk: SimulatedKiosk;
let host: WebHost;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'web-'));
  const rendererDir = join(dir, 'renderer');
  mkdirSync(rendererDir);
  writeFileSync(join(rendererDir, 'index.html'), '<!doctype html><title>kiosk</title>');
  writeFileSync(join(dir, 'secret.txt'), 'outside the renderer');
  writeFileSync(join(dir, 'kiosk.json'), JSON.stringify({ dataDir: join(dir, 'data') }));
  kiosk = await startSimulatedKiosk({ profilePath: join(dir, 'kiosk.json'), host: 'web' });
  core = kiosk.core;
  host = await startWebHost({ core, sim: kiosk.sim, rendererDir, host: '127.0.0.1', port: 0, allowRemote: false });
});

afterAll(async () => {
  await host.close();
  await kiosk.close();
  rmSync(dir, { recursive: true, force: true });
});

function connect(path: string, headers: Record<string, string> = {}): Promise<{ ws: WebSocket; messages: ServerMessage[] } | { refused: number }> {
  return new Promise((resolve) => {
    const ws = new WebSocket(`ws://127.0.0.1:${host.port}${path}`, { headers });
    const messages: ServerMessage[] = [];
    ws.on('message', (d) => messages.push(ServerMessage.parse(JSON.parse(d.toString()))));
    ws.on('open', () => resolve({ ws, messages }));
    ws.on('unexpected-response', (_req, res) => resolve({ refused: res.statusCode ?? 0 }));
    ws.on('error', () => resolve({ refused: -1 }));
  });
}

async function until<T>(fn: () => T | undefined, ms = 3000): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const v = fn();
    if (v !== undefined) return v;
    if (Date.now() > end) throw new Error('timed out');
    await new Promise((r) => setTimeout(r, 20));
  }
}

describe('web host', () => {
  it('prints a loopback URL carrying the per-start token', () => {
    expect(host.url).toMatch(new RegExp(`^http://127\\.0\\.0\\.1:${host.port}/\\?t=[A-Za-z0-9_-]{20,}$`));
  });

  it('refuses a WebSocket without the token, with a wrong token, or from another origin', async () => {
    expect(await connect('/ws')).toEqual({ refused: 401 });
    expect(await connect('/ws?t=wrong')).toEqual({ refused: 401 });
    expect(await connect(`/ws?t=${host.token}`, { origin: 'http://evil.example' })).toEqual({ refused: 401 });
  });

  it('pushes the view on connect and answers requests; malformed messages get typed errors and the socket survives', async () => {
    const c = await connect(`/ws?t=${host.token}`);
    if (!('ws' in c)) throw new Error('refused');
    const view = await until(() => c.messages.find((m) => m.type === 'event' && m.name === 'session.view'));
    expect(view).toMatchObject({ payload: { screen: 'attract' } });
    c.ws.send('{broken');
    c.ws.send(JSON.stringify({ type: 'request', id: 11, method: 'no.such', params: {} }));
    c.ws.send(JSON.stringify({ type: 'request', id: 12, method: 'ui.setLocale', params: { locale: 'xx' } }));
    c.ws.send(JSON.stringify({ type: 'request', id: 13, method: 'session.get', params: {} }));
    const replies = await until(() => {
      const r = c.messages.filter((m) => m.type === 'reply');
      return r.length >= 4 ? r : undefined;
    });
    expect(replies.map((r) => (r.type === 'reply' ? [r.id, r.reply.ok ? 'ok' : r.reply.error.code] : null))).toEqual([
      [null, 'invalid-message'],
      [11, 'unknown-method'],
      [12, 'invalid-params'],
      [13, 'ok'],
    ]);
    c.ws.close();
  });

  it('guards the simulator routes with the token and validates their bodies', async () => {
    const base = `http://127.0.0.1:${host.port}`;
    expect((await fetch(`${base}/sim/api/state`)).status).toBe(401);
    const auth = { authorization: `Bearer ${host.token}`, 'content-type': 'application/json' };
    const state = await fetch(`${base}/sim/api/state`, { headers: auth });
    expect(state.status).toBe(200);
    const bad = await fetch(`${base}/sim/api/id-card/place`, { method: 'POST', headers: auth, body: JSON.stringify({ key: 42 }) });
    expect(bad.status).toBe(400);
    const unknown = await fetch(`${base}/sim/api/id-card/place`, { method: 'POST', headers: auth, body: JSON.stringify({ key: 'nobody' }) });
    expect(unknown.status).toBe(400);
  });

  it('takes the embedded platform down and back up from the panel', async () => {
    const base = `http://127.0.0.1:${host.port}`;
    const auth = { authorization: `Bearer ${host.token}`, 'content-type': 'application/json' };
    const post = async (on: unknown) => fetch(`${base}/sim/api/platform/outage`, { method: 'POST', headers: auth, body: JSON.stringify({ on }) });
    const initial = SimState.parse(((await (await fetch(`${base}/sim/api/state`, { headers: auth })).json()) as { value: unknown }).value);
    expect(initial.platform).toMatchObject({ outage: false, cases: 0, ratings: 0 });
    const platformUrl = initial.platform?.url ?? '';
    expect(platformUrl).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    const down = await post(true);
    expect(SimState.parse(((await down.json()) as { value: unknown }).value).platform?.outage).toBe(true);
    // The platform itself now refuses (the kiosk's link sees an unreachable platform).
    await expect(fetch(`${platformUrl}/v1/health`)).rejects.toThrow();
    expect((await post('yes')).status).toBe(400);
    const up = await post(false);
    expect(SimState.parse(((await up.json()) as { value: unknown }).value).platform?.outage).toBe(false);
    expect((await fetch(`${platformUrl}/v1/health`)).status).toBeLessThan(500);
  });

  it('hands out the bytes the simulated printer accepted for each receipt, decodable as ESC/POS', async () => {
    const base = `http://127.0.0.1:${host.port}`;
    const auth = { authorization: `Bearer ${host.token}`, 'content-type': 'application/json' };
    const receipts = async () => SimPrinterReceipts.parse(((await (await fetch(`${base}/sim/api/printer/receipts`, { headers: auth })).json()) as { value: unknown }).value).receipts;
    const before = (await receipts()).length;
    expect((await fetch(`${base}/sim/api/printer/test`, { method: 'POST', headers: auth, body: '{}' })).status).toBe(200);
    const after = await receipts();
    expect(after).toHaveLength(before + 1);
    const decoded = decodeEscPos(Buffer.from(after.at(-1)?.bytes ?? '', 'base64'));
    expect(decoded.filter((r) => r.cut)).toHaveLength(1);
    expect(decoded[0]?.text).toContain('打印测试');
    expect(decoded[0]?.items.some((i) => i.type === 'qr' && i.data.startsWith('TEST '))).toBe(true);
    expect((await fetch(`${base}/sim/api/printer/receipts`)).status).toBe(401);
  });

  it('serves the renderer with a strict CSP and never a file outside it', async () => {
    const base = `http://127.0.0.1:${host.port}`;
    const index = await fetch(`${base}/`);
    expect(index.status).toBe(200);
    expect(index.headers.get('content-security-policy')).toContain("script-src 'self'");
    for (const p of ['/../secret.txt', '/%2e%2e/secret.txt', '/..%2fsecret.txt', '/%2e%2e%5csecret.txt']) {
      const r = await fetch(`${base}${p}`);
      expect(await r.text()).not.toContain('outside the renderer');
    }
    expect(resolveStatic('/srv/r', '/../etc/passwd')).toBeNull();
    expect(resolveStatic('/srv/r', '/a/%00b')).toBeNull();
    expect(resolveStatic('/srv/r', '/assets/x.js')).toBe('/srv/r/assets/x.js');
  });

  it('refuses to listen beyond loopback unless allowed', async () => {
    await expect(startWebHost({ core, rendererDir: dir, host: '0.0.0.0', port: 0, allowRemote: false })).rejects.toThrow(/loopback/);
  });
});
