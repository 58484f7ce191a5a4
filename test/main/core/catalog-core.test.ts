import { mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { SAMPLE_CATALOG } from '../../../main/catalog/index.js';
import { CatalogService, checkPlatformCatalog, loadSiteCatalog } from '../../../main/core/catalog-service.js';
import { KioskCore } from '../../../main/core/kiosk.js';
import { CatalogCache, type LinkClient } from '../../../main/core/platform-link.js';
import { DEV_TERMINAL_KEY, ProfileError, loadProfile } from '../../../main/core/profile.js';
import { startPlatformSimulator, type PlatformSimulator } from '../../../main/platform/simulator.js';
import type { Catalog } from '../../../main/platform/schemas.js';
import { openOfflineCache, type OfflineCache } from '../../../offline-cache/index.js';
import { tempDir } from '../../integration/queue/helpers.js';

const cores: KioskCore[] = [];
const sims: PlatformSimulator[] = [];
const caches: OfflineCache[] = [];
afterEach(async () => {
  for (const c of cores.splice(0)) await c.close();
  for (const s of sims.splice(0)) await s.close();
  for (const c of caches.splice(0)) c.close();
});

const siteCatalog = (): Record<string, unknown> => ({ ...structuredClone(SAMPLE_CATALOG), version: 'site-1', sample: false });

function writeProfile(dir: string, extra: Record<string, unknown>): string {
  const file = join(dir, 'kiosk.json');
  writeFileSync(file, JSON.stringify({ dataDir: join(dir, 'data'), logging: { level: 'warn' }, ...extra }));
  return file;
}

async function waitFor(cond: () => boolean, what: string): Promise<void> {
  const end = Date.now() + 10_000;
  while (!cond()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

describe('the catalog the kiosk offers', () => {
  it('an invalid platform catalog is rejected with the path; the one in use stays and nothing is cached', async () => {
    const dir = tempDir('catalog-core-');
    const sim = await startPlatformSimulator({ terminals: { 'NX-DEV-0001': DEV_TERMINAL_KEY }, catalog: { version: '1', matters: [] } });
    sims.push(sim);
    const c = await KioskCore.start({ profilePath: writeProfile(dir, { platform: { url: sim.url, probeSeconds: 1 } }), host: 'electron' });
    cores.push(c);
    const log = (): string => readdirSync(join(dir, 'data', 'logs')).map((f) => readFileSync(join(dir, 'data', 'logs', f), 'utf8')).join('');
    await waitFor(() => log().includes('platform catalog rejected'), 'the rejection in the log');
    expect(log()).toMatch(/"problem":"format: /);
    expect(c.catalogs.source).toBe('bundled');
    expect(c.catalogs.catalog.version).toBe(SAMPLE_CATALOG.version);
    expect(c.catalog()).toBeNull();
    expect(checkPlatformCatalog({ version: '1', matters: [] })).toMatch(/^format: /);
  });

  it('a valid platform catalog replaces the bundled one; include limits it', async () => {
    const dir = tempDir('catalog-core-');
    const sim = await startPlatformSimulator({ terminals: { 'NX-DEV-0001': DEV_TERMINAL_KEY }, catalog: { ...SAMPLE_CATALOG, version: 'plat-3' } });
    sims.push(sim);
    const c = await KioskCore.start({ profilePath: writeProfile(dir, { platform: { url: sim.url, probeSeconds: 1 }, catalog: { include: ['housing-fund', 'SAMPLE-SB-0003'] } }), host: 'electron' });
    cores.push(c);
    await waitFor(() => c.catalogs.source === 'platform', 'the platform catalog in use');
    expect(c.catalogs.catalog.version).toBe('plat-3');
    expect([...c.catalogs.catalog.applications.keys()]).toEqual(['SAMPLE-SB-0003', 'SAMPLE-GJJ-0001', 'SAMPLE-GJJ-0002']);
    expect(c.matters.list().categories.map((x) => x.id)).toEqual(['social-insurance', 'housing-fund']);
  });

  it('a site catalog file replaces the bundled default', async () => {
    const dir = tempDir('catalog-core-');
    writeFileSync(join(dir, 'site.json'), JSON.stringify(siteCatalog()));
    const c = await KioskCore.start({ profilePath: writeProfile(dir, { catalog: { file: 'site.json', include: ['SAMPLE-GJJ-0002'] } }), host: 'electron' });
    cores.push(c);
    expect(c.catalogs.source).toBe('file');
    expect(c.catalogs.catalog.version).toBe('site-1');
    expect(c.matters.list()).toEqual({ sample: false, categories: [expect.objectContaining({ id: 'housing-fund', matters: [expect.objectContaining({ code: 'SAMPLE-GJJ-0002' })] })] });
  });

  it('a bad site catalog file stops start-up naming the file and the field', async () => {
    const dir = tempDir('catalog-core-');
    const bad = siteCatalog() as { matters: Record<string, unknown>[] };
    (bad.matters[2] as { fee: Record<string, unknown> }).fee = { kind: 'fixed', amountFen: -5, item: { 'zh-CN': '费', en: 'Fee' } };
    writeFileSync(join(dir, 'site.json'), JSON.stringify(bad));
    const profile = writeProfile(dir, { catalog: { file: 'site.json' } });
    const e = await KioskCore.start({ profilePath: profile, host: 'electron' }).then(
      () => null,
      (x: unknown) => x,
    );
    expect(e).toBeInstanceOf(ProfileError);
    expect((e as ProfileError).file).toBe(join(dir, 'site.json'));
    expect((e as ProfileError).field).toBe('matters.2.fee.amountFen');
    expect((e as ProfileError).message).toContain(join(dir, 'site.json'));
    // A file that is not there, or not JSON, too.
    writeFileSync(join(dir, 'site.json'), '{ not json');
    expect(() => loadSiteCatalog(loadProfile(profile))).toThrow(/not valid JSON/);
    mkdirSync(join(dir, 'x'));
    expect(() => loadSiteCatalog(loadProfile(writeProfile(dir, { catalog: { file: 'x/missing.json' } })))).toThrow(/cannot read the catalog file/);
  });
});

describe('CatalogCache with the catalog check', () => {
  function cacheWith(answers: { etag: string; catalog: Catalog }[]) {
    const dir = tempDir('catalog-cache-');
    const c = openOfflineCache({ dir, keyFile: join(dir, 'keys', 'seal.json'), minFreeBytes: 0 });
    caches.push(c);
    const asked: (string | undefined)[] = [];
    const client: Pick<LinkClient, 'getCatalog'> = {
      getCatalog(etag) {
        asked.push(etag);
        const a = answers[0];
        if (!a) return Promise.resolve({ kind: 'retryable', reason: 'network' });
        if (etag === a.etag) return Promise.resolve({ kind: 'ok', status: 304, value: { kind: 'not-modified' } });
        return Promise.resolve({ kind: 'ok', status: 200, value: { kind: 'catalog', etag: a.etag, catalog: a.catalog } });
      },
    };
    return { kv: c.kv, client, asked, answers };
  }

  it('keeps the last good catalog when the platform sends a bad one, and does not fetch the same bad one again', async () => {
    const good = { ...SAMPLE_CATALOG, version: 'good-1' } as unknown as Catalog;
    const bad = { ...SAMPLE_CATALOG, version: 'bad-2', matters: [{ name: 'x' }] } as unknown as Catalog;
    const t = cacheWith([{ etag: '"g1"', catalog: good }]);
    const cache = new CatalogCache(t.kv, t.client, checkPlatformCatalog);
    expect(await cache.refresh(AbortSignal.timeout(1000))).toBe('updated');
    t.answers[0] = { etag: '"b2"', catalog: bad };
    const r = await cache.refresh(AbortSignal.timeout(1000));
    expect(r).toEqual({ rejected: expect.stringMatching(/^matters\.0\.codes: /) });
    expect(cache.current?.version).toBe('good-1');
    expect(await cache.refresh(AbortSignal.timeout(1000))).toBe('not-modified');
    expect(t.asked).toEqual([undefined, '"g1"', '"b2"']);
    // After a restart the cache still holds the good one.
    expect(new CatalogCache(t.kv, t.client, checkPlatformCatalog).current?.version).toBe('good-1');
  });

  it('the catalog service refuses a catalog that fails a newer rule and keeps the one in use', () => {
    const warned: unknown[] = [];
    const s = new CatalogService({ site: null, log: { info: () => undefined, warn: (o) => warned.push(o) } });
    let changes = 0;
    s.onChange(() => changes++);
    expect(s.usePlatform({ version: 'x' }, 'platform')).toBe(false);
    expect(s.source).toBe('bundled');
    expect(warned).toHaveLength(1);
    expect(s.usePlatform({ ...SAMPLE_CATALOG, version: 'p-1' } as unknown as Catalog, 'platform')).toBe(true);
    expect(s.source).toBe('platform');
    expect(changes).toBe(1);
  });
});
