#!/usr/bin/env node
// Runs after every `npm ci` / `npm install` of this repository. Tries to fetch Electron's binary (electron's
// own install script is disabled in package.json "allowScripts" because it fails the whole install without
// internet). Skips at once when ELECTRON_SKIP_BINARY_DOWNLOAD is set (npm start / npm test set it when the
// download host does not answer) or when the host does not answer within 3 s. On any failure the kiosk still
// runs: `npm start` falls back to web mode and says so. Never fails the install.
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { electronDownloadDecision } from './lib/electron.mjs';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const require = createRequire(import.meta.url);
let electronDir;
try {
  electronDir = dirname(require.resolve('electron/package.json'));
} catch {
  process.exit(0); // production install without devDependencies
}
const versionFile = join(electronDir, 'dist', 'version');
const wanted = JSON.parse(readFileSync(join(electronDir, 'package.json'), 'utf8')).version;
if (existsSync(versionFile) && readFileSync(versionFile, 'utf8').replace(/^v/, '').trim() === wanted) process.exit(0);
const decision = await electronDownloadDecision(root);
if (decision.skip) {
  console.log(`kiosk: Electron ${wanted} binary not downloaded (${decision.why}); \`npm start\` will use web mode.`);
  process.exit(0);
}
const r = spawnSync(process.execPath, [join(electronDir, 'install.js')], { stdio: ['ignore', 'ignore', 'pipe'], timeout: 300_000 });
if (r.status === 0 && existsSync(versionFile)) {
  console.log(`kiosk: Electron ${wanted} binary installed; \`npm start\` will open the kiosk window.`);
} else {
  const why = r.error ? r.error.message : (r.stderr?.toString().trim().split('\n').find((l) => /Error|error/.test(l)) ?? `exit ${r.status}`);
  console.log(`kiosk: Electron ${wanted} binary could not be downloaded (${why.slice(0, 160)}); \`npm start\` will use web mode with simulated devices.`);
}
process.exit(0);
