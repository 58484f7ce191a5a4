/**
 * kioskctl's output, safe against a reader that goes away (`kioskctl queue keys | head`): the first EPIPE
 * marks the output closed, every later line is dropped, and the running command is told to stop (its
 * AbortSignal aborts with OutputClosedError). The command then ends quietly — no stack trace, no message —
 * with exit code 141 (128 + SIGPIPE, what a shell reports for a program the closed pipe stopped).
 */
import fs from 'node:fs';

export const EXIT_OUTPUT_CLOSED = 141;

export class OutputClosedError extends Error {
  override readonly name = 'OutputClosedError';
  constructor() {
    super('output closed (the reading end of the pipe went away)');
  }
}

function isPipeGone(e: unknown): boolean {
  const c = (e as { code?: unknown } | null)?.code;
  return c === 'EPIPE' || c === 'ERR_STREAM_DESTROYED' || c === 'ERR_STREAM_WRITE_AFTER_END';
}

type Listener = () => void;

class GuardedOutput {
  #closed = false;
  #installed = false;
  readonly #listeners = new Set<Listener>();

  get closed(): boolean {
    return this.#closed;
  }

  /** Installs the stream error listeners once (an unhandled 'error' on stdout would end the process loudly). */
  install(): void {
    if (this.#installed) return;
    this.#installed = true;
    process.stdout.on('error', (e: unknown) => {
      if (isPipeGone(e)) this.markClosed();
    });
    // Diagnostics on a closed stderr are simply lost.
    process.stderr.on('error', () => undefined);
  }

  markClosed(): void {
    if (this.#closed) return;
    this.#closed = true;
    for (const l of [...this.#listeners]) l();
  }

  onClosed(listener: Listener): () => void {
    this.#listeners.add(listener);
    if (this.#closed) listener();
    return () => this.#listeners.delete(listener);
  }

  /** One line on stdout (buffered by the stream). */
  line(text: string): void {
    if (this.#closed) return;
    try {
      process.stdout.write(`${text}\n`);
    } catch (e) {
      if (isPipeGone(e)) this.markClosed();
      else throw e;
    }
  }

  /**
   * One line written synchronously to fd 1: when this returns, the line is in the pipe or the file (a
   * SIGKILL right after cannot lose it). Returns false if the output is closed.
   */
  lineSync(text: string): boolean {
    if (this.#closed) return false;
    const buf = Buffer.from(`${text}\n`, 'utf8');
    let off = 0;
    while (off < buf.length) {
      try {
        off += fs.writeSync(1, buf, off, buf.length - off);
      } catch (e) {
        const code = (e as NodeJS.ErrnoException).code;
        if (code === 'EAGAIN') {
          Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 1);
          continue;
        }
        if (isPipeGone(e)) {
          this.markClosed();
          return false;
        }
        throw e;
      }
    }
    return true;
  }

  /** One line on stderr; never throws. */
  errLine(text: string): void {
    try {
      if (process.stderr.writable) process.stderr.write(`${text}\n`);
    } catch {
      // a closed stderr loses the diagnostic, nothing else
    }
  }
}

/** The process's one guarded stdout. */
export const output = new GuardedOutput();
