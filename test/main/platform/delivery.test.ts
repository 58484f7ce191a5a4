import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { PlatformClient } from '../../../main/platform/client.js';
import type { Outcome } from '../../../main/platform/client.js';
import { backoffDelay } from '../../../drivers/device.js';
import { seededRandom } from '../../../main/platform/faults.js';
import { startPlatformSimulator } from '../../../main/platform/simulator.js';
import type { PlatformSimulator } from '../../../main/platform/simulator.js';
import type { CaseReceipt } from '../../../main/platform/schemas.js';
import { KEY_B64, submission, TERMINAL } from './helpers.js';

/** The delivery loop in miniature: same key on every retry, backoff on retryable, stop on ok or permanent. */
async function deliver(client: PlatformClient, key: string, body: ReturnType<typeof submission>, random: () => number): Promise<{ outcome: Outcome<CaseReceipt>; attempts: number }> {
  for (let attempt = 0; ; attempt++) {
    const outcome = await client.submitCase(key, body, AbortSignal.timeout(10_000));
    if (outcome.kind !== 'retryable') return { outcome, attempts: attempt + 1 };
    if (attempt > 200) return { outcome, attempts: attempt + 1 };
    const delay = backoffDelay(attempt, { baseMs: 2, capMs: 40, random }, Math.min(outcome.retryAfterMs ?? 0, 50));
    await new Promise((r) => setTimeout(r, delay));
  }
}

let sim: PlatformSimulator;
let client: PlatformClient;

beforeEach(async () => {
  sim = await startPlatformSimulator({ terminals: { [TERMINAL]: KEY_B64 }, seed: 20250601 });
  client = new PlatformClient({ baseUrl: sim.url, terminalId: TERMINAL, key: KEY_B64, timeoutMs: 2000 });
});
afterEach(async () => {
  client.close();
  await sim.close();
});

describe('exactly-once delivery through faults', () => {
  it('gets every submission accepted exactly once with 30% errors and 10% resets, retrying with the same key', async () => {
    sim.setFaults({ errorRate: 0.3, resetRate: 0.1, retryAfterSec: 0, latencyMs: { min: 0, max: 3 } });
    const random = seededRandom(99);
    const keys = Array.from({ length: 40 }, (_, i) => `sub-${i}`);
    const results = await Promise.all(keys.map((k, i) => deliver(client, k, submission({ form: { n: i } }), random)));
    expect(results.every((r) => r.outcome.kind === 'ok')).toBe(true);
    const stats = sim.stats();
    expect(stats.faults.errors).toBeGreaterThan(0);
    expect(stats.faults.resets).toBeGreaterThan(0);

    const res = await fetch(`${sim.url}/_sim/cases`);
    const cases = (await res.json()) as { idempotencyKey: string; caseNumber: string }[];
    expect(cases.map((c) => c.idempotencyKey).sort()).toEqual([...keys].sort());
    expect(new Set(cases.map((c) => c.caseNumber)).size).toBe(keys.length);
    const byKey = new Map(cases.map((c) => [c.idempotencyKey, c.caseNumber]));
    for (const [i, r] of results.entries()) {
      expect(r.outcome.kind === 'ok' && r.outcome.value.caseNumber).toBe(byKey.get(keys[i] ?? ''));
    }
  });

  it('answers the retry after a lost acknowledgement with the stored reply: exactly one case', async () => {
    sim.setFaults({ dropAfterCommitRate: 1 });
    const lost = await client.submitCase('lost-ack', submission(), AbortSignal.timeout(5000));
    expect(lost).toMatchObject({ kind: 'retryable', reason: 'network' });
    expect(sim.cases()).toEqual([expect.objectContaining({ idempotencyKey: 'lost-ack', requestCount: 1 })]);
    sim.setFaults({});
    const retry = await client.submitCase('lost-ack', submission(), AbortSignal.timeout(5000));
    expect(retry).toMatchObject({ kind: 'ok', status: 201, replayed: true });
    const cases = sim.cases();
    expect(cases).toHaveLength(1);
    expect(cases[0]).toMatchObject({ requestCount: 2 });
    expect(retry.kind === 'ok' && retry.value.caseNumber).toBe(cases[0]?.caseNumber);
  });

  it('rides out an outage window and a slow, dribbled reply', async () => {
    sim.setFaults({ outages: [{ startMs: 0, endMs: 500, mode: 'reset' }], slowBodyMs: 40 });
    const first = await client.submitCase('outage-1', submission(), AbortSignal.timeout(5000));
    expect(first).toMatchObject({ kind: 'retryable', reason: 'network' });
    const { outcome } = await deliver(client, 'outage-1', submission(), seededRandom(1));
    expect(outcome).toMatchObject({ kind: 'ok', status: 201 });
    expect(sim.cases()).toHaveLength(1);
    expect(sim.stats().faults.outageRefusals).toBeGreaterThan(0);
  });
});
