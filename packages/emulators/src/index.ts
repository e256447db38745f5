export * from './process.js';
export * from './s3rver.js';
export * from './fauxqs.js';
export * from './azurite.js';
export * from './gcs.js';
export * from './spawn-emulator.js';
