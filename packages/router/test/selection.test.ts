import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { bucket, harness } from './helpers.js';

const SEED = 424242;
const keys = (n: number, prefix = 'obj') => Array.from({ length: n }, (_, i) => `${prefix}/${i}`);

function shares(picks: string[]): Map<string, number> {
  const m = new Map<string, number>();
  for (const p of picks) m.set(p, (m.get(p) ?? 0) + 1);
  for (const [k, v] of m) m.set(k, v / picks.length);
  return m;
}

describe('weighted selection shares (fast-check, fixed seed)', () => {
  it('sticky rendezvous gives each binding its weight share within ±2% over 100,000 keys', () => {
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 1, max: 3 }), { minLength: 2, maxLength: 3 }), (weights) => {
        const h = harness(bucket(weights.map((w, i) => ({ cloud: `c${i}`, physical_id: `b${i}`, weight: w }))));
        const total = weights.reduce((a, b) => a + b, 0);
        const picks = keys(100_000).map((key) => h.router.route({ resource: h.doc, operation: 'write', key, tags: {} }).candidates[0]!.id);
        const got = shares(picks);
        weights.forEach((w, i) => {
          const expected = w / total;
          expect(Math.abs((got.get(`c${i}`) ?? 0) - expected) / expected).toBeLessThan(0.02);
        });
      }),
      { seed: SEED, numRuns: 3 },
    );
  });

  it('power-of-two-choices reads at equal load give weight shares within ±2% over 100,000 picks', () => {
    const weights = [1, 2, 3];
    const h = harness(
      bucket(
        weights.map((w, i) => ({ cloud: `c${i}`, physical_id: `b${i}`, weight: w })),
        { strategy: 'balanced' },
      ),
      { seed: 7 },
    );
    const picks: string[] = [];
    for (let i = 0; i < 100_000; i++) picks.push(h.router.route({ resource: h.doc, operation: 'read', key: `k${i}`, tags: {} }).candidates[0]!.id);
    const got = shares(picks);
    weights.forEach((w, i) => expect(Math.abs(got.get(`c${i}`)! - w / 6) / (w / 6)).toBeLessThan(0.02));
  });

  it('power-of-two-choices moves reads away from a loaded, slow binding', () => {
    const h = harness(
      bucket(
        [
          { cloud: 'a', physical_id: 'a' },
          { cloud: 'b', physical_id: 'b' },
        ],
        { strategy: 'balanced' },
      ),
    );
    for (let i = 0; i < 20; i++) h.router.report('lb-1', 'a', { ok: true, latencyMs: 200 });
    for (let i = 0; i < 20; i++) h.router.report('lb-1', 'b', { ok: true, latencyMs: 20 });
    const picks = keys(2000).map((key) => h.router.route({ resource: h.doc, operation: 'read', key, tags: {} }).candidates[0]!.id);
    expect(shares(picks).get('b')!).toBeGreaterThan(0.95);
  });
});

describe('determinism', () => {
  const providers = [
    { cloud: 'aws', physical_id: 'a', region: 'eu-west-1', weight: 2 },
    { cloud: 'gcp', physical_id: 'g', region: 'europe-west1', weight: 1 },
    { cloud: 'azure', physical_id: 'z', region: 'westeurope', weight: 3, role: 'standby' },
    { id: 'aws2', cloud: 'aws', physical_id: 'a2', region: 'us-east-1', weight: 1 },
  ];

  it('gives identical decisions for identical inputs and seed, whatever the binding order', () => {
    fc.assert(
      fc.property(
        fc.shuffledSubarray(providers, { minLength: providers.length, maxLength: providers.length }),
        fc.constantFrom('sticky', 'balanced', 'primary'),
        fc.array(
          fc.record({
            op: fc.constantFrom('read', 'write', 'head', 'list'),
            key: fc.option(fc.string({ maxLength: 8 }), { nil: undefined }),
            fail: fc.option(fc.constantFrom('aws', 'gcp', 'azure', 'aws2'), { nil: undefined }),
          }),
          { minLength: 1, maxLength: 60 },
        ),
        (shuffled, strategy, ops) => {
          const a = harness(bucket(providers, { strategy }), { seed: 99 });
          const b = harness(bucket(shuffled, { strategy }), { seed: 99 });
          for (const op of ops) {
            const req = (doc: typeof a.doc) => ({ resource: doc, operation: op.op as 'read', ...(op.key === undefined ? {} : { key: op.key }), tags: {} });
            expect(b.router.route(req(b.doc)).candidates.map((c) => c.id)).toEqual(a.router.route(req(a.doc)).candidates.map((c) => c.id));
            if (op.fail) {
              a.router.report('lb-1', op.fail, {
                ok: false,
                latencyMs: 5,
                error: Object.assign(new Error('x'), { code: 'UNAVAILABLE', retryable: true }) as never,
              });
              b.router.report('lb-1', op.fail, {
                ok: false,
                latencyMs: 5,
                error: Object.assign(new Error('x'), { code: 'UNAVAILABLE', retryable: true }) as never,
              });
            }
          }
        },
      ),
      { seed: SEED, numRuns: 60 },
    );
  });
});

describe('rendezvous stability', () => {
  it('removing a binding remaps only its keys', () => {
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 1, max: 10 }), { minLength: 3, maxLength: 6 }), fc.nat(5), (weights, r) => {
        const removed = r % weights.length;
        const all = weights.map((w, i) => ({ cloud: `c${i}`, physical_id: `b${i}`, weight: w }));
        const before = harness(bucket(all));
        const after = harness(bucket(all.filter((_, i) => i !== removed)));
        let moved = 0;
        let wrongly = 0;
        for (const key of keys(4_000)) {
          const x = before.router.route({ resource: before.doc, operation: 'write', key, tags: {} }).candidates[0]!.id;
          const y = after.router.route({ resource: after.doc, operation: 'write', key, tags: {} }).candidates[0]!.id;
          if (x === `c${removed}`) moved++;
          else if (y !== x) wrongly++;
        }
        expect(wrongly).toBe(0);
        expect(moved).toBeGreaterThan(0);
      }),
      { seed: SEED, numRuns: 8 },
    );
  });
});

describe('canary', () => {
  const providers = [
    { cloud: 'aws', physical_id: 'a', weight: 2 },
    { cloud: 'gcp', physical_id: 'g', weight: 1 },
    { cloud: 'azure', physical_id: 'z', weight: 1 },
  ];
  it("raising the canary from p to p' moves about p'−p of the keys, all into the canary", () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 50 }), fc.integer({ min: 1, max: 50 }), fc.constantFrom('sticky', 'primary', 'balanced'), (p, delta, strategy) => {
        const q = p + delta;
        const route = (pct: number) => {
          const h = harness(bucket(providers, { strategy, canary: { binding: 'azure', percent: pct, salt: 's1' } }));
          return keys(20_000).map((key) => h.router.route({ resource: h.doc, operation: 'write', key, tags: {} }).candidates[0]!.id);
        };
        const a = route(p);
        const b = route(q);
        let moved = 0;
        let elsewhere = 0;
        a.forEach((x, i) => {
          if (b[i] !== x) {
            moved++;
            if (b[i] !== 'azure') elsewhere++;
          }
        });
        expect(elsewhere).toBe(0);
        expect(Math.abs(moved / a.length - delta / 100)).toBeLessThan(0.012);
        expect(Math.abs(b.filter((x) => x === 'azure').length / b.length - q / 100)).toBeLessThan(0.012);
      }),
      { seed: SEED, numRuns: 8 },
    );
  });
});
