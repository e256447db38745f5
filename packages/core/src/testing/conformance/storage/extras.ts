import { createHash } from 'node:crypto';
import { Readable } from 'node:stream';
import { bytesEqual, deepEqual, equal, ok, rejectsWithCode } from '../assert.js';
import { STORAGE_CAPABILITY_METHODS } from '@polycloud/core/spi';
import type { StorageConformanceCase } from '../storage-types.js';
import { BINARY, getBytes, putBytes } from './helpers.js';

/** Ranges, copy, batch delete, presign and large streamed bodies. */
export const extraCases: StorageConformanceCase[] = [
  {
    name: 'get with a range returns exactly those bytes; an open end reads to the end; a start past the end → INVALID_ARGUMENT',
    needs: ['rangeRead'],
    async run(ctx) {
      const key = ctx.key('ranged.bin');
      await putBytes(ctx, key, BINARY);
      bytesEqual(await getBytes(ctx, key, { range: { start: 2, end: 5 } }), BINARY.subarray(2, 6), 'bytes 2…5 (end inclusive)');
      bytesEqual(await getBytes(ctx, key, { range: { start: 500 } }), BINARY.subarray(500), 'bytes 500… to the end');
      bytesEqual(await getBytes(ctx, key, { range: { start: 0, end: 0 } }), BINARY.subarray(0, 1), 'the first byte alone');
      await rejectsWithCode(() => getBytes(ctx, key, { range: { start: 10_000 } }), 'INVALID_ARGUMENT', 'a range starting past the end');
    },
  },
  {
    name: 'copy duplicates content, contentType and metadata server-side; a missing source → NOT_FOUND',
    needs: ['copy'],
    async run(ctx) {
      const src = ctx.key('copy-src');
      await putBytes(ctx, src, BINARY, { contentType: 'application/octet-stream', metadata: { origin: 'source' } });
      const result = await ctx.adapter.copy(ctx.bucket, src, ctx.key('copy-dst'));
      ok(typeof result.versionToken === 'string' && result.versionToken.length > 0, 'copy() returns a versionToken');
      bytesEqual(await getBytes(ctx, ctx.key('copy-dst')), BINARY, 'copied bytes');
      const head = await ctx.adapter.head(ctx.bucket, ctx.key('copy-dst'));
      equal(head.contentType, 'application/octet-stream', 'copied contentType');
      if (ctx.adapter.capabilities.userMetadata) deepEqual(head.metadata, { origin: 'source' }, 'copied metadata');
      await rejectsWithCode(() => ctx.adapter.copy(ctx.bucket, ctx.key('no-such-source'), ctx.key('copy-x')), 'NOT_FOUND', 'copy() of a missing source');
    },
  },
  {
    name: 'deleteMany deletes existing keys and counts missing keys as deleted',
    needs: ['batchDelete'],
    async run(ctx) {
      const keys = ['m1', 'm2', 'm3'].map((k) => ctx.key(k));
      for (const k of keys) await putBytes(ctx, k, k);
      const missing = ctx.key('m-missing');
      const result = await ctx.adapter.deleteMany(ctx.bucket, [...keys, missing]);
      deepEqual([...result.deleted].sort(), [...keys, missing].sort(), 'deleted lists every key, missing ones included');
      equal(result.errors.length, 0, 'no errors');
      for (const k of keys) await rejectsWithCode(() => ctx.adapter.head(ctx.bucket, k), 'NOT_FOUND', `head() of ${k} after deleteMany`);
    },
  },
  {
    name: 'presign GET returns a URL; an http(s) URL serves the object bytes',
    needs: ['presign'],
    async run(ctx) {
      const key = ctx.key('signed file.bin');
      await putBytes(ctx, key, BINARY);
      const url = await ctx.adapter.presign(ctx.bucket, key, { method: 'GET', expiresInSeconds: 300 });
      const parsed = new URL(url);
      if (parsed.protocol === 'http:' || parsed.protocol === 'https:') {
        const res = await fetch(url);
        equal(res.status, 200, 'HTTP status of the presigned GET');
        bytesEqual(new Uint8Array(await res.arrayBuffer()), BINARY, 'bytes served by the presigned URL');
      }
    },
  },
  {
    // Capabilities are the declared flags only: a method standing for a flag the adapter
    // does not declare must refuse, not half-work (core never calls it; a direct caller
    // must not get a silent success or a TypeError).
    name: 'deleteMany / copy / presign of an undeclared capability (batchDelete, copy, presign) throw UNSUPPORTED and change nothing',
    needs: [],
    async run(ctx) {
      const caps = ctx.adapter.capabilities;
      const key = ctx.key('undeclared');
      if (!caps.batchDelete || !caps.copy) await putBytes(ctx, key, 'kept');
      const calls: [keyof typeof STORAGE_CAPABILITY_METHODS, () => Promise<unknown>][] = [
        ['batchDelete', () => ctx.adapter.deleteMany(ctx.bucket, [key])],
        ['copy', () => ctx.adapter.copy(ctx.bucket, key, ctx.key('undeclared-copy'))],
        ['presign', () => ctx.adapter.presign(ctx.bucket, key, { method: 'GET', expiresInSeconds: 300 })],
      ];
      for (const [capability, call] of calls) {
        if (caps[capability]) continue;
        const method = STORAGE_CAPABILITY_METHODS[capability];
        const error = await rejectsWithCode(call, 'UNSUPPORTED', `${method}() without "${capability}" declared`);
        equal(error.retryable, false, `UNSUPPORTED from ${method}() is not retryable`);
      }
      if (!caps.batchDelete) bytesEqual(await getBytes(ctx, key), Buffer.from('kept'), 'the object deleteMany() refused to delete');
      if (!caps.copy)
        await rejectsWithCode(() => ctx.adapter.head(ctx.bucket, ctx.key('undeclared-copy')), 'NOT_FOUND', 'head() of the copy copy() refused to make');
    },
  },
  {
    name: 'a 12 MiB stream of unknown length round-trips (multipart), checked by SHA-256',
    needs: ['multipart'],
    timeoutMs: 120_000,
    async run(ctx) {
      const key = ctx.key('large.bin');
      const chunk = 256 * 1024;
      const total = 12 * 1024 * 1024 + 12_345;
      const hash = createHash('sha256');
      function* chunks() {
        for (let sent = 0, n = 0; sent < total; n++) {
          const size = Math.min(chunk, total - sent);
          const part = Buffer.alloc(size, n % 251);
          part.writeUInt32BE(n, 0);
          hash.update(part);
          sent += size;
          yield part;
        }
      }
      await ctx.adapter.put(ctx.bucket, key, Readable.from(chunks()));
      const expected = hash.digest('hex');
      equal((await ctx.adapter.head(ctx.bucket, key)).size, total, 'head().size of the large object');
      const { body } = await ctx.adapter.get(ctx.bucket, key);
      const got = createHash('sha256');
      for await (const part of body as AsyncIterable<Uint8Array>) got.update(part);
      equal(got.digest('hex'), expected, 'SHA-256 of the bytes read back');
    },
  },
];
