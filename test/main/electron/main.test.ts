/**
 * The entry point, imported as Electron would run it (against the fake electron). Its paths are relative to
 * its own folder, so from main/electron/ it must reach the same files that dist/main/electron/main.js reaches
 * in dist/: ../core/utility-entry.js, ./preload.cjs, ../../renderer.
 */
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it, vi } from 'vitest';
import { fake } from '../../helpers/fake-electron.js';
import { START_URL } from '../../../main/electron/policy.js';

vi.mock('electron', async () => (await import('../../helpers/fake-electron.js')).electronModule);

const repo = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..', '..');

describe('main.ts', () => {
  it('starts the shell with the dist-relative core entry, preload and renderer', async () => {
    fake.reset();
    const before = { ...process.env };
    delete process.env.KIOSK_DEV;
    delete process.env.KIOSK_PROFILE;
    try {
      await import('../../../main/electron/main.js');
      await vi.waitFor(() => expect(fake.forks).toHaveLength(1));
    } finally {
      process.env = before;
    }
    expect(fake.lastFork.modulePath).toBe(join(repo, 'main', 'core', 'utility-entry.js'));
    expect(fake.window.options.webPreferences?.preload).toBe(join(repo, 'main', 'electron', 'preload.cjs'));
    expect(fake.window.options.webPreferences?.devTools).toBe(false);
    expect(fake.window.webContents.loads).toEqual([START_URL]);
    expect(fake.app.sandboxEnabledBeforeReady).toBe(true);
  });
});
