/** Public surface of the receipt printer driver. */
export type { ReceiptPrinter } from './types.js';
export { PrintJobError } from './types.js';
export { EscPosPrinter, type EscPosPrinterOptions } from './printer.js';
export { PrinterLink, lineGarbageError } from './link.js';
export { PrinterSimulator, NO_PRINTER_FAULTS, wouldPrint, type SimulatorFaults, type SimulatorOptions, type WireJob } from './simulator.js';
export { renderSvg } from './preview.js';
export { acceptanceReceipt, testReceipt, textReceipt, formatChinaTime, warmUpReceipts, WARM_UP_RECEIPTS, type AcceptanceReceiptInput, type ReceiptMaterialHow } from './templates.js';
export { EscPosEncoder, displayWidth, type QrOptions, type BarcodeOptions, type RawImage, type ImageOptions } from './protocol/encoder.js';
export { decodeEscPos, parseCommand, EscPosInterpreter, type VirtualReceipt, type ReceiptItem } from './protocol/decoder.js';
export { chunkAtCommands, commandGroups, countJob } from './protocol/job.js';
export { PRINTER_PROFILES, type PrinterProfile, type ProfileName } from './protocol/profiles.js';
export { EscPosEncodeError, EscPosParseError } from './protocol/errors.js';
export {
  parseStatusBytes,
  faultOf,
  printerFaults,
  printerWarnings,
  printerFaultError,
  mergeRealtime,
  encodeAsb,
  encodeRealtimeStatus,
  type PrinterStatus,
  type PrinterFault,
  type PrinterFaultName,
} from './protocol/status.js';
export { warmUpGb18030 } from './protocol/gb18030.js';
