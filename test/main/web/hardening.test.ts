import { randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSimulatedKiosk, type SimulatedKiosk } from '../../../main/sim/terminal.js';
import { allowedHostsOf, startWebHost, type WebHost } from '../../../main/web/server.js';

let dir: string;
let kiosk: SimulatedKiosk;
let host: WebHost;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'web-hard-'));
  const rendererDir = join(dir, 'renderer');
  mkdirSync(rendererDir);
  writeFileSync(join(rendererDir, 'index.html'), '<!doctype html><title>kiosk</title>');
  // The log file is /dev/full: every line the host logs meets a real ENOSPC from the kernel.
  mkdirSync(join(dir, 'data', 'logs'), { recursive: true });
  symlinkSync('/dev/full', join(dir, 'data', 'logs', 'kiosk.log'));
  writeFileSync(join(dir, 'kiosk.json'), JSON.stringify({ dataDir: join(dir, 'data'), platform: { url: 'http://127.0.0.1:9' } }));
  kiosk = await startSimulatedKiosk({ profilePath: join(dir, 'kiosk.json'), host: 'web' });
  host = await startWebHost({ core: kiosk.core, sim: kiosk.sim, rendererDir, host: '127.0.0.1', port: 0, allowRemote: false });
});

afterAll(async () => {
  await host.close();
  await kiosk.close();
  rmSync(dir, { recursive: true, force: true });
});

/** One raw HTTP request with the Host header we choose (fetch would not let us). */
function raw(path: string, hostHeader: string, opts: { method?: string; body?: string; headers?: Record<string, string> } = {}): Promise<{ status: number; body: string; upgraded: boolean }> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port: host.port, path, method: opts.method ?? 'GET', headers: { host: hostHeader, ...(opts.headers ?? {}) } });
    req.on('response', (res) => {
      let body = '';
      res.setEncoding('utf8').on('data', (d: string) => (body += d));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body, upgraded: false }));
    });
    req.on('upgrade', (res, socket) => {
      socket.destroy();
      resolve({ status: res.statusCode ?? 0, body: '', upgraded: true });
    });
    req.on('error', reject);
    req.end(opts.body);
  });
}

const upgradeHeaders = { connection: 'Upgrade', upgrade: 'websocket', 'sec-websocket-version': '13', 'sec-websocket-key': randomBytes(16).toString('base64') };

describe('web host: DNS rebinding (issue 8 item 9)', () => {
  it('answers only to the loopback names it listens on', async () => {
    const p = host.port;
    for (const good of [`127.0.0.1:${p}`, `localhost:${p}`, `LOCALHOST:${p}`]) {
      expect((await raw('/healthz', good)).status).toBe(200);
    }
    for (const bad of [`evil.example:${p}`, `rebind.attacker.test`, `127.0.0.1:${p + 1}`, `localhost`, `127.0.0.1.nip.io:${p}`]) {
      const r = await raw('/healthz', bad);
      expect(r.status, bad).toBe(421);
      expect((await raw('/', bad)).status).toBe(421);
    }
  });

  it('refuses the WebSocket and the simulator routes under a foreign Host even with the right token', async () => {
    const p = host.port;
    const ok = await raw(`/ws?t=${host.token}`, `127.0.0.1:${p}`, { headers: upgradeHeaders });
    expect(ok.upgraded).toBe(true);
    const ws = await raw(`/ws?t=${host.token}`, `evil.example:${p}`, { headers: upgradeHeaders });
    expect(ws.upgraded).toBe(false);
    expect(ws.status).toBe(401);
    const sim = await raw('/sim/api/state', `evil.example:${p}`, { headers: { authorization: `Bearer ${host.token}` } });
    expect(sim.status).toBe(421);
  });

  it('the allowed names, by listening address', () => {
    const lo = allowedHostsOf('127.0.0.1', 8080);
    expect(['127.0.0.1:8080', 'localhost:8080'].every(lo)).toBe(true);
    expect(['evil:8080', '127.0.0.1', '[::1]:8080', '10.0.0.1:8080', undefined].some(lo)).toBe(false);
    const v6 = allowedHostsOf('::1', 80);
    expect(['[::1]:80', 'localhost:80'].every(v6)).toBe(true);
    const any = allowedHostsOf('0.0.0.0', 80);
    expect(['10.1.2.3:80', '[fe80::1]:80'].every(any)).toBe(true);
    expect(['kiosk.example:80', 'localhost:80', '10.1.2.3:81'].some(any)).toBe(false);
  });
});

describe('web host: /sim identity names (issue 8 item 9)', () => {
  it('refuses object keys (__proto__, constructor, toString, …) as identity names and places nothing', async () => {
    const p = host.port;
    const auth = { authorization: `Bearer ${host.token}`, 'content-type': 'application/json' };
    for (const key of ['__proto__', 'constructor', 'toString', 'hasOwnProperty', 'prototype', 'valueOf', '../resident-zhang', 'Resident-Zhang']) {
      const r = await raw('/sim/api/id-card/place', `127.0.0.1:${p}`, { method: 'POST', headers: auth, body: JSON.stringify({ key }) });
      expect(r.status, key).toBe(400);
    }
    // A body that is itself "__proto__"-keyed JSON changes nothing either.
    const proto = await raw('/sim/api/id-card/place', `127.0.0.1:${p}`, { method: 'POST', headers: auth, body: '{"__proto__": {"key": "resident-zhang"}}' });
    expect(proto.status).toBe(400);
    const state = JSON.parse((await raw('/sim/api/state', `127.0.0.1:${p}`, { headers: auth })).body) as { value: { idCard: { placed: string | null } } };
    expect(state.value.idCard.placed).toBeNull();
    const good = await raw('/sim/api/id-card/place', `127.0.0.1:${p}`, { method: 'POST', headers: auth, body: JSON.stringify({ key: 'resident-zhang' }) });
    expect(good.status).toBe(200);
  });
});

describe('web host on a full log disk (issue 8 item 2)', () => {
  it('refused WebSocket upgrades are logged on a full disk without taking the host down', async () => {
    const p = host.port;
    for (let i = 0; i < 30; i++) {
      const r = await raw('/ws?t=wrong', `127.0.0.1:${p}`, { headers: upgradeHeaders });
      expect(r.upgraded).toBe(false);
    }
    expect((await raw('/healthz', `127.0.0.1:${p}`)).status).toBe(200);
    expect(kiosk.core.logging.stats()).toMatchObject({ failing: 'ENOSPC' });
    expect(kiosk.core.logging.stats().dropped).toBeGreaterThanOrEqual(30);
  });
});
