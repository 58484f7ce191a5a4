import type { DeviceKind, NextAction, TechDevice, TechServiceState, UsageCounterName } from '../../../main/contract/index.js';

/** The technician screen speaks Chinese first, with English beside it, in the words of next actions — never raw codes. */
export const KIND: Record<DeviceKind, string> = {
  'id-card': '身份证阅读器 ID card reader',
  'receipt-printer': '回执打印机 Receipt printer',
  scanner: '扫描仪 Scanner',
  payment: '支付终端 Payment pad',
  'qr-reader': '扫码器 QR reader',
};

export const STATE: Record<TechDevice['state'], string> = {
  online: '在线 Online',
  offline: '离线，正在重连 Offline, reconnecting',
  busy: '工作中 Busy',
  error: '故障 Error',
  'no-device': '未连接 Not connected',
};

export const ACTION: Record<NextAction, string> = {
  retry: '请重试 Try again',
  reset: '需复位设备 Reset the device',
  clear: '工作人员可处理（纸张、卡纸、盖板） Staff can fix it (paper, jam, cover)',
  maintenance: '需工程师维修 Call an engineer',
  wait: '正在自动恢复，请稍候 Recovering by itself, wait',
};

export const SERVICE: Record<TechServiceState['state'], string> = {
  'in-service': '服务中 In service',
  closing: '即将暂停服务 Closing',
  'out-of-service': '暂停服务 Out of service',
};

export const COUNTER: Record<UsageCounterName, string> = {
  cardsRead: '读卡 Cards read',
  readFailures: '读卡失败 Read failures',
  receipts: '回执 Receipts',
  lines: '打印行 Lines',
  cuts: '切纸 Cuts',
  paperOuts: '缺纸 Paper-outs',
  scans: '扫描 Scans',
  paymentsApproved: '支付成功 Payments approved',
  paymentsDeclined: '支付拒绝 Payments declined',
  linkDrops: '断线 Link drops',
};

export const WARNING: Record<string, string> = {
  'paper-near-end': '纸将尽 Paper near end',
  'card-unreadable': '证件无法读取 Card unreadable',
};

/** Preset reasons for taking the terminal out of service (one tap on a touch screen). */
export const REASONS = ['设备维护 Device maintenance', '更换纸卷 Paper change', '系统升级 Software update', '网络故障 Network fault'];

export function seconds(ms: number | null): string {
  if (ms === null) return '—';
  if (ms < 1000) return `${ms} ms`;
  const s = Math.round(ms / 1000);
  return s < 120 ? `${s} 秒 s` : `${Math.round(s / 60)} 分钟 min`;
}

export function mib(n: number): string {
  return `${(n / 1048576).toFixed(1)} MiB`;
}
