import type { Application } from '../catalog/index.js';
import type { LocalText } from '../contract/index.js';
import { isDeviceError } from '../../drivers/device.js';
import type { IdentityRecord } from '../../drivers/id-card/types.js';
import type { ProfileName } from '../../drivers/receipt-printer/protocol/profiles.js';
import { acceptanceReceipt, type ReceiptMaterialHow } from '../../drivers/receipt-printer/templates.js';
import type { MaterialProvision } from '../workflows/matter-types.js';
import { maskIdNumber, maskName } from './masking.js';
import type { Profile } from './profile.js';

/**
 * The acceptance receipt (受理回执) of a case, as the core prints it: once by the matter's print step (matter
 * service), again on request from the case query (补打). One place says what a receipt carries; the template
 * (drivers/receipt-printer/templates.ts) lays it out.
 */

export interface ReceiptFacts {
  app: Application;
  acceptanceNumber: string;
  /** When the kiosk accepted the case (ms). */
  acceptedAt: number;
  caseNumber: string | null;
  /** Accepted while the platform could not be reached (and no case number since). */
  offline: boolean;
  /** YYYY-MM-DD of the promised completion (承诺件), or null. */
  promisedDate: string | null;
  /** How each material reached the kiosk, by material key; omitted materials are not listed. */
  materials: Record<string, ReceiptMaterialHow>;
  /** The applicant on the card (masked on the receipt, never printed in full). */
  applicant: Pick<IdentityRecord, 'name' | 'idNumber' | 'cardType'>;
  /** A reprint from the case query: when. */
  reprintedAt?: Date;
}

/** How a provided material is named on the receipt. */
export function receiptHow(p: MaterialProvision): ReceiptMaterialHow {
  return p.by === 'scan' ? 'scanned' : p.by === 'e-certificate' ? 'e-certificate' : 'committed';
}

/** The receipt's bytes for the kiosk's printer (throws the template's EscPosEncodeError). */
export function acceptanceReceiptFor(profile: Profile, printer: ProfileName, f: ReceiptFacts): Uint8Array {
  const { app } = f;
  const materials = app.materials.flatMap((m) => {
    const how = f.materials[m.key];
    return how === undefined ? [] : [{ name: m.name['zh-CN'], how }];
  });
  return acceptanceReceipt({
    terminalId: profile.terminalId,
    siteName: profile.siteName,
    time: new Date(f.acceptedAt),
    matterName: app.name['zh-CN'],
    applicantName: maskName(f.applicant.name),
    maskedId: maskIdNumber(f.applicant.idNumber, f.applicant.cardType),
    acceptanceNumber: f.acceptanceNumber,
    qrPayload: f.acceptanceNumber,
    offline: f.offline && f.caseNumber === null,
    profile: printer,
    caseNumber: f.caseNumber,
    implementationCode: app.code,
    body: app.body['zh-CN'],
    members: app.members.map((m) => m.name['zh-CN']),
    materials,
    promised: app.processing.kind === 'promised' && f.promisedDate !== null ? { kind: 'promised', workingDays: app.processing.workingDays, date: f.promisedDate } : { kind: 'immediate' },
    consultationPhone: app.contact.consultation,
    complaintPhone: app.contact.complaint,
    ...(f.reprintedAt ? { reprintedAt: f.reprintedAt } : {}),
  });
}

const w = (zh: string, en: string): LocalText => ({ 'zh-CN': zh, en });
const SHOW_INSTEAD = w('请记下屏幕上的受理编号，或用手机扫描二维码保存。', 'Note the acceptance number on screen, or scan the QR code with your phone.');

/** Why the printer did not print, in words for the citizen, with what to do instead. */
export function printerWords(e: unknown, instead: LocalText = SHOW_INSTEAD): LocalText {
  const fault = isDeviceError(e) ? e.fault : undefined;
  const code = isDeviceError(e) ? e.code : undefined;
  const why =
    fault === 'paper-out'
      ? w('打印机缺纸。', 'The printer is out of paper.')
      : fault === 'cover-open'
        ? w('打印机盖未关好。', 'The printer cover is open.')
        : fault === 'cutter-error'
          ? w('打印机切纸故障。', 'The printer cutter is stuck.')
          : code === 'disconnected' || code === 'not-found' || code === 'timeout'
            ? w('打印机未连接。', 'The printer is not connected.')
            : w('打印机暂时无法打印。', 'The printer cannot print now.');
  return { 'zh-CN': `${why['zh-CN']}${instead['zh-CN']}`, en: `${why.en} ${instead.en}` };
}
