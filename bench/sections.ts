import type { BenchSection } from './run.js';
import { drainSection, enqueueSection, outboxSection, startupSection } from './outbox.js';
import { driversSection } from './drivers.js';
import { cardSection } from './card.js';
import { scannerSection } from './scanner.js';
import { startSection } from './start.js';
import { rendererSection } from './renderer.js';
import { sessionsSection } from './sessions.js';

export type { BenchSection };

/** Sections register here; each lives in its own file under bench/. */
export const sections: BenchSection[] = [startSection, outboxSection, driversSection, cardSection, sessionsSection, scannerSection, rendererSection];

/** Parts of a section, runnable alone (`npm run bench -- drain`), not part of a full run. */
export const parts: BenchSection[] = [enqueueSection, drainSection, startupSection];
