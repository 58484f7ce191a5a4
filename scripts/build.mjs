#!/usr/bin/env node
// `npm run build` and the build step of `npm start` / kioskctl. Builds the targets that are missing or stale
// (all of them by default) and writes a stamp per target with the files the build read (scripts/lib/targets.mjs):
//
//   renderer  dist/renderer/            Vite, renderer/vite.config.ts
//   node      dist/main/web/main.js       the web host (web mode)          one bundle of our code and its pure-JS
//             dist/main/cli/index.js      kioskctl                          dependencies, chunks shared in
//             dist/main/core/utility-entry.js  the core in Electron         dist/main/chunks/ (see bundleNode)
//   electron  dist/main/electron/         tsc -p tsconfig.build-electron.json (the shell and its preload)
//
// Usage: node scripts/build.mjs [renderer|node|electron ...] [--force] [--quiet]
// Runs after `npm ci` (it imports vite); the checks it shares with npm start use Node built-ins only.
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, isAbsolute, join, relative, sep } from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { refuseUnsupportedNode } from './lib/node-version.mjs';
import { withLock } from './lib/lock.mjs';
import { snapshot, readStamp, writeStamp } from './lib/fingerprint.mjs';
import { BUILD_DIR, stampFile, targetState, TARGETS } from './lib/targets.mjs';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
refuseUnsupportedNode('build', root);

/** The entry points of the Node side; everything they import is bundled (the module graph is the input list). */
export const NODE_ENTRIES = {
  'main/web/main': 'main/web/main.ts',
  'main/cli/index': 'main/cli/index.ts',
  'main/core/utility-entry': 'main/core/utility-entry.ts',
};

/** Inputs of every target besides the files the build read: the locked dependencies, the recipe, the compiler settings. */
function commonInputs() {
  const tsconfigs = readdirSync(root).filter((f) => /^tsconfig.*\.json$/.test(f));
  return ['package.json', 'package-lock.json', 'scripts/build.mjs', ...tsconfigs];
}

/** Our own source files among a build's module ids (absolute paths, maybe with ?query, maybe virtual). */
function ownFiles(ids) {
  const out = [];
  for (const raw of ids) {
    if (raw.startsWith('\0')) continue;
    const id = raw.split('?')[0];
    if (!isAbsolute(id) || !existsSync(id)) continue;
    const rel = relative(root, id);
    if (rel.startsWith('..') || rel.split(sep).includes('node_modules')) continue;
    out.push(rel.split(sep).join('/'));
  }
  return out;
}

const recordModules = (ids) => ({
  name: 'kiosk-record-inputs',
  generateBundle() {
    for (const id of this.getModuleIds()) ids.add(id);
  },
});

const outputsOf = (result, outDir) =>
  (Array.isArray(result) ? result : [result]).flatMap((r) => r.output.map((o) => `${outDir}/${o.fileName}`));

/**
 * Packages that stay outside the bundle and load from node_modules at run time:
 * - native addons (a binding.gyp, or a dependency on the usual binding loaders): their .node file is found
 *   relative to the package folder (better-sqlite3, @serialport/bindings-cpp, node-hid);
 * - pino, which starts worker threads from its own files (transports, thread-stream);
 * - qrcode and pngjs, which the sources load on first use (drivers/lazy-require.ts), so the bundle never sees them.
 * Everything else of ours and of pure-JS packages is one bundle, so a start loads a handful of files instead of
 * several hundred through Node's ESM loader (the measured difference: scripts/measure-start.mjs).
 */
const RUNTIME_FILES = new Set(['pino']);
const BINDING_LOADERS = ['node-gyp-build', 'bindings', 'prebuild-install', 'pkg-prebuilds', 'node-addon-api', 'nan'];
const nativeCache = new Map();
function isNativePackage(name) {
  if (!nativeCache.has(name)) {
    const dir = join(root, 'node_modules', name);
    let native = existsSync(join(dir, 'binding.gyp'));
    try {
      const pkg = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8'));
      native ||= pkg.gypfile === true || BINDING_LOADERS.some((l) => l in (pkg.dependencies ?? {}));
    } catch {
      // not installed: let the bundler report it
    }
    nativeCache.set(name, native);
  }
  return nativeCache.get(name);
}
export function packageOf(specifier) {
  if (specifier.startsWith('.') || specifier.startsWith('/') || specifier.startsWith('\0') || /^[a-z]+:/.test(specifier)) return null;
  const parts = specifier.split('/');
  return specifier.startsWith('@') ? parts.slice(0, 2).join('/') : parts[0];
}
function external(specifier) {
  const pkg = packageOf(specifier);
  return pkg !== null && (RUNTIME_FILES.has(pkg) || isNativePackage(pkg));
}

async function bundleNode() {
  const { build } = await import('vite');
  const ids = new Set();
  const result = await build({
    configFile: false,
    root,
    logLevel: 'warn',
    publicDir: false,
    plugins: [recordModules(ids)],
    ssr: { noExternal: true, target: 'node' },
    build: {
      ssr: true,
      outDir: 'dist',
      emptyOutDir: false,
      copyPublicDir: false,
      target: 'node20',
      minify: false,
      sourcemap: true,
      reportCompressedSize: false,
      rolldownOptions: {
        input: NODE_ENTRIES,
        external,
        output: { format: 'es', entryFileNames: '[name].js', chunkFileNames: 'main/chunks/[name]-[hash].js' },
      },
    },
  });
  const outputs = outputsOf(result, 'dist');
  outputs.push(await writeCliHelp());
  return { inputs: ownFiles(ids), outputs };
}

/**
 * dist/main/cli/help.txt: the compiled kioskctl's own overview (help() of main/cli/index.ts, from the bundle just
 * built), so that `kioskctl --help` prints it without loading every command and its dependencies
 * (scripts/lib/run-kioskctl.mjs). Derived, never edited: COMMANDS stays the one owner of the text.
 */
async function writeCliHelp() {
  const rel = 'dist/main/cli/help.txt';
  const cli = await import(`${pathToFileURL(join(root, 'dist', 'main', 'cli', 'index.js')).href}?built=${Date.now()}`);
  const text = cli.help();
  if (typeof text !== 'string' || !text.startsWith('kioskctl')) throw new Error('the compiled kioskctl gave no help text');
  writeFileSync(join(root, rel), `${text}\n`);
  return rel;
}

async function buildRenderer() {
  const { build } = await import('vite');
  const ids = new Set();
  let publicDir = null;
  const configFile = join(root, 'renderer', 'vite.config.ts');
  const result = await build({
    configFile,
    logLevel: 'warn',
    build: { reportCompressedSize: false },
    plugins: [
      recordModules(ids),
      { name: 'kiosk-record-public-dir', configResolved: (c) => void (publicDir = c.publicDir ? relative(root, c.publicDir) : null) },
    ],
  });
  const inputs = [...ownFiles(ids), 'renderer/vite.config.ts'];
  const absent = [];
  if (publicDir) {
    // Copied as is, not imported: the folder (its listing) and every file in it are inputs; its absence too.
    if (existsSync(join(root, publicDir))) inputs.push(publicDir, ...readdirSync(join(root, publicDir), { recursive: true }).map((f) => `${publicDir}/${f}`));
    else absent.push(publicDir);
  }
  return { inputs, absent, outputs: outputsOf(result, 'dist/renderer') };
}

function buildElectron() {
  const tsc = join(root, 'node_modules', 'typescript', 'bin', 'tsc');
  const r = spawnSync(process.execPath, [tsc, '-p', 'tsconfig.build-electron.json', '--listFiles', '--listEmittedFiles'], { cwd: root, encoding: 'utf8' });
  if (r.status !== 0) {
    process.stderr.write(r.stdout + r.stderr);
    throw new Error(`tsc -p tsconfig.build-electron.json failed (exit ${r.status})`);
  }
  const lines = r.stdout.split('\n').map((l) => l.trim()).filter(Boolean);
  const outputs = lines.filter((l) => l.startsWith('TSFILE: ')).map((l) => relative(root, l.slice(8)));
  const inputs = ownFiles(lines.filter((l) => !l.startsWith('TSFILE: ')));
  return { inputs, outputs };
}

const BUILDERS = { renderer: buildRenderer, node: bundleNode, electron: buildElectron };

/** Removes what the previous build of `target` wrote and this one did not (old hashed chunks). */
function removeLeftovers(target, previous, outputs) {
  if (!previous) return;
  const now = new Set(outputs);
  for (const o of previous.outputs) if (!now.has(o)) rmSync(join(root, o), { force: true });
}

export async function buildTarget(target, { force = false, quiet = false } = {}) {
  const log = quiet ? () => {} : (l) => console.log(l);
  await withLock(join(root, BUILD_DIR, `${target}.lock`), async () => {
    const state = targetState(root, target);
    if (state.fresh && !force) {
      log(`build: ${target} is up to date`);
      return;
    }
    const t0 = performance.now();
    const startedAt = Date.now();
    const previous = readStamp(stampFile(root, target));
    const { inputs, absent = [], outputs } = await BUILDERS[target]();
    if (inputs.length === 0 || outputs.length === 0) throw new Error(`the ${target} build read or wrote nothing`);
    removeLeftovers(target, previous, outputs);
    writeStamp(stampFile(root, target), { target, builtAt: new Date().toISOString(), inputs: snapshot(root, [...inputs, ...commonInputs()], absent, { notAfterMs: startedAt }), outputs });
    const why = force ? 'forced' : state.why;
    log(`build: ${target} (${TARGETS[target].what}) in ${((performance.now() - t0) / 1000).toFixed(1)} s — ${why}; ${inputs.length} source files`);
  });
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const args = process.argv.slice(2);
  const targets = args.filter((a) => !a.startsWith('--'));
  for (const t of targets) {
    if (!(t in TARGETS)) {
      console.error(`build: unknown target "${t}" (known: ${Object.keys(TARGETS).join(', ')})`);
      process.exit(2);
    }
  }
  try {
    for (const t of targets.length > 0 ? targets : Object.keys(TARGETS)) {
      await buildTarget(t, { force: args.includes('--force'), quiet: args.includes('--quiet') });
    }
  } catch (e) {
    console.error(`build: ${e instanceof Error ? e.message : String(e)}`);
    process.exit(1);
  }
}
