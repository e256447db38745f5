/**
 * A store body that ends before its announced size without an error (a source cut off
 * cleanly, an object rewritten while read): the gateway must not pass it on as a whole,
 * shorter object — GetObject (S3) and the REST read cut the connection instead, so the
 * client sees a failed read it can retry, at once. (Left to itself, a response ended
 * short leaves the client waiting for the missing bytes until the server's keep-alive
 * timeout, 5 s, closes the connection.)
 */
import { Readable } from 'node:stream';
import { GetObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { createPolycloud } from '@polycloud/core';
import { readAll, type StorageAdapter } from '@polycloud/core/spi';
import { createMemoryStorageAdapter } from '@polycloud/core/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ADMIN } from './helpers.js';
import { type S3Fixture, startS3Gateway } from './s3-helpers.js';

/** Well under the server's 5 s keep-alive timeout, which would end the wait anyway. */
const PROMPT_MS = 2_500;

/** Resolves with how long `read` took to reject (it must reject). */
async function failsAfter(read: () => Promise<unknown>): Promise<number> {
  const started = Date.now();
  await expect(read()).rejects.toThrow();
  return Date.now() - started;
}

/** Reads of `cut/…` keys deliver the first 10 bytes, then end cleanly. */
function cutting(inner: StorageAdapter): StorageAdapter {
  return new Proxy(inner, {
    get(target, prop, receiver) {
      if (prop !== 'get') return Reflect.get(target, prop, receiver) as unknown;
      return async (...args: Parameters<StorageAdapter['get']>) => {
        const r = await target.get(...args);
        if (!args[1].startsWith('cut/')) return r;
        const whole = await readAll(r.body);
        return { ...r, body: Readable.from([whole.subarray(0, 10)]) };
      };
    },
  });
}

let f: S3Fixture;
let s3: S3Client;
const data = Buffer.alloc(4096, 0x61);

beforeAll(async () => {
  const polycloud = createPolycloud({
    providers: [{ name: 'm', adapter: cutting(createMemoryStorageAdapter({ name: 'm', buckets: ['pm'] })) }],
    resources: [{ resource_id: 'lb', type: 'LogicalBucket', replication: { mode: 'none' }, providers: [{ cloud: 'm', physical_id: 'pm' }] }],
    retry: { maxAttempts: 1 },
  });
  f = await startS3Gateway(undefined, polycloud);
  s3 = f.client();
  await polycloud.bucket('lb').put('cut/a.bin', data);
  await polycloud.bucket('lb').put('whole.bin', data);
});
afterAll(async () => {
  await f?.stop();
});

describe('a store body that ends early', () => {
  it('S3 GetObject: the connection is cut at once, the client never gets a shorter whole object', async () => {
    const whole = await s3.send(new GetObjectCommand({ Bucket: 'lb', Key: 'whole.bin' }));
    expect((await whole.Body!.transformToByteArray()).length).toBe(data.length);
    const cut = await s3.send(new GetObjectCommand({ Bucket: 'lb', Key: 'cut/a.bin' }));
    expect(cut.ContentLength).toBe(data.length);
    expect(await failsAfter(() => cut.Body!.transformToByteArray())).toBeLessThan(PROMPT_MS);
  });

  it('REST read: the response fails at once instead of ending short', async () => {
    const ok = await fetch(`${f.url}/_polycloud/v1/buckets/lb/objects/whole.bin`, { headers: ADMIN });
    expect((await ok.arrayBuffer()).byteLength).toBe(data.length);
    const res = await fetch(`${f.url}/_polycloud/v1/buckets/lb/objects/${encodeURIComponent('cut/a.bin')}`, { headers: ADMIN });
    expect(res.status).toBe(200);
    expect(await failsAfter(() => res.arrayBuffer())).toBeLessThan(PROMPT_MS);
  });
});
