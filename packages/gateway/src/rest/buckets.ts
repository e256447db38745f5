import { Readable, Transform } from 'node:stream';
import type { ReadableStream as NodeReadableStream } from 'node:stream/web';
import { createRoute, z } from '@hono/zod-openapi';
import type { Context } from 'hono';
import type { ObjectInfo, StoredObject } from '@polycloud/core';
import { exactLength, PolycloudError } from '@polycloud/core/spi';
import { problem, problemFromError } from '../problem.js';
import { call, objectRequestPath } from './call.js';
import {
  BODY_IDLE_TIMEOUT_MS,
  bodyStalled,
  bodyTooLarge,
  lookupResource,
  MAX_CALL_TIMEOUT_MS,
  ProblemError,
  requireScope,
  type RestApp,
  type RestDeps,
} from './common.js';
import {
  BucketParam,
  BucketSummarySchema,
  CopyRequestSchema,
  DeleteManyRequestSchema,
  DeleteManyResultSchema,
  DrainRequestSchema,
  DrainResultSchema,
  errorResponses,
  KeyParam,
  ListPageSchema,
  ObjectReplicationSchema,
  OPERATION_KINDS,
  PresignRequestSchema,
  PresignResultSchema,
  PutResultSchema,
  RouteExplanationSchema,
  SyncStatusSchema,
} from './schemas.js';

const META = 'x-polycloud-meta-';
const TAG = 'x-polycloud-tag-';
const security = [{ bearerAuth: [] }];

/** Printable ASCII without leading or trailing whitespace: what a header value carries unchanged. */
const PLAIN_HEADER_VALUE = /^(?:[\x21-\x7e](?:[\x20-\x7e]*[\x21-\x7e])?)?$/;
/** A whole value that is one RFC 2047 word in UTF-8 and base64 (how a metadata value that cannot travel raw is sent). */
const ENCODED_WORD = /^=\?UTF-8\?B\?([A-Za-z0-9+/]*={0,2})\?=$/i;

/**
 * A metadata value as a header value: printable ASCII as is; anything else (non-ASCII,
 * control characters, surrounding whitespace, or a value containing `=?`) as one RFC 2047
 * word `=?UTF-8?B?<base64>?=`, so no stored value can break or inject a response header.
 */
function encodeHeaderValue(value: string): string {
  if (PLAIN_HEADER_VALUE.test(value) && !value.includes('=?')) return value;
  return `=?UTF-8?B?${Buffer.from(value, 'utf8').toString('base64')}?=`;
}

/** The reverse of {@link encodeHeaderValue} for a request's metadata header. */
function decodeHeaderValue(value: string): string {
  const m = ENCODED_WORD.exec(value);
  return m ? Buffer.from(m[1]!, 'base64').toString('utf8') : value;
}

/** Headers with a prefix (`x-polycloud-meta-owner: ana`) as a map (`{ owner: 'ana' }`). */
function prefixed(c: Context, prefix: string, decode = false): Record<string, string> | undefined {
  const out: Record<string, string> = {};
  c.req.raw.headers.forEach((value, name) => {
    if (name.startsWith(prefix) && name.length > prefix.length) out[name.slice(prefix.length)] = decode ? decodeHeaderValue(value) : value;
  });
  return Object.keys(out).length ? out : undefined;
}

/** One pair of surrounding quotes off an entity tag (`"7"` → `7`); the version token otherwise as given. */
const unquote = (v: string | undefined) => (v && v.length >= 2 && v.startsWith('"') && v.endsWith('"') ? v.slice(1, -1) : v);
const etag = (token: string) => `"${token.replace(/"/g, '')}"`;

function objectHeaders(info: ObjectInfo & { binding: string }): Record<string, string> {
  const h: Record<string, string> = {
    etag: etag(info.versionToken),
    'x-polycloud-version-token': info.versionToken,
    'last-modified': info.lastModified.toUTCString(),
    'x-polycloud-binding': info.binding,
    'accept-ranges': 'bytes',
    // A stored content type that is not a plain header value (written by another client) is not echoed.
    'content-type': info.contentType && PLAIN_HEADER_VALUE.test(info.contentType) ? info.contentType : 'application/octet-stream',
  };
  for (const [k, v] of Object.entries(info.metadata ?? {})) h[`${META}${k}`] = encodeHeaderValue(v);
  return h;
}

const infoJson = (o: ObjectInfo) => ({
  key: o.key,
  size: o.size,
  versionToken: o.versionToken,
  lastModified: o.lastModified.toISOString(),
  ...(o.contentType ? { contentType: o.contentType } : {}),
  ...(o.metadata ? { metadata: o.metadata } : {}),
});

type Range = { kind: 'none' } | { kind: 'range'; start: number; end?: number } | { kind: 'suffix'; length: number };

/** A single `bytes=` range; anything else (several ranges, other units, bad syntax) is ignored as RFC 9110 allows. */
function parseRange(header: string | undefined): Range {
  const m = header ? /^bytes=(\d*)-(\d*)$/.exec(header.trim()) : null;
  if (!m || (m[1] === '' && m[2] === '')) return { kind: 'none' };
  if (m[1] === '') return { kind: 'suffix', length: Number(m[2]) };
  const start = Number(m[1]);
  const end = m[2] === '' ? undefined : Number(m[2]);
  if (end !== undefined && end < start) return { kind: 'none' };
  return end === undefined ? { kind: 'range', start } : { kind: 'range', start, end };
}

function rangeNotSatisfiable(size: number): ProblemError {
  return new ProblemError(
    problem('INVALID_ARGUMENT', `the range is not satisfiable (the object has ${size} bytes)`, ['header', 'range'], {
      status: 416,
      title: 'Range not satisfiable',
      kind: 'range-not-satisfiable',
    }),
    {
      'content-range': `bytes */${size}`,
    },
  );
}

/** The request body as a Node stream that fails once more than `limit` bytes came, or when no byte came for `idleMs`. */
function limitedBody(c: Context, limit: number, overflow: { hit: boolean; stalled?: boolean }, idleMs: number): Readable {
  const web = c.req.raw.body;
  if (!web) return Readable.from([]);
  let seen = 0;
  let timer: NodeJS.Timeout | undefined;
  const arm = () => {
    clearTimeout(timer);
    timer = setTimeout(() => {
      // Waiting on the cloud (backpressure), not on the client: keep waiting.
      if (counter.writableNeedDrain || counter.readableLength >= counter.readableHighWaterMark) return arm();
      overflow.stalled = true;
      counter.destroy(new PolycloudError('TIMEOUT', `the request body stalled: no data for ${idleMs} ms`, { retryable: true }));
    }, idleMs);
    timer.unref();
  };
  const counter = new Transform({
    transform(chunk: Buffer, _enc, done) {
      arm();
      seen += chunk.length;
      if (seen > limit) {
        overflow.hit = true;
        done(new PolycloudError('INVALID_ARGUMENT', `the request body is larger than ${limit} bytes`, { retryable: false }));
        return;
      }
      done(null, chunk);
    },
  });
  const source = Readable.fromWeb(web as unknown as NodeReadableStream<Uint8Array>);
  source.on('error', (e) => counter.destroy(e));
  counter.on('close', () => {
    clearTimeout(timer);
    source.destroy();
  });
  counter.on('finish', () => clearTimeout(timer));
  // The error (overflow, stall) may come before the facade reads the body (it waits for a
  // slot): without a listener it would be an uncaught exception. The reader still sees it.
  counter.on('error', () => {});
  arm();
  return source.pipe(counter);
}

/** The binding and provider token a `cursor` carries (base64url JSON); 400 at `['query', 'cursor']` for anything else. */
function cursorOf(cursor: string): { b: string; t: string } {
  try {
    const v = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8')) as { b?: unknown; t?: unknown };
    if (typeof v.b === 'string' && v.b && typeof v.t === 'string' && v.t) return { b: v.b, t: v.t };
  } catch {
    // fall through
  }
  throw new ProblemError(problem('INVALID_ARGUMENT', 'not a cursor this gateway issued', ['query', 'cursor']));
}

/** A raw (non-JSON) response; the route's declared responses describe it for the document. */
const raw = (r: Response) => r as never;

const objectPath = '/_polycloud/v1/buckets/{bucket}/objects/{key}';
const objectParams = z.object({ bucket: BucketParam, key: KeyParam });

export function registerBucketRoutes(app: RestApp, deps: RestDeps): void {
  const { polycloud, config } = deps;
  const bucket = (id: string) => call(() => lookupResource(() => polycloud.bucket(id), 'LogicalBucket', id, 'bucket'), ['path', 'bucket']);

  app.openapi(
    createRoute({
      method: 'get',
      path: '/_polycloud/v1/buckets',
      operationId: 'listBuckets',
      summary: 'The LogicalBuckets the caller may read',
      tags: ['buckets'],
      security,
      responses: {
        200: { description: 'Buckets', content: { 'application/json': { schema: z.object({ buckets: z.array(BucketSummarySchema) }) } } },
        ...errorResponses,
      },
    }),
    (c) => {
      const principal = c.get('principal');
      const buckets = polycloud.resources
        .filter((r) => r.type === 'LogicalBucket' && deps.credentials.allows(principal, r.resource_id, 'read'))
        .map((r) => {
          const resource = polycloud.bucket(r.resource_id).resource;
          return {
            id: resource.resource_id,
            bindings: resource.providers.map((p) => ({ id: p.id, cloud: p.cloud, ...(p.region ? { region: p.region } : {}) })),
            replication: resource.replication.mode,
          };
        });
      return c.json({ buckets }, 200);
    },
  );

  app.openapi(
    createRoute({
      method: 'get',
      path: '/_polycloud/v1/buckets/{bucket}/objects',
      operationId: 'listObjects',
      summary: 'List objects, a page at a time',
      tags: ['objects'],
      security,
      request: {
        params: z.object({ bucket: BucketParam }),
        query: z.object({
          prefix: z.string().max(1024).optional(),
          delimiter: z.string().min(1).max(16).optional(),
          cursor: z.string().min(1).optional().openapi({ description: 'The `cursor` of the previous page' }),
          limit: z.coerce.number().int().min(1).max(1000).optional().openapi({ description: 'Page size (default 1000)' }),
        }),
      },
      responses: { 200: { description: 'One page', content: { 'application/json': { schema: ListPageSchema } } }, ...errorResponses },
    }),
    async (c) => {
      const { bucket: id } = c.req.valid('param');
      const q = c.req.valid('query');
      requireScope(c, deps, id, 'read');
      const cursor = q.cursor === undefined ? undefined : cursorOf(q.cursor);
      const b = await bucket(id);
      const page = await call(
        () =>
          b.list({
            ...(q.prefix !== undefined ? { prefix: q.prefix } : {}),
            ...(q.delimiter !== undefined ? { delimiter: q.delimiter } : {}),
            // A provider's token is valid on its own binding only: the next page is read there.
            ...(cursor ? { continuationToken: cursor.t, binding: cursor.b } : {}),
            pageSize: q.limit ?? 1000,
          }),
        // The binding and token came in the cursor.
        (path) => (path[0] === 'binding' || path[0] === 'continuationToken' ? ['query', 'cursor'] : ['query', ...path]),
      );
      return c.json(
        {
          objects: page.objects.map(infoJson),
          prefixes: page.prefixes,
          ...(page.continuationToken
            ? { cursor: Buffer.from(JSON.stringify({ b: page.binding, t: page.continuationToken }), 'utf8').toString('base64url') }
            : {}),
          binding: page.binding,
        },
        200,
      );
    },
  );

  app.openapi(
    createRoute({
      method: 'put',
      path: objectPath,
      operationId: 'putObject',
      summary: 'Write an object (the body is streamed)',
      description:
        'The body is the object. `Content-Type` is stored; `x-polycloud-meta-<name>` headers are user metadata, `x-polycloud-tag-<name>` headers routing and residency tags. `If-Match` (a version token) and `If-None-Match: *` make the write conditional.',
      tags: ['objects'],
      security,
      request: {
        params: objectParams,
        headers: z.object({
          'if-match': z.string().optional(),
          'if-none-match': z.literal('*').optional(),
        }),
        body: { content: { 'application/octet-stream': { schema: z.string().openapi({ type: 'string', format: 'binary' }) } }, required: false },
      },
      responses: {
        201: { description: 'Written', content: { 'application/json': { schema: PutResultSchema } } },
        408: {
          description: 'The body stalled (no byte for the idle timeout)',
          content: { 'application/problem+json': { schema: errorResponses[400].content['application/problem+json'].schema } },
        },
        ...errorResponses,
      },
    }),
    async (c) => {
      const { bucket: id, key } = c.req.valid('param');
      const h = c.req.valid('header');
      requireScope(c, deps, id, 'write');
      const b = await bucket(id);
      const limit = config.limits.maxBodyBytes;
      const length = c.req.header('content-length');
      const overflow: { hit: boolean; stalled?: boolean } = { hit: false };
      const idleMs = deps.bodyIdleTimeoutMs ?? BODY_IDLE_TIMEOUT_MS;
      const body = limitedBody(c, limit, overflow, idleMs);
      const contentType = c.req.header('content-type');
      const metadata = prefixed(c, META, true);
      const tags = prefixed(c, TAG);
      try {
        const result = await call(
          () =>
            b.put(key, body, {
              ...(contentType ? { contentType } : {}),
              ...(metadata ? { metadata } : {}),
              ...(tags ? { tags } : {}),
              ...(h['if-match'] ? { ifMatch: unquote(h['if-match'])! } : {}),
              ...(h['if-none-match'] ? { ifNoneMatch: '*' as const } : {}),
              ...(length !== undefined && /^\d+$/.test(length) ? { contentLength: Number(length) } : {}),
              // While bytes come, an upload takes as long as it needs; a stalled one fails on the idle timeout.
              timeoutMs: MAX_CALL_TIMEOUT_MS,
            }),
          objectRequestPath,
        );
        return c.json(
          { key: result.key, versionToken: result.versionToken, ...(result.size === undefined ? {} : { size: result.size }), binding: result.binding },
          201,
          {
            etag: etag(result.versionToken),
          },
        );
      } catch (error) {
        if (overflow.hit) throw bodyTooLarge(limit);
        if (overflow.stalled) throw bodyStalled(idleMs);
        throw error;
      } finally {
        body.destroy();
      }
    },
  );

  const getRoute = (method: 'get' | 'head') =>
    createRoute({
      method,
      path: objectPath,
      operationId: method === 'get' ? 'getObject' : 'headObject',
      summary: method === 'get' ? 'Read an object, or a byte range of it' : 'An object’s size, version token, content type and metadata',
      tags: ['objects'],
      security,
      request: {
        params: objectParams,
        headers: z.object({
          ...(method === 'get'
            ? { range: z.string().optional().openapi({ description: 'One `bytes=` range (`bytes=0-99`, `bytes=100-`, `bytes=-50`)' }) }
            : {}),
          'if-match': z.string().optional(),
        }),
      },
      responses: {
        200: {
          description: 'The object (metadata in `x-polycloud-meta-*`, version token in `ETag` and `x-polycloud-version-token`)',
          ...(method === 'get' ? { content: { 'application/octet-stream': { schema: z.string().openapi({ type: 'string', format: 'binary' }) } } } : {}),
        },
        ...(method === 'get'
          ? {
              206: {
                description: 'The requested range (`Content-Range`)',
                content: { 'application/octet-stream': { schema: z.string().openapi({ type: 'string', format: 'binary' }) } },
              },
              416: {
                description: 'Range not satisfiable',
                content: { 'application/problem+json': { schema: errorResponses[400].content['application/problem+json'].schema } },
              },
            }
          : {}),
        ...errorResponses,
      },
    });

  /** HEAD: the object's headers from a head call; no object body is opened at the cloud. */
  const headObject = async (c: Context) => {
    const { bucket: id, key } = c.req.param() as { bucket: string; key: string };
    requireScope(c, deps, id, 'read');
    const b = await bucket(id);
    const tags = prefixed(c, TAG);
    const info = await call(() => b.head(key, tags ? { tags } : {}), objectRequestPath);
    // Core's head takes no condition: If-Match is checked here, as GET has the cloud check it.
    const ifMatch = unquote(c.req.header('if-match'));
    if (ifMatch && ifMatch !== '*' && ifMatch !== info.versionToken) {
      throw new ProblemError(problem('CONDITION_NOT_MET', `the object's version is not ${ifMatch}`, ['header', 'if-match']));
    }
    return raw(new Response(null, { status: 200, headers: { ...objectHeaders(info), 'content-length': String(info.size) } }));
  };

  app.openapi(getRoute('get'), async (c) => {
    // Hono answers HEAD with the GET route (and drops the body unread): answer it from a head call instead.
    if (c.req.method === 'HEAD') return headObject(c);
    const { bucket: id, key } = c.req.valid('param');
    requireScope(c, deps, id, 'read');
    const b = await bucket(id);
    const ifMatch = unquote(c.req.header('if-match'));
    const tags = prefixed(c, TAG);
    const common = { ...(ifMatch ? { ifMatch } : {}), ...(tags ? { tags } : {}) };
    let range = parseRange(c.req.header('range'));
    if (range.kind === 'suffix') {
      const info = await call(() => b.head(key, tags ? { tags } : {}), objectRequestPath);
      if (range.length === 0) throw rangeNotSatisfiable(info.size);
      range = { kind: 'range', start: Math.max(0, info.size - range.length) };
      if (info.size === 0) range = { kind: 'none' };
    }
    let object: StoredObject;
    try {
      object = await call(() =>
        b.get(key, { ...common, ...(range.kind === 'range' ? { range: { start: range.start, ...(range.end === undefined ? {} : { end: range.end }) } } : {}) }),
      );
    } catch (error) {
      if (range.kind === 'range' && error instanceof ProblemError && error.problem.code === 'INVALID_ARGUMENT') {
        const info = await call(() => b.head(key, tags ? { tags } : {}), objectRequestPath);
        if (range.start >= info.size) throw rangeNotSatisfiable(info.size);
      }
      throw error;
    }
    const headers = objectHeaders(object);
    const end = range.kind === 'range' ? Math.min(range.end ?? object.size - 1, object.size - 1) : object.size - 1;
    const length = range.kind === 'range' ? end - range.start + 1 : object.size;
    // Exactly the announced length, or the response fails: a body that ended early is not a whole object.
    const body = Readable.toWeb(
      exactLength(object.body, length, (n, want) => new Error(`the store sent ${n} of ${want} bytes of ${id}/${key}`)),
    ) as unknown as ReadableStream;
    if (range.kind === 'range') {
      return raw(
        new Response(body, {
          status: 206,
          headers: { ...headers, 'content-range': `bytes ${range.start}-${end}/${object.size}`, 'content-length': String(end - range.start + 1) },
        }),
      );
    }
    return raw(new Response(body, { status: 200, headers: { ...headers, 'content-length': String(object.size) } }));
  });

  app.openapi(getRoute('head'), (c) => headObject(c));

  app.openapi(
    createRoute({
      method: 'delete',
      path: objectPath,
      operationId: 'deleteObject',
      summary: 'Delete an object (deleting a missing object succeeds)',
      tags: ['objects'],
      security,
      request: { params: objectParams, headers: z.object({ 'if-match': z.string().optional() }) },
      responses: { 204: { description: 'Deleted' }, ...errorResponses },
    }),
    async (c) => {
      const { bucket: id, key } = c.req.valid('param');
      requireScope(c, deps, id, 'delete');
      const b = await bucket(id);
      const ifMatch = unquote(c.req.valid('header')['if-match']);
      const tags = prefixed(c, TAG);
      await call(() => b.delete(key, { ...(ifMatch ? { ifMatch } : {}), ...(tags ? { tags } : {}) }), objectRequestPath);
      return raw(new Response(null, { status: 204 }));
    },
  );

  app.openapi(
    createRoute({
      method: 'post',
      path: '/_polycloud/v1/buckets/{bucket}/delete',
      operationId: 'deleteObjects',
      summary: 'Delete many objects; the keys that failed are listed with their error',
      tags: ['objects'],
      security,
      request: { params: z.object({ bucket: BucketParam }), body: { content: { 'application/json': { schema: DeleteManyRequestSchema } }, required: true } },
      responses: {
        200: { description: 'What was deleted, what failed', content: { 'application/json': { schema: DeleteManyResultSchema } } },
        ...errorResponses,
      },
    }),
    async (c) => {
      const { bucket: id } = c.req.valid('param');
      const { keys } = c.req.valid('json');
      requireScope(c, deps, id, 'delete');
      const b = await bucket(id);
      const result = await call(() => b.deleteMany(keys), ['body']);
      return c.json(
        {
          deleted: result.deleted,
          errors: result.errors.map(({ key, error }) => {
            const p = problemFromError(error);
            return { key, code: p.code, detail: p.detail };
          }),
        },
        200,
      );
    },
  );

  app.openapi(
    createRoute({
      method: 'post',
      path: '/_polycloud/v1/buckets/{bucket}/copy',
      operationId: 'copyObject',
      summary: 'Copy an object inside the bucket (needs read and write)',
      tags: ['objects'],
      security,
      request: { params: z.object({ bucket: BucketParam }), body: { content: { 'application/json': { schema: CopyRequestSchema } }, required: true } },
      responses: { 201: { description: 'Copied', content: { 'application/json': { schema: PutResultSchema } } }, ...errorResponses },
    }),
    async (c) => {
      const { bucket: id } = c.req.valid('param');
      const body = c.req.valid('json');
      requireScope(c, deps, id, 'read');
      requireScope(c, deps, id, 'write');
      const b = await bucket(id);
      const r = await call(
        () =>
          b.copy(body.source, body.destination, {
            ...(body.contentType ? { contentType: body.contentType } : {}),
            ...(body.metadata ? { metadata: body.metadata } : {}),
            ...(body.tags ? { tags: body.tags } : {}),
            ...(body.ifNoneMatch ? { ifNoneMatch: '*' as const } : {}),
          }),
        ['body'],
      );
      return c.json({ key: r.key, versionToken: r.versionToken, ...(r.size === undefined ? {} : { size: r.size }), binding: r.binding }, 201);
    },
  );

  app.openapi(
    createRoute({
      method: 'post',
      path: '/_polycloud/v1/buckets/{bucket}/presign',
      operationId: 'presignObject',
      summary: 'A signed URL of one cloud for one GET (read scope) or PUT (write scope)',
      tags: ['objects'],
      security,
      request: { params: z.object({ bucket: BucketParam }), body: { content: { 'application/json': { schema: PresignRequestSchema } }, required: true } },
      responses: { 200: { description: 'The URL: treat it as a secret', content: { 'application/json': { schema: PresignResultSchema } } }, ...errorResponses },
    }),
    async (c) => {
      const { bucket: id } = c.req.valid('param');
      const body = c.req.valid('json');
      requireScope(c, deps, id, body.method === 'GET' ? 'read' : 'write');
      const max = config.limits.maxPresignExpirySeconds;
      if (body.expiresInSeconds > max) {
        throw new ProblemError(problem('INVALID_ARGUMENT', `expiresInSeconds is at most ${max} on this gateway`, ['body', 'expiresInSeconds']));
      }
      const b = await bucket(id);
      const r = await call(
        () =>
          b.presign(body.key, {
            method: body.method,
            expiresInSeconds: body.expiresInSeconds,
            ...(body.contentType ? { contentType: body.contentType } : {}),
            ...(body.tags ? { tags: body.tags } : {}),
          }),
        ['body'],
      );
      return c.json({ url: r.url, binding: r.binding, expiresAt: r.expiresAt.toISOString() }, 200, { 'cache-control': 'no-store' });
    },
  );

  app.openapi(
    createRoute({
      method: 'get',
      path: '/_polycloud/v1/buckets/{bucket}/explain',
      operationId: 'explainRoute',
      summary: 'Where an operation on a key would go, and why (admin scope)',
      tags: ['routing'],
      security,
      request: {
        params: z.object({ bucket: BucketParam }),
        query: z.object({ operation: z.enum(OPERATION_KINDS).default('read'), key: z.string().min(1).optional() }),
      },
      responses: {
        200: { description: 'Every candidate binding with its verdict and scores', content: { 'application/json': { schema: RouteExplanationSchema } } },
        ...errorResponses,
      },
    }),
    async (c) => {
      const { bucket: id } = c.req.valid('param');
      const q = c.req.valid('query');
      requireScope(c, deps, id, 'admin');
      const b = await bucket(id);
      const tags = prefixed(c, TAG);
      const e = await call(() => b.explain(q.operation, q.key, tags), ['query']);
      return c.json(JSON.parse(JSON.stringify(e)) as z.infer<typeof RouteExplanationSchema>, 200);
    },
  );

  app.openapi(
    createRoute({
      method: 'get',
      path: '/_polycloud/v1/buckets/{bucket}/replication',
      operationId: 'replicationStatus',
      summary: 'Replication backlog, lag and failures of a replicated bucket',
      tags: ['replication'],
      security,
      request: { params: z.object({ bucket: BucketParam }) },
      responses: { 200: { description: 'Status', content: { 'application/json': { schema: SyncStatusSchema } } }, ...errorResponses },
    }),
    async (c) => {
      const { bucket: id } = c.req.valid('param');
      requireScope(c, deps, id, 'read');
      await bucket(id);
      const s = await call(async () => polycloud.sync(id).status());
      return c.json(JSON.parse(JSON.stringify(s)) as z.infer<typeof SyncStatusSchema>, 200);
    },
  );

  app.openapi(
    createRoute({
      method: 'get',
      path: '/_polycloud/v1/buckets/{bucket}/replication/objects/{key}',
      operationId: 'objectReplicationStatus',
      summary: 'Replication state of one object, per binding (known to this process)',
      tags: ['replication'],
      security,
      request: { params: objectParams },
      responses: { 200: { description: 'Status', content: { 'application/json': { schema: ObjectReplicationSchema } } }, ...errorResponses },
    }),
    async (c) => {
      const { bucket: id, key } = c.req.valid('param');
      requireScope(c, deps, id, 'read');
      await bucket(id);
      const s = await call(async () => polycloud.sync(id).objectStatus(key));
      if (!s) throw new ProblemError(problem('NOT_FOUND', `no replication record of ${key} in ${id} in this process`, ['path', 'key']));
      return c.json(JSON.parse(JSON.stringify(s)) as z.infer<typeof ObjectReplicationSchema>, 200);
    },
  );

  app.openapi(
    createRoute({
      method: 'post',
      path: '/_polycloud/v1/buckets/{bucket}/replication/drain',
      operationId: 'drainReplication',
      summary: 'Replicate everything pending now, until the journal is empty (admin scope)',
      tags: ['replication'],
      security,
      request: { params: z.object({ bucket: BucketParam }), body: { content: { 'application/json': { schema: DrainRequestSchema } }, required: false } },
      responses: { 200: { description: 'What the drain did', content: { 'application/json': { schema: DrainResultSchema } } }, ...errorResponses },
    }),
    async (c) => {
      const { bucket: id } = c.req.valid('param');
      const body = c.req.valid('json');
      requireScope(c, deps, id, 'admin');
      await bucket(id);
      const reports = await call(
        async () =>
          polycloud.sync(id).drain({
            ...(body.timeoutMs === undefined ? {} : { timeoutMs: body.timeoutMs }),
            ...(body.onLeased === undefined ? {} : { onLeased: body.onLeased }),
            signal: c.req.raw.signal,
          }),
        ['body'],
      );
      const last = reports[reports.length - 1];
      return c.json(
        {
          rounds: reports.length,
          writes: reports.reduce((n, r) => n + r.writes, 0),
          conflicts: reports.reduce((n, r) => n + r.conflicts, 0),
          failedKeys: [...new Set(reports.flatMap((r) => r.failedKeys))],
          more: last?.more ?? false,
        },
        200,
      );
    },
  );
}
