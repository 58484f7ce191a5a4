/**
 * Electron entry point (package.json "main": dist/main/electron/main.js).
 *
 * Loads, relative to this compiled file (dist/main/electron/):
 *   core     ../core/utility-entry.js     (dist/main/core/utility-entry.js, forked as a utility process)
 *   preload  ./preload.cjs                (dist/main/electron/preload.cjs)
 *   renderer ../../renderer/              (dist/renderer/, served as app://kiosk/)
 */
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { app } from 'electron';
import { LaunchOptionsError, parseLaunchOptions } from './launch-options.js';
import { runShell, shellPaths } from './shell.js';

const distDir = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');

try {
  const launch = parseLaunchOptions(process.argv, process.env, { packaged: app.isPackaged });
  runShell({ launch, paths: shellPaths(distDir) });
} catch (err) {
  if (err instanceof LaunchOptionsError) {
    console.error(`[kiosk-shell] bad launch options (${err.code}): ${err.message}`);
    app.exit(2);
  } else {
    throw err;
  }
}
