/**
 * kioskctl device commands as a technician runs them: real processes (bin/kioskctl.mjs) on both
 * ends of a real pseudo-terminal pair (socat). Each spawn costs about a second of tsx start-up,
 * so one simulator process serves several reads (cards are swapped through its stdin).
 */
import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sampleRecord } from '../../../drivers/id-card/samples.js';
import { SimProcess, expectOneLineError, kioskctl } from '../../helpers/kioskctl.js';
import { createPtyPair, usePtyPairs, type PtyPair } from '../../helpers/pty.js';

usePtyPairs({ perTest: false });

describe('kioskctl id-card read against kioskctl sim id-card (pty)', () => {
  let pty: PtyPair;
  let sim: SimProcess;

  beforeAll(async () => {
    pty = await createPtyPair();
    sim = await SimProcess.start(['id-card', '--port', pty.devicePath, '--identity', 'resident-rare']);
  }, 30_000);

  afterAll(async () => {
    const summary = await sim.stop();
    expect(summary).toMatchObject({ stopped: true });
  });

  // The four card types: resident (a 䶮 name), HK/Macau/Taiwan permit, old and 2023 foreign cards.
  for (const key of ['resident-rare', 'hk-mo-tw', 'foreign-old', 'foreign-2023']) {
    it(`prints every field of ${key}`, async () => {
      if (key !== 'resident-rare') await sim.control(`place ${key}`);
      const r = await kioskctl(['id-card', 'read', '--direct', '--port', pty.hostPath, '--timeout', '5000', '--json']);
      expect(r.stderr).toBe('');
      expect(r.code).toBe(0);
      const got = JSON.parse(r.stdout) as Record<string, unknown>;
      const sample = sampleRecord(key);
      if (!sample) throw new Error(`no sample ${key}`);
      const { photo, ...fields } = sample;
      for (const [field, value] of Object.entries(fields)) expect.soft(got[field], field).toEqual(value);
      expect(got.photo).toEqual({ format: 'wlt', bytes: photo?.bytes.length });
      expect(Object.keys(got).sort()).toEqual([...Object.keys(fields), 'photo'].sort());
    });
  }

  it('gives the photo as base64 under --photo, and Chinese+English labels without --json', async () => {
    await sim.control('place resident-zhang');
    const r = await kioskctl(['id-card', 'read', '--direct', '--port', pty.hostPath, '--timeout', '5000', '--photo', '--json']);
    expect(r.code).toBe(0);
    const got = JSON.parse(r.stdout) as { photo: { base64: string } };
    expect(new Uint8Array(Buffer.from(got.photo.base64, 'base64'))).toEqual(sampleRecord('resident-zhang')?.photo?.bytes);
    const human = await kioskctl(['id-card', 'read', '--direct', '--port', pty.hostPath, '--timeout', '5000']);
    expect(human.code).toBe(0);
    expect(human.stdout).toContain('姓名 Name: 张晓宁');
    expect(human.stdout).toContain('民族 Ethnic group: 汉 (01)');
    expect(human.stdout).toMatch(/公民身份号码 ID number: \d{17}[\dX] \(校验正确 check digit OK\)/);
  });

  it('a corrupted frame (bad checksum) exits non-zero with one clear line, no stack trace', async () => {
    await sim.control('fault bad-checksum');
    try {
      const r = await kioskctl(['id-card', 'read', '--direct', '--port', pty.hostPath, '--timeout', '1500', '--json']);
      expectOneLineError(r, /^kioskctl id-card read: id-card: corrupted frames from the reader: \d+ with a bad checksum/);
      expect(JSON.parse(r.stdout)).toMatchObject({ ok: false });
    } finally {
      await sim.control('fault none');
    }
  });
});

describe('kioskctl sim id-card identity files', () => {
  it('rejects a bad identity file naming the field', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'cli-id-'));
    try {
      const file = join(dir, 'card.json');
      await writeFile(file, JSON.stringify({ cardType: 'resident', name: '测试', gender: 'male', birthDate: '1990/01/01', idNumber: '1', validFrom: '2020-01-01', validTo: 'long-term' }));
      const r = await kioskctl(['sim', 'id-card', '--port', join(dir, 'nothing'), '--identity', file]);
      expect(r.code).toBe(2);
      expectOneLineError(r, /field "birthDate": expected YYYY-MM-DD/);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});

// ---------------------------------------------------------------- an independent ESC/POS reader

/**
 * Minimal ESC/POS reader for the few commands `printer print` may send: ESC @, FS & / FS . with
 * GB18030 text (TextDecoder), plain ASCII, LF, ESC d n (feed), GS V m (cut). Anything else fails.
 */
function readEscPos(bytes: Uint8Array): { text: string; cut: boolean; trailingFeed: number } {
  const gb = new TextDecoder('gb18030', { fatal: true });
  let text = '';
  let kanji = false;
  let cut = false;
  let trailingFeed = 0;
  let i = 0;
  const fail = (why: string): never => {
    throw new Error(`unexpected ${why} at byte ${i}: ${Buffer.from(bytes.subarray(i, i + 8)).toString('hex')}`);
  };
  while (i < bytes.length) {
    if (cut) fail('data after the cut');
    const b = bytes[i] as number;
    if (b === 0x1b && bytes[i + 1] === 0x40) {
      i += 2;
    } else if (b === 0x1c && bytes[i + 1] === 0x26) {
      kanji = true;
      i += 2;
    } else if (b === 0x1c && bytes[i + 1] === 0x2e) {
      kanji = false;
      i += 2;
    } else if (b === 0x0a) {
      text += '\n';
      i += 1;
    } else if (b === 0x1b && bytes[i + 1] === 0x64 && i + 2 < bytes.length) {
      trailingFeed += bytes[i + 2] as number;
      i += 3;
    } else if (b === 0x1d && bytes[i + 1] === 0x56 && [0, 1, 0x30, 0x31].includes(bytes[i + 2] ?? -1)) {
      cut = true;
      i += 3;
    }
    else if (b >= 0x20) {
      let j = i;
      while (j < bytes.length && (bytes[j] as number) >= 0x20) j++;
      const run = bytes.subarray(i, j);
      if (!kanji && run.some((x) => x >= 0x80)) fail('non-ASCII byte outside FS & mode');
      text += gb.decode(run);
      i = j;
    } else fail('command');
  }
  return { text, cut, trailingFeed };
}

describe('kioskctl printer print against kioskctl sim printer (pty)', () => {
  const TEXT = '办理完成 Done 䶮';

  it('prints exactly the text followed by a cut (decoded by an independent reader)', async () => {
    const pty = await createPtyPair();
    const out = await mkdtemp(join(tmpdir(), 'cli-printer-'));
    const sim = await SimProcess.start(['printer', '--port', pty.devicePath, '--out', out]);
    try {
      const r = await kioskctl(['printer', 'print', '--direct', '--port', pty.hostPath, '--text', TEXT, '--json']);
      expect(r.stderr).toBe('');
      expect(r.code).toBe(0);
      expect(JSON.parse(r.stdout)).toMatchObject({ ok: true, printed: 'text' });
      await sim.waitFor((e) => e.event === 'receipt');
      const summary = await sim.stop();
      expect(summary).toMatchObject({ receipts: 1 });
      expect((await readdir(out)).sort()).toEqual(['001.bin', '001.json', '001.svg']);
      const bin = new Uint8Array(await readFile(join(out, '001.bin')));
      const decoded = readEscPos(bin);
      expect(decoded.cut).toBe(true);
      expect(decoded.text).toBe(TEXT + '\n');
      expect(summary.printDataBytes).toBe(bin.length);
      expect(await readFile(join(out, '001.svg'), 'utf8')).toMatch(/^<svg /);
    } finally {
      await sim.stop();
      await rm(out, { recursive: true, force: true });
    }
  });

  it('with paper end reported, fails with a message about paper and sends no print data', async () => {
    const pty = await createPtyPair();
    const out = await mkdtemp(join(tmpdir(), 'cli-printer-'));
    const sim = await SimProcess.start(['printer', '--port', pty.devicePath, '--out', out, '--fault', 'paper-out']);
    try {
      const r = await kioskctl(['printer', 'print', '--direct', '--port', pty.hostPath, '--text', TEXT]);
      expectOneLineError(r, /^kioskctl printer print: receipt-printer: printer is out of paper .*nothing was printed/);
      const summary = await sim.stop();
      expect(summary).toMatchObject({ receipts: 0, printDataBytes: 0 });
      expect(summary.statusQueries).toEqual(expect.any(Number));
      expect(Number(summary.statusQueries)).toBeGreaterThan(0);
      expect(await readdir(out)).toEqual([]);
    } finally {
      await sim.stop();
      await rm(out, { recursive: true, force: true });
    }
  });
});
