import type { Command } from '../framework.js';

/** Device commands: id-card, printer, sim. */
export const commands: Command[] = [];
