import { spawn } from 'node:child_process';
import { join } from 'node:path';

/** The technician CLI as a technician runs it. */
export const KIOSKCTL = join(process.cwd(), 'bin', 'kioskctl.mjs');

export interface KioskctlRun {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs `kioskctl args…` to its end (killed and rejected after `timeoutMs`). */
export function kioskctl(args: string[], timeoutMs = 30_000): Promise<KioskctlRun> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [KIOSKCTL, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
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
