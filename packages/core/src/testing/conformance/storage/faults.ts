import { readAll } from '@polycloud/core';
import { equal, ok, rejectsWithCode } from '../assert.js';
import type { StorageCaseContext, StorageConformanceFaults, StorageFaultCase } from '../storage-types.js';
import { getBytes, putBytes } from './helpers.js';

/**
 * After `start()`: an emulator that keeps nothing in memory across a restart has lost
 * the bucket, so it is created again (idempotent where it survived).
 */
async function afterStart(ctx: StorageCaseContext): Promise<void> {
  await ctx.adapter.ensureBucket(ctx.bucket);
}

/** Runs `body` with the storage stopped, and starts it again whatever happens. */
async function whileStopped(ctx: StorageCaseContext, faults: StorageConformanceFaults, body: () => Promise<void>): Promise<void> {
  await faults.stop();
  try {
    await body();
  } finally {
    await faults.start();
    await afterStart(ctx);
  }
}

/** Larger than loopback socket buffers hold (a few MiB each way), so a stop lands mid-body. */
const DROPPED_BODY_BYTES = 24 * 1024 * 1024;

/**
 * Shared failure behaviour: what every adapter must do when its storage goes away,
 * driven by the `faults` hook of the adapter's test (stop / start the emulator). The
 * first call after a stop may ride a keep-alive socket the stopping server reset
 * (ECONNRESET) rather than find nobody listening (ECONNREFUSED): the cases assert
 * the code and `retryable`, never the errno.
 */
export const faultCases: StorageFaultCase[] = [
  {
    name: 'while the storage is stopped every call fails with UNAVAILABLE, retryable; once started again calls work',
    needs: [],
    timeoutMs: 90_000,
    async run(ctx, faults) {
      const key = ctx.key('before-stop');
      await putBytes(ctx, key, 'kept');
      await whileStopped(ctx, faults, async () => {
        const calls: [string, () => Promise<unknown>][] = [
          ['get', () => getBytes(ctx, key)],
          ['head', () => ctx.adapter.head(ctx.bucket, key)],
          ['put', () => putBytes(ctx, ctx.key('while-stopped'), 'lost')],
          ['list', () => ctx.adapter.list(ctx.bucket, { prefix: ctx.prefix })],
          ['delete', () => ctx.adapter.delete(ctx.bucket, key)],
        ];
        if (ctx.adapter.probe) calls.push(['probe', () => ctx.adapter.probe!(ctx.bucket)]);
        // One at a time: a call failing first must not leave another as an unhandled rejection.
        for (const [name, call] of calls) {
          const error = await rejectsWithCode(call, 'UNAVAILABLE', `${name}() while the storage is stopped`);
          equal(error.retryable, true, `${name}() while the storage is stopped: retryable`);
          ok(error.context.operation !== undefined, `${name}() while the storage is stopped: the error names its operation`);
        }
      });
      if (ctx.adapter.probe) await ctx.adapter.probe(ctx.bucket);
      const after = ctx.key('after-start');
      await putBytes(ctx, after, 'back');
      equal((await getBytes(ctx, after)).toString('utf8'), 'back', 'get() after the storage started again');
    },
  },
  {
    name: 'the storage stopping while a body is read → the body stream errors with UNAVAILABLE, retryable (never a silent short read)',
    needs: ['midBodyDrop'],
    timeoutMs: 60_000,
    async run(ctx, faults) {
      const key = ctx.key('dropped.bin');
      await putBytes(ctx, key, new Uint8Array(DROPPED_BODY_BYTES).fill(0x5a));
      const { body, info } = await ctx.adapter.get(ctx.bucket, key);
      equal(info.size, DROPPED_BODY_BYTES, 'get().info.size of the large object');
      // Take the first bytes, then stop reading: the rest stays with the server when it stops.
      body.pause();
      await new Promise<void>((resolve, reject) => {
        body.once('readable', () => resolve());
        body.once('error', reject);
      });
      await whileStopped(ctx, faults, async () => {
        const error = await rejectsWithCode(() => readAll(body), 'UNAVAILABLE', 'reading a body whose server stopped');
        equal(error.retryable, true, 'a dropped body is retryable');
      });
    },
  },
];
