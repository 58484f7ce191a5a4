// Stamps: what a step (an install, a build) was made from, so the next run can tell in a few milliseconds
// whether it is still current. A stamp records every input file with its mtime, size and SHA-256, and the
// paths whose absence mattered. Checking costs one stat per input; a file is hashed only when its mtime
// moved but its size did not (a touch, a checkout of the same content), so a touched file does not rebuild.
// Node built-ins only: this runs before `npm ci`.
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';

const STAMP_VERSION = 1;

/** Content hash of a file, or of a directory's sorted listing (so an added or removed file shows). */
function sha256(file, isDirectory = statSync(file).isDirectory()) {
  const content = isDirectory ? readdirSync(file).sort().join('\n') : readFileSync(file);
  return createHash('sha256').update(content).digest('hex');
}

/**
 * Snapshot of `files` (paths relative to `root`; a directory stands for its list of entries) and of `absent` (relative paths that did not exist and would
 * change the result if they appeared). Throws if an input does not exist: a build's inputs are files it read.
 * Inputs modified after `notAfterMs` (the wall-clock start of the step) are recorded as stale.
 */
/**
 * @param {string} root
 * @param {string[]} files
 * @param {string[]} [absent]
 * @param {{ notAfterMs?: number }} [options]
 * @returns {Snapshot}
 */
export function snapshot(root, files, absent = [], { notAfterMs = Infinity } = {}) {
  /** @type {Snapshot['files']} */
  const entries = {};
  for (const rel of [...new Set(files)].sort()) {
    const abs = join(root, rel);
    const st = statSync(abs);
    if (st.mtimeMs > notAfterMs) {
      // Changed while the step ran: the step may have read the old content. Record it as never seen.
      entries[rel] = [0, -2, ''];
      continue;
    }
    // A directory stands for its listing (size -1): its mtime moves when an entry is added or removed.
    entries[rel] = st.isDirectory() ? [st.mtimeMs, -1, sha256(abs, true)] : [st.mtimeMs, st.size, sha256(abs, false)];
  }
  return { files: entries, absent: [...new Set(absent)].sort().filter((rel) => !existsSync(join(root, rel))) };
}

/**
 * @typedef {{ files: Record<string, [number, number, string]>, absent?: string[] }} Snapshot
 * @typedef {{ fresh: true, touched: string[], why?: undefined } | { fresh: false, why: string, changed?: string[], touched?: undefined }} Comparison
 */

/**
 * Compares a snapshot with the tree now. Returns `{ fresh: true, touched }` (touched: inputs whose mtime moved
 * with the content unchanged — the caller may rewrite the stamp so the next check does not hash them again),
 * or `{ fresh: false, why }` with a short reason naming the first changed inputs.
 * @param {string} root
 * @param {Snapshot | null | undefined} snap
 * @returns {Comparison}
 */
export function compare(root, snap) {
  if (!snap || typeof snap !== 'object' || !snap.files) return { fresh: false, why: 'there is no record of the last run' };
  const changed = [];
  const touched = [];
  for (const [rel, [mtimeMs, size, hash]] of Object.entries(snap.files)) {
    const st = statSync(join(root, rel), { throwIfNoEntry: false });
    const isDirectory = size === -1;
    if (!st || st.isDirectory() !== isDirectory) changed.push(`${rel} (deleted)`);
    else if (st.mtimeMs === mtimeMs && (isDirectory || st.size === size)) continue;
    else if ((!isDirectory && st.size !== size) || sha256(join(root, rel), isDirectory) !== hash) changed.push(rel);
    else touched.push(rel);
  }
  for (const rel of snap.absent ?? []) if (existsSync(join(root, rel))) changed.push(`${rel} (new)`);
  if (changed.length === 0) return { fresh: true, touched };
  const more = changed.length > 3 ? ` and ${changed.length - 3} more` : '';
  return { fresh: false, why: `${changed.slice(0, 3).join(', ')}${more} changed`, changed };
}

/**
 * Refreshes the mtimes of touched (same content) inputs in a snapshot.
 * @param {string} root
 * @param {Snapshot} snap
 * @param {string[]} touched
 * @returns {Snapshot}
 */
export function refreshed(root, snap, touched) {
  const files = { ...snap.files };
  for (const rel of touched) {
    const [, size, hash] = snap.files[rel] ?? [0, 0, ''];
    files[rel] = [statSync(join(root, rel)).mtimeMs, size, hash];
  }
  return { ...snap, files };
}

/** Reads a stamp file; null when it is missing, unreadable or from another stamp format. */
export function readStamp(file) {
  try {
    const stamp = JSON.parse(readFileSync(file, 'utf8'));
    return stamp && stamp.version === STAMP_VERSION ? stamp : null;
  } catch {
    return null;
  }
}

/** Writes a stamp atomically (a reader never sees half a file). */
export function writeStamp(file, fields) {
  mkdirSync(dirname(file), { recursive: true });
  const tmp = `${file}.${process.pid}.tmp`;
  writeFileSync(tmp, `${JSON.stringify({ version: STAMP_VERSION, ...fields }, null, 1)}\n`);
  renameSync(tmp, file);
}
