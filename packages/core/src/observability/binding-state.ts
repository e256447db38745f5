import type { UrmDocument } from '../urm/resources.js';
import { parseQuantity } from '../compute/quantity.js';

export type CircuitState = 'closed' | 'half-open' | 'open';

/** What the telemetry last learned about one binding (the CLI's `status` table). */
export interface BindingTelemetry {
  resource: string;
  binding: string;
  provider: string;
  cloud: string;
  region?: string;
  /** Adapter type, once an operation reported it. */
  adapter?: string;
  healthy?: boolean;
  /** Last router health state (`probe-up`, `ejected`, `circuit-open`, …). */
  healthState?: string;
  circuit?: CircuitState;
  lagSeconds?: number;
  /** When the lag was last reported (epoch ms). */
  lagAt?: number;
  backlog?: number;
  usageBytes?: number;
  quotaBytes?: number;
  operations: number;
  errors: number;
  /** Code of the last failed operation. */
  lastError?: string;
}

function quotaBytes(tag: string | undefined): number | undefined {
  if (!tag) return undefined;
  try {
    const q = parseQuantity(tag);
    return Number(q.num / q.den);
  } catch {
    return undefined;
  }
}

/** Per-binding state, seeded from the resources (quota tags) and updated by events. */
export class BindingStates {
  readonly #states = new Map<string, BindingTelemetry>();
  /** resource → binding → the same state objects as #states. */
  readonly #index = new Map<string, Map<string, BindingTelemetry>>();

  constructor(resources: readonly UrmDocument[]) {
    for (const r of resources) {
      for (const b of r.providers) {
        const quota = quotaBytes(b.tags['quota']);
        this.#states.set(`${r.resource_id}\u0000${b.id}`, {
          resource: r.resource_id,
          binding: b.id,
          provider: b.provider,
          cloud: b.cloud,
          ...(b.region ? { region: b.region } : {}),
          ...(quota === undefined ? {} : { quotaBytes: quota }),
          operations: 0,
          errors: 0,
        });
      }
    }
  }

  /** The state of a binding; an unknown one (a resource added later) is created. */
  get(resource: string, binding: string): BindingTelemetry {
    // Looked up by the ids themselves first: this runs on every operation.
    const known = this.#index.get(resource)?.get(binding);
    if (known) return known;
    const k = `${resource}\u0000${binding}`;
    let s = this.#states.get(k);
    if (!s) this.#states.set(k, (s = { resource, binding, provider: binding, cloud: binding, operations: 0, errors: 0 }));
    let byBinding = this.#index.get(resource);
    if (!byBinding) this.#index.set(resource, (byBinding = new Map()));
    byBinding.set(binding, s);
    return s;
  }

  all(): BindingTelemetry[] {
    return [...this.#states.values()].map((s) => ({ ...s }));
  }
}
