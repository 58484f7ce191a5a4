import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { KioskCore } from '../../../main/core/kiosk.js';
import { startSimulatedKiosk, type SimulatedKiosk } from '../../../main/sim/terminal.js';

const dirs: string[] = [];
const kiosks: SimulatedKiosk[] = [];
const cores: KioskCore[] = [];
afterEach(async () => {
  for (const k of kiosks.splice(0)) await k.close();
  for (const c of cores.splice(0)) await c.close();
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

function profileFile(extra: Record<string, unknown> = {}): string {
  const dir = mkdtempSync(join(tmpdir(), 'sim-terminal-'));
  dirs.push(dir);
  const file = join(dir, 'kiosk.json');
  writeFileSync(file, JSON.stringify({ dataDir: join(dir, 'data'), logging: { level: 'warn' }, platform: { probeSeconds: 1, retryBaseMs: 10, retryCapMs: 50 }, ...extra }));
  return file;
}

async function waitFor(cond: () => boolean | Promise<boolean>, what: string, ms = 10_000): Promise<void> {
  const end = Date.now() + ms;
  while (!(await cond())) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

describe('the simulated terminal (web mode, tests)', () => {
  it('without a platform URL runs the embedded platform simulator, so a fresh machine delivers end to end', async () => {
    const k = await startSimulatedKiosk({ profilePath: profileFile(), host: 'web', deliveryIdleMs: 20 });
    kiosks.push(k);
    expect(k.platform).not.toBeNull();
    // The core reaches it through the tap that keeps what was delivered (main/sim/platform-tap.ts), on loopback.
    expect(k.core.platformUrl).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect(k.core.platformUrl).not.toBe(k.platform?.url);
    await k.core.submit({ kind: 'matter', idempotencyKey: 'emb-1', payload: { matterCode: 'M-1', applicantToken: 'tok', form: {} } });
    await waitFor(() => k.core.queueStats()?.acked === 1, 'the entry acknowledged');
    const res = await fetch(`${k.platform?.url ?? ''}/_sim/cases`);
    const cases = (await res.json()) as { idempotencyKey: string }[];
    expect(cases.map((x) => x.idempotencyKey)).toEqual(['emb-1']);
    const delivered = k.sim?.platformDeliveries().deliveries ?? [];
    expect(delivered).toEqual([expect.objectContaining({ kind: 'case', idempotencyKey: 'emb-1', body: expect.objectContaining({ matterCode: 'M-1' }) })]);
  });

  it('drives the simulated devices: a placed sample card reaches the session, the test receipt prints', async () => {
    const k = await startSimulatedKiosk({ profilePath: profileFile(), host: 'web' });
    kiosks.push(k);
    const sim = k.sim;
    if (!sim) throw new Error('expected simulated devices');
    await waitFor(() => k.core.supervisor.list().every((d) => d.state === 'online'), 'devices online');
    const key = sim.state().samples[0]?.key ?? '';
    sim.placeCard(key);
    await waitFor(() => k.core.session.view().screen !== 'attract', 'the card read');
    expect(k.core.session.view().citizen?.maskedId).toMatch(/\*/);
    await sim.printTestReceipt(AbortSignal.timeout(10_000));
    expect(sim.state().printer?.receipts).toBe(1);
    expect(() => sim.placeCard('__proto__')).toThrow(/no sample identity/);
  });

  it('the embedded platform serves the bundled sample catalog, so web mode takes its matters from the platform', async () => {
    const k = await startSimulatedKiosk({ profilePath: profileFile(), host: 'web' });
    kiosks.push(k);
    await waitFor(() => k.core.catalogs.source === 'platform', 'the platform catalog in use');
    expect(k.core.catalogs.source).toBe('platform');
  });

  it('a profile that names a real platform gets no embedded simulator', async () => {
    const k = await startSimulatedKiosk({ profilePath: profileFile({ platform: { url: 'http://127.0.0.1:9' } }), host: 'web' });
    kiosks.push(k);
    expect(k.platform).toBeNull();
    expect(k.core.platformUrl).toBe('http://127.0.0.1:9');
  });

  it('the production core alone never simulates: a simulated device without a host simulator is unavailable and says why', async () => {
    const c = await KioskCore.start({ profilePath: profileFile(), host: 'electron' });
    cores.push(c);
    await waitFor(() => c.supervisor.list().some((d) => d.lastError !== undefined), 'the reader reporting why it cannot open');
    const reader = c.supervisor.list().find((d) => d.kind === 'id-card');
    expect(reader?.state).not.toBe('online');
    expect(reader?.lastError?.message).toMatch(/no simulators/);
    expect(c.platformUrl).toBeNull();
  });
});
