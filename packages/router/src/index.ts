export { createRouter } from './create-router.js';
export { RouterOptionsSchema, parseRouterOptions, type RouterOptions, type ResolvedRouterOptions } from './options.js';
export type { HealthEventPayload, HealthState } from './health.js';
export { REGION_COORDINATES, regionDistanceKm } from './regions.js';
