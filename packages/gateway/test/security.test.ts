import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { request as httpsRequest } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadPolycloudConfig } from '@polycloud/core/config';
import { createAdapterRegistry, localComputeAdapterFactory } from '@polycloud/core';
import { memoryStorageAdapterFactory, thrownError } from '@polycloud/core/testing';
import { createGateway, gatewayConfigFromFile } from '@polycloud/gateway';
import { ADMIN, FULL_CONFIG, memoryPolycloud, READER, READER_SECRET, SECRET, startGateway } from './helpers.js';

const API = '/_polycloud/v1';
type Problem = { type: string; title: string; status: number; detail: string; code: string; path: unknown[] };

/** Every response body and header value seen, to look for secrets in at the end. */
const seen: string[] = [];
async function call(url: string, init: RequestInit = {}): Promise<{ status: number; body: string; headers: Headers }> {
  const res = await fetch(url, init);
  const body = await res.text();
  seen.push(body, ...Array.from(res.headers as unknown as Iterable<[string, string]>, ([k, v]) => `${k}: ${v}`));
  return { status: res.status, body, headers: res.headers };
}
const problemOf = (r: { body: string; headers: Headers }) => {
  expect(r.headers.get('content-type')).toBe('application/problem+json');
  return JSON.parse(r.body) as Problem;
};

let g: Awaited<ReturnType<typeof startGateway>>;
beforeAll(async () => {
  g = await startGateway();
  await g.polycloud.bucket('lb').put('existing.txt', 'keep me');
});
afterAll(() => g?.stop());

describe('authentication', () => {
  it('no credentials and no anonymous access: 401 problem on every route, nothing done', async () => {
    const attempts: [string, RequestInit][] = [
      [`${API}/buckets`, {}],
      [`${API}/buckets/lb/objects`, {}],
      [`${API}/buckets/lb/objects/new.txt`, { method: 'PUT', body: 'x' }],
      [`${API}/buckets/lb/objects/existing.txt`, { method: 'DELETE' }],
      [`${API}/buckets/lb/delete`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"keys":["existing.txt"]}' }],
      [`${API}/clusters/lc/jobs`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' }],
    ];
    for (const [path, init] of attempts) {
      const r = await call(`${g.url}${path}`, init);
      expect(r.status, path).toBe(401);
      expect(r.headers.get('www-authenticate')).toBe('Bearer realm="polycloud"');
      expect(problemOf(r)).toMatchObject({
        status: 401,
        code: 'PERMISSION_DENIED',
        type: 'urn:polycloud:problem:unauthenticated',
        path: ['header', 'authorization'],
      });
    }
    expect(await g.polycloud.bucket('lb').exists('new.txt')).toBe(false);
    expect(await g.polycloud.bucket('lb').getText('existing.txt')).toBe('keep me');
  });

  it('a wrong secret and an unknown key get the same 401, and nothing is written', async () => {
    const wrong = await call(`${g.url}${API}/buckets/lb/objects/w.txt`, {
      method: 'PUT',
      body: 'x',
      headers: { authorization: `Bearer admin-key:${SECRET}x` },
    });
    const unknown = await call(`${g.url}${API}/buckets/lb/objects/w.txt`, { method: 'PUT', body: 'x', headers: { authorization: `Bearer nobody:${SECRET}` } });
    expect(wrong.status).toBe(401);
    expect(unknown.status).toBe(401);
    expect(problemOf(wrong).detail).toBe(problemOf(unknown).detail);
    const malformed = await call(`${g.url}${API}/buckets`, { headers: { authorization: `Basic ${Buffer.from(`admin-key:${SECRET}`).toString('base64')}` } });
    expect(malformed.status).toBe(401);
    expect(await g.polycloud.bucket('lb').exists('w.txt')).toBe(false);
  });
});

describe('scopes: per logical resource and per action', () => {
  it('a read-only key reads its bucket', async () => {
    const r = await call(`${g.url}${API}/buckets/lb/objects/existing.txt`, { headers: READER });
    expect([r.status, r.body]).toEqual([200, 'keep me']);
    const list = await call(`${g.url}${API}/buckets`, { headers: READER });
    expect((JSON.parse(list.body) as { buckets: { id: string }[] }).buckets.map((b) => b.id)).toEqual(['lb']);
  });

  it('without the action or the bucket: 403 problem, and nothing changed', async () => {
    const denied: [string, RequestInit][] = [
      [`${API}/buckets/lb/objects/existing.txt`, { method: 'PUT', body: 'overwritten' }],
      [`${API}/buckets/lb/objects/existing.txt`, { method: 'DELETE' }],
      [`${API}/buckets/lb/delete`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"keys":["existing.txt"]}' }],
      [`${API}/buckets/lb/copy`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"source":"existing.txt","destination":"c.txt"}' }],
      [
        `${API}/buckets/lb/presign`,
        { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"key":"x","method":"PUT","expiresInSeconds":60}' },
      ],
      [`${API}/buckets/lb/explain?operation=read`, {}],
      [`${API}/buckets/lb/replication/drain`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' }],
      [`${API}/buckets/lb-us/objects`, {}],
      [
        `${API}/clusters/lc/jobs`,
        {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ apiVersion: 'batch.mcp/v1', kind: 'DataJob', metadata: { name: 'sneaky' }, spec: { image: 'x' } }),
        },
      ],
    ];
    for (const [path, init] of denied) {
      const r = await call(`${g.url}${path}`, { ...init, headers: { ...(init.headers as Record<string, string>), ...READER } });
      expect(r.status, `${init.method ?? 'GET'} ${path}`).toBe(403);
      expect(problemOf(r)).toMatchObject({ status: 403, code: 'PERMISSION_DENIED', type: 'urn:polycloud:problem:forbidden' });
    }
    expect(await g.polycloud.bucket('lb').getText('existing.txt')).toBe('keep me');
    expect(await g.polycloud.bucket('lb').exists('c.txt')).toBe(false);
    // No job was started: a submit of the same manifest by the admin is new, not `existing`.
    const admin = await call(`${g.url}${API}/clusters/lc/jobs`, {
      method: 'POST',
      headers: { ...ADMIN, 'content-type': 'application/json' },
      body: JSON.stringify({ apiVersion: 'batch.mcp/v1', kind: 'DataJob', metadata: { name: 'sneaky' }, spec: { image: 'x' } }),
    });
    expect(admin.status).toBe(201);
    expect(JSON.parse(admin.body)).toMatchObject({ existing: false });
  });

  it('anonymous access only where configured', async () => {
    const anon = await startGateway({ ...FULL_CONFIG, anonymous: { buckets: ['lb'], actions: ['read'] } });
    try {
      await anon.polycloud.bucket('lb').put('public.txt', 'hi');
      expect((await call(`${anon.url}${API}/buckets/lb/objects/public.txt`)).body).toBe('hi');
      expect((await call(`${anon.url}${API}/buckets/lb/objects/public.txt`, { method: 'PUT', body: 'defaced' })).status).toBe(403);
      expect((await call(`${anon.url}${API}/buckets/lb-us/objects`)).status).toBe(403);
      expect(await anon.polycloud.bucket('lb').getText('public.txt')).toBe('hi');
    } finally {
      await anon.stop();
    }
  });
});

describe('secrets', () => {
  it('a literal secret in a config file is refused at its path, without echoing it', () => {
    const registry = createAdapterRegistry([memoryStorageAdapterFactory, localComputeAdapterFactory]);
    const yaml = (secret: string) => `
providers: [{name: m, type: memory, buckets: [b]}]
resources: [{resource_id: lb, type: LogicalBucket, providers: [{cloud: m, physical_id: b}]}]
gateway:
  listen: {port: 0}
  credentials:
    - {accessKeyId: k1, secretAccessKey: "${secret}", buckets: ['*'], actions: [read]}
`;
    const literal = loadPolycloudConfig(yaml('Literal-Secret-In-File-99'), { registry });
    const error = thrownError(() => gatewayConfigFromFile(literal.gateway));
    expect(error.code).toBe('CONFIG_INVALID');
    expect(error.path).toEqual(['gateway', 'credentials', 0, 'secretAccessKey']);
    expect(JSON.stringify(error.toJSON())).not.toContain('Literal-Secret-In-File-99');

    const fromEnv = loadPolycloudConfig(yaml('${GW_TEST_SECRET}'), { registry, env: { GW_TEST_SECRET: 'From-The-Environment-42' } });
    const config = gatewayConfigFromFile(fromEnv.gateway);
    expect(config.credentials[0]!.secretAccessKey).toBe('From-The-Environment-42');

    const badPath = loadPolycloudConfig(yaml('${GW_TEST_SECRET}').replace('actions: [read]', 'actions: [fly]'), {
      registry,
      env: { GW_TEST_SECRET: 'From-The-Environment-42' },
    });
    expect(thrownError(() => gatewayConfigFromFile(badPath.gateway)).path).toEqual(['gateway', 'credentials', 0, 'actions', 0]);
  });

  it('an invalid config does not show the secrets in it', () => {
    const polycloud = memoryPolycloud();
    const error = thrownError(() =>
      createGateway({ polycloud, config: { credentials: [{ accessKeyId: 'k:1', secretAccessKey: SECRET, buckets: [], actions: ['read'] }] } }),
    );
    expect(error.code).toBe('CONFIG_INVALID');
    expect(`${error.message} ${JSON.stringify(error.toJSON())}`).not.toContain(SECRET);
    void polycloud.close();
  });

  it('no response body or header ever carried a secret (checked last)', async () => {
    // Some more failing requests that could echo what they were sent.
    await call(`${g.url}${API}/buckets/lb/objects/${encodeURIComponent(SECRET)}`, { headers: { authorization: `Bearer ${SECRET}:${SECRET}` } });
    await call(`${g.url}${API}/buckets/${SECRET}/objects`, { headers: ADMIN });
    await call(`${g.url}${API}/buckets/lb/objects?limit=${SECRET}`, { headers: READER });
    expect(seen.length).toBeGreaterThan(40);
    const leaks = seen.filter((s) => s.includes(SECRET) || s.includes(READER_SECRET));
    expect(leaks).toEqual([]);
  });
});

const openssl = (() => {
  try {
    execFileSync('openssl', ['version'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
})();

describe('TLS', () => {
  // Skipped only where no `openssl` binary exists to make the self-signed certificate (node:crypto cannot issue one).
  it.skipIf(!openssl)(
    'serves HTTPS with the configured certificate',
    async () => {
      const dir = mkdtempSync(join(tmpdir(), 'gw-tls-'));
      try {
        const cert = join(dir, 'cert.pem');
        const key = join(dir, 'key.pem');
        execFileSync(
          'openssl',
          [
            'req',
            '-x509',
            '-newkey',
            'rsa:2048',
            '-nodes',
            '-keyout',
            key,
            '-out',
            cert,
            '-days',
            '1',
            '-subj',
            '/CN=127.0.0.1',
            '-addext',
            'subjectAltName=IP:127.0.0.1',
          ],
          { stdio: 'ignore' },
        );
        const tls = await startGateway({ ...FULL_CONFIG, tls: { cert, key } });
        try {
          expect(tls.url).toMatch(/^https:\/\/127\.0\.0\.1:\d+$/);
          const ca = readFileSync(cert);
          const { status, body } = await new Promise<{ status: number; body: string }>((resolve, reject) => {
            const req = httpsRequest(`${tls.url}${API}/buckets`, { ca, headers: ADMIN }, (res) => {
              let text = '';
              res.setEncoding('utf8');
              res.on('data', (c: string) => (text += c));
              res.on('end', () => resolve({ status: res.statusCode ?? 0, body: text }));
            });
            req.on('error', reject);
            req.end();
          });
          expect(status).toBe(200);
          expect(JSON.parse(body)).toHaveProperty('buckets');
          // Plain HTTP to the TLS port is not served.
          await expect(fetch(tls.url.replace('https:', 'http:') + `${API}/buckets`, { headers: ADMIN })).rejects.toThrow();
        } finally {
          await tls.stop();
        }
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    },
    60_000,
  );

  it('an unreadable certificate file is CONFIG_INVALID at its path', async () => {
    const gw = createGateway({
      polycloud: memoryPolycloud(),
      config: { listen: { port: 0 }, tls: { cert: '/nonexistent/cert.pem', key: '/nonexistent/key.pem' } },
    });
    await expect(gw.listen()).rejects.toMatchObject({ code: 'CONFIG_INVALID', context: { path: ['tls', 'cert'] } });
  });
});
