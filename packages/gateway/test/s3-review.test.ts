/**
 * Regressions of the S3 endpoint's security review: each test failed before its fix.
 */
import { PutObjectCommand } from '@aws-sdk/client-s3';
import { getSignedUrl } from '@aws-sdk/s3-request-presigner';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SECRET } from './helpers.js';
import { type S3Fixture, smithySigner, startS3Gateway } from './s3-helpers.js';

let f: S3Fixture;

beforeAll(async () => {
  f = await startS3Gateway();
  await f.polycloud.bucket('lb-us').put('secret.txt', 'top secret');
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
