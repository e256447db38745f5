import { z } from '@hono/zod-openapi';
import { ERROR_CODES } from '@polycloud/core/spi';

/** The RFC 9457 problem body every error answers with. */
export const ProblemSchema = z
  .object({
    type: z.string().openapi({ example: 'urn:polycloud:problem:not-found' }),
    title: z.string(),
    status: z.number().int(),
    detail: z.string(),
    code: z.enum(ERROR_CODES),
    path: z.array(z.union([z.string(), z.number()])),
    issues: z.array(z.object({ path: z.array(z.union([z.string(), z.number()])), message: z.string() })).optional(),
    retryable: z.boolean(),
  })
  .openapi('Problem', { description: 'RFC 9457 problem details; `code` is one of polycloud’s error codes, `path` where in the request the problem is.' });

const problemContent = { 'application/problem+json': { schema: ProblemSchema } };

/** The error responses every authenticated operation may answer. */
export const errorResponses = {
  400: { description: 'Invalid request (the problem’s `path` says where)', content: problemContent },
  401: { description: 'No, malformed or wrong credentials', content: problemContent },
  403: { description: 'The credentials lack the scope, or residency forbids the placement', content: problemContent },
  404: { description: 'No such logical resource, object or job', content: problemContent },
  409: { description: 'Conflict', content: problemContent },
  412: { description: 'A condition (If-Match, If-None-Match) was not met', content: problemContent },
  413: { description: 'The request body is larger than the gateway allows', content: problemContent },
  422: { description: 'The document in the body is invalid (e.g. a DataJob)', content: problemContent },
  429: { description: 'Rate limited (`Retry-After` says when to retry) or quota exceeded', content: problemContent },
  500: { description: 'Unexpected error', content: problemContent },
  501: { description: 'Not supported by the bindings of this resource', content: problemContent },
  503: { description: 'No binding available', content: problemContent },
  504: { description: 'Timed out', content: problemContent },
} as const;

export const BucketParam = z
  .string()
  .min(1)
  .max(256)
  .openapi({ param: { name: 'bucket', in: 'path' }, description: 'LogicalBucket `resource_id`', example: 'lb-123' });

export const KeyParam = z
  .string()
  .min(1)
  .openapi({
    param: { name: 'key', in: 'path' },
    description: 'Object key, percent-encoded as one path segment (`/` as `%2F`)',
    example: 'reports%2F2026.csv',
  });

export const ObjectInfoSchema = z
  .object({
    key: z.string(),
    size: z.number().int(),
    versionToken: z.string(),
    lastModified: z.string().openapi({ format: 'date-time' }),
    contentType: z.string().optional(),
    metadata: z.record(z.string(), z.string()).optional(),
  })
  .openapi('ObjectInfo');

export const ListPageSchema = z
  .object({
    objects: z.array(ObjectInfoSchema),
    prefixes: z.array(z.string()),
    cursor: z.string().optional().openapi({ description: 'Pass as `cursor` for the next page; absent on the last page.' }),
    binding: z.string(),
  })
  .openapi('ListPage');

export const PutResultSchema = z
  .object({ key: z.string(), versionToken: z.string(), size: z.number().int().optional(), binding: z.string() })
  .openapi('PutResult');

export const MetadataSchema = z.record(z.string(), z.string()).openapi({ description: 'User metadata: names lowercase `[a-z0-9][a-z0-9_-]*`' });
export const TagsSchema = z.record(z.string(), z.string()).openapi({ description: 'Data tags for routing and residency (`residency: eu`)' });

export const DeleteManyRequestSchema = z.object({ keys: z.array(z.string().min(1)).min(1).max(1000) }).openapi('DeleteManyRequest');
export const DeleteManyResultSchema = z
  .object({
    deleted: z.array(z.string()),
    errors: z.array(z.object({ key: z.string(), code: z.enum(ERROR_CODES), detail: z.string() })),
  })
  .openapi('DeleteManyResult');

/** A media type as a header carries it: printable ASCII, no line breaks. */
const ContentTypeSchema = z
  .string()
  .min(1)
  .max(256)
  .regex(/^[\x21-\x7e](?:[\x20-\x7e]*[\x21-\x7e])?$/, 'a media type: printable ASCII only');

export const CopyRequestSchema = z
  .object({
    source: z.string().min(1),
    destination: z.string().min(1),
    contentType: ContentTypeSchema.optional(),
    metadata: MetadataSchema.optional(),
    tags: TagsSchema.optional(),
    ifNoneMatch: z.literal('*').optional().openapi({ description: 'Copy only if the destination does not exist' }),
  })
  .openapi('CopyRequest');

export const PresignRequestSchema = z
  .object({
    key: z.string().min(1),
    method: z.enum(['GET', 'PUT']),
    expiresInSeconds: z.number().int().min(1).max(604_800),
    contentType: ContentTypeSchema.optional(),
    tags: TagsSchema.optional(),
  })
  .openapi('PresignRequest');

export const PresignResultSchema = z
  .object({ url: z.string(), binding: z.string(), expiresAt: z.string().openapi({ format: 'date-time' }) })
  .openapi('PresignResult', { description: 'A signed URL of one cloud: whoever holds it can use it until it expires; it bypasses the gateway.' });

export const OPERATION_KINDS = ['read', 'head', 'list', 'write', 'delete', 'copy', 'presign', 'submit', 'status', 'cancel'] as const;

export const RouteExplanationSchema = z
  .object({
    resource: z.string(),
    operation: z.enum(OPERATION_KINDS),
    key: z.string().optional(),
    chosen: z.string().optional(),
    panic: z.boolean(),
    candidates: z.array(
      z.object({
        binding: z.string(),
        provider: z.string(),
        cloud: z.string(),
        region: z.string().optional(),
        verdict: z.string(),
        detail: z.string().optional(),
        weight: z.number(),
        scores: z.record(z.string(), z.number()),
        rank: z.number().int().optional(),
      }),
    ),
  })
  .openapi('RouteExplanation');

export const BucketSummarySchema = z
  .object({
    id: z.string(),
    bindings: z.array(z.object({ id: z.string(), cloud: z.string(), region: z.string().optional() })),
    replication: z.string().openapi({ description: 'Replication mode: `none`, `async` or `sync`' }),
  })
  .openapi('BucketSummary');

const TargetStatusSchema = z.object({ binding: z.string(), backlog: z.number(), lagMs: z.number(), failed: z.number() });
/** One binding's replication state of an object, and why when it is not done. */
const BindingReplicationSchema = z.object({ state: z.string(), reason: z.string().optional() });

export const SyncStatusSchema = z
  .object({
    bucket: z.string(),
    mode: z.enum(['async', 'sync', 'none']),
    running: z.boolean(),
    targets: z.array(TargetStatusSchema),
    failed: z.array(z.object({ key: z.string(), state: z.string(), bindings: z.record(z.string(), BindingReplicationSchema) })),
    partitions: z.object({ held: z.array(z.number()), total: z.number() }),
    journalRequests: z.number(),
  })
  .openapi('ReplicationStatus');

export const ObjectReplicationSchema = z
  .object({
    key: z.string(),
    version: z.string().optional(),
    origin: z.string().optional(),
    deleted: z.boolean().optional(),
    state: z.enum(['PENDING', 'COMPLETED', 'FAILED']),
    bindings: z.record(z.string(), BindingReplicationSchema),
    updatedAt: z.number(),
  })
  .openapi('ObjectReplicationStatus');

export const DrainRequestSchema = z
  .object({
    timeoutMs: z.number().int().min(1).max(3_600_000).optional(),
    onLeased: z.enum(['wait', 'throw']).optional(),
  })
  .openapi('DrainRequest');

export const DrainResultSchema = z
  .object({
    rounds: z.number().int(),
    writes: z.number().int(),
    conflicts: z.number().int(),
    failedKeys: z.array(z.string()),
    more: z.boolean(),
  })
  .openapi('DrainResult');

export const JobStatusSchema = z
  .object({
    jobId: z.string(),
    idempotencyKey: z.string().optional(),
    state: z.enum(['PENDING', 'RUNNING', 'SUCCEEDED', 'FAILED', 'CANCELLED']),
    exitCode: z.number().int().optional(),
    reason: z.string().optional(),
    logLocation: z.string().optional(),
    submittedAt: z.string().optional().openapi({ format: 'date-time' }),
    startedAt: z.string().optional().openapi({ format: 'date-time' }),
    finishedAt: z.string().optional().openapi({ format: 'date-time' }),
  })
  .openapi('JobStatus');

export const JobSchema = z
  .object({
    id: z.string().openapi({ description: 'Opaque job reference for the status, cancel and events endpoints' }),
    cluster: z.string(),
    binding: z.string(),
    jobId: z.string(),
    idempotencyKey: z.string(),
    existing: z.boolean().optional(),
    status: JobStatusSchema,
  })
  .openapi('Job');

export const JobEventSchema = z
  .object({
    type: z.enum(['submitted', 'running', 'succeeded', 'failed', 'cancelled', 'status']),
    id: z.string(),
    status: JobStatusSchema,
  })
  .openapi('JobEvent', { description: 'One server-sent event of a job watch (`event:` is the type, `data:` this JSON)' });
