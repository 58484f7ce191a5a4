import type { LocalText } from '../contract/index.js';
import { isDeviceError } from '../../drivers/device.js';
import { SANE_STATUS } from '../../drivers/document-scanner/protocol/status.js';
import type { DocumentScanner, ScanProgress, ScanRequest } from '../../drivers/document-scanner/types.js';
import type { PaymentRow } from '../../offline-cache/payments.js';
import type { PaymentRecords, PaymentService, PayResult } from './payments.js';

/**
 * What the matter service needs of the document scanner and the payment pad, and the adapters from
 * the drivers (drivers/document-scanner, drivers/payment-pad through PaymentService). The same
 * adapters serve real devices and the simulators of web mode and the tests (main/sim puts the drivers'
 * own simulators behind the drivers' own classes). Everything takes an AbortSignal: an idle wipe or a
 * cancel aborts.
 */

export interface PageProgress {
  /** Pages finished so far in this scan. */
  pagesDone: number;
  /** Progress through the page being scanned (0-1), when the device says. */
  pageProgress: number | null;
}

/** A failure in words for the citizen, with the technician's reason (no citizen data). */
export class MatterDeviceError extends Error {
  override readonly name = 'MatterDeviceError';
  constructor(
    readonly words: LocalText,
    readonly reason: string,
    options?: { cause?: unknown },
  ) {
    super(reason, options);
  }
}

const w = (zh: string, en: string): LocalText => ({ 'zh-CN': zh, en });

// ------------------------------------------------------------------ the scanner

/** The document scanner, as the matter service uses it. */
export interface PageSource {
  /**
   * Scans what lies on the glass or in the feeder: up to `maxPages` pages, each a PNG image. Throws
   * MatterDeviceError (jam, no paper, offline) or the signal's reason when aborted.
   */
  scan(opts: { maxPages: number; signal: AbortSignal; onProgress(p: PageProgress): void }): Promise<Uint8Array[]>;
}

const SCANNER_UNREACHABLE = w('扫描仪暂时无法连接，请稍候再试或联系工作人员。', 'The scanner cannot be reached. Please try again shortly or ask staff.');
const SCAN_FAILED = w('扫描没有成功，请把材料放好后重试，或联系工作人员。', 'The scan did not work. Place the document and try again, or ask staff.');

/** The words for a scanner's error: the SANE status table's prompt (drivers/document-scanner/protocol/status.ts) where it has one. */
export function scannerWords(e: unknown): LocalText {
  if (!isDeviceError(e)) return SCAN_FAILED;
  const info = e.fault === undefined ? undefined : Object.values(SANE_STATUS).find((s) => s.fault === e.fault && s.prompt);
  if (info?.prompt) {
    const again = info.action === 'retry' || info.action === 'wait';
    return w(`${info.prompt.zh}${again ? '，然后重试' : ''}。`, `${info.prompt.en}${again ? ', then try again' : ''}.`);
  }
  if (e.code === 'disconnected' || e.code === 'not-found' || e.code === 'timeout') return SCANNER_UNREACHABLE;
  return SCAN_FAILED;
}

/** Progress of the page being scanned (0-1) from the driver's counts; null when the scanner does not say how long a page is. */
function fractionOf(p: ScanProgress): number | null {
  if (p.expectedLines !== null && p.expectedLines > 0) return Math.min(1, p.lines / p.expectedLines);
  if (p.expectedBytes !== null && p.expectedBytes > 0) return Math.min(1, p.bytes / p.expectedBytes);
  return null;
}

/**
 * The matter service's page source over the SANE scanner: `defaults` (source, mode, resolution, page
 * size) from the profile, pages as PNG, progress at page boundaries and every 10 % of a page.
 */
export function scannerPages(scanner: DocumentScanner, defaults: Omit<ScanRequest, 'maxPages' | 'pdf'>): PageSource {
  return {
    async scan({ maxPages, signal, onProgress }) {
      let shown = -1;
      const progress = (p: ScanProgress): void => {
        if (p.phase === 'page-start') {
          shown = 0;
          onProgress({ pagesDone: p.page - 1, pageProgress: 0 });
        } else if (p.phase === 'page-done') {
          shown = -1;
          onProgress({ pagesDone: p.page, pageProgress: null });
        } else {
          const f = fractionOf(p);
          if (f === null || f - shown < 0.1) return;
          shown = f;
          onProgress({ pagesDone: p.page - 1, pageProgress: Math.round(f * 100) / 100 });
        }
      };
      try {
        const r = await scanner.scan({ ...defaults, maxPages }, { signal, onProgress: progress });
        return r.pages.map((p) => p.png);
      } catch (e) {
        if (signal.aborted) throw signal.reason;
        throw new MatterDeviceError(scannerWords(e), isDeviceError(e) ? `${e.code}${e.fault ? `/${e.fault}` : ''}: ${e.message}` : String(e), { cause: e });
      }
    },
  };
}

// ------------------------------------------------------------------ the payment pad

export type FeeOutcome =
  | { outcome: 'approved'; transactionId: string; amountFen: number; approvedAt: number; key: string }
  | { outcome: 'declined'; words: LocalText; reason: string }
  /** Not known yet: nothing more is charged for this step until it is (pay again asks the pad first). */
  | { outcome: 'unresolved'; words: LocalText; reason: string };

export interface FeeRequest {
  /** The matter's idempotency key. */
  matterKey: string;
  /** The matter step that takes the fee. */
  step: string;
  /** 1 for the first sale; after a decline the next. */
  attempt: number;
  amountFen: number;
  signal: AbortSignal;
  /** What the citizen is asked to do now (present the card…). */
  onPrompt(message: LocalText): void;
}

/** The payment pad, as the matter service uses it: one charge per matter step at most, whatever happens. */
export interface FeeTerminal {
  pay(req: FeeRequest): Promise<FeeOutcome>;
  /**
   * After the matter stopped, or its submission was delivered or failed: reverses an approved payment
   * the matter does not keep (PaymentService rule 3). Resolves with what is still open.
   */
  settle(matterKey: string): Promise<{ reversed: number; open: number }>;
}

const yuan = (fen: number): string => (fen / 100).toFixed(2);

/** Why a sale was not made, in words (the reasons PaymentService and the pad give). */
export function declineWords(reason: string): LocalText {
  switch (reason) {
    case 'refused':
      return w('支付未成功：发卡行拒绝了这笔交易（例如余额不足）。可换一张卡或换一种方式后重新缴费。', 'Payment declined by the card issuer (for example, insufficient funds). You may try another card or way to pay.');
    case 'canceled':
      return w('支付已取消（卡片被取走或在支付终端上取消），没有扣款。可重新缴费。', 'The payment was cancelled (card removed or cancelled on the pad); nothing was charged. You may pay again.');
    case 'aborted':
      return w('支付已中止，没有扣款。可重新缴费。', 'The payment was stopped; nothing was charged. You may pay again.');
    case 'busy':
      return w('支付终端正忙，没有扣款。请稍候再缴费。', 'The payment pad is busy; nothing was charged. Please pay again in a moment.');
    case 'not-sent':
      return w('支付终端未连接，没有扣款。请联系工作人员。', 'The payment pad is not connected; nothing was charged. Please ask staff.');
    case 'not-received':
      return w('支付没有完成，没有扣款。可重新缴费。', 'The payment did not go through; nothing was charged. You may pay again.');
    default:
      return w('支付没有成功，没有扣款。可重新缴费。', 'The payment did not go through; nothing was charged. You may pay again.');
  }
}

const UNRESOLVED = w('支付结果正在向支付终端确认，不会重复扣款。请稍候，再按一次"缴费"查看结果。', 'The payment pad has not confirmed the result yet; you will not be charged twice. Please wait, then press Pay again to see the result.');

function approvedOf(row: PaymentRow): Extract<FeeOutcome, { outcome: 'approved' }> {
  return { outcome: 'approved', transactionId: row.padReference ?? row.idempotencyKey, amountFen: row.authorizedFen ?? row.amountFen, approvedAt: row.updatedAt, key: row.idempotencyKey };
}

function outcomeOf(r: PayResult): FeeOutcome {
  if (r.status === 'paid') return approvedOf(r.payment);
  if (r.status === 'declined') {
    const reason = r.payment.reason ?? r.reason;
    return { outcome: 'declined', words: declineWords(reason), reason };
  }
  return { outcome: 'unresolved', words: UNRESOLVED, reason: r.reason };
}

/**
 * The matter service's fees over PaymentService and the payment journal: before a new sale every
 * payment whose outcome is not known is asked about (rule 1: recover), then PaymentService.pay takes
 * the fee once per matter step.
 */
export function padFees(service: PaymentService, journal: Pick<PaymentRecords, 'open'>): FeeTerminal {
  return {
    async pay(req) {
      const unknown = journal.open().filter((r) => r.state === 'requested' || r.state === 'unknown');
      if (unknown.length > 0) await service.recover(req.signal);
      req.signal.throwIfAborted();
      req.onPrompt(w(`请在支付终端上刷卡、插卡或扫码，支付 ${yuan(req.amountFen)} 元`, `Tap, insert or scan on the payment pad to pay ¥${yuan(req.amountFen)}`));
      return outcomeOf(await service.pay({ matterKey: req.matterKey, step: req.step, attempt: req.attempt, amountFen: req.amountFen }, req.signal));
    },
    async settle(matterKey) {
      const r = await service.settle(matterKey);
      return { reversed: r.reversed, open: r.open.length };
    },
  };
}
