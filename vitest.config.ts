import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts', 'test/**/*.test.tsx'],
    exclude: ['test/e2e/**', 'node_modules/**'],
    environment: 'node',
    // The tests run the sources: kioskctl (bin/kioskctl.mjs) spawned by a test runs main/cli through tsx,
    // never the compiled build npm start and technicians use.
    // Voice guidance is silent in tests (tests that check speech pass a recording engine).
    env: { KIOSK_FROM_SOURCES: '1', KIOSK_VOICE_ENGINE: 'muted' },
    testTimeout: 30_000,
    hookTimeout: 30_000,
    // Integration tests use real ptys, sockets and child processes: keep parallelism modest on 2 cores.
    maxWorkers: 2,
    reporters: process.env.CI ? ['default'] : ['default'],
    // A test file that forgets to assert anything fails.
    expect: { requireAssertions: true },
  },
});
