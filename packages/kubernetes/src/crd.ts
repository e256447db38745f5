import { dataJobJsonSchema } from '@polycloud/core/spi';
import { crdYaml, dataJobCrdFromJsonSchema } from './crd/datajob-crd.js';
import type { JsonSchema } from './crd/structural.js';

/**
 * The `batch.mcp/v1` DataJob CustomResourceDefinition (`apiextensions.k8s.io/v1`,
 * namespaced, with the status subresource and Phase / Cloud / Age columns). Its
 * `openAPIV3Schema` is generated from the zod schema that validates DataJobs, made
 * structural (see docs/compute.md). A fresh object on each call.
 */
export function dataJobCrd(): JsonSchema {
  return dataJobCrdFromJsonSchema(dataJobJsonSchema());
}

/** {@link dataJobCrd} as YAML: the text of `manifests/datajob-crd.yaml`. */
export function dataJobCrdYaml(): string {
  return crdYaml(dataJobCrd());
}

/** The CRD's `openAPIV3Schema` (what the API server validates a DataJob against). */
export function dataJobCrdSchema(): JsonSchema {
  const versions = (dataJobCrd()['spec'] as { versions: { schema: { openAPIV3Schema: JsonSchema } }[] }).versions;
  return versions[0]!.schema.openAPIV3Schema;
}

export { DATAJOB_API_VERSION, DATAJOB_GROUP, DATAJOB_KIND, DATAJOB_PLURAL, DATAJOB_VERSION, DATAJOB_STATUS_SCHEMA } from './crd/datajob-crd.js';
export { toStructuralSchema, structuralViolations, type JsonSchema } from './crd/structural.js';
