/**
 * What the device commands share: serial options, a simulator's serial end kept open, event lines,
 * stdin control lines.
 */
import { resolve } from 'node:path';
import { createInterface } from 'node:readline';
import type { ProfileName } from '../../../drivers/receipt-printer/index.js';
import { LinkKeeper } from '../../../drivers/transport/keeper.js';
import { SerialOpener } from '../../../drivers/transport/serial.js';
import type { Transport } from '../../../drivers/transport/transport.js';
import { UsageError, describeError, intOption, requiredString, type CommandContext } from '../framework.js';

const BAUDS = [1200, 2400, 4800, 9600, 19200, 38400, 57600, 115200] as const;

export function baudOption(values: Record<string, unknown>, fallback: number): number {
  const b = intOption(values, 'baud', fallback, 300, 921600);
  if (!(BAUDS as readonly number[]).includes(b)) throw new UsageError(`--baud must be one of ${BAUDS.join(', ')}, got ${b}`);
  return b;
}

export function portOption(values: Record<string, unknown>): string {
  const p = requiredString(values, 'port');
  return resolve(p);
}

export function widthOption(values: Record<string, unknown>): ProfileName {
  const w = values.width;
  if (w === undefined || w === '80' || w === '80mm') return '80mm';
  if (w === '58' || w === '58mm') return '58mm';
  throw new UsageError(`--width must be 58 or 80, got "${String(w)}"`);
}

/** Resolves when `signal` fires (the command's SIGINT/SIGTERM). */
export function untilAborted(signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal.aborted) return resolve();
    signal.addEventListener('abort', () => resolve(), { once: true });
  });
}

export function faultOption<T>(values: Record<string, unknown>, table: Record<string, T>): T {
  const f = values.fault === undefined ? 'none' : String(values.fault);
  const v = Object.hasOwn(table, f) ? table[f] : undefined;
  if (v === undefined) throw new UsageError(`--fault must be one of ${Object.keys(table).join(', ')}, got "${f}"`);
  return v;
}

/** Keeps a simulator's serial end open (reopening after the link drops) until the signal fires. */
export async function runLink(path: string, baud: number, ctx: CommandContext, onUp: (t: Transport) => void, onDown: (why: string) => void): Promise<void> {
  const keeper = new LinkKeeper(new SerialOpener({ path, baudRate: baud }), { baseMs: 100, capMs: 1000 });
  keeper.on((e) => {
    if (e.type === 'up') onUp(e.transport);
    else onDown(e.error.message);
  });
  keeper.start();
  try {
    await untilAborted(ctx.signal);
  } finally {
    await keeper.stop();
  }
}

/**
 * Serves a simulator on the device end of the serial link at `path` until the command's signal: the
 * simulator is attached to every (re)opened link, `ready` is told each time, link losses become
 * 'link-down' events, and at the end the control lines stop and the simulator is disposed.
 */
export async function serveSimulator(
  ctx: CommandContext,
  o: { path: string; baud: number; sim: { attach(t: Transport): void; dispose(): void }; ready(): void; stopControl(): void },
): Promise<void> {
  const emit = eventOut(ctx);
  try {
    await runLink(
      o.path,
      o.baud,
      ctx,
      (t) => {
        o.sim.attach(t);
        o.ready();
      },
      (why) => emit('link-down', { reason: why }, `link down: ${why}`),
    );
  } finally {
    o.stopControl();
    o.sim.dispose();
  }
}

/** One line per event; JSON lines with --json. */
export function eventOut(ctx: CommandContext) {
  return (event: string, fields: Record<string, unknown>, human: string): void => ctx.out(ctx.json ? JSON.stringify({ event, ...fields }) : human);
}

/** Lines on stdin control a running simulator (`place KEY|FILE`, `fault NAME`, `scan TEXT` …): words and the raw line. */
export function controlLines(ctx: CommandContext, handle: (words: string[], line: string) => Promise<void>): () => void {
  const rl = createInterface({ input: process.stdin, terminal: false });
  rl.on('line', (line) => {
    const words = line.trim().split(/\s+/).filter(Boolean);
    if (words.length === 0) return;
    handle(words, line.trim()).catch((e: unknown) => ctx.err(`kioskctl sim: ${describeError(e)}`));
  });
  return () => {
    rl.close();
    process.stdin.destroy();
  };
}
