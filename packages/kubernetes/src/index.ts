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
export * from './adapter/index.js';
