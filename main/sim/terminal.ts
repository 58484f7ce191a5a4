/**
 * The simulated terminal, assembled for the hosts that want it (web mode, tests, training): simulated
 * devices for every device the profile names as 'simulated', and the embedded platform simulator when the
 * profile names no platform. The production composition root (main/core) never builds any of this.
 */
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { KioskCore, type KioskCoreOptions } from '../core/kiosk.js';
import { loadProfile } from '../core/profile.js';
import type { PlatformSimulator } from '../platform/simulator.js';
import { createSimulatedDevices, type SimControl, type SimulatedDevicesOptions } from './devices.js';
import type { SimulatedPad, SimulatedQrReader, SimulatedScanner } from './matter-devices.js';
import type { VirtualReceipt } from '../../drivers/receipt-printer/index.js';
import { startEmbeddedPlatform } from './platform.js';
import { startPlatformTap, type PlatformTap } from './platform-tap.js';

export interface SimulatedKiosk {
  core: KioskCore;
  /** The control panel of the simulated devices; null when the profile simulates none. */
  sim: SimControl | null;
  /** The simulated scanner, payment pad and QR reader behind the core's own drivers (null when not simulated). */
  scanner: SimulatedScanner | null;
  pad: SimulatedPad | null;
  qr: SimulatedQrReader | null;
  /** Receipts the simulated printer cut, decoded from the bytes it received. */
  printedReceipts(): VirtualReceipt[];
  /** The embedded platform simulator; null when the profile names a platform (or it failed to start). */
  platform: PlatformSimulator | null;
  /** Stops the core, then the embedded platform. */
  close(): Promise<void>;
}

export type SimulatedKioskOptions = Omit<KioskCoreOptions, 'profile' | 'simulatedDevices' | 'embeddedPlatformUrl'> & {
  /** Timing of the simulated devices (the pad's answer, the kiosk's wait for it). */
  devices?: SimulatedDevicesOptions;
  /** Start the embedded platform simulator when the profile names no platform (default true). */
  embeddedPlatform?: boolean;
  /** Cases at the embedded platform move on by themselves, one state per this many ms (off when absent). */
  platformProgressionMs?: number;
};

/** Loads the profile, builds its simulators, starts the core with them. */
export async function startSimulatedKiosk(opts: SimulatedKioskOptions): Promise<SimulatedKiosk> {
  const loaded = loadProfile(opts.profilePath, opts.cwd ? { cwd: opts.cwd } : {});
  // The simulated pad keeps its memory beside the data (a real pad outlives a crash of the core).
  const devices = createSimulatedDevices(loaded.profile, { paymentStore: join(loaded.dataDir, 'payment-sim.json'), ...opts.devices });
  let platform: PlatformSimulator | null = null;
  // The core reaches the embedded platform through a tap that keeps what it delivered (panel, tests).
  let tap: PlatformTap | null = null;
  let platformProblem: string | null = null;
  if (loaded.profile.platform.url === null && opts.embeddedPlatform !== false) {
    try {
      mkdirSync(loaded.dataDir, { recursive: true, mode: 0o750 });
      platform = await startEmbeddedPlatform(loaded, opts.platformProgressionMs ? { progressionStepMs: opts.platformProgressionMs } : {});
      tap = await startPlatformTap(platform.url);
    } catch (e) {
      // The kiosk still serves and queues; submissions wait for a platform.
      platformProblem = e instanceof Error ? e.message : String(e);
      await tap?.close();
      await platform?.close();
      tap = null;
      platform = null;
    }
  }
  let core: KioskCore;
  const { embeddedPlatform: _e, platformProgressionMs: _p, devices: _d, ...coreOpts } = opts;
  try {
    core = await KioskCore.start({
      ...coreOpts,
      profile: loaded,
      simulatedDevices: devices.openers,
      ...(tap ? { embeddedPlatformUrl: tap.url } : {}),
    });
  } catch (e) {
    await tap?.close();
    await platform?.close();
    throw e;
  }
  if (platformProblem !== null) core.log.error({ err: platformProblem }, 'embedded platform simulator failed to start');
  const hasSim = Object.keys(devices.openers).length > 0;
  return {
    core,
    sim: hasSim ? devices.control(core, platform && tap ? { simulator: platform, tap } : null) : null,
    scanner: devices.scanner,
    pad: devices.pad,
    qr: devices.qr,
    printedReceipts: () => devices.printedReceipts(),
    platform,
    async close() {
      await core.close();
      await tap?.close();
      await platform?.close();
    },
  };
}
