/**
 * One device is opened by one process, and one delivery loop runs per data directory. kioskctl keeps both
 * rules by asking first whether a core runs on the data directory (its control socket answers):
 *
 * - a core runs: the command goes through it (commands/core.ts). Device commands with --direct are refused
 *   (the core holds the ports), and so are the commands that run their own delivery loop (queue drain,
 *   queue selftest) — `queue drain-now` asks the core's own loop instead;
 * - no core: device commands work on the hardware only with an explicit --direct; queue inspection works on
 *   the database directly (as before); commands only a core can do say so.
 * A core that runs but refuses this user (not in the technician group) is an error, never a reason to go
 * around it.
 */
import { CoreAccessError, connectIfRunning, locate, type CoreClient } from './core-client.js';
import { coreCommands, type CoreCommand } from './commands/core.js';
import { UsageError, type Command, type CommandContext, type CommandResult } from './framework.js';

/** Direct commands that run a delivery loop of their own: never beside a running core. */
const OWN_DELIVERY_LOOP = ['queue drain', 'queue selftest'];

async function probe(values: Record<string, unknown>): Promise<{ client: CoreClient | null; dataDir: string; socketPath: string }> {
  const where = locate(values);
  const client = await connectIfRunning(where.socketPath);
  return { client, dataDir: where.dataDir, socketPath: where.socketPath };
}

function routed(core: CoreCommand, direct: Command | undefined): Command {
  const deviceCommand = core.withoutCore === 'direct-flag';
  const options = {
    ...(direct?.options ?? {}),
    ...core.options,
    ...(deviceCommand ? { direct: { type: 'boolean' as const } } : {}),
  };
  const positionals = core.positionals ?? direct?.positionals;
  return {
    path: core.path,
    summary: core.summary,
    usage: core.usage,
    options,
    ...(positionals ? { positionals } : {}),
    async run(values, ctx: CommandContext): Promise<CommandResult> {
      if (deviceCommand && values.direct === true) {
        if (!direct) throw new UsageError(`kioskctl ${core.path.join(' ')} has no --direct mode`);
        const { client, dataDir } = await probeOrAccess(values);
        if (client) {
          client.close();
          throw new UsageError(`a kiosk core is running on ${dataDir} and holds the devices: run without --direct to go through it (or stop the core first)`);
        }
        return direct.run(values, ctx);
      }
      const { client, dataDir, socketPath } = await probe(values);
      if (client) {
        try {
          return await core.run(values, ctx, client);
        } finally {
          client.close();
        }
      }
      if (core.withoutCore === 'direct' && direct) return direct.run(values, ctx);
      if (deviceCommand) {
        throw new UsageError(`no kiosk core is running on ${dataDir} (no control socket at ${socketPath}); to use the hardware directly, add --direct${direct?.options.port ? ' --port PATH' : ''}`);
      }
      throw new UsageError(`no kiosk core is running on ${dataDir} (no control socket at ${socketPath}): kioskctl ${core.path.join(' ')} needs the running core`);
    },
  };
}

/** A probe that lets an access problem through as it is (a core we may not use still holds the devices). */
async function probeOrAccess(values: Record<string, unknown>): Promise<{ client: CoreClient | null; dataDir: string }> {
  try {
    const p = await probe(values);
    return { client: p.client, dataDir: p.dataDir };
  } catch (e) {
    if (e instanceof CoreAccessError) throw new UsageError(`a kiosk core is running here and holds the devices (${e.message}): --direct is refused`);
    throw e;
  }
}

/** A direct command that runs its own delivery loop: refused while a core runs on the same data directory. */
function guardedLoop(cmd: Command): Command {
  return {
    ...cmd,
    async run(values, ctx) {
      const { client, dataDir } = await probeOrAccess(values);
      if (client) {
        client.close();
        throw new UsageError(`a kiosk core is running on ${dataDir}: it delivers the queue itself; use kioskctl queue drain-now to make it deliver everything now (a second delivery loop is never started beside it)`);
      }
      return cmd.run(values, ctx);
    },
  };
}

/** A direct-only device command (e.g. printer print): needs --direct, refused while a core holds the devices. */
function directOnly(cmd: Command): Command {
  return {
    ...cmd,
    usage: `--direct ${cmd.usage}`,
    options: { ...cmd.options, direct: { type: 'boolean' }, profile: { type: 'string' }, 'data-dir': { type: 'string' } },
    async run(values, ctx) {
      if (values.direct !== true) throw new UsageError(`kioskctl ${cmd.path.join(' ')} works on the hardware directly: add --direct (refused while a kiosk core runs)`);
      const { client, dataDir } = await probeOrAccess(values);
      if (client) {
        client.close();
        throw new UsageError(`a kiosk core is running on ${dataDir} and holds the devices: stop it before using --direct`);
      }
      return cmd.run(values, ctx);
    },
  };
}

const key = (c: { path: string[] }): string => c.path.join(' ');

/**
 * The command table: every core command (with the direct command of the same path behind it), the direct
 * device commands that have no core counterpart (direct-only), the loops (guarded), the rest as they are.
 */
export function composeCommands(direct: readonly Command[], deviceCommandPaths: readonly string[], extra: readonly Command[]): Command[] {
  const byPath = new Map(direct.map((c) => [key(c), c]));
  const out: Command[] = coreCommands.map((c) => routed(c, byPath.get(key(c))));
  const taken = new Set(out.map(key));
  for (const c of direct) {
    const k = key(c);
    if (taken.has(k)) continue;
    if (OWN_DELIVERY_LOOP.includes(k)) out.push(guardedLoop(c));
    else if (deviceCommandPaths.includes(k)) out.push(directOnly(c));
    else out.push(c);
  }
  return [...out, ...extra];
}
