#!/usr/bin/env node
// `npm start`: checks the Node version (package.json "engines"), installs the locked dependencies if they are
// missing or stale, builds what is missing or stale, then starts the kiosk: Electron where its binary and a
// display exist, web mode otherwise. Says what it did and why. The work is in scripts/lib/start-kiosk.mjs;
// this file keeps to syntax old Node versions parse, so that they get the version message and not a
// SyntaxError (Ubuntu 22.04's own nodejs is 12.22).
import { dirname, join } from 'path';
import { fileURLToPath } from 'url';
import { refuseUnsupportedNode } from './lib/node-version.mjs';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
refuseUnsupportedNode('kiosk', root);
import('./lib/start-kiosk.mjs').then(function (m) {
  return m.startKiosk(root, process.argv.slice(2));
});
