/** Public surface of the document scanner driver (SANE network protocol to saned). */
export { SanedScanner, type SanedScannerOptions, type SanedScannerTimeouts } from './document-scanner.js';
export { tcpConnector, type SaneConnector, type TcpConnectorOptions } from './connector.js';
export { SaneLink, type SaneCredentials, type SaneLinkOptions } from './link.js';
export {
  SaneSimulator,
  MemorySaneNetwork,
  serveSaneSimulator,
  SAMPLE_DOCUMENT,
  SIM_DEVICE,
  type SaneSimulatorFaults,
  type SaneSimulatorOptions,
  type SimDocument,
} from './simulator.js';
export { pagesToPdf, readPng } from './pdf.js';
export { composePage, encodePng, FrameAssembler } from './image.js';
export { describeCapabilities, canonicalMode, canonicalSource } from './settings.js';
export { SANE_STATUS, saneStatusInfo, saneStatusError, SaneStatusError, type SaneStatusInfo } from './protocol/status.js';
export { SANE_DEFAULT_PORT, STATUS } from './protocol/constants.js';
export { SaneProtocolError } from './protocol/wire.js';
export * from './types.js';
