/**
 * The technician side of a running (simulated) core: the tech.* namespace on its two channels, the citizen
 * channel refusing all of it, the journal, device tests that never start a citizen session, the maintenance
 * hand-over, persistence across restarts.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { SimulatedClock } from 'xstate';
import { techInvoke, type LoginResult, type SessionView, type ServiceStatus, type TechServiceState, type TechState } from '../../../main/contract/index.js';
import { CoreClient } from '../../../main/cli/core-client.js';
import type { Timers } from '../../../main/core/maintenance.js';
import { SAMPLE_IDENTITIES } from '../../../drivers/id-card/samples.js';
import { Recorder, TEST_PIN, removeDir, startTechKiosk, until, type TechKiosk } from '../../helpers/tech.js';

const open: TechKiosk[] = [];
const dirs = new Set<string>();
afterEach(async () => {
  for (const k of open.splice(0)) await k.close();
  for (const d of dirs) removeDir(d);
  dirs.clear();
});

async function kiosk(profile: Record<string, unknown> = {}, opts: Parameters<typeof startTechKiosk>[1] = {}): Promise<TechKiosk> {
  const k = await startTechKiosk(profile, opts);
  open.push(k);
  dirs.add(k.dir);
  return k;
}

function journalRecords(dataDir: string): Record<string, unknown>[] {
  return readFileSync(join(dataDir, 'kiosk.journal'), 'utf8')
    .split('\n')
    .filter(Boolean)
    .map((l) => JSON.parse(l) as Record<string, unknown>);
}

async function loggedIn(core: TechKiosk['core']): Promise<Recorder> {
  const screen = Recorder.attach(core, 'technician');
  const r = (await screen.tech('tech.login', { pin: TEST_PIN })) as LoginResult;
  expect(r.ok).toBe(true);
  return screen;
}

/** Timers driven by an xstate SimulatedClock (the maintenance notice, the screen's idle time). */
function simulatedTimers(): { clock: SimulatedClock; timers: Timers } {
  const clock = new SimulatedClock();
  clock.set(Date.now());
  return { clock, timers: { now: () => clock.now(), setTimeout: (fn, ms) => clock.setTimeout(fn, ms), clearTimeout: (h) => clock.clearTimeout(h as number) } };
}

describe('channels', () => {
  it('the citizen channel refuses every tech.* method with not-allowed, and nothing runs', async () => {
    const { core } = await kiosk();
    const citizen = Recorder.attach(core, 'citizen');
    const names = Object.keys(techInvoke);
    expect(names.length).toBeGreaterThan(15);
    for (const name of names) {
      const r = await citizen.request(name, {});
      expect(r, name).toMatchObject({ ok: false, error: { code: 'not-allowed' } });
    }
    // Not even a method we do not know of in that namespace, nor one sent as an object.
    expect(await citizen.request('tech.anything.new', {})).toMatchObject({ ok: false, error: { code: 'not-allowed' } });
    await core.receive(citizen, { type: 'request', id: 999, method: 'tech.service.out', params: { reason: 'x' } });
    expect(citizen.messages.find((m) => m.type === 'reply' && m.id === 999)).toMatchObject({ reply: { ok: false, error: { code: 'not-allowed' } } });
    expect(core.technician.maintenance.inService).toBe(true);
    // The citizen's own methods still work.
    expect(await citizen.request('session.get', {})).toMatchObject({ ok: true });
  });

  it('the technician screen reaches only tech.login before a PIN, and never tech.hello', async () => {
    const { core } = await kiosk();
    const screen = Recorder.attach(core, 'technician');
    expect(screen.last('tech.session')).toEqual({ state: 'locked', slot: null, reason: null });
    for (const name of Object.keys(techInvoke).filter((n) => !['tech.login', 'tech.logout', 'tech.activity', 'tech.hello'].includes(n))) {
      expect(await screen.request(name, {}), name).toMatchObject({ ok: false, error: { code: 'not-allowed' } });
    }
    expect(await screen.request('tech.hello', { proof: '0'.repeat(32) })).toMatchObject({ ok: false, error: { code: 'not-allowed' } });
    // Citizen methods are not on this channel at all.
    expect(await screen.request('session.get', {})).toMatchObject({ ok: false, error: { code: 'unknown-method' } });
    const wrong = (await screen.tech('tech.login', { pin: '999999' })) as LoginResult;
    expect(wrong).toEqual({ ok: false, reason: 'wrong-pin', attemptsLeft: 4, retryInSeconds: null });
    const right = (await screen.tech('tech.login', { pin: TEST_PIN })) as LoginResult;
    expect(right).toMatchObject({ ok: true, slot: 'site-1', idleSeconds: 120 });
    expect(screen.last('tech.session')).toEqual({ state: 'unlocked', slot: 'site-1', reason: 'login' });
    const state = (await screen.tech('tech.state', {})) as TechState;
    expect(state.devices.map((d) => d.id)).toEqual(['id-card', 'receipt-printer']);
    // The screen now gets the live picture pushed.
    await until(() => screen.events('tech.state').length > 0, 'a tech.state push');
  });

  it('over the control socket: the caller proves its uid, and its actions are journalled with its user', async () => {
    const { dataDir, core } = await kiosk();
    const client = await CoreClient.connect(join(dataDir, 'control', 'kiosk.sock'));
    try {
      expect(client.uid).toBe(process.getuid?.());
      expect(client.user).toBe('root');
      const list = await client.call('tech.devices.list', {});
      expect(list.map((d) => [d.id, d.state])).toEqual(core.supervisor.list().map((d) => [d.id, d.state]));
      await client.call('tech.devices.health', { level: 'internal' });
      // Screen-only methods are refused on the socket.
      await expect(client.call('tech.login', { pin: TEST_PIN })).rejects.toMatchObject({ code: 'not-allowed' });
    } finally {
      client.close();
    }
    const records = journalRecords(dataDir).filter((r) => r.type === 'technician-action');
    expect(records).toContainEqual(expect.objectContaining({ action: 'tech.devices.health', operator: 'socket:root', target: 'internal' }));
  });
});

describe('device tests through the core', () => {
  it('a test card read goes to the technician, never starts a citizen session, and shows no citizen text', async () => {
    const { core, kiosk: k } = await kiosk();
    const screen = await loggedIn(core);
    const sample = SAMPLE_IDENTITIES['resident-zhang'];
    if (!sample || !k.sim) throw new Error('sample and simulator expected');
    const pending = screen.request('tech.idCard.read', { timeoutSeconds: 20 });
    await until(() => core.cardRouter?.held, 'the reader held for the technician');
    k.sim.placeCard('resident-zhang');
    const r = await pending;
    expect(r.ok).toBe(true);
    const text = JSON.stringify(r);
    expect(text).not.toContain(sample.idNumber);
    expect(text).not.toContain(sample.name);
    expect(r).toMatchObject({ ok: true, value: { cardType: 'resident', idNumberValid: true, maskedId: expect.stringMatching(/^\d{6}\*+\d{4}$/) } });
    expect(core.session.view().screen).toBe('attract');
    expect(core.session.view().citizen).toBeNull();
    // A test print is refused while a citizen is at the terminal; fine on the attract screen.
    expect(await screen.request('tech.printer.test', {})).toMatchObject({ ok: true, value: { printed: true, device: 'receipt-printer' } });
    expect(k.sim.state().printer?.receipts).toBe(1);
    const records = journalRecords(k.core.loaded.dataDir).filter((x) => x.type === 'technician-action');
    expect(records.map((x) => x.action)).toEqual(expect.arrayContaining(['tech.idCard.read', 'tech.printer.test']));
    expect(records.every((x) => x.operator === 'pin:site-1')).toBe(true);
  });

  it('refuses device tests a citizen would notice while a citizen is at the terminal', async () => {
    const { core, kiosk: k } = await kiosk();
    const screen = await loggedIn(core);
    k.sim?.placeCard('resident-zhang');
    await until(() => core.session.view().screen === 'welcome', 'the citizen session');
    for (const [m, p] of [
      ['tech.printer.test', {}],
      ['tech.idCard.read', { timeoutSeconds: 1 }],
      ['tech.devices.health', { level: 'interactive' }],
    ] as const) {
      expect(await screen.request(m, p), m).toMatchObject({ ok: false, error: { code: 'not-allowed', message: expect.stringContaining('a citizen is using the terminal') } });
    }
    expect(k.sim?.state().printer?.receipts).toBe(0);
    const refused = journalRecords(core.loaded.dataDir).filter((x) => x.type === 'technician-action' && String(x.action).endsWith(':refused'));
    expect(refused.map((x) => x.action)).toEqual(expect.arrayContaining(['tech.printer.test:refused', 'tech.idCard.read:refused']));
  });
});

describe('maintenance hand-over', () => {
  it('a citizen in the middle of a session finishes it; then the terminal goes out of service at once', async () => {
    const { core, kiosk: k } = await kiosk();
    const citizen = Recorder.attach(core, 'citizen');
    const screen = await loggedIn(core);
    k.sim?.placeCard('resident-zhang');
    await until(() => core.session.view().screen === 'welcome', 'the citizen session');
    const s = (await screen.tech('tech.service.out', { reason: '维护', now: false })) as TechServiceState;
    expect(s).toMatchObject({ state: 'closing', closing: { mode: 'after-session', deadline: null }, screen: 'welcome' });
    expect(citizen.last<ServiceStatus>('service.status')).toMatchObject({ state: 'closing', closing: { mode: 'after-session', secondsLeft: null } });
    expect(core.session.view().screen).toBe('welcome');
    // Another card while closing is not identified (nobody new starts).
    core.session.finish();
    expect(core.session.view().screen).toBe('finished');
    core.session.dismiss();
    // The session ended: out of service in the same turn, nobody could start in between.
    expect(core.session.view().screen).toBe('out-of-service');
    expect(citizen.last<ServiceStatus>('service.status')).toMatchObject({ state: 'out-of-service', reason: '维护', closing: null });
    const handOvers = journalRecords(core.loaded.dataDir).filter((x) => x.type === 'hand-over');
    expect(handOvers).toEqual([expect.objectContaining({ what: 'closing', operator: 'pin:site-1' }), expect.objectContaining({ what: 'out-of-service', operator: 'pin:site-1' })]);
  });

  it('--now: the citizen is told, a countdown runs on the simulated clock, then the session is wiped', async () => {
    const { clock, timers } = simulatedTimers();
    const { core, kiosk: k } = await kiosk({ technician: { closingNoticeSeconds: 5 } }, { timers });
    const citizen = Recorder.attach(core, 'citizen');
    const screen = await loggedIn(core);
    k.sim?.placeCard('resident-zhang');
    await until(() => core.session.view().screen === 'welcome', 'the citizen session');
    await screen.tech('tech.service.out', { reason: '更换纸卷', now: true });
    expect(citizen.last<ServiceStatus>('service.status')).toMatchObject({ state: 'closing', closing: { mode: 'now', secondsLeft: 5 } });
    clock.increment(1000);
    expect(citizen.last<ServiceStatus>('service.status')?.closing?.secondsLeft).toBe(4);
    clock.increment(3000);
    expect(core.session.view().screen).toBe('welcome');
    clock.increment(1000);
    const view = core.session.view();
    expect(view.screen).toBe('out-of-service');
    expect(view.citizen).toBeNull();
    expect(citizen.last<SessionView>('session.view')?.citizen).toBeNull();
    expect(citizen.last<ServiceStatus>('service.status')).toMatchObject({ state: 'out-of-service', reason: '更换纸卷' });
  });

  it('back in service only after the health checks pass; refuses naming the failing device; --force journals the override', async () => {
    const { core, kiosk: k } = await kiosk();
    const screen = await loggedIn(core);
    await screen.tech('tech.service.out', { reason: '维护', now: false });
    expect(core.session.view().screen).toBe('out-of-service');
    await until(() => core.supervisor.list().every((d) => d.state === 'online'), 'the devices online');
    k.sim?.setPrinterFault('paperOut', true);
    await until(() => core.supervisor.list().find((d) => d.id === 'receipt-printer')?.state === 'error', 'the printer in error');
    const refused = (await screen.tech('tech.service.in', { force: false })) as { ok: boolean; failing: { device: string; text: string }[] };
    expect(refused.ok).toBe(false);
    expect(refused.failing).toEqual([{ device: 'receipt-printer', text: expect.stringMatching(/paper/i) }]);
    expect(core.session.view().screen).toBe('out-of-service');
    k.sim?.setPrinterFault('paperOut', false);
    await until(() => core.supervisor.list().find((d) => d.id === 'receipt-printer')?.state === 'online', 'the printer online');
    expect(await screen.tech('tech.service.in', { force: false })).toMatchObject({ ok: true, forced: false, state: { state: 'in-service' } });
    expect(core.session.view().screen).toBe('attract');
    // Forced over a failing device.
    await screen.tech('tech.service.out', { reason: '维护', now: false });
    k.sim?.setPrinterFault('paperOut', true);
    await until(() => core.supervisor.list().find((d) => d.id === 'receipt-printer')?.state === 'error', 'the printer in error');
    expect(await screen.tech('tech.service.in', { force: true })).toMatchObject({ ok: true, forced: true });
    expect(core.session.view().screen).toBe('attract');
  });

  it('the technician hold survives a restart of the core; service in survives it too', async () => {
    const first = await kiosk();
    const screen = await loggedIn(first.core);
    await screen.tech('tech.service.out', { reason: '系统升级', now: false });
    open.splice(open.indexOf(first), 1);
    const second = await first.restart();
    open.push(second);
    expect(second.core.session.view().screen).toBe('out-of-service');
    expect(second.core.technician.maintenance.status()).toMatchObject({ state: 'out-of-service', reason: '系统升级' });
    const again = await loggedIn(second.core);
    // Right after a start the devices are still opening: service in waits for them (it would refuse, naming them).
    await until(() => second.core.supervisor.list().every((d) => d.state === 'online'), 'the devices online');
    expect(await again.tech('tech.service.in', { force: false })).toMatchObject({ ok: true });
    open.splice(open.indexOf(second), 1);
    const third = await second.restart();
    open.push(third);
    expect(third.core.session.view().screen).toBe('attract');
  });

  it('a second core on the same data directory refuses to start (one delivery loop, one owner of the devices)', async () => {
    const first = await kiosk();
    await expect(startTechKiosk({}, {}, first.dir)).rejects.toThrow(/another kiosk core is running/);
    // The first one is untouched.
    const client = await CoreClient.connect(join(first.dataDir, 'control', 'kiosk.sock'));
    expect((await client.call('tech.state', {})).service.state).toBe('in-service');
    client.close();
  });
});

describe('the technician screen session', () => {
  it('leaves by itself after two minutes without a touch (simulated clock); activity keeps it', async () => {
    const { clock, timers } = simulatedTimers();
    const { core } = await kiosk({}, { timers });
    const screen = await loggedIn(core);
    clock.increment(100_000);
    await screen.tech('tech.activity', {});
    clock.increment(100_000);
    expect(screen.last('tech.session')).toMatchObject({ state: 'unlocked' });
    clock.increment(20_001);
    expect(screen.last('tech.session')).toEqual({ state: 'locked', slot: null, reason: 'idle' });
    expect(await screen.request('tech.state', {})).toMatchObject({ ok: false, error: { code: 'not-allowed' } });
  });

  it('five wrong PINs lock the pad for a growing time; the lock outlives a restart', async () => {
    const { clock, timers } = simulatedTimers();
    const first = await kiosk({ technician: { lockout: { attempts: 5, baseSeconds: 60, maxSeconds: 3600 } } }, { timers });
    const screen = Recorder.attach(first.core, 'technician');
    const results: LoginResult[] = [];
    for (let i = 0; i < 5; i++) results.push((await screen.tech('tech.login', { pin: '111222' })) as LoginResult);
    expect(results.map((r) => (r.ok ? 'ok' : `${r.reason}:${r.attemptsLeft}`))).toEqual(['wrong-pin:4', 'wrong-pin:3', 'wrong-pin:2', 'wrong-pin:1', 'locked:0']);
    expect(results[4]).toMatchObject({ retryInSeconds: 60 });
    // The right PIN does not help while locked.
    expect(await screen.tech('tech.login', { pin: TEST_PIN })).toMatchObject({ ok: false, reason: 'locked' });
    clock.increment(60_000);
    for (let i = 0; i < 4; i++) await screen.tech('tech.login', { pin: '111222' });
    expect(await screen.tech('tech.login', { pin: '111222' })).toMatchObject({ ok: false, reason: 'locked', retryInSeconds: 120 });
    // Across a restart (same clock), still locked.
    open.splice(open.indexOf(first), 1);
    const second = await first.restart();
    open.push(second);
    const again = Recorder.attach(second.core, 'technician');
    expect(await again.tech('tech.login', { pin: TEST_PIN })).toMatchObject({ ok: false, reason: 'locked' });
    clock.increment(120_000);
    expect(await again.tech('tech.login', { pin: TEST_PIN })).toMatchObject({ ok: true });
    const logins = journalRecords(second.dataDir).filter((x) => x.type === 'technician-action' && String(x.action).startsWith('tech.login'));
    expect(logins.filter((x) => x.action === 'tech.login:refused').length).toBeGreaterThanOrEqual(11);
    expect(logins.at(-1)).toMatchObject({ action: 'tech.login', operator: 'pin:site-1' });
  });
});

describe('usage counters', () => {
  it('are kept per device and day across restarts', async () => {
    const first = await kiosk();
    const screen = await loggedIn(first.core);
    await screen.tech('tech.printer.test', {});
    await screen.tech('tech.printer.test', {});
    first.kiosk.sim?.placeCard('resident-zhang');
    await until(() => first.core.session.view().screen === 'welcome', 'the citizen session');
    const before = (await screen.tech('tech.devices.counters', { days: 1 })) as { device: string; counters: Record<string, number> }[];
    const printer = before.find((r) => r.device === 'receipt-printer')?.counters ?? {};
    expect(printer.cuts).toBe(2);
    expect(printer.lines).toBeGreaterThan(2);
    expect(before.find((r) => r.device === 'id-card')?.counters.cardsRead).toBe(1);
    open.splice(open.indexOf(first), 1);
    const second = await first.restart();
    open.push(second);
    const s2 = await loggedIn(second.core);
    await s2.tech('tech.printer.test', {});
    // A pulled cable counts as a link drop of that device.
    second.kiosk.sim?.setPrinterConnected(false);
    await until(() => second.core.supervisor.list().find((d) => d.id === 'receipt-printer')?.state !== 'online', 'the printer gone');
    second.kiosk.sim?.setPrinterConnected(true);
    await until(() => second.core.supervisor.list().find((d) => d.id === 'receipt-printer')?.state === 'online', 'the printer back');
    const after = (await s2.tech('tech.devices.counters', { days: 1, device: 'receipt-printer' })) as { device: string; counters: Record<string, number> }[];
    expect(after).toHaveLength(1);
    expect(after[0]?.counters.cuts).toBe(3);
    expect(after[0]?.counters.receipts).toBe(3);
    expect(after[0]?.counters.linkDrops).toBe(1);
    expect(after[0]?.counters.lines).toBe(Math.round(((printer.lines ?? 0) * 3) / 2));
  });
});
