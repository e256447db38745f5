import { type IncomingMessage, type Server, type ServerResponse, createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Readable } from 'node:stream';
import { gzipSync } from 'node:zlib';
import { CRC32C } from '@google-cloud/storage';
import { isPolycloudError, readAll } from '@polycloud/core';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createGcsAdapter } from '../src/storage/index.js';

/** One request the server saw, and whether its connection was closed by the client. */
interface Seen {
  method: string;
  path: string;
  query: URLSearchParams;
  headers: IncomingMessage['headers'];
  bodyBytes: number;
  /** Resolves when the request's socket closes. */
  closed: Promise<void>;
  res: ServerResponse;
}

const codeOf = (p: Promise<unknown>) =>
  p.then(
    () => 'success',
    (e: unknown) => (isPolycloudError(e) ? e.code : `non-polycloud: ${String(e)}`),
  );

/** Resolves true if `p` settles within `ms`, false otherwise. */
const within = (p: Promise<unknown>, ms: number) =>
  Promise.race([p.then(() => true), new Promise<boolean>((resolve) => setTimeout(() => resolve(false), ms).unref())]);

/**
 * A loopback server that reads every request body in full and then does what the test
 * says (by default: never answers), recording when each connection closes. A request
 * the adapter really cancelled shows as a closed connection; one merely abandoned
 * stays open, waiting for its answer.
 */
describe('gcs: an aborted call cancels its request (nothing can land after ABORTED)', () => {
  let server: Server;
  let endpoint: string;
  let seen: Seen[] = [];
  let onRequest: (s: Seen) => void = () => undefined;
  beforeAll(async () => {
    server = createServer((req: IncomingMessage, res: ServerResponse) => {
      const url = new URL(req.url ?? '/', 'http://127.0.0.1');
      const closed = new Promise<void>((resolve) => req.socket.once('close', () => resolve()));
      const s: Seen = { method: req.method ?? 'GET', path: url.pathname, query: url.searchParams, headers: req.headers, bodyBytes: 0, closed, res };
      seen.push(s);
      req.on('data', (d: Buffer) => (s.bodyBytes += d.byteLength));
      req.on('end', () => onRequest(s));
    });
    server.keepAliveTimeout = 60_000;
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    endpoint = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(async () => {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  });
  beforeEach(() => {
    seen = [];
    onRequest = () => undefined;
  });
  /** A signal that fires once the server has received a whole request (and has not answered). */
  const abortOnArrival = () => {
    const controller = new AbortController();
    onRequest = () => setTimeout(() => controller.abort(), 50).unref();
    return controller;
  };
  const adapter = (extra: Record<string, unknown> = {}) => createGcsAdapter({ projectId: 'demo-test', apiEndpoint: endpoint, ...extra });

  it('put of bytes ≤ resumableThresholdBytes: the whole body was sent, the answer is pending, the signal fires → ABORTED and the connection is closed', async () => {
    const body = Buffer.alloc(256 * 1024, 7);
    const { signal } = abortOnArrival();
    expect(await codeOf(adapter().put('bk', 'k', body, { signal }))).toBe('ABORTED');
    const upload = seen.find((s) => s.path === '/upload/storage/v1/b/bk/o')!;
    expect(upload.query.get('uploadType')).toBe('multipart');
    expect(upload.bodyBytes).toBeGreaterThan(body.byteLength); // the server had all of it
    expect(await within(upload.closed, 2000)).toBe(true);
  });

  it('put of a small stream with a known contentLength is cancelled the same way', async () => {
    const { signal } = abortOnArrival();
    expect(await codeOf(adapter().put('bk', 'k', Readable.from([Buffer.from('small')]), { signal, contentLength: 5 }))).toBe('ABORTED');
    const upload = seen.find((s) => s.path === '/upload/storage/v1/b/bk/o')!;
    expect(upload.query.get('uploadType')).toBe('multipart');
    expect(await within(upload.closed, 2000)).toBe(true);
  });

  it('a resumable upload: the signal fires while the upload request waits for its answer → ABORTED and the connection is closed', async () => {
    const controller = new AbortController();
    onRequest = (s) => {
      if (s.query.get('uploadType') === 'resumable' && s.method === 'POST') {
        s.res.writeHead(200, { location: `${endpoint}/upload/storage/v1/b/bk/o?uploadType=resumable&upload_id=session-1` });
        s.res.end();
        return;
      }
      setTimeout(() => controller.abort(), 50).unref(); // the PUT with the data: never answered
    };
    expect(await codeOf(adapter().put('bk', 'k', Readable.from([Buffer.from('streamed')]), { signal: controller.signal }))).toBe('ABORTED');
    const upload = seen.find((s) => s.method === 'PUT')!;
    expect(upload.query.get('upload_id')).toBe('session-1');
    expect(await within(upload.closed, 2000)).toBe(true);
  });

  it('delete: the signal fires while the answer is pending → ABORTED and the connection is closed', async () => {
    const { signal } = abortOnArrival();
    expect(await codeOf(adapter().delete('bk', 'k', { signal, ifMatch: '12' }))).toBe('ABORTED');
    const del = seen.find((s) => s.method === 'DELETE')!;
    expect(del.query.get('ifGenerationMatch')).toBe('12');
    expect(await within(del.closed, 2000)).toBe(true);
  });

  it('copy (objects.rewrite): the signal fires while the answer is pending → ABORTED and the connection is closed', async () => {
    const { signal } = abortOnArrival();
    expect(await codeOf(adapter().copy('bk', 'src', 'dst', { signal }))).toBe('ABORTED');
    const rewrite = seen.find((s) => s.path.includes('/rewriteTo/'))!;
    expect(rewrite.path).toBe('/storage/v1/b/bk/o/src/rewriteTo/b/bk/o/dst');
    expect(await within(rewrite.closed, 2000)).toBe(true);
  });

  it('copy repeats objects.rewrite with the rewrite token until done, and returns the new generation', async () => {
    onRequest = (s) => {
      const token = s.query.get('rewriteToken');
      s.res.writeHead(200, { 'content-type': 'application/json' });
      s.res.end(
        JSON.stringify(
          token === 'step-2'
            ? { done: true, resource: { name: 'dst', generation: '99', size: '3' } }
            : { done: false, rewriteToken: token ? 'step-2' : 'step-1' },
        ),
      );
    };
    expect(await adapter().copy('bk', 'src', 'dst', { sourceIfMatch: '7' })).toEqual({ key: 'dst', versionToken: '99', size: 3 });
    expect(seen.map((s) => s.query.get('rewriteToken'))).toEqual([null, 'step-1', 'step-2']);
    expect(seen.every((s) => s.query.get('sourceGeneration') === '7')).toBe(true);
  });

  it('a small put still round-trips its resource: generation, size; the content type and metadata go in the multipart body', async () => {
    onRequest = (s) => {
      s.res.writeHead(200, { 'content-type': 'application/json' });
      s.res.end(JSON.stringify({ name: 'k', generation: '1700000000000123', size: '2' }));
    };
    const put = await adapter().put('bk', 'k', Buffer.from('hi'), { contentType: 'text/plain', metadata: { note: 'ü' } });
    expect(put).toEqual({ key: 'k', versionToken: '1700000000000123', size: 2 });
  });

  it('get (readMetadataOnGet: false): the signal fires before the media response; the download that opens later is destroyed', async () => {
    const controller = new AbortController();
    onRequest = (s) => {
      setTimeout(() => controller.abort(), 50).unref();
      setTimeout(() => {
        s.res.writeHead(200, { 'content-type': 'application/octet-stream', 'x-goog-generation': '5', 'content-length': '1000000' });
        s.res.write(Buffer.alloc(1000, 1)); // and never the rest
      }, 300).unref();
    };
    expect(await codeOf(adapter({ readMetadataOnGet: false }).get('bk', 'k', { signal: controller.signal }))).toBe('ABORTED');
    const media = seen.find((s) => s.query.get('alt') === 'media')!;
    expect(await within(media.closed, 3000)).toBe(true);
  });

  it('get: metadata answered, the signal fires before the media response; the download that opens later is destroyed', async () => {
    const controller = new AbortController();
    let metadataAnswered = false;
    onRequest = (s) => {
      if (s.query.get('alt') !== 'media') {
        s.res.writeHead(200, { 'content-type': 'application/json' });
        s.res.end(JSON.stringify({ name: 'k', generation: '5', size: '1000000', updated: '2026-01-01T00:00:00Z' }));
        metadataAnswered = true;
        return;
      }
      // Abort once the metadata is in (so the adapter waits on the media response).
      const abortLater = () => (metadataAnswered ? setTimeout(() => controller.abort(), 100).unref() : setTimeout(abortLater, 10).unref());
      abortLater();
      setTimeout(() => {
        s.res.writeHead(200, { 'content-type': 'application/octet-stream', 'x-goog-generation': '5', 'content-length': '1000000' });
        s.res.write(Buffer.alloc(1000, 1));
      }, 600).unref();
    };
    expect(await codeOf(adapter().get('bk', 'k', { signal: controller.signal }))).toBe('ABORTED');
    const media = seen.find((s) => s.query.get('alt') === 'media')!;
    expect(await within(media.closed, 3000)).toBe(true);
  });

  describe('the media download (sent by the adapter itself, not through the SDK stream)', () => {
    const media = (s: Seen, headers: Record<string, string>, body: Buffer, declared = body.byteLength) => {
      s.res.writeHead(200, { 'content-type': 'application/octet-stream', 'x-goog-generation': '5', 'content-length': String(declared), ...headers });
      s.res.write(body);
      if (declared === body.byteLength) s.res.end();
    };
    const crc = (b: Buffer) => {
      const c = new CRC32C();
      c.update(b);
      return c.toString();
    };

    it('the connection closing before the declared length → the body errors with UNAVAILABLE, retryable (it used to hang)', async () => {
      onRequest = (s) => {
        media(s, {}, Buffer.alloc(64 * 1024, 1), 10_000_000);
        setTimeout(() => s.res.socket?.destroy(), 100).unref();
      };
      const { body } = await adapter({ readMetadataOnGet: false }).get('bk', 'k');
      const error = await readAll(body).then(
        () => undefined,
        (e: unknown) => e,
      );
      expect(isPolycloudError(error) && error.code).toBe('UNAVAILABLE');
      expect(isPolycloudError(error) && error.retryable).toBe(true);
    });

    it('the signal firing mid-body → the body errors with ABORTED and the connection is closed', async () => {
      const controller = new AbortController();
      onRequest = (s) => media(s, {}, Buffer.alloc(64 * 1024, 1), 10_000_000);
      const { body } = await adapter({ readMetadataOnGet: false }).get('bk', 'k', { signal: controller.signal });
      setTimeout(() => controller.abort(), 50).unref();
      expect(await codeOf(readAll(body))).toBe('ABORTED');
      expect(await within(seen[0]!.closed, 2000)).toBe(true);
    });

    it('a whole-object read is CRC32C-checked like the SDK did: a matching body ends cleanly, a damaged one is UNAVAILABLE', async () => {
      const bytes = Buffer.from('the stored bytes');
      onRequest = (s) => media(s, { 'x-goog-stored-content-encoding': 'identity', 'x-goog-hash': `crc32c=${crc(bytes)},md5=x` }, bytes);
      expect((await readAll((await adapter({ readMetadataOnGet: false }).get('bk', 'k')).body)).toString()).toBe('the stored bytes');
      onRequest = (s) => media(s, { 'x-goog-stored-content-encoding': 'identity', 'x-goog-hash': `crc32c=${crc(Buffer.from('other bytes'))}` }, bytes);
      expect(await codeOf(readAll((await adapter({ readMetadataOnGet: false }).get('bk', 'k')).body))).toBe('UNAVAILABLE');
    });

    it('a body served gzip (stored gzip) is checked on the stored bytes and gunzipped; a range is sent as a Range header', async () => {
      const gz = gzipSync(Buffer.from('hello gzip'));
      onRequest = (s) => media(s, { 'content-encoding': 'gzip', 'x-goog-stored-content-encoding': 'gzip', 'x-goog-hash': `crc32c=${crc(gz)}` }, gz);
      expect((await readAll((await adapter({ readMetadataOnGet: false }).get('bk', 'k')).body)).toString()).toBe('hello gzip');
      onRequest = (s) => media(s, {}, Buffer.from('ell'));
      await readAll((await adapter({ readMetadataOnGet: false }).get('bk', 'k', { range: { start: 1, end: 3 } })).body);
      const ranged = seen.at(-1)!;
      expect(ranged.query.get('alt')).toBe('media');
      expect(ranged.headers['range']).toBe('bytes=1-3');
    });
  });
});
