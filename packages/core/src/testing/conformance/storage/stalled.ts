import { Readable } from 'node:stream';
import { isPolycloudError } from '@polycloud/core/spi';
import { equal, ok, rejectsWithCode } from '../assert.js';
import type { StorageConformanceCase } from '../storage-types.js';

/** How long a put may stay pending after its signal aborted. */
const SETTLE_MS = 10_000;

/** A body that sends `head` bytes (maybe none), then neither data nor end: a stalled upload. */
function stalledBody(head: number): Readable {
  let sent = false;
  return new Readable({
    read() {
      if (!sent && head > 0) this.push(Buffer.alloc(head, 0x61));
      sent = true;
    },
  });
}

async function settlesAfterAbort(run: (signal: AbortSignal) => Promise<unknown>, afterMs: number): Promise<unknown> {
  const controller = new AbortController();
  const abort = setTimeout(() => controller.abort(new Error('conformance: abort a stalled upload')), afterMs);
  let guard: ReturnType<typeof setTimeout> | undefined;
  const pending = run(controller.signal).then(
    () => ({ settled: 'resolved' as const }),
    (error: unknown) => ({ settled: 'rejected' as const, error }),
  );
  try {
    const outcome = await Promise.race([
      pending,
      new Promise<{ settled: 'hung' }>((resolve) => (guard = setTimeout(() => resolve({ settled: 'hung' }), afterMs + SETTLE_MS))),
    ]);
    ok(outcome.settled !== 'hung', `put() with a stalled body was still pending ${SETTLE_MS} ms after its signal aborted`);
    equal(outcome.settled, 'rejected', 'put() with a stalled body, aborted, must reject');
    return (outcome as { error: unknown }).error;
  } finally {
    clearTimeout(abort);
    clearTimeout(guard);
  }
}

/** Bodies that stop sending: the call's signal must end the put, and nothing is stored. */
export const stalledCases: StorageConformanceCase[] = [
  {
    name: 'put with a stream body that stalls (before or after its first bytes) → ABORTED when the signal fires, and no object is left',
    needs: [],
    timeoutMs: 2 * SETTLE_MS + 10_000,
    async run(ctx) {
      for (const head of [0, 1024]) {
        const key = ctx.key(`stalled-${head}`);
        const error = await settlesAfterAbort((signal) => ctx.adapter.put(ctx.bucket, key, stalledBody(head), { signal }), 300);
        ok(isPolycloudError(error), `a stalled put (${head} bytes sent) rejects with a PolycloudError, got ${String(error)}`);
        ok(
          isPolycloudError(error, 'ABORTED') || isPolycloudError(error, 'TIMEOUT'),
          `a stalled put (${head} bytes sent) → ABORTED, got ${(error as { code?: string }).code}`,
        );
        await rejectsWithCode(
          () => ctx.adapter.head(ctx.bucket, key),
          'NOT_FOUND',
          `head() after a stalled put aborted with ${head} bytes sent (no partial object)`,
        );
      }
    },
  },
  {
    name: 'put with a stream body shorter or longer than its contentLength → INVALID_ARGUMENT at path contentLength, and no object is left (never a truncated object)',
    needs: [],
    async run(ctx) {
      for (const [sent, announced] of [
        [1000, 1500],
        [1500, 1000],
      ] as const) {
        const key = ctx.key(`length-${sent}-${announced}`);
        const body = Readable.from([Buffer.alloc(sent / 2, 0x61), Buffer.alloc(sent / 2, 0x62)]);
        const error = await rejectsWithCode(
          () => ctx.adapter.put(ctx.bucket, key, body, { contentLength: announced }),
          'INVALID_ARGUMENT',
          `put of ${sent} bytes announced as contentLength ${announced}`,
        );
        const path = (error.context as { path?: unknown }).path;
        ok(Array.isArray(path) && path.includes('contentLength'), `the error's path names contentLength, got ${JSON.stringify(path)}`);
        await rejectsWithCode(
          () => ctx.adapter.head(ctx.bucket, key),
          'NOT_FOUND',
          `head() after a put of ${sent} bytes announced as ${announced} (nothing stored)`,
        );
      }
    },
  },
];
