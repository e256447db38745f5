export * from './capabilities.js';
export * from './storage-adapter.js';
export * from './compute-adapter.js';
export * from './registry.js';
export * from './unsupported.js';
