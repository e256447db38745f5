import type { Binding } from '../urm/binding.js';
import { hardFilter } from './filter.js';
import type { ExplainedCandidate, Router, RouterContext, RouteRequest } from './router.js';

export interface DefaultRouterOptions {
  /** After a retryable failure a binding is tried last for this long (ms). Default 1000. */
  cooldownMs?: number;
}

/**
 * Core's simple router: the hard filters, then priority tier (primary before
 * standby), then static weight (higher first), then declaration order. A binding
 * that just failed with a retryable error moves to the back for `cooldownMs`; it is
 * never marked unhealthy, so it reports no health change (`onHealthChange` accepts a
 * listener that this router never calls).
 * Use @polycloud/router for load-, price- and health-aware routing.
 */
export function createDefaultRouter(options: DefaultRouterOptions = {}): (context: RouterContext) => Router {
  const cooldownMs = options.cooldownMs ?? 1000;
  return (context) => {
    const failedAt = new Map<string, number>();
    const cooling = (resourceId: string, b: Binding) => {
      if (failedAt.size === 0) return false; // the common case: skip building the key
      const t = failedAt.get(`${resourceId}\u0000${b.id}`);
      return t !== undefined && context.clock.now() - t < cooldownMs;
    };
    const order = (resourceId: string, bindings: Binding[]) => {
      const indexed = bindings.map((b, i) => ({ b, i, cool: cooling(resourceId, b) }));
      indexed.sort((x, y) => Number(x.cool) - Number(y.cool) || x.b.priority - y.b.priority || y.b.weight - x.b.weight || x.i - y.i);
      return indexed;
    };
    return {
      route(request) {
        const { passed, rejected } = hardFilter(request, context);
        return { candidates: passed.length === 1 ? passed : order(request.resource.resource_id, passed).map((x) => x.b), rejected };
      },
      report(resourceId, bindingId, outcome) {
        if (outcome.ok && failedAt.size === 0) return;
        const k = `${resourceId}\u0000${bindingId}`;
        if (outcome.ok) failedAt.delete(k);
        else if (outcome.error?.retryable) failedAt.set(k, context.clock.now());
      },
      onHealthChange() {
        return () => {};
      },
      explain(request: RouteRequest) {
        const resourceId = request.resource.resource_id;
        let passed: Binding[] = [];
        let rejected: { binding: string; verdict: ExplainedCandidate['verdict']; detail?: string }[] = [];
        try {
          ({ passed, rejected } = hardFilter(request, context));
        } catch (e) {
          rejected = (e as { context?: { rejected?: typeof rejected } }).context?.rejected ?? [];
        }
        const ranked = order(resourceId, passed);
        const candidates: ExplainedCandidate[] = request.resource.providers.map((b) => {
          const r = rejected.find((x) => x.binding === b.id);
          const rank = ranked.findIndex((x) => x.b.id === b.id);
          return {
            binding: b.id,
            provider: b.provider,
            cloud: b.cloud,
            ...(b.region ? { region: b.region } : {}),
            verdict: r ? r.verdict : 'ok',
            ...(r?.detail ? { detail: r.detail } : {}),
            weight: r ? 0 : b.weight,
            scores: { priority: b.priority, static: b.weight, cooling: cooling(resourceId, b) ? 1 : 0 },
            ...(rank >= 0 ? { rank } : {}),
          };
        });
        return {
          resource: resourceId,
          operation: request.operation,
          ...(request.key === undefined ? {} : { key: request.key }),
          ...(ranked[0] ? { chosen: ranked[0].b.id } : {}),
          panic: false,
          candidates,
        };
      },
    };
  };
}
