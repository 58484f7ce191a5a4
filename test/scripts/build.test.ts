/**
 * The build npm start and kioskctl run from (scripts/build.mjs), in a scratch copy of the repository: its inputs
 * are the module graph of the entry points (a newly imported file becomes an input, an unimported one does not),
 * the compiled kioskctl and web mode work, and a source change rebuilds on the next start.
 */
import { spawn } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { help } from '../../main/cli/index.js';
import { readStamp } from '../../scripts/lib/fingerprint.mjs';
import { stampFile, targetState } from '../../scripts/lib/targets.mjs';
import { plainEnv, run, scratchRepo } from './helpers.js';

const inputsOf = (dir: string, target: string): string[] => Object.keys(readStamp(stampFile(dir, target))?.inputs.files ?? {});

/** Starts `node scripts/start.mjs --web --port 0` and resolves with its printed URL and output so far. */
function startWeb(dir: string): Promise<{ url: string; out: () => string; stop: () => Promise<number | string | null> }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['scripts/start.mjs', '--web', '--port', '0'], { cwd: dir, env: plainEnv(), stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    const stop = (): Promise<number | string | null> =>
      new Promise((r) => {
        // The web host exits 0 after closing the core; a SIGTERM that lands in the instant between its ready
        // line and its signal handlers ends it by the signal (main/web/main.ts prints the line first).
        child.once('exit', (code, signal) => r(code ?? signal));
        child.kill('SIGTERM');
      });
    const onData = (d: Buffer): void => {
      out += d.toString();
      const m = /web mode ready at (http:\/\/\S+)/.exec(out);
      if (m) resolve({ url: m[1]!, out: () => out, stop });
    };
    child.stdout.on('data', onData);
    child.stderr.on('data', onData);
    child.on('exit', (code) => reject(new Error(`web mode exited (${code}) before it was ready:\n${out}`)));
  });
}

describe('the compiled Node side', () => {
  it('builds from the entry points, runs kioskctl and web mode, rebuilds when an imported source changes', async () => {
    const dir = scratchRepo();

    // A first kioskctl builds what it needs, says so on stderr, and prints the help on stdout.
    const first = await run(process.execPath, ['bin/kioskctl.mjs', '--help'], { cwd: dir, env: plainEnv() });
    expect(first.code).toBe(0);
    expect(first.stdout).toMatch(/^kioskctl — technician command line/);
    expect(first.stderr).toContain('kioskctl: building the core, web host and kioskctl because it has not been built yet');

    // Its inputs are what the entries import — no tests, no Electron shell, nothing from node_modules.
    const inputs = inputsOf(dir, 'node');
    for (const f of ['main/web/main.ts', 'main/web/server.ts', 'main/cli/index.ts', 'main/core/kiosk.ts', 'main/core/utility-entry.ts', 'offline-cache/index.ts', 'package-lock.json']) {
      expect(inputs).toContain(f);
    }
    expect(inputs.some((f) => f.startsWith('drivers/'))).toBe(true);
    expect(inputs.filter((f) => /^(test|bench|main\/electron|node_modules)\//.test(f))).toEqual([]);

    // The core's entry for Electron is where the shell looks for it (../core/utility-entry.js from
    // dist/main/electron/), and loads: outside a utility process it says so and exits 2.
    const core = await run(process.execPath, ['dist/main/core/utility-entry.js'], { cwd: dir, env: plainEnv() });
    expect(core.stderr).toContain('utility-entry must run inside an Electron utilityProcess');
    expect(core.code).toBe(2);

    // A second kioskctl runs the build as it is, silently.
    const second = await run(process.execPath, ['bin/kioskctl.mjs', '--help'], { cwd: dir, env: plainEnv() });
    expect(second.code).toBe(0);
    expect(second.stderr).toBe('');
    // The overview comes from the build's help.txt without loading the commands: the same text as the sources' help().
    expect(readFileSync(join(dir, 'dist', 'main', 'cli', 'help.txt'), 'utf8')).toBe(second.stdout);
    expect(second.stdout).toBe(`${help()}\n`);
    // No arguments: the overview and exit 2, as the CLI itself does; a command still runs the compiled CLI.
    const bare = await run(process.execPath, ['bin/kioskctl.mjs'], { cwd: dir, env: plainEnv() });
    expect([bare.code, bare.stdout]).toEqual([2, second.stdout]);

    // A file nothing imports is no input; once an entry imports it, it is.
    writeFileSync(join(dir, 'main', 'web', 'probe-unused.ts'), 'export const unused = 1;\n');
    expect(targetState(dir, 'node')).toEqual({ fresh: true });
    const main = readFileSync(join(dir, 'main', 'web', 'main.ts'), 'utf8');
    writeFileSync(join(dir, 'main', 'web', 'probe-used.ts'), "export const probe = 'probe-used-marker';\n");
    writeFileSync(join(dir, 'main', 'web', 'main.ts'), `import { probe } from './probe-used.js';\n(globalThis as Record<string, unknown>).kioskProbe = probe;\n${main}`);
    expect(targetState(dir, 'node')).toMatchObject({ fresh: false, why: 'main/web/main.ts changed' });

    // npm start rebuilds (saying why), serves the attract screen from the build, and the new file is an input.
    const web = await startWeb(dir);
    try {
      expect(web.out()).toContain('kiosk: web mode because it was asked for (--web or KIOSK_MODE=web).');
      // (the renderer too: the first kioskctl built only what kioskctl runs)
      expect(web.out()).toContain('kiosk: building the renderer (React UI), the core, web host and kioskctl because renderer: it has not been built yet; node: main/web/main.ts changed');
      const page = await fetch(web.url);
      expect(page.status).toBe(200);
      expect(await page.text()).toMatch(/<script type="module"[^>]* src="\/assets\/[^"]+\.js"/);
    } finally {
      expect([0, 'SIGTERM']).toContain(await web.stop());
    }
    expect(inputsOf(dir, 'node')).toContain('main/web/probe-used.ts');
    expect(inputsOf(dir, 'node')).not.toContain('main/web/probe-unused.ts');
    expect(readFileSync(join(dir, 'dist', 'main', 'web', 'main.js'), 'utf8')).toContain('probe-used-marker');
    writeFileSync(join(dir, 'main', 'web', 'probe-used.ts'), "export const probe = 'changed';\n");
    expect(targetState(dir, 'node')).toMatchObject({ fresh: false, why: 'main/web/probe-used.ts changed' });
  });
});
