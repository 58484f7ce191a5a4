import type { Logger } from 'pino';
import type { Device } from '../../drivers/device.js';
import type { TransportOpener } from '../../drivers/transport/transport.js';
import { MemoryPort, type MemoryTransport } from '../../drivers/transport/memory.js';
import { SerialOpener } from '../../drivers/transport/serial.js';
import { HidOpener } from '../../drivers/transport/hid.js';
import type { IdCardReader } from '../../drivers/id-card/types.js';
import { SamIdCardReader } from '../../drivers/id-card/reader.js';
import { IdCardSimulator } from '../../drivers/id-card/simulator.js';
import { SAMPLE_IDENTITIES } from '../../drivers/id-card/samples.js';
import type { SimState } from '../contract/index.js';
import type { Profile } from './profile.js';

/** What the simulator control panel (web mode) can do to the simulated devices. */
export interface SimControl {
  state(): SimState;
  placeCard(key: string): void;
  removeCard(): void;
  /** Drops the simulated ID card reader's link (as if unplugged) or plugs it back. */
  setIdCardConnected(connected: boolean): void;
}

export interface BuiltDevices {
  devices: Device[];
  reader: IdCardReader | null;
  sim: SimControl | null;
}

class UnknownSampleError extends Error {
  override readonly name = 'UnknownSampleError';
}

/** Builds the devices the profile names; simulated devices sit on in-process memory links. */
export function buildDevices(profile: Profile, log: Logger): BuiltDevices {
  const devices: Device[] = [];
  let reader: IdCardReader | null = null;
  let sim: SimControl | null = null;

  const idCfg = profile.devices.idCard;
  if (idCfg.type !== 'none') {
    let opener: TransportOpener;
    if (idCfg.type === 'simulated') {
      let current: IdCardSimulator | null = null;
      let placed: string | null = null;
      const port = new MemoryPort('simulated:id-card', (deviceEnd: MemoryTransport) => {
        current = new IdCardSimulator(deviceEnd);
        const sample = placed ? SAMPLE_IDENTITIES[placed] : undefined;
        if (sample) current.place(sample);
      });
      opener = port;
      sim = {
        state: () => ({
          samples: Object.entries(SAMPLE_IDENTITIES).map(([key, s]) => ({ key, label: s.label, cardType: s.cardType })),
          idCard: { placed, connected: port.connected },
        }),
        placeCard(key) {
          const sample = SAMPLE_IDENTITIES[key];
          if (!sample) throw new UnknownSampleError(`no sample identity "${key}"`);
          placed = key;
          current?.place(sample);
        },
        removeCard() {
          placed = null;
          current?.remove();
        },
        setIdCardConnected(connected) {
          if (connected) port.plug();
          else port.unplug();
        },
      };
    } else if (idCfg.type === 'serial') {
      opener = new SerialOpener({ path: idCfg.path, baudRate: idCfg.baudRate });
    } else {
      opener = new HidOpener({ path: idCfg.path, reportId: idCfg.reportId, reportSize: idCfg.reportSize });
    }
    reader = new SamIdCardReader('id-card', opener);
    devices.push(reader);
    log.info({ device: 'id-card', transport: opener.kind, path: opener.path }, 'device configured');
  }
  return { devices, reader, sim };
}
