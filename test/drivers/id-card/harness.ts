import { MemoryPort, type MemoryTransport } from '../../../drivers/transport/memory.js';
import { IdCardSimulator, type IdCardSimulatorOptions, type SimulatorFaults } from '../../../drivers/id-card/simulator.js';
import { SamIdCardReader, type SamIdCardReaderOptions } from '../../../drivers/id-card/reader.js';
import { SAMPLE_IDENTITIES } from '../../../drivers/id-card/samples.js';
import type { IdentityRecord } from '../../../drivers/id-card/types.js';
import type { DeviceStatusSnapshot } from '../../../drivers/device.js';

/**
 * A reader on a MemoryPort with a simulator behind it. The card and the faults survive reconnects
 * (each open of the port creates a fresh simulator, like power-cycling the reader).
 */
export function harness(opts: { reader?: SamIdCardReaderOptions; sim?: IdCardSimulatorOptions; maxChunk?: number } = {}) {
  let card: IdentityRecord | undefined;
  let faults: Partial<SimulatorFaults> = {};
  const sims: IdCardSimulator[] = [];
  const port = new MemoryPort(
    'memory:id-card',
    (end: MemoryTransport) => {
      const sim = new IdCardSimulator(end, opts.sim);
      if (card) sim.place(card);
      sim.setFaults(faults);
      sims.push(sim);
    },
    { maxChunk: opts.maxChunk ?? 64 },
  );
  const reader = new SamIdCardReader('id-card', port, {
    pollMs: 5,
    commandTimeoutMs: 400,
    keeper: { baseMs: 10, capMs: 40 },
    ...opts.reader,
  });
  const cards: IdentityRecord[] = [];
  const states: DeviceStatusSnapshot['state'][] = [];
  let removals = 0;
  reader.onCard((c) => cards.push(c));
  reader.onRemoved(() => removals++);
  reader.onStatus((s) => states.push(s.state));
  const sim = (): IdCardSimulator => {
    const s = sims[sims.length - 1];
    if (!s) throw new Error('no simulator connected yet');
    return s;
  };
  return {
    port,
    reader,
    cards,
    states,
    sims,
    sim,
    get removals() {
      return removals;
    },
    place(key: string) {
      const s = SAMPLE_IDENTITIES[key];
      if (!s) throw new Error(`no sample ${key}`);
      card = s;
      sims[sims.length - 1]?.place(s);
    },
    remove() {
      card = undefined;
      sims[sims.length - 1]?.remove();
    },
    /** Replaces the active faults (the others are switched off). */
    fault(f: Partial<SimulatorFaults>) {
      faults = f;
      sims[sims.length - 1]?.clearFaults();
      sims[sims.length - 1]?.setFaults(f);
    },
    counter(name: string): number {
      return reader.status().counters[name] ?? 0;
    },
  };
}

export const pause = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));
