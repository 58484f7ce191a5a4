import fs from 'node:fs';

/** The last `n` lines of a log file (the current file, then the rotated one before it); reads at most 1 MiB of each. */
export function tailLines(file: string, n: number): string[] {
  const read = (f: string): string[] => {
    try {
      const st = fs.statSync(f);
      const size = Math.min(st.size, 1024 * 1024);
      const fd = fs.openSync(f, 'r');
      try {
        const buf = Buffer.alloc(size);
        fs.readSync(fd, buf, 0, size, st.size - size);
        const lines = buf.toString('utf8').split('\n').filter(Boolean);
        return size < st.size ? lines.slice(1) : lines;
      } finally {
        fs.closeSync(fd);
      }
    } catch {
      return [];
    }
  };
  let lines = read(file);
  if (lines.length < n) lines = [...read(file.replace(/\.log$/, '.1.log')), ...lines];
  return lines.slice(-n);
}
