/**
 * The acceptance, against a running web-mode kiosk (its own process, `main/web/main.ts`) with the ID
 * card reader on a real pseudo-terminal the core holds, and kioskctl as separate processes:
 *
 * - `kioskctl devices list --json` matches what the technician screen is shown (tech.state over /ws/tech);
 * - `service out --reason 维护` puts the citizen screen out of service; `service in` brings it back after
 *   the health checks, and refuses naming the failing device;
 * - `queue retry --dead` changes the queue depth the citizen screen shows;
 * - `id-card read` reads through the core (masked: the direct read would print the whole card) and does not
 *   open the tty; `--direct` is refused while the core holds the ports;
 * - `queue drain` and `queue selftest` never run a second delivery loop beside the core; `queue drain-now` asks
 *   the core's own loop.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { SAMPLE_IDENTITIES } from '../../../drivers/id-card/samples.js';
import { IdCardSimulator } from '../../../drivers/id-card/simulator.js';
import { SerialTransport } from '../../../drivers/transport/serial.js';
import { ServerMessage, type ServiceStatus, type SessionView, type SystemStatus, type TechDevice, type TechState } from '../../../main/contract/index.js';
import { enqueueSubmission } from '../../../main/core/delivery.js';
import { DEV_TERMINAL_KEY } from '../../../main/core/profile.js';
import { PlatformClient } from '../../../main/platform/client.js';
import { startPlatformSimulator, type PlatformSimulator } from '../../../main/platform/simulator.js';
import { openOfflineCache } from '../../../offline-cache/index.js';
import { createPtyPair, type PtyPair } from '../../helpers/pty.js';
import { TEST_PIN, removeDir, testPinHash, until } from '../../helpers/tech.js';

const BIN = join(process.cwd(), 'bin', 'kioskctl.mjs');
let dir: string;
let dataDir: string;
let child: ChildProcess;
let url: URL;
let pty: PtyPair;
let reader: SerialTransport;
let cardSim: IdCardSimulator;
let platform: PlatformSimulator;

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

function kioskctl(args: string[], timeoutMs = 60_000): Promise<Run> {
  return new Promise((resolve, reject) => {
    const p = spawn(process.execPath, [BIN, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    p.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    p.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const t = setTimeout(() => {
      p.kill('SIGKILL');
      reject(new Error(`kioskctl ${args.join(' ')} did not finish\n${stdout}\n${stderr}`));
    }, timeoutMs);
    p.on('exit', (code) => {
      clearTimeout(t);
      resolve({ code, stdout, stderr });
    });
  });
}

/** A WebSocket channel of the web host that records what the core pushes. */
class Channel {
  readonly ws: WebSocket;
  readonly messages: ServerMessage[] = [];
  #id = 1;
  constructor(path: string) {
    this.ws = new WebSocket(`ws://${url.host}${path}?t=${url.searchParams.get('t') ?? ''}`);
    this.ws.on('message', (d) => this.messages.push(ServerMessage.parse(JSON.parse(d.toString()))));
  }
  opened(): Promise<void> {
    return new Promise((resolve, reject) => {
      this.ws.once('open', () => resolve());
      this.ws.once('error', reject);
    });
  }
  last<T>(name: string): T | undefined {
    const e = this.messages.filter((m) => m.type === 'event' && m.name === name);
    return (e[e.length - 1] as { payload: T } | undefined)?.payload;
  }
  async call(method: string, params: unknown): Promise<unknown> {
    const id = this.#id++;
    this.ws.send(JSON.stringify({ type: 'request', id, method, params }));
    const r = await until(() => this.messages.find((m) => m.type === 'reply' && m.id === id), `${method} reply`);
    if (r.type !== 'reply' || !r.reply.ok) throw new Error(`${method} failed: ${JSON.stringify(r)}`);
    return r.reply.value;
  }
}

let citizen: Channel;
let screen: Channel;

beforeAll(async () => {
  dir = mkdtempSync('/tmp/tkc-');
  dataDir = join(dir, 'data');
  const rendererDir = join(dir, 'renderer');
  mkdirSync(rendererDir);
  writeFileSync(join(rendererDir, 'index.html'), '<!doctype html><title>kiosk</title>');
  platform = await startPlatformSimulator({ port: 0, host: '127.0.0.1', terminals: { 'NX-DEV-0001': DEV_TERMINAL_KEY } });
  pty = await createPtyPair();
  reader = await SerialTransport.open({ path: pty.devicePath, baudRate: 115200 });
  cardSim = new IdCardSimulator(reader);
  const profile = join(dir, 'kiosk.json');
  writeFileSync(
    profile,
    JSON.stringify({
      dataDir,
      devices: { idCard: { type: 'serial', path: pty.hostPath, baudRate: 115200 }, printer: { type: 'simulated', paper: '80mm' } },
      platform: { url: platform.url, probeSeconds: 1, retryBaseMs: 20, retryCapMs: 200 },
      technician: { pins: [{ slot: 'site-1', hash: await testPinHash() }] },
    }),
  );
  child = spawn(process.execPath, ['--import', 'tsx', 'main/web/main.ts', '--profile', profile, '--port', '0', '--renderer-dir', rendererDir], { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  child.stderr?.on('data', (d: Buffer) => (err += d.toString()));
  url = await new Promise<URL>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`the kiosk did not start\n${out}\n${err}`)), 30_000);
    child.stdout?.on('data', (d: Buffer) => {
      out += d.toString();
      const m = /(http:\/\/127\.0\.0\.1:\d+\/\?t=[A-Za-z0-9_-]+)/.exec(out);
      if (m?.[1]) {
        clearTimeout(timer);
        resolve(new URL(m[1]));
      }
    });
    child.on('exit', (code) => reject(new Error(`the kiosk exited (${code})\n${out}\n${err}`)));
  });
  citizen = new Channel('/ws');
  screen = new Channel('/ws/tech');
  await Promise.all([citizen.opened(), screen.opened()]);
  expect(await screen.call('tech.login', { pin: TEST_PIN })).toMatchObject({ ok: true });
  await until(() => screen.last<TechState>('tech.state')?.devices.every((d) => d.state === 'online'), 'both devices online on the technician screen', 20_000);
}, 60_000);

afterAll(async () => {
  citizen?.ws.close();
  screen?.ws.close();
  if (child && child.exitCode === null) {
    child.kill('SIGTERM');
    await new Promise((r) => child.once('exit', r));
  }
  cardSim?.dispose();
  await reader?.close().catch(() => undefined);
  await pty?.dispose();
  await platform?.close();
  if (dir) removeDir(dir);
});

const D = (): string[] => ['--data-dir', dataDir];

describe('kioskctl against a running web-mode kiosk', () => {
  it('devices list --json matches what the technician screen shows', async () => {
    const r = await kioskctl(['devices', 'list', ...D(), '--json']);
    expect(r.code, r.stderr).toBe(0);
    const cli = JSON.parse(r.stdout) as TechDevice[];
    const shown = (await screen.call('tech.state', {})) as TechState;
    const pick = (d: TechDevice): unknown => ({ id: d.id, kind: d.kind, state: d.state, nextAction: d.nextAction, info: d.info, warnings: d.warnings });
    expect(cli.map(pick)).toEqual(shown.devices.map(pick));
    expect(cli.map((d) => d.id)).toEqual(['id-card', 'receipt-printer']);
    expect(cli[0]?.info).toMatchObject({ transport: 'serial', path: pty.hostPath });
  });

  it('service out --reason 维护 takes the citizen screen out of service; service in brings it back after the checks', async () => {
    const out = await kioskctl(['service', 'out', '--reason', '维护', ...D()]);
    expect(out.code, out.stderr).toBe(0);
    expect(out.stdout).toContain('暂停服务 out of service');
    // The core pushes to the citizen screen before it answers kioskctl.
    await until(() => citizen.last<SessionView>('session.view')?.screen === 'out-of-service', 'the citizen screen out of service');
    expect(citizen.last<ServiceStatus>('service.status')).toMatchObject({ state: 'out-of-service', reason: '维护' });
    const back = await kioskctl(['service', 'in', ...D(), '--json']);
    expect(back.code, back.stderr).toBe(0);
    expect(JSON.parse(back.stdout)).toMatchObject({ ok: true, forced: false, checks: [{ device: 'id-card', ok: true }, { device: 'receipt-printer', ok: true }] });
    await until(() => citizen.last<SessionView>('session.view')?.screen === 'attract', 'the citizen screen back');
  });

  it('service in refuses naming the failing device', async () => {
    expect((await kioskctl(['service', 'out', '--reason', '更换纸卷', ...D()])).code).toBe(0);
    const token = url.searchParams.get('t') ?? '';
    const fault = async (on: boolean): Promise<void> => {
      const res = await fetch(`${url.origin}/sim/api/printer/fault`, { method: 'POST', headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' }, body: JSON.stringify({ fault: 'paperOut', on }) });
      expect(res.status).toBe(200);
    };
    await fault(true);
    await until(() => screen.last<TechState>('tech.state')?.devices.find((d) => d.id === 'receipt-printer')?.state === 'error', 'the printer in error');
    const r = await kioskctl(['service', 'in', ...D()]);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/still out of service: receipt-printer \(.*paper/i);
    expect(citizen.last<SessionView>('session.view')?.screen).toBe('out-of-service');
    await fault(false);
    await until(() => screen.last<TechState>('tech.state')?.devices.find((d) => d.id === 'receipt-printer')?.state === 'online', 'the printer online');
    expect((await kioskctl(['service', 'in', ...D()])).code).toBe(0);
    await until(() => citizen.last<SessionView>('session.view')?.screen === 'attract', 'the citizen screen back');
  });

  it('queue retry --dead changes the queue depth the citizen screen shows', async () => {
    // A dead letter: the platform already holds this key with another body (422, permanent).
    const key = `dead-${Date.now()}`;
    const client = new PlatformClient({ baseUrl: platform.url, terminalId: 'NX-DEV-0001', key: DEV_TERMINAL_KEY, timeoutMs: 5000 });
    const first = await client.submitCase(key, { kind: 'matter', matterCode: 'OTHER', applicantToken: 'tok', form: { x: 1 }, submittedAt: new Date().toISOString(), attachments: [] }, AbortSignal.timeout(5000));
    client.close();
    expect(first.kind).toBe('ok');
    // Queued behind the core's back (as a second writer of the database may), then delivered by the core: refused, dead.
    const cache = openOfflineCache({ dir: dataDir, keyFile: join(dataDir, 'keys', 'seal.json'), recover: false, minFreeBytes: 0 });
    try {
      enqueueSubmission(cache.outbox, 'NX-DEV-0001', { idempotencyKey: key, kind: 'matter', payload: { matterCode: 'M-1', applicantToken: 'tok', form: { y: 2 } } });
    } finally {
      cache.close();
    }
    try {
      await until(() => citizen.last<SystemStatus>('system.status')?.queueDepth === 1, 'the queue depth 1 on the citizen screen', 20_000);
      await until(async () => (JSON.parse((await kioskctl(['queue', 'stats', ...D(), '--json'])).stdout) as { dead: number }).dead === 1, 'one dead letter', 20_000);
    } catch (e) {
      const logs = await kioskctl(['logs', 'tail', '--lines', '40', ...D()]);
      throw new Error(`${(e as Error).message}\n${logs.stdout}`);
    }
    // The platform forgets the other body: a retry now goes through.
    await platform.reset();
    const r = await kioskctl(['queue', 'retry', '--dead', ...D(), '--json']);
    expect(r.code, r.stderr).toBe(0);
    expect(JSON.parse(r.stdout)).toEqual({ moved: 1 });
    await until(() => citizen.last<SystemStatus>('system.status')?.queueDepth === 0, 'the queue depth back to 0 on the citizen screen');
    expect(platform.cases().map((c) => c.idempotencyKey)).toContain(key);
  });

  it('id-card read goes through the core’s reader (masked) and never opens the tty; --direct is refused', async () => {
    const sample = SAMPLE_IDENTITIES['resident-zhang'];
    if (!sample) throw new Error('sample expected');
    const run = kioskctl(['id-card', 'read', '--timeout', '20', ...D(), '--json']);
    // Place the card once the core holds the reader for the test (a card placed earlier would start a citizen session).
    await until(() => screen.last<TechState>('tech.state')?.heldForTest.includes('id-card'), 'the reader held for the test', 20_000);
    cardSim.place(sample);
    let r: Run;
    try {
      r = await run;
    } finally {
      cardSim.remove();
    }
    expect(r.code, r.stderr).toBe(0);
    const card = JSON.parse(r.stdout) as Record<string, unknown>;
    expect(card).toMatchObject({ cardType: 'resident', idNumberValid: true, maskedId: expect.stringMatching(/^\d{6}\*+\d{4}$/) });
    expect(r.stdout).not.toContain(sample.idNumber);
    expect(r.stdout).not.toContain(sample.name);
    // The citizen screen never saw that card.
    expect(citizen.messages.filter((m) => m.type === 'event' && m.name === 'session.view').every((m) => (m as { payload: SessionView }).payload.citizen === null)).toBe(true);
    // The reader's last frames through kioskctl: the read reply by status and length, none of the card.
    const trace = await kioskctl(['devices', 'trace', 'id-card', '--limit', '60', ...D(), '--json']);
    expect(trace.code, trace.stderr).toBe(0);
    const frames = JSON.parse(trace.stdout) as { dir: string; name: string; length: number; header: string }[];
    expect(frames).toContainEqual(expect.objectContaining({ dir: 'rx', name: expect.stringMatching(/^read card reply 90/), header: expect.stringMatching(/^aa aa aa 96 69 .* 00 00 90$/) }));
    for (const secret of [sample.name, sample.idNumber, sample.address]) expect(trace.stdout).not.toContain(secret);
    expect(trace.stdout).not.toContain(Buffer.from(sample.name, 'utf16le').toString('hex').replace(/(..)(?!$)/g, '$1 '));
    const direct = await kioskctl(['id-card', 'read', '--direct', '--port', pty.hostPath, ...D()]);
    expect(direct.code).toBe(2);
    expect(direct.stderr).toMatch(/a kiosk core is running .* holds the devices: run without --direct/);
    // Pointed at another data directory (no core there), --direct still cannot take the port the core holds.
    const elsewhere = mkdtempSync('/tmp/tkc-other-');
    try {
      const locked = await kioskctl(['id-card', 'read', '--direct', '--port', pty.hostPath, '--timeout', '2000', '--data-dir', elsewhere]);
      expect(locked.code).toBe(1);
      expect(locked.stderr).toMatch(/port is in use by another process/);
      expect(locked.stdout).not.toContain(sample.idNumber);
    } finally {
      removeDir(elsewhere);
    }
  });

  it('never runs a second delivery loop beside the core; drain-now asks the core’s own', async () => {
    const drain = await kioskctl(['queue', 'drain', ...D(), '--platform', platform.url]);
    expect(drain.code).toBe(2);
    expect(drain.stderr).toMatch(/a kiosk core is running .* use kioskctl queue drain-now/);
    const selftest = await kioskctl(['queue', 'selftest', '--count', '1', ...D(), '--platform', platform.url]);
    expect(selftest.code).toBe(2);
    expect(selftest.stdout).not.toContain('committed');
    const now = await kioskctl(['queue', 'drain-now', '--timeout', '10', ...D(), '--json']);
    expect(now.code, now.stderr).toBe(0);
    expect(JSON.parse(now.stdout)).toMatchObject({ drained: true, stats: { pending: 0, inFlight: 0 } });
    const stats = await kioskctl(['queue', 'stats', ...D(), '--json']);
    expect(JSON.parse(stats.stdout)).toMatchObject({ pending: 0, dead: 0 });
  });
});
