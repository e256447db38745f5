import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Storage } from '@google-cloud/storage';
import { describe, expect, it } from 'vitest';
import { GcsHttpError, gcsRequest } from '../src/storage/request.js';

async function withServer(handler: (req: IncomingMessage, body: string, res: ServerResponse) => void, test: (storage: Storage) => Promise<void>) {
  const server = createServer((req, res) => {
    let body = '';
    req.on('data', (c: Buffer) => (body += c.toString()));
    req.on('end', () => handler(req, body, res));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const storage = new Storage({ projectId: 'demo-test', apiEndpoint: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, useAuthWithCustomEndpoint: false });
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
        res.writeHead(412, { 'content-type': 'application/json' }).end('{"error":{"code":412,"message":"Precondition Failed","errors":[{"reason":"conditionNotMet"}]}}');
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
