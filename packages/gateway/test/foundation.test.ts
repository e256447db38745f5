import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { thrownError } from '@polycloud/core/testing';
import { createCredentialStore, createGateway, createRateLimiter, parseBearer, resolveGatewayConfig, secretsEqual } from '@polycloud/gateway';
import { ADMIN, memoryPolycloud, SECRET, startGateway } from './helpers.js';

describe('gateway config', () => {
  it('applies the defaults: loopback, port 8080, us-east-1, no anonymous access', () => {
    const c = resolveGatewayConfig({});
    expect(c.listen).toEqual({ host: '127.0.0.1', port: 8080 });
    expect(c.region).toBe('us-east-1');
    expect(c.anonymous).toBeUndefined();
    expect(c.limits.clockSkewSeconds).toBe(900);
    expect(c.limits.maxPresignExpirySeconds).toBe(604_800);
  });

  it('reports problems as CONFIG_INVALID with their path', async () => {
    const polycloud = memoryPolycloud();
    const error = thrownError(() =>
      createGateway({
        polycloud,
        config: { credentials: [{ accessKeyId: 'k1', secretAccessKey: 'short', buckets: ['lb'], actions: ['read', 'fly' as 'read'] }] },
      }),
    );
    expect(error.code).toBe('CONFIG_INVALID');
    expect(error.path).toEqual(['credentials', 0, 'secretAccessKey']);
    expect(error.context.issues?.map((i) => i.path)).toContainEqual(['credentials', 0, 'actions', 1]);
    await polycloud.close();
  });
});

describe('credentials and scopes', () => {
  const store = createCredentialStore(
    resolveGatewayConfig({
      credentials: [{ accessKeyId: 'k1', secretAccessKey: SECRET, buckets: ['lb'], actions: ['read'] }],
      anonymous: { buckets: ['public'], actions: ['read'] },
    }),
  );

  it('verifies a key and its secret, and nothing else', () => {
    expect(store.verify('k1', SECRET)?.id).toBe('k1');
    expect(store.verify('k1', `${SECRET}x`)).toBeUndefined();
    expect(store.verify('k2', SECRET)).toBeUndefined();
    expect(store.secretFor('k1')).toBe(SECRET);
    expect(secretsEqual('a', 'a')).toBe(true);
    expect(secretsEqual('a', 'ab')).toBe(false);
  });

  it('scopes a principal to its buckets and actions', () => {
    const k1 = store.principalFor('k1')!;
    expect(store.allows(k1, 'lb', 'read')).toBe(true);
    expect(store.allows(k1, 'lb', 'write')).toBe(false);
    expect(store.allows(k1, 'other', 'read')).toBe(false);
    expect(store.allows(store.anonymous()!, 'public', 'read')).toBe(true);
    expect(store.allows(store.anonymous()!, 'lb', 'read')).toBe(false);
    expect(createCredentialStore(resolveGatewayConfig({})).anonymous()).toBeUndefined();
  });

  it('reads Bearer <accessKeyId>:<secret>', () => {
    expect(parseBearer(undefined)).toEqual({ kind: 'none' });
    expect(parseBearer('Bearer k1:a:b')).toEqual({ kind: 'bearer', accessKeyId: 'k1', secret: 'a:b' });
    expect(parseBearer('Basic abc')).toEqual({ kind: 'malformed' });
    expect(parseBearer('Bearer nocolon')).toEqual({ kind: 'malformed' });
  });
});

describe('rate limiter', () => {
  it('allows the burst, then refuses until tokens come back', () => {
    let t = 0;
    const limiter = createRateLimiter(
      { maxBodyBytes: 1, maxRequestsPerSecond: 2, burst: 2, clockSkewSeconds: 0, maxPresignExpirySeconds: 1, multipartExpirySeconds: 1 },
      () => t,
    );
    expect([limiter.take('p'), limiter.take('p'), limiter.take('p')]).toEqual([true, true, false]);
    expect(limiter.take('q')).toBe(true);
    expect(limiter.retryAfterSeconds('p')).toBe(1);
    t = 500;
    expect(limiter.take('p')).toBe(true);
    expect(limiter.take('p')).toBe(false);
  });
});

describe('server routing', () => {
  let g: Awaited<ReturnType<typeof startGateway>>;
  beforeAll(async () => {
    g = await startGateway();
  });
  afterAll(() => g.stop());

  it('listens on loopback and serves the OpenAPI document without credentials', async () => {
    expect(g.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    const res = await fetch(`${g.url}/_polycloud/openapi.json`);
    expect(res.status).toBe(200);
    const doc = (await res.json()) as { openapi: string; components: { securitySchemes: Record<string, unknown> } };
    expect(doc.openapi).toBe('3.0.3');
    expect(Object.keys(doc.components.securitySchemes)).toEqual(['bearerAuth']);
  });

  it('sends other paths to the S3 endpoint', async () => {
    const res = await fetch(`${g.url}/some-bucket/key`, { headers: ADMIN });
    expect(res.headers.get('content-type')).toContain('xml');
    await res.text();
  });

  it('its handler mounts in a server the application already runs', async () => {
    const { createServer } = await import('node:http');
    const server = createServer(g.gateway.handler);
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    try {
      const port = (server.address() as { port: number }).port;
      const res = await fetch(`http://127.0.0.1:${port}/_polycloud/v1/buckets`, { headers: ADMIN });
      expect(res.status).toBe(200);
      expect(((await res.json()) as { buckets: unknown[] }).buckets.length).toBe(2);
      expect(g.gateway.openApiDocument()).toHaveProperty('openapi', '3.0.3');
    } finally {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    }
  });

  it('answers 401 problem without credentials', async () => {
    const res = await fetch(`${g.url}/_polycloud/v1/buckets/lb/objects`);
    expect(res.status).toBe(401);
    expect(res.headers.get('content-type')).toBe('application/problem+json');
    expect(res.headers.get('www-authenticate')).toContain('Bearer');
    const body = (await res.json()) as { code: string; status: number; path: unknown[] };
    expect(body).toMatchObject({ code: 'PERMISSION_DENIED', status: 401, path: ['header', 'authorization'] });
  });
});

describe('routing between the REST API and the S3 endpoint', () => {
  it('sends /_polycloud and below to the REST API, in origin form and in absolute form (RFC 9112 §3.2.2)', async () => {
    const { isRestPath } = await import('@polycloud/gateway');
    expect(isRestPath('/_polycloud/openapi.json')).toBe(true);
    expect(isRestPath('/_polycloud')).toBe(true);
    expect(isRestPath('http://127.0.0.1:8080/_polycloud/v1/buckets?x=1')).toBe(true);
    expect(isRestPath('/_polycloudx/key')).toBe(false);
    expect(isRestPath('/bucket/_polycloud/key')).toBe(false);
    expect(isRestPath('http://127.0.0.1:8080/bucket/key')).toBe(false);
    expect(isRestPath('*')).toBe(false);
  });
});
