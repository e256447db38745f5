/**
 * CompleteMultipartUpload when the store is slow or fails: the final put is replayed
 * from the staged parts after a retryable failure that consumed the body (the facade
 * cannot replay a stream), and a long put answers 200 at once with whitespace and puts
 * an error, if any, in the 200 body — which the AWS SDK reads as an error.
 */
import { randomBytes } from 'node:crypto';
import { CompleteMultipartUploadCommand, CreateMultipartUploadCommand, type S3Client, UploadPartCommand } from '@aws-sdk/client-s3';
import { createPolycloud, PolycloudError } from '@polycloud/core';
import type { StorageAdapter } from '@polycloud/core/spi';
import { createMemoryStorageAdapter } from '@polycloud/core/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type S3Fixture, startS3Gateway } from './s3-helpers.js';

/** What the next puts do: fail after reading the whole body (retryable or not), wait first, or pass. */
const plan: { delayMs: number; failures: { code: 'UNAVAILABLE' | 'PERMISSION_DENIED' }[]; puts: number } = { delayMs: 0, failures: [], puts: 0 };

function flaky(inner: StorageAdapter): StorageAdapter {
  return new Proxy(inner, {
    get(target, prop, receiver) {
      if (prop !== 'put') return Reflect.get(target, prop, receiver) as unknown;
      return async (...args: Parameters<StorageAdapter['put']>) => {
        plan.puts++;
        if (plan.delayMs) await new Promise((r) => setTimeout(r, plan.delayMs));
        const failure = plan.failures.shift();
        if (failure) {
          // Consume the body first, as an upload that died half-way would.
          const body = args[2];
          if (body && typeof (body as AsyncIterable<unknown>)[Symbol.asyncIterator] === 'function')
            for await (const c of body as AsyncIterable<unknown>) void c;
          throw new PolycloudError(failure.code, `injected ${failure.code}`, { retryable: failure.code === 'UNAVAILABLE' });
        }
        return target.put(...args);
      };
    },
  });
}

let f: S3Fixture;
let s3: S3Client;

beforeAll(async () => {
  const polycloud = createPolycloud({
    providers: [{ name: 'm', adapter: flaky(createMemoryStorageAdapter({ name: 'm', buckets: ['pm'] })) }],
    resources: [{ resource_id: 'lb', type: 'LogicalBucket', replication: { mode: 'none' }, providers: [{ cloud: 'm', physical_id: 'pm' }] }],
    retry: { maxAttempts: 1 },
  });
  f = await startS3Gateway(undefined, polycloud);
  s3 = f.client();
});
afterAll(async () => {
  await f?.stop();
});

async function upload(key: string): Promise<{ UploadId: string; parts: { PartNumber: number; ETag: string }[]; data: Buffer }> {
  const data = randomBytes(6 * 1024 * 1024);
  const { UploadId } = await s3.send(new CreateMultipartUploadCommand({ Bucket: 'lb', Key: key }));
  const p1 = await s3.send(new UploadPartCommand({ Bucket: 'lb', Key: key, UploadId, PartNumber: 1, Body: data.subarray(0, 5 * 1024 * 1024) }));
  const p2 = await s3.send(new UploadPartCommand({ Bucket: 'lb', Key: key, UploadId, PartNumber: 2, Body: data.subarray(5 * 1024 * 1024) }));
  return {
    UploadId: UploadId!,
    parts: [
      { PartNumber: 1, ETag: p1.ETag! },
      { PartNumber: 2, ETag: p2.ETag! },
    ],
    data,
  };
}

describe('CompleteMultipartUpload against a failing store', () => {
  it('a retryable failure after the body was consumed is replayed from the staged parts: the client sees success', async () => {
    const { UploadId, parts, data } = await upload('replayed.bin');
    plan.puts = 0;
    plan.failures = [{ code: 'UNAVAILABLE' }, { code: 'UNAVAILABLE' }];
    const r = await s3.send(new CompleteMultipartUploadCommand({ Bucket: 'lb', Key: 'replayed.bin', UploadId, MultipartUpload: { Parts: parts } }));
    expect(r.ETag).toMatch(/^"[0-9a-f]{32}-2"$/);
    expect(plan.puts).toBe(3);
    expect((await f.polycloud.bucket('lb').getBytes('replayed.bin')).equals(data)).toBe(true);
  }, 30_000);

  it('a slow put: 200 with whitespace first, then the result', async () => {
    const { UploadId, parts, data } = await upload('slow.bin');
    plan.delayMs = 2_500;
    try {
      const r = await s3.send(new CompleteMultipartUploadCommand({ Bucket: 'lb', Key: 'slow.bin', UploadId, MultipartUpload: { Parts: parts } }));
      expect(r.ETag).toMatch(/^"[0-9a-f]{32}-2"$/);
    } finally {
      plan.delayMs = 0;
    }
    expect((await f.polycloud.bucket('lb').getBytes('slow.bin')).equals(data)).toBe(true);
  }, 30_000);

  it('a slow put that then fails for good: the error arrives in the 200 body and the SDK throws it; the upload can be completed later', async () => {
    const { UploadId, parts } = await upload('refused.bin');
    plan.delayMs = 2_500;
    plan.failures = [{ code: 'PERMISSION_DENIED' }];
    let error: { name?: string } | undefined;
    try {
      await s3.send(new CompleteMultipartUploadCommand({ Bucket: 'lb', Key: 'refused.bin', UploadId, MultipartUpload: { Parts: parts } }));
    } catch (e) {
      error = e as { name?: string };
    } finally {
      plan.delayMs = 0;
    }
    expect(error?.name).toBe('AccessDenied');
    expect(await f.polycloud.bucket('lb').exists('refused.bin')).toBe(false);
    // The staged parts were kept: completing again succeeds.
    await s3.send(new CompleteMultipartUploadCommand({ Bucket: 'lb', Key: 'refused.bin', UploadId, MultipartUpload: { Parts: parts } }));
    expect(await f.polycloud.bucket('lb').exists('refused.bin')).toBe(true);
  }, 30_000);

  it('a Complete repeated while the first is still writing (a client retrying after a lost connection) joins it: one write, the same answer; repeated after it, the same answer again', async () => {
    const { UploadId, parts, data } = await upload('twice.bin');
    plan.puts = 0;
    plan.delayMs = 1_000;
    const complete = () => s3.send(new CompleteMultipartUploadCommand({ Bucket: 'lb', Key: 'twice.bin', UploadId, MultipartUpload: { Parts: parts } }));
    let answers: { ETag?: string }[];
    try {
      const first = complete();
      await new Promise((r) => setTimeout(r, 200)); // the first is writing now
      answers = await Promise.all([first, complete()]);
    } finally {
      plan.delayMs = 0;
    }
    expect(plan.puts).toBe(1);
    expect(answers[0]!.ETag).toMatch(/^"[0-9a-f]{32}-2"$/);
    expect(answers[1]!.ETag).toBe(answers[0]!.ETag);
    // After it completed (its staged parts are gone): the same result, nothing written again.
    expect((await complete()).ETag).toBe(answers[0]!.ETag);
    expect(plan.puts).toBe(1);
    expect((await f.polycloud.bucket('lb').getBytes('twice.bin')).equals(data)).toBe(true);
    // Another key with the same upload id is not that upload.
    await expect(
      s3.send(new CompleteMultipartUploadCommand({ Bucket: 'lb', Key: 'other.bin', UploadId, MultipartUpload: { Parts: parts } })),
    ).rejects.toMatchObject({ name: 'NoSuchUpload' });
  }, 30_000);
});
