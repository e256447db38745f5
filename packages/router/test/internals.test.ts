import { dynamicFactor } from '@polycloud/core/spi';
import { PolycloudError } from '@polycloud/core';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { LoadModel } from '../src/dynamic.js';
import { hash53, hashString, unitHash } from '../src/hash.js';
import { BindingHealth } from '../src/health.js';
import { parseRouterOptions } from '../src/options.js';
import { bucket, harness } from './helpers.js';

describe('hot-path load factor', () => {
  it("equals core's pure dynamicFactor", () => {
    const o = parseRouterOptions({});
    const model = new LoadModel(o);
    fc.assert(
      fc.property(fc.double({ min: 0, max: 5000, noNaN: true }), fc.nat(50), fc.double({ min: 0, max: 1, noNaN: true }), (latency, inflight, errorRate) => {
        const h = new BindingHealth('r', 'b', 4);
        Object.assign(h, { latency, latencyAt: 0, samples: 1, inflight, errorRate, errorAt: 0 });
        const expected = dynamicFactor(
          { staticWeight: 1, latencyMs: latency, inflight, errorRate },
          { exponents: o.exponents, latencyFloorMs: 1, errorEpsilon: 0.05 },
        ).dynamic;
        expect(model.factor(h, 0)).toBeCloseTo(expected, 12);
      }),
      { seed: 5, numRuns: 200 },
    );
  });
});

describe('hashing', () => {
  it('unitHash stays inside (0, 1) and spreads evenly over buckets', () => {
    const counts: number[] = new Array(10).fill(0);
    let outside = 0;
    for (let i = 0; i < 50_000; i++) {
      const u = unitHash(i * 2654435761, i ^ 0x5bd1e995, 0x1234, 0x9876);
      if (!(u > 0 && u < 1)) outside++;
      counts[Math.floor(u * 10)]! += 1;
    }
    expect(outside).toBe(0);
    expect(unitHash(0, 0, 0, 0) > 0 && unitHash(-1, -1, 0, 0) < 1).toBe(true);
    for (const c of counts) expect(Math.abs(c - 5000)).toBeLessThan(300);
  });
  it('gives two bindings independent draws for the same keys', () => {
    const k = new Int32Array(2);
    let below = 0;
    const cells = [0, 0, 0, 0];
    for (let i = 0; i < 40_000; i++) {
      hashString(`tenant/obj-${i}`, 0, k);
      const u = unitHash(k[0]!, k[1]!, 0x1111, 0x2222);
      const v = unitHash(k[0]!, k[1]!, 0x1112, 0x2222);
      if (u < v) below++;
      cells[(u < 0.5 ? 0 : 2) + (v < 0.5 ? 0 : 1)]! += 1;
    }
    expect(Math.abs(below / 40_000 - 0.5)).toBeLessThan(0.01);
    for (const c of cells) expect(Math.abs(c / 40_000 - 0.25)).toBeLessThan(0.01);
  });

  it('hash53 is deterministic and seed-dependent', () => {
    const s = new Int32Array(2);
    expect(hash53('key', 1, s)).toBe(hash53('key', 1, s));
    expect(hash53('key', 1, s)).not.toBe(hash53('key', 2, s));
    expect(Number.isSafeInteger(hash53('ü-€-𝄞', 1, s))).toBe(true);
  });
});

describe('weights and strategies', () => {
  it('a weight-0 binding is used only when nothing else is usable', () => {
    const h = harness(
      bucket([
        { cloud: 'a', physical_id: 'a' },
        { cloud: 'z', physical_id: 'z', weight: 0 },
      ]),
    );
    for (let i = 0; i < 200; i++) expect(h.router.route({ resource: h.doc, operation: 'write', key: `k${i}`, tags: {} }).candidates[0]!.id).toBe('a');
    for (let i = 0; i < 3; i++)
      h.router.report('lb-1', 'a', { ok: false, latencyMs: 1, error: new PolycloudError('UNAVAILABLE', 'down', { retryable: true }) });
    const d = h.router.route({ resource: h.doc, operation: 'write', key: 'k', tags: {} });
    expect(d.candidates.map((b) => b.id)).toEqual(['z', 'a']);
    expect(d.panic).toBeUndefined();
  });

  it('stickyLoadSignals makes sticky picks move away from a slow binding; off (default) they stay put', () => {
    const providers = [
      { cloud: 'a', physical_id: 'a' },
      { cloud: 'b', physical_id: 'b' },
    ];
    const count = (h: ReturnType<typeof harness>) =>
      Array.from({ length: 2000 }, (_, i) => h.router.route({ resource: h.doc, operation: 'write', key: `k${i}`, tags: {} }).candidates[0]!.id).filter(
        (x) => x === 'a',
      ).length;
    const off = harness(bucket(providers));
    const on = harness(bucket(providers), { stickyLoadSignals: true });
    const before = count(off);
    for (const h of [off, on]) for (let i = 0; i < 10; i++) h.router.report('lb-1', 'a', { ok: true, latencyMs: 500 });
    expect(count(off)).toBe(before);
    expect(count(on)).toBeLessThan(before / 10);
  });

  it('distance from the caller lowers the weight: (1 + km/1000)^−0.5', () => {
    const h = harness(
      bucket(
        [
          { cloud: 'near', physical_id: 'a', region: 'eu-west-1' },
          { cloud: 'far', physical_id: 'b', region: 'ap-northeast-1' },
        ],
        { strategy: 'sticky', caller_region: 'eu-west-1' },
      ),
    );
    const e = h.router.explain({ resource: h.doc, operation: 'read', key: 'k', tags: {} });
    const far = e.candidates.find((c) => c.binding === 'far')!;
    expect(e.candidates.find((c) => c.binding === 'near')!.scores['distance']).toBe(1);
    expect(far.scores['distance']).toBeCloseTo((1 + far.scores['distanceKm']! / 1000) ** -0.5, 2);
    expect(far.scores['distanceKm']).toBeGreaterThan(9000);
  });
});
