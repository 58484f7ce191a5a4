// The body of `npm test` (scripts/test.mjs checks the Node version first).
// Usage: node scripts/test.mjs [lint|typecheck|unit|e2e]   (one part only; the dependency step always runs)
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { ensureBuilt, ensureDependencies } from './prepare.mjs';

const PARTS = ['lint', 'typecheck', 'unit', 'e2e'];

export async function runTests(root, only) {
  if (only !== undefined && !PARTS.includes(only)) {
    console.error(`test: unknown part "${only}" (known: ${PARTS.join(', ')})`);
    process.exit(2);
  }
  const results = join(root, 'test-results');
  const npx = (bin) => join(root, 'node_modules', '.bin', bin);
  const io = { who: 'test', say: (l) => console.log(l), stream: process.stdout };

  function summary() {
    let passed = 0;
    let failed = 0;
    let skipped = 0;
    const vitest = join(results, 'vitest.json');
    if (existsSync(vitest)) {
      const v = JSON.parse(readFileSync(vitest, 'utf8'));
      passed += v.numPassedTests ?? 0;
      failed += v.numFailedTests ?? 0;
      skipped += (v.numPendingTests ?? 0) + (v.numTodoTests ?? 0);
    }
    const pw = join(results, 'playwright.json');
    if (existsSync(pw)) {
      const p = JSON.parse(readFileSync(pw, 'utf8'));
      passed += p.stats?.expected ?? 0;
      failed += (p.stats?.unexpected ?? 0) + (p.stats?.flaky ?? 0);
      skipped += p.stats?.skipped ?? 0;
    }
    console.log(`\ntests: ${passed} passed, ${failed} failed${skipped ? `, ${skipped} skipped` : ''}`);
    return { passed, failed, skipped };
  }

  function step(name, cmd, args, env = {}) {
    if (only && only !== name) return;
    console.log(`\n=== ${name}: ${cmd} ${args.join(' ')}`);
    const t0 = Date.now();
    const r = spawnSync(cmd, args, { cwd: root, stdio: 'inherit', env: { ...process.env, ...env } });
    const secs = ((Date.now() - t0) / 1000).toFixed(1);
    if (r.status !== 0) {
      console.error(`=== ${name} failed (exit ${r.status}) after ${secs} s`);
      summary();
      process.exit(r.status ?? 1);
    }
    console.log(`=== ${name} ok (${secs} s)`);
  }

  // 1. The locked dependencies, as npm start installs them.
  await ensureDependencies(root, io);
  mkdirSync(results, { recursive: true });

  // 2. System packages (installs what is missing when run as root, otherwise says what to install).
  if (!only) {
    const check = spawnSync('bash', [join(root, 'scripts', 'install-system-deps.sh'), '--check'], { encoding: 'utf8' });
    if (check.status !== 0) step('system-packages', 'bash', [join(root, 'scripts', 'install-system-deps.sh')]);
  }
  for (const f of ['vitest.json', 'playwright.json']) rmSync(join(results, f), { force: true });

  step('lint', 'npm', ['run', '-s', 'lint']);
  step('typecheck', 'npm', ['run', '-s', 'typecheck']);
  // The end-to-end tests run web mode from the sources (tsx) but need the built renderer.
  if (!only || only === 'e2e') await ensureBuilt(root, ['renderer'], io);
  step('unit', npx('vitest'), ['run', '--reporter=default', '--reporter=json', `--outputFile=${join(results, 'vitest.json')}`]);
  step('e2e', npx('playwright'), ['test'], { PLAYWRIGHT_JSON_OUTPUT_NAME: join(results, 'playwright.json'), PW_TEST_REPORTER_JSON: '1' });

  if (only === 'lint' || only === 'typecheck') process.exit(0); // a part without tests, and it passed
  const { passed, failed, skipped } = summary();
  if (passed === 0) {
    console.error('no test ran: that is a failure');
    process.exit(1);
  }
  if (skipped > 0) {
    console.error(`${skipped} test(s) skipped: every test must run`);
    process.exit(1);
  }
  process.exit(failed > 0 ? 1 : 0);
}
