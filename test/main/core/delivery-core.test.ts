import { readFileSync, writeFileSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { KioskError } from '../../../main/contract/index.js';
import { KioskCore } from '../../../main/core/kiosk.js';
import { DEV_TERMINAL_KEY } from '../../../main/core/profile.js';
import { startPlatformSimulator, type PlatformSimulator } from '../../../main/platform/simulator.js';
import { tempDir } from '../../integration/queue/helpers.js';
import { SAMPLE_CATALOG } from '../../../main/catalog/index.js';

const cores: KioskCore[] = [];
const sims: PlatformSimulator[] = [];
afterEach(async () => {
  for (const c of cores.splice(0)) await c.close();
  for (const s of sims.splice(0)) await s.close();
});

async function core(dir: string, profile: Record<string, unknown>, opts: Partial<Parameters<typeof KioskCore.start>[0]> = {}): Promise<KioskCore> {
  const file = join(dir, 'kiosk.json');
  writeFileSync(file, JSON.stringify({ dataDir: join(dir, 'data'), logging: { level: 'warn' }, ...profile }));
  const c = await KioskCore.start({ profilePath: file, host: 'electron', deliveryIdleMs: 20, ...opts });
  cores.push(c);
  return c;
}

async function waitFor(cond: () => boolean, ms: number): Promise<void> {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error('timed out waiting');
    await new Promise((r) => setTimeout(r, 25));
  }
}

function submission(key: string): Parameters<KioskCore['submit']>[0] {
  return { kind: 'matter', idempotencyKey: key, payload: { matterCode: 'M-1', applicantToken: 'tok', form: { x: 1 } }, attachments: [Buffer.from(`scan ${key}`)] };
}

const fast = { probeSeconds: 1, retryBaseMs: 10, retryCapMs: 200, timeoutMs: 1000 };

describe('KioskCore with the offline cache and delivery', () => {
  it('refuses new work below the free-space floor with a typed storage-full error and keeps what was queued', async () => {
    const dir = tempDir('core-floor-');
    let free = 10 * 1024 * 1024 * 1024;
    const c = await core(dir, { storage: { minFreeBytes: 1024 * 1024 } }, { statfs: () => ({ bavail: free, bsize: 1 }) });
    const first = await c.submit(submission('floor-1'));
    expect(first.acceptanceNumber).toMatch(/^NX-DEV-0001-\d{8}-000001$/);
    free = 512 * 1024;
    const refused = await c.submit(submission('floor-2')).then(
      () => null,
      (e: unknown) => e,
    );
    expect(refused).toBeInstanceOf(KioskError);
    expect((refused as KioskError).code).toBe('storage-full');
    const s = c.queueStats();
    expect(s?.pending).toBe(1);
    // The same key again is answered from the queue, even below the floor (nothing new is written).
    expect((await c.submit(submission('floor-1'))).acceptanceNumber).toBe(first.acceptanceNumber);
  });

  it('with the platform down: starts, serves, queues, and delivers everything when it comes back (same port and store)', async () => {
    const dir = tempDir('core-outage-');
    const store = join(dir, 'sim.jsonl');
    const first = await startPlatformSimulator({ terminals: { 'NX-DEV-0001': DEV_TERMINAL_KEY }, storeFile: store });
    const port = first.port;
    await first.close();
    const c = await core(dir, { platform: { url: `http://127.0.0.1:${port}`, ...fast } });
    const seen: string[] = [];
    c.connect({ send: (m) => seen.push(JSON.stringify(m)) });
    expect(c.session.view().screen).toBe('attract');
    const keys = ['out-1', 'out-2', 'out-3'];
    const numbers = [];
    for (const k of keys) numbers.push((await c.submit(submission(k))).acceptanceNumber);
    expect(new Set(numbers).size).toBe(3);
    await waitFor(() => seen.some((m) => m.includes('"platform":"offline"')), 5000);
    expect(c.queueStats()?.acked).toBe(0);
    const again = await startPlatformSimulator({ port, terminals: { 'NX-DEV-0001': DEV_TERMINAL_KEY }, storeFile: store });
    sims.push(again);
    await waitFor(() => c.queueStats()?.acked === 3, 15_000);
    expect(again.cases().map((x) => x.idempotencyKey).sort()).toEqual(keys);
    await waitFor(() => seen.some((m) => m.includes('"platform":"online"')), 5000);
    expect(seen.some((m) => m.includes('"queueDepth":3'))).toBe(true);
    expect(seen[seen.length - 1]).toBeDefined();
  });

  it('keeps the last catalog and serves with it when the platform is down at the next start', async () => {
    const dir = tempDir('core-catalog-');
    // Only a catalog in main/catalog's format is kept (an invalid one is rejected: see test/main/core/catalog-core.test.ts).
    const sim = await startPlatformSimulator({ terminals: { 'NX-DEV-0001': DEV_TERMINAL_KEY }, catalog: { ...SAMPLE_CATALOG, version: 'cat-7' } });
    const c1 = await core(dir, { platform: { url: sim.url, ...fast } });
    await waitFor(() => c1.catalog() !== null, 5000);
    expect(c1.catalog()?.version).toBe('cat-7');
    expect(c1.catalogs.source).toBe('platform');
    await c1.close();
    await sim.close();
    const c2 = await core(dir, { platform: { url: sim.url, ...fast } });
    expect(c2.catalog()?.version).toBe('cat-7');
    expect(c2.catalogs.source).toBe('cache');
    expect(c2.catalogs.catalog.version).toBe('cat-7');
    expect(c2.session.view().screen).toBe('attract');
  });

  it('a corrupt database puts the kiosk out of service and is left untouched', async () => {
    const dir = tempDir('core-corrupt-');
    mkdirSync(join(dir, 'data'), { recursive: true });
    const garbage = Buffer.from('this is not an SQLite database, but it is somebody\u2019s evidence'.repeat(200));
    writeFileSync(join(dir, 'data', 'kiosk.db'), garbage);
    const c = await core(dir, {});
    const v = c.session.view();
    expect(v.screen).toBe('out-of-service');
    expect(v.outOfServiceReason).toMatch(/storage corrupt/);
    expect(readFileSync(join(dir, 'data', 'kiosk.db')).equals(garbage)).toBe(true);
    const refused = await c.submit(submission('x')).catch((e: unknown) => e);
    expect((refused as KioskError).code).toBe('out-of-service');
  });

  it('a proxy answering HTML keeps the entry pending and tells the screens "platform unreachable or misrouted"', async () => {
    const dir = tempDir('core-proxy-');
    const sim = await startPlatformSimulator({ terminals: { 'NX-DEV-0001': DEV_TERMINAL_KEY }, faults: { proxyHtml: { status: 404 } } });
    sims.push(sim);
    const c = await core(dir, { platform: { url: sim.url, ...fast } });
    const seen: (string | null | undefined)[] = [];
    c.connect({ send: (m) => { if (m.type === 'event' && m.name === 'system.status') seen.push((m.payload as { platformProblem?: string | null }).platformProblem); } });
    await c.submit(submission('proxy-1'));
    await waitFor(() => seen.some((p) => p === 'platform unreachable or misrouted'), 10_000);
    expect(c.queueStats()).toMatchObject({ dead: 0, acked: 0 });
    sim.setFaults({});
    await waitFor(() => c.queueStats()?.acked === 1, 10_000);
    await waitFor(() => seen.at(-1) === null, 10_000);
  });

  it('the core itself never starts a platform simulator: without a platform URL (and none from its host) it queues and keeps', async () => {
    const dir = tempDir('core-no-platform-');
    const c = await core(dir, { platform: fast }, { host: 'web' });
    expect(c.platformUrl).toBeNull();
    await c.submit(submission('kept-1'));
    expect(c.queueStats()).toMatchObject({ pending: 1, acked: 0 });
  });
});
