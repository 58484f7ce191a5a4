/**
 * Receipt templates: acceptance receipt (受理回执), test receipt, plain text receipt.
 * Pure: input -> ESC/POS bytes. Citizen data passes through to paper only; nothing here logs.
 */
import { EscPosEncoder } from './protocol/encoder.js';
import { EscPosEncodeError } from './protocol/errors.js';
import { warmUpGb18030 } from './protocol/gb18030.js';
import type { ProfileName } from './protocol/profiles.js';

export interface AcceptanceReceiptInput {
  terminalId: string;
  siteName: string;
  time: Date;
  matterName: string;
  /** Already masked by the caller, e.g. '张*'. */
  applicantName: string;
  /** Already masked, e.g. '6401**********123X'. An unmasked 15/18-character ID number is refused. */
  maskedId: string;
  acceptanceNumber: string;
  /** URL or text for the QR code (progress look-up). */
  qrPayload: string;
  offline: boolean;
  profile: ProfileName;
  /** The platform's case number (办件编号), once known. */
  caseNumber?: string | null;
  /** 实施编码 of the matter. */
  implementationCode?: string;
  /** 实施机构 (a bundle: the lead office). */
  body?: string;
  /** A bundle's member matters. */
  members?: readonly string[];
  /** 材料清单: each material and how it was received. */
  materials?: readonly { name: string; how: ReceiptMaterialHow }[];
  /** 即办件, or the promised time limit in working days and the date it falls on (YYYY-MM-DD). */
  promised?: { kind: 'immediate' } | { kind: 'promised'; workingDays: number; date: string };
  /** How to follow the case and complain (咨询电话, 监督投诉电话). */
  consultationPhone?: string;
  complaintPhone?: string;
  /** A reprint (补打) asked for later (the case query): marked under the title, with when it was printed again. */
  reprintedAt?: Date;
}

/** How a material reached the kiosk: scanned here, as an e-certificate, or replaced by the signed commitment. */
export type ReceiptMaterialHow = 'scanned' | 'e-certificate' | 'committed';

const HOW_ZH: Record<ReceiptMaterialHow, string> = { scanned: '已收取（扫描）', 'e-certificate': '电子证照', committed: '告知承诺' };

export const OFFLINE_LINE_EN = 'offline accepted - will be submitted automatically';
export const OFFLINE_LINE_ZH = '离线受理，联网后自动提交';

const UNMASKED_ID = /^(\d{17}[\dXx]|\d{15})$/;

function requireText(name: string, v: unknown, max = 200): string {
  if (typeof v !== 'string' || v.trim() === '') throw new EscPosEncodeError('invalid-argument', `${name} must be a non-empty string`);
  if (v.length > max) throw new EscPosEncodeError('invalid-argument', `${name} is longer than ${max} characters`);
  return v;
}

/** 'YYYY-MM-DD HH:mm:ss' in China Standard Time (UTC+8), whatever the machine's time zone. */
export function formatChinaTime(d: Date): string {
  if (!(d instanceof Date) || Number.isNaN(d.getTime())) throw new EscPosEncodeError('invalid-argument', 'time must be a valid Date');
  const t = new Date(d.getTime() + 8 * 3600_000);
  const p = (n: number): string => String(n).padStart(2, '0');
  return `${t.getUTCFullYear()}-${p(t.getUTCMonth() + 1)}-${p(t.getUTCDate())} ${p(t.getUTCHours())}:${p(t.getUTCMinutes())}:${p(t.getUTCSeconds())}`;
}

function header(e: EscPosEncoder, title: string): EscPosEncoder {
  return e.initialise().align('center').bold(true).size(2, 2).line(title).size(1, 1).bold(false);
}

/** The acceptance receipt: centred bold title, the facts, QR code, cut. */
export function acceptanceReceipt(input: AcceptanceReceiptInput): Uint8Array {
  if (typeof input !== 'object' || input === null) throw new EscPosEncodeError('invalid-argument', 'acceptance receipt input missing');
  const terminalId = requireText('terminalId', input.terminalId, 64);
  const siteName = requireText('siteName', input.siteName);
  const matterName = requireText('matterName', input.matterName);
  const applicantName = requireText('applicantName', input.applicantName, 64);
  const maskedId = requireText('maskedId', input.maskedId, 32);
  const acceptanceNumber = requireText('acceptanceNumber', input.acceptanceNumber, 64);
  const qrPayload = requireText('qrPayload', input.qrPayload, 1000);
  if (UNMASKED_ID.test(maskedId.trim())) throw new EscPosEncodeError('unmasked-id', 'maskedId looks like a full ID number; mask it before printing');
  const time = formatChinaTime(input.time);

  const optional = (name: string, v: string | null | undefined, max = 200): string | null => (v === undefined || v === null ? null : requireText(name, v, max));
  const caseNumber = optional('caseNumber', input.caseNumber, 64);
  const code = optional('implementationCode', input.implementationCode, 128);
  const body = optional('body', input.body);
  const consultation = optional('consultationPhone', input.consultationPhone, 20);
  const complaint = optional('complaintPhone', input.complaintPhone, 20);
  const members = (input.members ?? []).map((m, i) => requireText(`members.${i}`, m));
  const materials = (input.materials ?? []).map((m, i) => {
    if (!(m.how in HOW_ZH)) throw new EscPosEncodeError('invalid-argument', `materials.${i}.how is not one of ${Object.keys(HOW_ZH).join(', ')}`);
    return [requireText(`materials.${i}.name`, m.name), HOW_ZH[m.how]] as const;
  });
  let promised: string | null = null;
  const p = input.promised;
  if (p?.kind === 'immediate') promised = '即办';
  else if (p?.kind === 'promised') {
    if (!Number.isInteger(p.workingDays) || p.workingDays < 1) throw new EscPosEncodeError('invalid-argument', 'promised.workingDays must be a positive integer');
    if (!/^[0-9]{4}-[0-9]{2}-[0-9]{2}$/.test(p.date)) throw new EscPosEncodeError('invalid-argument', 'promised.date must be YYYY-MM-DD');
    promised = `${p.workingDays}个工作日（${p.date}前）`;
  }

  const reprintedAt = input.reprintedAt === undefined ? null : formatChinaTime(input.reprintedAt);
  const e = header(new EscPosEncoder(input.profile), '受理回执');
  if (reprintedAt !== null) e.bold(true).line('（补打）').bold(false);
  e.paragraph(siteName).align('left').rule('-');
  const rows: [string, string][] = [['受理编号', acceptanceNumber]];
  if (caseNumber !== null) rows.push(['办件编号', caseNumber]);
  rows.push(['办理事项', matterName]);
  if (code !== null) rows.push(['实施编码', code]);
  if (body !== null) rows.push(['实施机构', body]);
  rows.push(['申请人', applicantName], ['证件号码', maskedId], ['受理时间', time]);
  if (reprintedAt !== null) rows.push(['补打时间', reprintedAt]);
  if (promised !== null) rows.push(['承诺办结', promised]);
  e.table(rows);
  if (members.length > 0) {
    e.rule('-').line('包含事项');
    members.forEach((m, i) => e.paragraph(`${i + 1}. ${m}`));
  }
  if (materials.length > 0) {
    e.rule('-').line('材料清单');
    e.table(materials.map(([name, how]) => [name, how] as [string, string]));
  }
  e.rule('-');
  if (input.offline) {
    e.bold(true).paragraph(OFFLINE_LINE_ZH).bold(false).paragraph(OFFLINE_LINE_EN).rule('-');
  }
  e.align('center').qrcode(qrPayload, { errorLevel: 'M' }).newline().line('扫码查询办理进度');
  e.align('left');
  const contacts: [string, string][] = [];
  if (consultation !== null) contacts.push(['咨询电话', consultation]);
  if (complaint !== null) contacts.push(['投诉电话', complaint]);
  contacts.push(['终端编号', terminalId]);
  e.table(contacts);
  e.align('center').line('请妥善保管本回执');
  return e.cut('partial').encode();
}

/** The technician's test receipt: date, a Chinese line, a QR code, a cut. */
export function testReceipt(opts: { date: Date; profile: ProfileName }): Uint8Array {
  const e = header(new EscPosEncoder(opts.profile), '打印测试');
  e.align('left').line(`TEST ${formatChinaTime(opts.date)}`).paragraph('中文打印测试：宁夏政务服务 䶮').rule('=');
  e.align('center').qrcode('TEST ' + formatChinaTime(opts.date), { errorLevel: 'L' }).newline();
  return e.cut('partial').encode();
}

/** Plain text (Chinese allowed, newlines kept), then a cut. */
export function textReceipt(text: string, profile: ProfileName): Uint8Array {
  if (typeof text !== 'string') throw new EscPosEncodeError('invalid-text', 'text must be a string');
  return new EscPosEncoder(profile).initialise().text(text).newline().cut('partial').encode();
}

/**
 * How many sample receipts the warm-up encodes: enough for V8's optimising compiler to compile the encoder's
 * paths (it marks them hot after ten to twenty receipts), so that a process's first citizen receipt costs what
 * every later one does. Fewer leave the first receipts running in the interpreter (bench: the first receipt).
 */
export const WARM_UP_RECEIPTS = 96;

/**
 * One sample receipt of no one's data (nothing is printed), the `i`-th of the warm-up. The first builds the
 * GB18030 table.
 */
export function warmUpReceipt(i: number, profile: ProfileName = '80mm'): Uint8Array {
  warmUpGb18030();
  const n = String(i).padStart(6, '0');
  return acceptanceReceipt({
    terminalId: 'NX-WARM-UP',
    siteName: '预热 warm-up 宁夏政务服务自助终端',
    time: new Date(i * 1000),
    matterName: i % 3 === 0 ? '城乡居民基本养老保险参保登记' : '居住证签注',
    applicantName: '张*',
    maskedId: '6401**********000X',
    acceptanceNumber: `NX-WARM-UP-19700101-${n}`,
    qrPayload: `https://example.invalid/progress?n=NX-WARM-UP-19700101-${n}`,
    offline: i % 2 === 0,
    ...(i % 4 === 1 ? { caseNumber: `640000-${n}`, promised: { kind: 'promised' as const, workingDays: 5, date: '1970-01-08' } } : {}),
    ...(i % 4 === 3 ? { materials: [{ name: '居民身份证', how: 'e-certificate' as const }], members: ['居住证签注'] } : {}),
    profile,
  });
}

/**
 * The whole warm-up in one go (WARM_UP_RECEIPTS samples; tests and the bench). EscPosPrinter.start() runs the
 * same samples one per event-loop turn 1.5 s after start-up, long before anyone can reach a receipt, never
 * holding the loop for more than one receipt. Returns the bytes of the last sample (for tests).
 */
export function warmUpReceipts(profile: ProfileName = '80mm', count = WARM_UP_RECEIPTS): Uint8Array {
  let out: Uint8Array = new Uint8Array(0);
  for (let i = 0; i < count; i++) out = warmUpReceipt(i, profile);
  return out;
}
