import { afterEach, describe, expect, it } from 'vitest';
import type { DeviceStatusSnapshot } from '../../../drivers/device.js';
import { SamIdCardReader } from '../../../drivers/id-card/reader.js';
import { SAMPLE_IDENTITIES } from '../../../drivers/id-card/samples.js';
import { IdCardSimulator } from '../../../drivers/id-card/simulator.js';
import type { IdentityRecord } from '../../../drivers/id-card/types.js';
import { HidOpener } from '../../../drivers/transport/hid.js';
import { FakeNodeHid } from '../../helpers/fake-node-hid.js';

/**
 * The HID variant of the ID card reader: the same SAM frames carried in HID reports (report id and size
 * configurable, as vendors differ). No virtual HID device is possible here (/dev/uhid is missing), so the
 * reader runs over HidTransport against a fake at the node-hid API boundary, with the simulator on the fake's device end.
 */
const INFO = { path: '/dev/hidraw-sam', vendorId: 0x0400, productId: 0xc35a };

let cleanup: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const c of cleanup.reverse()) await c();
  cleanup = [];
});

async function until<T>(fn: () => T | undefined, ms = 5000): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const v = fn();
    if (v !== undefined) return v;
    if (Date.now() > end) throw new Error('timed out');
    await new Promise((r) => setTimeout(r, 10));
  }
}

describe.each([
  { reportId: 0, reportSize: 64 },
  { reportId: 2, reportSize: 32 },
])('SAM reader over HID reports (report id $reportId, $reportSize bytes)', (framing) => {
  function setup() {
    const hid = new FakeNodeHid();
    const dev = hid.plug(INFO);
    let sim: IdCardSimulator | undefined;
    const attachSim = () => {
      sim = new IdCardSimulator(dev.asDeviceTransport({ ...framing, lengthPrefix: true }));
      return sim;
    };
    attachSim();
    const reader = new SamIdCardReader('id-card', new HidOpener({ path: INFO.path, ...framing }, hid), {
      pollMs: 50,
      commandTimeoutMs: 500,
      keeper: { baseMs: 50, capMs: 200 },
    });
    const cards: IdentityRecord[] = [];
    const states: DeviceStatusSnapshot['state'][] = [];
    reader.onCard((c) => cards.push(c));
    reader.onStatus((s) => states.push(s.state));
    reader.start();
    cleanup.push(() => reader.close());
    return { dev, reader, cards, states, sim: () => sim!, attachSim };
  }

  it('reads every card type through the reports', async () => {
    const { reader, cards, sim } = setup();
    await until(() => (reader.status().state === 'online' ? true : undefined));
    for (const key of ['resident-rare', 'hk-mo-tw', 'foreign-old', 'foreign-2023']) {
      const sample = SAMPLE_IDENTITIES[key]!;
      sim().place(sample);
      const card = await until(() => cards.find((c) => c.idNumber === sample.idNumber));
      expect({ ...card, photo: null }).toEqual({ ...sampleWithoutLabel(sample), photo: null });
      expect(card.photo?.bytes.length).toBe(1024);
      sim().remove();
      await until(() => (reader.cardPresent ? undefined : true));
    }
  });

  it('an unplugged HID reader goes offline and comes back online when plugged in again', async () => {
    const { dev, reader, attachSim } = setup();
    await until(() => (reader.status().state === 'online' ? true : undefined));
    dev.unplug();
    await until(() => (reader.status().state === 'offline' ? true : undefined));
    dev.replug();
    attachSim();
    await until(() => (reader.status().state === 'online' ? true : undefined));
    expect(reader.status().state).toBe('online');
  });
});

function sampleWithoutLabel(s: IdentityRecord & { label?: string }): IdentityRecord {
  const { label: _label, ...rest } = s;
  return rest;
}
