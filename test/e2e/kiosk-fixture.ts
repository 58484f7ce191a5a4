import { test as base, expect, type Page } from '@playwright/test';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface Kiosk {
  url: string;
  origin: string;
  token: string;
  dataDir: string;
  /** Every log line written so far (all rotated files). */
  logs(): string;
  /** The simulator control panel in its own page. */
  openPanel(): Promise<Page>;
}

/** Starts a fresh web-mode kiosk (own data dir and profile) and reads the URL it prints. */
async function startKiosk(profile: object, env: Record<string, string>): Promise<{ kiosk: Kiosk; child: ChildProcess; dir: string }> {
  const dir = mkdtempSync(join(tmpdir(), 'kiosk-e2e-'));
  const dataDir = join(dir, 'data');
  const profileFile = join(dir, 'kiosk.json');
  writeFileSync(profileFile, JSON.stringify({ dataDir, ...profile }, null, 2));
  const child = spawn(process.execPath, ['--import', 'tsx', 'main/web/main.ts', '--profile', profileFile, '--port', '0'], {
    cwd: process.cwd(),
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stderr = '';
  child.stderr?.on('data', (d: Buffer) => (stderr += d.toString()));
  const url = await new Promise<string>((resolve, reject) => {
    let out = '';
    const timer = setTimeout(() => reject(new Error(`kiosk did not print its URL within 20 s\n${out}\n${stderr}`)), 20_000);
    child.stdout?.on('data', (d: Buffer) => {
      out += d.toString();
      const m = /(http:\/\/127\.0\.0\.1:\d+\/\?t=[A-Za-z0-9_-]+)/.exec(out);
      if (m?.[1]) {
        clearTimeout(timer);
        resolve(m[1]);
      }
    });
    child.on('exit', (code) => reject(new Error(`kiosk exited (${code}) before printing its URL\n${out}\n${stderr}`)));
  });
  const parsed = new URL(url);
  const token = parsed.searchParams.get('t') ?? '';
  const kiosk: Kiosk = {
    url,
    origin: parsed.origin,
    token,
    dataDir,
    logs: () => {
      const logDir = join(dataDir, 'logs');
      return readdirSync(logDir)
        .map((f) => readFileSync(join(logDir, f), 'utf8'))
        .join('\n');
    },
    openPanel: async () => {
      throw new Error('replaced per test');
    },
  };
  return { kiosk, child, dir };
}

export const test = base.extend<{ kiosk: Kiosk; kioskProfile: object; kioskEnv: Record<string, string> }>({
  kioskProfile: [{ idle: { timeoutSeconds: 60, warningSeconds: 10, goodbyeSeconds: 30 } }, { option: true }],
  /** More environment for the kiosk process (e.g. KIOSK_VOICE_RECORD_DIR: its voice guidance recorded to WAV files). */
  kioskEnv: [{}, { option: true }],
  kiosk: async ({ kioskProfile, kioskEnv, context }, use) => {
    const { kiosk, child, dir } = await startKiosk(kioskProfile, kioskEnv);
    kiosk.openPanel = async () => {
      const panel = await context.newPage();
      await panel.goto(`${kiosk.origin}/sim?t=${kiosk.token}`);
      await expect(panel.getByRole('heading', { name: /设备模拟器/ })).toBeVisible();
      return panel;
    };
    await use(kiosk);
    child.kill('SIGTERM');
    await new Promise((r) => {
      if (child.exitCode !== null) return r(null);
      child.once('exit', r);
      setTimeout(() => {
        child.kill('SIGKILL');
        r(null);
      }, 5000);
    });
    rmSync(dir, { recursive: true, force: true });
  },
});

export { expect };

/** Saves a named screenshot of the whole page to test-results/screens/<name>.png and attaches it to the report. */
export async function screenshot(page: Page, name: string, testInfo: { attach(n: string, o: { body: Buffer; contentType: string }): Promise<void> }) {
  const dir = join(process.cwd(), 'test-results', 'screens');
  mkdirSync(dir, { recursive: true });
  const body = await page.screenshot({ path: join(dir, `${name}.png`), fullPage: true });
  await testInfo.attach(name, { body, contentType: 'image/png' });
}
