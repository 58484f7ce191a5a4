import { parseArgs, type ParseArgsConfig } from 'node:util';
import { isDeviceError } from '../../drivers/device.js';

/**
 * A tiny command framework: every command declares its options, gets parsed values, and
 * returns a result object. `--json` prints the object; otherwise `human()` formats it.
 * Any error becomes one clear line on stderr and a non-zero exit (2 = usage, 1 = failure).
 */
export interface CommandContext {
  json: boolean;
  out: (line: string) => void;
  err: (line: string) => void;
  signal: AbortSignal;
}

export interface Command<V = Record<string, unknown>> {
  /** e.g. ['id-card', 'read'] */
  path: string[];
  summary: string;
  usage: string;
  options: NonNullable<ParseArgsConfig['options']>;
  /** Names of positional arguments (optional ones too), put into the values under these names. */
  positionals?: readonly string[];
  run(values: V, ctx: CommandContext): Promise<CommandResult>;
}

export interface CommandResult {
  /** What --json prints. */
  data: unknown;
  /** Lines for a person (defaults to pretty JSON). */
  human?: string[];
  /** Non-zero exit with this reason even though the command ran (e.g. dead letters remain). */
  failure?: string;
}

export class UsageError extends Error {
  override readonly name = 'UsageError';
}

export function describeError(e: unknown): string {
  if (isDeviceError(e)) {
    const action = { retry: 'try again', reset: 'reset the device', clear: 'staff can fix it', maintenance: 'call an engineer', wait: 'wait, it recovers by itself' }[e.action];
    return `${e.device}: ${e.message} (${e.code}${e.fault ? `/${e.fault}` : ''}; ${action})`;
  }
  if (e instanceof Error) return e.message.split('\n')[0] ?? e.name;
  return String(e);
}

export function intOption(values: Record<string, unknown>, name: string, fallback: number, min = 0, max = Number.MAX_SAFE_INTEGER): number {
  const raw = values[name];
  if (raw === undefined) return fallback;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < min || n > max) throw new UsageError(`--${name} must be an integer from ${min} to ${max}, got "${String(raw)}"`);
  return n;
}

export function requiredString(values: Record<string, unknown>, name: string): string {
  const raw = values[name];
  if (typeof raw !== 'string' || raw.length === 0) throw new UsageError(`--${name} is required`);
  return raw;
}

export async function runCommand(cmd: Command, argv: string[], io: { out: (l: string) => void; err: (l: string) => void }): Promise<number> {
  let values: Record<string, unknown>;
  try {
    const names = cmd.positionals ?? [];
    const parsed = parseArgs({ args: argv, options: { ...cmd.options, json: { type: 'boolean' }, help: { type: 'boolean', short: 'h' } }, allowPositionals: names.length > 0, strict: true });
    if (parsed.positionals.length > names.length) throw new UsageError(`unexpected argument "${parsed.positionals[names.length] ?? ''}"`);
    values = { ...parsed.values };
    names.forEach((n, i) => {
      if (parsed.positionals[i] !== undefined) values[n] = parsed.positionals[i];
    });
  } catch (e) {
    io.err(`kioskctl ${cmd.path.join(' ')}: ${describeError(e)}`);
    io.err(`usage: kioskctl ${cmd.path.join(' ')} ${cmd.usage}`);
    return 2;
  }
  if (values.help) {
    io.out(`kioskctl ${cmd.path.join(' ')} ${cmd.usage}\n  ${cmd.summary}`);
    return 0;
  }
  const json = values.json === true;
  const abort = new AbortController();
  const onSignal = (): void => abort.abort(new Error('interrupted'));
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  try {
    const result = await cmd.run(values, { json, out: io.out, err: io.err, signal: abort.signal });
    if (json) io.out(JSON.stringify(result.data));
    else for (const line of result.human ?? [JSON.stringify(result.data, null, 2)]) io.out(line);
    if (result.failure) {
      io.err(`kioskctl ${cmd.path.join(' ')}: ${result.failure}`);
      return 1;
    }
    return 0;
  } catch (e) {
    if (json) io.out(JSON.stringify({ ok: false, error: describeError(e) }));
    io.err(`kioskctl ${cmd.path.join(' ')}: ${describeError(e)}`);
    return e instanceof UsageError ? 2 : 1;
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  }
}
