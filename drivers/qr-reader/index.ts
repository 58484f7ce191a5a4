/** Public surface of the QR reader driver. */
export type { QrReader, QrScan } from './types.js';
export { QrCodeReader, type QrCodeReaderOptions, type QrReaderMode } from './reader.js';
export { QrReaderSimulator, NO_QR_FAULTS, type QrFaults, type QrSimulatorMode } from './simulator.js';
export { serialScanParser, encodeSerialScan, splitAim, QrFrameError, TERMINATORS, type Terminator, type RawScan } from './protocol/serial.js';
export { parseHidPos, encodeHidPosScan, decodeHidPosRecord, HIDPOS_USAGE_PAGE, HIDPOS_USAGE_SCANNER, HIDPOS_REPORT_ID, HIDPOS_RECORD } from './protocol/hidpos.js';
export { decodePayload, type PayloadEncoding } from './protocol/text.js';
export { DuplicateFilter } from './protocol/dedupe.js';
