import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  dynamicFactor,
  operationCost,
  placementWeight,
  priceMultiplier,
  priceReference,
  routingWeight,
  tierLoads,
  type Price,
  type WeightParams,
  type WeightSignals,
} from '../src/spi.js';

const SEED = 20261121;
const params = (ref: number | undefined): WeightParams => ({
  exponents: { price: 1, distance: 0.5, latency: 1, errors: 1 },
  ...(ref === undefined ? {} : { priceReference: ref }),
  priceFloorRatio: 0.01,
});

describe('priceMultiplier (time-of-day schedule)', () => {
  const night = [{ from: '22:00', to: '06:00', multiplier: 0.4 }];
  it('applies a window that wraps past midnight, and names the next change', () => {
    const at = (h: number, m = 0) => Date.UTC(2026, 0, 1, h, m);
    expect(priceMultiplier(night, at(23)).multiplier).toBe(0.4);
    expect(priceMultiplier(night, at(3)).multiplier).toBe(0.4);
    expect(priceMultiplier(night, at(6)).multiplier).toBe(1);
    expect(priceMultiplier(night, at(12)).multiplier).toBe(1);
    expect(priceMultiplier(night, at(12)).nextChangeMs).toBe(at(22));
    expect(priceMultiplier(night, at(23, 30)).nextChangeMs).toBe(Date.UTC(2026, 0, 2, 6));
  });
  it('honours utc_offset_minutes and means 1 without a schedule', () => {
    const tokyoNight = [{ from: '22:00', to: '06:00', multiplier: 0.5, utc_offset_minutes: 540 }];
    expect(priceMultiplier(tokyoNight, Date.UTC(2026, 0, 1, 14)).multiplier).toBe(0.5); // 23:00 in Tokyo
    expect(priceMultiplier(tokyoNight, Date.UTC(2026, 0, 1, 3)).multiplier).toBe(1); // 12:00 in Tokyo
    expect(priceMultiplier(undefined, 0)).toEqual({ multiplier: 1, nextChangeMs: Infinity });
  });
});

describe('operationCost', () => {
  const price: Price = {
    storage_gb_month: 0.023,
    request_1k: 0.005,
    egress_gb: 0.09,
    egress_gb_to: { 'eu-west-1': 0.02 },
    vcpu_hour: 0.04,
    memory_gib_hour: 0.004,
  };
  const wl = { objectGB: 1, retentionMonths: 2, jobHours: 3, job: { cpu: 1, memoryMiB: 1024 } };
  it('prices reads by request + egress to the caller, free in the same region', () => {
    expect(operationCost({ price, costClass: 'read', callerRegion: 'us-east-1', workload: wl })).toBeCloseTo(0.000005 + 0.09, 12);
    expect(operationCost({ price, costClass: 'read', callerRegion: 'eu-west-1', workload: wl })).toBeCloseTo(0.000005 + 0.02, 12);
    expect(operationCost({ price, costClass: 'read', bindingRegion: 'eu-west-1', callerRegion: 'eu-west-1', workload: wl })).toBeCloseTo(0.000005, 12);
    expect(operationCost({ price, costClass: 'read', bindingRegion: 'eu-west-1', callerRegion: 'eu-west-1', workload: wl, list: true })).toBeCloseTo(
      0.020005,
      12,
    );
  });
  it('prices writes by request + storage, compute by job size and hours, times the multiplier', () => {
    expect(operationCost({ price, costClass: 'write', workload: wl })).toBeCloseTo(0.000005 + 0.046, 12);
    expect(operationCost({ price, costClass: 'compute', job: { cpu: 4, memoryMiB: 8192 }, workload: wl, multiplier: 0.5 })).toBeCloseTo(
      0.5 * (0.16 + 0.032) * 3,
      12,
    );
    expect(operationCost({ price: undefined, costClass: 'write' })).toBeUndefined();
    expect(operationCost({ price: { storage_gb_month: 1 }, costClass: 'compute' })).toBeUndefined();
  });
});

const signals = fc.record({
  staticWeight: fc.double({ min: 0.1, max: 100, noNaN: true }),
  cost: fc.double({ min: 1e-6, max: 10, noNaN: true }),
  listCost: fc.double({ min: 1e-6, max: 10, noNaN: true }),
  distanceKm: fc.double({ min: 0, max: 20_000, noNaN: true }),
  latencyMs: fc.double({ min: 0, max: 5_000, noNaN: true }),
  inflight: fc.nat(100),
  errorRate: fc.double({ min: 0, max: 1, noNaN: true }),
});

function weights(set: WeightSignals[]): number[] {
  const ref = priceReference(set.map((s) => Math.max(s.cost!, 0.01 * (s.listCost ?? 0))));
  return set.map((s) => routingWeight(s, params(ref)).weight);
}

describe('routingWeight properties (fast-check, fixed seed)', () => {
  it('is unit-invariant: prices in cents or dollars give the same weights', () => {
    fc.assert(
      fc.property(fc.array(signals, { minLength: 2, maxLength: 8 }), fc.constantFrom(100, 0.01, 7.31), (set, k) => {
        const a = weights(set);
        const b = weights(set.map((s) => ({ ...s, cost: s.cost * k, listCost: s.listCost * k })));
        a.forEach((w, i) => expect(b[i]! / w).toBeCloseTo(1, 9));
        for (let i = 0; i < a.length; i++) for (let j = 0; j < a.length; j++) if (Math.abs(a[i]! / a[j]! - 1) > 1e-9) expect(a[i]! > a[j]!).toBe(b[i]! > b[j]!);
      }),
      { seed: SEED, numRuns: 300 },
    );
  });

  it('adding a dominated candidate never changes how two others compare', () => {
    fc.assert(
      fc.property(signals, signals, fc.nat(1), fc.double({ min: 1, max: 50, noNaN: true }), (a, b, which, worse) => {
        const dominator = which === 0 ? a : b;
        const c: WeightSignals = {
          staticWeight: dominator.staticWeight / worse,
          cost: dominator.cost * worse,
          listCost: dominator.listCost,
          distanceKm: dominator.distanceKm * worse + 1,
          latencyMs: dominator.latencyMs * worse,
          inflight: dominator.inflight + 1,
          errorRate: Math.min(1, dominator.errorRate * worse),
        };
        const [wa, wb] = weights([a, b]);
        const [wa2, wb2, wc] = weights([a, b, c]);
        expect(wa2! / wb2!).toBeCloseTo(wa! / wb!, 9);
        expect(wc!).toBeLessThanOrEqual((which === 0 ? wa2! : wb2!) * (1 + 1e-9));
      }),
      { seed: SEED, numRuns: 300 },
    );
  });

  it('each factor only ever lowers the weight as its signal gets worse', () => {
    fc.assert(
      fc.property(signals, fc.double({ min: 1.01, max: 10, noNaN: true }), (s, k) => {
        const p = params(s.cost);
        const base = placementWeight(s, p);
        const noFloor = placementWeight({ ...s, listCost: 0 }, p).placement;
        expect(placementWeight({ ...s, cost: s.cost * k, listCost: 0 }, p).placement).toBeLessThan(noFloor);
        expect(placementWeight({ ...s, distanceKm: s.distanceKm * k + 1 }, p).placement).toBeLessThan(base.placement);
        const d = dynamicFactor(s, p).dynamic;
        expect(dynamicFactor({ ...s, inflight: s.inflight + 1 }, p).dynamic).toBeLessThan(d);
        expect(dynamicFactor({ ...s, errorRate: Math.min(1, s.errorRate + 0.01) }, p).dynamic).toBeLessThan(d);
      }),
      { seed: SEED, numRuns: 200 },
    );
  });

  it('a free same-region read is floored by its own list price, not by other bindings', () => {
    const p = params(0.5);
    const free = placementWeight({ staticWeight: 1, cost: 0, listCost: 2 }, p);
    expect(free.relativePrice).toBeCloseTo(0.02 / 0.5, 12);
    expect(placementWeight({ staticWeight: 1, cost: 0, listCost: 0 }, p).relativePrice).toBe(0.01);
    // The unpriced rule: among priced candidates, no price counts as 1/floor (100×) the cheapest, not as free.
    expect(placementWeight({ staticWeight: 1 }, p).relativePrice).toBe(100);
    expect(placementWeight({ staticWeight: 1 }, p).price).toBeLessThan(free.price);
    // With no price anywhere (no reference), price stays neutral.
    expect(placementWeight({ staticWeight: 1 }, params(undefined)).price).toBe(1);
  });
});

describe('tierLoads (Envoy priority levels, overprovisioning 1.4)', () => {
  it('keeps all traffic on P0 while at least ~71.4% of it is healthy, then spills in proportion', () => {
    expect(tierLoads([1, 1])).toEqual([1, 0]);
    expect(tierLoads([0.72, 1])[0]).toBe(1);
    const [p0, p1] = tierLoads([0.5, 1]);
    expect(p0).toBeCloseTo(0.7, 12);
    expect(p1).toBeCloseTo(0.3, 12);
    expect(tierLoads([0, 1])).toEqual([0, 1]);
  });
  it('normalises when the tiers together are under-provisioned, and is all zero when nothing is healthy', () => {
    const loads = tierLoads([0.2, 0.2]);
    expect(loads[0]).toBeCloseTo(0.5, 12);
    expect(loads[1]).toBeCloseTo(0.5, 12);
    expect(tierLoads([0, 0])).toEqual([0, 0]);
  });
});
