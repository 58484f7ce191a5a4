import type { Logger } from 'pino';
import type { Device, DeviceStatusSnapshot } from '../../drivers/device.js';
import { Emitter } from '../../drivers/device.js';
import type { DeviceStatus } from '../contract/index.js';

/**
 * Opens the devices of the terminal profile, keeps them open (each device reopens its own
 * link with backoff), and publishes their status. Status changes are coalesced briefly so a
 * flapping device cannot flood the renderer.
 */
export class DeviceSupervisor {
  readonly #devices: Device[];
  readonly #changes = new Emitter<DeviceStatus[]>();
  readonly #offs: (() => void)[] = [];
  #timer: NodeJS.Timeout | undefined;
  #lastStates = new Map<string, string>();

  constructor(
    devices: Device[],
    private readonly log: Logger,
    private readonly coalesceMs = 50,
  ) {
    this.#devices = devices;
  }

  get devices(): readonly Device[] {
    return this.#devices;
  }

  find<K extends Device['kind']>(kind: K): Device | undefined {
    return this.#devices.find((d) => d.kind === kind);
  }

  start(): void {
    for (const d of this.#devices) {
      this.#offs.push(
        d.onStatus((s) => {
          const key = `${s.state}|${s.lastError?.code ?? ''}|${s.warnings.join(',')}`;
          if (this.#lastStates.get(s.id) !== key) {
            this.#lastStates.set(s.id, key);
            this.log.info({ device: s.id, state: s.state, error: s.lastError?.code, action: s.lastError?.action, warnings: s.warnings }, 'device status');
          }
          this.#schedule();
        }),
      );
      d.start();
    }
    this.#schedule();
  }

  list(): DeviceStatus[] {
    return this.#devices.map((d) => toContract(d.status()));
  }

  onChange(listener: (statuses: DeviceStatus[]) => void): () => void {
    return this.#changes.on(listener);
  }

  async close(): Promise<void> {
    clearTimeout(this.#timer);
    for (const off of this.#offs.splice(0)) off();
    await Promise.allSettled(this.#devices.map((d) => d.close()));
  }

  #schedule(): void {
    if (this.#timer) return;
    this.#timer = setTimeout(() => {
      this.#timer = undefined;
      this.#changes.emit(this.list());
    }, this.coalesceMs);
  }
}

/** The driver snapshot and the contract's schema are kept apart on purpose; this is the one mapping. */
export function toContract(s: DeviceStatusSnapshot): DeviceStatus {
  return {
    id: s.id,
    kind: s.kind,
    state: s.state,
    info: { ...s.info },
    counters: { ...s.counters },
    ...(s.lastError ? { lastError: { ...s.lastError } } : {}),
    warnings: [...s.warnings],
    since: s.since,
  };
}
