export * from './router.js';
export * from './residency.js';
export { hardFilter, noCandidateError } from './filter.js';
export { createDefaultRouter, type DefaultRouterOptions } from './default-router.js';
export * from './weight.js';
