import type { BenchSection } from './run.js';
import { drainSection, enqueueSection, outboxSection, startupSection } from './outbox.js';
import { driversSection } from './drivers.js';
import { cardSection } from './card.js';
import { scannerSection } from './scanner.js';

export type { BenchSection };

/** Sections register here; each lives in its own file under bench/. */
export const sections: BenchSection[] = [outboxSection, driversSection, cardSection, scannerSection];

/** Parts of a section, runnable alone (`npm run bench -- drain`), not part of a full run. */
export const parts: BenchSection[] = [enqueueSection, drainSection, startupSection];
