import { z } from 'zod';
import { type Binding, BindingSchema } from './binding.js';
import { ReplicationPolicySchema, RoutingPolicySchema } from './policies.js';

const resourceId = z.string().regex(/^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$/, 'letters, digits, . _ - (max 128), starting with a letter or digit');

const tags = z.record(z.string().min(1).max(128), z.string().max(256));

/** The original design's LogicalBucket, accepted verbatim and extended. */
export const LogicalBucketSchema = z.strictObject({
  resource_id: resourceId,
  type: z.literal('LogicalBucket'),
  providers: z.array(BindingSchema).min(1, 'a LogicalBucket needs at least one provider binding'),
  /** Tags every object inherits (e.g. `residency: eu` for the whole bucket). */
  tags: tags.default({}),
  routing: RoutingPolicySchema.default({ strategy: 'primary' }),
  replication: ReplicationPolicySchema.default({
    mode: 'async',
    conflict: 'lww',
    delete_wins: false,
    max_clock_skew_ms: 60_000,
    max_delete_fraction: 0.5,
    lag_objective_ms: 900_000,
  }),
});

/** A LogicalCluster: bindings to physical compute (job queues, Batch locations, resource groups). */
export const LogicalClusterSchema = z.strictObject({
  resource_id: resourceId,
  type: z.literal('LogicalCluster'),
  providers: z.array(BindingSchema).min(1, 'a LogicalCluster needs at least one provider binding'),
  tags: tags.default({}),
  routing: RoutingPolicySchema.default({ strategy: 'primary' }),
});

export const UrmDocumentSchema = z.discriminatedUnion('type', [LogicalBucketSchema, LogicalClusterSchema]);

export type LogicalBucketInput = z.input<typeof LogicalBucketSchema>;
export type LogicalClusterInput = z.input<typeof LogicalClusterSchema>;
export type UrmDocumentInput = z.input<typeof UrmDocumentSchema>;

type Resolved<T extends { providers: unknown[] }> = Omit<T, 'providers'> & { providers: Binding[] };
/** A validated LogicalBucket with every binding resolved (id, provider, priority). */
export type LogicalBucket = Resolved<z.output<typeof LogicalBucketSchema>>;
export type LogicalCluster = Resolved<z.output<typeof LogicalClusterSchema>>;
export type UrmDocument = LogicalBucket | LogicalCluster;
