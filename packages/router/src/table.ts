import {
  DEFAULT_WORKLOAD,
  operationCost,
  placementWeight,
  priceMultiplier,
  priceReference,
  tierLoads,
  type RouteDecision,
  type WeightParams,
} from '@polycloud/core/spi';
import type { CostClassKey, DocState, Group, Placement, Table } from './doc-state.js';
import type { HealthTracker } from './health.js';
import type { ResolvedRouterOptions } from './options.js';

export function weightParams(o: ResolvedRouterOptions, reference: number | undefined): WeightParams {
  return {
    exponents: o.exponents,
    ...(reference === undefined ? {} : { priceReference: reference }),
    priceFloorRatio: o.priceFloorRatio,
    distanceScaleKm: o.distanceScaleKm,
    latencyFloorMs: o.smoothing.latencyFloorMs,
    errorEpsilon: o.smoothing.errorEpsilon,
  };
}

export function buildTable(
  state: DocState,
  group: Group,
  costClass: CostClassKey,
  job: { cpu: number; memoryMiB: number } | undefined,
  now: number,
  tracker: HealthTracker,
  o: ResolvedRouterOptions,
): Table {
  const n = state.sorted.length;
  const version = state.health.version;
  let validUntil = Infinity;
  const available: boolean[] = new Array(n).fill(false);
  const ramp = new Float64Array(n);
  const costs: (number | undefined)[] = new Array(n).fill(undefined);
  const lists: (number | undefined)[] = new Array(n).fill(undefined);
  const workload = {
    ...DEFAULT_WORKLOAD,
    objectGB: o.workload.objectBytes / 1e9,
    retentionMonths: o.workload.retentionMonths,
    jobHours: o.workload.jobHours,
  };
  for (const c of group.compliant) {
    const b = state.sorted[c]!;
    const h = tracker.binding(state.resourceId, b.id);
    available[c] = tracker.refresh(h, now);
    ramp[c] = available[c] ? tracker.ramp(h, now) : 0;
    validUntil = Math.min(validUntil, tracker.nextChange(h, now));
    const pm = priceMultiplier(b.price?.schedule, now);
    validUntil = Math.min(validUntil, pm.nextChangeMs);
    const input = {
      price: b.price,
      costClass,
      ...(b.region ? { bindingRegion: b.region } : {}),
      ...(state.callerRegion ? { callerRegion: state.callerRegion } : {}),
      ...(state.callerCloud ? { callerCloud: state.callerCloud } : {}),
      ...(job ? { job } : {}),
      workload,
      multiplier: pm.multiplier,
    };
    costs[c] = operationCost(input);
    lists[c] = operationCost({ ...input, list: true });
  }
  const floored = group.compliant.map((c) => (costs[c] === undefined ? undefined : Math.max(costs[c]!, o.priceFloorRatio * (lists[c] ?? 0))));
  const params = weightParams(o, priceReference(floored));
  const placement: (Placement | undefined)[] = new Array(n).fill(undefined);
  for (const c of group.compliant) {
    const b = state.sorted[c]!;
    const distanceKm = state.distanceKm[c];
    const cost = costs[c];
    const listCost = lists[c];
    const p = placementWeight(
      {
        staticWeight: b.weight,
        role: o.roleWeights[b.role],
        ...(cost === undefined ? {} : { cost }),
        ...(listCost === undefined ? {} : { listCost }),
        ...(distanceKm === undefined ? {} : { distanceKm }),
      },
      params,
    );
    placement[c] = { cost, static: p.static, role: p.role, relativePrice: p.relativePrice, price: p.price, distance: p.distance, placement: p.placement };
  }

  const canaryIdx = state.canary ? (state.index.get(state.canary.binding) ?? -1) : -1;
  const compliantCanary = canaryIdx >= 0 && group.compliant.includes(canaryIdx) ? canaryIdx : -1;
  const others = group.compliant.filter((c) => c !== compliantCanary);
  const W = (c: number) => placement[c]!.placement;

  // Who may take weighted traffic: usable, positive weight; else usable zero-weight ones
  // (Route 53: weight 0 is the last resort); else the canary alone; else panic.
  let panic = false;
  let uniform = false;
  let members = others.filter((c) => available[c] && W(c) > 0);
  let basis = others.filter((c) => W(c) > 0);
  if (members.length === 0) {
    members = others.filter((c) => available[c]);
    basis = others;
    uniform = true;
  }
  let canary = compliantCanary >= 0 && available[compliantCanary] ? compliantCanary : -1;
  if (members.length === 0 && canary >= 0) {
    members = [canary];
    basis = [canary];
  } else if (members.length === 0) {
    panic = true;
    members = others.length ? others : [compliantCanary];
    basis = members;
    uniform = members.every((c) => W(c) === 0);
    for (const c of members) ramp[c] = 1;
    canary = others.length ? compliantCanary : -1;
  }
  const weightOf = (c: number) => (uniform ? 1 : W(c)) * ramp[c]!;

  // Tiers (Envoy): each tier's healthy share (slow start counts fractionally) → load.
  const tiers = [...new Set(basis.map((c) => state.sorted[c]!.priority))].sort((a, b) => a - b);
  const shares = tiers.map((p) => {
    const inTier = basis.filter((c) => state.sorted[c]!.priority === p);
    const healthy = members.filter((c) => state.sorted[c]!.priority === p).reduce((s, c) => s + ramp[c]!, 0);
    return inTier.length ? healthy / inTier.length : 0;
  });
  const loads = tierLoads(shares, o.tiers.overprovisioning);
  const tierShare = new Float64Array(n);
  const effective = new Float64Array(n);
  tiers.forEach((p, t) => {
    const inTier = members.filter((c) => state.sorted[c]!.priority === p);
    const sum = inTier.reduce((s, c) => s + weightOf(c), 0);
    for (const c of inTier) {
      tierShare[c] = loads[t]!;
      effective[c] = sum > 0 ? (loads[t]! * weightOf(c)) / sum : 0;
    }
  });

  const byId = (a: number, b: number) => (state.sorted[a]!.id < state.sorted[b]!.id ? -1 : 1);
  const pickList = members
    .filter((c) => effective[c]! > 0)
    .sort((a, b) => effective[b]! - effective[a]! || state.sorted[a]!.priority - state.sorted[b]!.priority || byId(a, b));
  const pick = Int32Array.from(pickList);
  const pickInv = Float64Array.from(pickList, (c) => 1 / effective[c]!);
  let total = 0;
  const pickCum = Float64Array.from(pickList, (c) => (total += effective[c]!));
  const rank = (a: number, b: number) => state.sorted[a]!.priority - state.sorted[b]!.priority || weightOf(b) - weightOf(a) || W(b) - W(a) || byId(a, b);
  const primary = Int32Array.from([...members].sort(rank));
  const order = [...group.compliant].sort((a, b) => Number(available[b]) - Number(available[a]) || rank(a, b));

  return {
    version,
    validUntil,
    panic,
    placement,
    available,
    ramp,
    tierShare,
    effective,
    pick,
    pickInv,
    pickCum,
    pickTotal: total,
    primary,
    canary,
    order,
    decisions: new Array(n).fill(undefined),
    rejected: group.rejected,
  };
}

/** The decision for a pick: the pick, then the failover order. Cached and frozen per table. */
export function decisionFor(state: DocState, table: Table, pick: number): RouteDecision {
  let d = table.decisions[pick];
  if (d) return d;
  const candidates = [state.sorted[pick]!];
  for (const c of table.order) if (c !== pick) candidates.push(state.sorted[c]!);
  d = Object.freeze({ candidates: Object.freeze(candidates) as never, rejected: table.rejected, ...(table.panic ? { panic: true } : {}) });
  table.decisions[pick] = d;
  return d;
}
