import { afterEach, describe, expect, it, vi } from 'vitest';
import { harness, pause } from './harness.js';
import { readCardOnce } from '../../../drivers/id-card/reader.js';
import { IdCardSimulator } from '../../../drivers/id-card/simulator.js';
import { SAMPLE_IDENTITIES, sampleRecord } from '../../../drivers/id-card/samples.js';
import { MemoryTransport } from '../../../drivers/transport/memory.js';
import { DeviceError } from '../../../drivers/device.js';

const WAIT = { timeout: 5000, interval: 5 };
let current: ReturnType<typeof harness> | undefined;
function setup(...args: Parameters<typeof harness>): ReturnType<typeof harness> {
  current = harness(...args);
  return current;
}
afterEach(async () => {
  await current?.reader.close();
  current = undefined;
});

async function online(h: ReturnType<typeof harness>): Promise<void> {
  h.reader.start();
  await vi.waitFor(() => expect(h.reader.status().state).toBe('online'), WAIT);
}

describe('SamIdCardReader over a MemoryPort and the simulator', () => {
  it('comes online with the SAM id as serial and transport info', async () => {
    const h = setup();
    expect(h.reader.kind).toBe('id-card');
    await online(h);
    const s = h.reader.status();
    expect(s.info).toMatchObject({ kind: 'id-card', transport: 'memory', path: 'memory:id-card', serial: '05.01-20258341-000000001-000123456' });
    expect(s.counters.linkUps).toBe(1);
  });

  it('reads every card type and reports each placement once', async () => {
    const h = setup();
    await online(h);
    const keys = Object.keys(SAMPLE_IDENTITIES);
    for (const [i, key] of keys.entries()) {
      h.place(key);
      await vi.waitFor(() => expect(h.cards).toHaveLength(i + 1), WAIT);
      expect(h.cards[i]).toEqual(sampleRecord(key));
      expect(h.reader.cardPresent).toBe(true);
      h.remove();
      await vi.waitFor(() => expect(h.removals).toBe(i + 1), WAIT);
      expect(h.reader.cardPresent).toBe(false);
    }
    expect(h.cards.find((c) => c.idNumber === SAMPLE_IDENTITIES['sample-bad-check']?.idNumber)?.idNumberValid).toBe(false);
    expect(h.counter('cardsRead')).toBe(keys.length);
  });

  it('reads a card once while it stays, and again after removal and re-placing', async () => {
    const h = setup();
    await online(h);
    h.place('resident-zhang');
    await vi.waitFor(() => expect(h.cards).toHaveLength(1), WAIT);
    const findsBefore = h.sim().counters.byCommand.findCard ?? 0;
    await vi.waitFor(() => expect(h.sim().counters.byCommand.findCard ?? 0).toBeGreaterThan(findsBefore + 10), WAIT);
    expect(h.cards).toHaveLength(1);
    expect(h.sim().counters.byCommand.readText).toBe(1);
    h.remove();
    await vi.waitFor(() => expect(h.removals).toBe(1), WAIT);
    h.place('resident-zhang');
    await vi.waitFor(() => expect(h.cards).toHaveLength(2), WAIT);
    expect(h.sim().counters.byCommand.readText).toBe(2);
  });

  it('with a real-SAM-like halt after read, the card is still read only once per placement', async () => {
    const h = setup({ sim: { haltAfterRead: true } });
    await online(h);
    h.place('resident-zhang');
    await vi.waitFor(() => expect(h.cards).toHaveLength(1), WAIT);
    const finds = h.sim().counters.byCommand.findCard ?? 0;
    await vi.waitFor(() => expect(h.sim().counters.byCommand.findCard ?? 0).toBeGreaterThan(finds + 10), WAIT);
    expect(h.cards).toHaveLength(1);
    // known limitation: the halted card looks removed (find-card answers 80)
    expect(h.removals).toBe(1);
    h.place('resident-zhang');
    await vi.waitFor(() => expect(h.cards).toHaveLength(2), WAIT);
  });

  it('goes busy while reading and back online', async () => {
    const h = setup();
    await online(h);
    h.place('hk-mo-tw');
    await vi.waitFor(() => expect(h.cards).toHaveLength(1), WAIT);
    expect(h.states).toContain('busy');
    expect(h.reader.status().state).toBe('online');
  });

  it('survives garbage before replies and counts it', async () => {
    const h = setup();
    await online(h);
    h.fault({ garbage: true });
    h.place('foreign-2023');
    await vi.waitFor(() => expect(h.cards).toHaveLength(1), WAIT);
    expect(h.cards[0]).toEqual(sampleRecord('foreign-2023'));
    expect(h.counter('garbageBytes')).toBeGreaterThan(0);
    expect(h.counter('framingErrors')).toBeGreaterThan(0);
  });

  it('counts bad checksums as typed errors, reports no card, and recovers', async () => {
    const h = setup();
    await online(h);
    h.fault({ badChecksum: true });
    h.place('resident-zhang');
    await vi.waitFor(() => expect(h.counter('checksumErrors')).toBeGreaterThan(2), WAIT);
    expect(h.cards).toHaveLength(0);
    expect(h.reader.status().lastError).toMatchObject({ code: 'checksum', action: 'retry' });
    h.fault({});
    await vi.waitFor(() => expect(h.cards).toHaveLength(1), WAIT);
    expect(h.cards[0]).toEqual(sampleRecord('resident-zhang'));
  });

  it('times out on short frames, never reports a half card, and recovers', async () => {
    const h = setup({ reader: { maxConsecutiveTimeouts: 100 } });
    await online(h);
    h.fault({ shortFrame: true });
    h.place('resident-rare');
    await vi.waitFor(() => expect(h.counter('timeouts')).toBeGreaterThan(1), WAIT);
    expect(h.cards).toHaveLength(0);
    expect(h.reader.status().lastError?.code).toBe('timeout');
    h.fault({});
    await vi.waitFor(() => expect(h.cards).toHaveLength(1), WAIT);
    expect(h.cards[0]).toEqual(sampleRecord('resident-rare'));
  });

  it('on silence: typed timeouts, the link is recycled (offline), and it comes back when the reader answers', async () => {
    const h = setup();
    await online(h);
    h.fault({ silence: true });
    await vi.waitFor(() => expect(h.reader.status().state).toBe('offline'), WAIT);
    expect(h.counter('timeouts')).toBeGreaterThanOrEqual(3);
    expect(h.counter('linkDrops')).toBeGreaterThanOrEqual(1);
    h.fault({});
    h.place('resident-longterm');
    await vi.waitFor(() => expect(h.cards).toHaveLength(1), WAIT);
    expect(h.reader.status().state).toBe('online');
    expect(h.cards[0]?.validTo).toBe('long-term');
  });

  it('a card pulled mid-read (reply cut) gives no card and an error; the next placement reads', async () => {
    const h = setup();
    await online(h);
    h.fault({ pullMidRead: 'cut' });
    h.place('resident-zhang');
    await vi.waitFor(() => expect(h.counter('readFailures')).toBe(1), WAIT);
    expect(h.cards).toHaveLength(0);
    expect(h.sim().cardPlaced).toBe(false);
    expect(h.reader.cardPresent).toBe(false);
    h.fault({});
    h.place('resident-zhang');
    await vi.waitFor(() => expect(h.cards).toHaveLength(1), WAIT);
  });

  it('a card pulled mid-read with status 41 gives a typed card-read-failed error', async () => {
    const h = setup();
    await online(h);
    h.fault({ pullMidRead: 'status41' });
    h.place('resident-zhang');
    await vi.waitFor(() => expect(h.reader.status().lastError?.fault).toBe('card-read-failed'), WAIT);
    expect(h.cards).toHaveLength(0);
    expect(h.reader.status().lastError?.action).toBe('retry');
  });

  it('a SAM self-test failure puts the reader in error with maintenance, and it recovers', async () => {
    const h = setup();
    await online(h);
    h.fault({ samFault: 0x60 });
    await vi.waitFor(() => expect(h.reader.status().state).toBe('error'), WAIT);
    expect(h.reader.status().lastError).toMatchObject({ action: 'maintenance', fault: 'sam-self-test-failed' });
    const health = await h.reader.checkHealth('internal');
    expect(health.ok).toBe(false);
    expect(health.text).toMatch(/self-test/);
    h.fault({});
    await vi.waitFor(() => expect(h.reader.status().state).toBe('online'), WAIT);
  });

  it('stops retrying an unreadable card after maxReadAttempts until it is removed', async () => {
    const h = setup({ reader: { maxReadAttempts: 2 } });
    await online(h);
    h.fault({ cardError: 0x32 });
    h.place('resident-zhang');
    await vi.waitFor(() => expect(h.reader.status().warnings).toContain('card-unreadable'), WAIT);
    // SAM failed to authenticate the card: retry first, then staff ('card might be fake or dirty')
    expect(h.reader.status().lastError).toMatchObject({ action: 'clear', fault: 'sam-auth-card-failed' });
    expect(h.reader.status().lastError?.message).toMatch(/fake or dirty/);
    expect(h.counter('readFailures')).toBe(2);
    h.fault({});
    await pause(100);
    expect(h.cards).toHaveLength(0);
    h.remove();
    await vi.waitFor(() => expect(h.reader.status().warnings).toEqual([]), WAIT);
    h.place('resident-zhang');
    await vi.waitFor(() => expect(h.cards).toHaveLength(1), WAIT);
  });

  it('unplug → offline, plug → online, and reads again', async () => {
    const h = setup();
    await online(h);
    h.place('resident-zhang');
    await vi.waitFor(() => expect(h.cards).toHaveLength(1), WAIT);
    h.port.unplug();
    await vi.waitFor(() => expect(h.reader.status().state).toBe('offline'), WAIT);
    expect(['disconnected', 'not-found']).toContain(h.reader.status().lastError?.code);
    expect(h.removals).toBe(1);
    await pause(100);
    expect(h.reader.status().state).toBe('offline');
    h.port.plug();
    await vi.waitFor(() => expect(h.reader.status().state).toBe('online'), WAIT);
    await vi.waitFor(() => expect(h.cards).toHaveLength(2), WAIT);
    expect(h.counter('linkUps')).toBe(2);
  });

  it('reports no-device when nothing can be opened from the start', async () => {
    const h = setup();
    h.port.unplug();
    h.reader.start();
    await vi.waitFor(() => expect(h.reader.status().state).toBe('no-device'), WAIT);
  });

  it('works when every byte arrives on its own', async () => {
    const h = setup({ maxChunk: 1 });
    await online(h);
    h.place('foreign-old');
    await vi.waitFor(() => expect(h.cards).toHaveLength(1), WAIT);
    expect(h.cards[0]).toEqual(sampleRecord('foreign-old'));
  });

  it('health checks: internal, external (SAM id), interactive (a card within the signal)', async () => {
    const h = setup();
    const offline = await h.reader.checkHealth('internal');
    expect(offline.ok).toBe(false);
    await online(h);
    const internal = await h.reader.checkHealth('internal');
    expect(internal).toMatchObject({ level: 'internal', ok: true });
    const external = await h.reader.checkHealth('external');
    expect(external.ok).toBe(true);
    expect(external.text).toContain('05.01-20258341');
    const none = await h.reader.checkHealth('interactive', AbortSignal.timeout(100));
    expect(none.ok).toBe(false);
    const pending = h.reader.checkHealth('interactive', AbortSignal.timeout(3000));
    await pause(20);
    h.place('resident-longterm');
    const withCard = await pending;
    expect(withCard.ok).toBe(true);
    // the technician text never carries citizen data
    expect(withCard.text).not.toContain('马秀兰');
    expect(withCard.text).not.toContain(SAMPLE_IDENTITIES['resident-longterm']?.idNumber ?? '?');
  });

  it('status snapshots and errors carry no citizen data', async () => {
    const h = setup();
    await online(h);
    h.fault({ pullMidRead: 'status41' });
    h.place('resident-rare');
    await vi.waitFor(() => expect(h.counter('readFailures')).toBeGreaterThan(0), WAIT);
    h.fault({});
    h.place('resident-rare');
    await vi.waitFor(() => expect(h.cards).toHaveLength(1), WAIT);
    const json = JSON.stringify(h.reader.status());
    expect(json).not.toContain('刘䶮');
    expect(json).not.toContain(SAMPLE_IDENTITIES['resident-rare']?.idNumber ?? '?');
  });

  it('close() stops polling and leaves the reader offline', async () => {
    const h = setup();
    await online(h);
    await h.reader.close();
    expect(h.reader.status().state).toBe('offline');
    const finds = h.sim().counters.byCommand.findCard ?? 0;
    await pause(50);
    expect(h.sim().counters.byCommand.findCard ?? 0).toBe(finds);
  });
});

describe('readCardOnce', () => {
  function pair(place?: string, opts: { silent?: boolean } = {}) {
    const [host, device] = MemoryTransport.pair({ path: 'memory:once', maxChunk: 100 });
    const sim = new IdCardSimulator(device);
    if (place) sim.place(SAMPLE_IDENTITIES[place] as NonNullable<(typeof SAMPLE_IDENTITIES)[string]>);
    if (opts.silent) sim.setFaults({ silence: true });
    return { host, sim };
  }

  it('reads a card that is placed while it waits', async () => {
    const { host, sim } = pair();
    const p = readCardOnce(host, { signal: AbortSignal.timeout(5000), timeoutMs: 3000, pollMs: 10 });
    await pause(50);
    sim.place(SAMPLE_IDENTITIES['foreign-old'] as NonNullable<(typeof SAMPLE_IDENTITIES)[string]>);
    await expect(p).resolves.toEqual(sampleRecord('foreign-old'));
    expect(host.isOpen).toBe(true);
  });

  it('times out with a one-line message when no card comes', async () => {
    const { host } = pair();
    const err = await readCardOnce(host, { signal: new AbortController().signal, timeoutMs: 120, pollMs: 10 }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(DeviceError);
    expect(err).toMatchObject({ code: 'timeout', fault: 'no-card', action: 'clear' });
    expect((err as Error).message).not.toContain('\n');
  });

  it('says the reader did not answer when it is silent', async () => {
    const { host } = pair('resident-zhang', { silent: true });
    const err = await readCardOnce(host, { signal: new AbortController().signal, timeoutMs: 150, commandTimeoutMs: 50 }).catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 'timeout', fault: 'no-reply' });
  });

  it('reads through garbage and occasional bad checksums on find', async () => {
    const { host, sim } = pair('resident-longterm');
    sim.setFaults({ garbage: true });
    await expect(readCardOnce(host, { signal: new AbortController().signal, timeoutMs: 2000, pollMs: 10 })).resolves.toEqual(sampleRecord('resident-longterm'));
  });

  it('is canceled by its AbortSignal', async () => {
    const { host } = pair();
    const ac = new AbortController();
    const p = readCardOnce(host, { signal: ac.signal, timeoutMs: 5000, pollMs: 10 });
    await pause(30);
    ac.abort(new Error('technician pressed Ctrl-C'));
    await expect(p).rejects.toMatchObject({ code: 'canceled' });
  });

  it('reports a failing card with the reader status', async () => {
    const { host, sim } = pair('resident-zhang');
    sim.setFaults({ pullMidRead: 'status41' });
    await expect(readCardOnce(host, { signal: new AbortController().signal, timeoutMs: 1000 })).rejects.toMatchObject({ code: 'device-fault', fault: 'card-read-failed' });
  });
});
