import { existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { ProfileError } from '../core/profile.js';
import { WavRecorder } from '../core/voice/index.js';
import { startSimulatedKiosk, type SimulatedKiosk } from '../sim/terminal.js';
import { startWebHost } from './server.js';

/** Finds dist/renderer from the source tree (tsx) or the compiled tree (dist/main/web). */
function findRendererDir(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (let i = 0; i < 6; i++) {
    if (existsSync(join(dir, 'package.json'))) return join(dir, 'dist', 'renderer');
    dir = dirname(dir);
  }
  return resolve('dist', 'renderer');
}

/** In web mode the embedded platform moves each case on by one state every two minutes (受理 → 办理中 → 办结). */
const SIM_CASE_STEP_MS = 120_000;

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      profile: { type: 'string' },
      port: { type: 'string' },
      'renderer-dir': { type: 'string' },
    },
    allowPositionals: false,
  });
  const profilePath = values.profile ?? process.env.KIOSK_PROFILE ?? null;
  let kiosk: SimulatedKiosk;
  try {
    // Web mode: the simulators the profile asks for, and the embedded platform when it names none.
    // End-to-end tests: voice guidance written to WAV files with an index (utterances.jsonl) instead of the speaker.
    const recordVoice = process.env.KIOSK_VOICE_RECORD_DIR;
    kiosk = await startSimulatedKiosk({
      profilePath,
      host: 'web',
      stderrLogs: true,
      platformProgressionMs: SIM_CASE_STEP_MS,
      ...(recordVoice ? { speech: new WavRecorder({ dir: resolve(recordVoice), index: true }) } : {}),
    });
    if (recordVoice) kiosk.core.log.warn({ dir: resolve(recordVoice) }, 'voice guidance is recorded to WAV files (KIOSK_VOICE_RECORD_DIR), not played: for tests only');
  } catch (e) {
    if (e instanceof ProfileError) {
      console.error(`kiosk: cannot start: ${e.message}`);
      process.exit(2);
    }
    throw e;
  }
  const { core } = kiosk;
  const web = core.loaded.profile.web;
  const port = values.port !== undefined ? Number(values.port) : web.port;
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    console.error(`kiosk: --port must be 0..65535, got "${values.port}"`);
    process.exit(2);
  }
  const rendererDir = values['renderer-dir'] ?? findRendererDir();
  if (!existsSync(join(rendererDir, 'index.html'))) {
    console.error(`kiosk: the renderer is not built (${rendererDir}/index.html missing): run \`npm run build\``);
    process.exit(2);
  }
  const host = await startWebHost({ core, sim: kiosk.sim, rendererDir, host: web.host, port, allowRemote: web.allowRemote });
  let stopping = false;
  const stop = (signal: string): void => {
    if (stopping) return;
    stopping = true;
    core.log.info({ signal }, 'stopping');
    void host
      .close()
      .then(() => kiosk.close())
      .finally(() => process.exit(0));
  };
  process.on('SIGINT', () => stop('SIGINT'));
  process.on('SIGTERM', () => stop('SIGTERM'));
  // One line, one URL: what a person opens, and what the tests read.
  console.log(`kiosk: web mode ready at ${host.url}  (simulator panel: /sim, data: ${core.loaded.dataDir})`);
}

main().catch((e: unknown) => {
  console.error(`kiosk: failed to start: ${e instanceof Error ? e.message : String(e)}`);
  process.exit(1);
});
