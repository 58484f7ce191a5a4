/**
 * Delivery with the real PlatformClient against the platform simulator: how outcomes the platform (or something in
 * front of it) produces become retries or dead letters. Issue 8 items 3 (clock skew) and 4 (a proxy's HTML), and issue 13
 * item 2 (size limits: refused before acceptance; a 413 for a queued entry).
 */
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { openOfflineCache, type OfflineCache } from '../../../offline-cache/index.js';
import { isStorageError } from '../../../offline-cache/index.js';
import { Delivery, enqueueSubmission, SubmissionTooLargeError, type DeliveryEvent } from '../../../main/core/delivery.js';
import { PlatformLink } from '../../../main/core/platform-link.js';
import { PlatformClient, checkCaseSubmissionSize } from '../../../main/platform/client.js';
import { REQUEST_LIMITS } from '../../../main/platform/schemas.js';
import { startPlatformSimulator, type PlatformSimulator, type PlatformSimulatorOptions } from '../../../main/platform/simulator.js';
import { tempDir } from '../../integration/queue/helpers.js';

const TERMINAL = 'NX-T-1';
const KEY = Buffer.alloc(32, 5).toString('base64');
const open: { close(): unknown }[] = [];
afterEach(async () => {
  for (const o of open.splice(0).reverse()) await o.close();
});

interface Setup {
  cache: OfflineCache;
  sim: PlatformSimulator;
  client: PlatformClient;
  delivery: Delivery;
  events: DeliveryEvent[];
  clock: { now: number };
}

async function setup(opts: { kioskSkewMs?: number; sim?: Partial<PlatformSimulatorOptions> } = {}): Promise<Setup> {
  const dir = tempDir('delivery-platform-');
  const clock = { now: Date.now() };
  const cache = openOfflineCache({ dir, keyFile: join(dir, 'keys', 'seal.json'), minFreeBytes: 0, clock: () => clock.now });
  open.push(cache);
  const sim = await startPlatformSimulator({ terminals: { [TERMINAL]: KEY }, ...opts.sim });
  open.push(sim);
  const skew = opts.kioskSkewMs ?? 0;
  const client = new PlatformClient({ baseUrl: sim.url, terminalId: TERMINAL, key: KEY, timeoutMs: 5000, now: () => Date.now() + skew });
  open.push(client);
  const delivery = new Delivery({ outbox: cache.outbox, attachments: cache.attachments, client, terminalId: TERMINAL, backoff: { baseMs: 10, capMs: 50 }, concurrency: 2, clock: () => clock.now, random: () => 0.5 });
  const events: DeliveryEvent[] = [];
  delivery.onResult((e) => events.push(e));
  return { cache, sim, client, delivery, events, clock };
}

function queue(s: Setup, key: string, form: Record<string, unknown> = { a: 1 }, attachments: Uint8Array[] = [Buffer.from(`scan ${key}`)]): number {
  return enqueueSubmission(s.cache.outbox, TERMINAL, { idempotencyKey: key, kind: 'matter', payload: { matterCode: 'M-1', applicantToken: 'tok', form }, attachments }, s.clock.now).id;
}

/** Runs due entries until none is pending; the simulated outbox clock jumps past every backoff. */
async function drain(s: Setup, rounds = 50): Promise<void> {
  const signal = new AbortController().signal;
  for (let i = 0; i < rounds; i++) {
    await s.delivery.runOnce(signal);
    const st = s.cache.outbox.stats(s.clock.now);
    if (st.pending === 0 && st.inFlight === 0) return;
    s.clock.now += 60_000;
  }
}

describe('delivery against the simulator', () => {
  for (const skew of [-600_000, 600_000]) {
    it(`a kiosk clock ${skew / 60_000} minutes off dead-letters nothing: the offset is learned and everything is delivered (issue 8 item 3)`, async () => {
      const s = await setup({ kioskSkewMs: skew });
      const keys = Array.from({ length: 6 }, (_, i) => `skew-${i}`);
      for (const k of keys) queue(s, k);
      await drain(s);
      const st = s.cache.outbox.stats(s.clock.now);
      expect(st).toMatchObject({ pending: 0, dead: 0, acked: keys.length });
      expect(Math.abs(s.client.clock.offsetMs + skew)).toBeLessThan(5000);
      expect(s.sim.cases().map((c) => c.idempotencyKey).sort()).toEqual([...keys].sort());
      expect(s.sim.stats().authFailures).toBeLessThanOrEqual(2); // learned once (two entries may race the first refusal)
      // Every entry went through at its first attempt: a refusal that raced the learning was re-signed at once.
      expect(s.events.every((e) => e.result.kind === 'acked')).toBe(true);
    });
  }

  it("a proxy's HTML 401/404 and a captive portal dead-letter nothing; the link says unreachable or misrouted (issue 8 item 4)", async () => {
    const s = await setup();
    const link = new PlatformLink({ client: s.client, probeMs: 60_000 });
    for (const k of ['html-1', 'html-2']) queue(s, k);
    for (const status of [401, 404, 200, 302] as const) {
      s.sim.setFaults({ proxyHtml: { status } });
      await s.delivery.runOnce(new AbortController().signal);
      s.clock.now += 60_000;
      expect(s.cache.outbox.stats(s.clock.now), String(status)).toMatchObject({ dead: 0, pending: 2 });
      expect(await link.probe(new AbortController().signal)).toBe('offline');
      expect(link.problem).toEqual({ kind: 'misrouted', text: 'platform unreachable or misrouted' });
    }
    const last = s.events.at(-1)?.result;
    expect(last).toMatchObject({ kind: 'retry', reachable: false, problem: { kind: 'misrouted' } });
    expect(last?.kind === 'retry' && last.reason).toMatch(/unreachable or misrouted/);
    s.sim.setFaults({});
    expect(await link.probe(new AbortController().signal)).toBe('online');
    expect(link.problem).toBeNull();
    await drain(s);
    expect(s.cache.outbox.stats(s.clock.now)).toMatchObject({ dead: 0, acked: 2 });
  });

  it('the health probe reports a degraded platform as online with a problem to show', async () => {
    const s = await setup({ sim: { faults: { degraded: true } } });
    const link = new PlatformLink({ client: s.client, probeMs: 60_000 });
    const seen: unknown[] = [];
    link.onProblem((p) => seen.push(p));
    expect(await link.probe(new AbortController().signal)).toBe('online');
    expect(link.problem).toEqual({ kind: 'degraded', text: 'platform reports degraded service' });
    s.sim.setFaults({});
    await link.probe(new AbortController().signal);
    expect(seen).toEqual([{ kind: 'degraded', text: 'platform reports degraded service' }, null]);
  });

  it('refuses an oversized submission or scan before accepting it: nothing is queued (issue 13 item 2)', async () => {
    const s = await setup();
    const big = { text: 'x'.repeat(REQUEST_LIMITS.submitCase) };
    const refuse = (fn: () => unknown): unknown => {
      try {
        fn();
      } catch (e) {
        return e;
      }
      return null;
    };
    const e1 = refuse(() => queue(s, 'big-form', big));
    expect(e1).toBeInstanceOf(SubmissionTooLargeError);
    expect(isStorageError(e1, 'invalid')).toBe(true); // the core's existing mapping: a refusal with this message
    expect(e1).toMatchObject({ what: 'submission', limitBytes: REQUEST_LIMITS.submitCase });
    const e2 = refuse(() => queue(s, 'big-scan', { a: 1 }, [new Uint8Array(REQUEST_LIMITS.putAttachment + 1)]));
    expect(e2).toMatchObject({ what: 'attachment', bytes: REQUEST_LIMITS.putAttachment + 1 });
    expect(s.cache.outbox.stats(s.clock.now)).toMatchObject({ pending: 0, dead: 0 });
    // Just under the limit, whatever acceptance number it gets and with 200 attachments listed, is accepted and delivered.
    const fields = { kind: 'matter', matterCode: 'M-1', submittedAt: new Date(s.clock.now).toISOString(), applicantToken: 'tok', form: { text: '' } };
    const room = REQUEST_LIMITS.submitCase - checkCaseSubmissionSize(fields, 1).bytes;
    expect(refuse(() => queue(s, 'one-byte-over', { text: 'y'.repeat(room + 1) }))).toMatchObject({ what: 'submission', bytes: REQUEST_LIMITS.submitCase + 1 });
    queue(s, 'just-fits', { text: 'y'.repeat(room) });
    await drain(s);
    expect(s.cache.outbox.stats(s.clock.now)).toMatchObject({ acked: 1, dead: 0 });
  });

  it('a 413 from the platform for an entry already queued is a dead letter with its reason, other entries go on (issue 13 item 2)', async () => {
    const s = await setup({ sim: { limits: { submitCase: 4096 } } });
    queue(s, 'fits');
    queue(s, 'too-big-for-this-platform', { text: 'z'.repeat(8000) });
    await drain(s);
    const st = s.cache.outbox.stats(s.clock.now);
    expect(st).toMatchObject({ acked: 1, dead: 1, pending: 0 });
    const dead = s.events.find((e) => e.result.kind === 'dead');
    expect(dead?.result).toEqual({ kind: 'dead', reason: '413 payload-too-large' });
  });
});
