import { closeSync, existsSync, fsyncSync, mkdirSync, mkdtempSync, openSync, readdirSync, readFileSync, renameSync, rmSync, statSync, symlinkSync, writeFileSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { Redactor, createLogging, type LogFileIo } from '../../../main/core/logging.js';
import { maskIdNumber, maskName } from '../../../main/core/masking.js';

const ID = '11010519491231002X';
const NAME = '马晓燕';

function allLogs(dir: string): string {
  return readdirSync(dir)
    .map((f) => readFileSync(join(dir, f), 'utf8'))
    .join('');
}

describe('log redaction', () => {
  it('replaces citizen-data keys at any depth, ID-shaped strings anywhere, and registered secrets', () => {
    const dir = mkdtempSync(join(tmpdir(), 'logs-'));
    const { logger, redactor, close } = createLogging({ dir, level: 'info', maxFileBytes: 1 << 20, maxFiles: 2 });
    redactor.addSecrets([NAME]);
    logger.info({ record: { name: NAME, idNumber: ID }, nested: { deeper: { idNumber: ID } } }, 'read');
    logger.info({ note: `holder ${NAME} with ${ID}` }, `message mentions ${ID} and ${NAME}`);
    logger.warn({ err: new Error(`failed for ${ID}`) }, 'oops');
    logger.info({ old: '110105491231002', foreign: 'ABC123456789012' }, 'other numbers');
    close();
    const text = allLogs(dir);
    expect(text).toContain('message mentions');
    expect(text).not.toContain(ID);
    expect(text).not.toContain(NAME);
    expect(text).not.toContain('110105491231002');
    expect(text).not.toContain('ABC123456789012');
    expect(text).toContain('[redacted]');
  });

  it('a secret is scrubbed only while registered', () => {
    const r = new Redactor();
    r.addSecrets(['张三丰']);
    expect(r.scrubString('张三丰来了')).toBe('[redacted]来了');
    r.removeSecrets(['张三丰']);
    expect(r.scrubString('张三丰来了')).toBe('张三丰来了');
  });

  it('rotates by size and keeps at most maxFiles files', () => {
    const dir = mkdtempSync(join(tmpdir(), 'logs-'));
    const { logger, close } = createLogging({ dir, level: 'info', maxFileBytes: 64 * 1024, maxFiles: 3 });
    for (let i = 0; i < 3000; i++) logger.info({ i, pad: 'x'.repeat(60) }, 'line');
    close();
    const files = readdirSync(dir).sort();
    expect(files).toEqual(['kiosk.1.log', 'kiosk.2.log', 'kiosk.log']);
    for (const f of files) expect(readFileSync(join(dir, f)).length).toBeLessThanOrEqual(64 * 1024);
  });
});

describe('masking', () => {
  it('shows at most the first 6 and last 4 characters of an ID number', () => {
    expect(maskIdNumber(ID)).toBe('110105********002X');
    expect(maskIdNumber('ABC123456789012')).toBe('ABC**********12');
    expect(maskIdNumber('12')).toBe('**');
  });
  it('masks names for receipts', () => {
    expect(maskName('马晓燕')).toBe('马**');
    expect(maskName('JOHN SMITH')).toBe('JOHN S.');
  });
});

describe('logging never takes the kiosk down (issue 8 item 2)', () => {
  it('a full disk (the kernel answering ENOSPC, via /dev/full) drops lines and counts them instead of throwing', () => {
    const dir = mkdtempSync(join(tmpdir(), 'logs-'));
    symlinkSync('/dev/full', join(dir, 'kiosk.log'));
    const logging = createLogging({ dir, level: 'info', maxFileBytes: 1 << 20, maxFiles: 2, stderr: false });
    expect(() => {
      for (let i = 0; i < 50; i++) logging.logger.warn({ i }, 'websocket refused');
    }).not.toThrow();
    expect(logging.stats()).toEqual({ dropped: 50, failing: 'ENOSPC' });
    logging.close();
  });

  it('injected ENOSPC: lines are dropped while it lasts; the first line after says how many were lost', () => {
    const dir = mkdtempSync(join(tmpdir(), 'logs-'));
    let full = false;
    const io: LogFileIo = {
      mkdirSync,
      openSync,
      closeSync,
      fsyncSync,
      renameSync,
      rmSync,
      existsSync,
      statSync,
      writeSync: (fd, line) => {
        if (full) throw Object.assign(new Error('ENOSPC: no space left on device, write'), { code: 'ENOSPC' });
        return writeSync(fd, line);
      },
    };
    const logging = createLogging({ dir, level: 'info', maxFileBytes: 1 << 20, maxFiles: 2, io });
    logging.logger.info('before');
    full = true;
    for (let i = 0; i < 7; i++) logging.logger.info({ i }, 'during');
    expect(logging.stats()).toEqual({ dropped: 7, failing: 'ENOSPC' });
    full = false;
    logging.logger.info('after');
    logging.close();
    const lines = readFileSync(join(dir, 'kiosk.log'), 'utf8').trim().split('\n').map((l) => JSON.parse(l) as { msg: string; dropped?: number; cause?: string });
    expect(lines.map((l) => l.msg)).toEqual(['before', 'log lines dropped: they could not be written', 'after']);
    expect(lines[1]).toMatchObject({ dropped: 7, cause: 'ENOSPC' });
    expect(logging.stats()).toEqual({ dropped: 7, failing: null });
  });

  it('a log directory that cannot be created (a file in its place) does not stop start-up; it is retried', () => {
    const base = mkdtempSync(join(tmpdir(), 'logs-'));
    const dir = join(base, 'logs');
    writeFileSync(dir, 'not a directory');
    let now = 0;
    const logging = createLogging({ dir, level: 'info', maxFileBytes: 1 << 20, maxFiles: 2, now: () => now });
    logging.logger.error('core starting');
    expect(logging.stats().dropped).toBe(1);
    expect(logging.stats().failing).toMatch(/EEXIST|ENOTDIR/);
    rmSync(dir);
    logging.logger.info('still within the retry delay');
    expect(logging.stats().dropped).toBe(2);
    now += 6000;
    logging.logger.info('reopened');
    logging.close();
    expect(readFileSync(join(dir, 'kiosk.log'), 'utf8')).toContain('reopened');
  });
});
