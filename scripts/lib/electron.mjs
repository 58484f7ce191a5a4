// Electron's binary: can it be downloaded here (asked before `npm ci`), and is it installed (asked by
// `npm start`)? Node built-ins only.
import { lookup } from 'node:dns/promises';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { connect } from 'node:net';
import { homedir } from 'node:os';
import { dirname, join } from 'node:path';

const DEFAULT_MIRROR = 'https://github.com/electron/electron/releases/download/';

/** The electron version package-lock.json installs, or null when the lockfile has none. */
export function lockedElectronVersion(root) {
  try {
    const lock = JSON.parse(readFileSync(join(root, 'package-lock.json'), 'utf8'));
    return lock.packages?.['node_modules/electron']?.version ?? null;
  } catch {
    return null;
  }
}

/** Where @electron/get downloads from, read from the same variables it reads (.npmrc, package.json, env). */
export function electronMirror(env = process.env) {
  return (
    env.npm_config_electron_mirror ||
    env.NPM_CONFIG_ELECTRON_MIRROR ||
    env.npm_package_config_electron_mirror ||
    env.ELECTRON_MIRROR ||
    DEFAULT_MIRROR
  );
}

/** @electron/get's cache folder (env-paths "electron" cache, or electron_config_cache). */
function cacheRoot(env) {
  if (env.electron_config_cache) return env.electron_config_cache;
  if (process.platform === 'darwin') return join(homedir(), 'Library', 'Caches', 'electron');
  if (process.platform === 'win32') return join(env.LOCALAPPDATA || join(homedir(), 'AppData', 'Local'), 'electron', 'Cache');
  return join(env.XDG_CACHE_HOME || join(homedir(), '.cache'), 'electron');
}

/** Is the zip of this version already in @electron/get's cache (cache/<url hash>/<file>)? */
export function electronZipCached(version, env = process.env) {
  const name = `electron-v${version}-${process.platform}-${process.arch}.zip`;
  const root = cacheRoot(env);
  try {
    return readdirSync(root).some((d) => existsSync(join(root, d, name)));
  } catch {
    return false;
  }
}

/** TCP reachability of host:port within `timeoutMs` (DNS included): null when reachable, else why not. */
export function unreachable(host, port, timeoutMs) {
  return new Promise((resolve) => {
    let socket = null;
    let settled = false;
    const done = (why) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      socket?.destroy();
      resolve(why);
    };
    const timer = setTimeout(() => done(`no answer within ${timeoutMs / 1000} s`), timeoutMs);
    lookup(host).then(
      ({ address }) => {
        if (settled) return;
        socket = connect({ host: address, port });
        socket.once('connect', () => done(null));
        socket.once('error', (/** @type {NodeJS.ErrnoException} */ e) => done(e.code ?? e.message));
      },
      (/** @type {NodeJS.ErrnoException} */ e) => done(e.code ?? e.message),
    );
  });
}

/**
 * Should `npm ci` skip Electron's binary? `{ skip: false }` when it is wanted and can be fetched (or is cached),
 * `{ skip: true, why }` when it cannot: the caller then sets ELECTRON_SKIP_BINARY_DOWNLOAD=1 and says why in one
 * line. A closed network costs at most `timeoutMs`, never a hanging download.
 */
export async function electronDownloadDecision(root, env = process.env, timeoutMs = 3000) {
  if (env.ELECTRON_SKIP_BINARY_DOWNLOAD) return { skip: true, why: 'ELECTRON_SKIP_BINARY_DOWNLOAD is set', preset: true };
  const version = lockedElectronVersion(root);
  if (version === null) return { skip: false, why: 'the lockfile has no electron' };
  if (electronZipCached(version, env)) return { skip: false, why: `Electron ${version} is in the download cache` };
  let url;
  try {
    url = new URL(electronMirror(env));
  } catch {
    return { skip: false, why: 'the Electron mirror is not a URL; leaving it to the download' };
  }
  // @electron/get only goes through a proxy when ELECTRON_GET_USE_PROXY is set; then the proxy is what must answer.
  const proxy = env.ELECTRON_GET_USE_PROXY
    ? env.GLOBAL_AGENT_HTTPS_PROXY || env.GLOBAL_AGENT_HTTP_PROXY || env.HTTPS_PROXY || env.https_proxy || env.HTTP_PROXY || env.http_proxy
    : undefined;
  let target = url;
  if (proxy) {
    try {
      target = new URL(proxy);
    } catch {
      return { skip: false, why: 'the proxy is not a URL; leaving it to the download' };
    }
  }
  const port = Number(target.port) || (target.protocol === 'http:' ? 80 : 443);
  const why = await unreachable(target.hostname, port, timeoutMs);
  if (why === null) return { skip: false, why: `${target.hostname} answers` };
  return { skip: true, why: `${target.hostname}${proxy ? ' (the proxy)' : ''} is unreachable: ${why}`, host: target.hostname };
}

/**
 * The installed Electron binary: `{ path }`, or `{ why }` it cannot be used.
 * @param {string} root
 * @returns {{ path: string, why?: undefined } | { path?: undefined, why: string }}
 */
export function electronBinary(root) {
  const require = createRequire(join(root, 'package.json'));
  let dir;
  try {
    dir = dirname(require.resolve('electron/package.json'));
  } catch {
    return { why: 'the electron package is not installed' };
  }
  if (!existsSync(join(dir, 'path.txt'))) {
    return { why: 'its binary is not installed (the download was skipped or failed; `node scripts/postinstall.mjs` fetches it where the internet is reachable)' };
  }
  try {
    const p = require('electron');
    return typeof p === 'string' && existsSync(p) ? { path: p } : { why: `its binary is missing at ${p}` };
  } catch (e) {
    return { why: `the electron package cannot load its binary (${String(e instanceof Error ? e.message : e).split('\n')[0]})` };
  }
}
