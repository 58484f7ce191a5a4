/** Long steps with their output in a log and a progress line (scripts/lib/progress.mjs). */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runWithProgress } from '../../scripts/lib/progress.mjs';
import { tempDir } from './helpers.js';

function fakeStream(isTTY: boolean): { isTTY: boolean; text: () => string; write: (s: string) => boolean } {
  let text = '';
  return { isTTY, text: () => text, write: (s: string) => ((text += s), true) };
}

describe('runWithProgress', () => {
  it('keeps the output in the log, names sub-steps from it, and reports the exit status', async () => {
    const logFile = join(tempDir(), 'sub', 'step.log');
    const stream = fakeStream(false);
    const seen: string[] = [];
    const r = await runWithProgress({
      cmd: process.execPath,
      args: ['-e', "console.log('> better-sqlite3@12 install'); console.error('compiling'); console.log('done')"],
      cwd: process.cwd(),
      logFile,
      label: 'test: step',
      stream: stream as unknown as NodeJS.WriteStream,
      step: (line: string) => (seen.push(line), null),
    });
    expect(r.code).toBe(0);
    expect(seen).toEqual(expect.arrayContaining(['> better-sqlite3@12 install', 'compiling', 'done']));
    expect(readFileSync(logFile, 'utf8')).toContain('compiling');
    expect(stream.text()).not.toContain('failed');
  });

  it('on failure shows the last lines of the log and where it is', async () => {
    const logFile = join(tempDir(), 'step.log');
    const stream = fakeStream(false);
    const script = "for (let i = 1; i <= 30; i++) console.log('line ' + i); process.exit(3)";
    const r = await runWithProgress({ cmd: process.execPath, args: ['-e', script], cwd: process.cwd(), logFile, label: 'test: step', stream: stream as unknown as NodeJS.WriteStream });
    expect(r.code).toBe(3);
    const out = stream.text();
    expect(out).toContain(`test: step failed (exit 3)`);
    expect(out).toContain(logFile);
    expect(out).toContain('  | line 30');
    expect(out).toContain('  | line 16');
    expect(out).not.toContain('  | line 15\n');
  });

  it('a command that cannot start is a failure with the reason in the log', async () => {
    const logFile = join(tempDir(), 'step.log');
    const stream = fakeStream(true);
    const r = await runWithProgress({ cmd: '/nonexistent/npm', args: [], cwd: process.cwd(), logFile, label: 'test: step', stream: stream as unknown as NodeJS.WriteStream });
    expect(r.code).toBe(127);
    expect(readFileSync(logFile, 'utf8')).toContain('cannot run /nonexistent/npm');
    // On a terminal the progress line is cleared before the failure is told.
    expect(stream.text().startsWith('\r\u001b[K')).toBe(true);
  });
});
