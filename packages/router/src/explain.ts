import type { ExplainedCandidate, RouteExplanation, RouteRequest } from '@polycloud/core/spi';
import { type DocState, type Group, modeOf, type Table } from './doc-state.js';
import { dynamicOf } from './dynamic.js';
import type { HealthTracker } from './health.js';
import type { ResolvedRouterOptions } from './options.js';

export interface ExplainInput {
  state: DocState;
  group: Group;
  table: Table | undefined;
  chosen: number | undefined;
  request: RouteRequest;
  tracker: HealthTracker;
  options: ResolvedRouterOptions;
  now: number;
}

/**
 * Every binding of the resource, in declaration order, with its filter verdict, each
 * factor of its weight, the final weight and its rank in the decision. Only ids,
 * cloud, region, provider name and numbers: never a binding's options or credentials.
 */
export function explainRequest(x: ExplainInput): RouteExplanation {
  const { state, group, table, chosen, request, tracker, options, now } = x;
  const mode = modeOf(state.strategy, request.operation, request.key !== undefined);
  const dynamic = dynamicOf(state, tracker, options, now);
  const probeTimeoutMs = request.resource.routing.health_check?.timeout_ms ?? options.probes.timeoutMs;
  const ranks = new Map<number, number>();
  if (table && chosen !== undefined) {
    ranks.set(chosen, 0);
    let r = 1;
    for (const c of table.order) if (c !== chosen) ranks.set(c, r++);
  }
  const candidates: ExplainedCandidate[] = request.resource.providers.map((b) => {
    const c = state.index.get(b.id)!;
    const refused = group.rejected.find((r) => r.binding === b.id);
    const base = { binding: b.id, provider: b.provider, cloud: b.cloud, ...(b.region ? { region: b.region } : {}) };
    if (refused || !table || !table.placement[c]) {
      return {
        ...base,
        verdict: refused?.verdict ?? 'excluded',
        ...(refused?.detail ? { detail: refused.detail } : {}),
        weight: 0,
        scores: { priority: b.priority, static: b.weight },
      };
    }
    const p = table.placement[c]!;
    const h = tracker.binding(state.resourceId, b.id);
    const dyn = dynamic(c);
    const isCanary = state.canary?.binding === b.id;
    const weight =
      mode === 'p2c'
        ? table.effective[c]! * dyn
        : mode === 'rendezvous' && options.stickyLoadSignals
          ? table.effective[c]! * dyn
          : mode === 'primary'
            ? p.placement * table.ramp[c]!
            : table.effective[c]!;
    const scores: Record<string, number> = {
      priority: b.priority,
      static: p.static,
      role: p.role,
      ...(p.cost === undefined ? {} : { cost: p.cost }),
      relativePrice: p.relativePrice,
      price: p.price,
      ...(state.distanceKm[c] === undefined ? {} : { distanceKm: Math.round(state.distanceKm[c]!) }),
      distance: p.distance,
      placement: p.placement,
      latencyMs: tracker.latencyNow(h, now),
      inflight: h.inflight,
      errorRate: tracker.errorRateNow(h, now),
      dynamic: dyn,
      slowStart: table.ramp[c]!,
      tierShare: table.tierShare[c]!,
      effective: table.effective[c]!,
      available: table.available[c] ? 1 : 0,
      consecutiveFailures: h.consecutiveFailures,
      answerLatencyMs: tracker.answerLatencyNow(h, now),
      probeTimeoutMs: tracker.probeTimeout(h, probeTimeoutMs, now),
      lateProbes: h.lateProbes,
      ...(isCanary ? { canaryPercent: state.canary!.threshold / 100 } : {}),
    };
    const rank = ranks.get(c);
    return {
      ...base,
      verdict: table.available[c] ? 'ok' : 'unhealthy',
      ...(table.available[c] ? {} : { detail: unhealthyDetail(h, now) }),
      weight,
      scores,
      ...(rank === undefined ? {} : { rank }),
    };
  });
  return {
    resource: state.resourceId,
    operation: request.operation,
    ...(request.key === undefined ? {} : { key: request.key }),
    ...(table && chosen !== undefined ? { chosen: state.sorted[chosen]!.id } : {}),
    panic: table?.panic ?? false,
    candidates,
  };
}

function unhealthyDetail(h: { probeDown: boolean; ejectedUntil: number; circuitOpen: boolean; openUntil: number }, now: number): string {
  if (h.probeDown) return 'active probe failing';
  if (now < h.ejectedUntil) return `ejected for ${Math.ceil(h.ejectedUntil - now)} ms (consecutive failures)`;
  if (h.circuitOpen) return now < h.openUntil ? `circuit open for ${Math.ceil(h.openUntil - now)} ms` : 'circuit half-open, trial in flight';
  return 'unavailable';
}
