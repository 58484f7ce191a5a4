// A lock file per step, so two commands started together (two `npm start`, or kioskctl while `npm start`
// builds) never install or build over each other: the second waits, then finds the work done.
// Node built-ins only.
import { closeSync, mkdirSync, openSync, readFileSync, rmSync, statSync, writeSync } from 'node:fs';
import { dirname } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';

function holder(file) {
  try {
    const text = readFileSync(file, 'utf8').trim();
    return { pid: text === '' ? null : Number(text), ageMs: Date.now() - statSync(file).mtimeMs };
  } catch {
    return null; // released meanwhile
  }
}

function alive(pid) {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return /** @type {NodeJS.ErrnoException} */ (e).code === 'EPERM';
  }
}

/**
 * Runs `fn` holding the lock `file`. A lock left by a process that is gone (killed mid-build) is taken over.
 * `onWait(pid)` is called once when another live process holds the lock.
 */
/**
 * @template T
 * @param {string} file
 * @param {() => Promise<T>} fn
 * @param {{ onWait?: (pid: number | null) => void }} [options]
 * @returns {Promise<T>}
 */
export async function withLock(file, fn, { onWait } = {}) {
  mkdirSync(dirname(file), { recursive: true });
  let told = false;
  for (;;) {
    try {
      const fd = openSync(file, 'wx');
      writeSync(fd, String(process.pid));
      closeSync(fd);
      break;
    } catch (e) {
      if (/** @type {NodeJS.ErrnoException} */ (e).code !== 'EEXIST') throw e;
    }
    const h = holder(file);
    if (h === null) continue;
    // An empty lock file is one being written right now, unless it has been empty for a while.
    const gone = h.pid === null ? h.ageMs > 10_000 : !alive(h.pid);
    if (gone) {
      rmSync(file, { force: true });
      continue;
    }
    if (!told && onWait) onWait(h.pid);
    told = true;
    await sleep(200);
  }
  try {
    return await fn();
  } finally {
    rmSync(file, { force: true });
  }
}
