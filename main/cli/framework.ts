import { parseArgs, type ParseArgsConfig } from 'node:util';
import { isDeviceError } from '../../drivers/device.js';
import { isKeyProblem, isStorageError } from '../../offline-cache/index.js';
import { EXIT_OUTPUT_CLOSED, OutputClosedError, output } from './output.js';

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

/**
 * Further lines for a person after the one-line error: what to do next. For a missing or wrong sealing
 * key: what happened, what is kept, and how to restore the key from the terminal's provisioning backup.
 */
export function adviceFor(e: unknown): string[] {
  if (isKeyProblem(e)) {
    const d = e.details;
    const keys = d.neededKeys.length > 0 ? d.neededKeys.map((k) => `${k.id} (check value ${k.checkValue})`).join(', ') : 'the key the data was sealed with';
    return [
      e.code === 'key-missing'
        ? `  what happened: the sealing key file ${d.keyFile} is gone; ${d.sealedEntries} queued entr${d.sealedEntries === 1 ? 'y is' : 'ies are'} sealed with it.`
        : `  what happened: the sealing key file ${d.keyFile} is not the one the ${d.sealedEntries} queued entr${d.sealedEntries === 1 ? 'y was' : 'ies were'} sealed with.`,
      '  nothing was lost: no new key was made, every entry stays pending (none became a dead letter); the kiosk is out of service.',
      `  the data needs: ${keys}`,
      "  to restore: take the terminal's provisioning backup of the key file (the sealed envelope handed over at installation),",
      `    check it:   kioskctl key check --key-file BACKUP${d.keyFile.endsWith('/keys/seal.json') ? '' : ` --key-path ${d.keyFile}`} [--data-dir DIR]`,
      `    install it: install -m 600 BACKUP ${d.keyFile}   (same owner as the data directory)`,
      '    then restart the kiosk (or wait: it retries by itself) — every pending entry is delivered.',
      '  never create a new key for a queue that holds data: it cannot open what is there.',
    ];
  }
  if (isStorageError(e, 'journal')) return ['  check the journal: kioskctl journal verify [--data-dir DIR]'];
  return [];
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
  // The reader went away (`| head`): stop the command and end quietly.
  const offClosed = output.onClosed(() => abort.abort(new OutputClosedError()));
  const closedQuietly = (): boolean => output.closed || abort.signal.reason instanceof OutputClosedError;
  try {
    const result = await cmd.run(values, { json, out: io.out, err: io.err, signal: abort.signal });
    if (closedQuietly()) return EXIT_OUTPUT_CLOSED;
    if (json) io.out(JSON.stringify(result.data));
    else for (const line of result.human ?? [JSON.stringify(result.data, null, 2)]) io.out(line);
    if (closedQuietly()) return EXIT_OUTPUT_CLOSED;
    if (result.failure) {
      io.err(`kioskctl ${cmd.path.join(' ')}: ${result.failure}`);
      return 1;
    }
    return 0;
  } catch (e) {
    if (closedQuietly() || e instanceof OutputClosedError) return EXIT_OUTPUT_CLOSED;
    if (json) io.out(JSON.stringify({ ok: false, error: describeError(e), ...(isStorageError(e) ? { code: e.code } : {}) }));
    io.err(`kioskctl ${cmd.path.join(' ')}: ${describeError(e)}`);
    if (!json) for (const line of adviceFor(e)) io.err(line);
    return e instanceof UsageError ? 2 : 1;
  } finally {
    offClosed();
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  }
}
