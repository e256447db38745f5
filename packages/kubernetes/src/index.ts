// @polycloud/kubernetes — the batch.mcp/v1 DataJob CRD and the `kubernetes` compute adapter
// (batch/v1 Jobs). The fake API server for tests is `@polycloud/kubernetes/testing`.
export {
  dataJobCrd,
  dataJobCrdYaml,
  dataJobCrdSchema,
  DATAJOB_API_VERSION,
  DATAJOB_GROUP,
  DATAJOB_KIND,
  DATAJOB_PLURAL,
  DATAJOB_VERSION,
  DATAJOB_STATUS_SCHEMA,
  toStructuralSchema,
  structuralViolations,
  type JsonSchema,
} from './crd.js';

// The DataJob controller: watches DataJobs and dispatches them through a LogicalCluster.
export { createDataJobController, type DataJobController } from './controller/controller.js';
export {
  DataJobControllerOptionsSchema,
  LeaderElectionOptionsSchema,
  KubeConfigSourceSchema,
  type DataJobControllerOptions,
  type KubeConfigSource,
} from './controller/options.js';
export { ControllerConfigSchema, controllerOptionsFromConfig, type ControllerConfig } from './controller/config.js';
export { idempotencyKeyForUid } from './controller/idempotency.js';
export { DATAJOB_FINALIZER } from './controller/constants.js';
export type { DataJobPhase, DataJobStatus, DataJobCondition, DataJobConditionType } from './controller/status.js';

// The `kubernetes` compute adapter (batch/v1 Jobs).
export * from './adapter/index.js';
