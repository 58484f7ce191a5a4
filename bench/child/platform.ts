/**
 * The embedded platform of web mode (main/sim/platform.ts: sample catalog, sample e-certificates, this terminal's
 * key, a store file) in a process of its own, as the provincial platform is to a real kiosk, so that a bench
 * measuring the kiosk's process does not count the platform's memory. Prints `{"url":…}` when listening; stops
 * on SIGTERM.   node --import tsx bench/child/platform.ts <profile.json>
 */
import { mkdirSync } from 'node:fs';
import { loadProfile } from '../../main/core/profile.js';
import { startEmbeddedPlatform } from '../../main/sim/platform.js';

const file = process.argv[2];
if (!file) throw new Error('usage: platform.ts <profile.json>');
const loaded = loadProfile(file);
mkdirSync(loaded.dataDir, { recursive: true, mode: 0o750 });
const platform = await startEmbeddedPlatform(loaded);
process.stdout.write(`${JSON.stringify({ url: platform.url })}\n`);
const stop = (): void => {
  void platform.close().then(() => process.exit(0));
};
process.once('SIGTERM', stop);
process.once('SIGINT', stop);
