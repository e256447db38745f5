/**
 * The shipped alert rules and dashboard against what a real exporter serves.
 *
 * Each scenario runs a polycloud instance on memory adapters with a real
 * OpenTelemetry MeterProvider and `@opentelemetry/exporter-prometheus`, does real
 * operations minute by simulated minute, and scrapes the exporter over HTTP after each
 * minute. The scraped samples become promtool `input_series` (one sample a minute),
 * and `promtool test rules` checks docs/observability/alerts.yml on them: every alert
 * fires on its condition and none fires on normal traffic that has 10 % NOT_FOUND.
 *
 * Real operations: puts and gets (with misses), injected failures (the test kit's
 * fault-injecting adapter), slow reads (an adapter that moves the instance's clock),
 * failovers, bytes stored (measureBucketUsage) against a `quota` tag, route decisions
 * (@polycloud/router). Fed through `polycloud.events` in the shapes their emitters
 * use: router health/circuit changes, replication lag and backlog (watchReplication's
 * `lag`), conflicts and replicated objects (the sync engine), job transitions
 * (LogicalCluster).
 *
 * Needs `promtool` (Debian's `prometheus` package; .ci/run installs it): without it
 * the promtool case is skipped, saying so.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { PrometheusExporter } from '@opentelemetry/exporter-prometheus';
import { MeterProvider } from '@opentelemetry/sdk-metrics';
import { parse, stringify } from 'yaml';
import { beforeAll, describe, expect, it } from 'vitest';
import { createPolycloud, measureBucketUsage, type Polycloud, PolycloudError } from '@polycloud/core';
import type { StorageAdapter } from '@polycloud/core/spi';
import { createFakeClock, createFaultInjectingStorageAdapter, createMemoryStorageAdapter, type FakeClock } from '@polycloud/core/testing';
import { createRouter } from '@polycloud/router';
import { createSync } from '@polycloud/sync';
import { prometheusSeriesNames } from '../src/observability/metrics.js';

const docs = (p: string) => fileURLToPath(new URL(`../../../docs/${p}`, import.meta.url));
const ALERTS = docs('observability/alerts.yml');
const DASHBOARD = docs('observability/grafana-dashboard.json');

const promtoolVersion = (() => {
  const r = spawnSync('promtool', ['--version'], { encoding: 'utf8' });
  return r.status === 0 ? r.stdout.split('\n')[0]! : undefined;
})();

// ---------------------------------------------------------------- exporter and scraping

/** A real exporter behind a real HTTP server on 127.0.0.1 (ephemeral port). */
async function startExporter() {
  const exporter = new PrometheusExporter({ preventServerStart: true });
  const meterProvider = new MeterProvider({ readers: [exporter] });
  const server = createServer((req, res) => exporter.getMetricsRequestHandler(req, res));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/metrics`;
  return {
    meterProvider,
    async scrape(): Promise<string> {
      const res = await fetch(url);
      expect(res.status).toBe(200);
      return res.text();
    },
    async close() {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await meterProvider.shutdown();
    },
  };
}

/** Labels Prometheus adds to every scraped series. */
const TARGET = 'job="my-service",instance="my-service:9464"';

/** `name{labels}` → value, from the text exposition format (with the target's labels added). */
function parseExposition(text: string): Map<string, number> {
  const out = new Map<string, number>();
  for (const line of text.split('\n')) {
    if (line === '' || line.startsWith('#')) continue;
    const m = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})?\s+(\S+)(?:\s+-?\d+)?$/.exec(line);
    if (!m) throw new Error(`unparsed exposition line: ${line}`);
    const labels = m[2] ? `${m[2].replace(/,$/, '')},${TARGET}` : TARGET;
    out.set(`${m[1]}{${labels}}`, Number(m[3]));
  }
  return out;
}

/** The labels of a series key, as a map (values unescaped). */
function labelsOf(series: string): Record<string, string> {
  const inner = /\{(.*)\}$/.exec(series)![1]!;
  return Object.fromEntries([...inner.matchAll(/([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"/g)].map((m) => [m[1]!, m[2]!.replace(/\\(.)/g, '$1')]));
}
const nameOf = (series: string) => series.slice(0, series.indexOf('{'));

interface Recording {
  /** One scrape per simulated minute. */
  scrapes: Map<string, number>[];
  raw: string[];
}

/** Runs `minute(i)` for i = 0 … minutes−1, scraping the exporter after each. */
async function record(exporter: Awaited<ReturnType<typeof startExporter>>, minutes: number, minute: (i: number) => Promise<void>): Promise<Recording> {
  const rec: Recording = { scrapes: [], raw: [] };
  for (let i = 0; i < minutes; i++) {
    await minute(i);
    const text = await exporter.scrape();
    rec.raw.push(text);
    rec.scrapes.push(parseExposition(text));
  }
  return rec;
}

/** promtool input_series: every scraped series, one value a minute (`_` before it first appeared). */
function inputSeries(rec: Recording): { series: string; values: string }[] {
  const keys = new Set(rec.scrapes.flatMap((s) => [...s.keys()]));
  return [...keys].map((series) => ({ series, values: rec.scrapes.map((s) => (s.has(series) ? String(s.get(series)) : '_')).join(' ') }));
}

// ---------------------------------------------------------------- the instances

const RETRY = { maxAttempts: 1, baseDelayMs: 1, maxDelayMs: 1 };

function bucketResource(extra: Record<string, unknown> = {}) {
  return {
    resource_id: 'lb',
    type: 'LogicalBucket' as const,
    providers: [
      { cloud: 'aws', physical_id: 'ba', tags: { quota: '1Ki' } },
      { cloud: 'gcp', physical_id: 'bb' },
    ],
    replication: { mode: 'async' as const, lag_objective_ms: 60_000 },
    ...extra,
  };
}

const ALERT_NAMES = [
  'PolycloudReplicationLagOverObjective',
  'PolycloudReplicationBacklogGrowing',
  'PolycloudConflictsSpike',
  'PolycloudHighErrorRate',
  'PolycloudCircuitOpen',
  'PolycloudBindingUnhealthy',
  'PolycloudFailoverHappened',
  'PolycloudSlowOperations',
  'PolycloudBucketNearQuota',
  'PolycloudJobsFailing',
] as const;
type AlertName = (typeof ALERT_NAMES)[number];

interface AlertCase {
  eval_time: string;
  alertname: AlertName;
  exp_alerts: { exp_labels: Record<string, string> }[];
}
interface Scenario {
  name: string;
  rec: Recording;
  alerts: AlertCase[];
}

/** A LogicalCluster's `job` event for a job ending in `state`. */
function jobEvent(pc: Polycloud, jobId: string, state: 'SUCCEEDED' | 'FAILED'): void {
  pc.events.emit('job', {
    resource: 'cluster',
    binding: 'aws',
    jobId,
    idempotencyKey: jobId,
    type: state === 'FAILED' ? 'failed' : 'succeeded',
    status: { jobId, state },
  });
}

/** 100 attempts a minute: 45 puts, 45 gets of existing keys, 10 gets of missing keys (NOT_FOUND). */
async function normalTraffic(pc: Polycloud, minute: number, bytes = 10): Promise<void> {
  const b = pc.bucket('lb');
  for (let k = 0; k < 45; k++) await b.put(`k${k}`, 'x'.repeat(bytes));
  for (let k = 0; k < 45; k++) await (await b.get(`k${k}`)).text();
  for (let k = 0; k < 10; k++) {
    await expect(b.get(`missing-${minute}-${k}`)).rejects.toMatchObject({ code: 'NOT_FOUND' });
  }
}

/** Normal traffic for 30 minutes: nothing may fire. */
async function normalScenario(): Promise<Scenario> {
  const exporter = await startExporter();
  const pc = createPolycloud({
    providers: [
      { name: 'aws', adapter: createMemoryStorageAdapter({ name: 'a', buckets: ['ba'] }) },
      { name: 'gcp', adapter: createMemoryStorageAdapter({ name: 'b', buckets: ['bb'] }) },
    ],
    resources: [bucketResource()],
    sync: createSync(),
    router: createRouter({ probes: { enabled: false }, events: { sampleRate: 1 } }),
    retry: RETRY,
    meterProvider: exporter.meterProvider,
  });
  try {
    const rec = await record(exporter, 30, async (minute) => {
      await normalTraffic(pc, minute);
      // A create-only put that loses (ALREADY_EXISTS): an answer, not a fault.
      await expect(pc.bucket('lb').put('k0', 'y', { ifNoneMatch: '*' })).rejects.toMatchObject({ code: 'ALREADY_EXISTS' });
      await measureBucketUsage(pc, 'lb'); // 45 × 10 B of a 1 KiB quota: 44 %
      for (const binding of ['aws', 'gcp']) pc.events.emit('health', { resource: 'lb', binding, state: 'probe-up', healthy: true });
      pc.events.emit('circuit', { resource: 'lb', binding: 'aws', state: 'closed' });
      // watchReplication's report: well under the 60 s objective, a steady small backlog.
      pc.events.emit('lag', { resource: 'lb', binding: 'gcp', lagMs: 2_000, backlog: 5 });
      pc.events.emit('replicated', { bucket: 'lb', binding: 'gcp', action: 'put', bytes: 10 });
      if (minute % 5 === 0) pc.events.emit('conflict', { bucket: 'lb', key: 'k1', policy: 'last-writer-wins' });
      jobEvent(pc, `j${minute}`, 'SUCCEEDED');
      if (minute === 10) jobEvent(pc, 'jf', 'FAILED');
    });
    const silent = (t: string) => ALERT_NAMES.map((alertname) => ({ eval_time: t, alertname, exp_alerts: [] }));
    return { name: 'normal traffic, 10 % NOT_FOUND', rec, alerts: [...silent('10m'), ...silent('20m'), ...silent('29m')] };
  } finally {
    await pc.close();
    await exporter.close();
  }
}

/** 20 % of attempts on `aws` fail UNAVAILABLE (injected), besides 10 % NOT_FOUND. */
async function faultsScenario(): Promise<Scenario> {
  const exporter = await startExporter();
  const aws = createFaultInjectingStorageAdapter(createMemoryStorageAdapter({ name: 'a', buckets: ['ba'] }), { seed: 7, errorRate: 0.2 });
  const pc = createPolycloud({
    providers: [{ name: 'aws', adapter: aws }],
    resources: [{ resource_id: 'lb', type: 'LogicalBucket', providers: [{ cloud: 'aws', physical_id: 'ba' }] }],
    // A second attempt after an injected failure: retries are counted too.
    retry: { maxAttempts: 2, baseDelayMs: 1, maxDelayMs: 1 },
    meterProvider: exporter.meterProvider,
  });
  try {
    const rec = await record(exporter, 12, async (minute) => {
      const b = pc.bucket('lb');
      for (let k = 0; k < 90; k++) await b.put(`k${k}`, 'x').catch(expectCode('UNAVAILABLE'));
      for (let k = 0; k < 10; k++) await b.get(`missing-${minute}-${k}`).catch(expectCode('NOT_FOUND', 'UNAVAILABLE'));
    });
    const ops = Object.values(aws.stats().errors).reduce((a, b) => a + b, 0);
    expect(ops).toBeGreaterThan(100); // about 20 % of 1200 attempts
    return {
      name: 'injected UNAVAILABLE on 20 % of attempts',
      rec,
      alerts: [
        {
          eval_time: '11m',
          alertname: 'PolycloudHighErrorRate',
          exp_alerts: [{ exp_labels: { severity: 'warning', polycloud_resource: 'lb', polycloud_binding: 'aws' } }],
        },
        { eval_time: '11m', alertname: 'PolycloudSlowOperations', exp_alerts: [] },
      ],
    };
  } finally {
    await pc.close();
    await exporter.close();
  }
}

function expectCode(...codes: string[]) {
  return (e: unknown) => {
    if (!(e instanceof PolycloudError) || !codes.includes(e.code)) throw e;
  };
}

/** Reads take 3 s (the adapter moves the instance's clock): p99 of `read` above 2 s. */
async function slowScenario(): Promise<Scenario> {
  const exporter = await startExporter();
  const clock: FakeClock = createFakeClock();
  const inner = createMemoryStorageAdapter({ name: 'a', buckets: ['ba'] });
  const slowGet: StorageAdapter['get'] = async (...args) => {
    await clock.advance(3_000);
    return inner.get(...args);
  };
  const slow = new Proxy(inner, {
    get(target, prop) {
      if (prop === 'get') return slowGet;
      const v: unknown = Reflect.get(target, prop, target);
      return typeof v === 'function' ? (v as (...a: unknown[]) => unknown).bind(target) : v;
    },
  }) as StorageAdapter;
  const pc = createPolycloud({
    providers: [{ name: 'aws', adapter: slow }],
    resources: [{ resource_id: 'lb', type: 'LogicalBucket', providers: [{ cloud: 'aws', physical_id: 'ba' }] }],
    retry: RETRY,
    clock,
    meterProvider: exporter.meterProvider,
  });
  try {
    const rec = await record(exporter, 14, async () => {
      const b = pc.bucket('lb');
      for (let k = 0; k < 20; k++) await b.put(`k${k}`, 'x');
      for (let k = 0; k < 5; k++) await (await b.get(`k${k}`)).text();
    });
    return {
      name: 'reads taking 3 s',
      rec,
      alerts: [
        {
          eval_time: '13m',
          alertname: 'PolycloudSlowOperations',
          exp_alerts: [{ exp_labels: { severity: 'warning', polycloud_resource: 'lb', polycloud_binding: 'aws', polycloud_operation: 'read' } }],
        },
        { eval_time: '13m', alertname: 'PolycloudHighErrorRate', exp_alerts: [] },
      ],
    };
  } finally {
    await pc.close();
    await exporter.close();
  }
}

/**
 * `aws` goes down at minute 2: the first put fails over to `gcp`, the next ones go to
 * `gcp` directly (the failed binding is avoided); the router reports the circuit open.
 */
async function outageScenario(): Promise<Scenario> {
  const exporter = await startExporter();
  const aws = createFaultInjectingStorageAdapter(createMemoryStorageAdapter({ name: 'a', buckets: ['ba'] }), {});
  const pc = createPolycloud({
    providers: [
      { name: 'aws', adapter: aws },
      { name: 'gcp', adapter: createMemoryStorageAdapter({ name: 'b', buckets: ['bb'] }) },
    ],
    resources: [bucketResource({ replication: { mode: 'none', lag_objective_ms: 60_000 } })],
    // Two attempts per operation: the second is the failover.
    retry: { maxAttempts: 2, baseDelayMs: 1, maxDelayMs: 1 },
    meterProvider: exporter.meterProvider,
  });
  try {
    const rec = await record(exporter, 10, async (minute) => {
      if (minute === 2) {
        aws.outage(true);
        // What @polycloud/router emits when the breaker opens.
        pc.events.emit('health', { resource: 'lb', binding: 'aws', state: 'circuit-open' });
      }
      const b = pc.bucket('lb');
      for (let k = 0; k < 20; k++) await b.put(`k${k}`, 'x');
    });
    const one = (name: string) => [...rec.scrapes.at(-1)!.keys()].find((s) => nameOf(s) === name && labelsOf(s)['polycloud_binding'] === 'aws')!;
    const seriesLabels = (name: string) => {
      const { __name__: _, ...l } = labelsOf(one(name));
      return l;
    };
    return {
      name: 'aws down from minute 2',
      rec,
      alerts: [
        { eval_time: '1m', alertname: 'PolycloudFailoverHappened', exp_alerts: [] },
        {
          eval_time: '4m',
          alertname: 'PolycloudFailoverHappened',
          exp_alerts: [{ exp_labels: { severity: 'info', polycloud_resource: 'lb', polycloud_binding_from: 'aws', polycloud_binding: 'gcp' } }],
        },
        {
          eval_time: '4m',
          alertname: 'PolycloudCircuitOpen',
          exp_alerts: [{ exp_labels: { severity: 'critical', ...seriesLabels('polycloud_circuit_state') } }],
        },
        { eval_time: '2m', alertname: 'PolycloudBindingUnhealthy', exp_alerts: [] },
        {
          eval_time: '5m',
          alertname: 'PolycloudBindingUnhealthy',
          exp_alerts: [{ exp_labels: { severity: 'warning', ...seriesLabels('polycloud_binding_health') } }],
        },
        // One failover, then traffic stays on gcp: firing for the 5 minutes after it.
        { eval_time: '8m', alertname: 'PolycloudFailoverHappened', exp_alerts: [] },
      ],
    };
  } finally {
    await pc.close();
    await exporter.close();
  }
}

/** Bytes stored grow to 95 % of the 1 KiB quota and stay there; a DataJob fails every minute. */
async function capacityScenario(): Promise<Scenario> {
  const exporter = await startExporter();
  const pc = createPolycloud({
    providers: [
      { name: 'aws', adapter: createMemoryStorageAdapter({ name: 'a', buckets: ['ba'] }) },
      { name: 'gcp', adapter: createMemoryStorageAdapter({ name: 'b', buckets: ['bb'] }) },
    ],
    resources: [bucketResource()],
    sync: createSync(),
    retry: RETRY,
    meterProvider: exporter.meterProvider,
  });
  try {
    const rec = await record(exporter, 16, async (minute) => {
      // 97 B a minute for 10 minutes: 873 B (85 %) at 8 m, 970 B (95 %) from 9 m on.
      if (minute < 10) await pc.bucket('lb').put(`blob-${minute}`, 'x'.repeat(97));
      await measureBucketUsage(pc, 'lb');
      jobEvent(pc, `j${minute}`, 'FAILED');
    });
    return {
      name: 'bucket filling up, jobs failing',
      rec,
      alerts: [
        // Above 90 % from 9 m: firing 5 minutes later.
        { eval_time: '13m', alertname: 'PolycloudBucketNearQuota', exp_alerts: [] },
        {
          eval_time: '15m',
          alertname: 'PolycloudBucketNearQuota',
          exp_alerts: [{ exp_labels: { severity: 'warning', polycloud_resource: 'lb', polycloud_binding: 'aws' } }],
        },
        { eval_time: '2m', alertname: 'PolycloudJobsFailing', exp_alerts: [] },
        { eval_time: '5m', alertname: 'PolycloudJobsFailing', exp_alerts: [{ exp_labels: { severity: 'warning', polycloud_resource: 'cluster' } }] },
      ],
    };
  } finally {
    await pc.close();
    await exporter.close();
  }
}

/** Replication falling behind: lag 5 min against a 1 min objective, a growing backlog, 80 conflicts a minute. */
async function replicationScenario(): Promise<Scenario> {
  const exporter = await startExporter();
  const pc = createPolycloud({
    providers: [
      { name: 'aws', adapter: createMemoryStorageAdapter({ name: 'a', buckets: ['ba'] }) },
      { name: 'gcp', adapter: createMemoryStorageAdapter({ name: 'b', buckets: ['bb'] }) },
    ],
    resources: [bucketResource()],
    sync: createSync(),
    retry: RETRY,
    meterProvider: exporter.meterProvider,
  });
  try {
    const rec = await record(exporter, 20, async (minute) => {
      await pc.bucket('lb').put(`k${minute}`, 'x');
      pc.events.emit('lag', { resource: 'lb', binding: 'gcp', lagMs: 300_000, backlog: 1_000 + 100 * minute });
      for (let c = 0; c < 80; c++) pc.events.emit('conflict', { bucket: 'lb', key: `k${c}`, policy: 'last-writer-wins' });
    });
    const backlog = [...rec.scrapes.at(-1)!.keys()].find((s) => nameOf(s) === 'polycloud_replication_backlog')!;
    const { __name__: _, ...backlogLabels } = labelsOf(backlog);
    return {
      name: 'replication behind',
      rec,
      alerts: [
        { eval_time: '3m', alertname: 'PolycloudReplicationLagOverObjective', exp_alerts: [] },
        {
          eval_time: '6m',
          alertname: 'PolycloudReplicationLagOverObjective',
          exp_alerts: [{ exp_labels: { severity: 'warning', polycloud_resource: 'lb', polycloud_binding: 'gcp' } }],
        },
        { eval_time: '19m', alertname: 'PolycloudReplicationBacklogGrowing', exp_alerts: [{ exp_labels: { severity: 'warning', ...backlogLabels } }] },
        // rate(…[10m]) exceeds 1/s once the window holds 8 minutes of samples; then 10 minutes.
        { eval_time: '12m', alertname: 'PolycloudConflictsSpike', exp_alerts: [] },
        { eval_time: '19m', alertname: 'PolycloudConflictsSpike', exp_alerts: [{ exp_labels: { severity: 'info', polycloud_resource: 'lb' } }] },
      ],
    };
  } finally {
    await pc.close();
    await exporter.close();
  }
}

// ---------------------------------------------------------------- PromQL names

/** Metric names and label names a PromQL expression uses. */
function analyse(expr: string): { metrics: string[]; labels: string[] } {
  const labels: string[] = [];
  let rest = expr.replace(/\{([^}]*)\}/g, (_m, inner: string) => {
    for (const m of inner.matchAll(/([a-zA-Z_][a-zA-Z0-9_]*)\s*(=~|!~|!=|=)/g)) labels.push(m[1]!);
    return ' ';
  });
  rest = rest.replace(/\b(by|without|on|ignoring|group_left|group_right)\s*\(([^)]*)\)/g, (_m, _k, inner: string) => {
    labels.push(
      ...inner
        .split(',')
        .map((s) => s.trim())
        .filter(Boolean),
    );
    return ' ';
  });
  const metrics = [...rest.matchAll(/\bpolycloud_[a-z0-9_]+\b/g)].map((m) => m[0]);
  return { metrics, labels };
}

interface Rule {
  alert: string;
  expr: string;
  for?: string;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
}
const rules = parse(readFileSync(ALERTS, 'utf8')) as { groups: { name: string; rules: Rule[] }[] };
const allRules = rules.groups.flatMap((g) => g.rules);
const dashboard = JSON.parse(readFileSync(DASHBOARD, 'utf8')) as { panels: { title: string; targets?: { expr: string }[] }[] };

// ---------------------------------------------------------------- the tests

describe('alerts.yml and the Grafana dashboard against @opentelemetry/exporter-prometheus', () => {
  let scenarios: Scenario[] = [];
  let served: Set<string>;
  let servedLabels: Set<string>;

  beforeAll(async () => {
    scenarios = [
      await normalScenario(),
      await faultsScenario(),
      await slowScenario(),
      await outageScenario(),
      await capacityScenario(),
      await replicationScenario(),
    ];
    const keys = scenarios.flatMap((s) => s.rec.scrapes.flatMap((m) => [...m.keys()]));
    served = new Set(keys.map(nameOf));
    servedLabels = new Set(keys.flatMap((k) => Object.keys(labelsOf(k))));
  }, 120_000);

  it('the rules file has the alerts docs/observability.md lists, quota at 90 % for 5 minutes', () => {
    expect(allRules.map((r) => r.alert).sort()).toEqual([...ALERT_NAMES].sort());
    const quota = allRules.find((r) => r.alert === 'PolycloudBucketNearQuota')!;
    expect(quota.expr).toContain('> 0.9');
    expect(quota.for).toBe('5m');
  });

  it('serves each metric under the name prometheusSeriesNames() gives, with no unit suffix', () => {
    const polycloud = [...served].filter((n) => n.startsWith('polycloud_')).sort();
    expect(polycloud).toEqual([...prometheusSeriesNames()].sort());
    expect(served).toContain('polycloud_replication_lag');
    expect(served).toContain('polycloud_operation_duration_bucket');
  });

  it('every metric and label the rules name is one the exporter serves', () => {
    for (const r of allRules) {
      const { metrics, labels } = analyse(r.expr);
      expect(metrics.length, r.alert).toBeGreaterThan(0);
      for (const m of metrics) expect(served.has(m), `${r.alert}: ${m} is not served`).toBe(true);
      for (const l of labels) expect(l === 'le' || servedLabels.has(l), `${r.alert}: label ${l}`).toBe(true);
    }
  });

  it('every dashboard query names series the exporter serves, and every served metric is on the dashboard', () => {
    const used = new Set<string>();
    const targets = dashboard.panels.flatMap((p) => (p.targets ?? []).map((t) => ({ title: p.title, expr: t.expr })));
    expect(targets.length).toBeGreaterThan(5);
    for (const t of targets) {
      const { metrics, labels } = analyse(t.expr);
      expect(metrics.length, t.title).toBeGreaterThan(0);
      for (const m of metrics) {
        expect(served.has(m), `${t.title}: ${m} is not served`).toBe(true);
        used.add(m.replace(/_(bucket|sum|count)$/, ''));
      }
      for (const l of labels) expect(l === 'le' || servedLabels.has(l), `${t.title}: label ${l}`).toBe(true);
    }
    const metrics = new Set([...served].filter((n) => n.startsWith('polycloud_')).map((n) => n.replace(/_(bucket|sum|count)$/, '')));
    expect([...metrics].filter((m) => !used.has(m))).toEqual([]);
  });

  it.skipIf(!promtoolVersion)(
    `promtool test rules: each alert fires on its condition, none on normal traffic (${promtoolVersion ?? 'promtool not installed: apt-get install prometheus; .ci/run does'})`,
    () => {
      const dir = mkdtempSync(join(tmpdir(), 'polycloud-promtool-'));
      try {
        // The shipped rules, annotations left out: promtool compares annotations
        // verbatim, and the rendered summaries are not what this test is about.
        // `promtool check rules` below checks the original file, templates included.
        const tested = { groups: rules.groups.map((g) => ({ ...g, rules: g.rules.map(({ annotations: _, ...r }) => r) })) };
        writeFileSync(join(dir, 'rules.yml'), stringify(tested));
        const tests = scenarios.map((s) => {
          const series = inputSeries(s.rec);
          return { name: s.name, interval: '1m', input_series: series, alert_rule_test: s.alerts };
        });
        writeFileSync(join(dir, 'tests.yml'), stringify({ rule_files: ['rules.yml'], evaluation_interval: '1m', tests }));

        const check = spawnSync('promtool', ['check', 'rules', ALERTS], { encoding: 'utf8' });
        expect(check.status, check.stdout + check.stderr).toBe(0);

        const run = spawnSync('promtool', ['test', 'rules', join(dir, 'tests.yml')], { encoding: 'utf8', cwd: dir });
        const output = `${run.stdout}${run.stderr}`;
        expect(run.status, output).toBe(0);
        expect(output).toContain('SUCCESS');
        const cases = tests.flatMap((t) => t.alert_rule_test);
        console.log(
          `[promtool] ${promtoolVersion}: ${tests.length} scenarios, ${cases.length} alert cases (${cases.filter((c) => c.exp_alerts.length > 0).length} firing, ${cases.filter((c) => c.exp_alerts.length === 0).length} silent): SUCCESS`,
        );
        // Every alert is shown firing in some scenario, and silent on normal traffic.
        const firing = new Set(tests.flatMap((t) => t.alert_rule_test.filter((a) => a.exp_alerts.length > 0).map((a) => a.alertname)));
        expect([...firing].sort()).toEqual([...ALERT_NAMES].sort());
        const normal = tests.find((t) => t.name.startsWith('normal'))!;
        expect(new Set(normal.alert_rule_test.filter((a) => a.exp_alerts.length === 0).map((a) => a.alertname)).size).toBe(ALERT_NAMES.length);
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    },
  );
});
