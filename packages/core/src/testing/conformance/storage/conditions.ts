import { equal, ok, rejectsWithCode } from '../assert.js';
import type { StorageConformanceCase } from '../storage-types.js';
import { chunkedStream, getBytes, putBytes, utf8 } from './helpers.js';

/** Conditional writes, reads and deletes: the primitives leases and journals are built on. */
export const conditionCases: StorageConformanceCase[] = [
  {
    name: "put with ifNoneMatch '*' creates a missing key, and fails on an existing one with ALREADY_EXISTS (bytes and stream bodies)",
    needs: ['conditionalWrite'],
    async run(ctx) {
      const key = ctx.key('create-once');
      await putBytes(ctx, key, 'first', { ifNoneMatch: '*' });
      // One outcome, one code: never CONDITION_NOT_MET, whatever status the provider answers (S3 and GCS say 412).
      const refused = await rejectsWithCode(() => putBytes(ctx, key, 'second', { ifNoneMatch: '*' }), 'ALREADY_EXISTS', "second put with ifNoneMatch '*'");
      equal(refused.retryable, false, 'ALREADY_EXISTS is not retryable');
      await rejectsWithCode(
        () => ctx.adapter.put(ctx.bucket, key, chunkedStream(utf8('streamed'), 2), { ifNoneMatch: '*' }),
        'ALREADY_EXISTS',
        "streamed put with ifNoneMatch '*'",
      );
      equal((await getBytes(ctx, key)).toString('utf8'), 'first', 'the failed conditional put left the first version intact');
    },
  },
  {
    name: 'put with ifMatch succeeds on the current versionToken and fails with CONDITION_NOT_MET on a stale one',
    needs: ['conditionalWrite'],
    async run(ctx) {
      const key = ctx.key('cas');
      const v1 = await putBytes(ctx, key, 'v1');
      const v2 = await putBytes(ctx, key, 'v2', { ifMatch: v1.versionToken });
      ok(v2.versionToken !== v1.versionToken, 'a conditional overwrite yields a new versionToken');
      await rejectsWithCode(() => putBytes(ctx, key, 'v3', { ifMatch: v1.versionToken }), 'CONDITION_NOT_MET', 'put with a stale ifMatch');
      equal((await getBytes(ctx, key)).toString('utf8'), 'v2', 'the failed conditional put left v2 intact');
    },
  },
  {
    name: 'put with ifMatch on a missing key fails (CONDITION_NOT_MET or NOT_FOUND)',
    needs: ['conditionalWrite'],
    async run(ctx) {
      const key = ctx.key('cas-missing');
      const other = await putBytes(ctx, ctx.key('cas-other'), 'x');
      await rejectsWithCode(
        () => putBytes(ctx, key, 'v', { ifMatch: other.versionToken }),
        ['CONDITION_NOT_MET', 'NOT_FOUND'],
        'put with ifMatch on a missing key',
      );
      await rejectsWithCode(() => ctx.adapter.head(ctx.bucket, key), 'NOT_FOUND', 'nothing was written');
    },
  },
  {
    name: 'get with a stale ifMatch → CONDITION_NOT_MET; with the current one → the bytes',
    needs: ['conditionalWrite'],
    async run(ctx) {
      const key = ctx.key('read-if');
      const v1 = await putBytes(ctx, key, 'one');
      const v2 = await putBytes(ctx, key, 'two');
      equal((await getBytes(ctx, key, { ifMatch: v2.versionToken })).toString('utf8'), 'two', 'get() with the current ifMatch');
      await rejectsWithCode(() => getBytes(ctx, key, { ifMatch: v1.versionToken }), 'CONDITION_NOT_MET', 'get() with a stale ifMatch');
    },
  },
  {
    name: 'delete with ifMatch: a stale token → CONDITION_NOT_MET and the object stays; the current token deletes',
    needs: ['conditionalDelete'],
    async run(ctx) {
      const key = ctx.key('cond-delete');
      const v1 = await putBytes(ctx, key, 'one');
      const v2 = await putBytes(ctx, key, 'two');
      await rejectsWithCode(() => ctx.adapter.delete(ctx.bucket, key, { ifMatch: v1.versionToken }), 'CONDITION_NOT_MET', 'delete() with a stale ifMatch');
      equal((await ctx.adapter.head(ctx.bucket, key)).versionToken, v2.versionToken, 'the object survived the failed conditional delete');
      await ctx.adapter.delete(ctx.bucket, key, { ifMatch: v2.versionToken });
      await rejectsWithCode(() => ctx.adapter.head(ctx.bucket, key), 'NOT_FOUND', 'head() after the conditional delete');
      // the object is gone now: the version the condition names is not there either
      await rejectsWithCode(
        () => ctx.adapter.delete(ctx.bucket, key, { ifMatch: v2.versionToken }),
        'CONDITION_NOT_MET',
        'delete() with ifMatch of a missing key',
      );
    },
  },
];
