import { z } from 'zod';
import { DataJobSchema } from '../compute/spec.js';
import { LogicalBucketSchema, LogicalClusterSchema } from '../urm/resources.js';
import { RoutingPolicySchema } from '../urm/policies.js';
import { ConfigFileSchema, HealthCheckSchema } from './schema.js';

/**
 * The config file as a JSON Schema sees it, composed of the schemas the loader uses:
 * the top level ({@link ConfigFileSchema}) with its sections filled in — providers
 * (`name`, `type`, health check, and the adapter's own options, which core does not
 * know: any further key is allowed), URM documents with the file's conveniences
 * (`healthCheck` on a resource or under `routing`), and DataJobs (in a map,
 * `metadata` may be left out: the key names the job). Only for `z.toJSONSchema`: the
 * loader checks each section entry by entry (adapter options with the adapter's schema).
 */
const health = { healthCheck: HealthCheckSchema.optional(), health_check: HealthCheckSchema.optional() };
const routing = RoutingPolicySchema.extend(health).optional();

const ProviderEntrySchema = z
  .looseObject({
    name: z
      .string()
      .regex(/^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$/)
      .meta({ description: 'Provider name: what bindings name in `cloud` / `provider`.' }),
    type: z
      .string()
      .min(1)
      .meta({
        description: 'Adapter registry type: s3, gcs, azure-blob, aws-batch, gcp-batch, azure-aci, local, or one you registered.',
        examples: ['s3', 'gcs', 'azure-blob', 'local'],
      }),
    description: z.string().optional(),
    ...health,
  })
  .meta({ description: "A provider: name, type and the adapter's own options (snake_case or camelCase; checked against the adapter's schema when loading)." });

const ResourceEntrySchema = z.discriminatedUnion('type', [
  LogicalBucketSchema.extend({ ...health, routing }),
  LogicalClusterSchema.extend({ ...health, routing }),
]);

const JobInMapSchema = DataJobSchema.extend({ metadata: DataJobSchema.shape.metadata.partial().optional() });

export const ConfigFileJsonSchemaSource = ConfigFileSchema.extend({
  providers: z.array(ProviderEntrySchema).optional(),
  storage_providers: z.array(ProviderEntrySchema).optional().meta({ description: "The original design's name for `providers` (give one of the two)." }),
  resources: z.array(ResourceEntrySchema).optional(),
  jobs: z.union([z.array(DataJobSchema), z.record(z.string(), JobInMapSchema)]).optional(),
}).meta({ title: 'polycloud config file', description: 'A polycloud configuration (docs/configuration.md). Values may use ${VAR} and ${VAR:-default}.' });

const options = { io: 'input', target: 'draft-7', unrepresentable: 'any', reused: 'ref' } as const;

/** JSON Schema (draft-07) of a polycloud config file, generated from the zod schemas. */
export function configJsonSchema(): Record<string, unknown> {
  return z.toJSONSchema(ConfigFileJsonSchemaSource, options) as Record<string, unknown>;
}

/** JSON Schema (draft-07) of a DataJob document, generated from {@link DataJobSchema}. */
export function dataJobJsonSchema(): Record<string, unknown> {
  return z.toJSONSchema(
    DataJobSchema.meta({ title: 'polycloud DataJob', description: 'A DataJob (apiVersion batch.mcp/v1; docs/compute.md).' }),
    options,
  ) as Record<string, unknown>;
}
