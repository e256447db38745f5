import { stringify } from 'yaml';
import { type JsonSchema, toStructuralSchema } from './structural.js';

/** The DataJob resource's coordinates. */
export const DATAJOB_GROUP = 'batch.mcp';
export const DATAJOB_VERSION = 'v1';
export const DATAJOB_API_VERSION = `${DATAJOB_GROUP}/${DATAJOB_VERSION}`;
export const DATAJOB_KIND = 'DataJob';
export const DATAJOB_PLURAL = 'datajobs';

/** The phases the controller writes on `status.phase` (the CRD refuses any other). */
export const DATAJOB_PHASES = ['Pending', 'Dispatching', 'Running', 'Succeeded', 'Failed', 'Cancelled'] as const;

const time = (description: string): JsonSchema => ({ type: 'string', format: 'date-time', description });

/** `status` of a DataJob, written by the controller through the status subresource. */
export const DATAJOB_STATUS_SCHEMA: JsonSchema = {
  type: 'object',
  description: 'Observed state, written by the polycloud controller through the status subresource.',
  properties: {
    phase: { type: 'string', enum: [...DATAJOB_PHASES], description: `${DATAJOB_PHASES.join(', ')}.` },
    binding: { type: 'string', description: 'The LogicalCluster binding the job was dispatched to.' },
    cloud: { type: 'string', description: 'The cloud (provider) of that binding.' },
    providerJobId: { type: 'string', description: "The job's id at the provider." },
    startTime: time('When the job started running.'),
    completionTime: time('When the job reached a terminal phase.'),
    observedGeneration: { type: 'integer', format: 'int64', minimum: 0, description: 'The metadata.generation this status describes.' },
    conditions: {
      type: 'array',
      description: 'Latest observations of the job, one per type (metav1.Condition).',
      'x-kubernetes-list-type': 'map',
      'x-kubernetes-list-map-keys': ['type'],
      items: {
        type: 'object',
        required: ['type', 'status'],
        properties: {
          type: { type: 'string', maxLength: 316 },
          status: { type: 'string', enum: ['True', 'False', 'Unknown'] },
          reason: { type: 'string', maxLength: 1024 },
          message: { type: 'string', maxLength: 32768 },
          lastTransitionTime: time('When the condition last changed status.'),
        },
      },
    },
  },
};

/**
 * The `openAPIV3Schema` of the DataJob CRD, from the DataJob's JSON Schema (draft-07,
 * generated from core's zod `DataJobSchema`): `spec` converted to a structural schema,
 * `metadata` reduced to what Kubernetes lets a CRD restrict (the name), plus `status`.
 */
export function dataJobOpenApiSchema(dataJobJsonSchema: JsonSchema): JsonSchema {
  const top = toStructuralSchema(dataJobJsonSchema);
  const props = (top['properties'] ?? {}) as Record<string, JsonSchema>;
  const name = ((props['metadata']?.['properties'] ?? {}) as Record<string, JsonSchema>)['name'];
  return {
    type: 'object',
    description: 'A batch job polycloud dispatches to a cloud of a LogicalCluster (docs/compute.md).',
    required: ['spec'],
    properties: {
      apiVersion: { type: 'string' },
      kind: { type: 'string' },
      metadata: { type: 'object', ...(name ? { properties: { name } } : {}) },
      spec: props['spec'],
      status: DATAJOB_STATUS_SCHEMA,
    },
  };
}

/** The `batch.mcp/v1` DataJob CustomResourceDefinition (apiextensions.k8s.io/v1), as an object. */
export function dataJobCrdFromJsonSchema(dataJobJsonSchema: JsonSchema): JsonSchema {
  return {
    apiVersion: 'apiextensions.k8s.io/v1',
    kind: 'CustomResourceDefinition',
    metadata: { name: `${DATAJOB_PLURAL}.${DATAJOB_GROUP}`, labels: { 'app.kubernetes.io/part-of': 'polycloud' } },
    spec: {
      group: DATAJOB_GROUP,
      scope: 'Namespaced',
      names: {
        kind: DATAJOB_KIND,
        listKind: `${DATAJOB_KIND}List`,
        plural: DATAJOB_PLURAL,
        singular: 'datajob',
        shortNames: ['dj'],
        categories: ['polycloud'],
      },
      versions: [
        {
          name: DATAJOB_VERSION,
          served: true,
          storage: true,
          subresources: { status: {} },
          additionalPrinterColumns: [
            { name: 'Phase', type: 'string', jsonPath: '.status.phase' },
            { name: 'Cloud', type: 'string', jsonPath: '.status.cloud' },
            { name: 'Age', type: 'date', jsonPath: '.metadata.creationTimestamp' },
          ],
          schema: { openAPIV3Schema: dataJobOpenApiSchema(dataJobJsonSchema) },
        },
      ],
    },
  };
}

const HEADER = `# The batch.mcp/v1 DataJob CustomResourceDefinition of @polycloud/kubernetes.
# Generated from core's DataJob zod schema by \`npm run schema\`; do not edit by hand
# (packages/kubernetes/test/crd.test.ts fails when this file and the schema differ).
`;

/** The CRD as the YAML shipped in `manifests/datajob-crd.yaml`. */
export function crdYaml(crd: JsonSchema): string {
  return `${HEADER}${stringify(crd, { lineWidth: 0 })}`;
}
