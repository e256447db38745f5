import { classifyNetworkError, type ErrorCode, isPolycloudError, PolycloudError } from '@polycloud/core/spi';

/** Where an S3 call failed (becomes the error's context). Never holds a secret. */
export interface S3ErrorContext {
  operation: string;
  /** Adapter instance name. */
  adapter?: string;
  bucket?: string;
  key?: string;
}

interface Mapping {
  code: ErrorCode;
  retryable: boolean;
}

const BY_NAME: Record<string, Mapping> = {
  NoSuchKey: { code: 'NOT_FOUND', retryable: false },
  NotFound: { code: 'NOT_FOUND', retryable: false },
  NoSuchBucket: { code: 'NOT_FOUND', retryable: false },
  NoSuchUpload: { code: 'NOT_FOUND', retryable: false },
  PreconditionFailed: { code: 'CONDITION_NOT_MET', retryable: false },
  /** A concurrent conditional write on the same key; S3 says to retry. */
  ConditionalRequestConflict: { code: 'CONFLICT', retryable: true },
  OperationAborted: { code: 'CONFLICT', retryable: true },
  BucketNotEmpty: { code: 'CONFLICT', retryable: false },
  BucketAlreadyExists: { code: 'ALREADY_EXISTS', retryable: false },
  BucketAlreadyOwnedByYou: { code: 'ALREADY_EXISTS', retryable: false },
  AccessDenied: { code: 'PERMISSION_DENIED', retryable: false },
  AllAccessDisabled: { code: 'PERMISSION_DENIED', retryable: false },
  AccountProblem: { code: 'PERMISSION_DENIED', retryable: false },
  InvalidAccessKeyId: { code: 'PERMISSION_DENIED', retryable: false },
  SignatureDoesNotMatch: { code: 'PERMISSION_DENIED', retryable: false },
  ExpiredToken: { code: 'PERMISSION_DENIED', retryable: false },
  InvalidToken: { code: 'PERMISSION_DENIED', retryable: false },
  CredentialsProviderError: { code: 'PERMISSION_DENIED', retryable: false },
  /** The SDK corrects its clock offset from this answer, so a retry succeeds. */
  RequestTimeTooSkewed: { code: 'UNAVAILABLE', retryable: true },
  SlowDown: { code: 'RATE_LIMITED', retryable: true },
  TooManyRequests: { code: 'RATE_LIMITED', retryable: true },
  Throttling: { code: 'RATE_LIMITED', retryable: true },
  ThrottlingException: { code: 'RATE_LIMITED', retryable: true },
  RequestLimitExceeded: { code: 'RATE_LIMITED', retryable: true },
  ServiceUnavailable: { code: 'UNAVAILABLE', retryable: true },
  InternalError: { code: 'UNAVAILABLE', retryable: true },
  RequestTimeout: { code: 'TIMEOUT', retryable: true },
  TimeoutError: { code: 'TIMEOUT', retryable: true },
  RequestTimeoutException: { code: 'TIMEOUT', retryable: true },
  AbortError: { code: 'ABORTED', retryable: false },
  InvalidRange: { code: 'INVALID_ARGUMENT', retryable: false },
  EntityTooLarge: { code: 'INVALID_ARGUMENT', retryable: false },
  EntityTooSmall: { code: 'INVALID_ARGUMENT', retryable: false },
  MetadataTooLarge: { code: 'INVALID_ARGUMENT', retryable: false },
  KeyTooLongError: { code: 'INVALID_ARGUMENT', retryable: false },
  InvalidArgument: { code: 'INVALID_ARGUMENT', retryable: false },
  InvalidBucketName: { code: 'INVALID_ARGUMENT', retryable: false },
  InvalidRequest: { code: 'INVALID_ARGUMENT', retryable: false },
  InvalidPart: { code: 'INVALID_ARGUMENT', retryable: false },
  MethodNotAllowed: { code: 'UNSUPPORTED', retryable: false },
  NotImplemented: { code: 'UNSUPPORTED', retryable: false },
  TooManyBuckets: { code: 'QUOTA_EXCEEDED', retryable: false },
};

function byName(name: string | undefined): Mapping | undefined {
  return name !== undefined && Object.hasOwn(BY_NAME, name) ? BY_NAME[name] : undefined;
}

function byStatus(status: number): Mapping | undefined {
  if (status === 404) return { code: 'NOT_FOUND', retryable: false };
  if (status === 412) return { code: 'CONDITION_NOT_MET', retryable: false };
  if (status === 401 || status === 403) return { code: 'PERMISSION_DENIED', retryable: false };
  if (status === 429) return { code: 'RATE_LIMITED', retryable: true };
  if (status === 408) return { code: 'TIMEOUT', retryable: true };
  if (status === 409) return { code: 'CONFLICT', retryable: false };
  if (status === 405 || status === 501) return { code: 'UNSUPPORTED', retryable: false };
  if (status === 400 || status === 411 || status === 413 || status === 414 || status === 416) return { code: 'INVALID_ARGUMENT', retryable: false };
  if (status >= 500) return { code: 'UNAVAILABLE', retryable: true };
  return undefined;
}

/**
 * Maps anything an S3 call throws to a PolycloudError: a socket error code first
 * (anywhere in the `cause` chain), then the S3 error code / name, then the HTTP status.
 * The original is `cause`; the message is redacted; context names provider `s3`,
 * operation, bucket and key.
 */
export function mapS3Error(error: unknown, where: S3ErrorContext): PolycloudError {
  const context = {
    provider: 's3',
    operation: where.operation,
    ...(where.adapter !== undefined ? { adapter: where.adapter } : {}),
    ...(where.bucket !== undefined ? { bucket: where.bucket } : {}),
    ...(where.key !== undefined ? { key: where.key } : {}),
  };
  if (isPolycloudError(error)) return (error as PolycloudError).withContext(context);
  const e = (typeof error === 'object' && error !== null ? error : { message: String(error) }) as Record<string, unknown>;
  const name = typeof e['name'] === 'string' ? (e['name'] as string) : undefined;
  const status =
    (e['$metadata'] as { httpStatusCode?: number } | undefined)?.httpStatusCode ??
    (typeof e['statusCode'] === 'number' ? (e['statusCode'] as number) : undefined);
  // A socket error code wins over the name: the SDK names a reset connection `TimeoutError`.
  // Core's classifier looks at `code` along the cause chain, then the message; a message
  // match on an error S3 answered over HTTP is not a transport failure.
  const classified = name === 'AbortError' ? undefined : classifyNetworkError(error);
  const net = classified && (status === undefined || classified.errno !== classified.code) ? classified : undefined;
  const providerCode = typeof e['Code'] === 'string' ? (e['Code'] as string) : (net?.errno ?? (name === 'Error' ? undefined : name));

  let mapping: Mapping | undefined;
  if (net) mapping = { code: net.code, retryable: net.retryable };
  mapping ??= byName(providerCode) ?? byName(name);
  if (!mapping && status !== undefined) mapping = byStatus(status);
  mapping ??= { code: 'UNEXPECTED', retryable: false };

  const what = `s3 ${where.operation}${where.bucket ? ` ${where.bucket}${where.key !== undefined ? `/${where.key}` : ''}` : ''}`;
  const detail = [providerCode, status !== undefined ? `HTTP ${status}` : undefined].filter(Boolean).join(', ');
  const original = typeof e['message'] === 'string' && e['message'] && e['message'] !== 'UnknownError' ? `: ${e['message'] as string}` : '';
  return new PolycloudError(mapping.code, `${what} failed${detail ? ` (${detail})` : ''}${original}`, {
    retryable: mapping.retryable,
    cause: error,
    context: { ...context, ...(status !== undefined ? { status } : {}), ...(providerCode !== undefined ? { providerCode } : {}) },
  });
}
