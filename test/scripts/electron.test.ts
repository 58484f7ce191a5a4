/**
 * Whether npm start / npm test install with ELECTRON_SKIP_BINARY_DOWNLOAD=1 (scripts/lib/electron.mjs): only when
 * the download host (or the proxy @electron/get would use) does not answer, never when the zip is cached; the
 * probe is bounded in time. All on loopback.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { electronDownloadDecision, electronMirror, unreachable } from '../../scripts/lib/electron.mjs';
import { tempDir } from './helpers.js';

const servers: Server[] = [];
afterEach(() => {
  for (const s of servers.splice(0)) s.close();
});

/** A loopback port that accepts connections. */
async function listening(): Promise<number> {
  const s = createServer((c) => c.destroy());
  servers.push(s);
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
  return (s.address() as { port: number }).port;
}
/** A loopback port nothing listens on (bound, then released). */
async function closedPort(): Promise<number> {
  const s = createServer();
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
  const { port } = s.address() as { port: number };
  await new Promise<void>((r) => s.close(() => r()));
  return port;
}

function repoWithElectron(version = '45.5.0'): string {
  const dir = tempDir();
  writeFileSync(join(dir, 'package-lock.json'), JSON.stringify({ packages: { '': {}, 'node_modules/electron': { version } } }));
  return dir;
}
const noCache = (dir: string): NodeJS.ProcessEnv => ({ electron_config_cache: join(dir, 'no-cache') });

describe('electronDownloadDecision', () => {
  it('a host that refuses the connection: skip, saying which host and why', async () => {
    const dir = repoWithElectron();
    const port = await closedPort();
    const d = await electronDownloadDecision(dir, { ...noCache(dir), ELECTRON_MIRROR: `https://127.0.0.1:${port}/electron/` });
    expect(d).toMatchObject({ skip: true, why: '127.0.0.1 is unreachable: ECONNREFUSED' });
  });

  it('a host name that does not resolve: skip', async () => {
    const dir = repoWithElectron();
    const d = await electronDownloadDecision(dir, { ...noCache(dir), ELECTRON_MIRROR: 'https://electron-mirror.invalid/' });
    expect(d.skip).toBe(true);
    expect(d.why).toMatch(/^electron-mirror\.invalid is unreachable: /);
  });

  it('a host that answers: download', async () => {
    const dir = repoWithElectron();
    const port = await listening();
    const d = await electronDownloadDecision(dir, { ...noCache(dir), npm_config_electron_mirror: `https://127.0.0.1:${port}/` });
    expect(d).toMatchObject({ skip: false, why: '127.0.0.1 answers' });
  });

  it('the zip in the download cache: no probe, no skip', async () => {
    const dir = repoWithElectron('45.5.0');
    const cache = join(dir, 'cache');
    mkdirSync(join(cache, 'abc123'), { recursive: true });
    writeFileSync(join(cache, 'abc123', `electron-v45.5.0-${process.platform}-${process.arch}.zip`), 'zip');
    const port = await closedPort();
    const d = await electronDownloadDecision(dir, { electron_config_cache: cache, ELECTRON_MIRROR: `https://127.0.0.1:${port}/` });
    expect(d).toMatchObject({ skip: false, why: 'Electron 45.5.0 is in the download cache' });
  });

  it('with ELECTRON_GET_USE_PROXY the proxy is what must answer', async () => {
    const dir = repoWithElectron();
    const up = await listening();
    const down = await closedPort();
    const env = { ...noCache(dir), ELECTRON_MIRROR: `https://127.0.0.1:${down}/`, ELECTRON_GET_USE_PROXY: '1', HTTPS_PROXY: `http://127.0.0.1:${up}` };
    expect(await electronDownloadDecision(dir, env)).toMatchObject({ skip: false });
    const env2 = { ...noCache(dir), ELECTRON_MIRROR: `https://127.0.0.1:${up}/`, ELECTRON_GET_USE_PROXY: '1', HTTPS_PROXY: `http://127.0.0.1:${down}` };
    expect(await electronDownloadDecision(dir, env2)).toMatchObject({ skip: true, why: '127.0.0.1 (the proxy) is unreachable: ECONNREFUSED' });
  });

  it('ELECTRON_SKIP_BINARY_DOWNLOAD already set, or no electron in the lockfile', async () => {
    expect(await electronDownloadDecision(repoWithElectron(), { ELECTRON_SKIP_BINARY_DOWNLOAD: '1' })).toMatchObject({ skip: true, preset: true });
    const dir = tempDir();
    writeFileSync(join(dir, 'package-lock.json'), JSON.stringify({ packages: { '': {} } }));
    expect(await electronDownloadDecision(dir, {})).toMatchObject({ skip: false, why: 'the lockfile has no electron' });
  });

  it('reads the mirror from the variables @electron/get reads, in its order', () => {
    expect(electronMirror({})).toBe('https://github.com/electron/electron/releases/download/');
    expect(electronMirror({ ELECTRON_MIRROR: 'https://b/', npm_config_electron_mirror: 'https://a/' })).toBe('https://a/');
  });
});

describe('unreachable', () => {
  it('a documentation address (TEST-NET-1) is unreachable: dropped (the time limit answers) or refused', async () => {
    const why = await unreachable('192.0.2.1', 443, 300);
    expect(why).not.toBeNull();
  });
});
