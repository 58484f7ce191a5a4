/** Public surface of the ID card reader driver. */
export { CARD_TYPES, PRESENCE_DEFAULTS, type CardType, type IdentityRecord, type IdCardReader } from './types.js';
export { SamIdCardReader, readCardOnce, type SamIdCardReaderOptions, type ReadCardOnceOptions } from './reader.js';
export { SamLink, type LinkHooks } from './link.js';
export { IdCardSimulator, NO_ID_CARD_FAULTS, DEFAULT_SAM_ID, type SimulatorFaults, type IdCardSimulatorOptions } from './simulator.js';
export { SAMPLE_IDENTITIES, sampleRecord } from './samples.js';
export { encodeRequest, encodeResponse, parseRequest, parseResponse, SamProtocolError, type ResponseFrame, type RequestFrame } from './protocol/frame.js';
export { isValidIdNumber } from './protocol/checkdigit.js';
