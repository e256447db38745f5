import type { RestApp, RestDeps } from './app.js';

/** Object and bucket routes (filled in by the next commit). */
export function registerBucketRoutes(_app: RestApp, _deps: RestDeps): void {}
