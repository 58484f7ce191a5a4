import { join } from 'node:path';
import type { LoadedProfile } from '../core/profile.js';
import { standardProgression, startPlatformSimulator, type PlatformSimulator } from '../platform/simulator.js';
import { SAMPLE_CATALOG } from '../catalog/sample.js';
import { sampleCertificates } from './certificates.js';

/**
 * The embedded platform simulator of web mode and tests: the provincial platform's API on loopback, with
 * this terminal's key and a store in the data directory, so a fresh machine delivers end to end.
 * Started only when the profile names no platform (`platform.url: null`). With `progressionStepMs`, every case
 * moves on by itself (已受理 → 办理中 → 已办结, one step per interval) so the case query has something to show.
 * It holds sample e-certificates for the sample identities (certificates.ts) and serves the bundled sample catalog,
 * so web mode takes its matters from the platform (with ETag) as a real kiosk does.
 */
export async function startEmbeddedPlatform(loaded: LoadedProfile, opts: { progressionStepMs?: number } = {}): Promise<PlatformSimulator> {
  const { profile, dataDir } = loaded;
  return startPlatformSimulator({
    port: 0,
    host: '127.0.0.1',
    terminals: { [profile.terminalId]: profile.platform.terminalKey },
    storeFile: join(dataDir, 'platform-sim.jsonl'),
    certificates: sampleCertificates(profile.platform.holderKey),
    catalog: SAMPLE_CATALOG,
    ...(opts.progressionStepMs ? { progression: standardProgression(opts.progressionStepMs) } : {}),
  });
}
