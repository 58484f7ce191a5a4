/**
 * The control socket as the operating system sees it: mode 0660 and the profile's group, a user outside the
 * group refused (a second uid, run with setpriv), a user inside it identified by the uid proof, forged proofs
 * refused, stale sockets replaced, bad input answered with typed errors.
 *
 * Runs as root (CI does, .ci/run): it creates a throwaway system group with groupadd and removes it after.
 */
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import { chmodSync, lstatSync, readFileSync, symlinkSync } from 'node:fs';
import net from 'node:net';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CoreClient } from '../../../main/cli/core-client.js';
import { controlSocketPath } from '../../../main/core/control-socket.js';
import { removeDir, startTechKiosk, until, type TechKiosk } from '../../helpers/tech.js';

const GROUP = `nxk-t${process.pid % 100000}`;
let gid = -1;
let k: TechKiosk;
let sock: string;
/** A uid nobody has: the "second user". */
const OUTSIDER = 64_901;
const MEMBER = 64_902;

beforeAll(async () => {
  expect(process.getuid?.(), 'this test creates a group and switches uids: run it as root (CI does)').toBe(0);
  execFileSync('groupadd', ['--system', GROUP]);
  gid = Number(execFileSync('getent', ['group', GROUP], { encoding: 'utf8' }).split(':')[2]);
  k = await startTechKiosk({ technician: { socket: { enabled: true, group: GROUP } } });
  // The test's own temporary folder must let others pass (a kiosk's /var/lib does).
  chmodSync(k.dir, 0o711);
  sock = controlSocketPath(k.dataDir);
});

afterAll(async () => {
  await k?.close();
  if (k) removeDir(k.dir);
  try {
    execFileSync('groupdel', [GROUP]);
  } catch {
    // never created
  }
});

/** A minimal client in plain JS (independent of CoreClient): connect, answer the challenge, say hello, list devices. */
const RAW_CLIENT = `
const net = require('net'); const fs = require('fs'); const path = require('path');
const s = net.connect(process.argv[1]);
let buf = '';
s.on('error', (e) => { console.log(JSON.stringify({ error: e.code })); process.exit(0); });
s.on('data', (d) => {
  buf += d;
  for (let nl = buf.indexOf('\\n'); nl >= 0; nl = buf.indexOf('\\n')) {
    const m = JSON.parse(buf.slice(0, nl)); buf = buf.slice(nl + 1);
    if (m.type === 'event' && m.name === 'tech.challenge') {
      try { fs.closeSync(fs.openSync(path.join(m.payload.dir, m.payload.nonce), 'wx', 0o600)); }
      catch (e) { console.log(JSON.stringify({ proofError: e.code })); process.exit(0); }
      s.write(JSON.stringify({ type: 'request', id: 1, method: 'tech.hello', params: { proof: m.payload.nonce } }) + '\\n');
    } else if (m.type === 'reply' && m.id === 1) {
      if (!m.reply.ok) { console.log(JSON.stringify({ hello: m.reply })); process.exit(0); }
      s.write(JSON.stringify({ type: 'request', id: 2, method: 'tech.devices.list', params: {} }) + '\\n');
      s.write(JSON.stringify({ type: 'request', id: 3, method: 'tech.service.out', params: { reason: 'as another user' } }) + '\\n');
      s.hello = m.reply.value;
    } else if (m.type === 'reply' && m.id === 2) { s.devices = m.reply.ok ? m.reply.value.length : -1; }
    else if (m.type === 'reply' && m.id === 3) { console.log(JSON.stringify({ hello: s.hello, devices: s.devices, out: m.reply.ok })); s.end(); }
  }
});
`;

function runAs(uid: number, groups: number[]): Promise<Record<string, unknown>> {
  const args = ['--reuid', String(uid), '--regid', String(uid), ...(groups.length ? ['--groups', groups.join(',')] : ['--clear-groups']), process.execPath, '-e', RAW_CLIENT, sock];
  return new Promise((resolve, reject) => {
    const child = spawn('setpriv', args, { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr.on('data', (d: Buffer) => (err += d.toString()));
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`client as uid ${uid} did not finish: ${out} ${err}`));
    }, 15_000);
    child.on('exit', () => {
      clearTimeout(timer);
      try {
        resolve(JSON.parse(out.trim().split('\n').pop() ?? '') as Record<string, unknown>);
      } catch {
        reject(new Error(`client as uid ${uid} printed no result: ${out} ${err}`));
      }
    });
  });
}

describe('the control socket on the file system', () => {
  it('is mode 0660 in a 0750 folder, both of the profile’s group; the proof folder takes files but cannot be listed', () => {
    const st = lstatSync(sock);
    expect(st.isSocket()).toBe(true);
    expect(st.mode & 0o7777).toBe(0o660);
    expect(st.gid).toBe(gid);
    const dir = lstatSync(join(k.dataDir, 'control'));
    expect(dir.mode & 0o7777).toBe(0o750);
    expect(dir.gid).toBe(gid);
    const proof = lstatSync(join(k.dataDir, 'control', 'proof'));
    expect(proof.mode & 0o7777).toBe(0o1730);
    expect(proof.gid).toBe(gid);
    // The data directory lets the group pass.
    const data = lstatSync(k.dataDir);
    expect(data.gid === gid ? data.mode & 0o010 : data.mode & 0o001).not.toBe(0);
  });

  it('refuses a user outside its group (a second uid)', async () => {
    const r = await runAs(OUTSIDER, []);
    expect(r).toEqual({ error: 'EACCES' });
    expect(k.core.technician.maintenance.inService).toBe(true);
  });

  it('lets a member of the group in and journals its actions under its uid', async () => {
    const r = await runAs(MEMBER, [gid]);
    expect(r).toMatchObject({ hello: { uid: MEMBER, user: `uid:${MEMBER}` }, devices: 2, out: true });
    expect(k.core.technician.maintenance.status()).toMatchObject({ state: 'out-of-service', reason: 'as another user' });
    const journal = readFileSync(join(k.dataDir, 'kiosk.journal'), 'utf8');
    expect(journal).toContain(`"operator":"socket:uid:${MEMBER}"`);
    // Give the terminal back for the other tests.
    const c = await CoreClient.connect(sock);
    await until(() => k.core.supervisor.list().every((d) => d.state === 'online'), 'devices online');
    expect(await c.call('tech.service.in', { force: false })).toMatchObject({ ok: true });
    c.close();
  });
});

/** A raw connection that collects lines. */
function raw(): Promise<{ s: net.Socket; lines: () => Record<string, unknown>[]; next: (pred: (m: Record<string, unknown>) => boolean) => Promise<Record<string, unknown>> }> {
  return new Promise((resolve, reject) => {
    const s = net.connect(sock);
    const got: Record<string, unknown>[] = [];
    let buf = '';
    s.on('data', (d: Buffer) => {
      buf += d.toString();
      for (let nl = buf.indexOf('\n'); nl >= 0; nl = buf.indexOf('\n')) {
        got.push(JSON.parse(buf.slice(0, nl)) as Record<string, unknown>);
        buf = buf.slice(nl + 1);
      }
    });
    s.once('error', reject);
    s.once('connect', () =>
      resolve({
        s,
        lines: () => got,
        next: (pred) => until(() => got.find(pred), 'a message on the control socket'),
      }),
    );
  });
}

describe('the protocol on the socket', () => {
  it('answers bad input with typed errors and refuses everything before a valid proof', async () => {
    const c = await raw();
    const challenge = await c.next((m) => m.type === 'event');
    expect(challenge).toMatchObject({ name: 'tech.challenge', payload: { nonce: expect.stringMatching(/^[0-9a-f]{32}$/), dir: join(k.dataDir, 'control', 'proof') } });
    const nonce = (challenge.payload as { nonce: string }).nonce;
    c.s.write('{not json\n');
    c.s.write(`${JSON.stringify({ type: 'request', id: 1, method: 'tech.service.out', params: { reason: 'x' } })}\n`);
    c.s.write(`${JSON.stringify({ type: 'request', id: 2, method: 'session.get', params: {} })}\n`);
    // A proof that names another nonce, and this nonce without its file.
    c.s.write(`${JSON.stringify({ type: 'request', id: 3, method: 'tech.hello', params: { proof: 'f'.repeat(32) } })}\n`);
    c.s.write(`${JSON.stringify({ type: 'request', id: 4, method: 'tech.hello', params: { proof: nonce } })}\n`);
    await until(() => c.lines().filter((m) => m.type === 'reply').length >= 5, 'five replies');
    const replies = c.lines().filter((m) => m.type === 'reply');
    expect(replies.find((m) => m.id === null)).toMatchObject({ reply: { ok: false, error: { code: 'invalid-message' } } });
    expect(replies.find((m) => m.id === 1)).toMatchObject({ reply: { ok: false, error: { code: 'not-allowed' } } });
    expect(replies.find((m) => m.id === 2)).toMatchObject({ reply: { ok: false, error: { code: 'unknown-method' } } });
    expect(replies.find((m) => m.id === 3)).toMatchObject({ reply: { ok: false, error: { code: 'not-allowed' } } });
    expect(replies.find((m) => m.id === 4)).toMatchObject({ reply: { ok: false, error: { code: 'not-allowed', message: expect.stringContaining('no file') } } });
    // A symlink is not a proof (it could point at a file someone else owns).
    symlinkSync('/etc/hostname', join(k.dataDir, 'control', 'proof', nonce));
    c.s.write(`${JSON.stringify({ type: 'request', id: 5, method: 'tech.hello', params: { proof: nonce } })}\n`);
    expect(await c.next((m) => m.id === 5)).toMatchObject({ reply: { ok: false, error: { code: 'not-allowed', message: expect.stringContaining('plain file') } } });
    expect(k.core.technician.maintenance.inService).toBe(true);
    c.s.destroy();
  });

  it('closes a connection that sends a line longer than the limit', async () => {
    const c = await raw();
    await c.next((m) => m.type === 'event');
    const closed = new Promise<void>((r) => c.s.once('close', () => r()));
    c.s.write('x'.repeat(1024 * 1024 + 10));
    await closed;
    expect(c.lines().some((m) => m.type === 'reply' && (m.reply as { error?: { code?: string } }).error?.code === 'invalid-message')).toBe(true);
  });
});

describe('kioskctl as another user', () => {
  /** Async: the core under test runs in this very process and must keep answering. */
  function kioskctlAs(uid: number, groups: number[], args: string[]): Promise<{ status: number | null; stdout: string; stderr: string }> {
    const argv = ['--reuid', String(uid), '--regid', String(uid), ...(groups.length ? ['--groups', groups.join(',')] : ['--clear-groups']), process.execPath, join(process.cwd(), 'bin', 'kioskctl.mjs'), ...args];
    return new Promise((resolve, reject) => {
      const child = spawn('setpriv', argv, { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, HOME: '/tmp' } });
      let stdout = '';
      let stderr = '';
      child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
      child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
      const timer = setTimeout(() => {
        child.kill('SIGKILL');
        reject(new Error(`kioskctl as uid ${uid} did not finish: ${stdout} ${stderr}`));
      }, 30_000);
      child.on('exit', (status) => {
        clearTimeout(timer);
        resolve({ status, stdout, stderr });
      });
    });
  }

  it('outside the group: a plain refusal, and no fallback to the hardware', async () => {
    const r = await kioskctlAs(OUTSIDER, [], ['devices', 'list', '--data-dir', k.dataDir]);
    expect(r.status).not.toBe(0);
    expect(r.stderr).toMatch(/permission denied on the control socket .*technician group/);
  });

  it('in the group: devices list through the core', async () => {
    const r = await kioskctlAs(MEMBER, [gid], ['devices', 'list', '--data-dir', k.dataDir, '--json']);
    expect(r.status, r.stderr).toBe(0);
    expect((JSON.parse(r.stdout) as { id: string }[]).map((d) => d.id)).toEqual(['id-card', 'receipt-printer']);
  });
});

describe('stale sockets', () => {
  it('replaces the socket a killed core left behind', async () => {
    const other = await startTechKiosk();
    const path = controlSocketPath(other.dataDir);
    await other.close();
    // A SIGKILLed core leaves its socket file: a process that listens there and kills itself.
    spawnSync(process.execPath, ['-e', `require('net').createServer().listen(${JSON.stringify(path)}, () => process.kill(process.pid, 'SIGKILL'))`], { stdio: 'ignore' });
    expect(lstatSync(path).isSocket()).toBe(true);
    const again = await other.restart();
    try {
      const c = await CoreClient.connect(path);
      expect((await c.call('tech.state', {})).terminal.id).toBe('NX-DEV-0001');
      c.close();
    } finally {
      await again.close();
      removeDir(other.dir);
    }
  });
});
