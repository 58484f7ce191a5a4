#!/usr/bin/env node
// `npm test`: checks the Node version (package.json "engines"), installs the locked dependencies if they are
// missing or stale (as npm start does), then everything in order — system packages, lint (incl. folder
// rules), type check, renderer build, unit + integration tests (Vitest), end-to-end tests (Playwright in
// Debian's Chromium). Ends with one line "tests: N passed, N failed"; any skipped test fails the run.
// The work is in scripts/lib/run-tests.mjs; this file keeps to syntax old Node versions parse.
import { dirname, join } from 'path';
import { fileURLToPath } from 'url';
import { refuseUnsupportedNode } from './lib/node-version.mjs';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
refuseUnsupportedNode('test', root);
import('./lib/run-tests.mjs').then(function (m) {
  return m.runTests(root, process.argv[2]);
});
