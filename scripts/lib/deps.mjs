// The dependency step of `npm start`, `npm test` and kioskctl: are the locked dependencies installed for this
// Node, and if not, `npm ci` (Electron's binary skipped where it cannot be fetched) with progress.
// Node built-ins only: this is what makes node_modules exist.
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { electronDownloadDecision } from './electron.mjs';
import { compare, readStamp, refreshed, snapshot, writeStamp } from './fingerprint.mjs';
import { withLock } from './lock.mjs';
import { runWithProgress } from './progress.mjs';

/** Written after a successful install; deleted with node_modules (npm ci empties it first). */
export const INSTALL_STAMP = 'node_modules/.kiosk-install.json';
const LOCKFILE = 'package-lock.json';

/**
 * Does node_modules hold what package-lock.json locks? npm records what it installed in
 * node_modules/.package-lock.json; every locked package must be there at its locked version and integrity
 * (optional ones may be missing: other platforms' binaries). Used when there is no stamp of ours (node_modules
 * installed by a plain `npm ci`) or the lockfile changed (an `npm install` that also updated node_modules).
 */
export function installedMatchesLock(root) {
  let locked;
  let installed;
  try {
    locked = JSON.parse(readFileSync(join(root, LOCKFILE), 'utf8')).packages;
    installed = JSON.parse(readFileSync(join(root, 'node_modules', '.package-lock.json'), 'utf8')).packages;
  } catch {
    return false;
  }
  if (!locked || !installed) return false;
  for (const [path, want] of Object.entries(locked)) {
    if (path === '' || want.link) continue;
    const have = installed[path];
    if (!have) {
      if (want.optional || want.devOptional) continue;
      return false;
    }
    if (have.version !== want.version || (want.integrity && have.integrity !== want.integrity)) return false;
  }
  return true;
}

/** `{ ok: true }` or `{ ok: false, why }` in a few milliseconds (one stat on the fast path). */
export function dependencyState(root) {
  if (!existsSync(join(root, 'node_modules'))) return { ok: false, why: 'node_modules does not exist (a fresh clone)' };
  const stamp = readStamp(join(root, INSTALL_STAMP));
  if (stamp && stamp.abi !== process.versions.modules) {
    return { ok: false, why: `the native modules were built for Node ABI ${stamp.abi} (Node ${stamp.node}), this is Node ${process.version} (ABI ${process.versions.modules})` };
  }
  if (stamp) {
    const c = compare(root, stamp.lock);
    if (c.fresh) {
      if (c.touched.length > 0) writeStamp(join(root, INSTALL_STAMP), { ...stamp, lock: refreshed(root, stamp.lock, c.touched) });
      return { ok: true };
    }
  }
  if (installedMatchesLock(root)) {
    writeStamp(join(root, INSTALL_STAMP), installRecord(root, stamp?.electron ?? 'unknown (installed before these scripts)'));
    return { ok: true, adopted: true };
  }
  return { ok: false, why: stamp ? 'package-lock.json changed since the last install' : 'node_modules does not match package-lock.json' };
}

function installRecord(root, electron) {
  return { lock: snapshot(root, [LOCKFILE]), abi: process.versions.modules, node: process.version, electron, installedAt: new Date().toISOString() };
}

/** How to run npm: the npm that runs us (`npm start`), else the one on PATH. */
function npmCommand() {
  const cli = process.env.npm_execpath;
  if (cli && /npm-cli\.js$/.test(cli) && existsSync(cli)) return { cmd: process.execPath, pre: [cli] };
  return { cmd: 'npm', pre: [] };
}

/** The sub-step npm is at, from its --foreground-scripts output ("> better-sqlite3@12.1.0 install"). */
export function npmStep(line) {
  const m = /^> ((?:@[^/\s]+\/)?[^@\s]+)@\S+ (preinstall|install|postinstall)$/.exec(line.trim());
  if (!m) return null;
  if (m[1] === 'ningxia-kiosk') return 'fetching Electron\'s binary';
  return `${m[2]} script of ${m[1]}`;
}

/**
 * Installs the locked dependencies: `npm ci`, output in dist/.build/npm-ci.log, progress on `stream`.
 * Electron's binary download is skipped (ELECTRON_SKIP_BINARY_DOWNLOAD=1) when its host does not answer.
 * Exits the process with npm's status when the install fails.
 */
export async function installDependencies(root, { who, say, stream }) {
  const lockFile = join(root, 'dist', '.build', 'install.lock');
  await withLock(lockFile, async () => {
    // Another command may have installed while we waited for the lock.
    const again = dependencyState(root);
    if (again.ok) return;
    const env = { ...process.env };
    const electron = await electronDownloadDecision(root, env);
    if (electron.skip) {
      env.ELECTRON_SKIP_BINARY_DOWNLOAD = '1';
      say(electron.preset
        ? `${who}: Electron's binary will not be downloaded (ELECTRON_SKIP_BINARY_DOWNLOAD is set): web mode until it is installed.`
        : `${who}: installing with ELECTRON_SKIP_BINARY_DOWNLOAD=1 because ${electron.why}: web mode until Electron's binary is installed.`);
    }
    const npm = npmCommand();
    const logFile = join(root, 'dist', '.build', 'npm-ci.log');
    const r = await runWithProgress({
      cmd: npm.cmd,
      args: [...npm.pre, 'ci', '--no-audit', '--no-fund', '--foreground-scripts'],
      cwd: root,
      env,
      logFile,
      label: `${who}: installing dependencies (npm ci)`,
      stream,
      step: npmStep,
    });
    if (r.code !== 0) process.exit(r.code);
    writeStamp(join(root, INSTALL_STAMP), installRecord(root, electron.skip ? `skipped: ${electron.why}` : 'download attempted'));
    say(`${who}: dependencies installed in ${r.seconds.toFixed(0)} s (log: ${logFile})`);
  }, { onWait: (pid) => say(`${who}: waiting for process ${pid}, which is installing the dependencies`) });
}
