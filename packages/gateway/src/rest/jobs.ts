import type { RestApp, RestDeps } from './app.js';

/** DataJob routes (filled in by the next commit). */
export function registerJobRoutes(_app: RestApp, _deps: RestDeps): void {}
