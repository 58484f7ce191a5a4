import { open, rename, readFile } from 'node:fs/promises';
import type { FileHandle } from 'node:fs/promises';
import { dirname, basename, join } from 'node:path';

/**
 * Append-only JSON-lines journal with group commit: every `append` resolves once its line is written and
 * fdatasync'ed; lines queued while a sync is running share the next write + sync. A torn last line (crash
 * mid-write) is skipped on load. `rewrite` replaces the whole file atomically (temp, fsync, rename, fsync dir).
 */

export class JournalClosedError extends Error {
  override readonly name = 'JournalClosedError';
  constructor() {
    super('journal is closed');
  }
}

interface Pending {
  line: string;
  resolve: () => void;
  reject: (err: unknown) => void;
}

export async function readJournalLines(file: string): Promise<{ lines: unknown[]; skipped: number }> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return { lines: [], skipped: 0 };
    throw err;
  }
  const lines: unknown[] = [];
  let skipped = 0;
  for (const line of text.split('\n')) {
    if (line.trim() === '') continue;
    try {
      lines.push(JSON.parse(line) as unknown);
    } catch {
      skipped += 1;
    }
  }
  return { lines, skipped };
}

async function fsyncDir(dir: string): Promise<void> {
  const fh = await open(dir, 'r');
  try {
    await fh.sync();
  } finally {
    await fh.close();
  }
}

/** Atomically replaces `file` with the given lines. */
export async function rewriteJournal(file: string, entries: readonly unknown[]): Promise<void> {
  const tmp = join(dirname(file), `.${basename(file)}.${process.pid}.tmp`);
  const fh = await open(tmp, 'w');
  try {
    await fh.writeFile(entries.map((e) => `${JSON.stringify(e)}\n`).join(''));
    await fh.sync();
  } finally {
    await fh.close();
  }
  await rename(tmp, file);
  await fsyncDir(dirname(file));
}

export class Journal {
  private pending: Pending[] = [];
  private flushing: Promise<void> | undefined;
  private closed = false;

  private constructor(private readonly fh: FileHandle) {}

  static async open(file: string): Promise<Journal> {
    return new Journal(await open(file, 'a'));
  }

  append(entry: unknown): Promise<void> {
    if (this.closed) return Promise.reject(new JournalClosedError());
    const line = `${JSON.stringify(entry)}\n`;
    return new Promise<void>((resolve, reject) => {
      this.pending.push({ line, resolve, reject });
      this.flushing ??= this.flush();
    });
  }

  private async flush(): Promise<void> {
    while (this.pending.length > 0) {
      const batch = this.pending;
      this.pending = [];
      try {
        await this.fh.write(batch.map((p) => p.line).join(''));
        await this.fh.datasync();
        for (const p of batch) p.resolve();
      } catch (err) {
        for (const p of batch) p.reject(err);
      }
    }
    this.flushing = undefined;
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.flushing;
    await this.fh.close();
  }
}
