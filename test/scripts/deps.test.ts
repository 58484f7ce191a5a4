/**
 * The dependency step (scripts/lib/deps.mjs): when node_modules counts as installed for the lockfile and this
 * Node, and the sub-step names shown as install progress.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { dependencyState, INSTALL_STAMP, installedMatchesLock, npmStep } from '../../scripts/lib/deps.mjs';
import { readStamp, writeStamp } from '../../scripts/lib/fingerprint.mjs';
import { tempDir } from './helpers.js';

interface Pkg {
  version: string;
  integrity?: string;
  optional?: boolean;
}
const LOCKED: Record<string, Pkg> = {
  'node_modules/zod': { version: '4.6.7', integrity: 'sha512-zod' },
  'node_modules/ws': { version: '8.23.0', integrity: 'sha512-ws' },
  'node_modules/@rolldown/binding-darwin-arm64': { version: '1.2.19', integrity: 'sha512-darwin', optional: true },
};

/** A repository with a lockfile and (optionally) node_modules with npm's record of what it installed. */
function repo({ installed }: { installed?: Record<string, Pkg> } = {}): string {
  const dir = tempDir();
  writeFileSync(join(dir, 'package-lock.json'), JSON.stringify({ lockfileVersion: 3, packages: { '': { name: 'x' }, ...LOCKED } }, null, 2));
  if (installed) {
    mkdirSync(join(dir, 'node_modules'));
    writeFileSync(join(dir, 'node_modules', '.package-lock.json'), JSON.stringify({ lockfileVersion: 3, packages: installed }));
  }
  return dir;
}
const { 'node_modules/@rolldown/binding-darwin-arm64': _optional, ...REQUIRED } = LOCKED;

describe('installedMatchesLock', () => {
  it('every required package at its locked version and integrity; optional ones may be missing', () => {
    expect(installedMatchesLock(repo({ installed: REQUIRED }))).toBe(true);
    expect(installedMatchesLock(repo({ installed: LOCKED }))).toBe(true);
  });
  it('a missing, older or differently built package does not match', () => {
    const { 'node_modules/ws': _ws, ...noWs } = REQUIRED;
    expect(installedMatchesLock(repo({ installed: noWs }))).toBe(false);
    expect(installedMatchesLock(repo({ installed: { ...REQUIRED, 'node_modules/ws': { version: '8.22.0', integrity: 'sha512-ws' } } }))).toBe(false);
    expect(installedMatchesLock(repo({ installed: { ...REQUIRED, 'node_modules/ws': { version: '8.23.0', integrity: 'sha512-other' } } }))).toBe(false);
  });
  it('no record of npm (an interrupted install) does not match', () => {
    const dir = repo();
    mkdirSync(join(dir, 'node_modules'));
    expect(installedMatchesLock(dir)).toBe(false);
  });
});

describe('dependencyState', () => {
  it('a fresh clone needs an install', () => {
    expect(dependencyState(repo())).toEqual({ ok: false, why: 'node_modules does not exist (a fresh clone)' });
  });

  it('node_modules from a plain npm ci is adopted once, then checked by the stamp alone', () => {
    const dir = repo({ installed: REQUIRED });
    expect(dependencyState(dir)).toEqual({ ok: true, adopted: true });
    const stamp = readStamp(join(dir, INSTALL_STAMP));
    expect(stamp).toMatchObject({ abi: process.versions.modules, node: process.version });
    expect(dependencyState(dir)).toEqual({ ok: true });
  });

  it('a lockfile change that node_modules does not follow needs an install', () => {
    const dir = repo({ installed: REQUIRED });
    expect(dependencyState(dir).ok).toBe(true);
    writeFileSync(join(dir, 'package-lock.json'), JSON.stringify({ lockfileVersion: 3, packages: { ...LOCKED, 'node_modules/ws': { version: '8.24.0', integrity: 'sha512-ws2' } } }));
    expect(dependencyState(dir)).toEqual({ ok: false, why: 'package-lock.json changed since the last install' });
  });

  it('a lockfile change that node_modules already follows (npm install did both) is adopted', () => {
    const dir = repo({ installed: REQUIRED });
    expect(dependencyState(dir).ok).toBe(true);
    writeFileSync(join(dir, 'package-lock.json'), JSON.stringify({ lockfileVersion: 3, packages: LOCKED }, null, 4));
    expect(dependencyState(dir)).toEqual({ ok: true, adopted: true });
  });

  it('native modules built for another Node need an install, naming both', () => {
    const dir = repo({ installed: REQUIRED });
    expect(dependencyState(dir).ok).toBe(true);
    const stamp = readStamp(join(dir, INSTALL_STAMP));
    writeStamp(join(dir, INSTALL_STAMP), { ...stamp, abi: '108', node: 'v18.20.4' });
    const s = dependencyState(dir);
    expect(s.ok).toBe(false);
    expect(s.why).toContain('Node ABI 108 (Node v18.20.4)');
    expect(s.why).toContain(process.version);
  });
});

describe('npmStep', () => {
  it('names the install script npm is running', () => {
    expect(npmStep('> better-sqlite3@12.11.1 install')).toBe('install script of better-sqlite3');
    expect(npmStep('> @serialport/bindings-cpp@13.0.0 install')).toBe('install script of @serialport/bindings-cpp');
    expect(npmStep('> ningxia-kiosk@0.1.0 postinstall')).toBe("fetching Electron's binary");
    expect(npmStep('> prebuild-install || node-gyp rebuild --release')).toBeNull();
    expect(npmStep('gyp info ok')).toBeNull();
  });
});
