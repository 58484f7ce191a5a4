import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { fc, test } from '@fast-check/vitest';
import { authorizePassword, resourceBackend } from '../../../../drivers/document-scanner/protocol/auth.js';
import { STATUS } from '../../../../drivers/document-scanner/protocol/constants.js';
import { SANE_STATUS, SaneStatusError, isErrorStatus, saneStatusError, saneStatusInfo } from '../../../../drivers/document-scanner/protocol/status.js';

describe('SANE status → device error', () => {
  it('the statuses the issue names carry their next action', () => {
    expect(saneStatusError(STATUS.JAMMED, 'scan')).toMatchObject({ device: 'scanner', code: 'device-fault', action: 'clear', fault: 'paper-jam' });
    expect(saneStatusError(STATUS.COVER_OPEN, 'scan')).toMatchObject({ code: 'device-fault', action: 'clear', fault: 'cover-open' });
    expect(saneStatusError(STATUS.NO_DOCS, 'start')).toMatchObject({ code: 'not-found', action: 'retry', fault: 'no-document' });
    expect(saneStatusError(STATUS.DEVICE_BUSY, 'open')).toMatchObject({ code: 'busy', action: 'wait', fault: 'device-busy' });
    expect(saneStatusError(STATUS.ACCESS_DENIED, 'open')).toMatchObject({ action: 'maintenance', fault: 'access-denied' });
    expect(saneStatusError(STATUS.IO_ERROR, 'read')).toMatchObject({ action: 'reset', fault: 'io-error' });
  });

  it('the message names the operation and the SANE status, and the prompt is Chinese first', () => {
    const e = saneStatusError(STATUS.NO_DOCS, 'start');
    expect(e).toBeInstanceOf(SaneStatusError);
    expect(e.message).toBe('start: no document in the feeder or on the glass [SANE_STATUS_NO_DOCS]');
    expect(saneStatusInfo(STATUS.NO_DOCS).prompt?.zh).toMatch(/请放入/);
  });

  it('GOOD and EOF are not errors; every other defined status is, with an action', () => {
    expect(isErrorStatus(STATUS.GOOD)).toBe(false);
    expect(isErrorStatus(STATUS.EOF)).toBe(false);
    for (const info of Object.values(SANE_STATUS)) {
      if (isErrorStatus(info.status)) expect(info.action).not.toBeNull();
    }
  });

  test.prop([fc.integer({ min: 12, max: 1_000_000 })])('an undefined status is a protocol error asking for a reset', (s) => {
    expect(saneStatusError(s, 'x')).toMatchObject({ code: 'protocol', action: 'reset', fault: 'unknown-status' });
  });
});

describe('AUTHORIZE password', () => {
  it('with $MD5$: "$MD5$" + md5(salt + password), salt first as sanei_auth.c does', () => {
    const resource = 'test$MD5$1a2b3c';
    const expected = '$MD5$' + createHash('md5').update('1a2b3c' + 'secret').digest('hex');
    expect(authorizePassword(resource, 'secret')).toBe(expected);
    expect(resourceBackend(resource)).toBe('test');
  });
  it('without $MD5$ the password goes as it is', () => {
    expect(authorizePassword('test', 'secret')).toBe('secret');
  });
});
