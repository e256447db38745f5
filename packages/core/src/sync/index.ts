export * from './hlc.js';
export * from './version-vector.js';
export * from './version.js';
export { sha256, hashBody, type HashedBody } from './content-hash.js';
export * from './resolver.js';
export type * from './merge.js';
export { newVersion } from './stamp.js';
export * from './plugin.js';
