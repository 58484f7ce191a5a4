import { readFile } from 'node:fs/promises';
import { pathToFileURL } from 'node:url';
import { FaultSpecError, parseFaultSpec } from './faults.js';
import { standardProgression, startPlatformSimulator } from './simulator.js';
import type { PlatformSimulator, PlatformSimulatorOptions } from './simulator.js';

export { parseFaultSpec, FaultSpecError } from './faults.js';

/**
 * Command-line front of the platform simulator, so it can run as its own process (kill tests, kioskctl):
 *
 *   tsx main/platform/simulator-main.ts --terminal kiosk-01=<base64 key> [--terminal …] [--port 8787]
 *       [--host 127.0.0.1] [--store sim.jsonl] [--fault error=0.3,reset=0.1] [--seed 7] [--skew-ms 300000]
 *       [--catalog-file catalog.json] [--progression-step-ms 60000]
 *
 * `--progression-step-ms N` moves every new case received → accepted → in-review → completed (granted), N ms apart.
 *
 * Prints one JSON line `{"url":…,"port":…}` on stdout when listening; stops on SIGINT/SIGTERM.
 */

export class SimulatorArgsError extends Error {
  override readonly name = 'SimulatorArgsError';
}

export interface SimulatorArgs {
  options: PlatformSimulatorOptions;
  catalogFile?: string;
}

function intArg(name: string, raw: string | undefined, min: number, max: number): number {
  if (raw === undefined || !/^[0-9]+$/.test(raw)) throw new SimulatorArgsError(`${name} needs a whole number`);
  const n = Number(raw);
  if (n < min || n > max) throw new SimulatorArgsError(`${name} must be between ${min} and ${max}`);
  return n;
}

/** Pure: argv (without node and script) -> simulator options. */
export function parseSimulatorArgs(argv: readonly string[]): SimulatorArgs {
  const terminals: Record<string, string> = {};
  const options: PlatformSimulatorOptions = { terminals };
  let catalogFile: string | undefined;
  for (let i = 0; i < argv.length; i++) {
    const flag = argv[i];
    const value = argv[i + 1];
    const need = (): string => {
      if (value === undefined || value.startsWith('--')) throw new SimulatorArgsError(`${flag ?? ''} needs a value`);
      i += 1;
      return value;
    };
    switch (flag) {
      case '--port':
        options.port = intArg('--port', need(), 0, 65535);
        break;
      case '--host': {
        const h = need();
        if (h !== '127.0.0.1' && h !== '::1' && h !== 'localhost') throw new SimulatorArgsError('--host must be a loopback address');
        options.host = h;
        break;
      }
      case '--terminal': {
        const t = need();
        const eq = t.indexOf('=');
        if (eq <= 0) throw new SimulatorArgsError('--terminal needs id=base64key');
        terminals[t.slice(0, eq)] = t.slice(eq + 1);
        break;
      }
      case '--store':
        options.storeFile = need();
        break;
      case '--fault':
        try {
          options.faults = parseFaultSpec(need());
        } catch (err) {
          if (err instanceof FaultSpecError) throw new SimulatorArgsError(err.message);
          throw err;
        }
        break;
      case '--seed':
        options.seed = intArg('--seed', need(), 0, 2 ** 32 - 1);
        break;
      case '--skew-ms':
        options.skewMs = intArg('--skew-ms', need(), 1, 86_400_000);
        break;
      case '--progression-step-ms':
        options.progression = standardProgression(intArg('--progression-step-ms', need(), 0, 86_400_000));
        break;
      case '--catalog-file':
        catalogFile = need();
        break;
      default:
        throw new SimulatorArgsError(`unknown argument ${flag ?? ''}`);
    }
  }
  if (Object.keys(terminals).length === 0) throw new SimulatorArgsError('at least one --terminal id=base64key is required');
  return catalogFile === undefined ? { options } : { options, catalogFile };
}

/** Starts the simulator from arguments; closes it when `signal` aborts. */
export async function runPlatformSimulatorFromArgs(argv: readonly string[], signal: AbortSignal): Promise<PlatformSimulator> {
  const { options, catalogFile } = parseSimulatorArgs(argv);
  if (catalogFile !== undefined) options.catalog = JSON.parse(await readFile(catalogFile, 'utf8')) as unknown;
  const sim = await startPlatformSimulator(options);
  signal.addEventListener('abort', () => void sim.close(), { once: true });
  return sim;
}

const entry = process.argv[1];
if (entry !== undefined && import.meta.url === pathToFileURL(entry).href) {
  const ac = new AbortController();
  process.once('SIGINT', () => ac.abort());
  process.once('SIGTERM', () => ac.abort());
  runPlatformSimulatorFromArgs(process.argv.slice(2), ac.signal).then(
    (sim) => process.stdout.write(`${JSON.stringify({ url: sim.url, port: sim.port })}\n`),
    (err: unknown) => {
      console.error(err instanceof Error ? `${err.name}: ${err.message}` : 'platform simulator failed to start');
      process.exitCode = 2;
    },
  );
}
