import { runCommand, type Command } from './framework.js';
import { commands as deviceCommands } from './commands/devices.js';
import { commands as journalCommands } from './commands/journal.js';
import { commands as keyCommands } from './commands/key.js';
import { commands as payCommands } from './commands/pay.js';
import { commands as qrCommands } from './commands/qr.js';
import { commands as queueCommands } from './commands/queue.js';
import { commands as scannerCommands } from './commands/scanner.js';
import { output } from './output.js';
import { logsTailDirect, pinHash } from './commands/core.js';
import { composeCommands } from './routing.js';

/**
 * Direct device commands without a core counterpart: --direct only, refused while a core runs (the core holds
 * the devices; a payment on the pad beside a running core could charge twice; a scan would take the scanner
 * from a citizen in the middle of a matter).
 */
const DIRECT_DEVICE_COMMANDS = ['printer print', 'pay status', 'pay sale', 'pay reverse', 'qr read', 'scanner list', 'scanner scan'];

/**
 * Every kioskctl command; each group lives in main/cli/commands/<group>.ts. Commands go through the running
 * core when one runs on the data directory (routing.ts), and work directly only where that is safe.
 */
export const COMMANDS: Command[] = composeCommands(
  [...deviceCommands, ...payCommands, ...qrCommands, ...queueCommands, ...journalCommands, ...keyCommands, ...scannerCommands, logsTailDirect],
  DIRECT_DEVICE_COMMANDS,
  [pinHash],
);

/** stdout and stderr, guarded: a closed pipe ends the command quietly (see output.ts). */
const processIo = { out: (l: string): void => output.line(l), err: (l: string): void => output.errLine(l) };

/**
 * The overview `kioskctl --help` prints. The build also writes it to dist/main/cli/help.txt, which the compiled
 * launcher prints without loading the commands (scripts/lib/run-kioskctl.mjs): same text, one owner (COMMANDS).
 */
export function help(): string {
  const lines = ['kioskctl — technician command line for the Ningxia self-service kiosk', '', 'commands (every command takes --json and --help):'];
  for (const c of COMMANDS) lines.push(`  kioskctl ${c.path.join(' ')} ${c.usage}`.trimEnd(), `      ${c.summary}`);
  return lines.join('\n');
}

export async function main(argv: string[], io = processIo): Promise<number> {
  output.install();
  if (argv.length === 0 || argv[0] === '--help' || argv[0] === '-h' || argv[0] === 'help') {
    io.out(help());
    return argv.length === 0 ? 2 : 0;
  }
  // Longest matching command path wins.
  const match = COMMANDS.filter((c) => c.path.every((p, i) => argv[i] === p)).sort((a, b) => b.path.length - a.path.length)[0];
  if (!match) {
    io.err(`kioskctl: unknown command "${argv.filter((a) => !a.startsWith('-')).slice(0, 2).join(' ')}" (see kioskctl --help)`);
    return 2;
  }
  return runCommand(match, argv.slice(match.path.length), io);
}
