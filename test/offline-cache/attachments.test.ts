import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { AttachmentStore, sha256Hex } from '../../offline-cache/attachments.js';
import { StorageError } from '../../offline-cache/errors.js';
import { Sealer } from '../../offline-cache/sealing.js';
import { tempDir, thrown } from './helpers.js';

function store(): { dir: string; store: AttachmentStore } {
  const dir = tempDir();
  const sealer = Sealer.open({ keyFile: path.join(dir, 'keys.json') });
  return { dir, store: new AttachmentStore(dir, sealer) };
}

describe('AttachmentStore', () => {
  it('stores sealed files named by the plaintext SHA-256 and gets them back verified', () => {
    const { dir, store: s } = store();
    const bytes = Buffer.from('scan of a document '.repeat(50));
    const r = s.put(bytes);
    expect(r.sha256).toBe(sha256Hex(bytes));
    expect(r.size).toBe(bytes.length);
    const file = path.join(dir, 'attachments', r.sha256);
    expect(fs.statSync(file).size).toBe(r.sealedSize);
    expect(fs.readFileSync(file).includes(bytes.subarray(0, 20))).toBe(false);
    expect(Buffer.from(s.get(r.sha256)).equals(bytes)).toBe(true);
    expect(fs.readdirSync(path.join(dir, 'attachments'))).toEqual([r.sha256]);
    // Same content again: same name, nothing new.
    expect(s.put(bytes).sha256).toBe(r.sha256);
    expect(fs.readdirSync(path.join(dir, 'attachments'))).toHaveLength(1);
  });

  it('get: missing file is not-found; a file moved to another name fails to open', () => {
    const { dir, store: s } = store();
    const a = s.put(Buffer.from('a'));
    const b = s.put(Buffer.from('b'));
    s.remove(b.sha256);
    expect((thrown(() => s.get(b.sha256)) as StorageError).code).toBe('not-found');
    fs.copyFileSync(path.join(dir, 'attachments', a.sha256), path.join(dir, 'attachments', b.sha256));
    expect((thrown(() => s.get(b.sha256)) as StorageError).code).toBe('sealing');
    expect((thrown(() => s.get('../../etc/passwd')) as StorageError).code).toBe('invalid');
  });

  it('sweepOrphans removes unreferenced files and temp files, keeps referenced and foreign names', () => {
    const { dir, store: s } = store();
    const keep = s.put(Buffer.from('keep'));
    const drop = s.put(Buffer.from('drop'));
    const adir = path.join(dir, 'attachments');
    fs.writeFileSync(path.join(adir, '.tmp-123-abc'), 'half written');
    fs.writeFileSync(path.join(adir, 'README'), 'not ours');
    const r = s.sweepOrphans(new Set([keep.sha256]));
    expect(r).toEqual({ removed: 1, tempRemoved: 1 });
    expect(fs.readdirSync(adir).sort()).toEqual(['README', keep.sha256].sort());
    expect(s.has(drop.sha256)).toBe(false);
    expect(s.sweepOrphans((sha) => sha === keep.sha256)).toEqual({ removed: 0, tempRemoved: 0 });
  });

  it('a failed write leaves no temp file and throws a typed error', () => {
    const { dir, store: s } = store();
    const adir = path.join(dir, 'attachments');
    fs.chmodSync(adir, 0o500);
    try {
      const e = thrown(() => s.put(Buffer.from('x')));
      // root ignores directory permissions; only assert when the write really failed
      if (e !== undefined) expect(e).toBeInstanceOf(StorageError);
      else expect(s.has(sha256Hex(Buffer.from('x')))).toBe(true);
    } finally {
      fs.chmodSync(adir, 0o700);
    }
    expect(fs.readdirSync(adir).filter((n) => n.startsWith('.tmp-'))).toEqual([]);
  });
});
