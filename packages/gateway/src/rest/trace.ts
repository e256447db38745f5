import { context, propagation, ROOT_CONTEXT, trace } from '@opentelemetry/api';

/**
 * Runs `next` inside the W3C trace context the request carried (`traceparent`,
 * `tracestate`), so the spans polycloud's telemetry derives from this request's
 * operations are children of the caller's span — when the host registered an
 * OpenTelemetry SDK with a context manager; without one this is a no-op. Only a
 * well-formed `traceparent` is used (W3C syntax, not all zeros).
 */
export async function withTraceContext(traceparent: string | undefined, tracestate: string | undefined, next: () => Promise<void>): Promise<void> {
  if (!traceparent || !TRACEPARENT.test(traceparent.trim())) return next();
  const carrier: Record<string, string> = { traceparent: traceparent.trim() };
  if (tracestate) carrier['tracestate'] = tracestate;
  let ctx = propagation.extract(ROOT_CONTEXT, carrier);
  // Without a registered propagator `extract` returns the context unchanged: read the header ourselves.
  if (!trace.getSpanContext(ctx)) {
    const [, traceId, spanId, flags] = TRACEPARENT.exec(traceparent.trim())!;
    ctx = trace.setSpanContext(ROOT_CONTEXT, { traceId: traceId!, spanId: spanId!, traceFlags: parseInt(flags!, 16), isRemote: true });
  }
  return context.with(ctx, next);
}

/** `version-traceid-parentid-flags`, version 00, ids not all zeros. */
const TRACEPARENT = /^00-((?!0{32})[0-9a-f]{32})-((?!0{16})[0-9a-f]{16})-([0-9a-f]{2})$/;

/** The span context a request's `traceparent` names, if well formed (for tests and logs). */
export function parseTraceparent(value: string | undefined): { traceId: string; spanId: string; sampled: boolean } | undefined {
  const m = value ? TRACEPARENT.exec(value.trim()) : null;
  return m ? { traceId: m[1]!, spanId: m[2]!, sampled: (parseInt(m[3]!, 16) & 1) === 1 } : undefined;
}
