/** What kind of OpenTelemetry instrument a metric is. */
export type MetricKind = 'counter' | 'histogram' | 'gauge';

export interface MetricDefinition {
  /** OpenTelemetry name (`polycloud.operation.duration`). */
  name: string;
  kind: MetricKind;
  /** UCUM unit: `s`, `By`, or an annotation like `{operation}`. */
  unit: string;
  description: string;
  /** Attribute keys it carries. */
  attributes: readonly string[];
}

const RB = ['polycloud.resource', 'polycloud.binding'] as const;

/**
 * Every metric polycloud emits, derived from `polycloud.events`. Attribute names:
 * `polycloud.resource` (logical resource id), `polycloud.binding` (binding id),
 * `polycloud.operation`, `polycloud.adapter` (adapter type), `cloud.provider`
 * (OpenTelemetry semantic convention: `aws`, `gcp`, `azure`, or the adapter type),
 * `error.type` (a polycloud error code, on failures).
 */
export const POLYCLOUD_METRICS = [
  {
    name: 'polycloud.operation.duration',
    kind: 'histogram',
    unit: 's',
    description: 'Duration of each attempt of a storage or compute operation on a binding.',
    attributes: [...RB, 'polycloud.operation', 'polycloud.adapter', 'cloud.provider', 'error.type'],
  },
  {
    name: 'polycloud.operations',
    kind: 'counter',
    unit: '{operation}',
    description: 'Attempts of operations on a binding; failed ones carry error.type.',
    attributes: [...RB, 'polycloud.operation', 'polycloud.adapter', 'cloud.provider', 'error.type'],
  },
  {
    name: 'polycloud.operation.bytes',
    kind: 'counter',
    unit: 'By',
    description: 'Bytes written (put) or read (get) through a binding.',
    attributes: [...RB, 'polycloud.operation', 'polycloud.adapter', 'cloud.provider'],
  },
  {
    name: 'polycloud.route.decisions',
    kind: 'counter',
    unit: '{decision}',
    description: 'Routing decisions, by the binding chosen (`none` when nothing qualified).',
    attributes: [...RB, 'polycloud.operation'],
  },
  {
    name: 'polycloud.retries',
    kind: 'counter',
    unit: '{retry}',
    description: 'Back-off rounds after every candidate of an operation failed with a retryable error.',
    attributes: ['polycloud.resource', 'polycloud.operation', 'error.type'],
  },
  {
    name: 'polycloud.failovers',
    kind: 'counter',
    unit: '{failover}',
    description: 'Failovers from one binding to the next within an operation.',
    attributes: ['polycloud.resource', 'polycloud.operation', 'polycloud.binding.from', 'polycloud.binding', 'error.type'],
  },
  {
    name: 'polycloud.binding.health',
    kind: 'gauge',
    unit: '{binding}',
    description: 'Health of a binding as the router last saw it: 1 healthy, 0 unhealthy (ejected, probe down, circuit open).',
    attributes: RB,
  },
  {
    name: 'polycloud.circuit.state',
    kind: 'gauge',
    unit: '{state}',
    description: "A binding's circuit breaker: 0 closed, 1 half-open, 2 open.",
    attributes: RB,
  },
  {
    name: 'polycloud.replication.lag',
    kind: 'gauge',
    unit: 's',
    description: 'Age of the oldest change not yet applied to a binding.',
    attributes: RB,
  },
  {
    name: 'polycloud.replication.lag_objective',
    kind: 'gauge',
    unit: 's',
    description: "The bucket's replication lag objective (replication.lag_objective_ms), for alerts.",
    attributes: ['polycloud.resource'],
  },
  {
    name: 'polycloud.replication.backlog',
    kind: 'gauge',
    unit: '{change}',
    description: 'Changes waiting to be applied to a binding.',
    attributes: RB,
  },
  {
    name: 'polycloud.replication.objects',
    kind: 'counter',
    unit: '{object}',
    description: 'Changes applied to a binding by the replicator or reconciler.',
    attributes: [...RB, 'polycloud.replication.action'],
  },
  {
    name: 'polycloud.replication.bytes',
    kind: 'counter',
    unit: 'By',
    description: 'Bytes copied to a binding by the replicator or reconciler.',
    attributes: RB,
  },
  {
    name: 'polycloud.replication.conflicts',
    kind: 'counter',
    unit: '{conflict}',
    description: 'Concurrent writes detected, by how they were resolved.',
    attributes: ['polycloud.resource', 'polycloud.conflict.resolution'],
  },
  {
    name: 'polycloud.job.transitions',
    kind: 'counter',
    unit: '{transition}',
    description: 'DataJob state changes (submitted, running, succeeded, failed, cancelled).',
    attributes: [...RB, 'polycloud.job.state'],
  },
  {
    name: 'polycloud.storage.usage',
    kind: 'gauge',
    unit: 'By',
    description: 'Bytes stored in a binding, as last measured (`usage` events, e.g. from `polycloud status --usage`).',
    attributes: RB,
  },
  {
    name: 'polycloud.storage.quota',
    kind: 'gauge',
    unit: 'By',
    description: 'Configured quota of a binding (its `quota` tag, a quantity such as 500Gi).',
    attributes: RB,
  },
] as const satisfies readonly MetricDefinition[];

export type PolycloudMetricName = (typeof POLYCLOUD_METRICS)[number]['name'];

/**
 * The name a metric gets in Prometheus as `@opentelemetry/exporter-prometheus` serves
 * it: characters other than letters, digits and `_` become `_`, counters get `_total`
 * (not repeated). The exporter adds no unit suffix: `polycloud.replication.lag` (unit
 * `s`) is `polycloud_replication_lag`, in seconds; `polycloud.storage.usage` (`By`) is
 * `polycloud_storage_usage`, in bytes. Histograms add `_bucket`, `_sum` and `_count`.
 * packages/core/test/observability-promtool.test.ts compares these names with a real
 * exporter's output.
 */
export function prometheusName(metric: Pick<MetricDefinition, 'name' | 'kind' | 'unit'>): string {
  let name = metric.name.replace(/[^A-Za-z0-9_]/g, '_');
  if (metric.kind === 'counter' && !name.endsWith('_total')) name += '_total';
  return name;
}

/** Every Prometheus series name polycloud's metrics produce (histograms expanded). */
export function prometheusSeriesNames(): string[] {
  return POLYCLOUD_METRICS.flatMap((m) => {
    const base = prometheusName(m);
    return m.kind === 'histogram' ? [`${base}_bucket`, `${base}_sum`, `${base}_count`] : [base];
  });
}

/** `cloud.provider` (OpenTelemetry semantic conventions) for an adapter type. */
export function cloudProviderOf(adapterType: string): string {
  if (adapterType === 's3' || adapterType.startsWith('aws')) return 'aws';
  if (adapterType === 'gcs' || adapterType.startsWith('gcp')) return 'gcp';
  if (adapterType.startsWith('azure')) return 'azure';
  return adapterType;
}
