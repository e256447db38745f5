import { type ErrorCode, type ErrorIssue, isPolycloudError, redact, toPolycloudError } from '@polycloud/core/spi';

/** An RFC 9457 problem details body, as the REST API answers every error. */
export interface Problem {
  /** `urn:polycloud:problem:<kind>`: the error code in kebab case, or a gateway condition (`unauthenticated`, `body-too-large`). */
  type: string;
  title: string;
  status: number;
  /** What went wrong, redacted (never a secret, signed URL or credential). */
  detail: string;
  /** One of core's error codes. */
  code: ErrorCode;
  /** Where in the request (or the document it carried) the problem is: `['query', 'limit']`, `['body', 'keys', 0]`. Empty when not about the input. */
  path: (string | number)[];
  /** Every problem found, each with its path, when there were several. */
  issues?: ErrorIssue[];
  /** Whether the same request may succeed later. */
  retryable: boolean;
}

/** The HTTP status and title for each of core's error codes (documented in docs/gateway.md). */
export const ERROR_STATUS: Readonly<Record<ErrorCode, { status: number; title: string }>> = {
  NOT_FOUND: { status: 404, title: 'Not found' },
  ALREADY_EXISTS: { status: 409, title: 'Already exists' },
  CONDITION_NOT_MET: { status: 412, title: 'Precondition failed' },
  PERMISSION_DENIED: { status: 403, title: 'Permission denied' },
  RATE_LIMITED: { status: 429, title: 'Rate limited' },
  UNAVAILABLE: { status: 503, title: 'Unavailable' },
  TIMEOUT: { status: 504, title: 'Timed out' },
  ABORTED: { status: 503, title: 'Aborted' },
  INVALID_ARGUMENT: { status: 400, title: 'Invalid argument' },
  CONFIG_INVALID: { status: 422, title: 'Invalid document' },
  UNSUPPORTED: { status: 501, title: 'Not supported' },
  CONFLICT: { status: 409, title: 'Conflict' },
  RESIDENCY_VIOLATION: { status: 403, title: 'Residency violation' },
  QUOTA_EXCEEDED: { status: 429, title: 'Quota exceeded' },
  UNEXPECTED: { status: 500, title: 'Unexpected error' },
};

const kebab = (code: string) => code.toLowerCase().replace(/_/g, '-');

export interface ProblemOverrides {
  status?: number;
  title?: string;
  kind?: string;
}

/** A problem body for a code and message (already written for a client: it is redacted again anyway). */
export function problem(code: ErrorCode, detail: string, path: (string | number)[] = [], overrides: ProblemOverrides = {}, issues?: ErrorIssue[]): Problem {
  const base = ERROR_STATUS[code];
  return {
    type: `urn:polycloud:problem:${overrides.kind ?? kebab(code)}`,
    title: overrides.title ?? base.title,
    status: overrides.status ?? base.status,
    detail: redact(detail),
    code,
    path,
    ...(issues && issues.length > 1 ? { issues: issues.map((i) => ({ path: i.path, message: redact(i.message) })) } : {}),
    retryable: code === 'RATE_LIMITED' || code === 'UNAVAILABLE' || code === 'TIMEOUT',
  };
}

/**
 * The problem for anything a handler threw: a PolycloudError keeps its code, message
 * (redacted at construction) and path; anything else is UNEXPECTED with a generic
 * detail, so no internal message (which could hold anything) reaches the client.
 */
export function problemFromError(error: unknown, pathPrefix: (string | number)[] = []): Problem {
  if (!isPolycloudError(error)) {
    const e = toPolycloudError(error);
    if (e.code === 'UNEXPECTED') return problem('UNEXPECTED', 'the gateway failed to handle the request');
    return problem(e.code, e.message);
  }
  const path = error.path ?? [];
  const issues = error.context.issues?.map((i) => ({ path: [...pathPrefix, ...i.path], message: i.message }));
  return { ...problem(error.code, error.message, path.length ? [...pathPrefix, ...path] : [], {}, issues), retryable: error.retryable };
}
