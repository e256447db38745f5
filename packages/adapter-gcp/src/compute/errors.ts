import { classifyNetworkError, type ErrorCode, isPolycloudError, PolycloudError } from '@polycloud/core/spi';

/** gRPC status codes (google.rpc.Code). */
export const GRPC = {
  CANCELLED: 1,
  UNKNOWN: 2,
  INVALID_ARGUMENT: 3,
  DEADLINE_EXCEEDED: 4,
  NOT_FOUND: 5,
  ALREADY_EXISTS: 6,
  PERMISSION_DENIED: 7,
  RESOURCE_EXHAUSTED: 8,
  FAILED_PRECONDITION: 9,
  ABORTED: 10,
  OUT_OF_RANGE: 11,
  UNIMPLEMENTED: 12,
  INTERNAL: 13,
  UNAVAILABLE: 14,
  DATA_LOSS: 15,
  UNAUTHENTICATED: 16,
} as const;

const BY_CODE: Record<number, [ErrorCode, boolean]> = {
  [GRPC.CANCELLED]: ['ABORTED', false],
  [GRPC.UNKNOWN]: ['UNAVAILABLE', true],
  [GRPC.INVALID_ARGUMENT]: ['INVALID_ARGUMENT', false],
  [GRPC.DEADLINE_EXCEEDED]: ['TIMEOUT', true],
  [GRPC.NOT_FOUND]: ['NOT_FOUND', false],
  [GRPC.ALREADY_EXISTS]: ['ALREADY_EXISTS', false],
  [GRPC.PERMISSION_DENIED]: ['PERMISSION_DENIED', false],
  [GRPC.UNAUTHENTICATED]: ['PERMISSION_DENIED', false],
  [GRPC.FAILED_PRECONDITION]: ['CONDITION_NOT_MET', false],
  [GRPC.ABORTED]: ['CONFLICT', true],
  [GRPC.OUT_OF_RANGE]: ['INVALID_ARGUMENT', false],
  [GRPC.UNIMPLEMENTED]: ['UNSUPPORTED', false],
  [GRPC.INTERNAL]: ['UNAVAILABLE', true],
  [GRPC.UNAVAILABLE]: ['UNAVAILABLE', true],
  [GRPC.DATA_LOSS]: ['UNEXPECTED', false],
};

/**
 * Maps a Cloud Batch error (gRPC status in `code`) to core's codes.
 * RESOURCE_EXHAUSTED is a rate limit when it says so ("rate", "per minute", "requests"),
 * otherwise quota or capacity → QUOTA_EXCEEDED, retryable (another cloud may have room).
 * Socket errors without a gRPC status are classified by core's `classifyNetworkError`.
 */
export function mapGcpBatchError(error: unknown, context: { operation: string; key?: string }): PolycloudError {
  if (isPolycloudError(error)) return error;
  const e = (error ?? {}) as { code?: unknown; message?: string; details?: string; name?: string };
  const message = e.details || e.message || String(error);
  const ctx = {
    provider: 'gcp-batch',
    operation: context.operation,
    ...(context.key ? { key: context.key } : {}),
    ...(typeof e.code === 'number' ? { grpcCode: e.code } : {}),
  };
  const make = (code: ErrorCode, retryable: boolean) =>
    new PolycloudError(code, `Cloud Batch ${context.operation}: ${message}`, { cause: error, context: ctx, retryable });
  if (e.name === 'AbortError') return make('ABORTED', false);
  if (e.code === GRPC.RESOURCE_EXHAUSTED) {
    return /rate|per minute|per second|requests|too many/i.test(message) ? make('RATE_LIMITED', true) : make('QUOTA_EXCEEDED', true);
  }
  if (typeof e.code === 'number' && BY_CODE[e.code]) {
    const [code, retryable] = BY_CODE[e.code]!;
    return make(code, retryable);
  }
  // Transport failures (no gRPC status): core's one classification for every adapter.
  const network = classifyNetworkError(error);
  if (network) return make(network.code, network.retryable);
  return make('UNEXPECTED', false);
}
