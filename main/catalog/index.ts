/** The matter catalog: format (schema), loading with merged bundle forms, and the bundled sample. Pure. */
export * from './schema.js';
export * from './merge.js';
export * from './load.js';
export { SAMPLE_CATALOG } from './sample.js';
