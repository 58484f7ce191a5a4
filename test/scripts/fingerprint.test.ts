/**
 * Stamps (scripts/lib/fingerprint.mjs): a snapshot of inputs is fresh exactly while every input has the content
 * it had and no recorded-absent path exists; touching a file (mtime only) stays fresh and is reported so the
 * stamp can be refreshed; a file changed while the step ran is stale afterwards.
 */
import { fc, test as ftest } from '@fast-check/vitest';
import { mkdirSync, readFileSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { compare, readStamp, refreshed, snapshot, writeStamp } from '../../scripts/lib/fingerprint.mjs';
import { tempDir } from './helpers.js';

let clock = 1_700_000_000;
/** Writes a file and gives it a new mtime of its own (no two writes share one, whatever the clock's resolution). */
function write(dir: string, rel: string, text: string): void {
  writeFileSync(join(dir, rel), text);
  clock += 10;
  utimesSync(join(dir, rel), clock, clock);
}
function touch(dir: string, rel: string): void {
  clock += 10;
  utimesSync(join(dir, rel), clock, clock);
}

describe('snapshot and compare', () => {
  it('is fresh when nothing changed, and says so without hashing', () => {
    const dir = tempDir();
    write(dir, 'a.ts', 'export const a = 1;\n');
    write(dir, 'b.ts', 'export const b = 2;\n');
    const snap = snapshot(dir, ['a.ts', 'b.ts']);
    expect(compare(dir, snap)).toEqual({ fresh: true, touched: [] });
  });

  it('a touched file with the same content is fresh and reported as touched; the refreshed stamp is clean', () => {
    const dir = tempDir();
    write(dir, 'a.ts', 'x');
    const snap = snapshot(dir, ['a.ts']);
    touch(dir, 'a.ts');
    const c = compare(dir, snap);
    expect(c).toEqual({ fresh: true, touched: ['a.ts'] });
    expect(compare(dir, refreshed(dir, snap, ['a.ts']))).toEqual({ fresh: true, touched: [] });
  });

  it('changed content of the same size, a size change, a deletion: stale, naming the file', () => {
    const dir = tempDir();
    write(dir, 'a.ts', 'aaaa');
    write(dir, 'b.ts', 'bbbb');
    write(dir, 'c.ts', 'cccc');
    const snap = snapshot(dir, ['a.ts', 'b.ts', 'c.ts']);
    write(dir, 'a.ts', 'AAAA');
    expect(compare(dir, snap)).toMatchObject({ fresh: false, why: 'a.ts changed' });
    write(dir, 'a.ts', 'aaaa');
    write(dir, 'b.ts', 'bbbbb');
    expect(compare(dir, snap)).toMatchObject({ fresh: false, why: 'b.ts changed' });
    write(dir, 'b.ts', 'bbbb');
    rmSync(join(dir, 'c.ts'));
    expect(compare(dir, snap)).toMatchObject({ fresh: false, why: 'c.ts (deleted) changed' });
  });

  it('names three changes and counts the rest', () => {
    const dir = tempDir();
    const files = ['1', '2', '3', '4', '5'].map((n) => `${n}.ts`);
    for (const f of files) write(dir, f, f);
    const snap = snapshot(dir, files);
    for (const f of files) write(dir, f, `${f}!`);
    expect(compare(dir, snap)).toMatchObject({ fresh: false, why: '1.ts, 2.ts, 3.ts and 2 more changed' });
  });

  it('a path recorded as absent that appears makes it stale', () => {
    const dir = tempDir();
    write(dir, 'a.ts', 'a');
    const snap = snapshot(dir, ['a.ts'], ['public']);
    expect(snap.absent).toEqual(['public']);
    expect(compare(dir, snap).fresh).toBe(true);
    mkdirSync(join(dir, 'public'));
    expect(compare(dir, snap)).toMatchObject({ fresh: false, why: 'public (new) changed' });
  });

  it('a directory stands for its listing: an added file is a change, a touched directory is not', () => {
    const dir = tempDir();
    mkdirSync(join(dir, 'public'));
    write(dir, 'public/logo.svg', '<svg/>');
    const snap = snapshot(dir, ['public']);
    touch(dir, 'public');
    expect(compare(dir, snap)).toEqual({ fresh: true, touched: ['public'] });
    write(dir, 'public/new.png', 'png');
    touch(dir, 'public');
    expect(compare(dir, snap)).toMatchObject({ fresh: false, why: 'public changed' });
  });

  it('an input modified after the step began is stale afterwards, even though its mtime matches', () => {
    const dir = tempDir();
    write(dir, 'a.ts', 'old');
    const startedAt = clock * 1000 + 5000; // the step began after the write above...
    write(dir, 'b.ts', 'new'); // ...and this input was written while it ran
    const snap = snapshot(dir, ['a.ts', 'b.ts'], [], { notAfterMs: startedAt });
    expect(compare(dir, snap)).toMatchObject({ fresh: false, why: 'b.ts changed' });
  });

  it('no snapshot at all is stale', () => {
    expect(compare(tempDir(), null)).toMatchObject({ fresh: false, why: 'there is no record of the last run' });
  });

  it('a missing input cannot be snapshotted: a build only records files it read', () => {
    expect(() => snapshot(tempDir(), ['missing.ts'])).toThrow(/ENOENT/);
  });

  // Any sequence of edits: fresh exactly when every input holds its snapshotted content and no absent path exists.
  const op = fc.oneof(
    fc.record({ kind: fc.constant('write' as const), file: fc.nat(3), text: fc.constantFrom('a', 'b', 'ab', '') }),
    fc.record({ kind: fc.constant('touch' as const), file: fc.nat(3) }),
    fc.record({ kind: fc.constant('delete' as const), file: fc.nat(3) }),
    fc.record({ kind: fc.constant('create-absent' as const) }),
  );
  ftest.prop([fc.array(fc.constantFrom('a', 'b', 'ab', ''), { minLength: 4, maxLength: 4 }), fc.array(op, { maxLength: 8 })], { numRuns: 150 })(
    'fresh exactly when contents are back to the snapshot',
    (initial, ops) => {
      const dir = tempDir();
      const names = initial.map((_, i) => `f${i}.ts`);
      initial.forEach((text, i) => write(dir, names[i]!, text));
      const snap = snapshot(dir, names, ['absent.ts']);
      const now: (string | null)[] = [...initial];
      let absentExists = false;
      for (const o of ops) {
        if (o.kind === 'write') {
          write(dir, names[o.file]!, o.text);
          now[o.file] = o.text;
        } else if (o.kind === 'touch') {
          if (now[o.file] !== null) touch(dir, names[o.file]!);
        } else if (o.kind === 'delete') {
          rmSync(join(dir, names[o.file]!), { force: true });
          now[o.file] = null;
        } else {
          write(dir, 'absent.ts', 'here');
          absentExists = true;
        }
      }
      const expected = !absentExists && now.every((t, i) => t === initial[i]);
      expect(compare(dir, snap).fresh).toBe(expected);
      rmSync(dir, { recursive: true, force: true });
    },
  );
});

describe('stamp files', () => {
  it('round-trip; garbage, a missing file or another format read as no stamp', () => {
    const dir = tempDir();
    const file = join(dir, 'sub', 'x.json');
    expect(readStamp(file)).toBeNull();
    writeStamp(file, { target: 'node', outputs: ['dist/a.js'] });
    expect(readStamp(file)).toMatchObject({ version: 1, target: 'node', outputs: ['dist/a.js'] });
    writeFileSync(file, '{ half');
    expect(readStamp(file)).toBeNull();
    writeFileSync(file, JSON.stringify({ version: 999 }));
    expect(readStamp(file)).toBeNull();
    expect(readFileSync(join(dir, 'sub', 'x.json'), 'utf8')).toContain('999');
  });
});
