import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ROOT } from './helpers.js';

/**
 * The README's by-hand kill harness must show what it claims on a clean clone: its kills land after a commit
 * (the delay counts from the first commit, not from the spawn) and every committed key reaches the platform once.
 */
describe('scripts/kill-harness.mjs (README)', () => {
  it('kills after commits and finds every committed key at the platform exactly once', { timeout: 180_000 }, () => {
    const r = spawnSync(process.execPath, [join(ROOT, 'scripts', 'kill-harness.mjs'), '--kills', '4'], { cwd: ROOT, encoding: 'utf8', timeout: 170_000 });
    expect(r.status, r.stdout + r.stderr).toBe(0);
    expect(r.stdout).toMatch(/4 SIGKILLs, 4 landed after a commit/);
    expect(r.stdout).toMatch(/OK: every committed key is at the platform exactly once/);
    const m = /(\d+) keys committed; (\d+) cases at the platform/.exec(r.stdout);
    expect(Number(m?.[1])).toBeGreaterThan(0);
    expect(m?.[1]).toBe(m?.[2]);
  });
});
