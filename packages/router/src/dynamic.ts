import { dynamicFactor } from '@polycloud/core/spi';
import type { DocState } from './doc-state.js';
import type { BindingHealth, HealthTracker } from './health.js';
import type { ResolvedRouterOptions } from './options.js';
import { weightParams } from './table.js';

/**
 * The live load factor of a binding, core's {@link dynamicFactor}
 * ((latency/floor · (in-flight + 1))^−α · ((errors + ε)/ε)^−α), computed without
 * allocating for the hot path (a test checks both agree).
 */
export class LoadModel {
  readonly #aLat: number;
  readonly #aErr: number;
  readonly #floor: number;
  readonly #eps: number;
  readonly #decay: number;

  constructor(o: ResolvedRouterOptions) {
    this.#aLat = o.exponents.latency;
    this.#aErr = o.exponents.errors;
    this.#floor = o.smoothing.latencyFloorMs;
    this.#eps = o.smoothing.errorEpsilon;
    this.#decay = o.smoothing.decayMs;
  }

  factor(h: BindingHealth, now: number): number {
    let lat = h.samples === 0 ? 0 : now > h.latencyAt ? h.latency * Math.exp(-(now - h.latencyAt) / this.#decay) : h.latency;
    lat = (Math.max(lat, this.#floor) / this.#floor) * (h.inflight + 1);
    const err = h.errorRate === 0 ? 0 : now > h.errorAt ? h.errorRate * Math.exp(-(now - h.errorAt) / this.#decay) : h.errorRate;
    const e = (err + this.#eps) / this.#eps;
    const fl = this.#aLat === 0 ? 1 : this.#aLat === 1 ? 1 / lat : lat ** -this.#aLat;
    const fe = this.#aErr === 0 ? 1 : this.#aErr === 1 ? 1 / e : e ** -this.#aErr;
    return fl * fe;
  }
}

/** For explain: core's pure function on the tracker's view of each binding. */
export function dynamicOf(state: DocState, tracker: HealthTracker, o: ResolvedRouterOptions, now: number): (c: number) => number {
  const params = weightParams(o, undefined);
  return (c) => {
    const h = tracker.binding(state.resourceId, state.sorted[c]!.id);
    return dynamicFactor({ staticWeight: 1, latencyMs: tracker.latencyNow(h, now), inflight: h.inflight, errorRate: tracker.errorRateNow(h, now) }, params)
      .dynamic;
  };
}
