import { PolycloudError } from '@polycloud/core';
import { describe, expect, it } from 'vitest';
import { bucket, harness } from './helpers.js';

const down = () => new PolycloudError('UNAVAILABLE', 'connection refused', { retryable: true });
const fail = (h: ReturnType<typeof harness>, b: string, n = 1) => {
  for (let i = 0; i < n; i++) {
    h.router.onStart?.('lb-1', b);
    h.router.report('lb-1', b, { ok: false, latencyMs: 3, error: down() });
  }
};
const ok = (h: ReturnType<typeof harness>, b: string, n = 1) => {
  for (let i = 0; i < n; i++) {
    h.router.onStart?.('lb-1', b);
    h.router.report('lb-1', b, { ok: true, latencyMs: 3 });
  }
};
const primaryStandby = [
  { cloud: 'aws', physical_id: 'a', region: 'eu-west-1' },
  { cloud: 'azure', physical_id: 'z', region: 'westeurope', role: 'standby' },
];
const first = (h: ReturnType<typeof harness>, key = 'k') => h.router.route({ resource: h.doc, operation: 'write', key, tags: {} }).candidates[0]!.id;

describe('passive outlier detection', () => {
  it('ejects after 3 consecutive retryable failures, with a back-off that doubles per ejection', async () => {
    const h = harness(bucket(primaryStandby, { strategy: 'primary' }), { slowStart: { windowMs: 0 } });
    fail(h, 'aws', 2);
    expect(first(h)).toBe('aws');
    fail(h, 'aws');
    expect(first(h)).toBe('azure');
    expect(h.router.route({ resource: h.doc, operation: 'write', key: 'k', tags: {} }).candidates.map((b) => b.id)).toEqual(['azure', 'aws']);
    await h.clock.advance(999);
    expect(first(h)).toBe('azure');
    await h.clock.advance(1);
    expect(first(h)).toBe('aws');
    fail(h, 'aws', 3);
    await h.clock.advance(1999);
    expect(first(h)).toBe('azure');
    await h.clock.advance(1);
    expect(first(h)).toBe('aws');
    const states = h.events.filter((e) => e.event === 'health').map((e) => e.payload as { state: string; healthy?: boolean; binding: string });
    expect(states.map((s) => `${s.binding}:${s.state}:${s.healthy}`)).toEqual([
      'aws:ejected:false',
      'aws:restored:true',
      'aws:ejected:false',
      'aws:restored:true',
    ]);
  });

  it('does not count non-retryable answers (NOT_FOUND) or caller aborts as failures', () => {
    const h = harness(bucket(primaryStandby, { strategy: 'primary' }));
    for (let i = 0; i < 10; i++) {
      h.router.report('lb-1', 'aws', { ok: false, latencyMs: 1, error: new PolycloudError('NOT_FOUND', 'no such key', { retryable: false }) });
      h.router.report('lb-1', 'aws', { ok: false, latencyMs: 1, error: new PolycloudError('ABORTED', 'aborted', { retryable: false }) });
    }
    expect(first(h)).toBe('aws');
  });

  it('never ejects more than the allowed fraction (at least one binding stays in)', () => {
    const h = harness(
      bucket(
        [
          { cloud: 'a', physical_id: 'a' },
          { cloud: 'b', physical_id: 'b' },
        ],
        { strategy: 'primary' },
      ),
    );
    fail(h, 'a', 3);
    fail(h, 'b', 3);
    const explained = h.router.explain({ resource: h.doc, operation: 'write', key: 'k', tags: {} });
    expect(explained.candidates.map((c) => c.verdict)).toEqual(['unhealthy', 'ok']);
  });
});

describe('circuit breaker', () => {
  it('opens on the failure ratio, lets one half-open trial through, and closes on its success', async () => {
    const h = harness(bucket(primaryStandby, { strategy: 'primary' }), { outlier: { consecutiveFailures: 1000 }, slowStart: { windowMs: 0 } });
    for (let i = 0; i < 5; i++) {
      ok(h, 'aws');
      fail(h, 'aws');
    }
    expect(first(h)).toBe('azure');
    expect(h.events.some((e) => e.event === 'health' && (e.payload as { state: string }).state === 'circuit-open')).toBe(true);
    await h.clock.advance(1000);
    expect(first(h)).toBe('aws'); // half-open: one trial allowed
    h.router.onStart?.('lb-1', 'aws');
    expect(first(h)).toBe('azure'); // trial in flight: no second one
    h.router.report('lb-1', 'aws', { ok: false, latencyMs: 1, error: down() });
    expect(first(h)).toBe('azure'); // re-opened, for 2 s now
    await h.clock.advance(1999);
    expect(first(h)).toBe('azure');
    await h.clock.advance(1);
    ok(h, 'aws');
    expect(first(h)).toBe('aws');
    expect(h.events.some((e) => e.event === 'health' && (e.payload as { state: string }).state === 'circuit-closed')).toBe(true);
  });
});

describe('circuit breaker: an aborted half-open trial', () => {
  it('frees the trial slot, so the circuit can still close', async () => {
    const h = harness(bucket(primaryStandby, { strategy: 'primary' }), { outlier: { consecutiveFailures: 1000 }, slowStart: { windowMs: 0 } });
    for (let i = 0; i < 5; i++) {
      ok(h, 'aws');
      fail(h, 'aws');
    }
    await h.clock.advance(1000);
    expect(first(h)).toBe('aws'); // half-open
    h.router.onStart?.('lb-1', 'aws');
    expect(first(h)).toBe('azure'); // trial in flight
    h.router.report('lb-1', 'aws', { ok: false, latencyMs: 1, error: new PolycloudError('ABORTED', 'caller gave up', { retryable: false }) });
    expect(first(h)).toBe('aws'); // the trial is over: another may start
    ok(h, 'aws');
    expect(h.events.some((e) => e.event === 'health' && (e.payload as { state: string }).state === 'circuit-closed')).toBe(true);
  });
});

describe('active probes', () => {
  it('probe at the configured interval on the router clock, mark down on failure and up after 2 successes, stop on close', async () => {
    const h = harness(bucket(primaryStandby, { strategy: 'primary', health_check: { interval_ms: 100, timeout_ms: 50 } }), {
      probes: { enabled: true },
      slowStart: { windowMs: 0 },
    });
    await h.clock.advance(150);
    expect(first(h)).toBe('aws');
    h.probeOk.set('aws', false);
    await h.clock.advance(100);
    expect(first(h)).toBe('azure');
    h.probeOk.set('aws', true);
    await h.clock.advance(100);
    expect(first(h)).toBe('azure');
    await h.clock.advance(100);
    expect(first(h)).toBe('aws');
    await h.router.close?.();
    h.probeOk.set('aws', false);
    await h.clock.advance(1000);
    expect(first(h)).toBe('aws');
  });

  it('counts a probe that hangs past timeout_ms as a failure', async () => {
    const h = harness(bucket(primaryStandby, { strategy: 'primary', health_check: { interval_ms: 100, timeout_ms: 50 } }), { probes: { enabled: true } });
    await h.clock.advance(100);
    expect(first(h)).toBe('aws');
    h.probeOk.set('aws', 'hang');
    await h.clock.advance(150); // the next probe starts within 100 ms and is given up 50 ms later
    expect(h.events.filter((e) => (e.payload as { state?: string }).state === 'probe-down')).toHaveLength(1);
    expect(first(h)).toBe('azure');
    await h.router.close?.();
  });
});

describe('priority tiers, failover and failback with slow start', () => {
  const tiered = [
    { cloud: 'p1', physical_id: 'a', weight: 1 },
    { cloud: 'p2', physical_id: 'b', weight: 1 },
    { cloud: 'p3', physical_id: 'c', weight: 1 },
    { cloud: 's1', physical_id: 'd', role: 'standby' },
  ];
  const share = (h: ReturnType<typeof harness>, id: string) => {
    let n = 0;
    for (let i = 0; i < 4000; i++) if (first(h, `key-${i}`) === id) n++;
    return n / 4000;
  };

  it('P0 keeps all traffic while ≥ 71.4% healthy, then spills in proportion (overprovisioning 1.4)', () => {
    const h = harness(bucket(tiered, { strategy: 'sticky' }));
    expect(share(h, 's1')).toBe(0);
    fail(h, 'p1', 3); // 2/3 healthy → health 0.933 → 6.7% spills
    expect(share(h, 's1')).toBeCloseTo(1 - 1.4 * (2 / 3), 1);
    const e = h.router.explain({ resource: h.doc, operation: 'write', key: 'x', tags: {} });
    expect(e.candidates.find((c) => c.binding === 's1')!.scores['tierShare']).toBeCloseTo(1 - 1.4 * (2 / 3), 9);
  });

  it('fails over to the standby, then ramps the primary back up over the slow-start window', async () => {
    const h = harness(bucket(primaryStandby, { strategy: 'sticky' }), { slowStart: { windowMs: 10_000, minFactor: 0.1 } });
    fail(h, 'aws', 3);
    expect(share(h, 'aws')).toBe(0);
    await h.clock.advance(1000); // ejection over: ramp starts at 10%
    const s1 = share(h, 'aws');
    expect(s1).toBeCloseTo(0.14, 1); // tier health 1.4 × 0.1
    await h.clock.advance(3000); // 30% → 42%
    const s2 = share(h, 'aws');
    expect(s2).toBeGreaterThan(s1);
    expect(s2).toBeCloseTo(0.42, 1);
    await h.clock.advance(4200); // 72% of the window: 1.4 × 0.72 ≥ 1 → all
    expect(share(h, 'aws')).toBe(1);
  });

  it('primary strategy: a recovering primary takes a stable, growing share of keys', async () => {
    const h = harness(bucket(primaryStandby, { strategy: 'primary' }));
    fail(h, 'aws', 3);
    await h.clock.advance(1000);
    const early = new Set(Array.from({ length: 2000 }, (_, i) => `key-${i}`).filter((k) => first(h, k) === 'aws'));
    await h.clock.advance(4000);
    const later = new Set(Array.from({ length: 2000 }, (_, i) => `key-${i}`).filter((k) => first(h, k) === 'aws'));
    expect(early.size / 2000).toBeCloseTo(0.1, 1);
    expect(later.size / 2000).toBeCloseTo(0.4, 1);
    for (const k of early) expect(later.has(k)).toBe(true);
  });
});
