import { defineConfig } from '@playwright/test';

// The kiosks these tests start speak nothing aloud (the voice journey records to WAV files instead).
process.env.KIOSK_VOICE_ENGINE ??= 'muted';

export default defineConfig({
  testDir: 'test/e2e',
  outputDir: 'test-results/e2e',
  timeout: 60_000,
  expect: { timeout: 10_000 },
  fullyParallel: false,
  workers: 1,
  retries: 0,
  forbidOnly: true,
  reporter: process.env.PW_TEST_REPORTER_JSON ? [['list'], ['json']] : [['list']],
  use: {
    headless: true,
    viewport: { width: 1280, height: 900 },
    locale: 'zh-CN',
    screenshot: 'only-on-failure',
    trace: 'retain-on-failure',
    launchOptions: {
      executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
      args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
    },
  },
});
