/**
 * The ID card reader against its simulator over real kernel pseudo-terminals (socat):
 * reader on hostPath through SerialOpener, simulator on devicePath through SerialTransport
 * (kept open by a LinkKeeper so it comes back after an "unplug").
 */
import { afterEach, describe, expect, it } from 'vitest';
import type { DeviceState } from '../../../drivers/device.js';
import { SamIdCardReader } from '../../../drivers/id-card/reader.js';
import { sampleRecord } from '../../../drivers/id-card/samples.js';
import { IdCardSimulator } from '../../../drivers/id-card/simulator.js';
import type { IdentityRecord } from '../../../drivers/id-card/types.js';
import { LinkKeeper } from '../../../drivers/transport/keeper.js';
import { SerialOpener } from '../../../drivers/transport/serial.js';
import { until } from '../../helpers/until.js';
import { createPtyPair, usePtyPairs, type PtyPair } from '../../helpers/pty.js';

usePtyPairs();

interface Rig {
  pty: PtyPair;
  reader: SamIdCardReader;
  /** The simulator on the current link (a new one after every reconnect). */
  sim(): IdCardSimulator;
  place(id: IdentityRecord): void;
  remove(): void;
  cards: IdentityRecord[];
  removals: number;
  stop(): Promise<void>;
}

const rigs: Rig[] = [];
afterEach(async () => {
  await Promise.all(rigs.splice(0).map((r) => r.stop()));
});

async function rig(): Promise<Rig> {
  const pty = await createPtyPair();
  let current: IdCardSimulator | undefined;
  let placed: IdentityRecord | undefined;
  const deviceSide = new LinkKeeper(new SerialOpener({ path: pty.devicePath }), { baseMs: 50, capMs: 200 });
  deviceSide.on((e) => {
    if (e.type !== 'up') return;
    current?.dispose();
    current = new IdCardSimulator(e.transport);
    if (placed) current.place(placed);
  });
  deviceSide.start();
  await deviceSide.ready(AbortSignal.timeout(5000));
  const reader = new SamIdCardReader('id-card', new SerialOpener({ path: pty.hostPath }), { pollMs: 100, commandTimeoutMs: 500, keeper: { baseMs: 100, capMs: 1000 } });
  const r: Rig = {
    pty,
    reader,
    sim: () => {
      if (!current) throw new Error('no simulator link');
      return current;
    },
    place(id) {
      placed = id; // a reconnected simulator gets the same card
      r.sim().place(id);
    },
    remove() {
      placed = undefined;
      r.sim().remove();
    },
    cards: [],
    removals: 0,
    async stop() {
      await reader.close();
      await deviceSide.stop();
    },
  };
  reader.onCard((c) => r.cards.push(c));
  reader.onRemoved(() => r.removals++);
  reader.start();
  await until('reader online', () => reader.status().state === 'online', 5000);
  rigs.push(r);
  return r;
}

function sample(key: string): IdentityRecord {
  const s = sampleRecord(key);
  if (!s) throw new Error(`no sample ${key}`);
  return s;
}

describe('ID card reader ↔ simulator over a pty', () => {
  it('reads each of the four card types, field by field', async () => {
    const r = await rig();
    for (const key of ['resident-rare', 'hk-mo-tw', 'foreign-old', 'foreign-2023']) {
      const before = r.cards.length;
      r.place(sample(key));
      const card = await until(`card ${key}`, () => r.cards[before], 5000);
      expect(card).toEqual(sample(key));
      r.remove();
      await until(`removal of ${key}`, () => r.removals > before, 5000);
    }
    expect(r.reader.status().counters).toMatchObject({ cardsRead: 4, removals: 4 });
  });

  it('reads a card once per placement: removal and re-read', async () => {
    const r = await rig();
    r.place(sample('resident-zhang'));
    await until('first read', () => r.cards.length === 1, 5000);
    await new Promise((res) => setTimeout(res, 400)); // several polls with the card still there
    expect(r.cards).toHaveLength(1);
    r.remove();
    await until('removal', () => r.removals === 1, 5000);
    expect(r.reader.cardPresent).toBe(false);
    r.place(sample('resident-zhang'));
    await until('second read', () => r.cards.length === 2, 5000);
    expect(r.cards[1]).toEqual(sample('resident-zhang'));
  });

  it('garbage bytes and bad checksums are counted as typed errors and the reader recovers', async () => {
    const r = await rig();
    r.sim().setFaults({ garbage: true });
    r.place(sample('resident-longterm'));
    await until('read through garbage', () => r.cards.length === 1, 5000);
    expect(r.cards[0]).toEqual(sample('resident-longterm'));
    expect(r.reader.status().counters.garbageBytes).toBeGreaterThan(0);

    r.remove();
    await until('removal', () => r.removals === 1, 5000);
    r.sim().clearFaults();
    r.sim().setFaults({ badChecksum: true });
    r.place(sample('hk-mo-tw'));
    await until('checksum errors counted', () => (r.reader.status().counters.checksumErrors ?? 0) >= 3, 5000);
    expect(r.cards).toHaveLength(1); // nothing decoded from corrupted frames
    r.sim().clearFaults();
    const card = await until('read after recovery', () => r.cards[1], 8000);
    expect(card).toEqual(sample('hk-mo-tw'));
    expect(['online', 'busy']).toContain(r.reader.status().state);
  });

  it('unplug (socat killed) → offline within 2 s; plugged back (same paths) → online within 5 s', async () => {
    const r = await rig();
    const states: DeviceState[] = [];
    r.reader.onStatus((s) => states.push(s.state));
    const t0 = performance.now();
    await r.pty.kill();
    await until('offline', () => r.reader.status().state === 'offline', 2000);
    const offlineMs = performance.now() - t0;
    const t1 = performance.now();
    await r.pty.restart();
    await until('online again', () => r.reader.status().state === 'online', 5000);
    const onlineMs = performance.now() - t1;
    console.log(`id-card over pty: offline ${offlineMs.toFixed(0)} ms after unplug; online ${onlineMs.toFixed(0)} ms after replug (socat start included)`);
    expect(states).toContain('offline');
    expect(r.reader.status().counters.linkDrops).toBeGreaterThanOrEqual(1);
    // And it still reads.
    r.place(sample('foreign-old'));
    const card = await until('read after replug', () => r.cards[0], 5000);
    expect(card).toEqual(sample('foreign-old'));
  });
});
