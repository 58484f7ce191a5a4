import { randomUUID } from 'node:crypto';
import { afterEach, describe, expect, it } from 'vitest';
import { DEV_TERMINAL_KEY } from '../../../main/core/profile.js';
import { PlatformClient } from '../../../main/platform/client.js';
import { startPlatformSimulator, type PlatformSimulator } from '../../../main/platform/simulator.js';
import { startPlatformTap, type PlatformTap } from '../../../main/sim/platform-tap.js';

let platform: PlatformSimulator | null = null;
let tap: PlatformTap | null = null;
let client: PlatformClient | null = null;
afterEach(async () => {
  client?.close();
  await tap?.close();
  await platform?.close();
  client = tap = platform = null;
});

const submission = () => ({
  kind: 'matter',
  matterCode: 'SAMPLE-GA-0002',
  submittedAt: new Date().toISOString(),
  applicantToken: 'a'.repeat(64),
  form: { values: { phone: '13912345678' } },
  attachments: [],
});

describe('platform tap (web mode): what the kiosk delivered to the embedded platform', () => {
  it('keeps case submissions with their key, reply status and case number, and ratings under their case; the rest passes untouched', async () => {
    platform = await startPlatformSimulator({ terminals: { 'NX-DEV-0001': DEV_TERMINAL_KEY } });
    tap = await startPlatformTap(platform.url);
    client = new PlatformClient({ baseUrl: tap.url, terminalId: 'NX-DEV-0001', key: DEV_TERMINAL_KEY, timeoutMs: 5000 });
    const signal = AbortSignal.timeout(10_000);
    expect((await client.health(signal)).kind).toBe('ok');
    const key = randomUUID();
    const body = submission();
    const first = await client.submitCase(key, body, signal);
    if (first.kind !== 'ok') throw new Error(`submit: ${first.kind}`);
    // A retry of the same key: the platform replays its reply; the tap records the second exchange too.
    expect((await client.submitCase(key, body, signal)).kind).toBe('ok');
    expect((await client.submitRating(first.value.caseNumber, { score: 2, comment: '慢' }, signal)).kind).toBe('ok');
    const d = tap.deliveries();
    expect(d.map((x) => [x.kind, x.caseNumber])).toEqual([
      ['case', first.value.caseNumber],
      ['case', first.value.caseNumber],
      ['rating', first.value.caseNumber],
    ]);
    for (const x of d) {
      expect(x.status).toBeGreaterThanOrEqual(200);
      expect(x.status).toBeLessThan(300);
    }
    expect(d[0]).toMatchObject({ idempotencyKey: key, body });
    expect(d[2]?.body).toEqual({ score: 2, comment: '慢' });
    expect(platform.cases()).toEqual([expect.objectContaining({ caseNumber: first.value.caseNumber, requestCount: 2 })]);
  });

  it('an outage of the simulator reaches the kiosk through the tap as an unreachable platform', async () => {
    platform = await startPlatformSimulator({ terminals: { 'NX-DEV-0001': DEV_TERMINAL_KEY } });
    tap = await startPlatformTap(platform.url);
    client = new PlatformClient({ baseUrl: tap.url, terminalId: 'NX-DEV-0001', key: DEV_TERMINAL_KEY, timeoutMs: 5000 });
    platform.setOutage(true);
    const r = await client.submitCase(randomUUID(), submission(), AbortSignal.timeout(10_000));
    expect(r.kind).not.toBe('ok');
    expect(tap.deliveries()).toEqual([expect.objectContaining({ kind: 'case', status: 0, caseNumber: null })]);
    platform.setOutage(false);
    expect((await client.health(AbortSignal.timeout(10_000))).kind).toBe('ok');
  });
});
