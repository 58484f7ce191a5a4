// Runs a long step (npm ci, a build) with its output in a log file and a progress line on the terminal:
// elapsed seconds and the current sub-step, rewritten in place on a terminal, one line every 15 s otherwise.
// On failure the last lines of the log are shown with its path. Node built-ins only.
import { spawn } from 'node:child_process';
import { createWriteStream, mkdirSync, readFileSync } from 'node:fs';
import { dirname } from 'node:path';

/**
 * @param {object} o
 * @param {string} o.cmd
 * @param {string[]} o.args
 * @param {string} o.cwd
 * @param {NodeJS.ProcessEnv} [o.env]
 * @param {string} o.logFile
 * @param {string} o.label            e.g. "kiosk: installing dependencies (npm ci)"
 * @param {NodeJS.WriteStream} o.stream where progress goes (stdout for npm start, stderr for kioskctl)
 * @param {(line: string) => string | null} [o.step] names the current sub-step from an output line
 * @returns {Promise<{ code: number, seconds: number }>}
 */
export function runWithProgress({ cmd, args, cwd, env = process.env, logFile, label, stream, step = () => null }) {
  mkdirSync(dirname(logFile), { recursive: true });
  const log = createWriteStream(logFile);
  const t0 = Date.now();
  const tty = Boolean(stream.isTTY) && process.env.TERM !== 'dumb';
  let current = null;
  let lastLine = 0;
  const show = (final) => {
    const secs = Math.round((Date.now() - t0) / 1000);
    const text = `${label} … ${secs} s${current ? ` (${current})` : ''}`;
    if (tty) stream.write(`\r\x1b[K${final ? '' : text}`);
    else if (!final && secs - lastLine >= 15) {
      lastLine = secs;
      stream.write(`${text}\n`);
    }
  };
  return new Promise((resolve) => {
    const child = spawn(cmd, args, { cwd, env, stdio: ['ignore', 'pipe', 'pipe'] });
    let pending = '';
    const onData = (chunk) => {
      log.write(chunk);
      pending += chunk.toString('utf8');
      const lines = pending.split('\n');
      pending = lines.pop() ?? '';
      for (const line of lines) {
        const s = step(line);
        if (s) current = s;
      }
    };
    child.stdout.on('data', onData);
    child.stderr.on('data', onData);
    const timer = setInterval(() => show(false), tty ? 1000 : 5000);
    let done = false;
    const finish = (code, extra) => {
      if (done) return;
      done = true;
      clearInterval(timer);
      show(true);
      if (extra) log.write(`\n${extra}\n`);
      log.end(() => {
        const seconds = (Date.now() - t0) / 1000;
        if (code !== 0) {
          const tail = readFileSync(logFile, 'utf8').trimEnd().split('\n').slice(-15);
          stream.write(`${label} failed (exit ${code}) after ${seconds.toFixed(0)} s; the last lines of ${logFile}:\n`);
          for (const l of tail) stream.write(`  | ${l}\n`);
        }
        resolve({ code, seconds });
      });
    };
    child.on('error', (e) => finish(127, `cannot run ${cmd}: ${e.message}`));
    child.on('close', (code, signal) => finish(code ?? (signal ? 128 : 1)));
  });
}
