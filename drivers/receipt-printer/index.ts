/** Public surface of the receipt printer driver. */
export { EscPosPrinter, PrintJobError, type EscPosPrinterOptions } from './printer.js';
export { PrinterSimulator, type SimulatorFaults, type SimulatorOptions } from './simulator.js';
export { renderSvg } from './preview.js';
export { acceptanceReceipt, testReceipt, textReceipt, formatChinaTime, warmUpReceipts, type AcceptanceReceiptInput } from './templates.js';
export { EscPosEncoder, displayWidth, type QrOptions, type BarcodeOptions, type RawImage, type ImageOptions } from './protocol/encoder.js';
export { decodeEscPos, parseCommand, EscPosInterpreter, type VirtualReceipt, type ReceiptItem } from './protocol/decoder.js';
export { PRINTER_PROFILES, type PrinterProfile, type ProfileName } from './protocol/profiles.js';
export { EscPosEncodeError, EscPosParseError } from './protocol/errors.js';
export { parseStatusBytes, faultOf, mergeRealtime, encodeAsb, encodeRealtimeStatus, type PrinterStatus } from './protocol/status.js';
export { warmUpGb18030 } from './protocol/gb18030.js';
