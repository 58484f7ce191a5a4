/**
 * Build targets (scripts/lib/targets.mjs) and the lock that keeps two builds apart (scripts/lib/lock.mjs).
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { snapshot, writeStamp } from '../../scripts/lib/fingerprint.mjs';
import { withLock } from '../../scripts/lib/lock.mjs';
import { stampFile, targetState } from '../../scripts/lib/targets.mjs';
import { tempDir } from './helpers.js';

function builtRepo(): string {
  const dir = tempDir();
  mkdirSync(join(dir, 'main', 'web'), { recursive: true });
  mkdirSync(join(dir, 'dist', 'main', 'web'), { recursive: true });
  writeFileSync(join(dir, 'main', 'web', 'main.ts'), 'export {};\n');
  writeFileSync(join(dir, 'dist', 'main', 'web', 'main.js'), 'export {};\n');
  writeStamp(stampFile(dir, 'node'), { target: 'node', inputs: snapshot(dir, ['main/web/main.ts']), outputs: ['dist/main/web/main.js'] });
  return dir;
}

describe('targetState', () => {
  it('fresh after a build; stale when a source changes or an output goes, saying which', () => {
    const dir = builtRepo();
    expect(targetState(dir, 'node')).toEqual({ fresh: true });
    writeFileSync(join(dir, 'main', 'web', 'main.ts'), 'export const changed = 1;\n');
    expect(targetState(dir, 'node')).toMatchObject({ fresh: false, why: 'main/web/main.ts changed' });
    const other = builtRepo();
    spawnSync('rm', [join(other, 'dist', 'main', 'web', 'main.js')]);
    expect(targetState(other, 'node')).toEqual({ fresh: false, why: 'dist/main/web/main.js is missing' });
  });

  it('never built', () => {
    const dir = tempDir();
    mkdirSync(join(dir, 'main', 'web'), { recursive: true });
    writeFileSync(join(dir, 'main', 'web', 'main.ts'), 'export {};\n');
    expect(targetState(dir, 'node')).toEqual({ fresh: false, why: 'it has not been built yet' });
  });

  it('a tree that ships the build without sources runs it as it is', () => {
    const dir = builtRepo();
    spawnSync('rm', ['-r', join(dir, 'main')]);
    expect(targetState(dir, 'node')).toEqual({ fresh: true, shipped: true });
    spawnSync('rm', ['-r', join(dir, 'dist', 'main')]);
    expect(targetState(dir, 'node')).toEqual({ fresh: false, why: 'neither its sources nor a build are here' });
  });

  it('an unknown target is an error, not a silent no-op', () => {
    expect(() => targetState(tempDir(), 'nodes')).toThrow(/unknown build target "nodes"/);
  });
});

describe('withLock', () => {
  it('a second holder waits for the first, and is told who holds it', async () => {
    const lock = join(tempDir(), 'x.lock');
    const events: string[] = [];
    let release!: () => void;
    const first = withLock(lock, async () => {
      events.push('first in');
      await new Promise<void>((r) => (release = r));
      events.push('first out');
    });
    await new Promise<void>((r) => setImmediate(r));
    const second = withLock(lock, async () => void events.push('second in'), {
      onWait: (pid) => {
        events.push(`waiting for ${pid === process.pid ? 'us' : pid}`);
        release();
      },
    });
    await Promise.all([first, second]);
    expect(events).toEqual(['first in', 'waiting for us', 'first out', 'second in']);
    expect(existsSync(lock)).toBe(false);
  });

  it('a lock left by a process that is gone is taken over', async () => {
    const lock = join(tempDir(), 'x.lock');
    const gone = spawnSync(process.execPath, ['-e', 'console.log(process.pid)'], { encoding: 'utf8' });
    writeFileSync(lock, gone.stdout.trim());
    let waited = false;
    const ran = await withLock(lock, async () => 'ran', { onWait: () => (waited = true) });
    expect(ran).toBe('ran');
    expect(waited).toBe(false);
  });

  it('releases the lock when the work throws', async () => {
    const lock = join(tempDir(), 'x.lock');
    await expect(withLock(lock, async () => Promise.reject(new Error('build failed')))).rejects.toThrow('build failed');
    expect(existsSync(lock)).toBe(false);
  });
});
