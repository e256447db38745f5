import { dynamicFactor } from '@polycloud/core';
import type { DocState } from './doc-state.js';
import type { HealthTracker } from './health.js';
import type { ResolvedRouterOptions } from './options.js';
import { weightParams } from './table.js';

/** The live load factor of a binding: (latency · (in-flight + 1))^−α · ((errors + ε)/ε)^−α. */
export function dynamicOf(state: DocState, tracker: HealthTracker, o: ResolvedRouterOptions, now: number): (c: number) => number {
  const params = weightParams(o, undefined);
  return (c) => {
    const h = tracker.binding(state.resourceId, state.sorted[c]!.id);
    return dynamicFactor({ staticWeight: 1, latencyMs: tracker.latencyNow(h, now), inflight: h.inflight, errorRate: tracker.errorRateNow(h, now) }, params).dynamic;
  };
}
