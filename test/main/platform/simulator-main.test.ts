import { describe, expect, it } from 'vitest';
import { spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { parseSimulatorArgs, SimulatorArgsError } from '../../../main/platform/simulator-main.js';
import { PlatformClient } from '../../../main/platform/client.js';
import { KEY_B64, TERMINAL } from './helpers.js';

describe('parseSimulatorArgs', () => {
  it('turns flags into simulator options', () => {
    expect(parseSimulatorArgs(['--terminal', 'k1=QUJD', '--terminal', 'k2=REVG', '--port', '8787', '--store', '/tmp/s.jsonl', '--fault', 'error=0.3,latency=20-200', '--seed', '7', '--skew-ms', '1000', '--catalog-file', 'c.json'])).toEqual({
      options: {
        terminals: { k1: 'QUJD', k2: 'REVG' },
        port: 8787,
        storeFile: '/tmp/s.jsonl',
        faults: { errorRate: 0.3, latencyMs: { min: 20, max: 200 } },
        seed: 7,
        skewMs: 1000,
      },
      catalogFile: 'c.json',
    });
  });

  it('turns --progression-step-ms into the standard timed progression', () => {
    expect(parseSimulatorArgs(['--terminal', 'k=QUJD', '--progression-step-ms', '5000']).options.progression).toEqual([
      { state: 'accepted', afterMs: 5000 },
      { state: 'in-review', afterMs: 5000 },
      { state: 'completed', afterMs: 5000, decision: 'granted' },
    ]);
  });

  it('refuses bad arguments with a typed error', () => {
    for (const argv of [[], ['--terminal'], ['--terminal', 'nokey'], ['--terminal', 'k=QUJD', '--port', 'x'], ['--terminal', 'k=QUJD', '--port', '70000'], ['--terminal', 'k=QUJD', '--host', '0.0.0.0'], ['--terminal', 'k=QUJD', '--fault', 'boom=1'], ['--terminal', 'k=QUJD', '--what']]) {
      expect(() => parseSimulatorArgs(argv), argv.join(' ')).toThrow(SimulatorArgsError);
    }
  });
});

describe('simulator as its own process', () => {
  it('starts, prints its URL, serves signed requests and stops on SIGTERM', async () => {
    const script = fileURLToPath(new URL('../../../main/platform/simulator-main.ts', import.meta.url));
    const child = spawn(process.execPath, ['--import', 'tsx', script, '--terminal', `${TERMINAL}=${KEY_B64}`, '--port', '0'], { stdio: ['ignore', 'pipe', 'inherit'] });
    try {
      const line = await new Promise<string>((resolve, reject) => {
        createInterface({ input: child.stdout }).once('line', resolve);
        child.once('exit', (code) => reject(new Error(`exited ${String(code)}`)));
      });
      const { url } = JSON.parse(line) as { url: string };
      expect(url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
      const client = new PlatformClient({ baseUrl: url, terminalId: TERMINAL, key: KEY_B64, timeoutMs: 5000 });
      expect(await client.health(AbortSignal.timeout(5000))).toMatchObject({ kind: 'ok', status: 200 });
      client.close();
      const exited = new Promise<number | null>((r) => child.once('exit', (code) => r(code)));
      child.kill('SIGTERM');
      expect(await exited).toBe(0);
    } finally {
      if (child.exitCode === null) child.kill('SIGKILL');
    }
  });
});
