import { type ErrorCode, isPolycloudError, PolycloudError } from '@polycloud/core';

export interface BatchErrorContext {
  operation: string;
  key?: string;
  adapter?: string;
}

const THROTTLING = new Set(['ThrottlingException', 'TooManyRequestsException', 'Throttling', 'RequestLimitExceeded', 'SlowDown']);
const DENIED = new Set(['AccessDeniedException', 'UnrecognizedClientException', 'InvalidSignatureException', 'ExpiredTokenException', 'InvalidClientTokenId', 'MissingAuthenticationTokenException']);
const NETWORK = new Set(['ECONNREFUSED', 'ECONNRESET', 'ENOTFOUND', 'EPIPE', 'EAI_AGAIN', 'EHOSTUNREACH', 'ENETUNREACH']);

/**
 * Maps an AWS Batch error to core's codes. Batch answers with two exception types:
 * `ClientException` (HTTP 400: bad request, unknown queue/job, limits) and
 * `ServerException` (HTTP 500); throttling comes as 429 / `TooManyRequestsException`.
 * - ClientException: "…limit…/…quota…/…capacity…" → QUOTA_EXCEEDED (retryable: another
 *   cloud may have room), "…not found…/…does not exist…" → NOT_FOUND, else INVALID_ARGUMENT.
 * - ServerException, 5xx, connection errors → UNAVAILABLE (retryable); timeouts → TIMEOUT.
 */
export function mapBatchError(error: unknown, context: BatchErrorContext): PolycloudError {
  if (isPolycloudError(error)) return error;
  const e = (error ?? {}) as { name?: string; message?: string; code?: string; $metadata?: { httpStatusCode?: number } };
  const name = e.name ?? '';
  const status = e.$metadata?.httpStatusCode;
  const message = e.message ?? String(error);
  const ctx = { provider: 'aws-batch', operation: context.operation, ...(context.key ? { key: context.key } : {}), ...(status ? { status } : {}) };
  const make = (code: ErrorCode, retryable?: boolean) =>
    new PolycloudError(code, `AWS Batch ${context.operation}: ${name ? `${name}: ` : ''}${message}`, { cause: error, context: ctx, ...(retryable === undefined ? {} : { retryable }) });

  if (name === 'AbortError') return make('ABORTED', false);
  if (name === 'TimeoutError' || name === 'RequestTimeout' || e.code === 'ETIMEDOUT') return make('TIMEOUT', true);
  if ((e.code && NETWORK.has(e.code)) || NETWORK.has(name)) return make('UNAVAILABLE', true);
  if (THROTTLING.has(name) || status === 429) return make('RATE_LIMITED', true);
  if (DENIED.has(name) || status === 403 || status === 401) return make('PERMISSION_DENIED', false);
  if (name === 'ServerException' || (status !== undefined && status >= 500)) return make('UNAVAILABLE', true);
  if (name === 'ClientException' || status === 400 || status === 404) {
    if (/throttl|rate exceeded|too many requests/i.test(message)) return make('RATE_LIMITED', true);
    if (/quota|limit|capacity|exceed/i.test(message)) return make('QUOTA_EXCEEDED', true);
    if (/not found|does not exist|cannot be found|no such/i.test(message) || status === 404) return make('NOT_FOUND', false);
    return make('INVALID_ARGUMENT', false);
  }
  return make('UNEXPECTED', false);
}
