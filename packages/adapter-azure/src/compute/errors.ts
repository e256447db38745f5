import { classifyNetworkError, type ErrorCode, isPolycloudError, PolycloudError, redact } from '@polycloud/core/spi';

/**
 * Documented ARM / Container Instances error codes (the `error.code` of the
 * response body) whose meaning does not follow from the HTTP status alone.
 * Capacity and quota answers are retryable QUOTA_EXCEEDED: another region or
 * cloud may have room, so core may fail the job over.
 */
const BY_ARM_CODE: Record<string, [ErrorCode, boolean]> = {
  ContainerGroupQuotaReached: ['QUOTA_EXCEEDED', true],
  StandardCoresQuotaReached: ['QUOTA_EXCEEDED', true],
  DedicatedCoresQuotaReached: ['QUOTA_EXCEEDED', true],
  SkuNotAvailable: ['QUOTA_EXCEEDED', true],
  ResourceRequestsNotAvailable: ['QUOTA_EXCEEDED', true],
  ContainerGroupDeploymentCapacityNotAvailable: ['QUOTA_EXCEEDED', true],
  // The image registry answered with an error: usually transient on its side.
  RegistryErrorResponse: ['UNAVAILABLE', true],
  // The image does not exist or the registry credentials do not grant it: the request is wrong everywhere.
  InaccessibleImage: ['INVALID_ARGUMENT', false],
  InvalidImageRegistryCredentials: ['INVALID_ARGUMENT', false],
  ResourceRequestsExceedLimit: ['INVALID_ARGUMENT', false],
  MissingSubscriptionRegistration: ['PERMISSION_DENIED', false],
  SubscriptionNotRegistered: ['PERMISSION_DENIED', false],
  RequestDisallowedByPolicy: ['PERMISSION_DENIED', false],
};

/** Region capacity or quota, in the words ARM uses; deliberately narrow (no bare "limit"). */
const CAPACITY_PHRASE = /not available in the location|\bquota\b[^.]*\bexceeded\b|exceed(?:s|ed|ing)? (?:the )?approved [^.]*\bquota\b/i;

/**
 * Maps an Azure Resource Manager error (RestError: `statusCode`, `code`) from
 * Container Instances to core's codes:
 * - aborts → ABORTED; no HTTP answer → core's `classifyNetworkError` (UNAVAILABLE / TIMEOUT, retryable).
 * - 429 → RATE_LIMITED; 401/403 → PERMISSION_DENIED, never retryable whatever the message says.
 * - documented codes (`ContainerGroupQuotaReached`, `SkuNotAvailable`, `RegistryErrorResponse`,
 *   `InaccessibleImage`, …, see BY_ARM_CODE); `Invalid*` codes → INVALID_ARGUMENT.
 * - 409/400 `ServiceUnavailable` or a capacity/quota phrase ("…not available in the location…",
 *   "…quota … exceeded…") → QUOTA_EXCEEDED, retryable; other 409 → CONFLICT (retryable).
 * - 412 (a create-only PUT, `If-None-Match: *`, of a taken name) → ALREADY_EXISTS on submit.
 * - 404 → NOT_FOUND; 5xx → UNAVAILABLE (retryable); other 400 → INVALID_ARGUMENT.
 */
export function mapAzureAciError(error: unknown, context: { operation: string; key?: string }): PolycloudError {
  if (isPolycloudError(error)) return error;
  const e = (error ?? {}) as { statusCode?: number; code?: string; message?: string; name?: string };
  const status = e.statusCode;
  const armCode = typeof e.code === 'string' ? e.code : '';
  const message = redact(
    String(e.message ?? error)
      .split('\n')[0]!
      .slice(0, 300),
  );
  const ctx = {
    provider: 'azure-aci',
    operation: context.operation,
    ...(context.key ? { key: context.key } : {}),
    ...(status ? { status } : {}),
    ...(armCode ? { armCode } : {}),
  };
  const make = (code: ErrorCode, retryable: boolean, extra: Record<string, unknown> = {}) =>
    new PolycloudError(code, `Azure Container Instances ${context.operation}: ${armCode ? `${armCode}: ` : ''}${message}`, {
      cause: error,
      context: { ...ctx, ...extra },
      retryable,
    });

  if (e.name === 'AbortError') return make('ABORTED', false);
  if (status === undefined) {
    const network = classifyNetworkError(error);
    return network ? make(network.code, true, { networkCode: network.errno }) : make('UNEXPECTED', false);
  }
  if (status === 429) return make('RATE_LIMITED', true);
  if (status === 401 || status === 403) return make('PERMISSION_DENIED', false);
  const known = BY_ARM_CODE[armCode];
  if (known) return make(...known);
  if (/^Invalid/.test(armCode)) return make('INVALID_ARGUMENT', false);
  if ((status === 409 || status === 400) && (armCode === 'ServiceUnavailable' || CAPACITY_PHRASE.test(message))) return make('QUOTA_EXCEEDED', true);
  // A create-only PUT (If-None-Match: *) of a name that is taken.
  if (status === 412) return make(context.operation === 'submit' ? 'ALREADY_EXISTS' : 'CONDITION_NOT_MET', false);
  if (status === 409) return make('CONFLICT', true);
  if (status === 404) return make('NOT_FOUND', false);
  if (status >= 500) return make('UNAVAILABLE', true);
  if (status === 400) return make('INVALID_ARGUMENT', false);
  return make('UNEXPECTED', false);
}

/** @deprecated use mapAzureAciError; removed in 0.3 */
export const mapAciError = mapAzureAciError;
