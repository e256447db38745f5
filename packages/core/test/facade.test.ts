import { Readable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { createAdapterRegistry, createPolycloud, isPolycloudError, PolycloudError, type PolycloudOptions } from '@polycloud/core';
import { createDefaultRouter, type HealthEvent, type RouterContext, type RouterFactory, type StorageAdapter } from '@polycloud/core/spi';
import { createFakeClock, createMemoryStorageAdapter, memoryStorageAdapterFactory } from '@polycloud/core/testing';
import { createRouter } from '@polycloud/router';
import { down, scripted } from './facade-helpers.js';

const bucketDoc = (extra: Record<string, unknown> = {}, providers?: unknown[]) => ({
  resource_id: 'lb-123',
  type: 'LogicalBucket',
  providers: providers ?? [
    { cloud: 'CLOUD_A', physical_id: 'bucket-x' },
    { cloud: 'CLOUD_B', physical_id: 'container-y', role: 'standby' },
  ],
  // The facade alone: replication is @polycloud/sync's (tested there).
  replication: { mode: 'none' },
  ...extra,
});

function setup(adapters: { a?: StorageAdapter; b?: StorageAdapter } = {}, options: Partial<PolycloudOptions> = {}) {
  const a = adapters.a ?? createMemoryStorageAdapter({ buckets: ['bucket-x'] });
  const b = adapters.b ?? createMemoryStorageAdapter({ buckets: ['container-y'] });
  const polycloud = createPolycloud({
    providers: [
      { name: 'CLOUD_A', adapter: a },
      { name: 'CLOUD_B', adapter: b },
    ],
    resources: [bucketDoc()],
    retry: { baseDelayMs: 1, maxDelayMs: 2 },
    ...options,
  });
  const events: { name: string; payload: Record<string, unknown> }[] = [];
  for (const name of ['operation', 'retry', 'failover', 'error'] as const) {
    polycloud.events.on(name, (payload: unknown) => events.push({ name, payload: payload as Record<string, unknown> }));
  }
  return { polycloud, bucket: polycloud.bucket('lb-123'), a, b, events };
}

/**
 * Core's default router, plus what a health-tracking router does when a binding goes
 * dark: tell core through `onHealthChange` (its channel for health cuts), and emit the
 * public `health` event for applications.
 */
function healthRouter(): { router: RouterFactory; markUnhealthy(binding: string): void } {
  const listeners = new Set<(change: HealthEvent) => void>();
  let emit: RouterContext['emit'] = () => {};
  const router: RouterFactory = (ctx) => {
    emit = ctx.emit;
    return {
      ...createDefaultRouter()(ctx),
      onHealthChange: (listener) => {
        listeners.add(listener);
        return () => void listeners.delete(listener);
      },
    };
  };
  const markUnhealthy = (binding: string) => {
    const change = { resource: 'lb-123', binding, healthy: false };
    for (const listener of listeners) listener(change);
    emit('health', change);
  };
  return { router, markUnhealthy };
}

async function codeOf(p: Promise<unknown> | (() => unknown)): Promise<PolycloudError> {
  try {
    await (typeof p === 'function' ? p() : p);
  } catch (e) {
    if (isPolycloudError(e)) return e;
    throw e;
  }
  throw new Error('expected a PolycloudError');
}

describe('LogicalBucket facade', () => {
  describe('routing order', () => {
    it('writes to the primary and reads back from it', async () => {
      const { bucket, a, b } = setup();
      const put = await bucket.put('k', 'hello', { contentType: 'text/plain', metadata: { owner: 'ada' } });
      expect(put.binding).toBe('CLOUD_A');
      expect((await a.head('bucket-x', 'k')).size).toBe(5);
      expect(await codeOf(b.head('container-y', 'k'))).toMatchObject({ code: 'NOT_FOUND' });
      const obj = await bucket.get('k');
      expect(obj.binding).toBe('CLOUD_A');
      expect(obj.contentType).toBe('text/plain');
      expect(obj.metadata).toEqual({ owner: 'ada' });
      expect(await obj.text()).toBe('hello');
    });

    it('orders by priority, then weight, then declaration', async () => {
      const a = createMemoryStorageAdapter({ buckets: ['x'] });
      const polycloud = createPolycloud({
        providers: [{ name: 'm', adapter: a }],
        resources: [
          bucketDoc({}, [
            { id: 'standby', cloud: 'm', physical_id: 'x', role: 'standby', weight: 100 },
            { id: 'light', cloud: 'm', physical_id: 'x', weight: 1 },
            { id: 'heavy', cloud: 'm', physical_id: 'x', weight: 5 },
          ]),
        ],
      });
      const explanation = polycloud.bucket('lb-123').explain('write', 'k');
      expect(explanation.chosen).toBe('heavy');
      expect(explanation.candidates.map((c) => [c.binding, c.rank])).toEqual([
        ['standby', 2],
        ['light', 1],
        ['heavy', 0],
      ]);
    });
  });

  describe('failover and retries', () => {
    it('fails over to the standby when the primary is down, and emits failover', async () => {
      const { adapter: a } = scripted(createMemoryStorageAdapter({ buckets: ['bucket-x'] }), { put: [down()] });
      const { bucket, b, events } = setup({ a });
      const put = await bucket.put('k', 'v');
      expect(put.binding).toBe('CLOUD_B');
      expect((await b.head('container-y', 'k')).size).toBe(1);
      const failover = events.find((e) => e.name === 'failover')!.payload;
      expect(failover).toMatchObject({ resource: 'lb-123', operation: 'write', key: 'k', from: 'CLOUD_A', to: 'CLOUD_B' });
      expect((failover['error'] as PolycloudError).code).toBe('UNAVAILABLE');
      const ops = events.filter((e) => e.name === 'operation').map((e) => [e.payload['binding'], e.payload['ok'], e.payload['attempt']]);
      expect(ops).toEqual([
        ['CLOUD_A', false, 1],
        ['CLOUD_B', true, 2],
      ]);
    });

    it('retries with back-off on the same binding when it is the only one, then succeeds', async () => {
      const { adapter, calls } = scripted(createMemoryStorageAdapter({ buckets: ['x'] }), { put: [down(), down()] });
      const polycloud = createPolycloud({
        providers: [{ name: 'm', adapter }],
        resources: [bucketDoc({}, [{ cloud: 'm', physical_id: 'x' }])],
        retry: { baseDelayMs: 1, maxDelayMs: 4 },
      });
      const retries: number[] = [];
      polycloud.events.on('retry', (e) => retries.push(e.delayMs));
      await polycloud.bucket('lb-123').put('k', 'v');
      expect(calls.filter((c) => c === 'put')).toHaveLength(3);
      expect(retries).toHaveLength(2);
      for (const d of retries) expect(d).toBeGreaterThan(0);
    });

    it('gives up after maxAttempts with the last retryable error', async () => {
      const { adapter, calls } = scripted(createMemoryStorageAdapter({ buckets: ['x'] }), { put: [down(), down(), down(), down(), down()] });
      const polycloud = createPolycloud({
        providers: [{ name: 'm', adapter }],
        resources: [bucketDoc({}, [{ cloud: 'm', physical_id: 'x' }])],
        retry: { maxAttempts: 3, baseDelayMs: 1, maxDelayMs: 1 },
      });
      const err = await codeOf(polycloud.bucket('lb-123').put('k', 'v'));
      expect(err.code).toBe('UNAVAILABLE');
      expect(err.retryable).toBe(true);
      expect(err.context.binding).toBe('m');
      expect(calls.filter((c) => c === 'put')).toHaveLength(3);
    });

    it('does not retry a non-retryable error', async () => {
      const { adapter: a, calls } = scripted(createMemoryStorageAdapter({ buckets: ['bucket-x'] }));
      const { bucket } = setup({ a });
      const err = await codeOf(bucket.get('missing'));
      expect(err.code).toBe('NOT_FOUND');
      expect(calls.filter((c) => c === 'get')).toHaveLength(1);
    });

    it('does not replay a stream body that was already read', async () => {
      const inner = createMemoryStorageAdapter({ buckets: ['bucket-x'] });
      const consumingFailure: StorageAdapter = {
        ...inner,
        type: inner.type,
        name: inner.name,
        capabilities: inner.capabilities,
        async put(_b, _k, body) {
          if (body instanceof Readable) for await (const _chunk of body) break;
          throw down();
        },
      } as StorageAdapter;
      const { bucket, b } = setup({ a: consumingFailure });
      const err = await codeOf(bucket.put('s', Readable.from([Buffer.from('abc'), Buffer.from('def')])));
      expect(err.code).toBe('UNAVAILABLE');
      expect(await codeOf(b.head('container-y', 's'))).toMatchObject({ code: 'NOT_FOUND' });
      // the same failure with bytes fails over
      expect((await bucket.put('s', 'abcdef')).binding).toBe('CLOUD_B');
    });
  });

  describe('listeners and routers cannot change an outcome', () => {
    it('a throwing operation listener neither fails a succeeded put nor repeats it', async () => {
      const { polycloud, bucket, a, b, events } = setup();
      const listenerErrors: unknown[] = [];
      polycloud.events.on('listenerError', (e) => listenerErrors.push(e));
      polycloud.events.on('operation', () => {
        throw new PolycloudError('UNAVAILABLE', 'listener bug', { retryable: true });
      });
      const put = await bucket.put('k', 'v', { ifNoneMatch: '*' });
      expect(put.binding).toBe('CLOUD_A');
      const attempts = events.filter((e) => e.name === 'operation' && e.payload['key'] === 'k');
      expect(attempts.map((e) => [e.payload['binding'], e.payload['ok']])).toEqual([['CLOUD_A', true]]);
      expect((await a.head('bucket-x', 'k')).versionToken).toBe(put.versionToken);
      expect(await codeOf(b.head('container-y', 'k'))).toMatchObject({ code: 'NOT_FOUND' });
      expect(listenerErrors.length).toBeGreaterThan(0);
    });

    it('a router that offers no binding gives UNAVAILABLE at once', async () => {
      const polycloud = createPolycloud({
        providers: [{ name: 'm', adapter: createMemoryStorageAdapter({ buckets: ['x'] }) }],
        resources: [bucketDoc({}, [{ cloud: 'm', physical_id: 'x' }])],
        router: () => ({
          route: () => ({ candidates: [], rejected: [] }),
          report: () => {},
          explain: () => ({ resource: 'lb-123', operation: 'write', panic: false, candidates: [] }),
        }),
      });
      expect(await codeOf(polycloud.bucket('lb-123').put('k', 'v'))).toMatchObject({ code: 'UNAVAILABLE' });
    });

    it('time queued for a concurrency slot does not count against the attempt deadline', async () => {
      const clock = createFakeClock();
      const slow = scripted(createMemoryStorageAdapter({ buckets: ['x'] }), { put: ['hang'] });
      const polycloud = createPolycloud({
        providers: [{ name: 'm', adapter: slow.adapter }],
        resources: [bucketDoc({}, [{ cloud: 'm', physical_id: 'x' }])],
        clock,
        concurrency: 1,
        attemptTimeoutMs: 100,
        retry: { maxAttempts: 1 },
      });
      const bucket = polycloud.bucket('lb-123');
      const first = codeOf(bucket.put('a', 'v'));
      const second = bucket.put('b', 'v');
      await clock.advance(100); // the first attempt times out; the second only now gets its slot
      expect((await first).code).toBe('TIMEOUT');
      await clock.advance(50);
      expect((await second).key).toBe('b');
    });
  });

  describe('calls in flight on a binding that goes dark', () => {
    it('fail over as soon as the router marks the binding unhealthy', async () => {
      const { adapter: a } = scripted(createMemoryStorageAdapter({ buckets: ['bucket-x'] }), { put: ['hang', 'hang', 'hang'] });
      const health = healthRouter();
      const { bucket, events } = setup({ a }, { router: health.router });
      const pending = Promise.all([bucket.put('k1', 'v'), bucket.put('k2', 'v'), bucket.put('k3', 'v')]);
      await new Promise((r) => setTimeout(r, 5));
      health.markUnhealthy('CLOUD_B'); // another binding: no effect
      health.markUnhealthy('CLOUD_A');
      const results = await pending;
      expect(results.map((r) => r.binding)).toEqual(['CLOUD_B', 'CLOUD_B', 'CLOUD_B']);
      const failovers = events.filter((e) => e.name === 'failover').map((e) => (e.payload['error'] as PolycloudError).code);
      expect(failovers).toEqual(['UNAVAILABLE', 'UNAVAILABLE', 'UNAVAILABLE']);
    });

    it("also fail over when they were still queued for the binding's concurrency slot", async () => {
      const { adapter: a } = scripted(createMemoryStorageAdapter({ buckets: ['bucket-x'] }), { put: ['hang', 'hang', 'hang'] });
      const health = healthRouter();
      const { bucket } = setup({ a }, { concurrency: 1, router: health.router });
      const pending = Promise.all([bucket.put('q1', 'v'), bucket.put('q2', 'v'), bucket.put('q3', 'v')]); // q2, q3 wait behind q1
      await new Promise((r) => setTimeout(r, 5));
      health.markUnhealthy('CLOUD_A');
      const results = await pending;
      expect(results.map((r) => r.binding)).toEqual(['CLOUD_B', 'CLOUD_B', 'CLOUD_B']);
    });

    it("are cut by the router's onHealthChange, not by a health event on the public bus", async () => {
      const { adapter: a } = scripted(createMemoryStorageAdapter({ buckets: ['bucket-x'] }), { put: ['hang'] });
      const health = healthRouter();
      const { polycloud, bucket } = setup({ a }, { router: health.router });
      let settled = false;
      const pending = bucket.put('k1', 'v').finally(() => (settled = true));
      await new Promise((r) => setTimeout(r, 5));
      polycloud.events.emit('health', { resource: 'lb-123', binding: 'CLOUD_A', healthy: false }); // an application's own emit
      await new Promise((r) => setTimeout(r, 5));
      expect(settled).toBe(false);
      health.markUnhealthy('CLOUD_A');
      expect((await pending).binding).toBe('CLOUD_B');
    });

    it('are cut by a health event a router without onHealthChange emits through its context', async () => {
      const { adapter: a } = scripted(createMemoryStorageAdapter({ buckets: ['bucket-x'] }), { put: ['hang'] });
      let emit: RouterContext['emit'] = () => {};
      const router: RouterFactory = (ctx) => {
        emit = ctx.emit;
        const { onHealthChange: _none, ...rest } = createDefaultRouter()(ctx);
        return rest;
      };
      const { bucket } = setup({ a }, { router });
      const pending = bucket.put('k1', 'v');
      await new Promise((r) => setTimeout(r, 5));
      emit('health', { resource: 'lb-123', binding: 'CLOUD_A', healthy: false });
      expect((await pending).binding).toBe('CLOUD_B');
    });

    it('fail over after attemptTimeoutMs on the fake clock', async () => {
      const clock = createFakeClock();
      const { adapter: a } = scripted(createMemoryStorageAdapter({ buckets: ['bucket-x'] }), { get: ['hang'] });
      const b = createMemoryStorageAdapter({ buckets: ['container-y'] });
      await b.put('container-y', 'k', Buffer.from('from b'));
      const { bucket } = setup({ a, b }, { clock, attemptTimeoutMs: 200 });
      const pending = bucket.get('k');
      await clock.advance(200);
      const obj = await pending;
      expect(obj.binding).toBe('CLOUD_B');
      expect(await obj.text()).toBe('from b');
    });
  });

  describe('deadlines and abort', () => {
    it('times out a hanging call on the fake clock with TIMEOUT', async () => {
      const clock = createFakeClock();
      const { adapter } = scripted(createMemoryStorageAdapter({ buckets: ['x'] }), { get: ['hang'] });
      const polycloud = createPolycloud({ providers: [{ name: 'm', adapter }], resources: [bucketDoc({}, [{ cloud: 'm', physical_id: 'x' }])], clock });
      const pending = codeOf(polycloud.bucket('lb-123').get('k', { timeoutMs: 500 }));
      await clock.advance(499);
      let settled = false;
      void pending.then(() => (settled = true));
      await clock.flush();
      expect(settled).toBe(false);
      await clock.advance(1);
      const err = await pending;
      expect(err.code).toBe('TIMEOUT');
      expect(err.retryable).toBe(true);
    });

    it('stops on abort with ABORTED and does not retry', async () => {
      const { adapter, calls } = scripted(createMemoryStorageAdapter({ buckets: ['x'] }), { get: ['hang'] });
      const polycloud = createPolycloud({ providers: [{ name: 'm', adapter }], resources: [bucketDoc({}, [{ cloud: 'm', physical_id: 'x' }])] });
      const controller = new AbortController();
      const pending = codeOf(polycloud.bucket('lb-123').get('k', { signal: controller.signal }));
      await new Promise((r) => setTimeout(r, 5));
      controller.abort();
      const err = await pending;
      expect(err.code).toBe('ABORTED');
      expect(calls.filter((c) => c === 'get')).toHaveLength(1);
    });

    it('refuses to start with an already aborted signal', async () => {
      const { bucket, a } = setup();
      const err = await codeOf(bucket.put('k', 'v', { signal: AbortSignal.abort() }));
      expect(err.code).toBe('ABORTED');
      expect(await codeOf(a.head('bucket-x', 'k'))).toMatchObject({ code: 'NOT_FOUND' });
    });
  });

  describe('capabilities', () => {
    const limited = () =>
      createMemoryStorageAdapter({
        buckets: ['bucket-x'],
        capabilities: {
          presign: false,
          conditionalWrite: false,
          conditionalDelete: false,
          rangeRead: false,
          listDelimiter: false,
          multipart: false,
          maxSinglePutBytes: 8,
          copy: false,
          batchDelete: false,
        },
      });
    const single = () => {
      const polycloud = createPolycloud({
        providers: [{ name: 'm', adapter: limited() }],
        resources: [bucketDoc({}, [{ cloud: 'm', physical_id: 'bucket-x' }])],
      });
      return polycloud.bucket('lb-123');
    };

    it.each([
      ['presign', (b: ReturnType<typeof single>) => b.presign('k', { method: 'GET', expiresInSeconds: 60 })],
      ['conditional put', (b: ReturnType<typeof single>) => b.put('k', 'v', { ifNoneMatch: '*' })],
      ['conditional delete', (b: ReturnType<typeof single>) => b.delete('k', { ifMatch: '"1"' })],
      ['ranged get', (b: ReturnType<typeof single>) => b.get('k', { range: { start: 0, end: 1 } })],
      ['delimiter listing', (b: ReturnType<typeof single>) => b.list({ delimiter: '/' })],
      ['large single put', (b: ReturnType<typeof single>) => b.put('k', 'more than eight bytes')],
      ['stream of unknown length', (b: ReturnType<typeof single>) => b.put('k', Readable.from(['x']))],
    ])('refuses %s with UNSUPPORTED instead of doing nothing', async (_n, call) => {
      const err = await codeOf(call(single()));
      expect(err.code).toBe('UNSUPPORTED');
    });

    it('copy honours conditions on the destination', async () => {
      const { bucket } = setup();
      await bucket.put('src', 'new');
      await bucket.put('dst', 'old');
      const err = await codeOf(bucket.copy('src', 'dst', { ifNoneMatch: '*' }));
      expect(['ALREADY_EXISTS', 'CONDITION_NOT_MET']).toContain(err.code);
      expect(await bucket.getText('dst')).toBe('old');
    });

    it('emulates deleteMany and copy where the result is identical', async () => {
      const b = single();
      await b.put('a', '1');
      await b.put('b', '2');
      await b.copy('a', 'c');
      expect(await b.getText('c')).toBe('1');
      const res = await b.deleteMany(['a', 'b', 'missing']);
      expect(res.deleted.sort()).toEqual(['a', 'b', 'missing']);
      expect(await b.exists('a')).toBe(false);
    });
  });

  describe('bodies, listing, deletes', () => {
    it('accepts bytes, ArrayBuffer, strings, Node and web streams', async () => {
      const { bucket } = setup();
      await bucket.put('u8', new Uint8Array([1, 2, 3]));
      await bucket.put('ab', new Uint8Array([4, 5]).buffer);
      await bucket.put('node', Readable.from([Buffer.from('no'), Buffer.from('de')]));
      await bucket.put('web', new Blob(['we', 'b']).stream());
      expect([...(await bucket.getBytes('u8'))]).toEqual([1, 2, 3]);
      expect([...(await bucket.getBytes('ab'))]).toEqual([4, 5]);
      expect(await bucket.getText('node')).toBe('node');
      expect(await bucket.getText('web')).toBe('web');
    });

    it('iterates every page of a listing from one binding', async () => {
      const { bucket } = setup();
      for (let i = 0; i < 7; i++) await bucket.put(`p/${i}`, String(i));
      await bucket.put('q/other', 'x');
      const keys: string[] = [];
      for await (const o of bucket.iterate({ prefix: 'p/', pageSize: 3 })) keys.push(o.key);
      expect(keys).toEqual(['p/0', 'p/1', 'p/2', 'p/3', 'p/4', 'p/5', 'p/6']);
      const page = await bucket.list({ prefix: 'p/', pageSize: 3 });
      expect(page.objects).toHaveLength(3);
      expect(page.continuationToken).toBeDefined();
    });

    it('deleteMany finds keys placed on different bindings (sticky, no replication)', async () => {
      const a = createMemoryStorageAdapter({ buckets: ['bucket-x'] });
      const b = createMemoryStorageAdapter({ buckets: ['container-y'] });
      const sticky = createPolycloud({
        providers: [
          { name: 'CLOUD_A', adapter: a },
          { name: 'CLOUD_B', adapter: b },
        ],
        resources: [
          bucketDoc({ replication: { mode: 'none' }, routing: { strategy: 'sticky' } }, [
            { cloud: 'CLOUD_A', physical_id: 'bucket-x' },
            { cloud: 'CLOUD_B', physical_id: 'container-y' },
          ]),
        ],
        router: createRouter({ seed: 1 }),
      });
      const bucket = sticky.bucket('lb-123');
      const keys = Array.from({ length: 20 }, (_, i) => `k${i}`);
      const placed = await Promise.all(keys.map((k) => bucket.put(k, 'v')));
      expect(new Set(placed.map((p) => p.binding)).size).toBe(2);
      const res = await bucket.deleteMany(keys);
      expect(res.deleted.sort()).toEqual([...keys].sort());
      for (const k of keys) {
        expect(await codeOf(a.head('bucket-x', k))).toMatchObject({ code: 'NOT_FOUND' });
        expect(await codeOf(b.head('container-y', k))).toMatchObject({ code: 'NOT_FOUND' });
      }
      await sticky.close();
    });

    it('reports the bytes of a ranged read, not the object size', async () => {
      const { bucket, events } = setup();
      await bucket.put('r', 'abcdefgh');
      await (await bucket.get('r', { range: { start: 2, end: 4 } })).bytes();
      const read = events.filter((e) => e.name === 'operation' && e.payload['operation'] === 'read').at(-1)!;
      expect(read.payload['bytes']).toBe(3);
    });

    it('deletes idempotently', async () => {
      const { bucket } = setup();
      await bucket.put('k', 'v');
      await bucket.delete('k');
      await bucket.delete('k');
      expect(await bucket.exists('k')).toBe(false);
    });

    it('bounds in-flight calls per binding', async () => {
      const { adapter, peak } = scripted(createMemoryStorageAdapter({ buckets: ['x'] }));
      const polycloud = createPolycloud({
        providers: [{ name: 'm', adapter }],
        resources: [bucketDoc({}, [{ cloud: 'm', physical_id: 'x' }])],
        concurrency: 2,
      });
      await Promise.all(Array.from({ length: 10 }, (_, i) => polycloud.bucket('lb-123').put(`k${i}`, 'v')));
      expect(peak()).toBe(2);
    });
  });

  describe('residency', () => {
    it('never writes residency-tagged data outside its zone', async () => {
      const eu = createMemoryStorageAdapter({ buckets: ['x'] });
      const us = createMemoryStorageAdapter({ buckets: ['y'] });
      const polycloud = createPolycloud({
        residency: { eu: ['eu-*', 'westeurope'] },
        providers: [
          { name: 'eu', adapter: eu },
          { name: 'us', adapter: us },
        ],
        resources: [
          bucketDoc({}, [
            { cloud: 'us', physical_id: 'y', region: 'us-east-1' },
            { cloud: 'eu', physical_id: 'x', region: 'eu-west-1', role: 'standby' },
          ]),
        ],
      });
      const bucket = polycloud.bucket('lb-123');
      expect((await bucket.put('pii', 'v', { tags: { residency: 'eu' } })).binding).toBe('eu');
      expect((await bucket.put('open', 'v')).binding).toBe('us');
      const euDown = scripted(eu, { put: [down(), down(), down(), down()] });
      const strict = createPolycloud({
        residency: { eu: ['eu-*'] },
        providers: [
          { name: 'eu', adapter: euDown.adapter },
          { name: 'us', adapter: us },
        ],
        resources: [
          bucketDoc({}, [
            { cloud: 'us', physical_id: 'y', region: 'us-east-1' },
            { cloud: 'eu', physical_id: 'x', region: 'eu-west-1' },
          ]),
        ],
        retry: { baseDelayMs: 1, maxDelayMs: 1 },
      });
      const err = await codeOf(strict.bucket('lb-123').put('pii2', 'v', { tags: { residency: 'eu' } }));
      expect(err.code).toBe('UNAVAILABLE');
      expect(await codeOf(us.head('y', 'pii2'))).toMatchObject({ code: 'NOT_FOUND' });
      const none = createPolycloud({
        residency: { eu: ['eu-*'] },
        providers: [{ name: 'us', adapter: us }],
        resources: [bucketDoc({}, [{ cloud: 'us', physical_id: 'y', region: 'us-east-1' }])],
      });
      expect((await codeOf(none.bucket('lb-123').put('k', 'v', { tags: { residency: 'eu' } }))).code).toBe('RESIDENCY_VIOLATION');
    });
  });

  describe('bad input', () => {
    const { bucket } = setup();
    it.each([
      ['an empty key', ''],
      ['a key over 1024 bytes', 'é'.repeat(513)],
      ['a key with a control character', 'a\u0001b'],
      ['a key with a newline', 'a\nb'],
      ['a key with DEL', 'a\u007f'],
      ['a key with a lone surrogate', 'a\ud800'],
      ['a non-string key', 42 as unknown as string],
      ['a null key', null as unknown as string],
      ['a key with a .. segment', 'a/../b'],
      ['a key with a . segment', './a'],
      ['a key with a backslash', 'a\\b'],
    ])('refuses %s with INVALID_ARGUMENT at path key', async (_n, key) => {
      for (const call of [() => bucket.put(key, 'v'), () => bucket.get(key), () => bucket.head(key), () => bucket.delete(key)]) {
        const err = await codeOf(call);
        expect(err.code).toBe('INVALID_ARGUMENT');
        expect(err.path).toEqual(['key']);
      }
    });

    it('accepts a key of exactly 1024 bytes', async () => {
      await bucket.put('k'.repeat(1024), 'v');
    });

    it.each([
      ['negative timeout', { timeoutMs: -1 }, ['options', 'timeoutMs']],
      ['both conditions', { ifMatch: 'x', ifNoneMatch: '*' }, ['options', 'ifNoneMatch']],
      ['bad ifNoneMatch', { ifNoneMatch: 'etag' }, ['options', 'ifNoneMatch']],
      ['non-string tag', { tags: { residency: 1 } }, ['options', 'tags', 'residency']],
      ['metadata name with capitals', { metadata: { Owner: 'x' } }, ['metadata', 'Owner']],
      ['metadata value not a string', { metadata: { n: 1 } }, ['metadata', 'n']],
      ['reserved metadata prefix', { metadata: { pc_hlc: '1' } }, ['metadata', 'pc_hlc']],
      ['signal not an AbortSignal', { signal: 'stop' }, ['options', 'signal']],
    ])('refuses put options with %s', async (_n, options, path) => {
      const err = await codeOf(bucket.put('k', 'v', options as never));
      expect(err.code).toBe('INVALID_ARGUMENT');
      expect(err.path).toEqual(path);
    });

    it('refuses a body that is not bytes, a string or a stream', async () => {
      const err = await codeOf(bucket.put('k', { not: 'a body' } as never));
      expect(err).toMatchObject({ code: 'INVALID_ARGUMENT', path: ['body'] });
    });

    it('refuses a bad range and an unknown binding', async () => {
      expect((await codeOf(bucket.get('k', { range: { start: 5, end: 1 } }))).path).toEqual(['options', 'range', 'end']);
      expect((await codeOf(bucket.get('k', { binding: 'nope' }))).code).toBe('INVALID_ARGUMENT');
    });

    it('refuses an unknown bucket id with NOT_FOUND', async () => {
      const { polycloud } = setup();
      expect(await codeOf(() => polycloud.bucket('lb-404'))).toMatchObject({ code: 'NOT_FOUND' });
    });
  });

  describe('createPolycloud', () => {
    const registry = () => createAdapterRegistry([memoryStorageAdapterFactory]);
    it('builds adapters from the registry by type', async () => {
      const polycloud = createPolycloud({
        registry: registry(),
        providers: [{ name: 'CLOUD_A', type: 'memory', buckets: ['bucket-x'] }],
        resources: [bucketDoc({}, [{ cloud: 'CLOUD_A', physical_id: 'bucket-x' }])],
      });
      await polycloud.bucket('lb-123').put('k', 'v');
      expect(polycloud.storageAdapter('CLOUD_A').type).toBe('memory');
    });

    it.each([
      ['an unknown adapter type', { providers: [{ name: 'A', type: 'ftp' }] }, ['providers', 0, 'type']],
      ['a provider without name', { providers: [{ type: 'memory' }] }, ['providers', 0, 'name']],
      [
        'duplicate provider names',
        {
          providers: [
            { name: 'A', type: 'memory' },
            { name: 'A', type: 'memory' },
          ],
        },
        ['providers', 1, 'name'],
      ],
      ['no providers', { providers: [] }, ['providers']],
      [
        'a binding naming no provider',
        { providers: [{ name: 'A', type: 'memory' }], resources: [bucketDoc({}, [{ cloud: 'B', physical_id: 'x' }])] },
        ['resources', 0, 'providers', 0, 'cloud'],
      ],
      [
        'an explicit provider that does not exist',
        { providers: [{ name: 'A', type: 'memory' }], resources: [bucketDoc({}, [{ cloud: 'A', provider: 'Z', physical_id: 'x' }])] },
        ['resources', 0, 'providers', 0, 'provider'],
      ],
      ['bad adapter options', { providers: [{ name: 'A', type: 'memory', buckets: 'x' }] }, ['providers', 0, 'buckets']],
      ['an invalid resource', { providers: [{ name: 'A', type: 'memory' }], resources: [{ type: 'LogicalBucket' }] }, ['resources', 0, 'resource_id']],
      ['an unknown top-level option', { providers: [{ name: 'A', type: 'memory' }], routers: 1 }, ['routers']],
    ])('refuses %s with CONFIG_INVALID and the path', (_n, options, path) => {
      let err: PolycloudError | undefined;
      try {
        createPolycloud({ registry: registry(), ...(options as PolycloudOptions) });
      } catch (e) {
        err = e as PolycloudError;
      }
      expect(isPolycloudError(err)).toBe(true);
      expect(err!.code).toBe('CONFIG_INVALID');
      expect(err!.path).toEqual(path);
    });

    it('reports every configuration problem at once', () => {
      try {
        createPolycloud({ registry: registry(), providers: [{ name: 'A', type: 'ftp' }], resources: [bucketDoc({ resource_id: '' })] });
        expect.unreachable();
      } catch (e) {
        const paths = (e as PolycloudError).context.issues!.map((i) => i.path.join('.'));
        expect(paths).toEqual(expect.arrayContaining(['providers.0.type', 'resources.0.resource_id']));
      }
    });
  });
});

describe('concurrent unconditional writers on a replicated bucket', () => {
  it('both puts succeed: losing the version-stamp race is retried internally, not reported', async () => {
    const { bucket, a } = setup();
    await bucket.put('hot', 'v0');
    const results = await Promise.allSettled(Array.from({ length: 6 }, (_, i) => bucket.put('hot', `v${i + 1}`)));
    expect(results.filter((r) => r.status === 'rejected')).toEqual([]);
    const final = await readAllText(a, 'bucket-x', 'hot');
    expect(final).toMatch(/^v[1-6]$/);
  });
});

async function readAllText(adapter: StorageAdapter, bucket: string, key: string): Promise<string> {
  const { body } = await adapter.get(bucket, key);
  const chunks: Buffer[] = [];
  for await (const c of body) chunks.push(Buffer.from(c));
  return Buffer.concat(chunks).toString('utf8');
}
