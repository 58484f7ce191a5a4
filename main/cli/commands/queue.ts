import type { Command } from '../framework.js';

/** Offline queue and platform commands: queue, platform, platform-sim. */
export const commands: Command[] = [];
