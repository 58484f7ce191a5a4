import { fork, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { CORE_EXIT, CoreToShellMessage, ShellToCoreMessage } from '../../../main/contract/host.js';
import { CoreSupervisor, type CoreChild, type CoreState } from '../../../main/electron/core-supervisor.js';

/**
 * Issue 8 item 11: the shell and the core speak one contract (main/contract/host.ts). The real core entry
 * runs in a child process with an Electron-like parentPort (test/helpers/fake-parent-port.mjs); what it
 * says is checked against the contract and fed to the real CoreSupervisor; what the supervisor posts is
 * checked against the contract and delivered to the real core.
 */
const ROOT = fileURLToPath(new URL('../../..', import.meta.url));
const ENTRY = join(ROOT, 'main', 'core', 'utility-entry.ts');
const SHIM = join(ROOT, 'test', 'helpers', 'fake-parent-port.mjs');

const children: ChildProcess[] = [];
const dirs: string[] = [];
afterEach(() => {
  for (const c of children.splice(0)) c.kill('SIGKILL');
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

interface RunningCore {
  child: ChildProcess;
  fromCore: unknown[];
  fromPort: { portId: number; message: unknown }[];
  exit: Promise<number | null>;
}

function startCore(profile: unknown): RunningCore {
  const dir = mkdtempSync(join(tmpdir(), 'host-contract-'));
  dirs.push(dir);
  const file = join(dir, 'kiosk.json');
  writeFileSync(file, typeof profile === 'string' ? profile : JSON.stringify({ dataDir: join(dir, 'data'), logging: { level: 'warn' }, ...(profile as object) }));
  const child = fork(ENTRY, [], {
    cwd: ROOT,
    execArgv: ['--import', 'tsx', '--import', SHIM],
    env: { ...process.env, KIOSK_PROFILE: file },
    stdio: ['ignore', 'ignore', 'pipe', 'ipc'],
  });
  children.push(child);
  const fromCore: unknown[] = [];
  const fromPort: { portId: number; message: unknown }[] = [];
  child.on('message', (m: { kind: string; portId?: number; message: unknown }) => {
    if (m.kind === 'parent') fromCore.push(m.message);
    if (m.kind === 'port') fromPort.push({ portId: m.portId ?? -1, message: m.message });
  });
  const exit = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  return { child, fromCore, fromPort, exit };
}

async function until(cond: () => boolean, what: string, ms = 30_000): Promise<void> {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

/** A supervisor whose child is the given events (the real core's words), and what it posts back. */
function supervisorFed(): { sup: CoreSupervisor<string>; child: { emit(ev: 'spawn' | 'message' | 'exit', arg?: unknown): void }; posted: unknown[]; states: CoreState[] } {
  const listeners: Record<string, ((arg: unknown) => void)[]> = {};
  const posted: unknown[] = [];
  const fake: CoreChild<string> = {
    on(event: string, l: (arg: never) => void) {
      (listeners[event] ??= []).push(l as (arg: unknown) => void);
      return fake;
    },
    postMessage: (m) => posted.push(m),
    kill: () => true,
  } as CoreChild<string>;
  const sup = new CoreSupervisor<string>({ fork: () => fake, createChannel: () => ({ port1: 'p1', port2: 'p2' }), setTimer: () => 0, clearTimer: () => undefined });
  const states: CoreState[] = [];
  sup.onStatus((s) => states.push(s));
  sup.setRenderer(() => undefined);
  sup.start();
  return { sup, posted, states, child: { emit: (ev, arg) => listeners[ev]?.forEach((l) => l(arg)) } };
}

describe('shell ↔ core contract (main/contract/host.ts)', () => {
  it('a bad profile: the core says fatal and exits CORE_EXIT.config; the supervisor takes that as out of service, no restart', { timeout: 60_000 }, async () => {
    const core = startCore({ idle: { timeoutSeconds: 'soon' } });
    const code = await core.exit;
    expect(code).toBe(CORE_EXIT.config);
    expect(core.fromCore).toHaveLength(1);
    const said = CoreToShellMessage.parse(core.fromCore[0]);
    expect(said).toMatchObject({ type: 'fatal', message: expect.stringContaining('idle.timeoutSeconds') as string });

    const { states, child } = supervisorFed();
    child.emit('spawn');
    child.emit('message', core.fromCore[0]);
    child.emit('exit', code);
    expect(states[states.length - 1]).toMatchObject({ state: 'out-of-service', reason: 'fatal-config', message: said.type === 'fatal' ? said.message : '' });
  });

  it('the supervisor knows the core\u2019s exit code even without the message', () => {
    const { states, child } = supervisorFed();
    child.emit('spawn');
    child.emit('exit', CORE_EXIT.config);
    expect(states[states.length - 1]).toMatchObject({ state: 'out-of-service', reason: 'fatal-config' });
  });

  it('a good profile: ready, then the supervisor\u2019s connect (in the contract) gives the renderer the core\u2019s view', { timeout: 60_000 }, async () => {
    const core = startCore({});
    await until(() => core.fromCore.length > 0, 'ready');
    expect(CoreToShellMessage.parse(core.fromCore[0])).toEqual({ type: 'ready' });

    const { states, child, posted } = supervisorFed();
    child.emit('spawn');
    child.emit('message', core.fromCore[0]);
    expect(states[states.length - 1]).toEqual({ state: 'running' });
    expect(posted).toHaveLength(1);
    const connect = ShellToCoreMessage.parse(posted[0]);
    // What the supervisor posted, delivered to the real core with a port: the core attaches and pushes its view.
    core.child.send({ kind: 'to-core', data: connect, withPort: true, portId: 1 });
    await until(() => core.fromPort.some((m) => m.portId === 1 && (m.message as { name?: string }).name === 'session.view'), 'the session view on the port');
    // Something outside the contract is ignored: those ports get nothing, while a valid one sent after them does.
    core.child.send({ kind: 'to-core', data: 'connect', withPort: true, portId: 2 });
    core.child.send({ kind: 'to-core', data: { type: 'shutdown' }, withPort: true, portId: 3 });
    core.child.send({ kind: 'to-core', data: connect, withPort: true, portId: 4 });
    await until(() => core.fromPort.some((m) => m.portId === 4), 'the view on the next valid port');
    expect(core.fromPort.filter((m) => m.portId === 2 || m.portId === 3)).toEqual([]);
    core.child.kill('SIGTERM');
    expect(await core.exit).toBe(CORE_EXIT.ok);
  });
});
