import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ADMIN, startGateway } from './helpers.js';

const API = '/_polycloud/v1';
type Problem = { type: string; status: number; code: string; path: unknown[] };

let g: Awaited<ReturnType<typeof startGateway>>;
beforeAll(async () => {
  g = await startGateway();
  await g.polycloud.bucket('lb').put('five.txt', 'hello');
});
afterAll(() => g?.stop());

describe('stored values echoed in response headers', () => {
  it('metadata that is not printable ASCII comes back RFC 2047-encoded, not as a 500', async () => {
    const metadata = { who: '日本', crlf: 'a\r\nset-cookie: evil=1', spaced: ' x ', word: '=?x?=' };
    await g.polycloud.bucket('lb').put('meta.txt', 'x', { metadata: { ...metadata, plain: 'ana' } });
    for (const method of ['GET', 'HEAD']) {
      const r = await fetch(`${g.url}${API}/buckets/lb/objects/meta.txt`, { method, headers: ADMIN });
      expect(r.status).toBe(200);
      expect(r.headers.get('set-cookie')).toBeNull();
      expect(r.headers.get('x-polycloud-meta-plain')).toBe('ana');
      for (const [name, value] of Object.entries(metadata)) {
        const header = r.headers.get(`x-polycloud-meta-${name}`)!;
        expect(header).toMatch(/^=\?UTF-8\?B\?[A-Za-z0-9+/=]*\?=$/);
        expect(Buffer.from(header.slice(10, -2), 'base64').toString('utf8')).toBe(value);
      }
      await r.arrayBuffer();
    }
  });

  it('an encoded metadata header on put is decoded: values round-trip', async () => {
    const value = 'café 日本';
    const encoded = `=?UTF-8?B?${Buffer.from(value).toString('base64')}?=`;
    const put = await fetch(`${g.url}${API}/buckets/lb/objects/rt.txt`, { method: 'PUT', headers: { ...ADMIN, 'x-polycloud-meta-who': encoded }, body: 'x' });
    expect(put.status).toBe(201);
    expect((await g.polycloud.bucket('lb').head('rt.txt')).metadata).toEqual({ who: value });
    const r = await fetch(`${g.url}${API}/buckets/lb/objects/rt.txt`, { method: 'HEAD', headers: ADMIN });
    expect(r.headers.get('x-polycloud-meta-who')).toBe(encoded);
  });

  it('a content type with a line break is refused on copy (400 at its path), and a stored one is not echoed', async () => {
    const r = await fetch(`${g.url}${API}/buckets/lb/copy`, {
      method: 'POST',
      headers: { ...ADMIN, 'content-type': 'application/json' },
      body: JSON.stringify({ source: 'five.txt', destination: 'ct.txt', contentType: 'text/plain\r\nx-injected: 1' }),
    });
    expect(r.status).toBe(400);
    expect(((await r.json()) as Problem).path).toEqual(['body', 'contentType']);
    await g.polycloud.bucket('lb').put('ct.txt', 'x', { contentType: 'text/plain\nx-injected: 1' });
    const get = await fetch(`${g.url}${API}/buckets/lb/objects/ct.txt`, { headers: ADMIN });
    expect(get.status).toBe(200);
    expect(get.headers.get('content-type')).toBe('application/octet-stream');
    expect(get.headers.get('x-injected')).toBeNull();
    expect(await get.text()).toBe('x');
  });
});

describe('listObjects pagination', () => {
  it('a cursor stays on the binding that issued it: a failover does not apply it to another cloud', async () => {
    const { createPolycloud } = await import('@polycloud/core');
    const { createMemoryStorageAdapter } = await import('@polycloud/core/testing');
    const { PolycloudError } = await import('@polycloud/core/spi');
    const a = createMemoryStorageAdapter({ name: 'a', buckets: ['pa'] });
    let aDown = false;
    const flaky = new Proxy(a, {
      get(target, prop, receiver) {
        if (prop === 'list' && aDown) return async () => Promise.reject(new PolycloudError('UNAVAILABLE', 'a is down', { retryable: true }));
        return Reflect.get(target, prop, receiver) as unknown;
      },
    });
    const polycloud = createPolycloud({
      providers: [
        { name: 'a', adapter: flaky },
        { name: 'b', adapter: createMemoryStorageAdapter({ name: 'b', buckets: ['pb'] }) },
      ],
      resources: [
        {
          resource_id: 'lb',
          type: 'LogicalBucket',
          providers: [
            { cloud: 'a', physical_id: 'pa' },
            { cloud: 'b', physical_id: 'pb' },
          ],
          replication: { mode: 'none' },
        },
      ],
    });
    const own = await startGateway(undefined, polycloud);
    try {
      for (const k of ['k1', 'k2', 'k3']) await polycloud.bucket('lb').put(k, 'x');
      const first = (await (await fetch(`${own.url}${API}/buckets/lb/objects?limit=1`, { headers: ADMIN })).json()) as { binding: string; cursor?: string };
      expect(first.cursor).toBeDefined();
      const pinned = first.binding;
      // All pages, following cursors: each key once, every page from the first page's binding.
      const keys: string[] = [];
      let cursor: string | undefined;
      do {
        const r = await fetch(`${own.url}${API}/buckets/lb/objects?limit=1${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`, { headers: ADMIN });
        expect(r.status).toBe(200);
        const page = (await r.json()) as { objects: { key: string }[]; binding: string; cursor?: string };
        expect(page.binding).toBe(pinned);
        keys.push(...page.objects.map((o) => o.key));
        cursor = page.cursor;
      } while (cursor);
      expect(keys.sort()).toEqual(['k1', 'k2', 'k3']);
      // The cursor's binding fails: the next page is not read from another binding with that binding's token.
      aDown = pinned === 'a';
      const next = await fetch(`${own.url}${API}/buckets/lb/objects?limit=1&cursor=${encodeURIComponent(first.cursor!)}`, { headers: ADMIN });
      const body = (await next.json()) as { binding?: string };
      if (next.status === 200) expect(body.binding).toBe(pinned);
      else expect(next.status).toBe(503);
      // A cursor the gateway did not issue: 400 at the query parameter.
      const bad = await fetch(`${own.url}${API}/buckets/lb/objects?cursor=not-a-cursor`, { headers: ADMIN });
      expect(bad.status).toBe(400);
      expect(((await bad.json()) as Problem).path).toEqual(['query', 'cursor']);
    } finally {
      await own.stop();
    }
  });
});

describe('problem paths point into the request', () => {
  const ref = (v: object) => Buffer.from(JSON.stringify(v)).toString('base64url');

  it('malformed JSON is a problem at ["body"]', async () => {
    const r = await fetch(`${g.url}${API}/buckets/lb/delete`, {
      method: 'POST',
      headers: { ...ADMIN, 'content-type': 'application/json' },
      body: '{"keys": [',
    });
    expect(r.status).toBe(400);
    expect(((await r.json()) as Problem).path).toEqual(['body']);
  });

  it('a job id naming a binding the cluster does not have is a problem at ["path", "job"]', async () => {
    for (const [method, suffix] of [
      ['GET', ''],
      ['POST', '/cancel'],
      ['GET', '/events'],
    ] as const) {
      const r = await fetch(`${g.url}${API}/clusters/lc/jobs/${ref({ b: 'a', j: 'x', k: 'k' })}${suffix}`, { method, headers: ADMIN });
      expect(r.status).toBe(400);
      expect(((await r.json()) as Problem).path).toEqual(['path', 'job']);
    }
  });

  it('a cursor naming a binding the bucket does not have is a problem at ["query", "cursor"]', async () => {
    const r = await fetch(`${g.url}${API}/buckets/lb-us/objects?cursor=${ref({ b: 'a', t: 'x' })}`, { headers: ADMIN });
    expect(r.status).toBe(400);
    expect(((await r.json()) as Problem).path).toEqual(['query', 'cursor']);
  });
});

describe('secrets only from the environment', () => {
  it('a secret given as the default of a ${VAR:-default} reference is a secret in the file: refused, not echoed', async () => {
    const { loadPolycloudConfig } = await import('@polycloud/core/config');
    const { createAdapterRegistry, localComputeAdapterFactory } = await import('@polycloud/core');
    const { memoryStorageAdapterFactory, thrownError } = await import('@polycloud/core/testing');
    const { gatewayConfigFromFile } = await import('@polycloud/gateway');
    const registry = createAdapterRegistry([memoryStorageAdapterFactory, localComputeAdapterFactory]);
    const yaml = (secret: string) => `
providers: [{name: m, type: memory, buckets: [b]}]
resources: [{resource_id: lb, type: LogicalBucket, providers: [{cloud: m, physical_id: b}]}]
gateway:
  credentials:
    - {accessKeyId: k1, secretAccessKey: "${secret}", buckets: ['*'], actions: [read]}
`;
    for (const ref of ['${GW_REVIEW_SECRET:-Default-Secret-In-File-77}', '${GW_REVIEW_SECRET-Default-Secret-In-File-77}']) {
      const loaded = loadPolycloudConfig(yaml(ref), { registry, env: {} });
      const error = thrownError(() => gatewayConfigFromFile(loaded.gateway));
      expect(error.code).toBe('CONFIG_INVALID');
      expect(error.path).toEqual(['gateway', 'credentials', 0, 'secretAccessKey']);
      expect(`${error.message} ${JSON.stringify(error.toJSON())}`).not.toContain('Default-Secret-In-File-77');
    }
    const fromEnv = loadPolycloudConfig(yaml('${GW_REVIEW_SECRET}'), { registry, env: { GW_REVIEW_SECRET: 'From-The-Environment-43' } });
    expect(gatewayConfigFromFile(fromEnv.gateway).credentials[0]!.secretAccessKey).toBe('From-The-Environment-43');
  });
});

describe('the anonymous principal', () => {
  it('"anonymous" is not an access key id: such a key would share the anonymous rate limit', async () => {
    const { createGateway } = await import('@polycloud/gateway');
    const { thrownError } = await import('@polycloud/core/testing');
    const { memoryPolycloud } = await import('./helpers.js');
    const polycloud = memoryPolycloud();
    try {
      const error = thrownError(() =>
        createGateway({
          polycloud,
          config: { credentials: [{ accessKeyId: 'anonymous', secretAccessKey: 'Some-Secret-123', buckets: ['lb'], actions: ['read'] }] },
        }),
      );
      expect(error.code).toBe('CONFIG_INVALID');
      expect(error.path).toEqual(['credentials', 0, 'accessKeyId']);
    } finally {
      await polycloud.close();
    }
  });
});

describe('uploads: long while bytes come, cut when they stop', () => {
  const slowPolycloud = async () => {
    const { createPolycloud } = await import('@polycloud/core');
    const { createMemoryStorageAdapter } = await import('@polycloud/core/testing');
    return createPolycloud({
      timeoutMs: 1000,
      providers: [{ name: 'a', adapter: createMemoryStorageAdapter({ name: 'a', buckets: ['pa'] }) }],
      resources: [{ resource_id: 'lb', type: 'LogicalBucket', providers: [{ cloud: 'a', physical_id: 'pa' }] }],
    });
  };
  const trickle = (chunks: number, everyMs: number, stallAfter = Infinity) => {
    let i = 0;
    return new ReadableStream<Uint8Array>({
      async pull(ctl) {
        await new Promise((r) => setTimeout(r, i >= stallAfter ? 60_000 : everyMs));
        if (i++ >= chunks) ctl.close();
        else ctl.enqueue(new Uint8Array(10).fill(97));
      },
    });
  };

  it('a streamed upload that keeps sending is not cut at the instance per-operation deadline', async () => {
    const polycloud = await slowPolycloud();
    const own = await startGateway(undefined, polycloud);
    try {
      const r = await fetch(`${own.url}${API}/buckets/lb/objects/slow`, {
        method: 'PUT',
        headers: ADMIN,
        body: trickle(8, 250),
        duplex: 'half',
      } as RequestInit);
      expect(r.status).toBe(201);
      expect((await polycloud.bucket('lb').head('slow')).size).toBe(80);
    } finally {
      await own.stop();
    }
  }, 60_000);

  it('a body that stalls fails with 408 after the idle timeout, and nothing is stored', async () => {
    const { serve } = await import('@hono/node-server');
    const { createRestApp } = await import('../src/rest/app.js');
    const { resolveGatewayConfig } = await import('../src/config.js');
    const { createCredentialStore } = await import('../src/auth.js');
    const { createRateLimiter } = await import('../src/limits.js');
    const polycloud = await slowPolycloud();
    const config = resolveGatewayConfig({
      credentials: [{ accessKeyId: 'admin-key', secretAccessKey: ADMIN.authorization.split(':')[1]!, buckets: ['*'], actions: ['write', 'read'] }],
    });
    const app = createRestApp({
      polycloud,
      config,
      credentials: createCredentialStore(config),
      rateLimit: createRateLimiter(config.limits),
      closing: new AbortController().signal,
      bodyIdleTimeoutMs: 500,
    });
    const server = serve({ fetch: app.fetch, port: 0, hostname: '127.0.0.1' });
    await new Promise((r) => server.once('listening', r));
    const port = (server.address() as { port: number }).port;
    try {
      const body = trickle(8, 100, 3);
      const r = await fetch(`http://127.0.0.1:${port}${API}/buckets/lb/objects/stalled`, {
        method: 'PUT',
        headers: ADMIN,
        body,
        duplex: 'half',
      } as RequestInit).catch((e: unknown) => e);
      expect(r).toBeInstanceOf(Response);
      expect((r as Response).status).toBe(408);
      expect(((await (r as Response).json()) as Problem).code).toBe('TIMEOUT');
      await expect(polycloud.bucket('lb').head('stalled')).rejects.toMatchObject({ code: 'NOT_FOUND' });
    } finally {
      (server as import('node:http').Server).closeAllConnections();
      await new Promise((r) => server.close(r));
      await polycloud.close();
    }
  }, 60_000);
});

describe('an unknown resource in scope', () => {
  it('is a 404 at its path parameter that names no other resource', async () => {
    const own = await startGateway({
      listen: { port: 0 },
      credentials: [{ accessKeyId: 'ghostly', secretAccessKey: 'Ghostly-Secret-1234', buckets: ['ghost', 'lb'], actions: ['read', 'admin'] }],
    });
    const H = { authorization: 'Bearer ghostly:Ghostly-Secret-1234' };
    const job = Buffer.from(JSON.stringify({ b: 'mc', j: 'x', k: 'k' })).toString('base64url');
    try {
      const requests: [string, RequestInit, string[]][] = [
        ['/buckets/ghost/objects', {}, ['path', 'bucket']],
        ['/buckets/ghost/objects/x', {}, ['path', 'bucket']],
        ['/buckets/ghost/explain', {}, ['path', 'bucket']],
        ['/buckets/ghost/replication', {}, ['path', 'bucket']],
        ['/buckets/ghost/replication/objects/x', {}, ['path', 'bucket']],
        ['/buckets/ghost/replication/drain', { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' }, ['path', 'bucket']],
        [`/clusters/ghost/jobs/${job}`, {}, ['path', 'cluster']],
      ];
      for (const [path, init, where] of requests) {
        const r = await fetch(`${own.url}${API}${path}`, { ...init, headers: { ...H, ...(init.headers as Record<string, string>) } });
        const text = await r.text();
        expect(r.status, path).toBe(404);
        expect((JSON.parse(text) as Problem).path, path).toEqual(where);
        for (const other of ['lb-us', 'lc']) expect(text, path).not.toContain(other);
      }
    } finally {
      await own.stop();
    }
  });
});

describe('HEAD', () => {
  it('reads the object’s metadata only: no object body is opened (and left open) at the cloud', async () => {
    const { createPolycloud } = await import('@polycloud/core');
    const { createMemoryStorageAdapter } = await import('@polycloud/core/testing');
    const a = createMemoryStorageAdapter({ name: 'a', buckets: ['pa'] });
    const opened: { destroyed: boolean }[] = [];
    const counting = new Proxy(a, {
      get(target, prop, receiver) {
        const value = Reflect.get(target, prop, receiver) as unknown;
        if (prop !== 'get' || typeof value !== 'function') return value;
        return async (...args: unknown[]) => {
          const object = (await (value as (...a: unknown[]) => Promise<{ body: { destroyed: boolean } }>).apply(target, args)) as {
            body: { destroyed: boolean };
          };
          opened.push(object.body);
          return object;
        };
      },
    });
    const polycloud = createPolycloud({
      providers: [{ name: 'a', adapter: counting }],
      resources: [{ resource_id: 'lb', type: 'LogicalBucket', providers: [{ cloud: 'a', physical_id: 'pa' }] }],
    });
    const own = await startGateway(undefined, polycloud);
    try {
      const put = await polycloud.bucket('lb').put('h.txt', 'hello', { metadata: { who: 'ana' } });
      const url = `${own.url}${API}/buckets/lb/objects/h.txt`;
      const head = await fetch(url, { method: 'HEAD', headers: ADMIN });
      expect(head.status).toBe(200);
      expect(head.headers.get('content-length')).toBe('5');
      expect(head.headers.get('x-polycloud-meta-who')).toBe('ana');
      expect(head.headers.get('x-polycloud-version-token')).toBe(put.versionToken);
      expect(opened).toHaveLength(0);
      const stale = await fetch(url, { method: 'HEAD', headers: { ...ADMIN, 'if-match': '"not-the-version"' } });
      expect(stale.status).toBe(412);
      const missing = await fetch(`${own.url}${API}/buckets/lb/objects/none.txt`, { method: 'HEAD', headers: ADMIN });
      expect(missing.status).toBe(404);
      expect(opened).toHaveLength(0);
    } finally {
      await own.stop();
    }
  });
});

describe('conditional HEAD', () => {
  it('If-Match on HEAD is checked like on GET: 412 for another version, 200 for the current one', async () => {
    const put = await g.polycloud.bucket('lb').put('cond.txt', 'v1');
    const url = `${g.url}${API}/buckets/lb/objects/cond.txt`;
    const get = await fetch(url, { headers: { ...ADMIN, 'if-match': '"not-the-version"' } });
    expect(get.status).toBe(412);
    await get.arrayBuffer();
    const head = await fetch(url, { method: 'HEAD', headers: { ...ADMIN, 'if-match': '"not-the-version"' } });
    expect(head.status).toBe(412);
    const ok = await fetch(url, { method: 'HEAD', headers: { ...ADMIN, 'if-match': `"${put.versionToken}"` } });
    expect(ok.status).toBe(200);
    expect(ok.headers.get('x-polycloud-version-token')).toBe(put.versionToken);
  });
});

describe('HEAD on a job’s event stream', () => {
  it('answers the stream’s headers without starting a watch that polls the cloud until the gateway closes', async () => {
    const { createPolycloud } = await import('@polycloud/core');
    const { createMemoryComputeAdapter } = await import('@polycloud/core/testing');
    const adapter = createMemoryComputeAdapter({ name: 'mc', runMs: null });
    let calls = 0;
    const status = adapter.status.bind(adapter);
    adapter.status = ((...args: Parameters<typeof status>) => {
      calls++;
      return status(...args);
    }) as typeof adapter.status;
    const polycloud = createPolycloud({
      providers: [{ name: 'mc', adapter }],
      resources: [{ resource_id: 'lc', type: 'LogicalCluster', providers: [{ cloud: 'mc', physical_id: 'q' }] }],
    });
    const own = await startGateway(undefined, polycloud);
    try {
      const submitted = await fetch(`${own.url}${API}/clusters/lc/jobs`, {
        method: 'POST',
        headers: { ...ADMIN, 'content-type': 'application/json' },
        body: JSON.stringify({ apiVersion: 'batch.mcp/v1', kind: 'DataJob', metadata: { name: 'forever' }, spec: { image: 'x' } }),
      });
      const { id } = (await submitted.json()) as { id: string };
      const head = await fetch(`${own.url}${API}/clusters/lc/jobs/${id}/events?pollIntervalMs=50`, { method: 'HEAD', headers: ADMIN });
      expect(head.status).toBe(200);
      expect(head.headers.get('content-type')).toContain('text/event-stream');
      await new Promise((r) => setTimeout(r, 300));
      const after = calls;
      await new Promise((r) => setTimeout(r, 1000));
      expect(calls).toBe(after);
    } finally {
      await own.stop();
    }
  });
});

describe('a body that stalls before the facade reads it', () => {
  it('fails that request only (no uncaught stream error)', async () => {
    const { serve } = await import('@hono/node-server');
    const { createRestApp } = await import('../src/rest/app.js');
    const { resolveGatewayConfig } = await import('../src/config.js');
    const { createCredentialStore } = await import('../src/auth.js');
    const { createRateLimiter } = await import('../src/limits.js');
    const { createPolycloud } = await import('@polycloud/core');
    const { createMemoryStorageAdapter } = await import('@polycloud/core/testing');
    // One operation at a time per binding: the second upload waits for the first before reading its body.
    const polycloud = createPolycloud({
      concurrency: 1,
      providers: [{ name: 'a', adapter: createMemoryStorageAdapter({ name: 'a', buckets: ['pa'] }) }],
      resources: [{ resource_id: 'lb', type: 'LogicalBucket', providers: [{ cloud: 'a', physical_id: 'pa' }] }],
    });
    const config = resolveGatewayConfig({
      credentials: [{ accessKeyId: 'admin-key', secretAccessKey: ADMIN.authorization.split(':')[1]!, buckets: ['*'], actions: ['write', 'read'] }],
    });
    const app = createRestApp({
      polycloud,
      config,
      credentials: createCredentialStore(config),
      rateLimit: createRateLimiter(config.limits),
      closing: new AbortController().signal,
      bodyIdleTimeoutMs: 300,
    });
    const server = serve({ fetch: app.fetch, port: 0, hostname: '127.0.0.1' });
    await new Promise((r) => server.once('listening', r));
    const base = `http://127.0.0.1:${(server.address() as { port: number }).port}${API}/buckets/lb/objects`;
    const trickle = (everyMs: number, chunks: number, stallAfter = Infinity) => {
      let i = 0;
      return new ReadableStream<Uint8Array>({
        async pull(ctl) {
          await new Promise((r) => setTimeout(r, i >= stallAfter ? 30_000 : everyMs));
          if (i++ >= chunks) ctl.close();
          else ctl.enqueue(new Uint8Array(10));
        },
      });
    };
    const send = (key: string, body: ReadableStream<Uint8Array>) =>
      fetch(`${base}/${key}`, { method: 'PUT', headers: ADMIN, body, duplex: 'half' } as RequestInit).then(
        (r) => r.status,
        () => 0,
      );
    try {
      const first = send('first', trickle(100, 12));
      await new Promise((r) => setTimeout(r, 150));
      const second = send('second', trickle(50, 5, 1));
      expect(await first).toBe(201);
      expect([408, 0]).toContain(await second);
    } finally {
      (server as import('node:http').Server).closeAllConnections();
      await new Promise((r) => server.close(r));
      await polycloud.close();
    }
  }, 60_000);
});
