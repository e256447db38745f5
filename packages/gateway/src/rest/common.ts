import type { Polycloud } from '@polycloud/core';
import { isPolycloudError } from '@polycloud/core/spi';
import type { OpenAPIHono } from '@hono/zod-openapi';
import type { Context } from 'hono';
import type { CredentialStore, GatewayAction, Principal } from '../auth.js';
import type { ResolvedGatewayConfig } from '../config.js';
import type { RateLimiter } from '../limits.js';
import { type Problem, problem } from '../problem.js';

export interface RestDeps {
  polycloud: Polycloud;
  config: ResolvedGatewayConfig;
  credentials: CredentialStore;
  rateLimit: RateLimiter;
  /** Aborted when the gateway closes: ends event streams. */
  closing: AbortSignal;
  /** How long an object upload may go without a byte before it fails (408). Default {@link BODY_IDLE_TIMEOUT_MS}. */
  bodyIdleTimeoutMs?: number;
}

/**
 * An upload fails after this long without a byte (a stalled client). While bytes come it
 * may take as long as it needs: it is not cut at the instance's per-operation deadline.
 */
export const BODY_IDLE_TIMEOUT_MS = 60_000;
/** The longest deadline a facade call takes (24 h): an upload's overall bound. */
export const MAX_CALL_TIMEOUT_MS = 24 * 3_600_000;

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

/** 401: no, malformed or wrong credentials (one answer for an unknown key and a wrong secret). */
export function unauthenticated(detail: string): ProblemError {
  return new ProblemError(
    problem('PERMISSION_DENIED', detail, ['header', 'authorization'], { status: 401, title: 'Unauthenticated', kind: 'unauthenticated' }),
    {
      'www-authenticate': 'Bearer realm="polycloud"',
    },
  );
}

/** 413: the body is over the limit. The connection is closed rather than the rest of the body read. */
export function bodyTooLarge(limit: number): ProblemError {
  return new ProblemError(
    problem('INVALID_ARGUMENT', `the request body is larger than ${limit} bytes`, ['body'], {
      status: 413,
      title: 'Content too large',
      kind: 'body-too-large',
    }),
    {
      connection: 'close',
    },
  );
}

/** 408: the client stopped sending the body. */
export function bodyStalled(idleMs: number): ProblemError {
  return new ProblemError(
    problem('TIMEOUT', `the request body stalled: no data for ${idleMs} ms`, ['body'], { status: 408, title: 'Request timeout', kind: 'request-timeout' }),
    { connection: 'close' },
  );
}

/** Largest JSON request body, whatever `maxBodyBytes` allows. */
export const MAX_JSON_BYTES = 1024 * 1024;

/** The whole body as text if it has at most `limit` bytes, else undefined (reading stops there). */
export async function readLimited(body: ReadableStream<Uint8Array>, limit: number): Promise<string | undefined> {
  const reader = body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    size += value.length;
    if (size > limit) {
      await reader.cancel().catch(() => {});
      return undefined;
    }
    chunks.push(value);
  }
  return Buffer.concat(chunks).toString('utf8');
}

/**
 * Looks up a logical resource named in the path. An unknown id is a 404 naming only
 * that id: core's message lists every configured resource, which a key scoped to
 * other resources must not learn.
 */
export function lookupResource<T>(fn: () => T, type: 'LogicalBucket' | 'LogicalCluster', id: string, param: 'bucket' | 'cluster'): T {
  try {
    return fn();
  } catch (error) {
    if (isPolycloudError(error, 'NOT_FOUND')) throw new ProblemError(problem('NOT_FOUND', `no ${type} "${id}"`, ['path', param]));
    throw error;
  }
}
