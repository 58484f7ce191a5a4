#!/usr/bin/env node
// `npm start`: Electron when its binary is installed and a display exists, otherwise web mode
// (browser UI, simulated devices, embedded platform simulator). Says which and why in one line.
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const require = createRequire(import.meta.url);
const args = process.argv.slice(2);
const forceWeb = args.includes('--web') || process.env.KIOSK_MODE === 'web';
const passArgs = args.filter((a) => a !== '--web');

function electronBinary() {
  let dir;
  try {
    dir = dirname(require.resolve('electron/package.json'));
  } catch {
    return { why: 'the electron package is not installed' };
  }
  if (!existsSync(join(dir, 'path.txt'))) {
    return { why: 'its binary is not installed (the download was skipped or impossible; `node node_modules/electron/install.js` fetches it where the internet is reachable)' };
  }
  try {
    const p = require('electron');
    return typeof p === 'string' && existsSync(p) ? { path: p } : { why: `its binary is missing at ${p}` };
  } catch (e) {
    return { why: `the electron package cannot load its binary (${String(e.message ?? e).split('\n')[0]})` };
  }
}

function newestMtime(dir) {
  let newest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, entry.name);
    newest = Math.max(newest, entry.isDirectory() ? newestMtime(p) : statSync(p).mtimeMs);
  }
  return newest;
}

function run(cmd, cmdArgs) {
  const r = spawnSync(cmd, cmdArgs, { cwd: root, stdio: ['ignore', 'ignore', 'inherit'] });
  if (r.status !== 0) {
    console.error(`kiosk: \`${cmd} ${cmdArgs.join(' ')}\` failed (exit ${r.status})`);
    process.exit(r.status ?? 1);
  }
}

function buildRenderer() {
  const index = join(root, 'dist', 'renderer', 'index.html');
  const stale =
    !existsSync(index) ||
    Math.max(newestMtime(join(root, 'renderer')), newestMtime(join(root, 'main', 'contract'))) > statSync(index).mtimeMs;
  if (stale) run(process.execPath, [join(root, 'node_modules', 'vite', 'bin', 'vite.js'), 'build', '--config', 'renderer/vite.config.ts', '--logLevel', 'error']);
}

const electron = forceWeb ? { why: 'web mode was asked for' } : electronBinary();
const hasDisplay = process.platform !== 'linux' || Boolean(process.env.DISPLAY || process.env.WAYLAND_DISPLAY);
buildRenderer();

if (electron.path && hasDisplay) {
  console.log(`kiosk: starting the Electron kiosk (${electron.path})`);
  run('npm', ['run', '-s', 'build:electron']);
  const child = spawn(electron.path, [join(root, 'dist', 'main', 'electron', 'main.js'), ...passArgs], { cwd: root, stdio: 'inherit' });
  child.on('exit', (code) => process.exit(code ?? 0));
} else {
  const why = electron.path ? 'no display ($DISPLAY is not set)' : electron.why;
  console.log(`kiosk: starting web mode because Electron cannot run: ${why}.`);
  const child = spawn(process.execPath, ['--import', 'tsx', join(root, 'main', 'web', 'main.ts'), ...passArgs], { cwd: root, stdio: 'inherit' });
  const forward = (sig) => () => child.kill(sig);
  process.on('SIGINT', forward('SIGINT'));
  process.on('SIGTERM', forward('SIGTERM'));
  child.on('exit', (code) => process.exit(code ?? 0));
}
