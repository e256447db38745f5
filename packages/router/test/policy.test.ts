import { complianceVerdict } from '@polycloud/core/spi';
import { isPolycloudError, parseUrmDocument, PolycloudError } from '@polycloud/core';
import { createRouter } from '@polycloud/router';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { bucket, harness, testClock } from './helpers.js';

const SEED = 1337;
const ZONES = { eu: ['eu-*', 'europe-*', 'westeurope'], us: ['us-*', 'eastus'] };
const REGIONS = ['eu-west-1', 'europe-west1', 'westeurope', 'us-east-1', 'us-central1', 'eastus', 'ap-south-1'];

describe('residency is never violated', () => {
  it('under any health state, panic included (fast-check, fixed seed)', async () => {
    let panics = 0;
    await fc.assert(
      fc.asyncProperty(
        fc.uniqueArray(fc.record({ region: fc.constantFrom(...REGIONS), weight: fc.integer({ min: 0, max: 3 }), standby: fc.boolean(), pii: fc.boolean() }), {
          minLength: 1,
          maxLength: 6,
          selector: (x) => x.region,
        }),
        fc.array(fc.record({ binding: fc.nat(5), failures: fc.integer({ min: 0, max: 12 }), probeDown: fc.boolean() }), { maxLength: 8 }),
        fc.constantFrom('sticky', 'balanced', 'primary'),
        fc.record({ residency: fc.constantFrom(undefined, 'eu', 'us', 'eu,us'), classification: fc.constantFrom(undefined, 'pii') }),
        fc.array(fc.string({ maxLength: 6 }), { minLength: 1, maxLength: 20 }),
        async (bindings, faults, strategy, tagChoice, keyList) => {
          if (bindings.every((b) => b.weight === 0)) bindings[0]!.weight = 1;
          const providers = bindings.map((b, i) => ({
            id: `b${i}`,
            cloud: `c${i}`,
            physical_id: `p${i}`,
            region: b.region,
            weight: b.weight,
            role: b.standby ? 'standby' : 'primary',
            tags: b.pii ? { classifications: 'pii' } : {},
          }));
          const h = harness(bucket(providers, { strategy }), { probes: { enabled: true, intervalMs: 50 } }, { residency: ZONES });
          for (const f of faults) {
            const id = `b${f.binding % providers.length}`;
            for (let i = 0; i < f.failures; i++)
              h.router.report('lb-1', id, { ok: false, latencyMs: 1, error: new PolycloudError('UNAVAILABLE', 'down', { retryable: true }) });
            if (f.probeDown) h.probeOk.set(id, false);
          }
          const tags: Record<string, string> = {};
          if (tagChoice.residency) tags['residency'] = tagChoice.residency;
          if (tagChoice.classification) tags['classification'] = tagChoice.classification;
          const compliant = h.doc.providers.filter((b) => complianceVerdict(b, tags, ZONES).ok).map((b) => b.id);
          {
            await h.clock.advance(120); // let probes run
            for (const key of keyList) {
              for (const operation of ['write', 'read'] as const) {
                if (compliant.length === 0) {
                  let code: string | undefined;
                  try {
                    h.router.route({ resource: h.doc, operation, key, tags });
                  } catch (e) {
                    code = isPolycloudError(e) ? e.code : 'not a PolycloudError';
                  }
                  expect(code).toBe('RESIDENCY_VIOLATION');
                  continue;
                }
                const d = h.router.route({ resource: h.doc, operation, key, tags });
                if (d.panic) panics++;
                expect(d.candidates.length).toBe(compliant.length);
                for (const b of d.candidates) expect(compliant).toContain(b.id);
              }
            }
            await h.router.close?.();
          }
        },
      ),
      { seed: SEED, numRuns: 80 },
    );
    expect(panics).toBeGreaterThan(0); // the runs did reach panic mode
  });

  it('panics only inside the compliant set: every EU binding down still never routes EU data to the US', () => {
    const h = harness(
      bucket([
        { cloud: 'eu1', physical_id: 'a', region: 'eu-west-1' },
        { cloud: 'eu2', physical_id: 'b', region: 'europe-west1', role: 'standby' },
        { cloud: 'us', physical_id: 'c', region: 'us-east-1' },
      ]),
      { outlier: { maxEjectedFraction: 1 } },
      { residency: ZONES },
    );
    for (const id of ['eu1', 'eu2'])
      for (let i = 0; i < 3; i++)
        h.router.report('lb-1', id, { ok: false, latencyMs: 1, error: new PolycloudError('UNAVAILABLE', 'down', { retryable: true }) });
    const d = h.router.route({ resource: h.doc, operation: 'write', key: 'k', tags: { residency: 'eu' } });
    expect(d.panic).toBe(true);
    expect(d.candidates.map((b) => b.id).sort()).toEqual(['eu1', 'eu2']);
    expect(d.rejected).toEqual([expect.objectContaining({ binding: 'us', verdict: 'residency' })]);
    const e = h.router.explain({ resource: h.doc, operation: 'write', key: 'k', tags: { residency: 'eu' } });
    expect(e.panic).toBe(true);
    expect(e.candidates.find((c) => c.binding === 'us')).toMatchObject({ verdict: 'residency', weight: 0 });
  });
});

describe('prices', () => {
  const priced = (k: number) =>
    bucket(
      [
        { cloud: 'aws', physical_id: 'a', region: 'eu-west-1', price: { storage_gb_month: 0.023 * k, request_1k: 0.005 * k, egress_gb: 0.09 * k } },
        { cloud: 'gcp', physical_id: 'g', region: 'europe-west1', price: { storage_gb_month: 0.02 * k, request_1k: 0.005 * k, egress_gb: 0.12 * k } },
        {
          cloud: 'azure',
          physical_id: 'z',
          region: 'westeurope',
          price: { storage_gb_month: 0.018 * k, request_1k: 0.0065 * k, egress_gb: 0.087 * k, egress_gb_to: { 'eu-west-1': 0.02 * k } },
        },
      ],
      { strategy: 'sticky', caller_region: 'eu-west-1' },
    );

  it('are unit-invariant: dollars or cents give the same decisions and weights', () => {
    const a = harness(priced(1));
    const b = harness(priced(100));
    for (let i = 0; i < 2000; i++) {
      for (const operation of ['write', 'read'] as const) {
        const key = `k${i}`;
        expect(b.router.route({ resource: b.doc, operation, key, tags: {} }).candidates.map((c) => c.id)).toEqual(
          a.router.route({ resource: a.doc, operation, key, tags: {} }).candidates.map((c) => c.id),
        );
      }
    }
    const ea = a.router.explain({ resource: a.doc, operation: 'read', key: 'x', tags: {} });
    const eb = b.router.explain({ resource: b.doc, operation: 'read', key: 'x', tags: {} });
    ea.candidates.forEach((c, i) => expect(eb.candidates[i]!.weight).toBeCloseTo(c.weight, 12));
  });

  it('adding a dominated binding does not reorder or rescale the others relative to each other', () => {
    const base = harness(priced(1));
    const withWorse = harness({
      ...priced(1),
      providers: [
        ...priced(1).providers,
        { cloud: 'worse', physical_id: 'w', region: 'ap-south-1', weight: 0.5, price: { storage_gb_month: 0.05, request_1k: 0.01, egress_gb: 0.2 } },
      ],
    });
    for (const operation of ['write', 'read'] as const) {
      const wa = base.router.explain({ resource: base.doc, operation, key: 'x', tags: {} }).candidates;
      const wb = withWorse.router.explain({ resource: withWorse.doc, operation, key: 'x', tags: {} }).candidates;
      for (let i = 0; i < wa.length; i++) {
        for (let j = 0; j < wa.length; j++) expect(wb[i]!.weight / wb[j]!.weight).toBeCloseTo(wa[i]!.weight / wa[j]!.weight, 12);
      }
    }
  });

  it('time of day moves a compute job to the region that is cheap at night (fake clock)', async () => {
    const clock = testClock(Date.UTC(2026, 0, 1, 12, 0));
    const cluster = {
      resource_id: 'lc-1',
      type: 'LogicalCluster',
      routing: { strategy: 'primary' },
      providers: [
        { cloud: 'aws', physical_id: 'queue-a', region: 'us-east-1', price: { vcpu_hour: 0.05, memory_gib_hour: 0.005 } },
        {
          cloud: 'gcp',
          physical_id: 'loc-b',
          region: 'us-central1',
          price: { vcpu_hour: 0.08, memory_gib_hour: 0.008, schedule: [{ from: '22:00', to: '06:00', multiplier: 0.4 }] },
        },
      ],
    };
    const h = harness(cluster, {}, { clock });
    const submit = () => h.router.route({ resource: h.doc, operation: 'submit', key: 'job-1', tags: {}, job: { cpu: 8, memoryMiB: 32768 } }).candidates[0]!.id;
    expect(submit()).toBe('aws');
    await clock.advance(10 * 3600_000); // 22:00 UTC: gcp at 40%
    expect(submit()).toBe('gcp');
    const night = h.router.explain({ resource: h.doc, operation: 'submit', key: 'job-1', tags: {}, job: { cpu: 8, memoryMiB: 32768 } });
    expect(night.chosen).toBe('gcp');
    expect(night.candidates.find((c) => c.binding === 'gcp')!.scores['cost']).toBeCloseTo(0.4 * (8 * 0.08 + 32 * 0.008), 12);
    await clock.advance(8 * 3600_000); // 06:00: day again
    expect(submit()).toBe('aws');
  });
});

describe('options, explain and events', () => {
  it('refuses bad options with CONFIG_INVALID and the path', () => {
    let error: unknown;
    try {
      createRouter({ outlier: { consecutiveFailures: 0 } } as never);
    } catch (e) {
      error = e;
    }
    expect(isPolycloudError(error, 'CONFIG_INVALID')).toBe(true);
    expect((error as PolycloudError).context.path).toEqual(['outlier', 'consecutiveFailures']);
    expect(() => createRouter({ nope: 1 } as never)).toThrow(expect.objectContaining({ code: 'CONFIG_INVALID' }));
  });

  it('explain and route events carry ids, cloud, region and numbers, never binding options or tags', () => {
    const secret = 'AKIAIOSFODNN7EXAMPLE/wJalrXUtnFEMI';
    const h = harness(
      bucket([
        { cloud: 'aws', physical_id: 'phys-secret-bucket', region: 'eu-west-1', options: { secretAccessKey: secret }, tags: { token: secret } },
        { cloud: 'gcp', physical_id: 'g', region: 'europe-west1' },
      ]),
      { events: { sampleRate: 1, explain: true } },
    );
    h.router.route({ resource: h.doc, operation: 'write', key: 'k', tags: {} });
    const text = JSON.stringify([h.router.explain({ resource: h.doc, operation: 'write', key: 'k', tags: {} }), h.events]);
    expect(text).not.toContain(secret);
    expect(text).not.toContain('phys-secret-bucket');
    expect(h.events.filter((e) => e.event === 'route')).toHaveLength(1); // explain() itself is not an event
  });

  it('samples route events deterministically at the configured rate', () => {
    const h = harness(bucket([{ cloud: 'aws', physical_id: 'a' }]), { events: { sampleRate: 0.25 } });
    for (let i = 0; i < 400; i++) h.router.route({ resource: h.doc, operation: 'write', key: `k${i}`, tags: {} });
    expect(h.events.filter((e) => e.event === 'route')).toHaveLength(100);
  });

  it('honours `only` and `requires` through the hard filter (UNSUPPORTED when no binding can)', () => {
    const doc = parseUrmDocument(
      bucket([
        { cloud: 'aws', physical_id: 'a' },
        { cloud: 'gcp', physical_id: 'g' },
      ]),
    );
    const h = harness(doc);
    expect(h.router.route({ resource: h.doc, operation: 'read', key: 'k', tags: {}, only: ['gcp'] }).candidates.map((b) => b.id)).toEqual(['gcp']);
    expect(() => h.router.route({ resource: h.doc, operation: 'write', key: 'k', tags: {}, requires: ['conditionalWrite'] })).toThrow(
      expect.objectContaining({ code: 'UNSUPPORTED' }),
    );
  });
});
