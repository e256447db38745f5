import { classifyNetworkError, type ErrorCode, isPolycloudError, PolycloudError } from '@polycloud/core/spi';

export interface BatchErrorContext {
  operation: string;
  key?: string;
  adapter?: string;
}

const THROTTLING = new Set(['ThrottlingException', 'TooManyRequestsException', 'Throttling', 'RequestLimitExceeded', 'SlowDown']);
const DENIED = new Set([
  'AccessDeniedException',
  'AccessDenied',
  'UnauthorizedOperation',
  'UnrecognizedClientException',
  'InvalidSignatureException',
  'ExpiredTokenException',
  'InvalidClientTokenId',
  'MissingAuthenticationTokenException',
]);
/** AWS's quota exception names (Batch itself answers ClientException, other AWS APIs on the path these). */
const QUOTA = new Set(['LimitExceededException', 'ServiceQuotaExceededException', 'QuotaExceededException']);
/**
 * Quota phrases inside a Batch ClientException, matched tightly: "limit exceeded",
 * "quota exceeded", "exceeded … quota/limit", "insufficient capacity". A bare
 * "exceeds the maximum …" is a validation error (INVALID_ARGUMENT), not a quota.
 */
const QUOTA_PHRASE =
  /\b(?:limit|quota)s? (?:has been |was )?exceeded\b|\bexceeded (?:the |your |an? )?(?:[\w-]+ ){0,3}(?:quota|limit)s?\b|\binsufficient capacity\b/i;
const DENIED_PHRASE = /\bnot authori[sz]ed\b|\baccess denied\b|\bunauthori[sz]ed\b/i;

/**
 * Maps an AWS Batch error to core's codes. Batch answers with two exception types:
 * `ClientException` (HTTP 400: bad request, unknown queue/job, limits) and
 * `ServerException` (HTTP 500); throttling comes as 429 / `TooManyRequestsException`.
 * - A socket error (core's `classifyNetworkError`, which wins over the SDK's error
 *   name) → UNAVAILABLE / TIMEOUT, retryable.
 * - AWS quota exception names (`LimitExceededException`, `ServiceQuotaExceededException`)
 *   and ClientExceptions saying "limit exceeded" / "quota exceeded" / "insufficient
 *   capacity" → QUOTA_EXCEEDED (retryable: another cloud may have room). Nothing broader:
 *   "…exceeds the maximum…" is a bad request.
 * - ClientException: "…not authorized…" → PERMISSION_DENIED, "…not found…/…does not
 *   exist…" → NOT_FOUND, else INVALID_ARGUMENT (not retryable).
 * - ServerException, 5xx → UNAVAILABLE (retryable).
 */
export function mapAwsBatchError(error: unknown, context: BatchErrorContext): PolycloudError {
  if (isPolycloudError(error)) return error;
  const e = (error ?? {}) as { name?: string; message?: string; code?: string; $metadata?: { httpStatusCode?: number } };
  const name = e.name ?? '';
  const status = e.$metadata?.httpStatusCode;
  const message = e.message ?? String(error);
  const ctx = { provider: 'aws-batch', operation: context.operation, ...(context.key ? { key: context.key } : {}), ...(status ? { status } : {}) };
  const make = (code: ErrorCode, retryable?: boolean) =>
    new PolycloudError(code, `AWS Batch ${context.operation}: ${name ? `${name}: ` : ''}${message}`, {
      cause: error,
      context: ctx,
      ...(retryable === undefined ? {} : { retryable }),
    });

  if (name === 'AbortError') return make('ABORTED', false);
  // A socket error code wins over the name (the SDK names a reset connection `TimeoutError`);
  // a message match on an answer that came over HTTP is not a transport failure.
  const net = classifyNetworkError(error);
  if (net && (status === undefined || net.errno !== net.code)) return make(net.code, true);
  if (name === 'TimeoutError' || name === 'RequestTimeout') return make('TIMEOUT', true);
  if (THROTTLING.has(name) || status === 429) return make('RATE_LIMITED', true);
  if (DENIED.has(name) || status === 403 || status === 401) return make('PERMISSION_DENIED', false);
  if (QUOTA.has(name)) return make('QUOTA_EXCEEDED', true);
  if (name === 'ServerException' || (status !== undefined && status >= 500)) return make('UNAVAILABLE', true);
  if (name === 'ClientException' || status === 400 || status === 404) {
    if (/throttl|rate exceeded|too many requests/i.test(message)) return make('RATE_LIMITED', true);
    if (DENIED_PHRASE.test(message)) return make('PERMISSION_DENIED', false);
    if (QUOTA_PHRASE.test(message)) return make('QUOTA_EXCEEDED', true);
    if (/not found|does not exist|cannot be found|no such/i.test(message) || status === 404) return make('NOT_FOUND', false);
    return make('INVALID_ARGUMENT', false);
  }
  return make('UNEXPECTED', false);
}

/** @deprecated use mapAwsBatchError; removed in 0.3 */
export const mapBatchError = mapAwsBatchError;
