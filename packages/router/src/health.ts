import type { RouteOutcome } from '@polycloud/core/spi';
import type { ResolvedRouterOptions } from './options.js';

/** What one binding's signals and health look like right now. */
export class BindingHealth {
  /** Peak-EWMA latency (ms) and when it was last updated. */
  latency = 0;
  latencyAt = 0;
  samples = 0;
  /** EWMA of failures (0/1). */
  errorRate = 0;
  errorAt = 0;
  inflight = 0;
  consecutiveFailures = 0;
  /** Outlier ejection: how many times in a row, until when. */
  ejections = 0;
  ejectedUntil = -Infinity;
  /** Active probes. */
  probeDown = false;
  probeFails = 0;
  probeOks = 0;
  /** Probes in a row that were late while real calls kept answering (weak evidence, not failures). */
  lateProbes = 0;
  /**
   * In-band signs of life: when a call or probe last got an answer (a success or a
   * non-retryable error), and the peak-EWMA latency of those answers, which sets the
   * probes' adaptive deadline.
   */
  lastAnswerAt = -Infinity;
  answerLatency = 0;
  answerLatencyAt = 0;
  answerSamples = 0;
  /** Circuit breaker: ring of the last outcomes (1 = failure). */
  circuitOpen = false;
  openUntil = -Infinity;
  openCount = 0;
  trials = 0;
  readonly ring: Uint8Array;
  ringPos = 0;
  ringCount = 0;
  ringFails = 0;
  /** Failback ramp start. */
  slowStartFrom = -Infinity;
  /** A 'down' health event was emitted and no 'up' one since. */
  reportedDown = false;
  halfOpenReported = false;

  constructor(
    readonly resource: string,
    readonly binding: string,
    windowSize: number,
  ) {
    this.ring = new Uint8Array(windowSize);
  }
}

/** Per resource: its bindings' health and a version bumped on every availability change. */
export interface ResourceHealth {
  version: number;
  bindings: Map<string, BindingHealth>;
}

export type HealthState = 'ejected' | 'restored' | 'probe-down' | 'probe-up' | 'circuit-open' | 'circuit-half-open' | 'circuit-closed';

export interface HealthEventPayload {
  resource: string;
  binding: string;
  cloud?: string;
  region?: string;
  state: HealthState;
  /** Whether the binding takes traffic now (absent for half-open: trials only). */
  healthy?: boolean;
  /** Epoch ms until which the binding is out (ejection, open circuit). */
  until?: number;
  consecutiveFailures?: number;
  failureRatio?: number;
}

/**
 * Passive and active health of every binding: peak-EWMA latency, error rate,
 * in-flight count, outlier ejection with growing back-off, a circuit breaker with
 * half-open trials, and the verdict of active probes.
 */
export class HealthTracker {
  readonly #resources = new Map<string, ResourceHealth>();
  readonly #o: ResolvedRouterOptions;
  readonly #now: () => number;
  readonly #emit: (event: string, payload: HealthEventPayload) => void;
  readonly #describe: (resource: string, binding: string) => { cloud?: string; region?: string };

  constructor(
    options: ResolvedRouterOptions,
    now: () => number,
    emit: (event: string, payload: HealthEventPayload) => void,
    describe: (resource: string, binding: string) => { cloud?: string; region?: string },
  ) {
    this.#o = options;
    this.#now = now;
    this.#emit = emit;
    this.#describe = describe;
  }

  resource(resourceId: string): ResourceHealth {
    let r = this.#resources.get(resourceId);
    if (!r) this.#resources.set(resourceId, (r = { version: 0, bindings: new Map() }));
    return r;
  }

  binding(resourceId: string, bindingId: string): BindingHealth {
    const r = this.resource(resourceId);
    let h = r.bindings.get(bindingId);
    if (!h) r.bindings.set(bindingId, (h = new BindingHealth(resourceId, bindingId, this.#o.circuit.windowSize)));
    return h;
  }

  /** Usable now: probe up, not ejected, circuit closed or half-open with a free trial slot. */
  available(h: BindingHealth, now: number): boolean {
    if (h.probeDown || now < h.ejectedUntil) return false;
    if (!h.circuitOpen) return true;
    return now >= h.openUntil && h.trials < this.#o.circuit.halfOpenTrials;
  }

  /**
   * `available`, and the events of transitions that happen by time passing alone
   * (an ejection ending → 'restored', an open circuit's timer → 'circuit-half-open').
   */
  refresh(h: BindingHealth, now: number): boolean {
    const ok = this.available(h, now);
    if (ok && h.reportedDown) {
      if (h.circuitOpen) {
        if (!h.halfOpenReported) {
          h.halfOpenReported = true;
          this.#event(h, 'circuit-half-open');
        }
      } else {
        h.reportedDown = false;
        this.#event(h, 'restored');
      }
    }
    return ok;
  }

  /** Slow-start factor in (0, 1]. */
  ramp(h: BindingHealth, now: number): number {
    const { windowMs, minFactor, aggression } = this.#o.slowStart;
    const t = now - h.slowStartFrom;
    if (windowMs === 0 || t >= windowMs) return 1;
    const f = Math.max(minFactor, t / windowMs);
    return aggression === 1 ? f : f ** (1 / aggression);
  }

  /** The next instant at which `available` or `ramp` may change by itself (time passing). */
  nextChange(h: BindingHealth, now: number): number {
    let next = Infinity;
    if (h.ejectedUntil > now) next = h.ejectedUntil;
    if (h.circuitOpen && h.openUntil > now) next = Math.min(next, h.openUntil);
    const { windowMs } = this.#o.slowStart;
    if (windowMs > 0 && now - h.slowStartFrom < windowMs) next = Math.min(next, Math.max(h.slowStartFrom, now) + Math.max(10, windowMs / 100));
    return next;
  }

  /** Latency now: the peak-EWMA decayed by the time since the last sample (Finagle). */
  latencyNow(h: BindingHealth, now: number): number {
    if (h.samples === 0) return 0;
    const dt = now - h.latencyAt;
    return dt <= 0 ? h.latency : h.latency * Math.exp(-dt / this.#o.smoothing.decayMs);
  }

  errorRateNow(h: BindingHealth, now: number): number {
    const dt = now - h.errorAt;
    return dt <= 0 ? h.errorRate : h.errorRate * Math.exp(-dt / this.#o.smoothing.decayMs);
  }

  onStart(resourceId: string, bindingId: string): void {
    const h = this.binding(resourceId, bindingId);
    h.inflight++;
    if (h.circuitOpen && this.#now() >= h.openUntil) {
      h.trials++;
      if (h.trials >= this.#o.circuit.halfOpenTrials) this.resource(resourceId).version++;
    }
  }

  report(resourceId: string, bindingId: string, outcome: RouteOutcome): void {
    const h = this.binding(resourceId, bindingId);
    const now = this.#now();
    if (h.inflight > 0) h.inflight--;
    const code = outcome.error?.code;
    if (!outcome.ok && code === 'ABORTED') {
      // The caller gave up: says nothing about the binding, but a half-open trial it
      // held is over, so another trial may start.
      if (h.circuitOpen && now >= h.openUntil && h.trials > 0) {
        h.trials--;
        this.resource(resourceId).version++;
      }
      return;
    }
    // A non-retryable error (NOT_FOUND, CONDITION_NOT_MET, …) is an answer: the binding is up.
    const failed = !outcome.ok && (outcome.error === undefined || outcome.error.retryable);
    this.#sampleLatency(h, now, outcome.latencyMs);
    if (!failed) this.#answered(h, now, outcome.latencyMs);
    const w = this.#keep(now - h.errorAt);
    h.errorRate = this.errorRateNow(h, now) * w + (failed ? 1 - w : 0);
    h.errorAt = now;
    const r = this.resource(resourceId);
    if (h.circuitOpen) {
      if (now < h.openUntil) return; // attempts started before the circuit opened
      if (h.trials > 0) h.trials--;
      if (failed) this.#open(r, h, now);
      else {
        h.circuitOpen = false;
        h.openCount = 0;
        h.slowStartFrom = now;
        h.consecutiveFailures = 0;
        r.version++;
        this.#event(h, 'circuit-closed');
        h.reportedDown = !this.available(h, now);
      }
      return;
    }
    this.#push(h, failed);
    if (!failed) {
      h.consecutiveFailures = 0;
      if (h.ejections > 0 && now - h.ejectedUntil > this.#o.outlier.maxEjectionMs) h.ejections = 0;
      return;
    }
    h.consecutiveFailures++;
    const c = this.#o.circuit;
    if (h.ringCount >= c.minRequests && h.ringFails / h.ringCount >= c.failureRatio) {
      this.#open(r, h, now);
      return;
    }
    if (h.consecutiveFailures >= this.#o.outlier.consecutiveFailures && now >= h.ejectedUntil) this.#eject(r, h, now);
  }

  /** Latency of the answers (calls and probes) now: their peak-EWMA decayed since the last one. */
  answerLatencyNow(h: BindingHealth, now: number): number {
    if (h.answerSamples === 0) return 0;
    const dt = now - h.answerLatencyAt;
    return dt <= 0 ? h.answerLatency : h.answerLatency * Math.exp(-dt / this.#o.smoothing.decayMs);
  }

  /**
   * How long a probe starting now may take before it is late:
   * max(configured, latencyMultiplier × answer latency), at most max(configured, maxTimeoutMs).
   */
  probeTimeout(h: BindingHealth, configuredMs: number, now: number): number {
    const p = this.#o.probes;
    if (p.latencyMultiplier === 0 || h.answerSamples === 0) return configuredMs;
    return Math.min(Math.max(configuredMs, p.maxTimeoutMs), Math.max(configuredMs, p.latencyMultiplier * this.answerLatencyNow(h, now)));
  }

  /**
   * A probe started at `startedAt` has not answered by `now`. Strong evidence
   * ('failed') when nothing at all answered within the last deadline; weak ('busy')
   * when real calls keep answering and the probe is still late at the cap; otherwise
   * the instant to look again (the last answer + the deadline): a binding is judged
   * dead only after a whole deadline without any answer, call or probe.
   */
  probeLate(resourceId: string, bindingId: string, startedAt: number, configuredMs: number, now: number): number | 'failed' | 'busy' {
    const h = this.binding(resourceId, bindingId);
    const p = this.#o.probes;
    if (!p.inBand) return 'failed';
    const window = this.probeTimeout(h, configuredMs, now);
    if (!(h.lastAnswerAt > now - window)) return 'failed';
    const cap = startedAt + Math.max(configuredMs, p.maxTimeoutMs);
    return now >= cap ? 'busy' : Math.min(cap, h.lastAnswerAt + window);
  }

  /**
   * The verdict of one probe: `true` answered (after `latencyMs`), `false` failed or
   * late with no other sign of life, `'busy'` late while real calls kept answering
   * (neither a failure nor a success: it only breaks a run of failures).
   */
  recordProbe(resourceId: string, bindingId: string, ok: boolean | 'busy', latencyMs?: number): void {
    const h = this.binding(resourceId, bindingId);
    const p = this.#o.probes;
    if (ok === 'busy') {
      h.lateProbes++;
      h.probeFails = 0;
      return;
    }
    h.lateProbes = 0;
    if (ok) {
      if (latencyMs !== undefined) this.#answered(h, this.#now(), latencyMs);
      h.probeFails = 0;
      h.probeOks++;
      if (h.probeDown && h.probeOks >= p.healthyThreshold) {
        h.probeDown = false;
        h.slowStartFrom = this.#now();
        this.resource(resourceId).version++;
        this.#event(h, 'probe-up');
        h.reportedDown = !this.available(h, this.#now());
      }
    } else {
      h.probeOks = 0;
      h.probeFails++;
      if (!h.probeDown && h.probeFails >= p.unhealthyThreshold) {
        h.probeDown = true;
        this.resource(resourceId).version++;
        this.#event(h, 'probe-down');
      }
    }
  }

  /** Weight a new sample gets at least (so a fake clock that never moves still learns). */
  #keep(dt: number): number {
    const decay = dt <= 0 ? 1 : Math.exp(-dt / this.#o.smoothing.decayMs);
    return Math.min(decay, 1 - this.#o.smoothing.maxSampleWeight);
  }

  #sampleLatency(h: BindingHealth, now: number, rtt: number): void {
    const current = this.latencyNow(h, now);
    if (h.samples === 0 || rtt > current) h.latency = rtt;
    else {
      const w = this.#keep(now - h.latencyAt);
      h.latency = current * w + rtt * (1 - w);
    }
    h.samples++;
    h.latencyAt = now;
  }

  /** An answer (a success or a non-retryable error) from a call or a probe: a sign of life. */
  #answered(h: BindingHealth, now: number, rtt: number): void {
    h.lastAnswerAt = now;
    const current = this.answerLatencyNow(h, now);
    if (h.answerSamples === 0 || rtt > current) h.answerLatency = rtt;
    else {
      const w = this.#keep(now - h.answerLatencyAt);
      h.answerLatency = current * w + rtt * (1 - w);
    }
    h.answerSamples++;
    h.answerLatencyAt = now;
  }

  #push(h: BindingHealth, failed: boolean): void {
    const size = h.ring.length;
    if (h.ringCount === size) h.ringFails -= h.ring[h.ringPos]!;
    else h.ringCount++;
    h.ring[h.ringPos] = failed ? 1 : 0;
    h.ringFails += failed ? 1 : 0;
    h.ringPos = (h.ringPos + 1) % size;
  }

  #open(r: ResourceHealth, h: BindingHealth, now: number): void {
    const c = this.#o.circuit;
    const ratio = h.ringCount ? h.ringFails / h.ringCount : 1;
    h.circuitOpen = true;
    h.openUntil = now + Math.min(c.maxOpenMs, c.openMs * 2 ** Math.min(h.openCount, 30));
    h.openCount++;
    h.trials = 0;
    h.halfOpenReported = false;
    h.ring.fill(0);
    h.ringPos = h.ringCount = h.ringFails = 0;
    h.slowStartFrom = h.openUntil;
    r.version++;
    this.#event(h, 'circuit-open', { until: h.openUntil, failureRatio: ratio });
  }

  #eject(r: ResourceHealth, h: BindingHealth, now: number): void {
    const o = this.#o.outlier;
    let ejected = 0;
    for (const other of r.bindings.values()) if (other !== h && now < other.ejectedUntil) ejected++;
    const allowed = Math.max(1, Math.floor(o.maxEjectedFraction * r.bindings.size));
    if (o.maxEjectedFraction === 0 || ejected + 1 > allowed) return;
    h.ejections++;
    h.ejectedUntil = now + Math.min(o.maxEjectionMs, o.baseEjectionMs * 2 ** Math.min(h.ejections - 1, 30));
    h.slowStartFrom = h.ejectedUntil;
    const failures = h.consecutiveFailures;
    h.consecutiveFailures = 0;
    r.version++;
    this.#event(h, 'ejected', { until: h.ejectedUntil, consecutiveFailures: failures });
  }

  #event(h: BindingHealth, state: HealthState, extra: Partial<HealthEventPayload> = {}): void {
    const d = this.#describe(h.resource, h.binding);
    const down = state === 'ejected' || state === 'probe-down' || state === 'circuit-open';
    if (down) h.reportedDown = true;
    const healthy = state === 'circuit-half-open' ? undefined : down ? false : this.available(h, this.#now());
    this.#emit('health', {
      resource: h.resource,
      binding: h.binding,
      ...(d.cloud ? { cloud: d.cloud } : {}),
      ...(d.region ? { region: d.region } : {}),
      state,
      ...(healthy === undefined ? {} : { healthy }),
      ...extra,
    });
  }
}
