/**
 * The presence loop's cadence (issue 10 item 2), on a simulated clock: find-card every pollMs start to start
 * while no card lies on the reader, every presentPollMs while a read card does or after a failed poll, never
 * two polls closer than minGapMs. Counted as find-card requests written to the link; no wall time involved.
 */
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { IdCardSimulator } from '../../../drivers/id-card/simulator.js';
import { FRAMES } from '../../../drivers/id-card/protocol/commands.js';
import { SamIdCardReader, type SamIdCardReaderOptions } from '../../../drivers/id-card/reader.js';
import { SAMPLE_IDENTITIES } from '../../../drivers/id-card/samples.js';
import { PRESENCE_DEFAULTS } from '../../../drivers/id-card/types.js';
import { MemoryPort, type MemoryTransport } from '../../../drivers/transport/memory.js';
import type { TransportOpener } from '../../../drivers/transport/transport.js';

function sample(key: string) {
  const s = SAMPLE_IDENTITIES[key];
  if (!s) throw new Error(`no sample ${key}`);
  return s;
}

const sameBytes = (a: Uint8Array, b: Uint8Array): boolean => a.length === b.length && a.every((x, i) => x === b[i]);

function rig(opts: SamIdCardReaderOptions = {}) {
  let sim: IdCardSimulator | undefined;
  const port = new MemoryPort('memory:id-card', (end: MemoryTransport) => {
    sim = new IdCardSimulator(end);
  });
  /** Simulated times (performance.now) of every find-card request written. */
  const finds: number[] = [];
  const opener: TransportOpener = {
    kind: port.kind,
    path: port.path,
    async open(signal) {
      const t = await port.open(signal);
      const write = t.write.bind(t);
      t.write = (bytes, sig) => {
        if (sameBytes(bytes, FRAMES.findCard)) finds.push(performance.now());
        return write(bytes, sig);
      };
      return t;
    },
  };
  const reader = new SamIdCardReader('id-card', opener, { commandTimeoutMs: 400, keeper: { baseMs: 10, capMs: 40 }, ...opts });
  const cards: number[] = [];
  reader.onCard(() => cards.push(performance.now()));
  const simulator = (): IdCardSimulator => {
    if (!sim) throw new Error('no simulator connected yet');
    return sim;
  };
  /** find-card requests written in [from, to) of simulated time. */
  const between = (from: number, to: number): number => finds.filter((t) => t >= from && t < to).length;
  return { reader, finds, cards, simulator, between };
}

let current: ReturnType<typeof rig> | undefined;

beforeEach(() => {
  vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'setInterval', 'clearInterval', 'setImmediate', 'clearImmediate', 'Date', 'performance'] });
});

afterEach(async () => {
  const r = current;
  current = undefined;
  if (r) {
    const closing = r.reader.close();
    await vi.runOnlyPendingTimersAsync();
    await closing;
  }
  vi.useRealTimers();
});

async function onlineRig(opts: SamIdCardReaderOptions = {}): Promise<ReturnType<typeof rig>> {
  const r = rig(opts);
  current = r;
  r.reader.start();
  for (let i = 0; i < 200 && r.reader.status().state !== 'online'; i++) await vi.advanceTimersByTimeAsync(5);
  expect(r.reader.status().state).toBe('online');
  return r;
}

describe('ID card presence cadence (simulated clock)', () => {
  it('polls every 60 ms start to start while no card lies on the reader (the default), not every 300 ms', async () => {
    expect(PRESENCE_DEFAULTS.pollMs).toBe(60);
    const r = await onlineRig();
    const t0 = performance.now();
    await vi.advanceTimersByTimeAsync(1200);
    // 1200 ms / 60 ms = 20 polls (±1 for where the window cuts the sequence).
    expect(r.between(t0, t0 + 1200)).toBeGreaterThanOrEqual(19);
    expect(r.between(t0, t0 + 1200)).toBeLessThanOrEqual(21);
  });

  it('a placed card is read once, then polled every 250 ms while it lies there, and fast again once it is gone', async () => {
    const r = await onlineRig();
    r.simulator().place(sample('resident-zhang'));
    for (let i = 0; i < 200 && r.cards.length === 0; i++) await vi.advanceTimersByTimeAsync(5);
    expect(r.cards).toHaveLength(1);
    await vi.advanceTimersByTimeAsync(300);
    const t0 = performance.now();
    await vi.advanceTimersByTimeAsync(2000);
    // 2000 ms / 250 ms = 8 (±1).
    expect(r.between(t0, t0 + 2000)).toBeGreaterThanOrEqual(7);
    expect(r.between(t0, t0 + 2000)).toBeLessThanOrEqual(9);
    expect(r.cards).toHaveLength(1);

    r.simulator().remove();
    await vi.advanceTimersByTimeAsync(600);
    const t1 = performance.now();
    await vi.advanceTimersByTimeAsync(1200);
    // Fast again: 1200 ms / 60 ms = 20 (−1), not 1200 / 250.
    expect(r.between(t1, t1 + 1200)).toBeGreaterThanOrEqual(19);
  });

  it('honours the profile\'s intervals, and never polls closer than minGapMs even with pollMs 0', async () => {
    const slow = await onlineRig({ pollMs: 100, presentPollMs: 500 });
    let t0 = performance.now();
    await vi.advanceTimersByTimeAsync(1000);
    expect(slow.between(t0, t0 + 1000)).toBeGreaterThanOrEqual(9);
    expect(slow.between(t0, t0 + 1000)).toBeLessThanOrEqual(11);
    await slow.reader.close();
    current = undefined;

    const eager = await onlineRig({ pollMs: 0, minGapMs: 5 });
    t0 = performance.now();
    await vi.advanceTimersByTimeAsync(100);
    const polls = eager.finds.filter((t) => t >= t0);
    expect(polls.length).toBeGreaterThan(5);
    for (let i = 1; i < polls.length; i++) expect((polls[i] ?? 0) - (polls[i - 1] ?? 0)).toBeGreaterThanOrEqual(5);
  });
});
