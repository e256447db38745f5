import { classifyNetworkError, type ErrorCode, type ErrorContext, isPolycloudError, PolycloudError, redact } from '@polycloud/core/spi';

export const PROVIDER = 'azure-blob';

/** Azure error codes (`x-ms-error-code`) whose meaning is more precise than their HTTP status. */
const BY_AZURE_CODE: Record<string, [ErrorCode, boolean]> = {
  BlobNotFound: ['NOT_FOUND', false],
  ContainerNotFound: ['NOT_FOUND', false],
  ResourceNotFound: ['NOT_FOUND', false],
  CannotVerifyCopySource: ['NOT_FOUND', false],
  ConditionNotMet: ['CONDITION_NOT_MET', false],
  SourceConditionNotMet: ['CONDITION_NOT_MET', false],
  TargetConditionNotMet: ['CONDITION_NOT_MET', false],
  BlobAlreadyExists: ['ALREADY_EXISTS', false],
  ContainerAlreadyExists: ['ALREADY_EXISTS', false],
  ContainerBeingDeleted: ['CONFLICT', true],
  BlobBeingRehydrated: ['CONFLICT', true],
  AuthenticationFailed: ['PERMISSION_DENIED', false],
  AuthorizationFailure: ['PERMISSION_DENIED', false],
  AuthorizationPermissionMismatch: ['PERMISSION_DENIED', false],
  AuthorizationResourceTypeMismatch: ['PERMISSION_DENIED', false],
  AuthorizationServiceMismatch: ['PERMISSION_DENIED', false],
  AuthorizationSourceIPMismatch: ['PERMISSION_DENIED', false],
  AuthorizationProtocolMismatch: ['PERMISSION_DENIED', false],
  InsufficientAccountPermissions: ['PERMISSION_DENIED', false],
  AccountIsDisabled: ['PERMISSION_DENIED', false],
  ServerBusy: ['RATE_LIMITED', true],
  OperationTimedOut: ['TIMEOUT', true],
  InternalError: ['UNAVAILABLE', true],
  InvalidRange: ['INVALID_ARGUMENT', false],
  RequestBodyTooLarge: ['INVALID_ARGUMENT', false],
  MetadataTooLarge: ['INVALID_ARGUMENT', false],
  AccountBeingCreated: ['UNAVAILABLE', true],
};

function byStatus(status: number): [ErrorCode, boolean] {
  if (status === 404) return ['NOT_FOUND', false];
  if (status === 412) return ['CONDITION_NOT_MET', false];
  if (status === 409) return ['CONFLICT', false];
  if (status === 401 || status === 403) return ['PERMISSION_DENIED', false];
  if (status === 429) return ['RATE_LIMITED', true];
  if (status === 408 || status === 504) return ['TIMEOUT', true];
  if (status === 500 || status === 502 || status === 503) return ['UNAVAILABLE', true];
  // 431: request headers too large — on Blob Storage, user metadata (sent as x-ms-meta-* headers) over its limit.
  if (status === 400 || status === 411 || status === 413 || status === 414 || status === 416 || status === 431) return ['INVALID_ARGUMENT', false];
  if (status === 405 || status === 501) return ['UNSUPPORTED', false];
  return status >= 500 ? ['UNAVAILABLE', true] : ['UNEXPECTED', false];
}

interface Failure {
  name?: string;
  code?: unknown;
  statusCode?: unknown;
  message?: unknown;
  details?: { errorCode?: unknown };
  cause?: unknown;
}

/** The first line of a message, redacted (Azure appends RequestId / Time lines). */
function summary(error: Failure): string {
  const text = typeof error.message === 'string' ? error.message : '';
  return redact(text.split('\n')[0]!.trim().slice(0, 300));
}

/**
 * Maps anything the Azure SDK throws to a PolycloudError: the Azure error code
 * first (BlobNotFound, ConditionNotMet, ServerBusy, …), else the HTTP status, else
 * the transport failure (core's `classifyNetworkError`); aborts become ABORTED —
 * whatever the abort's reason: when core's own deadline fired, `execute()` already
 * reports TIMEOUT itself. The original error is the `cause`; the message is redacted.
 */
export function mapAzureBlobError(error: unknown, context: ErrorContext & { operation: string }, signal?: AbortSignal): PolycloudError {
  if (isPolycloudError(error)) return (error as PolycloudError).withContext({ provider: PROVIDER, ...context });
  const e = (typeof error === 'object' && error !== null ? error : { message: String(error) }) as Failure;
  const ctx: ErrorContext = { provider: PROVIDER, ...context };
  const where = `${PROVIDER} ${context.operation}${context.key !== undefined ? ` "${context.key}"` : ''}${context['container'] !== undefined ? ` in container "${String(context['container'])}"` : ''}`;

  if (e.name === 'AbortError' || signal?.aborted) {
    return new PolycloudError('ABORTED', `${where}: aborted`, { cause: error, context: ctx, retryable: false });
  }

  const status = typeof e.statusCode === 'number' ? e.statusCode : undefined;
  const azureCode = typeof e.code === 'string' ? e.code : typeof e.details?.errorCode === 'string' ? e.details.errorCode : undefined;
  if (status !== undefined) {
    const [code, retryable] = (azureCode && BY_AZURE_CODE[azureCode]) || byStatus(status);
    return new PolycloudError(code, `${where}: ${azureCode ?? 'HTTP'} (${status}) ${summary(e)}`, {
      cause: error,
      retryable,
      context: { ...ctx, status, ...(azureCode ? { azureCode } : {}) },
    });
  }

  const network = classifyNetworkError(error);
  if (network) {
    return new PolycloudError(network.code, `${where}: ${network.errno} ${summary(e)}`, {
      cause: error,
      retryable: true,
      context: { ...ctx, networkCode: network.errno },
    });
  }
  return new PolycloudError('UNEXPECTED', `${where}: ${summary(e) || 'unexpected error'}`, { cause: error, retryable: false, context: ctx });
}

/** Runs one SDK call and maps whatever it throws. */
export async function azureCall<T>(context: ErrorContext & { operation: string }, signal: AbortSignal | undefined, fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (error) {
    throw mapAzureBlobError(error, context, signal);
  }
}

/** @deprecated use mapAzureBlobError; removed in 0.3 */
export const mapAzureError = mapAzureBlobError;
