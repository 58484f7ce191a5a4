// What `npm start`, `npm test` and kioskctl do before their real work: install the locked dependencies when
// they are missing or stale, then build the targets they run from when those are missing or stale. Silent
// when everything is in place (a few milliseconds of stats); otherwise a line saying what and why, progress
// while it runs, a line when it is done. Node built-ins only.
import { join } from 'node:path';
import { dependencyState, installDependencies } from './deps.mjs';
import { runWithProgress } from './progress.mjs';
import { BUILD_DIR, targetState, TARGETS } from './targets.mjs';

/**
 * @param {string} root the repository
 * @param {object} o
 * @param {string} o.who      prefix of every line ("kiosk", "kioskctl", "test")
 * @param {(line: string) => void} o.say
 * @param {NodeJS.WriteStream} o.stream where progress goes
 */
export async function ensureDependencies(root, { who, say, stream }) {
  const deps = dependencyState(root);
  if (deps.ok) return;
  say(`${who}: installing the locked dependencies (npm ci) because ${deps.why}`);
  await installDependencies(root, { who, say, stream });
}

/** Builds the stale ones among `targets` (scripts/build.mjs in a child process); exits on a failed build. */
export async function ensureBuilt(root, targets, { who, say, stream }) {
  const stale = [];
  for (const t of targets) {
    const s = targetState(root, t);
    if (!s.fresh) stale.push({ target: t, why: s.why });
  }
  if (stale.length === 0) return;
  const whys = [...new Set(stale.map((s) => s.why))];
  const list = stale.map((s) => TARGETS[s.target].what).join(', ');
  say(`${who}: building ${list} because ${whys.length === 1 ? whys[0] : stale.map((s) => `${s.target}: ${s.why}`).join('; ')}`);
  const logFile = join(root, BUILD_DIR, 'build.log');
  const r = await runWithProgress({
    cmd: process.execPath,
    args: [join(root, 'scripts', 'build.mjs'), ...stale.map((s) => s.target)],
    cwd: root,
    logFile,
    label: `${who}: building`,
    stream,
    step: (line) => {
      const m = /^build: (\w+) \(/.exec(line);
      return m ? `built ${m[1]}` : null;
    },
  });
  if (r.code !== 0) process.exit(r.code);
  say(`${who}: built in ${r.seconds.toFixed(1)} s`);
}

/** Both steps. */
export async function prepare(root, targets, io) {
  await ensureDependencies(root, io);
  await ensureBuilt(root, targets, io);
}
