/**
 * The closed set of error codes polycloud reports. Adapters map every provider error
 * to one of these; callers branch on `code`, never on a message.
 */
export const ERROR_CODES = [
  'NOT_FOUND',
  'ALREADY_EXISTS',
  'CONDITION_NOT_MET',
  'PERMISSION_DENIED',
  'RATE_LIMITED',
  'UNAVAILABLE',
  'TIMEOUT',
  'ABORTED',
  'INVALID_ARGUMENT',
  'CONFIG_INVALID',
  'UNSUPPORTED',
  'CONFLICT',
  'RESIDENCY_VIOLATION',
  'QUOTA_EXCEEDED',
  'UNEXPECTED',
] as const;

export type ErrorCode = (typeof ERROR_CODES)[number];

/** Codes that are retryable unless the thrower says otherwise. */
export const RETRYABLE_BY_DEFAULT: ReadonlySet<ErrorCode> = new Set<ErrorCode>(['RATE_LIMITED', 'UNAVAILABLE', 'TIMEOUT']);
