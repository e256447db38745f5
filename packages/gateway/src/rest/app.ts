import type { Polycloud } from '@polycloud/core';
import { OpenAPIHono } from '@hono/zod-openapi';
import type { Context } from 'hono';
import { HTTPException } from 'hono/http-exception';
import type { CredentialStore, GatewayAction, Principal } from '../auth.js';
import { parseBearer } from '../auth.js';
import type { ResolvedGatewayConfig } from '../config.js';
import type { RateLimiter } from '../limits.js';
import { type Problem, problem, problemFromError } from '../problem.js';
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

export interface RestDeps {
  polycloud: Polycloud;
  config: ResolvedGatewayConfig;
  credentials: CredentialStore;
  rateLimit: RateLimiter;
  /** Aborted when the gateway closes: ends event streams. */
  closing: AbortSignal;
}

export interface RestEnv {
  Variables: { principal: Principal };
}

export type RestApp = OpenAPIHono<RestEnv>;

/** Answers a problem (RFC 9457) with its status and `application/problem+json`. */
export function problemResponse(c: Context, p: Problem, headers: Record<string, string> = {}): Response {
  return new Response(c.req.method === 'HEAD' ? null : JSON.stringify(p), {
    status: p.status,
    headers: { 'content-type': 'application/problem+json', 'cache-control': 'no-store', ...headers },
  });
}

/** Throws a problem out of a handler; `onError` answers it. */
export class ProblemError extends Error {
  constructor(
    readonly problem: Problem,
    readonly headers: Record<string, string> = {},
  ) {
    super(problem.detail);
  }
}

/** Refuses (403) unless the request's principal may do `action` on the logical resource `resource`. */
export function requireScope(c: Context<RestEnv>, deps: RestDeps, resource: string, action: GatewayAction): Principal {
  const principal = c.get('principal');
  if (!deps.credentials.allows(principal, resource, action)) {
    throw new ProblemError(
      problem(
        'PERMISSION_DENIED',
        `${principal.kind === 'anonymous' ? 'anonymous access' : `access key ${principal.id}`} may not ${action} on ${resource}`,
        [],
        {
          kind: 'forbidden',
        },
      ),
    );
  }
  return principal;
}

/** The REST API: a Hono app whose routes and schemas make the OpenAPI document. */
export function createRestApp(deps: RestDeps): RestApp {
  const app: RestApp = new OpenAPIHono<RestEnv>({
    // A request that fails its schema: 400 problem naming where (`['query', 'limit']`).
    defaultHook: (result, c) => {
      if (result.success) return;
      const issues = result.error.issues.map((i) => ({
        path: [result.target, ...i.path.map((p) => (typeof p === 'symbol' ? String(p) : p))],
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
          : problem(status >= 500 ? 'UNEXPECTED' : 'INVALID_ARGUMENT', error.message || 'bad request', [], { status });
      return problemResponse(c, p);
    }
    const p = problemFromError(error);
    const headers: Record<string, string> = p.code === 'RATE_LIMITED' ? { 'retry-after': '1' } : {};
    return problemResponse(c, p, headers);
  });

  app.notFound((c) =>
    problemResponse(c, problem('NOT_FOUND', `no such endpoint: ${c.req.method} ${new URL(c.req.url).pathname}`, [], { kind: 'no-such-endpoint' })),
  );

  // Authentication, then the principal's rate: before any handler, the document excepted.
  app.use(`${API_PREFIX}/*`, async (c, next) => {
    const auth = parseBearer(c.req.header('authorization'));
    let principal: Principal | undefined;
    if (auth.kind === 'none') {
      principal = deps.credentials.anonymous();
      if (!principal) throw unauthenticated('credentials are required: Authorization: Bearer <accessKeyId>:<secretAccessKey>');
    } else if (auth.kind === 'malformed') {
      throw unauthenticated('the Authorization header must be Bearer <accessKeyId>:<secretAccessKey>');
    } else {
      principal = deps.credentials.verify(auth.accessKeyId, auth.secret);
      if (!principal) throw unauthenticated('unknown access key or wrong secret');
    }
    if (!deps.rateLimit.take(principal.id)) {
      const wait = deps.rateLimit.retryAfterSeconds(principal.id);
      throw new ProblemError(
        problem('RATE_LIMITED', `too many requests for ${principal.id === 'anonymous' ? 'anonymous access' : `access key ${principal.id}`}`, [], {
          kind: 'too-many-requests',
        }),
        {
          'retry-after': String(Math.max(1, wait)),
        },
      );
    }
    c.set('principal', principal);
    await withTraceContext(c.req.header('traceparent'), c.req.header('tracestate'), next);
  });

  registerBucketRoutes(app, deps);
  registerJobRoutes(app, deps);

  app.doc(OPENAPI_PATH, (c) => ({
    openapi: '3.0.3',
    info: {
      title: 'polycloud gateway',
      version: GATEWAY_VERSION,
      description:
        'REST access to the LogicalBuckets and LogicalClusters of one polycloud instance. Every request goes through the same facade as embedded calls: routing, failover, residency and replication apply. Errors are RFC 9457 problem details.',
    },
    servers: [{ url: new URL(c.req.url).origin }],
    security: [{ bearerAuth: [] }],
  }));
  return app;
}

function unauthenticated(detail: string): ProblemError {
  return new ProblemError(
    problem('PERMISSION_DENIED', detail, ['header', 'authorization'], { status: 401, title: 'Unauthenticated', kind: 'unauthenticated' }),
    {
      'www-authenticate': 'Bearer realm="polycloud"',
    },
  );
}
