/**
 * A real small file system for full-disk tests: a tmpfs mounted on a fresh temporary directory (needs root,
 * as the project's test machines run; no loop device, nothing left behind). `fill()` writes a ballast file
 * until the kernel answers ENOSPC; `free()` removes it. Always `unmount()` (afterEach).
 */
import { execFileSync } from 'node:child_process';
import { closeSync, mkdtempSync, openSync, rmSync, statfsSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface SmallFs {
  dir: string;
  /** Fill the file system to the last byte (a ballast file). */
  fill(): void;
  /** Remove the ballast. */
  free(): void;
  freeBytes(): number;
  unmount(): void;
}

export function mountSmallFs(bytes: number): SmallFs {
  const dir = mkdtempSync(join(tmpdir(), 'smallfs-'));
  try {
    execFileSync('mount', ['-t', 'tmpfs', '-o', `size=${bytes},mode=0755`, 'tmpfs', dir], { stdio: 'pipe' });
  } catch (e) {
    rmSync(dir, { recursive: true, force: true });
    throw new Error(
      `full-disk tests mount a small tmpfs and need root (CAP_SYS_ADMIN): ${e instanceof Error ? e.message.split('\n')[0] : String(e)}`,
    );
  }
  const ballast = join(dir, '.ballast');
  let mounted = true;
  return {
    dir,
    fill() {
      const fd = openSync(ballast, 'a');
      const chunk = Buffer.alloc(64 * 1024, 0x5a);
      try {
        for (;;) {
          try {
            writeSync(fd, chunk);
          } catch (e) {
            if ((e as NodeJS.ErrnoException).code !== 'ENOSPC') throw e;
            // Top off with smaller writes until not even one byte fits.
            for (let n = chunk.length >> 1; n >= 1; n >>= 1) {
              for (;;) {
                try {
                  writeSync(fd, chunk, 0, n);
                } catch {
                  break;
                }
              }
            }
            return;
          }
        }
      } finally {
        closeSync(fd);
      }
    },
    free() {
      rmSync(ballast, { force: true });
    },
    freeBytes() {
      const s = statfsSync(dir);
      return Number(s.bavail) * Number(s.bsize);
    },
    unmount() {
      if (!mounted) return;
      mounted = false;
      try {
        execFileSync('umount', ['-l', dir], { stdio: 'pipe' });
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    },
  };
}
