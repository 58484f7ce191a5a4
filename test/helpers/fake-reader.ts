import { Emitter, type DeviceStatusSnapshot, type HealthReport } from '../../drivers/device.js';
import type { IdCardReader, IdentityRecord } from '../../drivers/id-card/types.js';

/** A reader at the driver-interface boundary, for core tests that do not need the protocol. */
export class FakeReader implements IdCardReader {
  readonly kind = 'id-card' as const;
  readonly id = 'fake-id-card';
  readonly #card = new Emitter<IdentityRecord>();
  readonly #removed = new Emitter<void>();
  readonly #status = new Emitter<DeviceStatusSnapshot>();
  cardPresent = false;

  place(record: IdentityRecord): void {
    this.cardPresent = true;
    this.#card.emit(structuredClone(record));
  }
  remove(): void {
    this.cardPresent = false;
    this.#removed.emit();
  }
  onCard(l: (c: IdentityRecord) => void): () => void {
    return this.#card.on(l);
  }
  onRemoved(l: () => void): () => void {
    return this.#removed.on(l);
  }
  onStatus(l: (s: DeviceStatusSnapshot) => void): () => void {
    return this.#status.on(l);
  }
  status(): DeviceStatusSnapshot {
    return { id: this.id, kind: 'id-card', state: 'online', info: { kind: 'id-card', transport: 'memory' }, counters: {}, warnings: [], since: 0 };
  }
  start(): void {}
  async close(): Promise<void> {}
  async checkHealth(level: 'internal' | 'external' | 'interactive'): Promise<HealthReport> {
    return { level, ok: true, text: 'fake', checkedAt: Date.now() };
  }
}

export const ZHANG: IdentityRecord = {
  cardType: 'resident',
  name: '马晓燕',
  gender: 'female',
  nationCode: '03',
  birthDate: '1949-12-31',
  address: '宁夏回族自治区银川市兴庆区解放西街1号',
  idNumber: '11010519491231002X',
  idNumberValid: true,
  issuer: '银川市公安局兴庆区分局',
  validFrom: '2015-01-01',
  validTo: 'long-term',
  photo: { format: 'wlt', bytes: new Uint8Array(1024).fill(7) },
};

export const LI: IdentityRecord = { ...ZHANG, name: '李明', gender: 'male', idNumber: '360426199101010071', nationCode: '01', photo: null };
