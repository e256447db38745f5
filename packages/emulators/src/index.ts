export * from './process.js';
export * from './azurite.js';
