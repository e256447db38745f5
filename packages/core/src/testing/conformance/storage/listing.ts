import { deepEqual, equal, ok } from '../assert.js';
import type { StorageCaseContext, StorageConformanceCase } from '../storage-types.js';
import { byteOrder, listAll, putBytes } from './helpers.js';

const TREE = ['a.txt', 'B.txt', '0.txt', 'a-b.txt', 'dir/one', 'dir/two', 'dir/sub/three', 'é.txt', 'z.txt', 'zz/deep/x'];

async function seed(ctx: StorageCaseContext, names = TREE): Promise<string[]> {
  for (const name of names) await putBytes(ctx, ctx.key(name), name);
  return byteOrder(names.map((n) => ctx.key(n)));
}

/** Order, prefixes, delimiters and pagination of `list`. */
export const listingCases: StorageConformanceCase[] = [
  {
    name: 'list returns every key under the prefix in UTF-8 byte order, with sizes and versionTokens',
    needs: ['utf8ListOrder'],
    async run(ctx) {
      const expected = await seed(ctx);
      const page = await ctx.adapter.list(ctx.bucket, { prefix: ctx.prefix });
      deepEqual(
        page.objects.map((o) => o.key),
        expected,
        'keys in UTF-8 byte order',
      );
      equal(page.continuationToken, undefined, 'no continuation token when everything fits one page');
      const a = page.objects.find((o) => o.key === ctx.key('a.txt'));
      equal(a?.size, 5, 'size in a listing');
      ok(typeof a?.versionToken === 'string' && a.versionToken.length > 0, 'versionToken in a listing');
      ok(a?.lastModified instanceof Date && !Number.isNaN(a.lastModified.getTime()), 'lastModified in a listing is a valid Date');
    },
  },
  {
    name: 'list with a narrower prefix returns only matching keys; an unused prefix is an empty page',
    needs: [],
    async run(ctx) {
      await seed(ctx);
      const page = await ctx.adapter.list(ctx.bucket, { prefix: ctx.key('dir/') });
      deepEqual(
        page.objects.map((o) => o.key),
        byteOrder([ctx.key('dir/one'), ctx.key('dir/sub/three'), ctx.key('dir/two')]),
        'keys under dir/',
      );
      const none = await ctx.adapter.list(ctx.bucket, { prefix: ctx.key('nothing-here/') });
      deepEqual([none.objects.length, none.prefixes.length, none.continuationToken], [0, 0, undefined], 'a prefix with no keys');
    },
  },
  {
    name: 'list with a delimiter groups keys into common prefixes',
    needs: ['listDelimiter', 'utf8ListOrder'],
    async run(ctx) {
      await seed(ctx);
      const { keys, prefixes } = await listAll(ctx, { prefix: ctx.prefix, delimiter: '/' });
      deepEqual(keys, byteOrder(['a.txt', 'B.txt', '0.txt', 'a-b.txt', 'é.txt', 'z.txt'].map((n) => ctx.key(n))), 'objects at the top level');
      deepEqual(prefixes, [ctx.key('dir/'), ctx.key('zz/')], 'common prefixes, each ending with the delimiter');
      const sub = await listAll(ctx, { prefix: ctx.key('dir/'), delimiter: '/' });
      deepEqual([sub.keys, sub.prefixes], [[ctx.key('dir/one'), ctx.key('dir/two')], [ctx.key('dir/sub/')]], 'one level down');
    },
  },
  {
    name: 'list pages with pageSize and continuation tokens: every key once, in order',
    needs: ['utf8ListOrder'],
    async run(ctx) {
      const expected = await seed(ctx);
      const { keys, pages } = await listAll(ctx, { prefix: ctx.prefix, pageSize: 3 });
      deepEqual(keys, expected, 'keys across pages');
      ok(pages >= 4, `10 keys with pageSize 3 need at least 4 pages, got ${pages}`);
    },
  },
  {
    name: 'list pages with a delimiter: prefixes are not repeated across pages',
    needs: ['listDelimiter'],
    async run(ctx) {
      await seed(ctx, ['p/1', 'p/2', 'p/3', 'q', 'r/1', 'r/2', 's', 't/1']);
      const { keys, prefixes } = await listAll(ctx, { prefix: ctx.prefix, delimiter: '/', pageSize: 1 });
      deepEqual(keys, [ctx.key('q'), ctx.key('s')], 'objects across pages');
      deepEqual(prefixes, [ctx.key('p/'), ctx.key('r/'), ctx.key('t/')], 'prefixes across pages, once each');
    },
  },
];
