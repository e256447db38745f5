/**
 * SigV4 edge cases the SDK does not send by itself, signed by @smithy/signature-v4 (the
 * SDK's own signer, not ours): a payload hash that does not match, aws-chunked bodies
 * with chunk signatures (STREAMING-AWS4-HMAC-SHA256-PAYLOAD, checked also against the
 * worked example of the AWS documentation), a wrong trailing checksum, a malformed XML
 * body, a body over the limit, anonymous access. Each refusal leaves the bucket as it was.
 */
import { createHash, createHmac } from 'node:crypto';
import { Readable } from 'node:stream';
import { GetObjectCommand, ListObjectsV2Command, PutObjectCommand } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ChunkedDecoder } from '../src/s3/body.js';
import { S3Error } from '../src/s3/errors.js';
import { signingKey } from '../src/s3/sigv4.js';
import { SECRET } from './helpers.js';
import { S3_CONFIG, type S3Fixture, signedFetch, smithySigner, snapshot, startS3Gateway } from './s3-helpers.js';

const sha256hex = (d: string | Buffer) => createHash('sha256').update(d).digest('hex');
const LIMIT = 1024 * 1024;

let f: S3Fixture;
let host: string;
const signer = smithySigner('admin-key', SECRET);

beforeAll(async () => {
  f = await startS3Gateway({ ...S3_CONFIG, limits: { maxBodyBytes: LIMIT }, anonymous: { buckets: ['lb-us'], actions: ['read'] } });
  host = new URL(f.url).host;
  await f.polycloud.bucket('lb').put('keep.txt', 'keep');
});
afterAll(async () => {
  await f?.stop();
});

const send = (
  method: string,
  path: string,
  body: Buffer | string | undefined,
  headers: Record<string, string>,
  payloadHash: string,
  query: Record<string, string> = {},
) => signedFetch(signer, f.url, method, path, body, headers, payloadHash, query);

const codeOf = (xml: string) => /<Code>([^<]+)<\/Code>/.exec(xml)?.[1];

async function unchanged<T>(run: () => Promise<T>): Promise<T> {
  const before = await snapshot(f.polycloud, 'lb');
  const out = await run();
  expect(await snapshot(f.polycloud, 'lb')).toEqual(before);
  return out;
}

/** An aws-chunked body with chunk signatures chained from `seed` (the algorithm of the AWS sigv4-streaming page). */
function chunkedBody(data: Buffer, chunkSize: number, key: Buffer, amzDate: string, scope: string, seed: string): Buffer {
  const out: Buffer[] = [];
  let previous = seed;
  const sign = (chunk: Buffer) => {
    const sts = `AWS4-HMAC-SHA256-PAYLOAD\n${amzDate}\n${scope}\n${previous}\n${sha256hex('')}\n${sha256hex(chunk)}`;
    previous = createHmac('sha256', key).update(sts).digest('hex');
    return previous;
  };
  for (let i = 0; i < data.length; i += chunkSize) {
    const chunk = data.subarray(i, i + chunkSize);
    out.push(Buffer.from(`${chunk.length.toString(16)};chunk-signature=${sign(chunk)}\r\n`), chunk, Buffer.from('\r\n'));
  }
  out.push(Buffer.from(`0;chunk-signature=${sign(Buffer.alloc(0))}\r\n\r\n`));
  return Buffer.concat(out);
}

describe('aws-chunked decoding', () => {
  // The worked example of docs.aws.amazon.com/AmazonS3/latest/API/sigv4-streaming.html.
  const key = signingKey('wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY', '20130524', 'us-east-1', 's3');
  const chain = {
    signingKey: key,
    amzDate: '20130524T000000Z',
    scope: '20130524/us-east-1/s3/aws4_request',
    seedSignature: '4f232c4386841ef735655705268965c44a0e4690baa4adea153f7db9fa80a0a9',
  };
  const data = Buffer.alloc(66560, 'a');
  const body = chunkedBody(data, 65536, key, chain.amzDate, chain.scope, chain.seedSignature);

  it('produces the chunk signatures of the AWS example, and the decoder accepts them', async () => {
    const text = body.toString('latin1');
    expect(text).toContain('10000;chunk-signature=ad80c730a21e5b8d04586a2213dd63b9a0e99e0e2307b0ade35a65485a288648\r\n');
    expect(text).toContain('400;chunk-signature=0055627c9e194cb4542bae2aa5492e3c1575bbb81b612b7d234b86a503ef5497\r\n');
    expect(text).toContain('0;chunk-signature=b6c6ea8a5354eaf15b3cb7646744f4275b71ea724fed81ceb9323e279d449df9\r\n');
    const decoder = new ChunkedDecoder({ chain, trailer: false, maxChunkBytes: 1 << 20 });
    const parts: Buffer[] = [];
    for await (const c of Readable.from([body.subarray(0, 1000), body.subarray(1000, 70000), body.subarray(70000)]).pipe(decoder)) parts.push(c as Buffer);
    expect(Buffer.concat(parts).equals(data)).toBe(true);
  });

  it('refuses a chunk whose bytes were changed', async () => {
    const tampered = Buffer.from(body);
    tampered[200] = 'b'.charCodeAt(0);
    const decoder = new ChunkedDecoder({ chain, trailer: false, maxChunkBytes: 1 << 20 });
    const error = await (async () => {
      try {
        for await (const c of Readable.from([tampered]).pipe(decoder)) void c;
      } catch (e) {
        return e;
      }
      return undefined;
    })();
    expect(error).toBeInstanceOf(S3Error);
    expect((error as S3Error).code).toBe('SignatureDoesNotMatch');
  });
});

describe('request bodies through the gateway', () => {
  it('a signed payload hash that does not match the body → 400 XAmzContentSHA256Mismatch, nothing stored', async () => {
    const r = await unchanged(() => send('PUT', '/lb/keep.txt', 'evil body', {}, sha256hex('good body')));
    expect(r.status).toBe(400);
    expect(codeOf(r.text)).toBe('XAmzContentSHA256Mismatch');
    expect(r.text).not.toContain(SECRET);
  });

  it('STREAMING-AWS4-HMAC-SHA256-PAYLOAD: verified chunk by chunk and stored; a tampered chunk → 403, nothing stored', async () => {
    const data = Buffer.alloc(200_000, 'x');
    const headers = { 'content-encoding': 'aws-chunked', 'x-amz-decoded-content-length': String(data.length) };
    // Sign the headers first (the seed signature), then build the chunks from it.
    const build = async (path: string, tamper: boolean) => {
      const seedReq = await signer.sign({
        method: 'PUT',
        protocol: 'http:',
        hostname: '127.0.0.1',
        path,
        query: {},
        headers: { host, 'x-amz-content-sha256': 'STREAMING-AWS4-HMAC-SHA256-PAYLOAD', ...headers },
      });
      const auth = seedReq.headers['authorization'] as string;
      const amzDate = seedReq.headers['x-amz-date'] as string;
      const seed = /Signature=([0-9a-f]+)/.exec(auth)![1]!;
      const scope = `${amzDate.slice(0, 8)}/us-east-1/s3/aws4_request`;
      const body = chunkedBody(data, 64 * 1024, signingKey(SECRET, amzDate.slice(0, 8), 'us-east-1', 's3'), amzDate, scope, seed);
      if (tamper) body[body.length - 100] = 'y'.charCodeAt(0);
      return fetch(`${f.url}${path}`, {
        method: 'PUT',
        headers: { ...(seedReq.headers as Record<string, string>), 'content-length': String(body.length) },
        body: new Uint8Array(body),
      });
    };
    const ok = await build('/lb/chunked.bin', false);
    expect(ok.status).toBe(200);
    expect((await f.polycloud.bucket('lb').getBytes('chunked.bin')).equals(data)).toBe(true);
    await f.polycloud.bucket('lb').delete('chunked.bin');
    const bad = await unchanged(() => build('/lb/chunked.bin', true));
    expect(bad.status).toBe(403);
    expect(codeOf(await bad.text())).toBe('SignatureDoesNotMatch');
  });

  it('STREAMING-UNSIGNED-PAYLOAD-TRAILER with a wrong CRC32 trailer → 400 BadDigest, nothing stored', async () => {
    const data = Buffer.from('trailing checksum body');
    const body = Buffer.concat([Buffer.from(`${data.length.toString(16)}\r\n`), data, Buffer.from('\r\n0\r\nx-amz-checksum-crc32:AAAAAA==\r\n\r\n')]);
    const r = await unchanged(() =>
      send(
        'PUT',
        '/lb/keep.txt',
        body,
        { 'content-encoding': 'aws-chunked', 'x-amz-decoded-content-length': String(data.length), 'x-amz-trailer': 'x-amz-checksum-crc32' },
        'STREAMING-UNSIGNED-PAYLOAD-TRAILER',
      ),
    );
    expect(r.status).toBe(400);
    expect(codeOf(r.text)).toBe('BadDigest');
  });

  it('a malformed XML body (DeleteObjects) → 400 MalformedXML, nothing deleted', async () => {
    for (const xml of [
      '<Delete><Object><Key>keep.txt</Key></Object>',
      'not xml at all',
      '<Delete></Delete>',
      '<Other><Object><Key>keep.txt</Key></Object></Other>',
    ]) {
      const r = await unchanged(() => send('POST', '/lb', xml, { 'content-type': 'application/xml' }, sha256hex(xml), { delete: '' }));
      expect(r.status, xml).toBe(400);
      expect(codeOf(r.text), xml).toBe('MalformedXML');
    }
  });

  it('a body over limits.maxBodyBytes → 400 EntityTooLarge, nothing stored (declared length, and a chunked body that lies about it)', async () => {
    const client = f.client();
    const e = await unchanged(async () => {
      try {
        await client.send(new PutObjectCommand({ Bucket: 'lb', Key: 'keep.txt', Body: Buffer.alloc(LIMIT + 1) }));
      } catch (err) {
        return err as { name: string; $metadata: { httpStatusCode?: number } };
      }
      throw new Error('expected EntityTooLarge');
    });
    expect(e.name).toBe('EntityTooLarge');
    expect(e.$metadata.httpStatusCode).toBe(400);
    const data = Buffer.alloc(LIMIT + 10, 'z');
    const body = Buffer.concat([Buffer.from(`${data.length.toString(16)}\r\n`), data, Buffer.from('\r\n0\r\n\r\n')]);
    const r = await unchanged(() =>
      send('PUT', '/lb/keep.txt', body, { 'content-encoding': 'aws-chunked', 'x-amz-decoded-content-length': '10' }, 'STREAMING-UNSIGNED-PAYLOAD-TRAILER'),
    );
    expect(r.status).toBe(400);
    expect(['EntityTooLarge', 'IncompleteBody']).toContain(codeOf(r.text));
  });

  it("keys the signer encodes (spaces, unicode, + = ~ * ( ) ! ') sign, store and list", async () => {
    const client = f.client();
    const key = "dir/ä ö+b=c~d*e(f)!g'h.txt";
    await client.send(new PutObjectCommand({ Bucket: 'lb', Key: key, Body: 'odd' }));
    expect(await (await client.send(new GetObjectCommand({ Bucket: 'lb', Key: key }))).Body!.transformToString()).toBe('odd');
    const list = await client.send(new ListObjectsV2Command({ Bucket: 'lb', Prefix: 'dir/' }));
    expect(list.Contents?.map((o) => o.Key)).toEqual([key]);
    await f.polycloud.bucket('lb').delete(key);
  });
});

describe('anonymous access', () => {
  it('reads what the anonymous scope allows; anything else → 403 AccessDenied', async () => {
    await f.polycloud.bucket('lb-us').put('public.txt', 'public');
    const ok = await fetch(`${f.url}/lb-us/public.txt`);
    expect(ok.status).toBe(200);
    expect(await ok.text()).toBe('public');
    const denied = await fetch(`${f.url}/lb/keep.txt`);
    expect(denied.status).toBe(403);
    expect(codeOf(await denied.text())).toBe('AccessDenied');
    const put = await fetch(`${f.url}/lb-us/public.txt`, { method: 'PUT', body: 'defaced' });
    expect(put.status).toBe(403);
    expect(await f.polycloud.bucket('lb-us').getText('public.txt')).toBe('public');
    const badPath = await fetch(`${f.url}/lb-us/%E0%A4%A`);
    expect(badPath.status).toBe(400);
    expect(codeOf(await badPath.text())).toBe('InvalidURI');
    await f.polycloud.bucket('lb-us').delete('public.txt');
  });
});
