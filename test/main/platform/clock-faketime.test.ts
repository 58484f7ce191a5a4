import { describe, expect, it } from 'vitest';
import { spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { PlatformClient } from '../../../main/platform/client.js';
import { KEY_B64, submission, TERMINAL } from './helpers.js';

/**
 * Issue 8 item 3 with a real clock off: the platform simulator runs in its own process under libfaketime
 * (`faketime`, a system package) ten minutes ahead of this machine, so every request the kiosk's client signs with its
 * own clock is outside the platform's window. The client must learn the offset from the first refusal and succeed.
 */
describe('clock skew against a process whose clock really is off (faketime)', () => {
  it('learns a +10 min platform clock from the first clock-skew refusal and signs with it from then on', { timeout: 60_000 }, async () => {
    const script = fileURLToPath(new URL('../../../main/platform/simulator-main.ts', import.meta.url));
    const child = spawn('faketime', ['-f', '+600s', process.execPath, '--import', 'tsx', script, '--terminal', `${TERMINAL}=${KEY_B64}`, '--port', '0'], {
      stdio: ['ignore', 'pipe', 'inherit'],
      env: { ...process.env, FAKETIME_DONT_FAKE_MONOTONIC: '1' },
      // faketime runs the program as its child: a process group of its own, so both are stopped together.
      detached: true,
    });
    const pid = child.pid;
    try {
      const line = await new Promise<string>((resolve, reject) => {
        createInterface({ input: child.stdout }).once('line', resolve);
        child.once('error', reject); // faketime missing: a failure, never a skip
        child.once('exit', (code) => reject(new Error(`faketime simulator exited ${String(code)}`)));
      });
      const { url } = JSON.parse(line) as { url: string };
      const client = new PlatformClient({ baseUrl: url, terminalId: TERMINAL, key: KEY_B64, timeoutMs: 10_000 });
      const health = await client.health(AbortSignal.timeout(10_000));
      expect(health).toMatchObject({ kind: 'ok', status: 200 });
      // The platform's own time, as it reports it, is ten minutes ahead of ours.
      const reported = health.kind === 'ok' ? Date.parse(health.value.time) - Date.now() : 0;
      expect(Math.abs(reported - 600_000)).toBeLessThan(10_000);
      expect(client.clock.source).toBe('error-body');
      expect(Math.abs(client.clock.offsetMs - 600_000)).toBeLessThan(10_000);
      expect(Math.abs((client.clock.observedOffsetMs ?? 0) - 600_000)).toBeLessThan(10_000);
      expect(await client.submitCase('faketime-1', submission(), AbortSignal.timeout(10_000))).toMatchObject({ kind: 'ok', status: 201 });
      client.close();
    } finally {
      if (pid !== undefined && child.exitCode === null && child.signalCode === null) {
        const exited = new Promise((r) => child.once('exit', r));
        process.kill(-pid, 'SIGTERM');
        await exited;
      }
    }
  });
});
