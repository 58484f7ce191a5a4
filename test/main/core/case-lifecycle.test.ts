/**
 * Issue 13 acceptance: a case submitted through the kiosk is driven by the platform simulator through
 * 已受理 → 办理中 → 已办结 (and 待补正, 不予受理), and the client reports each state. Also: the kiosk refuses an oversized
 * submission before accepting it (the citizen is told; nothing is queued).
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { KioskError } from '../../../main/contract/index.js';
import { KioskCore } from '../../../main/core/kiosk.js';
import { DEV_TERMINAL_KEY } from '../../../main/core/profile.js';
import { PlatformClient } from '../../../main/platform/client.js';
import { REQUEST_LIMITS } from '../../../main/platform/schemas.js';
import type { CaseState } from '../../../main/platform/schemas.js';
import { startPlatformSimulator, type PlatformSimulator } from '../../../main/platform/simulator.js';
import { tempDir } from '../../integration/queue/helpers.js';

const TERMINAL = 'NX-DEV-0001';
const open: { close(): unknown }[] = [];
afterEach(async () => {
  for (const o of open.splice(0).reverse()) await o.close();
});

async function waitFor(cond: () => boolean, ms: number): Promise<void> {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error('timed out waiting');
    await new Promise((r) => setTimeout(r, 25));
  }
}

async function kioskWith(sim: PlatformSimulator): Promise<KioskCore> {
  const dir = tempDir('case-life-');
  const file = join(dir, 'kiosk.json');
  writeFileSync(file, JSON.stringify({ dataDir: join(dir, 'data'), logging: { level: 'warn' }, platform: { url: sim.url, probeSeconds: 1, retryBaseMs: 10, retryCapMs: 200, timeoutMs: 2000 } }));
  const c = await KioskCore.start({ profilePath: file, host: 'electron', deliveryIdleMs: 20 });
  open.push(c);
  return c;
}

describe('a case submitted through the kiosk, driven through its lifecycle by the simulator', () => {
  it('已受理 → 办理中 → 已办结, 待补正 and 不予受理: the client reports each state', async () => {
    const sim = await startPlatformSimulator({ terminals: { [TERMINAL]: DEV_TERMINAL_KEY } });
    open.push(sim);
    const kiosk = await kioskWith(sim);
    for (const key of ['life-ok', 'life-fix', 'life-no']) {
      await kiosk.submit({ kind: 'matter', idempotencyKey: key, payload: { matterCode: 'M-1', applicantToken: 'a'.repeat(64), form: { x: 1 } }, attachments: [Buffer.from(`scan ${key}`)] });
    }
    await waitFor(() => kiosk.queueStats()?.acked === 3, 15_000);
    const caseOf = (key: string): string => sim.cases().find((c) => c.idempotencyKey === key)?.caseNumber ?? '';
    const client = new PlatformClient({ baseUrl: sim.url, terminalId: TERMINAL, key: DEV_TERMINAL_KEY, timeoutMs: 5000 });
    open.push(client);
    const stateOf = async (n: string): Promise<CaseState | string> => {
      const o = await client.caseStatus(n, AbortSignal.timeout(5000));
      return o.kind === 'ok' ? o.value.state : o.kind;
    };
    const ok = caseOf('life-ok');
    expect(await stateOf(ok)).toBe('received');
    const seen: string[] = [];
    for (const change of [{ state: 'accepted' }, { state: 'in-review' }, { state: 'completed', decision: 'granted' }] as const) {
      await sim.setCaseState(ok, change);
      seen.push(await stateOf(ok));
    }
    expect(seen).toEqual(['accepted', 'in-review', 'completed']);
    const fix = caseOf('life-fix');
    await sim.setCaseState(fix, { state: 'correction-required', corrections: ['身份证复印件不清晰，请重新扫描'] });
    expect(await client.caseStatus(fix, AbortSignal.timeout(5000))).toMatchObject({ kind: 'ok', value: { state: 'correction-required', corrections: ['身份证复印件不清晰，请重新扫描'] } });
    const no = caseOf('life-no');
    await sim.setCaseState(no, { state: 'rejected', reason: '不属于本机关职权范围，请到县民政局办理' });
    expect(await client.caseStatus(no, AbortSignal.timeout(5000))).toMatchObject({ kind: 'ok', value: { state: 'rejected', reason: '不属于本机关职权范围，请到县民政局办理' } });
    // The kiosk's acceptance number travels with the case, so a case query can match the receipt.
    expect(await client.caseStatus(ok, AbortSignal.timeout(5000))).toMatchObject({ kind: 'ok', value: { localAcceptanceNumber: expect.stringMatching(/^NX-DEV-0001-\d{8}-\d{6}$/) } });
  });

  it('refuses an oversized submission with a typed refusal before accepting it: nothing is queued', async () => {
    const sim = await startPlatformSimulator({ terminals: { [TERMINAL]: DEV_TERMINAL_KEY } });
    open.push(sim);
    const kiosk = await kioskWith(sim);
    const refused = await kiosk
      .submit({ kind: 'matter', idempotencyKey: 'too-big', payload: { matterCode: 'M-1', applicantToken: 't', form: { text: 'x'.repeat(REQUEST_LIMITS.submitCase) } } })
      .then(
        () => null,
        (e: unknown) => e,
      );
    expect(refused).toBeInstanceOf(KioskError);
    expect((refused as KioskError).code).toBe('invalid-params');
    expect((refused as KioskError).message).toMatch(/too large for the platform/);
    expect(kiosk.queueStats()).toMatchObject({ pending: 0, dead: 0, acked: 0 });
  });
});
