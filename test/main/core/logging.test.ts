import { mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { Redactor, createLogging } from '../../../main/core/logging.js';
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
    expect(maskIdNumber('ABC123456789012')).toBe('ABC12*******012');
    expect(maskIdNumber('12')).toBe('**');
  });
  it('masks names for receipts', () => {
    expect(maskName('马晓燕')).toBe('马**');
    expect(maskName('JOHN SMITH')).toBe('JOHN S.');
  });
});
