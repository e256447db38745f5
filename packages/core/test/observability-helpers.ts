import { MeterProvider, MetricReader, type ResourceMetrics } from '@opentelemetry/sdk-metrics';
import { BasicTracerProvider, InMemorySpanExporter, SimpleSpanProcessor } from '@opentelemetry/sdk-trace-base';

class TestReader extends MetricReader {
  protected override async onForceFlush(): Promise<void> {}
  protected override async onShutdown(): Promise<void> {}
}

export interface Point {
  name: string;
  kind: string;
  attributes: Record<string, unknown>;
  value: unknown;
}

/** An in-memory OpenTelemetry SDK: metrics read on demand, spans kept. */
export function createTestTelemetry() {
  const reader = new TestReader();
  const meterProvider = new MeterProvider({ readers: [reader] });
  const spans = new InMemorySpanExporter();
  const tracerProvider = new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(spans)] });
  return {
    meterProvider,
    tracerProvider,
    spans,
    async points(): Promise<Point[]> {
      const { resourceMetrics } = (await reader.collect()) as { resourceMetrics: ResourceMetrics };
      return resourceMetrics.scopeMetrics.flatMap((s) =>
        s.metrics.flatMap((m) =>
          m.dataPoints.map((dp) => ({
            name: m.descriptor.name,
            kind: String(m.dataPointType),
            attributes: dp.attributes as Record<string, unknown>,
            value: dp.value,
          })),
        ),
      );
    },
    async close() {
      await meterProvider.shutdown();
      await tracerProvider.shutdown();
    },
  };
}
