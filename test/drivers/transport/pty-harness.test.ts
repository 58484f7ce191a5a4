import { describe, expect, it } from 'vitest';
import { access, realpath, symlink } from 'node:fs/promises';
import { dirname } from 'node:path';
import { PtyPairError, createPtyPair, usePtyPairs } from '../../helpers/pty.js';

usePtyPairs();

async function gone(path: string): Promise<boolean> {
  return access(path).then(
    () => false,
    () => true,
  );
}

describe('test/helpers/pty.ts (socat pty pairs)', () => {
  it('creates both links; kill leaves them dangling; restart makes new pts nodes behind the same paths', async () => {
    const pty = await createPtyPair();
    expect(pty.running).toBe(true);
    const before = [await realpath(pty.hostPath), await realpath(pty.devicePath)];
    expect(before.every((p) => p.startsWith('/dev/pts/'))).toBe(true);
    await pty.kill();
    expect(pty.running).toBe(false);
    expect(await gone(pty.hostPath)).toBe(true);
    await pty.restart();
    expect(pty.running).toBe(true);
    const after = [await realpath(pty.hostPath), await realpath(pty.devicePath)];
    expect(after.every((p) => p.startsWith('/dev/pts/'))).toBe(true);
    await pty.restart(); // restart while running kills the old socat first
    expect(pty.running).toBe(true);
  });

  it('a kill not waited for (a simulator unplugging) and a restart right after: one kill, and the new links stay', async () => {
    const pty = await createPtyPair();
    const unplug = pty.kill(); // not awaited, as PadSimulator's unplug hook does
    expect(pty.kill()).toBe(unplug); // the restart's kill joins it instead of racing its unlinks
    await pty.restart();
    await unplug;
    expect(pty.running).toBe(true);
    expect((await realpath(pty.hostPath)).startsWith('/dev/pts/')).toBe(true);
    expect((await realpath(pty.devicePath)).startsWith('/dev/pts/')).toBe(true);
  });

  it('survives leftover links at the paths and dispose() removes everything', async () => {
    const pty = await createPtyPair();
    await pty.kill();
    // a stale link somebody left behind
    await symlink('/nonexistent', pty.hostPath).catch(() => undefined);
    await pty.restart();
    expect(await gone(pty.hostPath)).toBe(false);
    await pty.dispose();
    await pty.dispose();
    expect(await gone(dirname(pty.hostPath))).toBe(true);
    await expect(pty.restart()).rejects.toBeInstanceOf(PtyPairError);
  });

  it('times out with a clear error', async () => {
    const e: unknown = await createPtyPair({ timeoutMs: 0 }).catch((err: unknown) => err);
    // socat may win the race on a fast machine; then it is a working pair.
    if (e instanceof PtyPairError) expect(e.message).toMatch(/within 0 ms/);
    else expect(e).toHaveProperty('hostPath');
  });
});
