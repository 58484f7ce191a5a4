// The build's targets and whether each is current. `scripts/build.mjs` builds them and writes a stamp per
// target listing the files the build actually read (the bundler's module graph, the compiler's file list),
// so the set of inputs is derived from the imports, never listed by hand: a new folder the web host starts to
// import (main/sim) is an input from its first build on. Checking a target costs one stat per input.
// Node built-ins only (it runs before node_modules exists, and in every kioskctl start).
import { existsSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { compare, readStamp, refreshed, writeStamp } from './fingerprint.mjs';

export const BUILD_DIR = 'dist/.build';

/** What each target is, in words for the progress lines, and the source whose absence means "shipped build". */
export const TARGETS = {
  renderer: { what: 'the renderer (React UI)', entry: 'renderer/index.html' },
  node: { what: 'the core, web host and kioskctl', entry: 'main/web/main.ts' },
  electron: { what: 'the Electron shell', entry: 'main/electron/main.ts' },
};

export const stampFile = (root, target) => join(root, BUILD_DIR, `${target}.json`);

/**
 * `{ fresh: true }` or `{ fresh: false, why }` for one target. A tree without sources (an installed kiosk
 * that ships dist/ only) is fresh when the outputs exist: there is nothing to rebuild from.
 */
export function targetState(root, target) {
  if (!(target in TARGETS)) throw new Error(`unknown build target "${target}" (known: ${Object.keys(TARGETS).join(', ')})`);
  const stamp = readStamp(stampFile(root, target));
  if (!existsSync(join(root, TARGETS[target].entry))) {
    const shipped = stamp && stamp.outputs.every((o) => existsSync(join(root, o)));
    return shipped ? { fresh: true, shipped: true } : { fresh: false, why: `neither its sources nor a build are here` };
  }
  if (!stamp) return { fresh: false, why: 'it has not been built yet' };
  for (const o of stamp.outputs) {
    if (!statSync(join(root, o), { throwIfNoEntry: false })) return { fresh: false, why: `${o} is missing` };
  }
  const c = compare(root, stamp.inputs);
  if (!c.fresh) return c;
  if (c.touched.length > 0) writeStamp(stampFile(root, target), { ...stamp, inputs: refreshed(root, stamp.inputs, c.touched) });
  return { fresh: true };
}
