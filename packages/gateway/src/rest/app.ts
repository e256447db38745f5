import type { IncomingMessage } from 'node:http';
import { OpenAPIHono } from '@hono/zod-openapi';
import type { Context } from 'hono';
import { HTTPException } from 'hono/http-exception';
import { parseBearer, type Principal } from '../auth.js';
import { problem, problemFromError } from '../problem.js';
import {
  bodyTooLarge,
  MAX_JSON_BYTES,
  ProblemError,
  readLimited,
  problemResponse,
  type RestApp,
  type RestDeps,
  type RestEnv,
  unauthenticated,
} from './common.js';
import { GATEWAY_VERSION } from '../version.js';
import { registerBucketRoutes } from './buckets.js';
import { registerJobRoutes } from './jobs.js';
import { withTraceContext } from './trace.js';

/** Every REST path starts with this; the rest of the URL space is the S3 endpoint's. */
export const REST_PREFIX = '/_polycloud';
/** The API's version prefix. */
export const API_PREFIX = `${REST_PREFIX}/v1`;
/** Where the OpenAPI 3.0 document is served (without credentials). */
export const OPENAPI_PATH = `${REST_PREFIX}/openapi.json`;

export type { RestApp, RestDeps, RestEnv } from './common.js';

/** Where a request schema's problem is, as the problem's `path` names it: `['path', 'key']`, `['query', 'limit']`, `['body', 'keys', 0]`, `['header', 'if-none-match']`. */
const TARGET_NAMES: Record<string, string> = { param: 'path', json: 'body', query: 'query', header: 'header' };

/** The REST API: a Hono app whose routes and schemas make the OpenAPI document. */
export function createRestApp(deps: RestDeps): RestApp {
  const app: RestApp = new OpenAPIHono<RestEnv>({
    // A request that fails its schema: 400 problem naming where (`['query', 'limit']`).
    defaultHook: (result, c) => {
      if (result.success) return;
      const where = TARGET_NAMES[result.target] ?? result.target;
      const issues = result.error.issues.map((i) => ({
        path: [where, ...i.path.map((p) => (typeof p === 'symbol' ? String(p) : p))],
        message: i.message,
      }));
      const first = issues[0]!;
      return problemResponse(c, problem('INVALID_ARGUMENT', `invalid request: ${first.path.join('.')}: ${first.message}`, first.path, {}, issues));
    },
  });

  app.openAPIRegistry.registerComponent('securitySchemes', 'bearerAuth', {
    type: 'http',
    scheme: 'bearer',
    description: '`Authorization: Bearer <accessKeyId>:<secretAccessKey>` with a key from the gateway config. Sent over TLS only outside loopback.',
  });

  app.onError((error, c) => {
    if (error instanceof ProblemError) return problemResponse(c, error.problem, error.headers);
    if (error instanceof HTTPException) {
      const status = error.status;
      const p =
        status === 415
          ? problem('INVALID_ARGUMENT', 'unsupported media type', ['header', 'content-type'], {
              status: 415,
              title: 'Unsupported media type',
              kind: 'unsupported-media-type',
            })
          : problem(status >= 500 ? 'UNEXPECTED' : 'INVALID_ARGUMENT', error.message || 'bad request', /json/i.test(error.message) ? ['body'] : [], { status });
      return problemResponse(c, p);
    }
    const p = problemFromError(error);
    const headers: Record<string, string> = p.code === 'RATE_LIMITED' ? { 'retry-after': '1' } : {};
    return problemResponse(c, p, headers);
  });

  app.notFound((c) =>
    problemResponse(c, problem('NOT_FOUND', `no such endpoint: ${c.req.method} ${new URL(c.req.url).pathname}`, [], { kind: 'no-such-endpoint' })),
  );

  /** 429 for `id` when it is over its rate, else nothing. */
  const limit = (id: string, who: string) => {
    if (deps.rateLimit.take(id)) return;
    const wait = deps.rateLimit.retryAfterSeconds(id);
    throw new ProblemError(problem('RATE_LIMITED', `too many requests ${who}`, [], { kind: 'too-many-requests' }), {
      'retry-after': String(Math.max(1, wait)),
    });
  };
  /**
   * A failed authentication counts against the client address's own rate (when a rate
   * is configured), so secrets cannot be guessed faster than any key may call.
   */
  const refuse = (c: Context, detail: string): never => {
    const address = (c.env as { incoming?: IncomingMessage } | undefined)?.incoming?.socket.remoteAddress ?? 'unknown';
    limit(`unauthenticated@${address}`, 'with failed authentication from this address');
    throw unauthenticated(detail);
  };

  // Authentication, then the principal's rate: before any handler, the document excepted.
  app.use(`${API_PREFIX}/*`, async (c, next) => {
    const auth = parseBearer(c.req.header('authorization'));
    let principal: Principal | undefined;
    if (auth.kind === 'none') {
      principal = deps.credentials.anonymous();
      if (!principal) refuse(c, 'credentials are required: Authorization: Bearer <accessKeyId>:<secretAccessKey>');
    } else if (auth.kind === 'malformed') {
      refuse(c, 'the Authorization header must be Bearer <accessKeyId>:<secretAccessKey>');
    } else {
      principal = deps.credentials.verify(auth.accessKeyId, auth.secret);
      if (!principal) refuse(c, 'unknown access key or wrong secret');
    }
    if (!principal) throw unauthenticated('unknown access key or wrong secret'); // not reached: refuse() throws
    limit(principal.id, `for ${principal.id === 'anonymous' ? 'anonymous access' : `access key ${principal.id}`}`);
    const length = c.req.header('content-length');
    if (length !== undefined && Number(length) > deps.config.limits.maxBodyBytes) throw bodyTooLarge(deps.config.limits.maxBodyBytes);
    // A JSON body (the POST routes') is read whole, within its own smaller limit, before its route's schema checks it; object bodies stream.
    if (c.req.method === 'POST' && c.req.raw.body && /^application\/(?:[\w.+-]*\+)?json/i.test(c.req.header('content-type') ?? '')) {
      const jsonLimit = Math.min(deps.config.limits.maxBodyBytes, MAX_JSON_BYTES);
      const text = await readLimited(c.req.raw.body, jsonLimit);
      if (text === undefined) throw bodyTooLarge(jsonLimit);
      c.req.raw = new Request(c.req.url, { method: c.req.method, headers: c.req.raw.headers, body: text, signal: c.req.raw.signal });
    }
    c.set('principal', principal);
    await withTraceContext(c.req.header('traceparent'), c.req.header('tracestate'), next);
  });

  registerBucketRoutes(app, deps);
  registerJobRoutes(app, deps);

  let document: Record<string, unknown> | undefined;
  const openApiDocument = () =>
    (document ??= toOpenApi30(
      app.getOpenAPIDocument({
        openapi: '3.0.3',
        info: {
          title: 'polycloud gateway',
          version: GATEWAY_VERSION,
          description:
            'REST access to the LogicalBuckets and LogicalClusters of one polycloud instance. Every request goes through the same facade as embedded calls: routing, failover, residency and replication apply. Errors are RFC 9457 problem details (`application/problem+json`).',
        },
        tags: [
          { name: 'buckets', description: 'LogicalBuckets' },
          { name: 'objects', description: 'Objects in a LogicalBucket' },
          { name: 'routing', description: 'Route explanations' },
          { name: 'replication', description: 'Replication of a LogicalBucket with several bindings' },
          { name: 'jobs', description: 'DataJobs on a LogicalCluster' },
        ],
        security: [{ bearerAuth: [] }],
      }) as unknown as Record<string, unknown>,
    ));
  app.get(OPENAPI_PATH, (c) => c.json(openApiDocument()));
  Object.defineProperty(app, 'openApiDocument', { value: openApiDocument });
  return app;
}

/**
 * What OpenAPI 3.0 cannot say, said its way: a schema's `examples` list (JSON Schema,
 * from core's duration fields) becomes its first `example`. (A media type's or
 * parameter's `examples` is a map, and stays.)
 */
export function toOpenApi30<T>(value: T): T {
  if (Array.isArray(value)) return value.map(toOpenApi30) as T;
  if (!value || typeof value !== 'object') return value;
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(value)) {
    if (k === 'examples' && Array.isArray(v)) {
      if (v.length && !('example' in value)) out['example'] = v[0];
    } else out[k] = toOpenApi30(v);
  }
  return out as T;
}

/** The OpenAPI 3.0 document of a REST app (what `/_polycloud/openapi.json` serves). */
export function openApiDocumentOf(app: RestApp): Record<string, unknown> {
  return (app as unknown as { openApiDocument: () => Record<string, unknown> }).openApiDocument();
}
