/**
 * Regressions of the S3 endpoint's security review: each test failed before its fix.
 */
import { createServer, request, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CreateMultipartUploadCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { getSignedUrl } from '@aws-sdk/s3-request-presigner';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Readable } from 'node:stream';
import { createCredentialStore } from '../src/auth.js';
import { ChunkedDecoder } from '../src/s3/body.js';
import { S3Error } from '../src/s3/errors.js';
import { resolveGatewayConfig } from '../src/config.js';
import { createRateLimiter } from '../src/limits.js';
import { createS3Handler } from '../src/s3/index.js';
import { memoryPolycloud, SECRET } from './helpers.js';
import { S3_CONFIG, type S3Fixture, smithySigner, startS3Gateway } from './s3-helpers.js';

let f: S3Fixture;

beforeAll(async () => {
  f = await startS3Gateway({ ...S3_CONFIG, anonymous: { buckets: ['lb-us'], actions: ['read'] } });
  await f.polycloud.bucket('lb-us').put('secret.txt', 'top secret');
  await f.polycloud.bucket('lb-us').put('upload.txt', '<script>alert(document.cookie)</script>');
});
afterAll(async () => {
  await f?.stop();
});

const codeOf = (xml: string) => /<Code>([^<]+)<\/Code>/.exec(xml)?.[1];

describe('x-amz-* headers must be signed', () => {
  it('a presigned PUT URL cannot be turned into a CopyObject by adding an unsigned x-amz-copy-source', async () => {
    const url = await getSignedUrl(f.client(), new PutObjectCommand({ Bucket: 'lb', Key: 'presigned-dst.txt' }), { expiresIn: 60 });
    const res = await fetch(url, { method: 'PUT', headers: { 'x-amz-copy-source': '/lb-us/secret.txt' }, body: '' });
    const text = await res.text();
    expect(res.status).toBe(403);
    expect(codeOf(text)).toBe('AccessDenied');
    expect(await f.polycloud.bucket('lb').exists('presigned-dst.txt')).toBe(false);
  }, 30_000);

  it('a header-signed request with an added unsigned x-amz-copy-source / x-amz-metadata-directive → 403, nothing copied', async () => {
    const signer = smithySigner('admin-key', SECRET);
    const host = new URL(f.url).host;
    const signed = await signer.sign({
      method: 'PUT',
      protocol: 'http:',
      hostname: host.split(':')[0]!,
      port: Number(host.split(':')[1]),
      path: '/lb/header-dst.txt',
      query: {},
      headers: { host, 'x-amz-content-sha256': 'UNSIGNED-PAYLOAD' },
    });
    const res = await fetch(`${f.url}/lb/header-dst.txt`, {
      method: 'PUT',
      headers: { ...(signed.headers as Record<string, string>), 'x-amz-copy-source': '/lb-us/secret.txt', 'x-amz-metadata-directive': 'REPLACE' },
      body: '',
    });
    const text = await res.text();
    expect(res.status).toBe(403);
    expect(codeOf(text)).toBe('AccessDenied');
    expect(await f.polycloud.bucket('lb').exists('header-dst.txt')).toBe(false);
  }, 30_000);
});

describe('a stalled request body', () => {
  let server: Server;
  let base: string;
  let staging: string;
  const polycloud = memoryPolycloud();
  beforeAll(async () => {
    staging = await mkdtemp(join(tmpdir(), 'pc-gw-s3-review-'));
    const config = resolveGatewayConfig(S3_CONFIG);
    const handler = createS3Handler({
      polycloud,
      config,
      credentials: createCredentialStore(config),
      rateLimit: createRateLimiter(config.limits),
      stagingDir: staging,
      bodyIdleTimeoutMs: 500,
    });
    server = createServer({ requestTimeout: 0 }, (req, res) => void handler(req, res));
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(async () => {
    server?.closeAllConnections();
    await new Promise((r) => server?.close(r));
    await polycloud.close();
    await rm(staging, { recursive: true, force: true });
  });

  /** Sends a signed request declaring 100 bytes, writes 10, then stalls; resolves with the answer. */
  async function stall(method: string, path: string, query: Record<string, string>): Promise<{ status: number; text: string }> {
    const host = new URL(base).host;
    const signed = await smithySigner('admin-key', SECRET).sign({
      method,
      protocol: 'http:',
      hostname: '127.0.0.1',
      port: Number(host.split(':')[1]),
      path,
      query,
      headers: { host, 'x-amz-content-sha256': 'UNSIGNED-PAYLOAD', 'content-length': '100' },
    });
    const qs = new URLSearchParams(query).toString();
    return new Promise((resolve, reject) => {
      const req = request(`${base}${path}?${qs}`, { method, headers: signed.headers as Record<string, string> }, (res) => {
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (c: string) => (text += c));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, text }));
      });
      req.on('error', reject);
      req.write(Buffer.alloc(10, 1));
    });
  }

  it('UploadPart whose body stops arriving → 400 RequestTimeout, no staged part left', async () => {
    const s3 = new S3Client({
      endpoint: base,
      region: 'us-east-1',
      forcePathStyle: true,
      credentials: { accessKeyId: 'admin-key', secretAccessKey: SECRET },
      maxAttempts: 1,
    });
    const { UploadId } = await s3.send(new CreateMultipartUploadCommand({ Bucket: 'lb', Key: 'stalled.bin' }));
    s3.destroy();
    const res = await stall('PUT', '/lb/stalled.bin', { partNumber: '1', uploadId: UploadId! });
    expect(res.status).toBe(400);
    expect(codeOf(res.text)).toBe('RequestTimeout');
    expect((await readdir(join(staging, UploadId!))).filter((n) => n.startsWith('part-'))).toEqual([]);
  }, 20_000);

  it('DeleteObjects whose XML body stops arriving → 400 RequestTimeout', async () => {
    const res = await stall('POST', '/lb', { delete: '' });
    expect(res.status).toBe(400);
    expect(codeOf(res.text)).toBe('RequestTimeout');
  }, 20_000);
});

describe('GetObject response-* overrides', () => {
  it('an anonymous GET cannot set response headers (no text/html on an uploaded object) → 400 InvalidRequest', async () => {
    const res = await fetch(`${f.url}/lb-us/upload.txt?response-content-type=text%2Fhtml`);
    const text = await res.text();
    expect(res.status).toBe(400);
    expect(codeOf(text)).toBe('InvalidRequest');
    expect(res.headers.get('content-type')).not.toBe('text/html');
    const plain = await fetch(`${f.url}/lb-us/upload.txt`);
    expect(plain.status).toBe(200);
    await plain.text();
  }, 30_000);

  it('a response-* value with a control character → 400 InvalidArgument (not a retryable 500)', async () => {
    const host = new URL(f.url).host;
    const signed = await smithySigner('admin-key', SECRET).sign({
      method: 'GET',
      protocol: 'http:',
      hostname: host.split(':')[0]!,
      port: Number(host.split(':')[1]),
      path: '/lb-us/upload.txt',
      query: { 'response-content-disposition': 'inline\r\nx-injected: 1' },
      headers: { host, 'x-amz-content-sha256': 'UNSIGNED-PAYLOAD' },
    });
    const qs = new URLSearchParams({ 'response-content-disposition': 'inline\r\nx-injected: 1' }).toString().replace(/\+/g, '%20');
    const res = await fetch(`${f.url}/lb-us/upload.txt?${qs}`, { headers: signed.headers as Record<string, string> });
    const text = await res.text();
    expect(res.status).toBe(400);
    expect(codeOf(text)).toBe('InvalidArgument');
    expect(res.headers.get('x-injected')).toBeNull();
  }, 30_000);
});

describe('aws-chunked trailer', () => {
  it('an endless trailer is refused, not collected in memory', async () => {
    const lines = function* () {
      yield Buffer.from('5\r\nhello\r\n0\r\n');
      const line = Buffer.from(`x-filler:${'a'.repeat(1000)}\r\n`);
      for (let i = 0; i < 20_000; i++) yield line; // 20 MB of trailer lines, more than any real trailer
      yield Buffer.from('\r\n');
    };
    const decoder = new ChunkedDecoder({ trailer: true, maxChunkBytes: 1 << 20 });
    const error = await (async () => {
      try {
        for await (const c of Readable.from(lines()).pipe(decoder)) void c;
      } catch (e) {
        return e;
      }
      return undefined;
    })();
    expect(error).toBeInstanceOf(S3Error);
    expect((error as S3Error).status).toBe(400);
  }, 30_000);
});
