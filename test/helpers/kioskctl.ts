/**
 * kioskctl as a technician runs it: a real process (bin/kioskctl.mjs). `kioskctl()` runs one command to
 * its end; `SimProcess` runs a `kioskctl sim …` process and reads its JSON event lines.
 */
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { join } from 'node:path';
import { expect } from 'vitest';

/** The technician CLI as a technician runs it. */
export const KIOSKCTL = join(process.cwd(), 'bin', 'kioskctl.mjs');
const BIN = KIOSKCTL;

export interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs `kioskctl args…` to its end (killed and rejected after `timeoutMs`). */
export function kioskctl(args: string[], timeoutMs = 30_000): Promise<Run> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [BIN, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`kioskctl ${args.join(' ')} did not finish in ${timeoutMs} ms\n${stdout}\n${stderr}`));
    }, timeoutMs);
    child.on('exit', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}

/** A `kioskctl sim …` process: waits for its 'ready' event; control lines go to its stdin. */
export class SimProcess {
  readonly events: Record<string, unknown>[] = [];
  stderr = '';
  #buf = '';
  #waiters: { match: (e: Record<string, unknown>) => boolean; resolve: () => void }[] = [];
  readonly exited: Promise<number | null>;

  constructor(readonly child: ChildProcessWithoutNullStreams) {
    child.stdout.setEncoding('utf8');
    child.stdout.on('data', (s: string) => {
      this.#buf += s;
      let nl: number;
      while ((nl = this.#buf.indexOf('\n')) >= 0) {
        const line = this.#buf.slice(0, nl);
        this.#buf = this.#buf.slice(nl + 1);
        if (!line.trim()) continue;
        const e = JSON.parse(line) as Record<string, unknown>;
        this.events.push(e);
        for (const w of [...this.#waiters]) {
          if (w.match(e)) {
            this.#waiters.splice(this.#waiters.indexOf(w), 1);
            w.resolve();
          }
        }
      }
    });
    child.stderr.on('data', (d: Buffer) => (this.stderr += d.toString()));
    this.exited = new Promise((r) => child.once('exit', (code) => r(code)));
  }

  static async start(args: string[]): Promise<SimProcess> {
    const p = new SimProcess(spawn(process.execPath, [BIN, 'sim', ...args, '--json'], { stdio: ['pipe', 'pipe', 'pipe'] }));
    await p.waitFor((e) => e.event === 'ready', 20_000);
    return p;
  }

  waitFor(match: (e: Record<string, unknown>) => boolean, ms = 10_000): Promise<void> {
    if (this.events.some(match)) return Promise.resolve();
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`simulator event not seen in ${ms} ms; events ${JSON.stringify(this.events)} stderr ${this.stderr}`)), ms);
      this.#waiters.push({
        match,
        resolve: () => {
          clearTimeout(timer);
          resolve();
        },
      });
    });
  }

  async control(line: string): Promise<void> {
    const before = this.events.length;
    this.child.stdin.write(line + '\n');
    await this.waitFor((e) => e.event === 'control' && this.events.indexOf(e) >= before);
  }

  /** SIGTERM; resolves with the final summary line. */
  async stop(): Promise<Record<string, unknown>> {
    if (this.child.exitCode === null) this.child.kill('SIGTERM');
    const code = await this.exited;
    expect(code).toBe(0);
    const last = this.events[this.events.length - 1];
    return last ?? {};
  }
}

/** One line on stderr, no stack trace. */
export function expectOneLineError(r: Run, pattern: RegExp): void {
  expect(r.code).not.toBe(0);
  const lines = r.stderr.trim().split('\n');
  expect(lines).toHaveLength(1);
  expect(lines[0]).toMatch(pattern);
  expect(r.stderr).not.toMatch(/^\s+at /m);
}

