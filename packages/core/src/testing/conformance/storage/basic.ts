import { bytesEqual, deepEqual, equal, ok, rejectsWithCode } from '../assert.js';
import type { StorageConformanceCase } from '../storage-types.js';
import { BINARY, chunkedStream, getBytes, putBytes } from './helpers.js';

/** Bytes in and out, streams, empty objects, content type, metadata, head, missing keys. */
export const basicCases: StorageConformanceCase[] = [
  {
    name: 'ensureBucket on an existing bucket succeeds, twice',
    needs: [],
    async run(ctx) {
      await ctx.adapter.ensureBucket(ctx.bucket);
      await ctx.adapter.ensureBucket(ctx.bucket);
      if (ctx.adapter.probe) await ctx.adapter.probe(ctx.bucket);
    },
  },
  {
    name: 'put then get round-trips binary bytes (all 256 byte values)',
    needs: [],
    async run(ctx) {
      const key = ctx.key('binary.bin');
      const put = await putBytes(ctx, key, BINARY);
      ok(typeof put.versionToken === 'string' && put.versionToken.length > 0, 'put() must return a non-empty versionToken');
      equal(put.key, key, 'put() returns the key');
      bytesEqual(await getBytes(ctx, key), BINARY, 'get() returns the bytes put');
    },
  },
  {
    name: 'an empty object round-trips with size 0',
    needs: [],
    async run(ctx) {
      const key = ctx.key('empty');
      await putBytes(ctx, key, new Uint8Array(0));
      equal((await getBytes(ctx, key)).byteLength, 0, 'get() of an empty object returns 0 bytes');
      equal((await ctx.adapter.head(ctx.bucket, key)).size, 0, 'head().size of an empty object');
    },
  },
  {
    name: 'put from a Node Readable (several chunks) stores the whole stream',
    needs: [],
    async run(ctx) {
      const key = ctx.key('stream.bin');
      const data = new Uint8Array(100_000).map((_, i) => (i * 7) % 251);
      await ctx.adapter.put(ctx.bucket, key, chunkedStream(data, 7));
      bytesEqual(await getBytes(ctx, key), data, 'get() returns every chunk of the streamed body');
      equal((await ctx.adapter.head(ctx.bucket, key)).size, data.byteLength, 'head().size of the streamed object');
    },
  },
  {
    name: 'head returns size, versionToken, lastModified and contentType; get returns the same info',
    needs: [],
    async run(ctx) {
      const key = ctx.key('info.json');
      const put = await putBytes(ctx, key, '{"a":1}', { contentType: 'application/json' });
      const head = await ctx.adapter.head(ctx.bucket, key);
      equal(head.key, key, 'head().key');
      equal(head.size, 7, 'head().size');
      equal(head.versionToken, put.versionToken, 'head().versionToken equals the one put() returned');
      ok(head.lastModified instanceof Date && !Number.isNaN(head.lastModified.getTime()), 'head().lastModified is a valid Date');
      equal(head.contentType, 'application/json', 'head().contentType');
      const got = await ctx.adapter.get(ctx.bucket, key);
      got.body.resume();
      equal(got.info.contentType, 'application/json', 'get().info.contentType');
      equal(got.info.versionToken, put.versionToken, 'get().info.versionToken');
    },
  },
  {
    name: 'user metadata (ASCII) round-trips through head and get',
    needs: ['userMetadata'],
    async run(ctx) {
      const key = ctx.key('meta-ascii');
      const metadata = { owner: 'team-a', build_id: '42', 'trace-id': 'abc-123', note: 'hello world' };
      await putBytes(ctx, key, 'x', { metadata });
      deepEqual(sorted((await ctx.adapter.head(ctx.bucket, key)).metadata), sorted(metadata), 'head().metadata');
      const got = await ctx.adapter.get(ctx.bucket, key);
      got.body.resume();
      deepEqual(sorted(got.info.metadata), sorted(metadata), 'get().info.metadata');
    },
  },
  {
    name: 'an overwrite replaces user metadata and content type (nothing is merged)',
    needs: ['userMetadata'],
    async run(ctx) {
      const key = ctx.key('meta-replace');
      await putBytes(ctx, key, 'x', { metadata: { first: '1', shared: 'a' }, contentType: 'text/plain' });
      await putBytes(ctx, key, 'y', { metadata: { shared: 'b' } });
      const head = await ctx.adapter.head(ctx.bucket, key);
      deepEqual(sorted(head.metadata), [['shared', 'b']], 'head().metadata after an overwrite');
      ok(head.contentType !== 'text/plain', `the old contentType must not survive an overwrite without one, got ${String(head.contentType)}`);
    },
  },
  {
    name: 'user metadata with non-ASCII values round-trips exactly',
    needs: ['userMetadata', 'nonAsciiMetadata'],
    async run(ctx) {
      const key = ctx.key('meta-unicode');
      const metadata = { city: 'Zürich', greeting: '你好，世界', emoji: '🚀 launch', mixed: 'a=b; c,d "q"' };
      await putBytes(ctx, key, 'x', { metadata });
      deepEqual(sorted((await ctx.adapter.head(ctx.bucket, key)).metadata), sorted(metadata), 'head().metadata');
    },
  },
  {
    name: 'get and head of a missing key → NOT_FOUND',
    needs: [],
    async run(ctx) {
      await rejectsWithCode(() => ctx.adapter.get(ctx.bucket, ctx.key('missing')), 'NOT_FOUND', 'get() of a missing key');
      await rejectsWithCode(() => ctx.adapter.head(ctx.bucket, ctx.key('missing')), 'NOT_FOUND', 'head() of a missing key');
    },
  },
  {
    name: 'delete removes the object and is idempotent (a missing key succeeds)',
    needs: [],
    async run(ctx) {
      const key = ctx.key('doomed');
      await putBytes(ctx, key, 'bye');
      await ctx.adapter.delete(ctx.bucket, key);
      await rejectsWithCode(() => ctx.adapter.head(ctx.bucket, key), 'NOT_FOUND', 'head() after delete()');
      await ctx.adapter.delete(ctx.bucket, key);
      await ctx.adapter.delete(ctx.bucket, ctx.key('never-existed'));
    },
  },
  {
    name: 'overwriting replaces the content and changes the versionToken',
    needs: [],
    async run(ctx) {
      const key = ctx.key('overwrite');
      const first = await putBytes(ctx, key, 'one');
      const second = await putBytes(ctx, key, 'two!');
      ok(first.versionToken !== second.versionToken, 'an overwrite must yield a different versionToken');
      equal((await getBytes(ctx, key)).toString('utf8'), 'two!', 'get() after overwrite');
      equal((await ctx.adapter.head(ctx.bucket, key)).versionToken, second.versionToken, 'head().versionToken after overwrite');
    },
  },
  {
    name: 'a call whose signal is already aborted rejects with ABORTED, and a put writes nothing',
    needs: [],
    async run(ctx) {
      const controller = new AbortController();
      controller.abort();
      const signal = controller.signal;
      const key = ctx.key('aborted');
      await rejectsWithCode(() => putBytes(ctx, key, 'never', { signal }), 'ABORTED', 'put() with an aborted signal');
      await rejectsWithCode(() => ctx.adapter.head(ctx.bucket, key), 'NOT_FOUND', 'nothing was written');
      await putBytes(ctx, key, 'x');
      await rejectsWithCode(() => ctx.adapter.get(ctx.bucket, key, { signal }), 'ABORTED', 'get() with an aborted signal');
      await rejectsWithCode(() => ctx.adapter.list(ctx.bucket, { prefix: ctx.prefix, signal }), 'ABORTED', 'list() with an aborted signal');
    },
  },
  {
    name: 'keys with unicode, spaces and slashes round-trip and list back exactly',
    needs: [],
    async run(ctx) {
      const names = ['dir/sub dir/file name.txt', 'unicode/naïve café ✓.txt', 'unicode/日本語/データ', 'symbols/a+b=c&d%20e#f?.txt'];
      for (const name of names) await putBytes(ctx, ctx.key(name), name);
      for (const name of names) equal((await getBytes(ctx, ctx.key(name))).toString('utf8'), name, `get() of "${name}"`);
      const listed = new Set((await ctx.adapter.list(ctx.bucket, { prefix: ctx.prefix })).objects.map((o) => o.key));
      for (const name of names) ok(listed.has(ctx.key(name)), `list() returns "${name}" exactly`);
    },
  },
];

function sorted(m: Record<string, string> | undefined): [string, string][] {
  return Object.entries(m ?? {}).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
}
