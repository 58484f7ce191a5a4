#!/usr/bin/env node
// kioskctl — the technician command line. Runs the compiled CLI (dist/main/cli/index.js), installing the
// dependencies and building it first when they are missing or stale (notes on stderr; stdout stays the
// command's own, --json included). KIOSK_FROM_SOURCES=1 runs the TypeScript sources through tsx instead:
// the tests do (vitest.config.ts). Plain syntax up to the version check, as in scripts/start.mjs.
import { dirname, join } from 'path';
import { fileURLToPath } from 'url';
import { refuseUnsupportedNode } from '../scripts/lib/node-version.mjs';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
refuseUnsupportedNode('kioskctl', root);
import('../scripts/lib/run-kioskctl.mjs').then(function (m) {
  return m.runKioskctl(root, process.argv.slice(2));
});
