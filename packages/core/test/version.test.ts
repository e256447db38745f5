import { readFileSync } from 'node:fs';
import { MeterProvider, MetricReader, type ResourceMetrics } from '@opentelemetry/sdk-metrics';
import { BasicTracerProvider, InMemorySpanExporter, SimpleSpanProcessor } from '@opentelemetry/sdk-trace-base';
import { describe, expect, it } from 'vitest';
import { createPolycloud } from '@polycloud/core';
import { createMemoryStorageAdapter } from '@polycloud/core/testing';
import { CORE_VERSION } from '../src/version.js';

class Reader extends MetricReader {
  protected override async onForceFlush(): Promise<void> {}
  protected override async onShutdown(): Promise<void> {}
}

const pkg = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { version: string };

describe('the OpenTelemetry scope version', () => {
  it('src/version.ts matches package.json (regenerate: node --import tsx tooling/write-version.ts)', () => {
    expect(CORE_VERSION).toBe(pkg.version);
  });

  it('meter and tracer scopes are @polycloud/core at the package version', async () => {
    const reader = new Reader();
    const meterProvider = new MeterProvider({ readers: [reader] });
    const spans = new InMemorySpanExporter();
    const tracerProvider = new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(spans)] });
    const pc = createPolycloud({
      providers: [{ name: 'm', adapter: createMemoryStorageAdapter({ buckets: ['b'] }) }],
      resources: [{ resource_id: 'lb', type: 'LogicalBucket', providers: [{ cloud: 'm', physical_id: 'b' }] }],
      meterProvider,
      tracerProvider,
    });
    await pc.bucket('lb').put('k', 'v');
    const { resourceMetrics } = (await reader.collect()) as { resourceMetrics: ResourceMetrics };
    expect(resourceMetrics.scopeMetrics.map((s) => s.scope)).toEqual([expect.objectContaining({ name: '@polycloud/core', version: pkg.version })]);
    expect(spans.getFinishedSpans()[0]!.instrumentationScope).toMatchObject({ name: '@polycloud/core', version: pkg.version });
    await pc.close();
    await meterProvider.shutdown();
    await tracerProvider.shutdown();
  });
});
