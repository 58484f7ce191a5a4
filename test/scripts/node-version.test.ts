/**
 * The Node version check of npm start, npm test and kioskctl: the engines range parser against npm's own
 * semver, the message, the refusal of each entry point on a faked old Node, and that the entry points parse
 * on an old Node at all (so it gets the message, not a SyntaxError).
 */
import { fc, test as ftest } from '@fast-check/vitest';
import { copyFileSync, cpSync, existsSync, mkdirSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';
import { enginesRange, satisfies, unsupportedNodeMessage } from '../../scripts/lib/node-version.mjs';
import { ROOT, plainEnv, run, tempDir } from './helpers.js';

// npm's semver (installed with npm's own tooling in the tree) is the reference the parser must agree with.
const semver = createRequire(import.meta.url)('semver') as { satisfies(v: string, r: string): boolean };

const ENGINES = (JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { engines: { node: string } }).engines.node;

describe('satisfies', () => {
  it('reads the repository engines range as npm does', () => {
    expect(enginesRange(ROOT)).toBe(ENGINES);
    for (const v of ['18.20.4', '20.18.3', '20.19.0', '20.20.2', '22.12.0', '22.99.9', '23.0.0', '24.1.0', '12.22.9']) {
      expect(satisfies(v, ENGINES), v).toBe(semver.satisfies(v, ENGINES));
    }
    expect(satisfies('v20.20.2', ENGINES)).toBe(true);
  });

  it('knows the operators, partial versions, wildcards, spaces after operators and alternatives', () => {
    const cases: [string, string, boolean][] = [
      ['20.19.0', '>=20.19 <23', true],
      ['23.0.0', '>=20.19 <23', false],
      ['20.1.0', '^20.19 || ^22', false],
      ['22.3.0', '^20.19 || ^22', true],
      ['20.5.1', '20.x', true],
      ['21.0.0', '20', false],
      ['20.19.5', '~20.19', true],
      ['20.20.0', '~20.19', false],
      ['20.19.0', '>= 20.19', true],
      ['1.0.0', '*', true],
      ['1.0.0', '', true],
      ['0.2.9', '^0.2.3', true],
      ['0.3.0', '^0.2.3', false],
      ['0.0.4', '^0.0.3', false],
    ];
    for (const [v, r, want] of cases) {
      expect(satisfies(v, r), `${v} in "${r}"`).toBe(want);
      expect(semver.satisfies(v, r), `semver: ${v} in "${r}"`).toBe(want);
    }
  });

  it('refuses what it cannot read rather than guessing', () => {
    expect(() => satisfies('20.19.0', '20.0.0 - 22.0.0')).toThrow(/hyphen/);
    expect(() => satisfies('twenty', '>=20')).toThrow(/not a version/);
    expect(() => satisfies('20.x', '>=20')).toThrow(/not a full version/);
    expect(() => satisfies('20.0.0', '>=abc')).toThrow(/not a version/);
  });

  const part = fc.oneof(fc.integer({ min: 0, max: 3 }).map(String), fc.constant('x'));
  const partial = fc
    .tuple(fc.integer({ min: 0, max: 3 }), fc.integer({ min: 0, max: 2 }), part, part)
    .map(([major, n, minor, patch]) => [String(major), minor, patch].slice(0, n + 1).join('.'))
    .filter((p) => !/x\.\d/.test(p)); // a wildcard is only ever followed by wildcards
  const comparator = fc.tuple(fc.constantFrom('', '=', '>=', '>', '<', '<=', '^', '~'), partial).map(([op, p]) => op + p);
  const range = fc.array(fc.array(comparator, { minLength: 1, maxLength: 3 }).map((c) => c.join(' ')), { minLength: 1, maxLength: 2 }).map((s) => s.join(' || '));
  const version = fc.tuple(fc.nat(4), fc.nat(4), fc.nat(4)).map((v) => v.join('.'));

  ftest.prop([version, range], { numRuns: 2000 })('agrees with npm semver on every generated range', (v, r) => {
    expect(satisfies(v, r)).toBe(semver.satisfies(v, r));
  });
});

describe('the message', () => {
  it('names the version found and the range needed', () => {
    const m = unsupportedNodeMessage('kiosk', 'v18.20.4', ENGINES);
    expect(m).toContain('Node.js 18.20.4 is not supported');
    expect(m).toContain(`needs Node.js ${ENGINES}`);
    expect(m).toMatch(/^kiosk: /);
    expect(unsupportedNodeMessage('kiosk', 'v20.20.2', ENGINES)).toBeNull();
  });
});

describe('the entry points on an unsupported Node', () => {
  // Fakes an old Node: process.version is what the check reads.
  const OLD = 'v18.20.4';
  const preload = `data:text/javascript,Object.defineProperty(process,'version',{value:'${OLD}'})`;
  const entries: [string, string[]][] = [
    ['kiosk', ['scripts/start.mjs']],
    ['test', ['scripts/test.mjs']],
    ['kioskctl', ['bin/kioskctl.mjs', '--help']],
    ['build', ['scripts/build.mjs']],
  ];

  it.each(entries)('%s refuses before doing anything, naming both versions', async (who, args) => {
    // A tree with nothing installed: a refusal that came after the install step would start `npm ci` here.
    const dir = tempDir();
    for (const d of ['scripts', 'bin']) cpSync(join(ROOT, d), join(dir, d), { recursive: true });
    for (const f of ['package.json', 'package-lock.json']) copyFileSync(join(ROOT, f), join(dir, f));
    const r = await run(process.execPath, ['--import', preload, ...args], { cwd: dir, env: plainEnv() });
    expect(r.code).toBe(1);
    expect(r.stdout).toBe('');
    expect(r.stderr.trim()).toBe(unsupportedNodeMessage(who, OLD, ENGINES));
    expect(existsSync(join(dir, 'node_modules'))).toBe(false);
    expect(existsSync(join(dir, 'dist'))).toBe(false);
  });

  it('the same entry points go on with the real Node version', async () => {
    const dir = tempDir();
    mkdirSync(join(dir, 'scripts'));
    cpSync(join(ROOT, 'scripts'), join(dir, 'scripts'), { recursive: true });
    copyFileSync(join(ROOT, 'package.json'), join(dir, 'package.json'));
    // An unknown test part is refused after the version check: proof that the check let this Node through.
    const r = await run(process.execPath, ['scripts/test.mjs', 'no-such-part'], { cwd: dir, env: plainEnv() });
    expect(r.stderr).toContain('test: unknown part "no-such-part"');
    expect(r.code).toBe(2);
  });
});

describe('syntax an old Node parses', () => {
  // What runs before the version check: the entry points and the check itself. Node 12 (Ubuntu 22.04's own
  // nodejs) has ES modules and dynamic import() but not ?. ?? ??= ||= &&= or top-level await.
  const files = ['scripts/start.mjs', 'scripts/test.mjs', 'bin/kioskctl.mjs', 'scripts/lib/node-version.mjs'];
  const forbidden = new Map<ts.SyntaxKind, string>([
    [ts.SyntaxKind.QuestionDotToken, '?.'],
    [ts.SyntaxKind.QuestionQuestionToken, '??'],
    [ts.SyntaxKind.QuestionQuestionEqualsToken, '??='],
    [ts.SyntaxKind.BarBarEqualsToken, '||='],
    [ts.SyntaxKind.AmpersandAmpersandEqualsToken, '&&='],
  ]);

  function newerSyntax(name: string, text: string): string[] {
    const source = ts.createSourceFile(name, text, ts.ScriptTarget.Latest, true, ts.ScriptKind.JS);
    const found: string[] = [];
    const at = (node: ts.Node): number => source.getLineAndCharacterOfPosition(node.getStart()).line + 1;
    const visit = (node: ts.Node, inFunction: boolean): void => {
      const construct = forbidden.get(node.kind);
      if (construct) found.push(`${construct} at ${at(node)}`);
      if (ts.isAwaitExpression(node) && !inFunction) found.push(`top-level await at ${at(node)}`);
      if (ts.isImportDeclaration(node) && ts.isStringLiteral(node.moduleSpecifier) && node.moduleSpecifier.text.startsWith('node:')) {
        found.push(`"node:" import at ${at(node)}`);
      }
      node.forEachChild((c) => visit(c, inFunction || ts.isFunctionLike(node)));
    };
    visit(source, false);
    return found;
  }

  it.each(files)('%s', (file) => {
    expect(newerSyntax(file, readFileSync(join(ROOT, file), 'utf8'))).toEqual([]);
  });

  it('the detector finds each construct it forbids', () => {
    const probe = "import { x } from 'node:fs';\nconst a = b?.c;\nconst d = e ?? f;\ng ??= 1;\nh ||= 2;\ni &&= 3;\nawait j;\nasync function k() { await l; }\n";
    expect(newerSyntax('probe.mjs', probe)).toEqual([
      '"node:" import at 1',
      '?. at 2',
      '?? at 3',
      '??= at 4',
      '||= at 5',
      '&&= at 6',
      'top-level await at 7',
    ]);
  });
});
