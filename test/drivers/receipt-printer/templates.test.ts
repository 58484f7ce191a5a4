import { describe, expect, it } from 'vitest';
import { acceptanceReceipt, formatChinaTime, testReceipt, textReceipt, OFFLINE_LINE_ZH, type AcceptanceReceiptInput } from '../../../drivers/receipt-printer/templates.js';
import { decodeEscPos } from '../../../drivers/receipt-printer/protocol/decoder.js';
import { displayWidth } from '../../../drivers/receipt-printer/protocol/encoder.js';
import { EscPosEncodeError } from '../../../drivers/receipt-printer/protocol/errors.js';
import { PRINTER_PROFILES } from '../../../drivers/receipt-printer/protocol/profiles.js';

const input: AcceptanceReceiptInput = {
  terminalId: 'NX-YC-0001',
  siteName: '银川市民大厅',
  time: new Date('2026-03-01T16:30:00Z'),
  matterName: '城乡居民基本养老保险参保登记',
  applicantName: '𠀾*',
  maskedId: '6401**********123X',
  acceptanceNumber: 'SL20260301000042',
  qrPayload: 'https://zwfw.nx.gov.cn/progress?n=SL20260301000042',
  offline: false,
  profile: '80mm',
};

describe('acceptanceReceipt', () => {
  it.each(['58mm', '80mm'] as const)('%s: title centred and bold, facts, QR, cut, lines within the width', (profile) => {
    const [r, ...rest] = decodeEscPos(acceptanceReceipt({ ...input, profile }));
    expect(rest).toHaveLength(0);
    expect(r?.cut).toBe('partial');
    expect(r?.errors).toEqual([]);
    expect(r?.items[0]).toMatchObject({ type: 'text', align: 'center', runs: [{ text: '受理回执', style: { bold: true, width: 2, height: 2 } }] });
    for (const s of ['银川市民大厅', 'SL20260301000042', '城乡居民基本养老保险参保登记', '𠀾*', '6401**********123X', '2026-03-02 00:30:00', 'NX-YC-0001']) {
      expect(r?.text).toContain(s);
    }
    expect(r?.text).not.toContain(OFFLINE_LINE_ZH);
    expect(r?.items.find((i) => i.type === 'qr')).toMatchObject({ data: input.qrPayload, align: 'center' });
    const cols = PRINTER_PROFILES[profile].columnsA;
    for (const line of (r?.text ?? '').split('\n').slice(1)) expect(displayWidth(line)).toBeLessThanOrEqual(cols);
  });

  it.each(['58mm', '80mm'] as const)('%s: offline receipts say so in Chinese and English, within the width', (profile) => {
    const r = decodeEscPos(acceptanceReceipt({ ...input, offline: true, profile }))[0];
    const lines = (r?.text ?? '').split('\n');
    expect(r?.text).toContain('离线受理，联网后自动提交');
    expect(lines.slice(1).join(' ')).toContain('offline accepted - will be submitted automatically');
    for (const line of lines.slice(1)) expect(displayWidth(line)).toBeLessThanOrEqual(PRINTER_PROFILES[profile].columnsA);
  });

  it('refuses an unmasked ID number', () => {
    expect(() => acceptanceReceipt({ ...input, maskedId: '64010219900101123X' })).toThrow(EscPosEncodeError);
  });

  it('refuses missing fields with a typed error', () => {
    expect(() => acceptanceReceipt({ ...input, acceptanceNumber: '' })).toThrow(EscPosEncodeError);
    expect(() => acceptanceReceipt({ ...input, time: new Date('nonsense') })).toThrow(EscPosEncodeError);
  });
});

describe('other templates', () => {
  it('testReceipt: date, a Chinese line, a QR code, a cut', () => {
    const r = decodeEscPos(testReceipt({ date: new Date('2026-01-02T03:04:05Z'), profile: '58mm' }))[0];
    expect(r?.text).toContain('2026-01-02 11:04:05');
    expect(r?.text).toContain('中文打印测试');
    expect(r?.items.some((i) => i.type === 'qr')).toBe(true);
    expect(r?.cut).toBe('partial');
  });

  it('textReceipt keeps newlines and Chinese', () => {
    const text = '第一行\n\nsecond 行 䶮';
    const r = decodeEscPos(textReceipt(text, '80mm'))[0];
    expect(r?.text).toBe(text);
    expect(r?.cut).toBe('partial');
  });

  it('formatChinaTime is UTC+8 whatever the machine zone', () => {
    expect(formatChinaTime(new Date('2026-12-31T16:00:00Z'))).toBe('2027-01-01 00:00:00');
  });
});

describe('acceptanceReceipt: the fields of issue 7', () => {
  const full: AcceptanceReceiptInput = {
    ...input,
    caseNumber: 'NX-20260301-0000042',
    implementationCode: 'SAMPLE-GA-0002',
    body: '银川市公安局兴庆区分局',
    members: ['出生登记（户口申报）', '新生儿城乡居民医保参保登记'],
    materials: [
      { name: '居住证', how: 'e-certificate' },
      { name: '居住证明', how: 'committed' },
      { name: '照片', how: 'scanned' },
    ],
    promised: { kind: 'promised', workingDays: 3, date: '2026-03-05' },
    consultationPhone: '12345',
    complaintPhone: '0951-12345',
  };

  it.each(['58mm', '80mm'] as const)('%s: case number, code, body, members, materials, promised date, phones; within the width', (profile) => {
    const r = decodeEscPos(acceptanceReceipt({ ...full, profile }))[0];
    expect(r?.errors).toEqual([]);
    const flat = (r?.text ?? '').replace(/\n/g, '');
    for (const s of ['办件编号', 'NX-20260301-0000042', '实施编码', 'SAMPLE-GA-0002', '实施机构', '银川市公安局兴庆区分局', '包含事项', '新生儿城乡居民医保参保登记', '材料清单', '电子证照', '告知承诺', '已收取（扫描）', '承诺办结', '3个工作日（2026-03-05前）', '咨询电话', '投诉电话', '0951-12345', 'NX-YC-0001']) {
      expect(flat).toContain(s);
    }
    for (const line of (r?.text ?? '').split('\n').slice(1)) expect(displayWidth(line)).toBeLessThanOrEqual(PRINTER_PROFILES[profile].columnsA);
  });

  it('即办件 says so; the optional fields may all be left out', () => {
    expect(decodeEscPos(acceptanceReceipt({ ...input, promised: { kind: 'immediate' } }))[0]?.text).toContain('即办');
    const bare = decodeEscPos(acceptanceReceipt(input))[0]?.text ?? '';
    expect(bare).not.toContain('办件编号');
    expect(bare).not.toContain('材料清单');
  });

  it('refuses a bad promised date or material with a typed error', () => {
    expect(() => acceptanceReceipt({ ...full, promised: { kind: 'promised', workingDays: 0, date: '2026-03-05' } })).toThrow(EscPosEncodeError);
    expect(() => acceptanceReceipt({ ...full, promised: { kind: 'promised', workingDays: 2, date: '5 March' } })).toThrow(EscPosEncodeError);
    expect(() => acceptanceReceipt({ ...full, materials: [{ name: '', how: 'scanned' }] })).toThrow(EscPosEncodeError);
  });
});
