/**
 * electron-builder.yml is validated against the JSON schema electron-builder ships
 * (node_modules/app-builder-lib/scheme.json), so a typo'd key or a wrong type fails here rather than being
 * silently ignored at packaging time; and the security-relevant settings are asserted one by one.
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Ajv } from 'ajv';
import type { ValidateFunction } from 'ajv';
import { beforeAll, describe, expect, it } from 'vitest';

const repo = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const require = createRequire(import.meta.url);
// js-yaml comes with electron-builder and ships no types: type the one function used.
const yaml = require('js-yaml') as { load(text: string): unknown };

type Config = Record<string, unknown> & {
  electronFuses: Record<string, unknown>;
  asarUnpack: string[];
  files: string[];
  extraMetadata: { main: string };
  linux: { target: string[] };
  win: { target: string[] };
  nsis: Record<string, unknown>;
  directories: { output: string; buildResources: string };
};

function loadConfig(): Config {
  return yaml.load(readFileSync(join(repo, 'electron-builder.yml'), 'utf8')) as Config;
}

let validate: ValidateFunction;

beforeAll(() => {
  const schemaPath = require.resolve('app-builder-lib/scheme.json');
  const schema = JSON.parse(readFileSync(schemaPath, 'utf8')) as Record<string, unknown>;
  // strict:false: the schema uses annotation keywords ajv does not know; validation itself stays exact.
  const ajv = new Ajv({ strict: false, allErrors: true });
  validate = ajv.compile(schema);
});

function errorsOf(config: unknown): string {
  validate(config);
  return JSON.stringify(validate.errors ?? []);
}

describe('electron-builder.yml against app-builder-lib/scheme.json', () => {
  it('is valid', () => {
    const ok = validate(loadConfig());
    expect(validate.errors ?? []).toEqual([]);
    expect(ok).toBe(true);
  });

  it('rejects a typo in a top-level key', () => {
    const c: Record<string, unknown> = { ...loadConfig() };
    c.electronFusses = c.electronFuses;
    delete c.electronFuses;
    expect(validate(c)).toBe(false);
    expect(errorsOf(c)).toContain('electronFusses');
  });

  it('rejects a typo in a fuse name', () => {
    const c = loadConfig();
    c.electronFuses = { ...c.electronFuses, runAsnode: false };
    delete c.electronFuses.runAsNode;
    expect(validate(c)).toBe(false);
    expect(errorsOf(c)).toContain('runAsnode');
  });

  it('rejects a typo in a nested target option', () => {
    const c = loadConfig();
    c.nsis = { ...c.nsis, perMachin: true };
    expect(validate(c)).toBe(false);
  });

  it('rejects a wrong type', () => {
    const c = { ...loadConfig(), npmRebuild: 'yes' };
    expect(validate(c)).toBe(false);
    const d = loadConfig();
    d.electronFuses = { ...d.electronFuses, runAsNode: 'false' };
    expect(validate(d)).toBe(false);
  });
});

describe('electron-builder.yml security settings', () => {
  const config = loadConfig();

  it('sets every fuse as the kiosk anchor asks', () => {
    expect(config.electronFuses).toEqual({
      runAsNode: false,
      enableCookieEncryption: true,
      enableNodeOptionsEnvironmentVariable: false,
      enableNodeCliInspectArguments: false,
      enableEmbeddedAsarIntegrityValidation: true,
      onlyLoadAppFromAsar: true,
      loadBrowserProcessSpecificV8Snapshot: false,
      grantFileProtocolExtraPrivileges: false,
    });
  });

  it('packs into an asar and unpacks the native modules', () => {
    expect(config.asar).toBe(true);
    expect(config.asarUnpack).toContain('**/*.node');
    for (const pkg of ['better-sqlite3', '@serialport/bindings-cpp', 'node-hid']) {
      expect(config.asarUnpack).toContain(`node_modules/${pkg}/**`);
      // The package exists, so the pattern is not a dead letter.
      expect(() => require.resolve(`${pkg}/package.json`)).not.toThrow();
    }
    expect(config.npmRebuild).toBe(true);
  });

  it('starts the compiled shell and ships compiled files only', () => {
    const pkg = JSON.parse(readFileSync(join(repo, 'package.json'), 'utf8')) as { main: string };
    expect(config.extraMetadata.main).toBe('dist/main/electron/main.js');
    expect(config.extraMetadata.main).toBe(pkg.main);
    expect(config.files).toContain('dist/**');
    expect(config.files).toContain(`!${config.directories.output}/**`);
    expect(config.files.some((f) => /^(main|drivers|offline-cache|renderer|test)\//.test(f))).toBe(false);
    expect(config.directories).toEqual({ output: 'dist/installers', buildResources: 'build-resources' });
  });

  it('builds for the kiosk platforms, per-machine on Windows, for the installed Electron', () => {
    expect(config.linux.target).toEqual(['deb', 'AppImage']);
    expect(config.win.target).toEqual(['nsis']);
    expect(config.nsis.perMachine).toBe(true);
    expect(config.nsis.oneClick).toBe(false);
    const electronPkg = JSON.parse(readFileSync(require.resolve('electron/package.json'), 'utf8')) as { version: string };
    expect(config.electronVersion).toBe(electronPkg.version);
  });
});
