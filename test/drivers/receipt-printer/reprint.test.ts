import { describe, expect, it } from 'vitest';
import { acceptanceReceipt, type AcceptanceReceiptInput } from '../../../drivers/receipt-printer/templates.js';
import { decodeEscPos } from '../../../drivers/receipt-printer/protocol/decoder.js';
import { displayWidth } from '../../../drivers/receipt-printer/protocol/encoder.js';
import { PRINTER_PROFILES } from '../../../drivers/receipt-printer/protocol/profiles.js';

const input: AcceptanceReceiptInput = {
  terminalId: 'NX-YC-0001',
  siteName: '银川市民大厅',
  time: new Date('2026-03-01T16:30:00Z'),
  matterName: '新生儿社会保障卡申领',
  applicantName: '张**',
  maskedId: '640104********0012',
  acceptanceNumber: 'NX-YC-0001-20260302-000042',
  qrPayload: 'NX-YC-0001-20260302-000042',
  offline: false,
  profile: '58mm',
};

describe('a reprinted acceptance receipt (issue 12 item 3: the case query reprints it)', () => {
  it.each(['58mm', '80mm'] as const)('%s: marked 补打 under the title with when it was printed again; the original time stays', (profile) => {
    const r = decodeEscPos(acceptanceReceipt({ ...input, profile, reprintedAt: new Date('2026-03-05T02:00:00Z') }))[0];
    expect(r?.errors).toEqual([]);
    expect(r?.text).toContain('（补打）');
    expect(r?.text).toMatch(/受理时间[ .]+2026-03-02 00:30:00/);
    expect(r?.text).toMatch(/补打时间[ .]+2026-03-05 10:00:00/);
    for (const line of (r?.text ?? '').split('\n').slice(1)) expect(displayWidth(line)).toBeLessThanOrEqual(PRINTER_PROFILES[profile].columnsA);
  });

  it('an original receipt says nothing of a reprint', () => {
    const r = decodeEscPos(acceptanceReceipt(input))[0];
    expect(r?.text).not.toContain('补打');
  });
});
