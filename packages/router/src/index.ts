/**
 * The default router: health, load, price and residency aware routing of bucket and cluster calls.
 *
 * @module @polycloud/router
 */
export { createRouter } from './create-router.js';
export { RouterOptionsSchema, parseRouterOptions, type RouterOptions, type ResolvedRouterOptions } from './options.js';
export type { HealthEventPayload, HealthState } from './health.js';
export { REGION_COORDINATES, regionDistanceKm } from './regions.js';
