export * from './errors.js';
export * from './session.js';
export * from './matters.js';
export * from './cases.js';
export * from './devices.js';
export * from './messages.js';
export * from './simulator.js';
export * from './host.js';
