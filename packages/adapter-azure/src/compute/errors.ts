import { type ErrorCode, isPolycloudError, PolycloudError } from '@polycloud/core';

const CAPACITY = /not available in the location|InsufficientCapacity|ServiceUnavailable|capacity/i;
const QUOTA = /quota|QuotaReached|QuotaExceeded|limit/i;

/**
 * Maps an Azure Resource Manager error (RestError: `statusCode`, `code`) from
 * Container Instances to core's codes:
 * - 429 → RATE_LIMITED; 409 `ServiceUnavailable` ("…not available in the location…")
 *   and quota codes (`ContainerGroupQuotaReached`, "…quota…exceeded…") → QUOTA_EXCEEDED,
 *   retryable (another cloud or region may have room); other 409 → CONFLICT (retryable).
 * - 404 → NOT_FOUND; 401/403 → PERMISSION_DENIED; other 400 → INVALID_ARGUMENT.
 * - 5xx and REQUEST_SEND_ERROR (network) → UNAVAILABLE (retryable).
 */
export function mapAciError(error: unknown, context: { operation: string; key?: string }): PolycloudError {
  if (isPolycloudError(error)) return error;
  const e = (error ?? {}) as { statusCode?: number; code?: string; message?: string; name?: string };
  const status = e.statusCode;
  const armCode = e.code ?? '';
  const message = e.message ?? String(error);
  const ctx = { provider: 'azure-aci', operation: context.operation, ...(context.key ? { key: context.key } : {}), ...(status ? { status } : {}), ...(armCode ? { armCode } : {}) };
  const make = (code: ErrorCode, retryable: boolean) => new PolycloudError(code, `Azure Container Instances ${context.operation}: ${armCode ? `${armCode}: ` : ''}${message}`, { cause: error, context: ctx, retryable });
  const text = `${armCode} ${message}`;
  if (e.name === 'AbortError') return make('ABORTED', false);
  if (status === 429) return make('RATE_LIMITED', true);
  if ((status === 409 || status === 400 || status === 403) && (CAPACITY.test(armCode) || /not available in the location/i.test(message))) return make('QUOTA_EXCEEDED', true);
  if ((status === 409 || status === 400 || status === 403) && QUOTA.test(text)) return make('QUOTA_EXCEEDED', true);
  if (status === 409) return make('CONFLICT', true);
  if (status === 404) return make('NOT_FOUND', false);
  if (status === 401 || status === 403) return make('PERMISSION_DENIED', false);
  if (status !== undefined && status >= 500) return make('UNAVAILABLE', true);
  if (status === 400) return make('INVALID_ARGUMENT', false);
  if (armCode === 'REQUEST_SEND_ERROR' || /ECONNREFUSED|ECONNRESET|ETIMEDOUT|ENOTFOUND/.test(text)) return make('UNAVAILABLE', true);
  return make('UNEXPECTED', false);
}
