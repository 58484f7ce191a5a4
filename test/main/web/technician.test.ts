import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { ServerMessage } from '../../../main/contract/index.js';
import { startWebHost, type WebHost } from '../../../main/web/server.js';
import { TEST_PIN, removeDir, startTechKiosk, until, type TechKiosk } from '../../helpers/tech.js';

let k: TechKiosk;
let host: WebHost;

beforeAll(async () => {
  k = await startTechKiosk();
  const rendererDir = join(k.dir, 'renderer');
  mkdirSync(rendererDir);
  writeFileSync(join(rendererDir, 'index.html'), '<!doctype html><title>citizen</title>');
  writeFileSync(join(rendererDir, 'tech.html'), '<!doctype html><title>technician</title>');
  host = await startWebHost({ core: k.core, sim: k.kiosk.sim, rendererDir, host: '127.0.0.1', port: 0, allowRemote: false });
});

afterAll(async () => {
  await host.close();
  await k.close();
  removeDir(k.dir);
});

function channel(path: string): Promise<{ ws: WebSocket; messages: ServerMessage[]; call: (method: string, params: unknown) => Promise<ServerMessage> }> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(`ws://127.0.0.1:${host.port}${path}?t=${host.token}`);
    const messages: ServerMessage[] = [];
    let id = 1;
    ws.on('message', (d) => messages.push(ServerMessage.parse(JSON.parse(d.toString()))));
    ws.once('error', reject);
    ws.once('open', () =>
      resolve({
        ws,
        messages,
        call: async (method, params) => {
          const n = id++;
          ws.send(JSON.stringify({ type: 'request', id: n, method, params }));
          return until(() => messages.find((m) => m.type === 'reply' && m.id === n), `${method} reply`);
        },
      }),
    );
  });
}

describe('the web host and the technician screen', () => {
  it('serves the technician screen as its own page at /tech and /tech.html (no-store)', async () => {
    for (const p of ['/tech', '/tech.html']) {
      const r = await fetch(`http://127.0.0.1:${host.port}${p}`);
      expect(r.status).toBe(200);
      expect(await r.text()).toContain('technician');
      expect(r.headers.get('cache-control')).toBe('no-store');
    }
    expect(await (await fetch(`http://127.0.0.1:${host.port}/`)).text()).toContain('citizen');
  });

  it('/ws is the citizen channel (tech.* refused), /ws/tech the technician channel (PIN first, then tech.*)', async () => {
    const citizen = await channel('/ws');
    expect(await citizen.call('tech.login', { pin: TEST_PIN })).toMatchObject({ reply: { ok: false, error: { code: 'not-allowed' } } });
    expect(await citizen.call('tech.service.out', { reason: 'x' })).toMatchObject({ reply: { ok: false, error: { code: 'not-allowed' } } });
    await until(() => citizen.messages.find((m) => m.type === 'event' && m.name === 'service.status'), 'the service status on connect');
    const tech = await channel('/ws/tech');
    await until(() => tech.messages.find((m) => m.type === 'event' && m.name === 'tech.session'), 'the locked session');
    expect(tech.messages.some((m) => m.type === 'event' && m.name === 'session.view')).toBe(false);
    expect(await tech.call('tech.state', {})).toMatchObject({ reply: { ok: false, error: { code: 'not-allowed' } } });
    expect(await tech.call('tech.login', { pin: TEST_PIN })).toMatchObject({ reply: { ok: true, value: { ok: true, slot: 'site-1' } } });
    expect(await tech.call('tech.state', {})).toMatchObject({ reply: { ok: true, value: { terminal: { id: 'NX-DEV-0001' } } } });
    citizen.ws.close();
    tech.ws.close();
  });

  it('refuses any other WebSocket path', async () => {
    await expect(channel('/ws/other')).rejects.toThrow(/401/);
  });
});
