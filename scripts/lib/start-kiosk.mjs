// The body of `npm start` (scripts/start.mjs checks the Node version first).
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { electronBinary } from './electron.mjs';
import { ensureBuilt, ensureDependencies } from './prepare.mjs';

/** Linux needs an X or Wayland display for a window; other platforms always have one. */
export function displayMissing(env = process.env, platform = process.platform) {
  if (platform !== 'linux') return null;
  return env.DISPLAY || env.WAYLAND_DISPLAY ? null : 'there is no display ($DISPLAY and $WAYLAND_DISPLAY are unset)';
}

/**
 * Electron or web mode, and why.
 * @param {string} root
 * @param {string[]} args
 * @returns {{ mode: 'electron', binary: string } | { mode: 'web', why: string }}
 */
export function chooseMode(root, args, env = process.env) {
  if (args.includes('--web') || env.KIOSK_MODE === 'web') return { mode: 'web', why: 'it was asked for (--web or KIOSK_MODE=web)' };
  const electron = electronBinary(root);
  if (!electron.path) return { mode: 'web', why: `Electron cannot run: ${electron.why}` };
  const noDisplay = displayMissing(env);
  if (noDisplay) return { mode: 'web', why: `Electron cannot run: ${noDisplay}` };
  return { mode: 'electron', binary: electron.path };
}

export async function startKiosk(root, args) {
  const io = { who: 'kiosk', say: (l) => console.log(l), stream: process.stdout };
  await ensureDependencies(root, io);
  const choice = chooseMode(root, args);
  const passArgs = args.filter((a) => a !== '--web');

  if (choice.mode === 'electron') {
    await ensureBuilt(root, ['renderer', 'node', 'electron'], io);
    console.log(`kiosk: starting the Electron kiosk (${choice.binary})`);
    const child = spawn(choice.binary, [join(root, 'dist', 'main', 'electron', 'main.js'), ...passArgs], { cwd: root, stdio: 'inherit' });
    for (const sig of /** @type {const} */ (['SIGINT', 'SIGTERM'])) process.on(sig, () => child.kill(sig));
    child.on('exit', (code, signal) => process.exit(code ?? (signal ? 128 : 1)));
    return;
  }

  console.log(`kiosk: web mode because ${choice.why}.`);
  if (process.env.KIOSK_FROM_SOURCES === '1') {
    // The TypeScript sources through tsx, no build of the Node side (what the tests do).
    await ensureBuilt(root, ['renderer'], io);
    const { register } = await import('tsx/esm/api');
    register();
    return runInThisProcess(join(root, 'main', 'web', 'main.ts'), passArgs);
  }
  await ensureBuilt(root, ['renderer', 'node'], io);
  return runInThisProcess(join(root, 'dist', 'main', 'web', 'main.js'), passArgs);
}

/** Runs the web host in this process (one Node start instead of two): it sees the arguments as its own. */
async function runInThisProcess(entry, args) {
  process.argv = [process.argv[0], entry, ...args];
  await import(pathToFileURL(entry).href);
}
