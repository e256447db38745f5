export { instrumentPolycloud, type TelemetryOptions, type PolycloudTelemetry } from './instrument.js';
export { type BindingTelemetry, type CircuitState } from './binding-state.js';
export {
  POLYCLOUD_METRICS,
  prometheusName,
  prometheusSeriesNames,
  cloudProviderOf,
  type MetricDefinition,
  type MetricKind,
  type PolycloudMetricName,
} from './metrics.js';
export { silentLogger, createRedactingLogger, type Logger, type LogLevel } from './logger.js';
export { measureBucketUsage, type BindingUsage } from './usage.js';
export { watchReplication, type WatchReplicationOptions } from './watch-replication.js';
