import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { openOfflineCache, type OfflineCache } from '../../../offline-cache/index.js';
import { Delivery, enqueueSubmission } from '../../../main/core/delivery.js';
import { PlatformLink } from '../../../main/core/platform-link.js';
import { PlatformClient } from '../../../main/platform/client.js';
import { seededRandom } from '../../../main/platform/faults.js';
import { startPlatformSimulator, type PlatformSimulator } from '../../../main/platform/simulator.js';
import { tempDir } from '../../integration/queue/helpers.js';

const KEY = Buffer.alloc(32, 7).toString('base64');
const TERMINAL = 'NX-F-1';

let cache: OfflineCache | null = null;
let sim: PlatformSimulator | null = null;
let client: PlatformClient | null = null;
afterEach(async () => {
  client?.close();
  cache?.close();
  await sim?.close();
  cache = null;
  sim = null;
  client = null;
});

async function waitFor(cond: () => boolean, ms: number): Promise<void> {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error('timed out waiting');
    await new Promise((r) => setTimeout(r, 20));
  }
}

describe('delivery against the platform simulator with faults', () => {
  it('30% 5xx, resets, lost acks and an outage window: everything is filed exactly once after the outage ends', async () => {
    const dir = tempDir('delivery-faults-');
    sim = await startPlatformSimulator({ terminals: { [TERMINAL]: KEY }, seed: 77 });
    cache = openOfflineCache({ dir, keyFile: join(dir, 'keys', 'seal.json'), minFreeBytes: 0 });
    client = new PlatformClient({ baseUrl: sim.url, terminalId: TERMINAL, key: KEY, timeoutMs: 2000 });
    const delivery = new Delivery({
      outbox: cache.outbox,
      attachments: cache.attachments,
      client,
      terminalId: TERMINAL,
      backoff: { baseMs: 5, capMs: 150 },
      idleMs: 10,
      random: seededRandom(5),
    });
    const link = new PlatformLink({ client, probeMs: 60_000 });
    const states: string[] = [];
    link.onChange((s) => states.push(s));
    delivery.onResult((e) => link.report(e.result.kind !== 'retry' || e.result.reachable));
    // Outage from the start for 1.2 s (connections reset), then 30% errors, 10% resets, 5% lost acks.
    sim.setFaults({ errorRate: 0.3, resetRate: 0.1, dropAfterCommitRate: 0.05, retryAfterSec: 0, outages: [{ startMs: 0, endMs: 1200, mode: 'reset' }] });
    const keys = Array.from({ length: 30 }, (_, i) => `fault-${i}`);
    for (const [i, k] of keys.entries()) {
      enqueueSubmission(cache.outbox, TERMINAL, { idempotencyKey: k, kind: 'matter', payload: { matterCode: 'M', applicantToken: 't', form: { i } }, attachments: [Buffer.from(`att-${i}`)] });
    }
    delivery.start();
    const c = cache;
    await waitFor(() => c.outbox.stats().acked === keys.length, 30_000);
    await delivery.stop();
    const cases = sim.cases();
    expect(cases.map((x) => x.idempotencyKey).sort()).toEqual([...keys].sort());
    expect(new Set(cases.map((x) => x.caseNumber)).size).toBe(keys.length);
    const st = sim.stats();
    expect(st.faults.errors + st.faults.resets + st.faults.outageRefusals).toBeGreaterThan(0);
    expect(c.outbox.stats()).toMatchObject({ pending: 0, inFlight: 0, dead: 0, acked: keys.length });
    // Reachability followed the outcomes: offline during the outage, online after.
    expect(states[0]).toBe('offline');
    expect(link.state).toBe('online');
  });
});
