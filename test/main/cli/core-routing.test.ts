/**
 * kioskctl's routing: through the running core when one runs, directly only where that is safe, and what it
 * says otherwise. In-process (main()) where a core is needed in this process, child processes for stdin.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { main } from '../../../main/cli/index.js';
import { verifyPin } from '../../../main/core/pin.js';
import { SAMPLE_IDENTITIES } from '../../../drivers/id-card/samples.js';
import { removeDir, startTechKiosk, until, type TechKiosk } from '../../helpers/tech.js';

async function run(args: string[]): Promise<{ code: number; out: string[]; err: string[] }> {
  const out: string[] = [];
  const err: string[] = [];
  const code = await main(args, { out: (l) => out.push(l), err: (l) => err.push(l) });
  return { code, out, err };
}

describe('without a running core', () => {
  const empty = mkdtempSync('/tmp/tkn-');
  afterAll(() => removeDir(empty));

  it('device commands need --direct, and say so', async () => {
    for (const args of [['devices', 'list'], ['printer', 'test'], ['id-card', 'read'], ['printer', 'print', '--text', 'x']]) {
      const r = await run([...args, '--data-dir', empty]);
      expect(r.code, args.join(' ')).toBe(2);
      expect(r.err.join('\n')).toMatch(/--direct/);
    }
  });

  it('devices list --direct lists this machine’s serial ports and HID devices', async () => {
    const r = await run(['devices', 'list', '--direct', '--data-dir', empty, '--json']);
    expect(r.code, r.err.join('\n')).toBe(0);
    expect(JSON.parse(r.out[0] ?? '{}')).toMatchObject({ serial: expect.any(Array) });
  });

  it('commands only a core can do say that no core runs', async () => {
    for (const args of [['service', 'out', '--reason', '维护'], ['service', 'in'], ['devices', 'health'], ['devices', 'trace', 'id-card'], ['queue', 'drain-now'], ['platform', 'clock']]) {
      const r = await run([...args, '--data-dir', empty]);
      expect(r.code, args.join(' ')).toBe(2);
      expect(r.err.join('\n')).toMatch(/no kiosk core is running on .* needs the running core/);
    }
  });

  it('queue inspection still works directly on the database', async () => {
    const r = await run(['queue', 'stats', '--data-dir', empty]);
    expect(r.err.join('\n')).toMatch(/no offline cache in/);
  });
});

describe('beside a running core', () => {
  let k: TechKiosk;
  beforeAll(async () => {
    k = await startTechKiosk();
  });
  afterAll(async () => {
    await k.close();
    removeDir(k.dir);
  });

  it('direct device commands are refused: the core holds the devices', async () => {
    for (const args of [['printer', 'print', '--direct', '--port', '/dev/null', '--text', 'x'], ['devices', 'list', '--direct'], ['printer', 'status', '--direct', '--port', '/dev/null']]) {
      const r = await run([...args, '--data-dir', k.dataDir]);
      expect(r.code, args.join(' ')).toBe(2);
      expect(r.err.join('\n')).toMatch(/a kiosk core is running .*(holds the devices)/);
    }
  });

  it('logs tail goes through the core, redacted: no citizen data even right after a card was read', async () => {
    const sample = SAMPLE_IDENTITIES['resident-zhang'];
    if (!sample) throw new Error('sample expected');
    k.kiosk.sim?.placeCard('resident-zhang');
    await until(() => k.core.session.view().screen === 'welcome', 'the citizen session');
    const r = await run(['logs', 'tail', '--lines', '200', '--data-dir', k.dataDir, '--json']);
    expect(r.code, r.err.join('\n')).toBe(0);
    const lines = (JSON.parse(r.out[0] ?? '{}') as { lines: string[] }).lines;
    expect(lines.some((l) => l.includes('card read'))).toBe(true);
    const all = lines.join('\n');
    expect(all).not.toContain(sample.name);
    expect(all).not.toContain(sample.idNumber);
  });

  it('devices status, counters and health print a person’s view and exit 0', async () => {
    const status = await run(['devices', 'status', 'receipt-printer', '--data-dir', k.dataDir]);
    expect(status.code, status.err.join('\n')).toBe(0);
    expect(status.out.join('\n')).toContain('回执打印机 receipt printer · 在线 online');
    const health = await run(['devices', 'health', '--data-dir', k.dataDir]);
    expect(health.code).toBe(0);
    expect(health.out.join('\n')).toMatch(/正常 OK +id-card \(internal\): SAM status OK/);
    const clock = await run(['platform', 'clock', '--data-dir', k.dataDir, '--json']);
    expect(clock.code, clock.err.join('\n')).toBe(0);
    expect(JSON.parse(clock.out[0] ?? '{}')).toMatchObject({ reachable: true, clockOffsetMs: expect.any(Number), catalogVersion: expect.anything() });
  });
});

describe('tech pin-hash', () => {
  it('reads the PIN from stdin and prints a profile entry that verifies it (the PIN is printed nowhere)', async () => {
    const r = spawnSync(process.execPath, [join(process.cwd(), 'bin', 'kioskctl.mjs'), 'tech', 'pin-hash', '--slot', 'zhang.wei', '--stdin', '--json'], { input: '583920\n', encoding: 'utf8' });
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout).not.toContain('583920');
    const entry = JSON.parse(r.stdout) as { slot: string; hash: string };
    expect(entry.slot).toBe('zhang.wei');
    expect(await verifyPin('583920', entry.hash)).toBe(true);
    const weak = spawnSync(process.execPath, [join(process.cwd(), 'bin', 'kioskctl.mjs'), 'tech', 'pin-hash', '--stdin'], { input: '1234\n', encoding: 'utf8' });
    expect(weak.status).toBe(2);
    expect(weak.stderr).toMatch(/run/);
  });
});
