import { spawnSync } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';

/**
 * The folder table of ARCHITECTURE.md is enforced by dependency-cruiser in `npm run lint`.
 * These tests build small scratch trees with forbidden imports and check that the very
 * configuration the lint uses reports each one (and accepts the allowed ones).
 */
const repo = resolve(import.meta.dirname, '..', '..');
const scratch: string[] = [];

function tree(files: Record<string, string>): string {
  const dir = mkdtempSync(join(tmpdir(), 'depcruise-'));
  scratch.push(dir);
  copyFileSync(join(repo, 'tsconfig.base.json'), join(dir, 'tsconfig.base.json'));
  copyFileSync(join(repo, 'tsconfig.depcruise.json'), join(dir, 'tsconfig.depcruise.json'));
  symlinkSync(join(repo, 'node_modules'), join(dir, 'node_modules'), 'dir');
  for (const [path, text] of Object.entries(files)) {
    mkdirSync(dirname(join(dir, path)), { recursive: true });
    writeFileSync(join(dir, path), text);
  }
  return dir;
}

interface Violation {
  rule: { name: string };
  from: string;
  to: string;
}

function cruise(dir: string, roots: string[]): Violation[] {
  const r = spawnSync(
    process.execPath,
    [join(repo, 'node_modules', 'dependency-cruiser', 'bin', 'dependency-cruise.mjs'), '--config', join(repo, '.dependency-cruiser.cjs'), '--output-type', 'json', ...roots],
    { cwd: dir, encoding: 'utf8' },
  );
  if (!r.stdout) throw new Error(`depcruise printed nothing: ${r.stderr}`);
  const out = JSON.parse(r.stdout) as { summary: { violations: Violation[] } };
  return out.summary.violations;
}

afterAll(() => {
  for (const d of scratch) rmSync(d, { recursive: true, force: true });
});

describe('folder rules (dependency-cruiser)', () => {
  it('reports the renderer importing drivers/', () => {
    const dir = tree({
      'drivers/id-card/reader.ts': 'export const x = 1;\n',
      'renderer/src/App.tsx': "import { x } from '../../drivers/id-card/reader.js';\nexport const y = x;\n",
    });
    const v = cruise(dir, ['renderer', 'drivers']);
    expect(v.map((x) => x.rule.name)).toContain('renderer-only-contract');
  });

  it('reports electron imported outside main/electron (and allows it inside)', () => {
    const dir = tree({
      'main/core/window.ts': "import { app } from 'electron';\nexport const a = app;\n",
      'main/electron/main.ts': "import { app } from 'electron';\nexport const b = app;\n",
    });
    const v = cruise(dir, ['main']);
    const electronViolations = v.filter((x) => x.rule.name.startsWith('electron-only-in-shell'));
    expect(electronViolations.map((x) => x.from)).toEqual(['main/core/window.ts']);
  });

  it('reports the production core building simulators (and lets main/sim and the web host do it)', () => {
    const dir = tree({
      'drivers/id-card/simulator.ts': 'export const sim = 1;\n',
      'main/platform/simulator.ts': 'export const psim = 1;\n',
      'main/sim/devices.ts': "import { sim } from '../../drivers/id-card/simulator.js';\nimport { psim } from '../platform/simulator.js';\nexport const d = sim + psim;\n",
      'main/web/main.ts': "import { d } from '../sim/devices.js';\nexport const w = d;\n",
      'main/core/kiosk.ts': "import { sim } from '../../drivers/id-card/simulator.js';\nimport { psim } from '../platform/simulator.js';\nimport { d } from '../sim/devices.js';\nexport const k = sim + psim + d;\n",
    });
    const v = cruise(dir, ['main', 'drivers']).filter((x) => x.rule.name === 'core-never-simulators');
    expect(v.map((x) => x.to).sort()).toEqual(['drivers/id-card/simulator.ts', 'main/platform/simulator.ts', 'main/sim/devices.ts']);
    expect(v.every((x) => x.from === 'main/core/kiosk.ts')).toBe(true);
  });

  it('reports drivers/ importing main/', () => {
    const dir = tree({
      'main/core/profile.ts': 'export const p = 1;\n',
      'drivers/receipt-printer/printer.ts': "import { p } from '../../main/core/profile.js';\nexport const q = p;\n",
    });
    expect(cruise(dir, ['drivers', 'main']).map((x) => x.rule.name)).toContain('drivers-stay-low');
  });

  it('reports one device folder importing another', () => {
    const dir = tree({
      'drivers/id-card/reader.ts': 'export const r = 1;\n',
      'drivers/receipt-printer/printer.ts': "import { r } from '../id-card/reader.js';\nexport const s = r;\n",
      'drivers/receipt-printer/ok.ts': "import { r } from '../transport/t.js';\nexport const o = r;\n",
      'drivers/transport/t.ts': 'export const r = 2;\n',
    });
    const v = cruise(dir, ['drivers']);
    expect(v.map((x) => `${x.rule.name}:${x.from}`)).toEqual(['devices-never-import-each-other:drivers/receipt-printer/printer.ts']);
  });

  it('reports the contract importing node built-ins and offline-cache importing main/', () => {
    const dir = tree({
      'main/contract/messages.ts': "import { readFileSync } from 'node:fs';\nexport const m = readFileSync;\n",
      'main/platform/client.ts': 'export const c = 1;\n',
      'offline-cache/outbox.ts': "import { c } from '../main/platform/client.js';\nexport const o = c;\n",
    });
    const names = cruise(dir, ['main', 'offline-cache']).map((x) => x.rule.name);
    expect(names).toContain('contract-is-pure');
    expect(names).toContain('offline-cache-pure-storage');
  });

  it('accepts the allowed direction: main/core importing drivers/ and offline-cache/', () => {
    const dir = tree({
      'drivers/device.ts': 'export const d = 1;\n',
      'offline-cache/outbox.ts': 'export const o = 1;\n',
      'main/contract/index.ts': 'export const k = 1;\n',
      'main/core/kiosk.ts': "import { d } from '../../drivers/device.js';\nimport { o } from '../../offline-cache/outbox.js';\nimport { k } from '../contract/index.js';\nexport const all = d + o + k;\n",
    });
    expect(cruise(dir, ['main', 'drivers', 'offline-cache'])).toEqual([]);
  });
});
