import { classifyNetworkError, type ErrorCode, type ErrorContext, isPolycloudError, PolycloudError, redact } from '@polycloud/core/spi';

/** What the adapter was doing when an error happened. */
export interface GcsErrorContext {
  operation: string;
  bucket?: string;
  key?: string;
  /** The adapter instance name (the provider's configured name). */
  adapter?: string;
  /**
   * The call creates only if absent (`ifNoneMatch: '*'` → ifGenerationMatch=0, bucket
   * creation): a 412 / 409 means ALREADY_EXISTS. Otherwise 412 is CONDITION_NOT_MET
   * and 409 CONFLICT.
   */
  createOnly?: boolean;
}

// Transport failures the SDK reports that core's classifier does not know: the SDK's
// CRC32C / MD5 check failing on a download (bytes damaged in transit) and a response
// stream cut short.
const EXTRA_UNAVAILABLE = new Set(['CONTENT_DOWNLOAD_MISMATCH', 'ERR_STREAM_PREMATURE_CLOSE']);
const RATE_REASONS = new Set(['rateLimitExceeded', 'userRateLimitExceeded', 'slowDown']);
const QUOTA_REASONS = new Set(['quotaExceeded', 'dailyLimitExceeded', 'storageQuotaExceeded']);

interface Facts {
  status?: number;
  reason?: string;
  netCode?: string;
  name?: string;
  message: string;
}

/** Reads status, reason and network code from an ApiError / GaxiosError / socket error and its causes. */
function facts(error: unknown): Facts {
  const out: Facts = { message: error instanceof Error ? error.message : String(error) };
  let e: unknown = error;
  for (let depth = 0; depth < 5 && typeof e === 'object' && e !== null; depth++) {
    const o = e as Record<string, unknown>;
    if (out.name === undefined && (o['name'] === 'AbortError' || o['type'] === 'aborted')) out.name = 'AbortError';
    // node-fetch (under gaxios / teeny-request): a per-request `timeout` expiring.
    if (out.netCode === undefined && o['type'] === 'request-timeout') out.netCode = 'ETIMEDOUT';
    const code = o['code'];
    if (out.status === undefined && typeof code === 'number' && code >= 100 && code < 600) out.status = code;
    if (out.status === undefined && typeof code === 'string' && /^\d{3}$/.test(code)) out.status = Number(code);
    if (out.netCode === undefined && typeof code === 'string' && /^[A-Z_]+$/.test(code)) out.netCode = code;
    const response = o['response'] as { status?: unknown } | undefined;
    if (out.status === undefined && typeof response?.status === 'number') out.status = response.status;
    if (out.status === undefined && typeof o['status'] === 'number') out.status = o['status'];
    const errors = o['errors'] as { reason?: unknown }[] | undefined;
    if (out.reason === undefined && Array.isArray(errors) && typeof errors[0]?.reason === 'string') out.reason = errors[0].reason;
    e = o['cause'] ?? o['error'];
  }
  return out;
}

function classify(error: unknown, f: Facts, ctx: GcsErrorContext): { code: ErrorCode; retryable: boolean } {
  if (f.name === 'AbortError') return { code: 'ABORTED', retryable: false };
  const s = f.status;
  if (s === undefined) {
    const network = classifyNetworkError(error);
    if (network) return { code: network.code, retryable: network.retryable };
    // node-fetch (under teeny-request) reports an expired per-request `timeout` with a type, not a code.
    if (f.netCode === 'ETIMEDOUT') return { code: 'TIMEOUT', retryable: true };
    if (f.netCode && EXTRA_UNAVAILABLE.has(f.netCode)) return { code: 'UNAVAILABLE', retryable: true };
    return { code: 'UNEXPECTED', retryable: false };
  }
  if (f.reason && RATE_REASONS.has(f.reason)) return { code: 'RATE_LIMITED', retryable: true };
  if (f.reason && QUOTA_REASONS.has(f.reason)) return { code: 'QUOTA_EXCEEDED', retryable: false };
  switch (s) {
    case 400:
    case 411:
    case 413:
    case 416:
      return { code: 'INVALID_ARGUMENT', retryable: false };
    case 401:
    case 403:
      return { code: 'PERMISSION_DENIED', retryable: false };
    case 404:
      return { code: 'NOT_FOUND', retryable: false };
    case 408:
    case 504:
      return { code: 'TIMEOUT', retryable: true };
    case 409:
      // Only a create-if-absent call can conflict with an existing resource; elsewhere
      // 409 is a concurrent change (e.g. an object edited during the operation).
      return { code: ctx.createOnly ? 'ALREADY_EXISTS' : 'CONFLICT', retryable: false };
    case 412:
      return { code: ctx.createOnly ? 'ALREADY_EXISTS' : 'CONDITION_NOT_MET', retryable: false };
    case 429:
      return { code: 'RATE_LIMITED', retryable: true };
    case 501:
      return { code: 'UNSUPPORTED', retryable: false };
    default:
      if (s >= 500) return { code: 'UNAVAILABLE', retryable: true };
      return { code: 'UNEXPECTED', retryable: false };
  }
}

/**
 * The one place Google Cloud Storage errors become PolycloudErrors: HTTP status and
 * `errors[0].reason` of an ApiError, socket codes of network failures, AbortError.
 * The original is kept as `cause`; the message is redacted (no key, token or signed URL).
 */
export function mapGcsError(error: unknown, ctx: GcsErrorContext): PolycloudError {
  const context: ErrorContext = {
    provider: 'gcs',
    operation: ctx.operation,
    ...(ctx.adapter !== undefined ? { adapter: ctx.adapter } : {}),
    ...(ctx.bucket !== undefined ? { bucket: ctx.bucket } : {}),
    ...(ctx.key !== undefined ? { key: ctx.key } : {}),
  };
  if (isPolycloudError(error)) return (error as PolycloudError).withContext(context);
  const f = facts(error);
  const { code, retryable } = classify(error, f, ctx);
  if (f.status !== undefined) context.status = f.status;
  const where = ctx.key !== undefined ? `gs://${ctx.bucket ?? '?'}/${ctx.key}` : ctx.bucket !== undefined ? `gs://${ctx.bucket}` : 'gcs';
  const detail = [f.status, f.reason ?? f.netCode].filter((x) => x !== undefined).join(' ');
  // Only the first line of the provider's message: gaxios appends request dumps on later lines.
  const first = redact(f.message.split('\n')[0] ?? '').slice(0, 300);
  return new PolycloudError(code, `gcs ${ctx.operation} ${where} failed${detail ? ` (${detail})` : ''}: ${first}`, {
    retryable,
    cause: error,
    context,
  });
}

/** ABORTED, for a signal that fired before or during a call. */
export function abortedError(ctx: GcsErrorContext, reason?: unknown): PolycloudError {
  return new PolycloudError('ABORTED', `gcs ${ctx.operation} was aborted`, {
    retryable: false,
    ...(reason !== undefined ? { cause: reason } : {}),
    context: { provider: 'gcs', operation: ctx.operation, ...(ctx.key !== undefined ? { key: ctx.key } : {}) },
  });
}

/** @deprecated use mapGcsError; removed in 0.3 */
export const toGcsError = mapGcsError;
