import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts', 'test/**/*.test.tsx'],
    exclude: ['test/e2e/**', 'node_modules/**'],
    environment: 'node',
    testTimeout: 30_000,
    hookTimeout: 30_000,
    // Integration tests use real ptys, sockets and child processes: keep parallelism modest on 2 cores.
    maxWorkers: 2,
    reporters: process.env.CI ? ['default'] : ['default'],
    // A test file that forgets to assert anything fails.
    expect: { requireAssertions: true },
  },
});
