import { isPolycloudError, PolycloudError } from '@polycloud/core';
import { createRouter } from '@polycloud/router';
import { describe, expect, it } from 'vitest';
import { HealthTracker } from '../src/health.js';
import { parseRouterOptions, type RouterOptions } from '../src/options.js';
import { bucket, harness } from './helpers.js';

/** A tracker on a hand-moved clock (no router, no timers). */
function tracker(options: RouterOptions = {}) {
  let now = 1_000_000;
  const events: { state: string; healthy?: boolean }[] = [];
  const t = new HealthTracker(
    parseRouterOptions(options),
    () => now,
    (_e, p) => events.push(p),
    () => ({}),
  );
  return {
    t,
    h: t.binding('r', 'b'),
    events,
    at: (ms: number) => void (now = ms),
    now: () => now,
    answer: (latencyMs: number) => {
      t.onStart('r', 'b');
      t.report('r', 'b', { ok: true, latencyMs });
    },
  };
}

describe('adaptive probe deadline', () => {
  it('is the configured timeout until something answered, then max(configured, k × answer latency), capped at maxTimeoutMs', () => {
    const x = tracker();
    expect(x.t.probeTimeout(x.h, 500, x.now())).toBe(500);
    x.answer(100);
    expect(x.t.probeTimeout(x.h, 500, x.now())).toBe(500); // 2 × 100 < 500
    x.answer(800); // peak-EWMA: a slower answer replaces the estimate at once
    expect(x.t.probeTimeout(x.h, 500, x.now())).toBe(1600);
    x.answer(4000);
    expect(x.t.probeTimeout(x.h, 500, x.now())).toBe(5000); // the cap
    x.at(x.now() + 30_000); // idle: the estimate decays (τ = 10 s) → 2 × 4000 × e^−3 ≈ 398
    expect(x.t.probeTimeout(x.h, 500, x.now())).toBe(500);
  });

  it('latencyMultiplier 0 keeps the configured timeout; a configured timeout above maxTimeoutMs wins over the cap', () => {
    const fixed = tracker({ probes: { latencyMultiplier: 0 } });
    fixed.answer(3000);
    expect(fixed.t.probeTimeout(fixed.h, 500, fixed.now())).toBe(500);
    const long = tracker({ probes: { maxTimeoutMs: 1000 } });
    long.answer(3000);
    expect(long.t.probeTimeout(long.h, 2000, long.now())).toBe(2000);
  });

  it('only answers count: retryable failures (refused, timed out, cut) neither raise the deadline nor prove life; NOT_FOUND does', () => {
    const x = tracker();
    for (const code of ['UNAVAILABLE', 'TIMEOUT'] as const) {
      x.t.onStart('r', 'b');
      x.t.report('r', 'b', { ok: false, latencyMs: 3000, error: new PolycloudError(code, 'no', { retryable: true }) });
    }
    expect(x.t.probeTimeout(x.h, 500, x.now())).toBe(500);
    expect(x.t.probeLate('r', 'b', x.now() - 500, 500, x.now())).toBe('failed');
    x.t.onStart('r', 'b');
    x.t.report('r', 'b', { ok: false, latencyMs: 700, error: new PolycloudError('NOT_FOUND', 'no such key', { retryable: false }) });
    expect(x.t.probeTimeout(x.h, 500, x.now())).toBe(1400);
    expect(x.t.probeLate('r', 'b', x.now() - 500, 500, x.now())).toBe(x.now() + 1400);
  });
});

describe('a late probe: strong or weak evidence', () => {
  it('nothing answered within the deadline → failed; a call answered → look again one deadline after that answer; still late at the cap → busy', () => {
    const x = tracker();
    const start = x.now();
    x.at(start + 500);
    expect(x.t.probeLate('r', 'b', start, 500, x.now())).toBe('failed');
    x.at(start + 400);
    x.answer(10);
    x.at(start + 500);
    expect(x.t.probeLate('r', 'b', start, 500, x.now())).toBe(start + 900);
    // calls keep answering every 100 ms: the probe is given until the cap (5 s), then judged busy
    for (let t = start + 500; t < start + 5000; t += 100) {
      x.at(t);
      x.answer(10);
    }
    x.at(start + 5000);
    expect(x.t.probeLate('r', 'b', start, 500, x.now())).toBe('busy');
    // the calls stop: one deadline after the last answer the verdict is failed
    x.at(start + 5400);
    expect(x.t.probeLate('r', 'b', start + 5000, 500, x.now())).toBe('failed');
  });

  it('inBand: false restores the plain timeout: late is failed', () => {
    const x = tracker({ probes: { inBand: false } });
    x.answer(10);
    expect(x.t.probeLate('r', 'b', x.now() - 500, 500, x.now())).toBe('failed');
  });

  it('busy is neither failure nor success: it breaks a run of failures and does not bring a down binding back', () => {
    const x = tracker({ probes: { unhealthyThreshold: 2 } });
    x.t.recordProbe('r', 'b', false);
    x.t.recordProbe('r', 'b', 'busy');
    x.t.recordProbe('r', 'b', false);
    expect(x.h.probeDown).toBe(false);
    x.t.recordProbe('r', 'b', false);
    expect(x.h.probeDown).toBe(true);
    x.t.recordProbe('r', 'b', true, 5);
    x.t.recordProbe('r', 'b', 'busy');
    expect(x.h.probeDown).toBe(true);
    expect(x.h.lateProbes).toBe(1);
    x.t.recordProbe('r', 'b', true, 5);
    expect(x.h.probeDown).toBe(false); // two successes (healthyThreshold), as before
    expect(x.h.lateProbes).toBe(0);
    expect(x.events.map((e) => e.state)).toEqual(['probe-down', 'probe-up']);
  });
});

const primaryStandby = [
  { cloud: 'aws', physical_id: 'a', region: 'eu-west-1' },
  { cloud: 'azure', physical_id: 'z', region: 'westeurope', role: 'standby' },
];
const first = (h: ReturnType<typeof harness>) => h.router.route({ resource: h.doc, operation: 'write', key: 'k', tags: {} }).candidates[0]!.id;

describe('active probes with in-band signals (router clock)', () => {
  it('a hung probe while real calls answer every 100 ms is not a failure; once the calls stop answering too, the binding is marked down one deadline later', async () => {
    const h = harness(bucket(primaryStandby, { strategy: 'primary' }), { probes: { enabled: true } });
    await h.clock.advance(300);
    h.probeOk.set('aws', 'hang');
    for (let i = 0; i < 30; i++) {
      h.router.onStart?.('lb-1', 'aws');
      h.router.report('lb-1', 'aws', { ok: true, latencyMs: 50 });
      await h.clock.advance(100);
    }
    expect(h.events.filter((e) => e.event === 'health')).toEqual([]);
    expect(first(h)).toBe('aws');
    const explained = h.router.explain({ resource: h.doc, operation: 'write', key: 'k', tags: {} }).candidates.find((c) => c.binding === 'aws')!;
    expect(explained.scores['probeTimeoutMs']).toBe(500);
    expect(explained.scores['answerLatencyMs']).toBeGreaterThan(0);
    await h.clock.advance(1000);
    const down = h.events.filter((e) => e.event === 'health').map((e) => e.payload as { state: string; healthy: boolean });
    expect(down).toMatchObject([{ state: 'probe-down', healthy: false }]);
    expect(first(h)).toBe('azure');
    await h.router.close?.();
  });

  it('a binding known to answer in 1.5 s gets 2 × 1.5 s before a silent probe counts as a failure', async () => {
    const h = harness(bucket(primaryStandby, { strategy: 'primary' }), { probes: { enabled: true } });
    h.probeOk.set('aws', 'hang');
    h.router.onStart?.('lb-1', 'aws');
    h.router.report('lb-1', 'aws', { ok: true, latencyMs: 1500 }); // before the first probe starts
    await h.clock.advance(2000);
    expect(h.events.filter((e) => e.event === 'health')).toEqual([]); // the 500 ms configured timeout would have fired
    await h.clock.advance(2000); // 3 s without any answer: down
    expect(h.events.filter((e) => e.event === 'health').map((e) => (e.payload as { state: string }).state)).toEqual(['probe-down']);
    await h.router.close?.();
  });
});

describe('options', () => {
  it('validates the new probe options with CONFIG_INVALID and the path', () => {
    for (const [bad, path] of [
      [{ probes: { latencyMultiplier: -1 } }, ['probes', 'latencyMultiplier']],
      [{ probes: { maxTimeoutMs: 1 } }, ['probes', 'maxTimeoutMs']],
      [{ probes: { inBand: 'yes' } }, ['probes', 'inBand']],
    ] as const) {
      let error: unknown;
      try {
        createRouter(bad as never);
      } catch (e) {
        error = e;
      }
      expect(isPolycloudError(error, 'CONFIG_INVALID')).toBe(true);
      expect((error as PolycloudError).context.path).toEqual(path);
    }
    expect(parseRouterOptions({}).probes).toMatchObject({ latencyMultiplier: 2, maxTimeoutMs: 5000, inBand: true });
  });
});
