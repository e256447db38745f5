import { createRoute, z } from '@hono/zod-openapi';
import { streamSSE } from 'hono/streaming';
import type { JobHandle, JobStatus } from '@polycloud/core';
import { DataJobSchema, IDEMPOTENCY_KEY, isPolycloudError } from '@polycloud/core/spi';
import { problem, problemFromError } from '../problem.js';
import { lookupResource, ProblemError, requireScope, type RestApp, type RestDeps } from './common.js';
import { call } from './call.js';
import { errorResponses, JobEventSchema, JobSchema, JobStatusSchema } from './schemas.js';

const security = [{ bearerAuth: [] }];

const ClusterParam = z
  .string()
  .min(1)
  .max(256)
  .openapi({ param: { name: 'cluster', in: 'path' }, description: 'LogicalCluster `resource_id`', example: 'lc-1' });
const JobParam = z
  .string()
  .min(1)
  .max(2048)
  .openapi({ param: { name: 'job', in: 'path' }, description: 'The `id` submit returned' });

/** The opaque job reference: the handle (binding, provider job id, idempotency key) as base64url JSON. */
export function jobRef(handle: Pick<JobHandle, 'binding' | 'jobId' | 'idempotencyKey'>): string {
  return Buffer.from(JSON.stringify({ b: handle.binding, j: handle.jobId, k: handle.idempotencyKey }), 'utf8').toString('base64url');
}

/** A job as the API answers it: its id (`ref`), where it runs and its status. */
function jobJson(cluster: string, ref: string, handle: JobHandle, status: JobStatus) {
  return { id: ref, cluster, binding: handle.binding, jobId: handle.jobId, idempotencyKey: handle.idempotencyKey, status: statusJson(status) };
}

function handleOf(cluster: string, ref: string): JobHandle {
  try {
    const v = JSON.parse(Buffer.from(ref, 'base64url').toString('utf8')) as { b?: unknown; j?: unknown; k?: unknown };
    if (typeof v.b === 'string' && typeof v.j === 'string' && typeof v.k === 'string' && v.b && v.j)
      return { resource: cluster, binding: v.b, jobId: v.j, idempotencyKey: v.k };
  } catch {
    // fall through
  }
  throw new ProblemError(problem('INVALID_ARGUMENT', 'not a job id this gateway issued', ['path', 'job']));
}

/**
 * Core's DataJob schema, named for the document. A copy made here, after
 * @hono/zod-openapi extended zod (core's instance predates it), once per process:
 * zod's registry refuses an id twice.
 */
const DataJobBody = DataJobSchema.meta({ id: 'DataJob', description: 'A DataJob manifest (`apiVersion: batch.mcp/v1`, `kind: DataJob`), as in a config file' });

/** A handle's problems (its binding, job id, key) are the `job` path parameter's: it carried them. */
const inJobRef = (path: (string | number)[]) => (path[0] === 'binding' || path[0] === 'handle' ? ['path', 'job'] : path);

const statusJson = (s: JobStatus) => JSON.parse(JSON.stringify(s)) as z.infer<typeof JobStatusSchema>;

export function registerJobRoutes(app: RestApp, deps: RestDeps): void {
  const { polycloud } = deps;
  const cluster = (id: string) => call(() => lookupResource(() => polycloud.cluster(id), 'LogicalCluster', id, 'cluster'), ['path', 'cluster']);

  app.openapi(
    createRoute({
      method: 'post',
      path: '/_polycloud/v1/clusters/{cluster}/jobs',
      operationId: 'submitJob',
      summary: 'Submit a DataJob (admin scope); idempotent under its idempotency key',
      tags: ['jobs'],
      security,
      request: {
        params: z.object({ cluster: ClusterParam }),
        query: z.object({
          idempotencyKey: z.string().regex(IDEMPOTENCY_KEY).optional().openapi({ description: 'Overrides the key derived from the job' }),
        }),
        body: { content: { 'application/json': { schema: DataJobBody } }, required: true },
      },
      responses: {
        201: { description: 'Submitted (or found under its idempotency key: `existing`)', content: { 'application/json': { schema: JobSchema } } },
        ...errorResponses,
      },
    }),
    async (c) => {
      const { cluster: id } = c.req.valid('param');
      const { idempotencyKey } = c.req.valid('query');
      requireScope(c, deps, id, 'admin');
      // The manifest as sent: the validated value has its quantities converted, and submit parses the manifest itself.
      const manifest = (await c.req.json()) as object;
      const lc = await cluster(id);
      const job = await call(() => lc.submit(manifest, idempotencyKey ? { idempotencyKey } : {}), ['body']);
      return c.json(
        {
          id: jobRef(job),
          cluster: id,
          binding: job.binding,
          jobId: job.jobId,
          idempotencyKey: job.idempotencyKey,
          existing: job.existing,
          status: statusJson(job.status),
        },
        201,
      );
    },
  );

  const jobPath = '/_polycloud/v1/clusters/{cluster}/jobs/{job}';
  const jobParams = z.object({ cluster: ClusterParam, job: JobParam });

  app.openapi(
    createRoute({
      method: 'get',
      path: jobPath,
      operationId: 'jobStatus',
      summary: 'A job’s status (read scope on the cluster)',
      tags: ['jobs'],
      security,
      request: { params: jobParams },
      responses: { 200: { description: 'Status', content: { 'application/json': { schema: JobSchema } } }, ...errorResponses },
    }),
    async (c) => {
      const { cluster: id, job } = c.req.valid('param');
      requireScope(c, deps, id, 'read');
      const handle = handleOf(id, job);
      const lc = await cluster(id);
      const status = await call(() => lc.status(handle), inJobRef);
      return c.json(jobJson(id, job, handle, status), 200);
    },
  );

  app.openapi(
    createRoute({
      method: 'post',
      path: `${jobPath}/cancel`,
      operationId: 'cancelJob',
      summary: 'Cancel a job (admin scope); cancelling a finished job changes nothing',
      tags: ['jobs'],
      security,
      request: { params: jobParams },
      responses: {
        202: { description: 'Cancellation requested; the status after it', content: { 'application/json': { schema: JobSchema } } },
        ...errorResponses,
      },
    }),
    async (c) => {
      const { cluster: id, job } = c.req.valid('param');
      requireScope(c, deps, id, 'admin');
      const handle = handleOf(id, job);
      const lc = await cluster(id);
      await call(() => lc.cancel(handle), inJobRef);
      const status = await call(() => lc.status(handle), inJobRef);
      return c.json(jobJson(id, job, handle, status), 202);
    },
  );

  app.openapi(
    createRoute({
      method: 'get',
      path: `${jobPath}/events`,
      operationId: 'watchJob',
      summary: 'Server-sent events of a job until it ends (read scope)',
      description:
        'An `text/event-stream`: first a `status` event with the current status, then one event per state change (`running`, `succeeded`, `failed`, `cancelled`), each `data:` a JobEvent; the stream ends after a terminal state. An `error` event (a Problem) ends it early.',
      tags: ['jobs'],
      security,
      request: {
        params: jobParams,
        query: z.object({
          pollIntervalMs: z.coerce.number().int().min(50).max(60_000).optional(),
          timeoutMs: z.coerce.number().int().min(1).max(86_400_000).optional(),
        }),
      },
      responses: {
        200: { description: 'The event stream', content: { 'text/event-stream': { schema: JobEventSchema } } },
        ...errorResponses,
      },
    }),
    async (c) => {
      const { cluster: id, job } = c.req.valid('param');
      const q = c.req.valid('query');
      requireScope(c, deps, id, 'read');
      const handle = handleOf(id, job);
      const lc = await cluster(id);
      // The first status is read before the stream opens, so an unknown job is a plain 404 problem.
      const first = await call(() => lc.status(handle), inJobRef);
      // Hono answers HEAD with this GET route and drops the body: no watch is started for it.
      if (c.req.method === 'HEAD')
        return new Response(null, { status: 200, headers: { 'content-type': 'text/event-stream', 'cache-control': 'no-cache' } }) as never;
      const stop = AbortSignal.any([c.req.raw.signal, deps.closing]);
      return streamSSE(c, async (stream) => {
        let n = 0;
        await stream.writeSSE({ event: 'status', id: String(n++), data: JSON.stringify({ type: 'status', id: job, status: statusJson(first) }) });
        if (['SUCCEEDED', 'FAILED', 'CANCELLED'].includes(first.state)) return;
        try {
          const watch = lc.watch(handle, {
            signal: stop,
            ...(q.pollIntervalMs === undefined ? {} : { pollIntervalMs: q.pollIntervalMs }),
            ...(q.timeoutMs === undefined ? {} : { timeoutMs: q.timeoutMs }),
          });
          for await (const event of watch) {
            if (event.status.state === first.state && event.type === 'running' && n === 1 && first.state === 'RUNNING') continue;
            await stream.writeSSE({
              event: event.type,
              id: String(n++),
              data: JSON.stringify({ type: event.type, id: job, status: statusJson(event.status) }),
            });
          }
        } catch (error) {
          if (stop.aborted && isPolycloudError(error, 'ABORTED')) return;
          await stream.writeSSE({ event: 'error', id: String(n++), data: JSON.stringify(problemFromError(error)) });
        }
      }) as never;
    },
  );
}
