/**
 * Abandoned multipart uploads expire: an upload neither completed nor aborted within
 * `limits.multipartExpirySeconds` of its creation is removed with its staged parts (S3's
 * AbortIncompleteMultipartUpload lifecycle rule, on by default here), also one left by an
 * earlier gateway process in the same staging directory; a younger one is kept.
 */
import { mkdir, readdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { CreateMultipartUploadCommand, ListMultipartUploadsCommand, type S3Client, UploadPartCommand } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { S3_CONFIG, type S3Fixture, startS3Gateway } from './s3-helpers.js';

const EXPIRY_S = 3;
/** An upload left in the staging directory by an earlier process, created long ago. */
const LEFT_OVER = 'ab'.repeat(16);

let f: S3Fixture;
let s3: S3Client;

const pending = async () => ((await s3.send(new ListMultipartUploadsCommand({ Bucket: 'lb' }))).Uploads ?? []).map((u) => u.UploadId);

beforeAll(async () => {
  f = await startS3Gateway({ ...S3_CONFIG, limits: { multipartExpirySeconds: EXPIRY_S } });
  s3 = f.client();
});
afterAll(async () => {
  await f?.stop();
});

describe('multipart upload expiry', () => {
  it('an upload older than multipartExpirySeconds is removed with its parts (a left-over one too); a younger one stays', async () => {
    // Written as the store writes it; the running gateway finds it on its next sweep.
    await mkdir(join(f.stagingDir, LEFT_OVER), { recursive: true });
    await writeFile(
      join(f.stagingDir, LEFT_OVER, 'upload.json'),
      JSON.stringify({ uploadId: LEFT_OVER, bucket: 'lb', key: 'old.bin', metadata: {}, initiated: new Date(Date.now() - 86_400_000).toISOString() }),
    );
    const { UploadId } = await s3.send(new CreateMultipartUploadCommand({ Bucket: 'lb', Key: 'abandoned.bin' }));
    await s3.send(new UploadPartCommand({ Bucket: 'lb', Key: 'abandoned.bin', UploadId, PartNumber: 1, Body: Buffer.alloc(1024, 1) }));
    expect(await pending()).toContain(UploadId);
    // Swept every second (a quarter of the expiry, at least 1 s): gone within expiry + a sweep or two.
    const deadline = Date.now() + (EXPIRY_S + 5) * 1000;
    while ((await readdir(f.stagingDir)).length > 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 250));
    expect(await readdir(f.stagingDir)).toEqual([]);
    expect(await pending()).toEqual([]);
    await expect(
      s3.send(new UploadPartCommand({ Bucket: 'lb', Key: 'abandoned.bin', UploadId, PartNumber: 2, Body: Buffer.alloc(1024, 2) })),
    ).rejects.toMatchObject({ name: 'NoSuchUpload' });
    // A fresh upload survives the next sweep.
    const young = await s3.send(new CreateMultipartUploadCommand({ Bucket: 'lb', Key: 'young.bin' }));
    await new Promise((r) => setTimeout(r, 1_100)); // at least one sweep, well before it is 3 s old
    expect(await pending()).toEqual([young.UploadId]);
  }, 30_000);
});
