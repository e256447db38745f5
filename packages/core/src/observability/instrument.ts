import {
  type Attributes,
  createNoopMeter,
  type MeterProvider,
  metrics,
  type ObservableResult,
  ProxyTracerProvider,
  SpanKind,
  SpanStatusCode,
  trace,
  type TracerProvider,
} from '@opentelemetry/api';
import type { EventEmitter } from 'eventemitter3';
import type { PolycloudEvents } from '../events.js';
import type { UrmDocument } from '../urm/resources.js';
import { BindingStates, type BindingTelemetry, type CircuitState } from './binding-state.js';
import { createRedactingLogger, type Logger } from './logger.js';
import { cloudProviderOf, POLYCLOUD_METRICS, type PolycloudMetricName } from './metrics.js';
import { CORE_VERSION } from '../version.js';

export interface TelemetryOptions {
  /** Where metrics go. Default: the global one (`metrics.getMeterProvider()`), a no-op unless the host installed an SDK. */
  meterProvider?: MeterProvider;
  /** Where spans go. Default: the global one, a no-op unless the host installed an SDK. */
  tracerProvider?: TracerProvider;
  /** Where event log lines go (redacted). Default: silent. */
  logger?: Logger;
  /**
   * A lag value not refreshed by a `lag` event for this long reads 0: the sync engine
   * reports lag only while it is over the objective (about once a second), so silence
   * means it caught up — an old value would otherwise stay, and its alert keep firing.
   * `watchReplication` keeps the value exact. Default 120 s.
   */
  lagStaleMs?: number;
}

/** A subscription of metrics, spans and logs to one instance's events. */
export interface PolycloudTelemetry {
  /** What is known now about every binding: health, circuit, lag, backlog, usage, counts. */
  snapshot(): BindingTelemetry[];
  /** Unsubscribes from the events and the metric callbacks. Idempotent. */
  close(): void;
}

type Payload = Record<string, unknown>;
/** What `trace.getTracerProvider().getDelegate()` answers while no SDK is registered. */
const NOOP_TRACER_PROVIDER = new ProxyTracerProvider().getDelegate();
const str = (v: unknown): string | undefined => (typeof v === 'string' && v !== '' ? v : undefined);
const num = (v: unknown): number | undefined => (typeof v === 'number' && Number.isFinite(v) ? v : undefined);
/** The logical resource: `resource`, or `bucket` as the sync engine names it. */
const res = (p: Payload): string | undefined => str(p['resource']) ?? str(p['bucket']);
const code = (e: unknown): string | undefined => str((e as { code?: unknown } | undefined)?.code) ?? (e ? 'UNEXPECTED' : undefined);

const CIRCUIT_VALUE: Record<CircuitState, number> = { closed: 0, 'half-open': 1, open: 2 };

function circuitOf(state: string | undefined): CircuitState | undefined {
  if (!state) return undefined;
  const s = state.replace(/^circuit-/, '').replace('_', '-');
  return s === 'open' || s === 'closed' || s === 'half-open' ? s : undefined;
}

/**
 * Derives OpenTelemetry metrics and spans, and log lines, from a polycloud
 * instance's events (see docs/observability.md and {@link POLYCLOUD_METRICS}).
 * Uses only `@opentelemetry/api`: without an SDK in the host everything is a no-op.
 * Handlers accept payloads with missing fields: what is missing is left out.
 */
export function instrumentPolycloud(
  polycloud: { events: EventEmitter<PolycloudEvents>; resources: readonly UrmDocument[] },
  options: TelemetryOptions = {},
): PolycloudTelemetry {
  const meter = (options.meterProvider ?? metrics.getMeterProvider()).getMeter('@polycloud/core', CORE_VERSION);
  const tracerProvider = options.tracerProvider ?? trace.getTracerProvider();
  const tracer = tracerProvider.getTracer('@polycloud/core', CORE_VERSION);
  // Per-operation work is skipped for what nobody collects. Metrics: the meter is fixed
  // now (the API has no proxy for meters), so a no-op meter stays one. Traces: the
  // global provider is a proxy an SDK may be registered behind later, so it is
  // looked at again at most once a second.
  const metricsOn = meter !== createNoopMeter();
  let tracingOn = true;
  let tracingCheckedAt = -Infinity;
  let sinceCheck = 0;
  const tracing = (now: number): boolean => {
    if (!(tracerProvider instanceof ProxyTracerProvider)) return true;
    // Every second, and every 256 operations (a clock frozen by fake timers never moves).
    if (now - tracingCheckedAt >= 1000 || ++sinceCheck >= 256) {
      tracingCheckedAt = now;
      sinceCheck = 0;
      tracingOn = tracerProvider.getDelegate() !== NOOP_TRACER_PROVIDER;
    }
    return tracingOn;
  };
  const log = createRedactingLogger(options.logger);
  const lagStaleMs = options.lagStaleMs ?? 120_000;
  const states = new BindingStates(polycloud.resources);
  const def = (name: PolycloudMetricName) => POLYCLOUD_METRICS.find((m) => m.name === name)!;
  const counter = (name: PolycloudMetricName) => meter.createCounter(name, { unit: def(name).unit, description: def(name).description });

  const duration = meter.createHistogram('polycloud.operation.duration', {
    unit: 's',
    description: def('polycloud.operation.duration').description,
    advice: { explicitBucketBoundaries: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60] },
  });
  const operations = counter('polycloud.operations');
  const bytes = counter('polycloud.operation.bytes');
  const decisions = counter('polycloud.route.decisions');
  const retries = counter('polycloud.retries');
  const failovers = counter('polycloud.failovers');
  const replicated = counter('polycloud.replication.objects');
  const replicatedBytes = counter('polycloud.replication.bytes');
  const conflicts = counter('polycloud.replication.conflicts');
  const jobs = counter('polycloud.job.transitions');

  const gauge = (name: PolycloudMetricName) => meter.createObservableGauge(name, { unit: def(name).unit, description: def(name).description });
  const gauges = {
    health: gauge('polycloud.binding.health'),
    circuit: gauge('polycloud.circuit.state'),
    lag: gauge('polycloud.replication.lag'),
    objective: gauge('polycloud.replication.lag_objective'),
    backlog: gauge('polycloud.replication.backlog'),
    usage: gauge('polycloud.storage.usage'),
    quota: gauge('polycloud.storage.quota'),
  };
  const objectives = polycloud.resources.flatMap((r) =>
    r.type === 'LogicalBucket' && r.replication.mode !== 'none' ? [[r.resource_id, r.replication.lag_objective_ms / 1000] as const] : [],
  );
  const observe = (result: ObservableResult, pick: (s: BindingTelemetry) => number | undefined) => {
    for (const s of states.all()) {
      const v = pick(s);
      if (v !== undefined) result.observe(v, { 'polycloud.resource': s.resource, 'polycloud.binding': s.binding });
    }
  };
  const callbacks: [typeof gauges.health, (r: ObservableResult) => void][] = [
    [gauges.health, (r) => observe(r, (s) => (s.healthy === undefined ? undefined : s.healthy ? 1 : 0))],
    [gauges.circuit, (r) => observe(r, (s) => (s.circuit ? CIRCUIT_VALUE[s.circuit] : undefined))],
    // A lag not refreshed for lagStaleMs reads 0: the engine reports lag only while over the objective.
    [gauges.lag, (r) => observe(r, (s) => (s.lagAt === undefined ? undefined : Date.now() - s.lagAt <= lagStaleMs ? s.lagSeconds : 0))],
    [gauges.backlog, (r) => observe(r, (s) => s.backlog)],
    [gauges.usage, (r) => observe(r, (s) => s.usageBytes)],
    [gauges.quota, (r) => observe(r, (s) => s.quotaBytes)],
    [gauges.objective, (r) => objectives.forEach(([resource, seconds]) => r.observe(seconds, { 'polycloud.resource': resource }))],
  ];
  for (const [g, cb] of callbacks) g.addCallback(cb);

  const handlers: Record<string, (p: Payload) => void> = {
    operation(p) {
      const resource = res(p) ?? 'unknown';
      const binding = str(p['binding']) ?? 'unknown';
      const adapter = str(p['provider']);
      const operation = str(p['operation']) ?? 'unknown';
      const error = p['ok'] === false ? code(p['error']) : undefined;
      const s = states.get(resource, binding);
      s.operations++;
      if (adapter) s.adapter = adapter;
      if (error) {
        s.errors++;
        s.lastError = error;
      }
      const end = Date.now();
      const traced = tracing(end);
      if (!metricsOn && !traced && !log.active) return;
      // Built without spreads: this runs once per operation.
      const attrs: Attributes = { 'polycloud.resource': resource, 'polycloud.binding': binding, 'polycloud.operation': operation };
      if (adapter) {
        attrs['polycloud.adapter'] = adapter;
        attrs['cloud.provider'] = cloudProviderOf(adapter);
      }
      const all = error ? { ...attrs, 'error.type': error } : attrs;
      const ms = num(p['durationMs']);
      if (ms !== undefined) duration.record(ms / 1000, all);
      operations.add(1, all);
      const b = num(p['bytes']);
      if (b !== undefined && b > 0 && p['ok'] !== false) bytes.add(b, attrs);
      if (traced) {
        // Every attribute goes on at start, where samplers see it.
        const attempt = num(p['attempt']);
        const span = tracer.startSpan(`${operation} ${resource}`, {
          kind: SpanKind.CLIENT,
          startTime: end - (ms ?? 0),
          attributes: attempt ? { ...all, 'polycloud.attempt': attempt } : all,
        });
        if (error) span.setStatus({ code: SpanStatusCode.ERROR, message: error });
        span.end(end);
      }
      if (log.active)
        log.log(
          'debug',
          { resource, binding, operation, ok: !error, durationMs: ms, ...(error ? { error: error } : {}) },
          `${operation} on ${resource}/${binding} ${error ? `failed (${error})` : 'ok'}`,
        );
    },
    route(p) {
      const resource = res(p) ?? 'unknown';
      const chosen = str(p['chosen']) ?? str((p['explanation'] as Payload | undefined)?.['chosen']) ?? 'none';
      decisions.add(1, { 'polycloud.resource': resource, 'polycloud.binding': chosen, 'polycloud.operation': str(p['operation']) ?? 'unknown' });
    },
    retry(p) {
      const error = code(p['error']);
      retries.add(1, {
        'polycloud.resource': res(p) ?? 'unknown',
        'polycloud.operation': str(p['operation']) ?? 'unknown',
        ...(error ? { 'error.type': error } : {}),
      });
      log.log(
        'debug',
        { resource: res(p), operation: p['operation'], attempt: p['attempt'], delayMs: p['delayMs'], error },
        `retrying ${String(p['operation'])} on ${res(p) ?? 'unknown'}`,
      );
    },
    failover(p) {
      const error = code(p['error']);
      const from = str(p['from']) ?? 'unknown';
      const to = str(p['to']) ?? 'unknown';
      failovers.add(1, {
        'polycloud.resource': res(p) ?? 'unknown',
        'polycloud.operation': str(p['operation']) ?? 'unknown',
        'polycloud.binding.from': from,
        'polycloud.binding': to,
        ...(error ? { 'error.type': error } : {}),
      });
      log.log(
        'warn',
        { resource: res(p), operation: p['operation'], from, to, error },
        `failover on ${res(p) ?? 'unknown'}: ${from} → ${to} (${error ?? 'error'})`,
      );
    },
    error(p) {
      const error = code(p['error']);
      const quiet = error === 'NOT_FOUND' || error === 'CONDITION_NOT_MET' || error === 'ALREADY_EXISTS';
      log.log(
        quiet ? 'debug' : 'warn',
        { resource: res(p), operation: p['operation'], key: p['key'], error: p['error'] },
        `${String(p['operation'])} on ${res(p) ?? 'unknown'} failed (${error ?? 'error'})`,
      );
    },
    health(p) {
      const resource = res(p);
      const binding = str(p['binding']);
      if (!resource || !binding) return;
      const s = states.get(resource, binding);
      const state = str(p['state']);
      if (state) s.healthState = state;
      const healthy = typeof p['healthy'] === 'boolean' ? p['healthy'] : state ? !/down|eject|open|unhealthy/.test(state) : undefined;
      if (healthy !== undefined) s.healthy = healthy;
      const circuit = circuitOf(state);
      if (circuit) s.circuit = circuit;
      log.log(healthy === false ? 'warn' : 'info', { resource, binding, state }, `${resource}/${binding}: ${state ?? (healthy ? 'healthy' : 'unhealthy')}`);
    },
    circuit(p) {
      const resource = res(p);
      const binding = str(p['binding']);
      const circuit = circuitOf(str(p['state']));
      if (!resource || !binding || !circuit) return;
      const s = states.get(resource, binding);
      s.circuit = circuit;
      if (circuit === 'open') s.healthy = false;
      log.log(circuit === 'open' ? 'warn' : 'info', { resource, binding, circuit }, `${resource}/${binding}: circuit ${circuit}`);
    },
    replicated(p) {
      const resource = res(p) ?? 'unknown';
      const binding = str(p['binding']) ?? str(p['to']) ?? str(p['target']) ?? 'unknown';
      const attrs = { 'polycloud.resource': resource, 'polycloud.binding': binding };
      replicated.add(1, { ...attrs, 'polycloud.replication.action': str(p['action']) ?? str(p['op']) ?? 'put' });
      const b = num(p['bytes']);
      if (b !== undefined && b > 0) replicatedBytes.add(b, attrs);
      const lag = num(p['lagMs']);
      if (lag !== undefined) {
        const st = states.get(resource, binding);
        st.lagSeconds = lag / 1000;
        st.lagAt = Date.now();
      }
    },
    lag(p) {
      const resource = res(p);
      if (!resource) return;
      const bindings = str(p['binding']) ?? str(p['to']) ?? str(p['target']);
      const lagMs = num(p['lagMs']) ?? (num(p['lagSeconds']) === undefined ? undefined : num(p['lagSeconds'])! * 1000);
      const backlog = num(p['backlog']) ?? num(p['pending']);
      const targets = bindings
        ? [bindings]
        : states
            .all()
            .filter((s) => s.resource === resource)
            .map((s) => s.binding);
      for (const b of targets) {
        const s = states.get(resource, b);
        if (lagMs !== undefined) {
          s.lagSeconds = lagMs / 1000;
          s.lagAt = Date.now();
        }
        if (backlog !== undefined) s.backlog = backlog;
      }
    },
    conflict(p) {
      const resolution = str(p['resolution']) ?? str(p['policy']) ?? str(p['outcome']) ?? 'unknown';
      conflicts.add(1, { 'polycloud.resource': res(p) ?? 'unknown', 'polycloud.conflict.resolution': resolution });
      log.log('info', { resource: res(p), key: p['key'], resolution, winner: p['winner'] }, `conflict on ${res(p) ?? 'unknown'} resolved by ${resolution}`);
    },
    job(p) {
      const state = str(p['type']) ?? str((p['status'] as Payload | undefined)?.['state'])?.toLowerCase() ?? 'unknown';
      jobs.add(1, { 'polycloud.resource': res(p) ?? 'unknown', 'polycloud.binding': str(p['binding']) ?? 'unknown', 'polycloud.job.state': state });
      log.log(
        state === 'failed' ? 'warn' : 'info',
        { resource: res(p), binding: p['binding'], jobId: p['jobId'], state },
        `job ${String(p['jobId'])} on ${res(p) ?? 'unknown'}: ${state}`,
      );
    },
    warning(p) {
      log.log('warn', { resource: res(p), binding: p['binding'], code: p['code'] }, str(p['message']) ?? `warning: ${str(p['code']) ?? 'unknown'}`);
    },
    usage(p) {
      const resource = res(p);
      const binding = str(p['binding']);
      const b = num(p['bytes']);
      if (resource && binding && b !== undefined) states.get(resource, binding).usageBytes = b;
    },
  };

  const events = polycloud.events as unknown as EventEmitter<Record<string, unknown[]>>;
  const safe = Object.fromEntries(
    Object.entries(handlers).map(([name, h]) => [
      name,
      (p: unknown) => {
        try {
          if (p && typeof p === 'object') h(p as Payload);
        } catch {
          // Telemetry never breaks an operation.
        }
      },
    ]),
  );
  for (const [name, h] of Object.entries(safe)) events.on(name, h);
  let closed = false;
  return {
    snapshot: () => states.all(),
    close() {
      if (closed) return;
      closed = true;
      for (const [name, h] of Object.entries(safe)) events.off(name, h);
      for (const [g, cb] of callbacks) g.removeCallback(cb);
    },
  };
}
