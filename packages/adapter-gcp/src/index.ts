export * from './storage/index.js';
export * from './compute/index.js';
