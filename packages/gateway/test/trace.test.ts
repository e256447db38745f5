import { AsyncLocalStorage } from 'node:async_hooks';
import { type Context, context, type ContextManager, ROOT_CONTEXT } from '@opentelemetry/api';
import { BasicTracerProvider, InMemorySpanExporter, SimpleSpanProcessor } from '@opentelemetry/sdk-trace-base';
import { createPolycloud } from '@polycloud/core';
import { createMemoryStorageAdapter } from '@polycloud/core/testing';
import { afterAll, describe, expect, it } from 'vitest';
import { ADMIN, FULL_CONFIG, startGateway } from './helpers.js';

/** The smallest AsyncLocalStorage context manager (what @opentelemetry/context-async-hooks provides in a host). */
class AlsContextManager implements ContextManager {
  readonly #als = new AsyncLocalStorage<Context>();
  active(): Context {
    return this.#als.getStore() ?? ROOT_CONTEXT;
  }
  with<A extends unknown[], F extends (...args: A) => ReturnType<F>>(ctx: Context, fn: F, thisArg?: ThisParameterType<F>, ...args: A): ReturnType<F> {
    return this.#als.run(ctx, () => fn.apply(thisArg, args));
  }
  bind<T>(_ctx: Context, target: T): T {
    return target;
  }
  enable(): this {
    return this;
  }
  disable(): this {
    this.#als.disable();
    return this;
  }
}

describe('trace context', () => {
  const manager = new AlsContextManager();
  context.setGlobalContextManager(manager);
  afterAll(() => context.disable());

  it('spans of the operations a request causes continue the caller’s trace (traceparent)', async () => {
    const spans = new InMemorySpanExporter();
    const tracerProvider = new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(spans)] });
    const polycloud = createPolycloud({
      providers: [{ name: 'a', adapter: createMemoryStorageAdapter({ name: 'a', buckets: ['pa'] }) }],
      resources: [{ resource_id: 'lb', type: 'LogicalBucket', providers: [{ cloud: 'a', physical_id: 'pa' }] }],
      tracerProvider,
    });
    const g = await startGateway(FULL_CONFIG, polycloud);
    try {
      const traceId = '4bf92f3577b34da6a3ce929d0e0e4736';
      const parent = '00f067aa0ba902b7';
      const res = await fetch(`${g.url}/_polycloud/v1/buckets/lb/objects/traced.txt`, {
        method: 'PUT',
        headers: { ...ADMIN, traceparent: `00-${traceId}-${parent}-01` },
        body: 'x',
      });
      expect(res.status).toBe(201);
      const untraced = await fetch(`${g.url}/_polycloud/v1/buckets/lb/objects/traced.txt`, { headers: ADMIN });
      expect(untraced.status).toBe(200);
      await untraced.text();
      await expect.poll(() => spans.getFinishedSpans().length, { timeout: 10_000 }).toBeGreaterThanOrEqual(2);
      const put = spans.getFinishedSpans().find((s) => s.name === 'write lb')!;
      expect(put.spanContext().traceId).toBe(traceId);
      expect(put.parentSpanContext?.spanId).toBe(parent);
      const get = spans.getFinishedSpans().find((s) => s.name === 'read lb')!;
      expect(get.spanContext().traceId).not.toBe(traceId);
    } finally {
      await g.stop();
    }
  });
});
