import type { BenchRow } from './run.js';
import { outboxSection } from './outbox.js';
import { driversSection } from './drivers.js';
import { firstReceiptSection } from './first-receipt.js';
import { scannerSection } from './scanner.js';

export interface BenchSection {
  name: string;
  run(): Promise<BenchRow[]>;
}

/** Sections register here; each lives in its own file under bench/. */
export const sections: BenchSection[] = [outboxSection, driversSection, firstReceiptSection, scannerSection];
