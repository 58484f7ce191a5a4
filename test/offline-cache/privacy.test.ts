import fs from 'node:fs';
import path from 'node:path';
import iconv from 'iconv-lite';
import { describe, expect, it } from 'vitest';
import { openOfflineCache } from '../../offline-cache/index.js';
import { roomyStatfs, tempDir } from './helpers.js';

const ID_NUMBER = '11010519491231002X';
const NAME = '张三丰';

function needles(): { label: string; bytes: Buffer }[] {
  const out: { label: string; bytes: Buffer }[] = [];
  for (const [what, text] of [['id number', ID_NUMBER], ['name', NAME]] as const) {
    out.push({ label: `${what} utf8`, bytes: Buffer.from(text, 'utf8') });
    out.push({ label: `${what} utf16le`, bytes: Buffer.from(text, 'utf16le') });
    out.push({ label: `${what} gb18030`, bytes: iconv.encode(text, 'gb18030') });
  }
  return out;
}

/** Every file under dir (recursively) that contains any needle. */
function findLeaks(dir: string, skip: (file: string) => boolean): string[] {
  const leaks: string[] = [];
  const walk = (d: string): void => {
    for (const ent of fs.readdirSync(d, { withFileTypes: true })) {
      const p = path.join(d, ent.name);
      if (ent.isDirectory()) walk(p);
      else if (!skip(p)) {
        const content = fs.readFileSync(p);
        for (const n of needles()) if (content.includes(n.bytes)) leaks.push(`${path.relative(dir, p)}: ${n.label}`);
      }
    }
  };
  walk(dir);
  return leaks;
}

describe('privacy scan', () => {
  it('citizen data appears in no database, WAL or attachment file (UTF-8, UTF-16LE, GB18030)', () => {
    const dir = tempDir();
    const keyDir = tempDir();
    const cache = openOfflineCache({ dir, keyFile: path.join(keyDir, 'seal.json'), minFreeBytes: 0, statfs: roomyStatfs });
    const payload = { applicant: { name: NAME, idNumber: ID_NUMBER, address: `${NAME}的住址` }, matter: 'M-1' };
    const scan = Buffer.concat([Buffer.from(`%PDF scan ${ID_NUMBER} ${NAME} `), Buffer.from(NAME, 'utf16le'), iconv.encode(NAME, 'gb18030')]);
    const a = cache.outbox.enqueue({ kind: 'case-submission', payload, attachments: [scan] });
    cache.outbox.enqueue({ kind: 'case-submission', payload: { ...payload, copy: 2 }, attachments: [Buffer.from(ID_NUMBER)] });
    cache.kv.putCached('applicant-hint', 'e1', JSON.stringify(payload), { sealed: true });

    // Sanity: the scan would find the data if it were there (the test can fail).
    const probe = path.join(dir, 'probe.bin');
    fs.writeFileSync(probe, Buffer.from(NAME, 'utf16le'));
    expect(findLeaks(dir, () => false)).toEqual(['probe.bin: name utf16le']);
    fs.rmSync(probe);

    const files = fs.readdirSync(dir);
    expect(files).toContain('kiosk.db-wal');
    expect(fs.readdirSync(cache.attachments.dir)).toHaveLength(2);
    expect(findLeaks(dir, () => false)).toEqual([]);

    // The data is really in there, sealed: it opens with the key.
    expect(cache.outbox.payloadOf(a.id)).toEqual(payload);
    expect(Buffer.from(cache.attachments.get(cache.outbox.attachmentsOf(a.id)[0] ?? '')).equals(scan)).toBe(true);

    // After ack and close (checkpoint), still nothing in clear.
    cache.outbox.claim(Date.now() + 1000);
    cache.outbox.ack(a.id, { platformCaseNumber: 'NX-1', ackedAt: Date.now() });
    cache.db.pragma('wal_checkpoint(TRUNCATE)');
    expect(findLeaks(dir, () => false)).toEqual([]);
    cache.close();
    expect(findLeaks(dir, () => false)).toEqual([]);
  });
});
