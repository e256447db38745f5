/**
 * The S3 endpoint driven by a client no one here wrote: @aws-sdk/client-s3 (path-style,
 * SigV4 as the SDK signs it, its default checksums) and @aws-sdk/lib-storage for
 * multipart. Behind the gateway: memory adapters (see helpers.ts). The same operations
 * against emulators, and rclone, are in s3-rclone.test.ts.
 */
import { createHash, randomBytes } from 'node:crypto';
import { readdir } from 'node:fs/promises';
import { Readable } from 'node:stream';
import {
  AbortMultipartUploadCommand,
  CompleteMultipartUploadCommand,
  CopyObjectCommand,
  CreateMultipartUploadCommand,
  DeleteObjectCommand,
  DeleteObjectsCommand,
  GetBucketLocationCommand,
  GetObjectCommand,
  HeadBucketCommand,
  HeadObjectCommand,
  ListBucketsCommand,
  ListObjectsCommand,
  ListObjectsV2Command,
  ListPartsCommand,
  PutObjectCommand,
  type S3Client,
  type S3ServiceException,
  UploadPartCommand,
} from '@aws-sdk/client-s3';
import { Upload } from '@aws-sdk/lib-storage';
import { getSignedUrl } from '@aws-sdk/s3-request-presigner';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { READER_SECRET, SECRET } from './helpers.js';
import { type S3Fixture, snapshot, startS3Gateway, WRITER_SECRET } from './s3-helpers.js';

let f: S3Fixture;
let s3: S3Client;

beforeAll(async () => {
  f = await startS3Gateway();
  s3 = f.client();
});
afterAll(async () => {
  await f?.stop();
});

async function s3Error(p: Promise<unknown>): Promise<S3ServiceException> {
  try {
    await p;
  } catch (e) {
    return e as S3ServiceException;
  }
  throw new Error('expected the call to fail');
}

const md5 = (b: Buffer | string) => createHash('md5').update(b).digest('hex');

async function clear(bucket = 'lb'): Promise<void> {
  const b = f.polycloud.bucket(bucket);
  const keys: string[] = [];
  for await (const o of b.iterate()) keys.push(o.key);
  if (keys.length) await b.deleteMany(keys);
}

describe('buckets', () => {
  it('ListBuckets lists the logical buckets the key may read', async () => {
    const all = await s3.send(new ListBucketsCommand({}));
    expect(all.Buckets?.map((b) => b.Name)).toEqual(['lb', 'lb-us']);
    const reader = await f.client('reader', READER_SECRET).send(new ListBucketsCommand({}));
    expect(reader.Buckets?.map((b) => b.Name)).toEqual(['lb']);
  });

  it('HeadBucket: 200 for a logical bucket, 404 for an unknown one, 403 outside the key scope', async () => {
    await expect(s3.send(new HeadBucketCommand({ Bucket: 'lb' }))).resolves.toMatchObject({ $metadata: { httpStatusCode: 200 } });
    expect((await s3Error(s3.send(new HeadBucketCommand({ Bucket: 'nope' })))).$metadata.httpStatusCode).toBe(404);
    expect((await s3Error(f.client('reader', READER_SECRET).send(new HeadBucketCommand({ Bucket: 'lb-us' })))).$metadata.httpStatusCode).toBe(403);
  });

  it('GetBucketLocation answers the configured region (us-east-1 is the empty constraint)', async () => {
    const r = await s3.send(new GetBucketLocationCommand({ Bucket: 'lb' }));
    expect(r.LocationConstraint ?? '').toBe('');
  });
});

describe('objects', () => {
  beforeEach(() => clear());

  it('PutObject / GetObject / HeadObject round-trip bytes, content type and metadata', async () => {
    const body = `Grüße ${randomBytes(8).toString('hex')}\n`.repeat(50);
    const put = await s3.send(new PutObjectCommand({ Bucket: 'lb', Key: 'docs/a b+c.txt', Body: body, ContentType: 'text/plain', Metadata: { owner: 'zoe' } }));
    expect(put.ETag).toMatch(/^".+"$/);
    const got = await s3.send(new GetObjectCommand({ Bucket: 'lb', Key: 'docs/a b+c.txt' }));
    expect(await got.Body!.transformToString()).toBe(body);
    expect(got.ContentType).toBe('text/plain');
    expect(got.Metadata).toEqual({ owner: 'zoe' });
    expect(got.ContentLength).toBe(Buffer.byteLength(body));
    expect(got.ETag).toBe(put.ETag);
    const head = await s3.send(new HeadObjectCommand({ Bucket: 'lb', Key: 'docs/a b+c.txt' }));
    expect(head.ContentLength).toBe(Buffer.byteLength(body));
    expect(head.ETag).toBe(put.ETag);
    // The bytes really are in the logical bucket, under the same key.
    expect(await f.polycloud.bucket('lb').getText('docs/a b+c.txt')).toBe(body);
  });

  it('PutObject of a stream of unknown checksum (aws-chunked with a trailing CRC32) stores it', async () => {
    const data = randomBytes(300_000);
    await s3.send(
      new PutObjectCommand({
        Bucket: 'lb',
        Key: 'stream.bin',
        Body: Readable.from([data.subarray(0, 100_000), data.subarray(100_000)]),
        ContentLength: data.length,
      }),
    );
    expect(md5(await f.polycloud.bucket('lb').getBytes('stream.bin'))).toBe(md5(data));
  });

  it('GetObject / HeadObject of a missing key: NoSuchKey / 404', async () => {
    expect((await s3Error(s3.send(new GetObjectCommand({ Bucket: 'lb', Key: 'missing' })))).name).toBe('NoSuchKey');
    expect((await s3Error(s3.send(new HeadObjectCommand({ Bucket: 'lb', Key: 'missing' })))).$metadata.httpStatusCode).toBe(404);
    expect((await s3Error(s3.send(new GetObjectCommand({ Bucket: 'nope', Key: 'x' })))).name).toBe('NoSuchBucket');
  });

  it('Range → 206 with Content-Range; suffix ranges; an unsatisfiable range → 416 InvalidRange', async () => {
    await s3.send(new PutObjectCommand({ Bucket: 'lb', Key: 'r.txt', Body: '0123456789' }));
    const part = await s3.send(new GetObjectCommand({ Bucket: 'lb', Key: 'r.txt', Range: 'bytes=2-5' }));
    expect(part.$metadata.httpStatusCode).toBe(206);
    expect(part.ContentRange).toBe('bytes 2-5/10');
    expect(await part.Body!.transformToString()).toBe('2345');
    const tail = await s3.send(new GetObjectCommand({ Bucket: 'lb', Key: 'r.txt', Range: 'bytes=-3' }));
    expect(await tail.Body!.transformToString()).toBe('789');
    const open = await s3.send(new GetObjectCommand({ Bucket: 'lb', Key: 'r.txt', Range: 'bytes=7-' }));
    expect(await open.Body!.transformToString()).toBe('789');
    const bad = await s3Error(s3.send(new GetObjectCommand({ Bucket: 'lb', Key: 'r.txt', Range: 'bytes=10-20' })));
    expect(bad.$metadata.httpStatusCode).toBe(416);
    expect(bad.name).toBe('InvalidRange');
  });

  it('conditional GET: If-None-Match → 304, If-Match mismatch → 412, If-Modified-Since → 304, If-Unmodified-Since past → 412', async () => {
    const put = await s3.send(new PutObjectCommand({ Bucket: 'lb', Key: 'c.txt', Body: 'conditional' }));
    const notModified = await s3Error(s3.send(new GetObjectCommand({ Bucket: 'lb', Key: 'c.txt', IfNoneMatch: put.ETag })));
    expect(notModified.$metadata.httpStatusCode).toBe(304);
    const failed = await s3Error(s3.send(new GetObjectCommand({ Bucket: 'lb', Key: 'c.txt', IfMatch: '"not-the-etag"' })));
    expect(failed.$metadata.httpStatusCode).toBe(412);
    expect(failed.name).toBe('PreconditionFailed');
    const ok = await s3.send(new GetObjectCommand({ Bucket: 'lb', Key: 'c.txt', IfMatch: put.ETag }));
    expect(await ok.Body!.transformToString()).toBe('conditional');
    const future = new Date(Date.now() + 3600_000);
    expect((await s3Error(s3.send(new GetObjectCommand({ Bucket: 'lb', Key: 'c.txt', IfModifiedSince: future })))).$metadata.httpStatusCode).toBe(304);
    const past = new Date(Date.now() - 3600_000);
    expect((await s3Error(s3.send(new GetObjectCommand({ Bucket: 'lb', Key: 'c.txt', IfUnmodifiedSince: past })))).$metadata.httpStatusCode).toBe(412);
    const modified = await s3.send(new GetObjectCommand({ Bucket: 'lb', Key: 'c.txt', IfModifiedSince: past }));
    expect(modified.$metadata.httpStatusCode).toBe(200);
    await modified.Body!.transformToString();
  });

  it('conditional PUT: If-None-Match * refuses an existing key; If-Match with the ETag overwrites', async () => {
    const first = await s3.send(new PutObjectCommand({ Bucket: 'lb', Key: 'cp.txt', Body: 'one' }));
    expect((await s3Error(s3.send(new PutObjectCommand({ Bucket: 'lb', Key: 'cp.txt', Body: 'two', IfNoneMatch: '*' })))).$metadata.httpStatusCode).toBe(412);
    expect((await s3Error(s3.send(new PutObjectCommand({ Bucket: 'lb', Key: 'cp.txt', Body: 'two', IfMatch: '"nope"' })))).$metadata.httpStatusCode).toBe(412);
    await s3.send(new PutObjectCommand({ Bucket: 'lb', Key: 'cp.txt', Body: 'three', IfMatch: first.ETag }));
    expect(await f.polycloud.bucket('lb').getText('cp.txt')).toBe('three');
  });

  it('ListObjectsV2: prefix, delimiter and CommonPrefixes, max-keys with continuation tokens, start-after', async () => {
    const keys = ['a/1.txt', 'a/2.txt', 'a/sub/3.txt', 'b/4.txt', 'top.txt', 'z z+.txt'];
    for (const k of keys) await s3.send(new PutObjectCommand({ Bucket: 'lb', Key: k, Body: k }));
    const root = await s3.send(new ListObjectsV2Command({ Bucket: 'lb', Delimiter: '/' }));
    expect(root.Contents?.map((o) => o.Key)).toEqual(['top.txt', 'z z+.txt']);
    expect(root.CommonPrefixes?.map((p) => p.Prefix)).toEqual(['a/', 'b/']);
    const a = await s3.send(new ListObjectsV2Command({ Bucket: 'lb', Prefix: 'a/', Delimiter: '/' }));
    expect(a.Contents?.map((o) => o.Key)).toEqual(['a/1.txt', 'a/2.txt']);
    expect(a.CommonPrefixes?.map((p) => p.Prefix)).toEqual(['a/sub/']);
    expect(a.Contents?.[0]?.Size).toBe(7);
    const seen: string[] = [];
    let token: string | undefined;
    let pages = 0;
    do {
      const page = await s3.send(new ListObjectsV2Command({ Bucket: 'lb', MaxKeys: 2, ...(token ? { ContinuationToken: token } : {}) }));
      seen.push(...(page.Contents ?? []).map((o) => o.Key!));
      expect(page.Contents!.length).toBeLessThanOrEqual(2);
      token = page.IsTruncated ? page.NextContinuationToken : undefined;
      pages++;
    } while (token);
    expect(seen).toEqual(keys);
    expect(pages).toBeGreaterThanOrEqual(3);
    const after = await s3.send(new ListObjectsV2Command({ Bucket: 'lb', StartAfter: 'a/sub/3.txt' }));
    expect(after.Contents?.map((o) => o.Key)).toEqual(['b/4.txt', 'top.txt', 'z z+.txt']);
    expect((await s3Error(s3.send(new ListObjectsV2Command({ Bucket: 'lb', ContinuationToken: 'garbage' })))).name).toBe('InvalidArgument');
  });

  it('ListObjects (v1) pages with NextMarker and with a key as marker', async () => {
    for (const k of ['k1', 'k2', 'k3']) await s3.send(new PutObjectCommand({ Bucket: 'lb', Key: k, Body: k }));
    const first = await s3.send(new ListObjectsCommand({ Bucket: 'lb', MaxKeys: 2 }));
    expect(first.Contents?.map((o) => o.Key)).toEqual(['k1', 'k2']);
    expect(first.IsTruncated).toBe(true);
    const second = await s3.send(new ListObjectsCommand({ Bucket: 'lb', MaxKeys: 2, Marker: first.NextMarker! }));
    expect(second.Contents?.map((o) => o.Key)).toEqual(['k3']);
    const byKey = await s3.send(new ListObjectsCommand({ Bucket: 'lb', Marker: 'k1' }));
    expect(byKey.Contents?.map((o) => o.Key)).toEqual(['k2', 'k3']);
  });

  it('DeleteObject, and DeleteObjects (verbose and Quiet)', async () => {
    for (const k of ['d1', 'd2', 'd3', 'd4']) await s3.send(new PutObjectCommand({ Bucket: 'lb', Key: k, Body: k }));
    const del = await s3.send(new DeleteObjectCommand({ Bucket: 'lb', Key: 'd1' }));
    expect(del.$metadata.httpStatusCode).toBe(204);
    const many = await s3.send(new DeleteObjectsCommand({ Bucket: 'lb', Delete: { Objects: [{ Key: 'd2' }, { Key: 'never-there' }] } }));
    expect(many.Deleted?.map((d) => d.Key).sort()).toEqual(['d2', 'never-there']);
    const quiet = await s3.send(new DeleteObjectsCommand({ Bucket: 'lb', Delete: { Objects: [{ Key: 'd3' }], Quiet: true } }));
    expect(quiet.Deleted ?? []).toEqual([]);
    expect(Object.keys(await snapshot(f.polycloud, 'lb'))).toEqual(['d4']);
  });

  it('CopyObject: metadata copied (COPY) or replaced (REPLACE), across logical buckets too', async () => {
    await s3.send(new PutObjectCommand({ Bucket: 'lb', Key: 'src.txt', Body: 'copy me', ContentType: 'text/plain', Metadata: { a: '1' } }));
    const r = await s3.send(new CopyObjectCommand({ Bucket: 'lb', Key: 'dst.txt', CopySource: 'lb/src.txt' }));
    expect(r.CopyObjectResult?.ETag).toMatch(/^".+"$/);
    const copied = await s3.send(new HeadObjectCommand({ Bucket: 'lb', Key: 'dst.txt' }));
    expect(copied.Metadata).toEqual({ a: '1' });
    await s3.send(
      new CopyObjectCommand({
        Bucket: 'lb',
        Key: 'dst.txt',
        CopySource: 'lb/src.txt',
        MetadataDirective: 'REPLACE',
        Metadata: { b: '2' },
        ContentType: 'text/x-new',
      }),
    );
    const replaced = await s3.send(new HeadObjectCommand({ Bucket: 'lb', Key: 'dst.txt' }));
    expect(replaced.Metadata).toEqual({ b: '2' });
    expect(replaced.ContentType).toBe('text/x-new');
    await s3.send(new CopyObjectCommand({ Bucket: 'lb-us', Key: 'other.txt', CopySource: encodeURI('lb/src.txt') }));
    expect(await f.polycloud.bucket('lb-us').getText('other.txt')).toBe('copy me');
    expect((await s3Error(s3.send(new CopyObjectCommand({ Bucket: 'lb', Key: 'src.txt', CopySource: 'lb/src.txt' })))).name).toBe('InvalidRequest');
    expect((await s3Error(s3.send(new CopyObjectCommand({ Bucket: 'lb', Key: 'x', CopySource: 'lb/missing' })))).name).toBe('NoSuchKey');
    await f.polycloud.bucket('lb-us').delete('other.txt');
  });
});

describe('multipart uploads', () => {
  beforeEach(() => clear());

  it('lib-storage Upload: parts staged, completed into the logical bucket with a "<md5 of md5s>-N" ETag', async () => {
    const data = randomBytes(12 * 1024 * 1024 + 12345);
    const upload = new Upload({
      client: s3,
      params: { Bucket: 'lb', Key: 'big/blob.bin', Body: Readable.from(chunks(data, 64 * 1024)), ContentType: 'application/x-test' },
      partSize: 5 * 1024 * 1024,
      queueSize: 2,
    });
    const done = await upload.done();
    const partMd5s = [0, 1, 2].map((i) =>
      createHash('md5')
        .update(data.subarray(i * 5 * 1024 * 1024, (i + 1) * 5 * 1024 * 1024))
        .digest(),
    );
    const expected = `"${createHash('md5').update(Buffer.concat(partMd5s)).digest('hex')}-3"`;
    expect(done.ETag).toBe(expected);
    const head = await s3.send(new HeadObjectCommand({ Bucket: 'lb', Key: 'big/blob.bin' }));
    expect(head.ETag).toBe(expected);
    expect(head.ContentLength).toBe(data.length);
    expect(head.ContentType).toBe('application/x-test');
    expect(head.Metadata ?? {}).toEqual({});
    const got = await s3.send(new GetObjectCommand({ Bucket: 'lb', Key: 'big/blob.bin' }));
    expect(md5(Buffer.from(await got.Body!.transformToByteArray()))).toBe(md5(data));
    // The staging directory is empty again.
    expect(await readdir(f.stagingDir)).toEqual([]);
  });

  it('CreateMultipartUpload / UploadPart / ListParts / AbortMultipartUpload; bad part lists refused', async () => {
    const { UploadId } = await s3.send(new CreateMultipartUploadCommand({ Bucket: 'lb', Key: 'mp.bin' }));
    expect(UploadId).toMatch(/^[0-9a-f]{32}$/);
    const p1 = await s3.send(new UploadPartCommand({ Bucket: 'lb', Key: 'mp.bin', UploadId, PartNumber: 1, Body: Buffer.alloc(5 * 1024 * 1024, 1) }));
    const p2 = await s3.send(new UploadPartCommand({ Bucket: 'lb', Key: 'mp.bin', UploadId, PartNumber: 2, Body: Buffer.from('tail') }));
    const parts = await s3.send(new ListPartsCommand({ Bucket: 'lb', Key: 'mp.bin', UploadId }));
    expect(parts.Parts?.map((p) => [p.PartNumber, p.ETag, p.Size])).toEqual([
      [1, p1.ETag, 5 * 1024 * 1024],
      [2, p2.ETag, 4],
    ]);
    const wrongOrder = await s3Error(
      s3.send(
        new CompleteMultipartUploadCommand({
          Bucket: 'lb',
          Key: 'mp.bin',
          UploadId,
          MultipartUpload: {
            Parts: [
              { PartNumber: 2, ETag: p2.ETag },
              { PartNumber: 1, ETag: p1.ETag },
            ],
          },
        }),
      ),
    );
    expect(wrongOrder.name).toBe('InvalidPartOrder');
    const wrongEtag = await s3Error(
      s3.send(new CompleteMultipartUploadCommand({ Bucket: 'lb', Key: 'mp.bin', UploadId, MultipartUpload: { Parts: [{ PartNumber: 1, ETag: '"0123"' }] } })),
    );
    expect(wrongEtag.name).toBe('InvalidPart');
    const small = await s3Error(
      s3.send(
        new CompleteMultipartUploadCommand({
          Bucket: 'lb',
          Key: 'mp.bin',
          UploadId,
          MultipartUpload: {
            Parts: [
              { PartNumber: 2, ETag: p2.ETag },
              { PartNumber: 3, ETag: p2.ETag },
            ],
          },
        }),
      ),
    );
    expect(small.name).toBe('InvalidPart');
    await s3.send(new AbortMultipartUploadCommand({ Bucket: 'lb', Key: 'mp.bin', UploadId }));
    expect((await s3Error(s3.send(new ListPartsCommand({ Bucket: 'lb', Key: 'mp.bin', UploadId })))).name).toBe('NoSuchUpload');
    expect(await snapshot(f.polycloud, 'lb')).toEqual({});
  });

  it('a part smaller than 5 MiB that is not the last → EntityTooSmall', async () => {
    const { UploadId } = await s3.send(new CreateMultipartUploadCommand({ Bucket: 'lb', Key: 'small.bin' }));
    const p1 = await s3.send(new UploadPartCommand({ Bucket: 'lb', Key: 'small.bin', UploadId, PartNumber: 1, Body: 'a' }));
    const p2 = await s3.send(new UploadPartCommand({ Bucket: 'lb', Key: 'small.bin', UploadId, PartNumber: 2, Body: 'b' }));
    const e = await s3Error(
      s3.send(
        new CompleteMultipartUploadCommand({
          Bucket: 'lb',
          Key: 'small.bin',
          UploadId,
          MultipartUpload: {
            Parts: [
              { PartNumber: 1, ETag: p1.ETag },
              { PartNumber: 2, ETag: p2.ETag },
            ],
          },
        }),
      ),
    );
    expect(e.name).toBe('EntityTooSmall');
    await s3.send(new AbortMultipartUploadCommand({ Bucket: 'lb', Key: 'small.bin', UploadId }));
  });

  it('an upload survives a restart of the gateway on the same staging directory', async () => {
    const { UploadId } = await s3.send(new CreateMultipartUploadCommand({ Bucket: 'lb', Key: 'restart.bin' }));
    const p1 = await s3.send(new UploadPartCommand({ Bucket: 'lb', Key: 'restart.bin', UploadId, PartNumber: 1, Body: 'before restart' }));
    const { createGateway } = await import('@polycloud/gateway');
    const second = createGateway({ polycloud: f.polycloud, config: { ...f.gateway.config, listen: { port: 0 } }, stagingDir: f.stagingDir });
    const { url } = await second.listen();
    try {
      const client = f.client('admin-key', SECRET, { endpoint: url });
      await client.send(
        new CompleteMultipartUploadCommand({ Bucket: 'lb', Key: 'restart.bin', UploadId, MultipartUpload: { Parts: [{ PartNumber: 1, ETag: p1.ETag }] } }),
      );
    } finally {
      await second.close();
    }
    expect(await f.polycloud.bucket('lb').getText('restart.bin')).toBe('before restart');
  });
});

describe('signatures and scopes: the right S3 error, and nothing changed', () => {
  beforeAll(async () => {
    await clear();
    await s3.send(new PutObjectCommand({ Bucket: 'lb', Key: 'keep.txt', Body: 'keep' }));
  });

  async function unchanged(run: () => Promise<unknown>): Promise<S3ServiceException> {
    const before = await snapshot(f.polycloud, 'lb');
    const e = await s3Error(run());
    expect(await snapshot(f.polycloud, 'lb')).toEqual(before);
    return e;
  }

  it('a wrong secret → 403 SignatureDoesNotMatch, and the secret is not echoed', async () => {
    const e = await unchanged(() => f.client('admin-key', 'wrong-secret-value').send(new PutObjectCommand({ Bucket: 'lb', Key: 'keep.txt', Body: 'evil' })));
    expect(e.name).toBe('SignatureDoesNotMatch');
    expect(e.$metadata.httpStatusCode).toBe(403);
    expect(JSON.stringify(e)).not.toContain(SECRET);
  });

  it('a signature for another region → 400 AuthorizationHeaderMalformed naming the expected one', async () => {
    const e = await unchanged(() =>
      f.client('admin-key', SECRET, { region: 'eu-west-1' }).send(new PutObjectCommand({ Bucket: 'lb', Key: 'keep.txt', Body: 'evil' })),
    );
    expect(e.name).toBe('AuthorizationHeaderMalformed');
    expect(e.message).toContain("expecting 'us-east-1'");
  });

  it('an unknown access key → 403 InvalidAccessKeyId', async () => {
    const e = await unchanged(() => f.client('nobody', 'whatever-secret').send(new DeleteObjectCommand({ Bucket: 'lb', Key: 'keep.txt' })));
    expect(e.name).toBe('InvalidAccessKeyId');
  });

  it('a key without the scope → 403 AccessDenied (write with a read key, delete with a write key)', async () => {
    const reader = f.client('reader', READER_SECRET);
    expect((await unchanged(() => reader.send(new PutObjectCommand({ Bucket: 'lb', Key: 'keep.txt', Body: 'evil' })))).name).toBe('AccessDenied');
    const writer = f.client('writer', WRITER_SECRET);
    expect((await unchanged(() => writer.send(new DeleteObjectCommand({ Bucket: 'lb', Key: 'keep.txt' })))).name).toBe('AccessDenied');
    expect((await unchanged(() => writer.send(new DeleteObjectsCommand({ Bucket: 'lb', Delete: { Objects: [{ Key: 'keep.txt' }] } })))).name).toBe(
      'AccessDenied',
    );
    expect((await unchanged(() => reader.send(new CreateMultipartUploadCommand({ Bucket: 'lb', Key: 'x' })))).name).toBe('AccessDenied');
  });

  it('a request from a clock 20 minutes off → 403 RequestTimeTooSkewed', async () => {
    const skewed = f.client('admin-key', SECRET, { systemClockOffset: -20 * 60_000 });
    const e = await unchanged(() => skewed.send(new PutObjectCommand({ Bucket: 'lb', Key: 'keep.txt', Body: 'late' })));
    expect(e.name).toBe('RequestTimeTooSkewed');
  });

  it('presigned URLs: a valid one reads and writes; an expired one → 403 AccessDenied "Request has expired"', async () => {
    const getUrl = await getSignedUrl(s3, new GetObjectCommand({ Bucket: 'lb', Key: 'keep.txt' }), { expiresIn: 60 });
    const ok = await fetch(getUrl);
    expect(ok.status).toBe(200);
    expect(await ok.text()).toBe('keep');
    const putUrl = await getSignedUrl(s3, new PutObjectCommand({ Bucket: 'lb', Key: 'presigned.txt' }), { expiresIn: 60 });
    expect((await fetch(putUrl, { method: 'PUT', body: 'via url' })).status).toBe(200);
    expect(await f.polycloud.bucket('lb').getText('presigned.txt')).toBe('via url');
    await f.polycloud.bucket('lb').delete('presigned.txt');

    const expiredPut = await getSignedUrl(s3, new PutObjectCommand({ Bucket: 'lb', Key: 'keep.txt' }), {
      expiresIn: 60,
      signingDate: new Date(Date.now() - 120_000),
    });
    const before = await snapshot(f.polycloud, 'lb');
    const res = await fetch(expiredPut, { method: 'PUT', body: 'too late' });
    expect(res.status).toBe(403);
    const xml = await res.text();
    expect(xml).toContain('<Code>AccessDenied</Code>');
    expect(xml).toContain('Request has expired');
    expect(await snapshot(f.polycloud, 'lb')).toEqual(before);
    // A tampered signature fails too.
    const tampered = getUrl.replace(/X-Amz-Signature=([0-9a-f])/, (_m, c: string) => `X-Amz-Signature=${c === '0' ? '1' : '0'}`);
    expect(await (await fetch(tampered)).text()).toContain('<Code>SignatureDoesNotMatch</Code>');
  });
});

function* chunks(data: Buffer, size: number): Generator<Buffer> {
  for (let i = 0; i < data.length; i += size) yield data.subarray(i, i + size);
}
