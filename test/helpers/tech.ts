/**
 * Helpers for the technician tests: a simulated kiosk in a temporary data directory (short path: the control
 * socket must fit in 107 bytes), a technician-screen connection and a citizen connection that record what
 * the core pushes, and a PIN hash made cheaply (scrypt N=1024) for tests.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ServerMessage, type TechInvokeName, type TechParams } from '../../main/contract/index.js';
import type { Connection } from '../../main/core/rpc.js';
import type { KioskCore, ConnectionAudience } from '../../main/core/kiosk.js';
import { hashPin } from '../../main/core/pin.js';
import { startSimulatedKiosk, type SimulatedKiosk, type SimulatedKioskOptions } from '../../main/sim/terminal.js';

export const TEST_PIN = '246813';
let pinHash: Promise<string> | null = null;
export function testPinHash(): Promise<string> {
  pinHash ??= hashPin(TEST_PIN, { N: 1024, r: 8, p: 1 });
  return pinHash;
}

export interface TechKiosk {
  kiosk: SimulatedKiosk;
  core: KioskCore;
  dir: string;
  dataDir: string;
  profileFile: string;
  close(): Promise<void>;
  /** Start a fresh core on the same profile (after close). */
  restart(opts?: Partial<SimulatedKioskOptions>): Promise<TechKiosk>;
}

export async function startTechKiosk(profile: Record<string, unknown> = {}, opts: Partial<SimulatedKioskOptions> = {}, reuseDir?: string): Promise<TechKiosk> {
  const dir = reuseDir ?? mkdtempSync('/tmp/tk-');
  const dataDir = join(dir, 'data');
  const profileFile = join(dir, 'kiosk.json');
  const technician = { pins: [{ slot: 'site-1', hash: await testPinHash() }], ...((profile.technician as object | undefined) ?? {}) };
  if (!reuseDir) {
    writeFileSync(
      profileFile,
      JSON.stringify({ dataDir, logging: { level: 'info' }, platform: { probeSeconds: 1, retryBaseMs: 20, retryCapMs: 200 }, idle: { timeoutSeconds: 300, warningSeconds: 20, goodbyeSeconds: 30 }, ...profile, technician }),
    );
  }
  const kiosk = await startSimulatedKiosk({ profilePath: profileFile, host: 'web', deliveryIdleMs: 20, ...opts });
  // The simulated devices come up within moments; tests start from a terminal whose devices answer.
  try {
    await until(() => kiosk.core.supervisor.list().every((d) => d.state === 'online'), 'the simulated devices online');
  } catch (e) {
    await kiosk.close();
    throw e;
  }
  let closed = false;
  const tk: TechKiosk = {
    kiosk,
    core: kiosk.core,
    dir,
    dataDir,
    profileFile,
    async close() {
      if (closed) return;
      closed = true;
      await kiosk.close();
    },
    async restart(more = {}) {
      await tk.close();
      return startTechKiosk(profile, { ...opts, ...more }, dir);
    },
  };
  return tk;
}

export function removeDir(dir: string): void {
  rmSync(dir, { recursive: true, force: true });
}

/** A connection that records every message the core sends, with a typed request helper. */
export class Recorder implements Connection {
  readonly messages: ServerMessage[] = [];
  #next = 1;
  detach: () => void = () => undefined;
  constructor(readonly core: KioskCore) {}

  static attach(core: KioskCore, audience: ConnectionAudience): Recorder {
    const r = new Recorder(core);
    r.detach = core.connect(r, audience);
    return r;
  }

  send(m: ServerMessage): void {
    this.messages.push(ServerMessage.parse(JSON.parse(JSON.stringify(m))));
  }

  /** Sends a raw request and resolves with its reply. */
  async request(method: string, params: unknown = {}): Promise<{ ok: true; value: unknown } | { ok: false; error: { code: string; message: string } }> {
    const id = this.#next++;
    await this.core.receive(this, JSON.stringify({ type: 'request', id, method, params }));
    const reply = this.messages.find((m) => m.type === 'reply' && m.id === id);
    if (!reply || reply.type !== 'reply') throw new Error(`no reply to ${method}`);
    return reply.reply as { ok: true; value: unknown } | { ok: false; error: { code: string; message: string } };
  }

  async tech<N extends TechInvokeName>(method: N, params: TechParams<N>): Promise<unknown> {
    const r = await this.request(method, params);
    if (!r.ok) throw new Error(`${method}: ${r.error.code} ${r.error.message}`);
    return r.value;
  }

  events(name: string): unknown[] {
    return this.messages.filter((m) => m.type === 'event' && m.name === name).map((m) => (m as { payload: unknown }).payload);
  }

  last<T = unknown>(name: string): T | undefined {
    const e = this.events(name);
    return e[e.length - 1] as T | undefined;
  }
}

export async function until<T>(fn: () => T | undefined | null | false | Promise<T | undefined | null | false>, what: string, ms = 10_000): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const v = await fn();
    if (v !== undefined && v !== null && v !== false) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}
