import { PolycloudError } from '../errors/polycloud-error.js';
import type { HealthEvent } from '../events.js';
import type { Router } from '../routing/router.js';

/** What a health cut aborts: an attempt queued for or in flight on a binding. */
export interface Cuttable {
  cut(error: PolycloudError): void;
}

/**
 * Health cuts: the attempts queued for or in flight on each binding, and aborting
 * them — with a retryable UNAVAILABLE, so the call fails over instead of sitting out
 * its deadline — when the router marks the binding unhealthy. Driven by the router's
 * `onHealthChange` callback, not by the public `health` event, so a user's listeners
 * can neither delay nor break it. One instance per Polycloud instance.
 */
export class HealthCuts {
  /** resource → binding → attempts. Empty sets stay (one per binding ever used): dropping them would re-create one per call. */
  readonly #byResource = new Map<string, Map<string, Set<Cuttable>>>();

  /**
   * Follows a router's health changes; returns the unsubscribe. A router without
   * `onHealthChange` gets none here: see {@link HealthCuts.change} for the fallback.
   */
  follow(router: Router): () => void {
    return router.onHealthChange?.((change) => this.change(change)) ?? (() => {});
  }

  /** A binding's health changed: `healthy: false` cuts every attempt on it. */
  change(change: Pick<HealthEvent, 'resource' | 'binding' | 'healthy'>): void {
    if (change.healthy !== false) return;
    const set = this.#byResource.get(change.resource)?.get(change.binding);
    if (!set?.size) return;
    const error = new PolycloudError('UNAVAILABLE', `binding ${change.binding} was marked unhealthy while the call was in flight`, { retryable: true });
    for (const attempt of [...set]) attempt.cut(error);
  }

  /** The set of attempts on one binding, made on first use; an attempt adds itself and removes itself when done. */
  on(resource: string, binding: string): Set<Cuttable> {
    let byBinding = this.#byResource.get(resource);
    if (!byBinding) this.#byResource.set(resource, (byBinding = new Map()));
    let set = byBinding.get(binding);
    if (!set) byBinding.set(binding, (set = new Set()));
    return set;
  }
}
