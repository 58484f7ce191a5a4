/**
 * The technician screen in Electron: the shell tells the core which page a port belongs to (tech.html is a
 * technician channel, PIN-gated in the core), the contract carries it, and the preload exposes tech.* on that
 * page only — window.kioskTech there, window.kiosk (never tech.*) on the citizen page.
 */
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { runInThisContext } from 'node:vm';
import ts from 'typescript';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ShellToCoreMessage } from '../../../main/contract/host.js';
import { CoreSupervisor, type CoreChild } from '../../../main/electron/core-supervisor.js';
import { isTechnicianUrl } from '../../../main/electron/policy.js';
import { electronModule, fake } from '../../helpers/fake-electron.js';

const preloadPath = join(dirname(fileURLToPath(import.meta.url)), '..', '..', '..', 'main', 'electron', 'preload.cts');
const compiled = ts.transpileModule(readFileSync(preloadPath, 'utf8'), { fileName: 'preload.cts', compilerOptions: { module: ts.ModuleKind.CommonJS, target: ts.ScriptTarget.ES2022 } }).outputText;

type Bridge = { invoke(name: unknown, params?: unknown): Promise<{ ok: boolean; error?: { code: string } }>; on(name: unknown, l: unknown): () => void };

/** Runs the preload as Electron would on a page at `pathname`. */
function loadPreloadOn(pathname: string): void {
  const g = globalThis as { location?: { pathname: string } };
  g.location = { pathname };
  try {
    const module = { exports: {} };
    const fn = runInThisContext(`(function (require, module, exports) {${compiled}\n})`) as (r: (id: string) => unknown, m: unknown, e: unknown) => void;
    fn((id) => (id === 'electron' ? electronModule : undefined), module, module.exports);
  } finally {
    delete g.location;
  }
}

beforeEach(() => fake.reset());
afterEach(() => fake.reset());

describe('the technician page in Electron', () => {
  it('tech.html is a technician page; index.html, other origins and look-alikes are not', () => {
    expect(isTechnicianUrl('app://kiosk/tech.html')).toBe(true);
    for (const u of ['app://kiosk/index.html', 'app://kiosk/tech.html.evil', 'https://kiosk/tech.html', 'app://other/tech.html', 'app://kiosk/x/tech.html']) expect(isTechnicianUrl(u), u).toBe(false);
  });

  it('the supervisor connects a technician page with audience technician, a citizen page as before', () => {
    const posted: unknown[] = [];
    const child: CoreChild<{ n: number }> = {
      on: () => child,
      postMessage: (m) => posted.push(m),
      kill: () => true,
    };
    let n = 0;
    let spawn: (() => void) | undefined;
    const c = child as unknown as { on: (ev: string, l: () => void) => unknown };
    c.on = (ev, l) => {
      if (ev === 'spawn') spawn = l;
      return child;
    };
    const sup = new CoreSupervisor<{ n: number }>({ fork: () => child, createChannel: () => ({ port1: { n: ++n }, port2: { n: ++n } }), log: () => undefined });
    sup.start();
    spawn?.();
    sup.setRenderer(() => undefined, 'technician');
    sup.setRenderer(() => undefined);
    expect(posted).toEqual([{ type: 'connect', audience: 'technician' }, { type: 'connect' }]);
    for (const m of posted) expect(ShellToCoreMessage.safeParse(m).success).toBe(true);
    expect(ShellToCoreMessage.safeParse({ type: 'connect', audience: 'root' }).success).toBe(false);
    sup.stop();
  });

  it('the preload exposes tech.* as window.kioskTech on tech.html only; the citizen page refuses tech.* names', async () => {
    loadPreloadOn('/tech.html');
    expect([...fake.exposed.keys()]).toEqual(['kioskTech']);
    const tech = fake.exposed.get('kioskTech') as Bridge;
    expect(await tech.invoke('session.get', {})).toMatchObject({ ok: false, error: { code: 'unknown-method' } });
    fake.reset();
    loadPreloadOn('/index.html');
    expect([...fake.exposed.keys()]).toEqual(['kiosk']);
    const citizen = fake.exposed.get('kiosk') as Bridge;
    for (const name of ['tech.login', 'tech.state', 'tech.service.out']) expect(await citizen.invoke(name, {}), name).toMatchObject({ ok: false, error: { code: 'unknown-method' } });
    expect(() => citizen.on('tech.state', () => undefined)).toThrow(/unknown event/);
  });
});
