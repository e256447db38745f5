import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Storage } from '@google-cloud/storage';
import { describe, expect, it } from 'vitest';
import { GcsHttpError, gcsRequest, proxyFor } from '../src/storage/request.js';

async function withServer(handler: (req: IncomingMessage, body: string, res: ServerResponse) => void, test: (storage: Storage) => Promise<void>) {
  const server = createServer((req, res) => {
    let body = '';
    req.on('data', (c: Buffer) => (body += c.toString()));
    req.on('end', () => handler(req, body, res));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const storage = new Storage({
    projectId: 'demo-test',
    apiEndpoint: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    useAuthWithCustomEndpoint: false,
  });
  try {
    await test(storage);
  } finally {
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }
}

describe('gcsRequest (the JSON API requests the adapter sends itself)', () => {
  it('sends method, path, query, headers and body; parses the JSON answer', async () => {
    let seen: { method?: string; url?: string; type?: string; length?: string; body?: string } = {};
    await withServer(
      (req, body, res) => {
        seen = { method: req.method, url: req.url, type: req.headers['content-type'], length: req.headers['content-length'], body };
        res.writeHead(200, { 'content-type': 'application/json' }).end('{"name":"k","generation":"7"}');
      },
      async (storage) => {
        const out = await gcsRequest<{ name: string; generation: string }>(storage, {
          method: 'POST',
          path: '/upload/storage/v1/b/b/o',
          query: { uploadType: 'multipart', name: 'a b', skipped: undefined },
          headers: { 'content-type': 'text/plain' },
          body: 'héllo',
        });
        expect(out).toEqual({ name: 'k', generation: '7' });
      },
    );
    expect(seen).toEqual({ method: 'POST', url: '/upload/storage/v1/b/b/o?uploadType=multipart&name=a+b', type: 'text/plain', length: '6', body: 'héllo' });
  });

  it('an error answer → GcsHttpError with the status and the API reason; an empty 204 → undefined', async () => {
    await withServer(
      (req, _body, res) => {
        if (req.method === 'DELETE') return void res.writeHead(204).end();
        res
          .writeHead(412, { 'content-type': 'application/json' })
          .end('{"error":{"code":412,"message":"Precondition Failed","errors":[{"reason":"conditionNotMet"}]}}');
      },
      async (storage) => {
        const error = await gcsRequest(storage, { method: 'POST', path: '/storage/v1/b/b/o' }).catch((e: unknown) => e);
        expect(error).toBeInstanceOf(GcsHttpError);
        expect(error).toMatchObject({ code: 412, message: 'Precondition Failed', errors: [{ reason: 'conditionNotMet' }] });
        expect(await gcsRequest(storage, { method: 'DELETE', path: '/storage/v1/b/b/o/k' })).toBeUndefined();
      },
    );
  });

  it('an unanswered request ends with ETIMEDOUT after timeoutMs, or an AbortError when its signal fires', async () => {
    await withServer(
      () => undefined,
      async (storage) => {
        const started = Date.now();
        const timedOut = await gcsRequest(storage, { method: 'POST', path: '/x', timeoutMs: 100 }).catch((e: unknown) => e);
        expect((timedOut as { code?: string }).code).toBe('ETIMEDOUT');
        expect(Date.now() - started).toBeLessThan(2000);
        const controller = new AbortController();
        setTimeout(() => controller.abort(), 50);
        const aborted = await gcsRequest(storage, { method: 'POST', path: '/x', signal: controller.signal }).catch((e: unknown) => e);
        expect((aborted as Error).name).toBe('AbortError');
      },
    );
  });
});

describe('gcsRequest through a proxy', () => {
  it('reads the proxy like the SDK: HTTP_PROXY then HTTPS_PROXY, NO_PROXY by origin, host name or suffix', () => {
    const url = new URL('https://storage.googleapis.com/storage/v1/b/x');
    expect(proxyFor(url, {})).toBeUndefined();
    expect(proxyFor(url, { https_proxy: 'http://p:3128' })).toBe('http://p:3128');
    expect(proxyFor(url, { HTTP_PROXY: 'http://a:1', HTTPS_PROXY: 'http://b:2' })).toBe('http://a:1');
    for (const noProxy of [
      'storage.googleapis.com',
      'https://storage.googleapis.com',
      '.googleapis.com',
      '*.googleapis.com',
      'x, googleapis.com ,storage.googleapis.com',
    ]) {
      expect(proxyFor(url, { HTTPS_PROXY: 'http://p:3128', NO_PROXY: noProxy })).toBeUndefined();
    }
    expect(proxyFor(url, { HTTPS_PROXY: 'http://p:3128', no_proxy: 'example.com,.google.com' })).toBe('http://p:3128');
  });

  it('sends the request to the proxy named in the environment, and straight to the endpoint for NO_PROXY', async () => {
    const seen: string[] = [];
    const proxy = createServer((req, res) => {
      seen.push(`${req.method} ${req.url}`);
      req.resume();
      req.on('end', () => res.writeHead(200, { 'content-type': 'application/json' }).end('{"via":"proxy"}'));
    });
    await new Promise<void>((resolve) => proxy.listen(0, '127.0.0.1', resolve));
    const saved = { HTTP_PROXY: process.env['HTTP_PROXY'], NO_PROXY: process.env['NO_PROXY'] };
    process.env['HTTP_PROXY'] = `http://127.0.0.1:${(proxy.address() as AddressInfo).port}`;
    try {
      await withServer(
        (_req, _body, res) => res.writeHead(200, { 'content-type': 'application/json' }).end('{"via":"direct"}'),
        async (storage) => {
          const path = '/storage/v1/b/b/o/k';
          expect(await gcsRequest(storage, { method: 'GET', path })).toEqual({ via: 'proxy' });
          expect(seen).toEqual([`GET ${storage.apiEndpoint}${path}`]);
          process.env['NO_PROXY'] = '127.0.0.1';
          expect(await gcsRequest(storage, { method: 'GET', path })).toEqual({ via: 'direct' });
          expect(seen).toHaveLength(1);
        },
      );
    } finally {
      for (const [k, v] of Object.entries(saved)) {
        if (v === undefined) delete process.env[k];
        else process.env[k] = v;
      }
      proxy.closeAllConnections();
      await new Promise<void>((resolve) => proxy.close(() => resolve()));
    }
  });
});
