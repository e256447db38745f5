import { S3Client } from '@aws-sdk/client-s3';
import { CALL_SIGNAL } from './context.js';
import type { ResolvedS3AdapterOptions } from './options.js';

/**
 * Builds the SDK client. SDK retries are off by default (`maxAttempts: 1`): core
 * retries and fails over. Middleware resolution is cached, and a call's AbortSignal
 * reaches the HTTP handler through the command (see signalled()). Path-style
 * addressing is the default for custom endpoints (most S3-compatible stores and every
 * emulator need it).
 */
export function createS3Client(o: ResolvedS3AdapterOptions): S3Client {
  const credentials =
    o.accessKey !== undefined && o.secretKey !== undefined
      ? { accessKeyId: o.accessKey, secretAccessKey: o.secretKey, ...(o.sessionToken ? { sessionToken: o.sessionToken } : {}) }
      : o.credentials;
  const checksum = o.checksums === 'whenRequired' ? 'WHEN_REQUIRED' : 'WHEN_SUPPORTED';
  const client = new S3Client({
    region: o.region,
    // Resolve the middleware stack once per command type, not on every call: per-call
    // data travels in the command (the signal included, see signalled()).
    cacheMiddleware: true,
    ...(o.endpoint !== undefined ? { endpoint: o.endpoint } : {}),
    forcePathStyle: o.forcePathStyle ?? o.endpoint !== undefined,
    ...(credentials !== undefined ? { credentials } : {}),
    maxAttempts: o.maxAttempts,
    requestChecksumCalculation: checksum,
    responseChecksumValidation: checksum,
    requestHandler: {
      connectionTimeout: o.connectionTimeoutMs,
      ...(o.requestTimeoutMs !== undefined ? { requestTimeout: o.requestTimeoutMs, throwOnRequestTimeout: true } : {}),
      httpAgent: { keepAlive: true, maxSockets: o.maxSockets },
      httpsAgent: { keepAlive: true, maxSockets: o.maxSockets },
    },
  });
  // The call's signal rides on the command input; hand it to the HTTP handler as its
  // abortSignal. Added innermost (last step, low priority): after signing, which copies
  // the request.
  client.middlewareStack.add(
    (next) => (args) => {
      const signal = (args.input as Record<symbol, unknown>)[CALL_SIGNAL];
      if (signal && args.request && typeof args.request === 'object') (args.request as Record<symbol, unknown>)[CALL_SIGNAL] = signal;
      return next(args);
    },
    { step: 'deserialize', priority: 'low', name: 'polycloudCallSignal' },
  );
  const handler = client.config.requestHandler as { handle(request: unknown, options?: { abortSignal?: unknown }): Promise<unknown> };
  const handle = handler.handle.bind(handler);
  handler.handle = (request, options = {}) => {
    const signal = (request as Record<symbol, unknown>)[CALL_SIGNAL];
    return handle(request, signal && !options.abortSignal ? { ...options, abortSignal: signal } : options);
  };
  return client;
}
