import fc from 'fast-check';
import { afterEach, describe, expect, it } from 'vitest';
import { trace } from '@opentelemetry/api';
import { PassThrough, Readable, Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { ConcurrencySlots } from '../src/facade/slots.js';
import { createPolycloud, type Polycloud, PolycloudError, readAll } from '@polycloud/core';
import { mapStreamErrors, validateKey } from '@polycloud/core/spi';
import { createMemoryStorageAdapter } from '@polycloud/core/testing';
import { createTestTelemetry } from './observability-helpers.js';

/** The straightforward definition validateKey's single pass must agree with. */
function referenceVerdict(key: string): boolean {
  if (key.length === 0) return false;
  if (/[\u0000-\u001f\u007f]/.test(key)) return false;
  if (/[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/.test(key)) return false;
  if (key.includes('\\')) return false;
  if (key.split('/').some((s) => s === '.' || s === '..')) return false;
  return Buffer.byteLength(key, 'utf8') <= 1024;
}

const accepts = (key: string): boolean => {
  try {
    validateKey(key);
    return true;
  } catch (e) {
    expect((e as PolycloudError).code).toBe('INVALID_ARGUMENT');
    return false;
  }
};

describe('validateKey (one pass, no allocation)', () => {
  it('agrees with the regex definition on keys made of the tricky characters', () => {
    const unit = fc.constantFrom('a', 'Z', '/', '.', '\\', '\u0000', '\u001f', '\u007f', ' ', 'é', '中', '😀', '\ud83d', '\ude00');
    fc.assert(
      fc.property(fc.array(unit, { maxLength: 12 }), (units) => {
        const key = units.join('');
        expect(accepts(key), JSON.stringify(key)).toBe(referenceVerdict(key));
      }),
      { numRuns: 5000 },
    );
  });

  it('counts UTF-8 bytes exactly at the 1024-byte limit', () => {
    for (const [unit, bytes] of [
      ['a', 1],
      ['é', 2],
      ['中', 3],
      ['😀', 4],
    ] as const) {
      const fits = unit.repeat(Math.floor(1024 / bytes));
      expect(accepts(fits)).toBe(true);
      expect(accepts(fits + unit)).toBe(false);
    }
  });

  it('names the offending rule', () => {
    expect(() => validateKey('a/../b')).toThrow(/"\." or "\.\." path segment/);
    expect(() => validateKey('a\\b')).toThrow(/backslash/);
    expect(() => validateKey('a\u0001')).toThrow(/control character/);
    expect(() => validateKey('a\ud800')).toThrow(/lone surrogate/);
    expect(accepts('.a/..b/...')).toBe(true);
  });
});

describe('ConcurrencySlots', () => {
  it('lets at most `max` holders in and hands released slots to waiters first come, first served', async () => {
    const slots = new ConcurrencySlots(2);
    expect(slots.tryAcquire()).toBe(true);
    expect(slots.tryAcquire()).toBe(true);
    expect(slots.tryAcquire()).toBe(false);
    const order: number[] = [];
    const waiters = [1, 2, 3].map((n) => slots.acquire().then(() => order.push(n)));
    expect(slots.pending).toBe(3);
    slots.release();
    slots.release();
    await Promise.resolve();
    expect(order).toEqual([1, 2]);
    expect(slots.active).toBe(2);
    // A newcomer does not jump the queue while someone waits.
    expect(slots.tryAcquire()).toBe(false);
    slots.release();
    await Promise.all(waiters);
    expect(order).toEqual([1, 2, 3]);
    slots.release();
    slots.release();
    expect(slots.active).toBe(0);
    expect(slots.pending).toBe(0);
  });

  it('keeps order over many waiters (the queue compacts itself)', async () => {
    const slots = new ConcurrencySlots(1);
    expect(slots.tryAcquire()).toBe(true);
    const seen: number[] = [];
    const all = Array.from({ length: 3000 }, (_, n) => slots.acquire().then(() => (seen.push(n), slots.release())));
    slots.release();
    await Promise.all(all);
    expect(seen).toEqual(Array.from({ length: 3000 }, (_, n) => n));
    expect(slots.active).toBe(0);
  });

  it('rejects a concurrency below 1', () => {
    expect(() => new ConcurrencySlots(0)).toThrow(RangeError);
  });
});

describe('facade options fast path', () => {
  let polycloud: Polycloud | undefined;
  afterEach(async () => {
    await polycloud?.close();
    polycloud = undefined;
    trace.disable();
  });
  const make = (extra: Record<string, unknown> = {}) =>
    createPolycloud({
      providers: [{ name: 'm', adapter: createMemoryStorageAdapter({ name: 'm', buckets: ['x'] }) }],
      resources: [{ resource_id: 'lb', type: 'LogicalBucket', providers: [{ cloud: 'm', physical_id: 'x' }] }],
      ...extra,
    });

  it('empty options skip nothing a schema would refuse: presign without its required fields still fails with the path', async () => {
    polycloud = make();
    const error = await polycloud
      .bucket('lb')
      .presign('k', {} as never)
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(PolycloudError);
    expect((error as PolycloudError).code).toBe('INVALID_ARGUMENT');
    expect((error as PolycloudError).context.path).toEqual(['options', 'method']);
  });

  it('empty and absent options behave alike, and non-plain objects still go through the schema', async () => {
    polycloud = make();
    const bucket = polycloud.bucket('lb');
    await bucket.put('k', 'v', {});
    expect(await bucket.getText('k', undefined)).toBe('v');
    const error = await bucket.put('k', 'v', [] as never).catch((e: unknown) => e);
    expect((error as PolycloudError).code).toBe('INVALID_ARGUMENT');
  });

  it('counts operations in the snapshot with no telemetry SDK installed', async () => {
    polycloud = make();
    await polycloud.bucket('lb').put('k', 'v');
    await polycloud.bucket('lb').getBytes('k');
    expect(polycloud.telemetry.snapshot().find((s) => s.binding === 'm')?.operations).toBe(2);
  });

  it('starts tracing within 256 operations when the clock does not move (fake timers)', async () => {
    const telemetry = createTestTelemetry();
    const frozen = Date.now;
    const at = Date.now();
    Date.now = () => at;
    try {
      polycloud = make();
      const bucket = polycloud.bucket('lb');
      await bucket.put('before', 'v');
      trace.setGlobalTracerProvider(telemetry.tracerProvider);
      for (let i = 0; i < 256; i++) await bucket.put(`k${i}`, 'v');
      expect(telemetry.spans.getFinishedSpans().length).toBeGreaterThan(0);
    } finally {
      Date.now = frozen;
      await telemetry.close();
    }
  });

  it('starts tracing within a second when an SDK registers a global tracer provider after the instance was made', async () => {
    const telemetry = createTestTelemetry();
    try {
      polycloud = make();
      const bucket = polycloud.bucket('lb');
      await bucket.put('before', 'v');
      trace.setGlobalTracerProvider(telemetry.tracerProvider);
      await new Promise((r) => setTimeout(r, 1100));
      await bucket.put('after', 'v');
      const spans = telemetry.spans.getFinishedSpans();
      expect(spans.map((s) => s.name)).toEqual(['write lb']);
      expect(spans[0]!.attributes).toMatchObject({ 'polycloud.resource': 'lb', 'polycloud.attempt': 1 });
    } finally {
      await telemetry.close();
    }
  });
});

describe('mapStreamErrors', () => {
  const mapped = (e: Error) => new PolycloudError('UNAVAILABLE', `mapped: ${e.message}`, { retryable: true });
  const failing = () => {
    const s = mapStreamErrors(new PassThrough(), mapped);
    s.write('abc');
    setTimeout(() => s.destroy(new Error('socket hang up')), 5);
    return s;
  };

  it('hands the mapped error to async iteration, error listeners and pipeline', async () => {
    const iterated = await readAll(failing()).catch((e: unknown) => e);
    expect((iterated as PolycloudError).message).toBe('mapped: socket hang up');
    const s = failing();
    const heard = await new Promise<unknown>((resolve) => s.on('error', resolve));
    expect(heard).toBeInstanceOf(PolycloudError);
    expect(s.errored).toBe(heard);
    const piped = await pipeline(failing(), new Writable({ write: (_c, _e, cb) => cb() })).catch((e: unknown) => e);
    expect((piped as PolycloudError).code).toBe('UNAVAILABLE');
  });

  it('leaves a stream that ends or is destroyed without an error alone', async () => {
    expect((await readAll(mapStreamErrors(Readable.from([Buffer.from('ok')]), mapped))).toString()).toBe('ok');
    const s = mapStreamErrors(new PassThrough(), mapped);
    const closed = new Promise<unknown>((resolve) => s.on('close', () => resolve(s.errored)));
    s.destroy();
    expect(await closed).toBeNull();
  });
});

describe('readAll', () => {
  it('reads a paused or unpiped stream too', async () => {
    const paused = new PassThrough();
    paused.end('pa');
    paused.pause();
    expect((await readAll(paused)).toString()).toBe('pa');
    const unpiped = new PassThrough();
    const sink = new PassThrough();
    unpiped.pipe(sink);
    unpiped.unpipe(sink);
    unpiped.end('up');
    expect((await readAll(unpiped)).toString()).toBe('up');
  });

  it('reads a Readable through its events, a plain async iterable through iteration', async () => {
    expect((await readAll(Readable.from(['a', Buffer.from('b'), new Uint8Array([99])]))).toString()).toBe('abc');
    async function* gen() {
      yield 'x';
      yield new Uint8Array([121]);
    }
    expect((await readAll(gen())).toString()).toBe('xy');
  });

  it("fails with the stream's error, on a premature close, and on a body already read", async () => {
    const broken = new PassThrough();
    broken.write('a');
    setTimeout(() => broken.destroy(new Error('boom')), 5);
    await expect(readAll(broken)).rejects.toThrow('boom');
    const cut = new PassThrough();
    cut.write('a');
    setTimeout(() => cut.destroy(), 5);
    await expect(readAll(cut)).rejects.toMatchObject({ code: 'ERR_STREAM_PREMATURE_CLOSE' });
    // Failed before reading: rejected, and no uncaught 'error' left behind.
    const early = new PassThrough();
    early.destroy(new Error('early'));
    await expect(readAll(early)).rejects.toThrow('early');
    // Object-mode chunks that are not bytes: rejected (not a crash, not truncated data).
    await expect(readAll(Readable.from([{ not: 'bytes' }]))).rejects.toThrow();
    const once = Readable.from([Buffer.from('z')]);
    expect((await readAll(once)).toString()).toBe('z');
    await expect(readAll(once)).rejects.toMatchObject({ code: 'ERR_STREAM_PREMATURE_CLOSE' });
  });
});
